class Llama(Module):
  # TorchScript source of one forward step of a Llama-family decoder (Llama 2/3, Mistral, Qwen2,
  # Qwen3) over the paged KV cache. LlamaModel writes it into a TorchScript archive as
  # code/__torch__.py; libtorch compiles it at load. Operators are ATen's, named torch.<op>.
  #
  # The weights are handed over once by setup_weights(), the KV cache by setup_cache(); a step
  # passes one int64 tensor of per-token data and block tables, and two lists of host ints: the
  # prompt chunks and the decode groups (see StepInput.java).
  #
  # Every fast path has a reference path of ATen's plain ops beside it, and a fast path serves only
  # after FastPathCheck has compared the two on this machine (pack, compare_linear, set_reference).
  __parameters__ = []
  __buffers__ = []
  training : bool
  weights : List[Tensor]
  fast : List[Tensor]
  use_fast : List[bool]
  int8 : List[bool]
  scales : List[Tensor]
  reference : bool
  math_attention : bool
  max_layers : int
  k_cache : List[Tensor]
  v_cache : List[Tensor]
  layers : int
  heads : int
  kv_heads : int
  head_dim : int
  intermediate : int
  has_qkv_bias : bool
  has_qk_norm : bool
  eps : float

  def setup_weights(self: __torch__.Llama, weights: List[Tensor], layers: int, heads: int, kv_heads: int,
                    head_dim: int, intermediate: int, has_qkv_bias: bool, has_qk_norm: bool, eps: float) -> None:
    # weights: in the slots the *_slot functions above name (WeightLayout.java writes them); an absent
    # bias or norm is an empty tensor. All in the compute dtype (bfloat16 as its uint8 bytes), but
    # the RoPE tables, which come in float32 and are rounded here, as Hugging Face's are.
    self.layers = layers
    self.heads = heads
    self.kv_heads = kv_heads
    self.head_dim = head_dim
    self.intermediate = intermediate
    self.has_qkv_bias = has_qkv_bias
    self.has_qk_norm = has_qk_norm
    self.eps = eps
    self.weights = annotate(List[Tensor], [])
    for w in weights:
      self.weights.append(self.from_bits(w))
    dtype = self.compute_dtype()
    self.weights[__torch__.rope_cos_slot()] = self.weights[__torch__.rope_cos_slot()].to(dtype)
    self.weights[__torch__.rope_sin_slot()] = self.weights[__torch__.rope_sin_slot()].to(dtype)
    self.fast = annotate(List[Tensor], [])
    self.use_fast = annotate(List[bool], [])
    self.int8 = annotate(List[bool], [])
    self.scales = annotate(List[Tensor], [])
    for w in self.weights:
      self.fast.append(torch.empty([0], dtype=w.dtype, device=w.device))
      self.use_fast.append(False)
      self.int8.append(False)
      self.scales.append(torch.empty([0], dtype=w.dtype, device=w.device))

  def from_bits(self: __torch__.Llama, t: Tensor) -> Tensor:
    # A uint8 tensor carries the bytes of a bfloat16 one (DJL cannot hold bfloat16, see Bfloat16.java):
    # the same memory, seen as bfloat16. (set_ reinterprets; view(dtype) does not parse in this form.)
    if t.dtype != 0:
      return t
    size = t.size()
    size[-1] = size[-1] // 2
    return torch.empty([0], dtype=15, device=t.device).set_(t, t.storage_offset() // 2, size)

  def compute_dtype(self: __torch__.Llama) -> int:
    return self.weights[__torch__.embedding_slot()].dtype

  def pack(self: __torch__.Llama, j: int, source: Tensor, batch_hint: int) -> None:
    # Multiply by weight j through oneDNN's inner product (CPU), on source reordered once into its
    # blocked layout; the batch-size hint picks the layout, which then serves every batch size.
    self.fast[j] = ops.mkldnn._reorder_linear_weight(self.from_bits(source), batch_hint)
    self.use_fast[j] = True

  def quantize_int8(self: __torch__.Llama, j: int) -> None:
    # Multiply by weight j as int8, one scale per output channel (its largest magnitude / 127),
    # through ATen's int8-weight kernel, which dequantizes inside the product. The kernel takes
    # bfloat16 activations on the CPU (its float32 form is not vectorized), so the scales are bfloat16.
    w = self.weights[j].float()
    scales = w.abs().amax(1).clamp_min(1e-12) / 127.0
    self.fast[j] = torch.round(w / scales.unsqueeze(1)).clamp(-127, 127).to(1)
    self.scales[j] = scales.to(15)
    self.int8[j] = True
    self.use_fast[j] = True

  def unpack(self: __torch__.Llama, j: int) -> None:
    # Multiply by weight j through ATen's linear again, and free its fast copy.
    self.fast[j] = torch.empty([0], dtype=self.weights[j].dtype, device=self.weights[j].device)
    self.scales[j] = torch.empty([0], dtype=self.weights[j].dtype, device=self.weights[j].device)
    self.use_fast[j] = False
    self.int8[j] = False

  def forget_reference(self: __torch__.Llama, j: int) -> None:
    # Weight j is multiplied only on its fast path from now on: the program lets go of the original.
    self.weights[j] = torch.empty([0], dtype=self.fast[j].dtype, device=self.fast[j].device)

  def set_reference(self: __torch__.Llama, reference: bool) -> None:
    # While set, every product takes ATen's linear and attention the math kernel: the reference
    # the fast paths are checked against.
    self.reference = reference

  def set_math_attention(self: __torch__.Llama, math: bool) -> None:
    self.math_attention = math

  def set_max_layers(self: __torch__.Llama, max_layers: int) -> None:
    # Steps run only the first max_layers layers (0: all): a check's short step, whose layers all
    # take the same paths.
    self.max_layers = max_layers

  def compare_linear(self: __torch__.Llama, j: int, x: Tensor) -> Tensor:
    # [max |fast - reference|, max |reference|] of x @ weights[j]^T, x rounded to the compute dtype.
    x = x.to(self.compute_dtype())
    expected = torch.linear(x, self.weights[j])
    actual = self.linear(x, j, None)
    return torch.stack([(actual.float() - expected.float()).abs().max(), expected.float().abs().max()])

  def setup_cache(self: __torch__.Llama, k_cache: List[Tensor], v_cache: List[Tensor]) -> None:
    # k_cache, v_cache: per layer [kv_heads, blocks, block_size, head_dim], in the cache's dtype
    # (bfloat16 as its uint8 bytes), which may differ from the compute dtype.
    self.k_cache = annotate(List[Tensor], [])
    self.v_cache = annotate(List[Tensor], [])
    for l in range(len(k_cache)):
      self.k_cache.append(self.from_bits(k_cache[l]))
      self.v_cache.append(self.from_bits(v_cache[l]))

  def linear(self: __torch__.Llama, x: Tensor, j: int, bias: Optional[Tensor]) -> Tensor:
    # x @ weights[j]^T (+ bias)
    if self.use_fast[j] and not self.reference:
      if self.int8[j]:
        y = torch._weight_int8pack_mm(x.to(15).contiguous(), self.fast[j], self.scales[j]).to(x.dtype)
        if bias is not None:
          y = y + bias
        return y
      return ops.mkldnn._linear_pointwise(x, self.fast[j], bias, "none", annotate(List[Optional[number]], []), "")
    return torch.linear(x, self.weights[j], bias)

  def attend(self: __torch__.Llama, q: Tensor, k: Tensor, v: Tensor, mask: Optional[Tensor],
             causal: bool) -> Tensor:
    # Scaled dot-product attention: ATen's fused kernel (CPU: flash, which skips what causality
    # hides and never holds the scores), or its math kernel as the reference.
    if self.math_attention or self.reference:
      # The math kernel adds its mask: a boolean mask becomes 0 where visible, -inf elsewhere.
      additive = annotate(Optional[Tensor], None)
      if mask is not None:
        additive = torch.zeros(mask.size(), dtype=q.dtype, device=q.device).masked_fill(mask.logical_not(), float("-inf"))
      return torch._scaled_dot_product_attention_math(q, k, v, additive, 0.0, causal)[0]
    return torch.scaled_dot_product_attention(q, k, v, mask, 0.0, causal)

  def forward(self: __torch__.Llama, data: Tensor, chunks: List[int], groups: List[int], num_tokens: int,
              num_logits: int) -> Tensor:
    # data (int64): token ids [T], positions [T], KV slots [T], rows whose logits to return [R],
    #   then the block tables, token rows and context lengths the units point at.
    # chunks: 5 ints per sequence attending alone (a prompt chunk, or a lone decoding token):
    #   first token row, query length, context length (cached + new), offset of its block table in
    #   data, blocks its context fills.
    # groups: 5 ints per group of decoding sequences whose contexts fill the same number of blocks:
    #   sequences n, offset of their n block tables in data, blocks per sequence, offset of their n
    #   token rows, offset of their n context lengths.
    # Returns float32 logits [R, vocab].
    T = num_tokens
    tokens = data.narrow(0, 0, T)
    positions = data.narrow(0, T, T)
    slots = data.narrow(0, 2 * T, T)
    logit_rows = data.narrow(0, 3 * T, num_logits)
    cos = self.weights[__torch__.rope_cos_slot()].index_select(0, positions).unsqueeze(1)
    sin = self.weights[__torch__.rope_sin_slot()].index_select(0, positions).unsqueeze(1)
    chunk_tables, chunk_masks = self.chunk_views(data, chunks)
    group_tables, group_rows, group_masks = self.group_views(data, groups)
    layers = self.layers
    if self.max_layers > 0:
      layers = min(layers, self.max_layers)
    x = torch.embedding(self.weights[__torch__.embedding_slot()], tokens)
    for l in range(layers):
      h = self.norm(x, __torch__.input_norm_slot(l))
      q, k, v = self.qkv(h, l, cos, sin)
      self.write_kv(l, k, v, slots)
      attn = torch.empty_like(q)
      for c in range(len(chunks) // 5):
        self.attend_chunk(l, q, attn, chunks[5 * c], chunks[5 * c + 1], chunks[5 * c + 2], chunk_tables[c],
                          chunk_masks[c])
      for g in range(len(groups) // 5):
        self.attend_group(l, q, attn, groups[5 * g], groups[5 * g + 2], group_tables[g], group_rows[g],
                          group_masks[g])
      x = x + self.linear(attn.view(T, -1), __torch__.o_slot(l), None)
      x = x + self.mlp(self.norm(x, __torch__.post_norm_slot(l)), l)
    last = self.norm(x.index_select(0, logit_rows), __torch__.final_norm_slot())
    return self.linear(last, __torch__.lm_head_slot(), None).float()

  def norm(self: __torch__.Llama, x: Tensor, j: int) -> Tensor:
    return torch.rms_norm(x, [x.size(-1)], self.weights[j], self.eps)

  def qkv(self: __torch__.Llama, h: Tensor, l: int, cos: Tensor, sin: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    # q [T, heads, head_dim] and k, v [T, kv_heads, head_dim] of one layer, q and k rotated.
    T = h.size(0)
    q_size = self.heads * self.head_dim
    kv_size = self.kv_heads * self.head_dim
    bias = annotate(Optional[Tensor], None)
    if self.has_qkv_bias:
      bias = self.weights[__torch__.qkv_bias_slot(l)]
    qkv = self.linear(h, __torch__.qkv_slot(l), bias)
    q = qkv.narrow(1, 0, q_size).view(T, self.heads, self.head_dim)
    k = qkv.narrow(1, q_size, kv_size).view(T, self.kv_heads, self.head_dim)
    v = qkv.narrow(1, q_size + kv_size, kv_size).view(T, self.kv_heads, self.head_dim)
    if self.has_qk_norm:
      q = self.norm(q, __torch__.q_norm_slot(l))
      k = self.norm(k, __torch__.k_norm_slot(l))
    return self.rope(q, cos, sin), self.rope(k, cos, sin), v

  def rope(self: __torch__.Llama, x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    # Rotary embedding, the halves-rotated form Hugging Face's Llama uses.
    half = self.head_dim // 2
    return torch.cat([x.narrow(2, 0, half) * cos - x.narrow(2, half, half) * sin,
                      x.narrow(2, half, half) * cos + x.narrow(2, 0, half) * sin], 2)

  def write_kv(self: __torch__.Llama, l: int, k: Tensor, v: Tensor, slots: Tensor) -> None:
    # In place at each token's slot; the pool is head-major, [kv_heads, blocks * block_size, head_dim].
    # Converted to the cache's dtype where it differs from the compute dtype.
    k_pool = self.k_cache[l]
    v_pool = self.v_cache[l]
    k_pool.view(self.kv_heads, -1, self.head_dim).index_copy_(1, slots, k.transpose(0, 1).to(k_pool.dtype))
    v_pool.view(self.kv_heads, -1, self.head_dim).index_copy_(1, slots, v.transpose(0, 1).to(v_pool.dtype))

  def mlp(self: __torch__.Llama, h: Tensor, l: int) -> Tensor:
    gate_up = self.linear(h, __torch__.gate_up_slot(l), None)
    act = torch.silu(gate_up.narrow(1, 0, self.intermediate)) * gate_up.narrow(1, self.intermediate, self.intermediate)
    return self.linear(act, __torch__.down_slot(l), None)

  def pool_rows(self: __torch__.Llama, table: Tensor) -> Tensor:
    # The pool seen as [kv_heads * pool_blocks, block_size, head_dim]: the rows holding the table's
    # blocks for each KV head in turn. (Selecting along dim 0 of a 3-d view is a fast block copy in
    # libtorch 2.7; along dim 1, or from a 2-d view, it ran at 1-3 GB/s.)
    pool_blocks = self.k_cache[0].size(1)
    heads = torch.arange(self.kv_heads, device=table.device).unsqueeze(1) * pool_blocks
    return (heads + table.unsqueeze(0)).view(-1)

  def chunk_views(self: __torch__.Llama, data: Tensor, chunks: List[int]) -> Tuple[List[Tensor], List[Optional[Tensor]]]:
    # Per chunk, once for all layers: its pool rows, and the keys each query may see: none masked for
    # one token or a whole prompt (causal), up to its own position after cached tokens.
    tables = annotate(List[Tensor], [])
    masks = annotate(List[Optional[Tensor]], [])
    for c in range(len(chunks) // 5):
      q_len = chunks[5 * c + 1]
      ctx = chunks[5 * c + 2]
      tables.append(self.pool_rows(data.narrow(0, chunks[5 * c + 3], chunks[5 * c + 4])))
      if q_len == 1 or q_len == ctx:
        masks.append(None)
      else:
        keys = torch.arange(ctx, device=data.device)
        queries = torch.arange(ctx - q_len, ctx, device=data.device).unsqueeze(1)
        masks.append(torch.le(keys.unsqueeze(0), queries))
    return tables, masks

  def group_views(self: __torch__.Llama, data: Tensor, groups: List[int]) -> Tuple[List[Tensor], List[Tensor], List[Tensor]]:
    # Per group, once for all layers: its pool rows, its token rows, and per KV head and sequence the
    # keys up to each context's end.
    block_size = self.k_cache[0].size(2)
    tables = annotate(List[Tensor], [])
    rows = annotate(List[Tensor], [])
    masks = annotate(List[Tensor], [])
    for g in range(len(groups) // 5):
      n = groups[5 * g]
      blocks = groups[5 * g + 2]
      tables.append(self.pool_rows(data.narrow(0, groups[5 * g + 1], n * blocks)))
      rows.append(data.narrow(0, groups[5 * g + 3], n))
      ends = data.narrow(0, groups[5 * g + 4], n).unsqueeze(1)
      keys = torch.arange(blocks * block_size, device=data.device).unsqueeze(0)
      visible = torch.lt(keys, ends).unsqueeze(0).expand(self.kv_heads, n, blocks * block_size)
      masks.append(visible.reshape(self.kv_heads * n, 1, 1, blocks * block_size))
    return tables, rows, masks

  def context(self: __torch__.Llama, l: int, table: Tensor, n: int, ctx: int) -> Tuple[Tensor, Tensor]:
    # K and V [kv_heads, n, ctx, head_dim] of n sequences, read through their pool rows: only their own
    # blocks, never padded to another sequence's.
    block_size = self.k_cache[0].size(2)
    width = table.size(0) // (self.kv_heads * n) * block_size
    dtype = self.compute_dtype()
    ks = self.k_cache[l].view(-1, block_size, self.head_dim).index_select(0, table).to(dtype)
    vs = self.v_cache[l].view(-1, block_size, self.head_dim).index_select(0, table).to(dtype)
    return (ks.view(self.kv_heads, n, width, self.head_dim).narrow(2, 0, ctx),
            vs.view(self.kv_heads, n, width, self.head_dim).narrow(2, 0, ctx))

  def attend_chunk(self: __torch__.Llama, l: int, q: Tensor, attn: Tensor, start: int, q_len: int, ctx: int,
                   table: Tensor, mask: Optional[Tensor]) -> None:
    # One sequence's q_len tokens from row start attend to its first ctx keys.
    ks, vs = self.context(l, table, 1, ctx)
    if q_len == 1:
      # One decoding token: the query heads sharing a KV head are the queries of one single-head
      # attention to it (no copy of K or V).
      self.attend_decoding(q.narrow(0, start, 1), attn.narrow(0, start, 1), ks, vs, None, 1)
      return
    # A prompt chunk: one attention over K and V expanded to every query head.
    group = self.heads // self.kv_heads
    qs = q.narrow(0, start, q_len).transpose(0, 1).unsqueeze(0)
    ke = ks.expand(self.kv_heads, group, ctx, self.head_dim).reshape(1, self.heads, ctx, self.head_dim)
    ve = vs.expand(self.kv_heads, group, ctx, self.head_dim).reshape(1, self.heads, ctx, self.head_dim)
    o = self.attend(qs, ke, ve, mask, mask is None)
    attn.narrow(0, start, q_len).copy_(o.squeeze(0).transpose(0, 1))

  def attend_group(self: __torch__.Llama, l: int, q: Tensor, attn: Tensor, n: int, blocks: int, table: Tensor,
                   rows: Tensor, mask: Tensor) -> None:
    # n decoding sequences, one token each at rows, whose contexts fill the same number of blocks.
    block_size = self.k_cache[0].size(2)
    ks, vs = self.context(l, table, n, blocks * block_size)
    o = torch.empty([n, self.heads, self.head_dim], dtype=q.dtype, device=q.device)
    self.attend_decoding(q.index_select(0, rows), o, ks, vs, mask, n)
    attn.index_copy_(0, rows, o)

  def attend_decoding(self: __torch__.Llama, q: Tensor, out: Tensor, ks: Tensor, vs: Tensor, mask: Optional[Tensor],
                      n: int) -> None:
    # q, out [n, heads, head_dim]; ks, vs [kv_heads, n, keys, head_dim]. Per KV head and sequence, the
    # query heads sharing that KV head attend to it as the queries of one single-head attention.
    group = self.heads // self.kv_heads
    keys = ks.size(2)
    qg = q.view(n, self.kv_heads, group, self.head_dim).permute(1, 0, 2, 3)
    o = self.attend(qg.reshape(self.kv_heads * n, 1, group, self.head_dim),
                    ks.reshape(self.kv_heads * n, 1, keys, self.head_dim),
                    vs.reshape(self.kv_heads * n, 1, keys, self.head_dim), mask, False)
    out.copy_(o.view(self.kv_heads, n, group, self.head_dim).permute(1, 0, 2, 3).reshape(n, self.heads, self.head_dim))
