class Llama(Module):
  # TorchScript source of one forward step of a Llama-family decoder (Llama 2/3, Mistral, Qwen2,
  # Qwen3) over the paged KV cache. LlamaModel writes it into a TorchScript archive as
  # code/__torch__.py; libtorch compiles it at load. Operators are ATen's, named torch.<op>.
  #
  # The weights are handed over once by setup_weights(), the KV cache by setup_cache(); a step
  # passes one int64 tensor of per-token data and block tables, and a list of ints per attention unit
  # (see StepInput).
  __parameters__ = []
  __buffers__ = []
  training : bool
  weights : List[Tensor]
  k_cache : List[Tensor]
  v_cache : List[Tensor]
  dims : List[int]
  eps : float
  onednn : bool

  def setup_weights(self: __torch__.Llama, weights: List[Tensor], dims: List[int], eps: float,
                    onednn: bool) -> List[int]:
    # weights: embedding, final norm, output head, rope cos, rope sin, then per layer
    #   input norm, qkv [q+2kv, hidden], qkv bias, q norm, k norm, o [hidden, q], post norm,
    #   gate+up [2 inter, hidden], down [hidden, inter] (an absent bias or norm is an empty tensor).
    # dims: layers, heads, kv_heads, head_dim, intermediate, has_qkv_bias, has_qk_norm.
    # onednn: multiply through oneDNN's inner product on weights reordered once into its blocked
    #   layout (CPU only), which beat MKL's sgemm at every batch size on the CPUs measured.
    # Returns the indices of the weights replaced by reordered copies, which the caller may free.
    self.dims = dims
    self.eps = eps
    self.onednn = onednn
    matrices = [2]
    for l in range(dims[0]):
      b = 5 + 9 * l
      matrices = matrices + [b + 1, b + 5, b + 7, b + 8]
    self.weights = weights
    if not onednn:
      return annotate(List[int], [])
    # The batch-size hint picks the blocked layout; the weights then serve every batch size.
    packed = annotate(List[Tensor], [])
    for w in weights:
      packed.append(w)
    for j in matrices:
      packed[j] = ops.mkldnn._reorder_linear_weight(weights[j], 64)
    self.weights = packed
    return matrices

  def setup_cache(self: __torch__.Llama, k_cache: List[Tensor], v_cache: List[Tensor]) -> None:
    # k_cache, v_cache: per layer [kv_heads, blocks, block_size, head_dim].
    self.k_cache = k_cache
    self.v_cache = v_cache

  def linear(self: __torch__.Llama, x: Tensor, j: int, bias: Optional[Tensor]) -> Tensor:
    # x @ weights[j]^T (+ bias)
    if self.onednn:
      return ops.mkldnn._linear_pointwise(x, self.weights[j], bias, "none", annotate(List[Optional[number]], []), "")
    return torch.linear(x, self.weights[j], bias)

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
          # A prompt chunk: one fused attention (CPU: flash, which skips what causality hides and
          # never holds the scores), over K and V expanded to every query head.
          qs = q.narrow(0, start, q_len).transpose(0, 1).unsqueeze(0)
          ke = ks.expand(kv_heads, group, ctx, head_dim).reshape(1, heads, ctx, head_dim)
          ve = vs.expand(kv_heads, group, ctx, head_dim).reshape(1, heads, ctx, head_dim)
          mask = masks[u]
          o = torch.scaled_dot_product_attention(qs, ke, ve, mask, 0.0, mask is None)
          attn.narrow(0, start, q_len).copy_(o.squeeze(0).transpose(0, 1))
        else:
          # Decoding: per KV head and sequence, the query heads sharing that KV head attend to it
          # as the queries of one single-head attention (fused on CPU, no copy of K or V).
          if n == 1:
            qg = q.narrow(0, start, 1).view(kv_heads, 1, group, head_dim)
          else:
            qg = q.index_select(0, rows[u]).view(n, kv_heads, group, head_dim).permute(1, 0, 2, 3)
          o = torch.scaled_dot_product_attention(qg.reshape(kv_heads * n, 1, group, head_dim),
              ks.reshape(kv_heads * n, 1, ctx, head_dim), vs.reshape(kv_heads * n, 1, ctx, head_dim), masks[u])
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
