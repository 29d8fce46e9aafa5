class Llama(Module):
  # TorchScript source of one forward step of a Llama-family decoder (Llama 2/3, Mistral, Qwen2,
  # Qwen3) over the paged KV cache. LlamaModel writes it into a TorchScript archive as
  # code/__torch__.py; libtorch compiles it at load. Operators are ATen's, named torch.<op>.
  #
  # The weights are handed over once by setup_weights(), the KV cache by setup_cache(); a step
  # passes one int64 tensor of per-token data and block tables, and a list of ints per attention unit
  # (see StepInput).
  #
  # Every fast path has a reference path of ATen's plain ops beside it, and a fast path serves only
  # after FastPathCheck has compared the two on this machine (pack, compare_linear, set_reference).
  __parameters__ = []
  __buffers__ = []
  training : bool
  weights : List[Tensor]
  fast : List[Tensor]
  use_fast : List[bool]
  reference : bool
  math_attention : bool
  max_layers : int
  k_cache : List[Tensor]
  v_cache : List[Tensor]
  dims : List[int]
  eps : float

  def setup_weights(self: __torch__.Llama, weights: List[Tensor], dims: List[int], eps: float) -> List[int]:
    # weights: embedding, final norm, output head, rope cos, rope sin, then per layer
    #   input norm, qkv [q+2kv, hidden], qkv bias, q norm, k norm, o [hidden, q], post norm,
    #   gate+up [2 inter, hidden], down [hidden, inter] (an absent bias or norm is an empty tensor).
    # dims: layers, heads, kv_heads, head_dim, intermediate, has_qkv_bias, has_qk_norm.
    # Returns the slots of the matrices the step multiplies by, which may take a fast path.
    self.dims = dims
    self.eps = eps
    self.weights = weights
    self.fast = annotate(List[Tensor], [])
    self.use_fast = annotate(List[bool], [])
    for w in weights:
      self.fast.append(torch.empty([0], dtype=w.dtype, device=w.device))
      self.use_fast.append(False)
    matrices = [2]
    for l in range(dims[0]):
      b = 5 + 9 * l
      matrices = matrices + [b + 1, b + 5, b + 7, b + 8]
    return matrices

  def pack(self: __torch__.Llama, j: int, source: Tensor, batch_hint: int) -> None:
    # Multiply by weight j through oneDNN's inner product (CPU), on source reordered once into its
    # blocked layout; the batch-size hint picks the layout, which then serves every batch size.
    self.fast[j] = ops.mkldnn._reorder_linear_weight(source, batch_hint)
    self.use_fast[j] = True

  def unpack(self: __torch__.Llama, j: int) -> None:
    # Multiply by weight j through ATen's linear again, and free its fast copy.
    self.fast[j] = torch.empty([0], dtype=self.weights[j].dtype, device=self.weights[j].device)
    self.use_fast[j] = False

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
    # [max |fast - reference|, max |reference|] of x @ weights[j]^T.
    expected = torch.linear(x, self.weights[j])
    actual = self.linear(x, j, None)
    return torch.stack([(actual - expected).abs().max(), expected.abs().max()]).float()

  def setup_cache(self: __torch__.Llama, k_cache: List[Tensor], v_cache: List[Tensor]) -> None:
    # k_cache, v_cache: per layer [kv_heads, blocks, block_size, head_dim].
    self.k_cache = k_cache
    self.v_cache = v_cache

  def linear(self: __torch__.Llama, x: Tensor, j: int, bias: Optional[Tensor]) -> Tensor:
    # x @ weights[j]^T (+ bias)
    if self.use_fast[j] and not self.reference:
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

  def forward(self: __torch__.Llama, data: Tensor, units: List[int], num_tokens: int,
              num_logits: int) -> Tensor:
    # data (int64): token ids [T], positions [T], KV slots [T], rows whose logits to return [R],
    #   then what each attention unit reads (see units).
    # units: 6 ints per attention unit, a sequence or a group of decoding sequences whose contexts
    #   fill the same number of blocks: n (sequences), a, query length, offset of the block tables
    #   in data (n x blocks ids), blocks per sequence, c. For one sequence a is its first token row
    #   and c its context length (cached + new); for a group a and c are offsets in data of the n
    #   token rows and of the n context lengths.
    # Returns float32 logits [R, vocab].
    T = num_tokens
    tokens = data.narrow(0, 0, T)
    positions = data.narrow(0, T, T)
    slots = data.narrow(0, 2 * T, T)
    logit_rows = data.narrow(0, 3 * T, num_logits)
    w = self.weights
    layers = self.dims[0]
    if self.max_layers > 0:
      layers = min(layers, self.max_layers)
    heads = self.dims[1]
    kv_heads = self.dims[2]
    head_dim = self.dims[3]
    inter = self.dims[4]
    block_size = self.k_cache[0].size(2)
    has_bias = self.dims[5] == 1
    has_qk_norm = self.dims[6] == 1
    q_size = heads * head_dim
    kv_size = kv_heads * head_dim
    half = head_dim // 2
    group = heads // kv_heads
    cos = w[3].index_select(0, positions).unsqueeze(1)
    sin = w[4].index_select(0, positions).unsqueeze(1)
    # Per unit, once for all layers: its block tables, its token rows (groups) and the keys each query
    # may see: up to each context's end for a group (per KV head and sequence), up to its own position
    # for a prompt chunk after cached tokens; no mask for one token of one sequence, nor for a whole
    # prompt (causal).
    num_units = len(units) // 6
    pool_blocks = self.k_cache[0].size(1)
    head_offsets = torch.arange(kv_heads, device=data.device).unsqueeze(1) * pool_blocks
    tables = annotate(List[Tensor], [])
    rows = annotate(List[Tensor], [])
    masks = annotate(List[Optional[Tensor]], [])
    for u in range(num_units):
      n = units[6 * u]
      q_len = units[6 * u + 2]
      blocks = units[6 * u + 4]
      # Blocks of the pool seen as [kv_heads * pool_blocks, block_size, head_dim]: the unit's blocks
      # for each KV head in turn. (Selecting along dim 0 of a 3-d view is a fast block copy in
      # libtorch 2.7; along dim 1, or from a 2-d view, it ran at 1-3 GB/s.)
      table = data.narrow(0, units[6 * u + 3], n * blocks)
      tables.append((head_offsets + table.unsqueeze(0)).view(-1))
      if n > 1:
        rows.append(data.narrow(0, units[6 * u + 1], n))
        ends = data.narrow(0, units[6 * u + 5], n).unsqueeze(1)
        keys = torch.arange(blocks * block_size, device=data.device).unsqueeze(0)
        visible = torch.lt(keys, ends).unsqueeze(0).expand(kv_heads, n, blocks * block_size)
        masks.append(visible.reshape(kv_heads * n, 1, 1, blocks * block_size))
      else:
        rows.append(logit_rows)  # unused: one sequence's rows are consecutive
        ctx = units[6 * u + 5]
        if q_len == 1 or q_len == ctx:
          masks.append(None)
        else:
          keys = torch.arange(ctx, device=data.device)
          queries = torch.arange(ctx - q_len, ctx, device=data.device).unsqueeze(1)
          masks.append(torch.le(keys.unsqueeze(0), queries))
    x = torch.embedding(w[0], tokens)
    hidden = [x.size(1)]
    for l in range(layers):
      b = 5 + 9 * l
      h = torch.rms_norm(x, hidden, w[b], self.eps)
      bias = annotate(Optional[Tensor], None)
      if has_bias:
        bias = w[b + 2]
      qkv = self.linear(h, b + 1, bias)
      q = qkv.narrow(1, 0, q_size).view(T, heads, head_dim)
      k = qkv.narrow(1, q_size, kv_size).view(T, kv_heads, head_dim)
      v = qkv.narrow(1, q_size + kv_size, kv_size).view(T, kv_heads, head_dim)
      if has_qk_norm:
        q = torch.rms_norm(q, [head_dim], w[b + 3], self.eps)
        k = torch.rms_norm(k, [head_dim], w[b + 4], self.eps)
      q = torch.cat([q.narrow(2, 0, half) * cos - q.narrow(2, half, half) * sin,
                     q.narrow(2, half, half) * cos + q.narrow(2, 0, half) * sin], 2)
      k = torch.cat([k.narrow(2, 0, half) * cos - k.narrow(2, half, half) * sin,
                     k.narrow(2, half, half) * cos + k.narrow(2, 0, half) * sin], 2)
      k_pool = self.k_cache[l]
      v_pool = self.v_cache[l]
      k_pool.view(kv_heads, -1, head_dim).index_copy_(1, slots, k.transpose(0, 1))
      v_pool.view(kv_heads, -1, head_dim).index_copy_(1, slots, v.transpose(0, 1))
      attn = torch.empty_like(q)
      for u in range(num_units):
        n = units[6 * u]
        start = units[6 * u + 1]
        q_len = units[6 * u + 2]
        blocks = units[6 * u + 4]
        # Only the unit's own blocks, read through its block tables: no padding to other sequences.
        # The pool is head-major, so the selection is already [kv_heads, n, keys, head_dim].
        width = blocks * block_size
        ctx = width
        if n == 1:
          ctx = units[6 * u + 5]
        ks = k_pool.view(-1, block_size, head_dim).index_select(0, tables[u])
        vs = v_pool.view(-1, block_size, head_dim).index_select(0, tables[u])
        ks = ks.view(kv_heads, n, width, head_dim).narrow(2, 0, ctx)
        vs = vs.view(kv_heads, n, width, head_dim).narrow(2, 0, ctx)
        if n == 1 and q_len > 1:
          # A prompt chunk: one attention over K and V expanded to every query head.
          qs = q.narrow(0, start, q_len).transpose(0, 1).unsqueeze(0)
          ke = ks.expand(kv_heads, group, ctx, head_dim).reshape(1, heads, ctx, head_dim)
          ve = vs.expand(kv_heads, group, ctx, head_dim).reshape(1, heads, ctx, head_dim)
          mask = masks[u]
          o = self.attend(qs, ke, ve, mask, mask is None)
          attn.narrow(0, start, q_len).copy_(o.squeeze(0).transpose(0, 1))
        else:
          # Decoding: per KV head and sequence, the query heads sharing that KV head attend to it
          # as the queries of one single-head attention (no copy of K or V).
          if n == 1:
            qg = q.narrow(0, start, 1).view(kv_heads, 1, group, head_dim)
          else:
            qg = q.index_select(0, rows[u]).view(n, kv_heads, group, head_dim).permute(1, 0, 2, 3)
          o = self.attend(qg.reshape(kv_heads * n, 1, group, head_dim),
              ks.reshape(kv_heads * n, 1, ctx, head_dim), vs.reshape(kv_heads * n, 1, ctx, head_dim), masks[u], False)
          o = o.view(kv_heads, n, group, head_dim).permute(1, 0, 2, 3).reshape(n, heads, head_dim)
          if n == 1:
            attn.narrow(0, start, 1).copy_(o)
          else:
            attn.index_copy_(0, rows[u], o)
      attn = attn.reshape(T, q_size)
      x = x + self.linear(attn, b + 5, None)
      h = torch.rms_norm(x, hidden, w[b + 6], self.eps)
      gate_up = self.linear(h, b + 7, None)
      act = torch.silu(gate_up.narrow(1, 0, inter)) * gate_up.narrow(1, inter, inter)
      x = x + self.linear(act, b + 8, None)
    last = torch.rms_norm(x.index_select(0, logit_rows), hidden, w[1], self.eps)
    return self.linear(last, 2, None).float()
