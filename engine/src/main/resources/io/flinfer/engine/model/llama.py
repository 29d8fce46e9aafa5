class Llama(Module):
  # TorchScript source of one forward step of a Llama-family decoder (Llama 2/3, Mistral, Qwen2,
  # Qwen3, Phi-3, Gemma 2, Gemma 3, and the mixtures of experts Mixtral, Qwen2-MoE, Qwen3-MoE) over the
  # paged KV cache. LlamaModel writes it into a TorchScript archive as
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
  norm_pairs : List[Tensor]
  fast : List[Tensor]
  use_fast : List[bool]
  expert_fast : List[Tensor]
  use_expert_fast : bool
  int8 : List[bool]
  scales : List[Tensor]
  int8_dynamic : List[bool]
  int8_seven_bits : bool
  packed : List[__torch__.torch.classes.quantized.LinearPackedParamsBase]
  reference : bool
  math_attention : bool
  fused_norm : bool
  max_layers : int
  k_cache : List[Tensor]
  v_cache : List[Tensor]
  layers : int
  heads : int
  kv_heads : int
  head_dim : int
  has_qkv_bias : bool
  has_qk_norm : bool
  eps : float
  lora_a : List[Tensor]
  lora_b : List[Tensor]
  lora_plan : List[int]
  top_k : int
  norm_topk_prob : bool
  embed_scale : float
  query_scale : float
  attn_softcap : float
  final_softcap : float
  window : int
  sliding : List[bool]
  local_rope : bool
  gelu : bool

  def setup_weights(self: __torch__.Llama, weights: List[Tensor], layers: int, heads: int, kv_heads: int,
                    head_dim: int, has_qkv_bias: bool, has_qk_norm: bool, eps: float) -> None:
    # weights: in the slots the *_slot functions above name (WeightLayout.java writes them); an absent
    # bias or norm is an empty tensor. All in the compute dtype (bfloat16 as its uint8 bytes), but
    # the RoPE tables, which come in float32 and are rounded here, as Hugging Face's are.
    self.layers = layers
    self.heads = heads
    self.kv_heads = kv_heads
    self.head_dim = head_dim
    self.has_qkv_bias = has_qkv_bias
    self.has_qk_norm = has_qk_norm
    self.eps = eps
    self.weights = annotate(List[Tensor], [])
    for w in weights:
      self.weights.append(self.from_bits(w))
    dtype = self.compute_dtype()
    # The RoPE tables [positions, half] become [positions, 2 * half]: (cos, cos) and (-sin, sin), so
    # that rope() rotates in three operators (see there).
    for c, s in [(__torch__.rope_cos_slot(), __torch__.rope_sin_slot()),
                 (__torch__.rope_local_cos_slot(), __torch__.rope_local_sin_slot())]:
      cos = self.weights[c].to(dtype)
      sin = self.weights[s].to(dtype)
      self.weights[c] = torch.cat([cos, cos], 1)
      self.weights[s] = torch.cat([-sin, sin], 1)
    # Each one-dimensional weight (a norm's, or a bias) also as (w, w), for fused_rms_norm().
    self.norm_pairs = annotate(List[Tensor], [])
    for w in self.weights:
      if w.dim() == 1 and w.numel() > 0:
        self.norm_pairs.append(torch.cat([w, w]))
      else:
        self.norm_pairs.append(torch.empty([0], dtype=w.dtype, device=w.device))
    self.fast = annotate(List[Tensor], [])
    self.use_fast = annotate(List[bool], [])
    self.int8 = annotate(List[bool], [])
    self.scales = annotate(List[Tensor], [])
    self.int8_dynamic = annotate(List[bool], [])
    self.packed = annotate(List[__torch__.torch.classes.quantized.LinearPackedParamsBase], [])
    for w in self.weights:
      self.fast.append(torch.empty([0], dtype=w.dtype, device=w.device))
      self.use_fast.append(False)
      self.int8.append(False)
      self.scales.append(torch.empty([0], dtype=w.dtype, device=w.device))
      self.int8_dynamic.append(False)

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

  def setup_experts(self: __torch__.Llama, top_k: int, norm_topk_prob: bool) -> None:
    # A mixture of experts' routing: experts per token, and whether their weights are renormalized.
    self.top_k = top_k
    self.norm_topk_prob = norm_topk_prob

  def setup_gemma(self: __torch__.Llama, embed_scale: float, query_scale: float, attn_softcap: float,
                  final_softcap: float) -> None:
    # Gemma: the embedding scaled, queries scaled to query_pre_attn_scalar^-0.5 (attention divides by
    # sqrt(head_dim) after), tanh soft-caps (0: none) of attention scores and logits, GELU-tanh MLPs,
    # and its sliding layers rotating by RoPE tables of their own.
    self.embed_scale = embed_scale
    self.query_scale = query_scale
    self.attn_softcap = attn_softcap
    self.final_softcap = final_softcap
    self.local_rope = True
    self.gelu = True

  def setup_window(self: __torch__.Llama, window: int, sliding: List[bool]) -> None:
    # The layers sliding[l] attend to their last window positions only (Gemma's local layers, every
    # layer of Mistral, Mixtral and Phi-3 with a sliding_window).
    self.window = window
    self.sliding = sliding

  def pack(self: __torch__.Llama, j: int, source: Tensor, batch_hint: int) -> None:
    # Multiply by weight j through oneDNN's inner product (CPU), on source reordered once into its
    # blocked layout; the batch-size hint picks the layout, which then serves every batch size.
    self.fast[j] = ops.mkldnn._reorder_linear_weight(self.from_bits(source), batch_hint)
    self.use_fast[j] = True

  def pack_expert(self: __torch__.Llama, l: int, e: int, m: int, source: Tensor, batch_hint: int) -> None:
    # Expert e of layer l multiplies by its gate+up (m = 0) or its down (m = 1) through oneDNN's inner
    # product, on source reordered once, as pack does for a weight slot; the first call makes room for
    # every layer's experts.
    experts = self.weights[__torch__.router_slot(l)].size(0)
    if len(self.expert_fast) == 0:
      for i in range(self.layers * experts * 2):
        self.expert_fast.append(torch.empty([0], dtype=source.dtype, device=source.device))
    self.expert_fast[(l * experts + e) * 2 + m] = ops.mkldnn._reorder_linear_weight(self.from_bits(source), batch_hint)
    self.use_expert_fast = True

  def unpack_experts(self: __torch__.Llama) -> None:
    # Every expert multiplies through ATen's linear again.
    self.expert_fast = annotate(List[Tensor], [])
    self.use_expert_fast = False

  def forget_expert_references(self: __torch__.Llama) -> None:
    # The experts multiply only on their fast path from now on: the stacked originals go.
    for l in range(self.layers):
      for j in [__torch__.expert_gate_up_slot(l), __torch__.expert_down_slot(l)]:
        self.weights[j] = torch.empty([0], dtype=self.weights[j].dtype, device=self.weights[j].device)

  def expert_linear(self: __torch__.Llama, x: Tensor, l: int, e: int, m: int) -> Tensor:
    # x @ W^T for expert e of layer l, W its gate+up (m = 0) or its down (m = 1).
    if self.use_expert_fast and not self.reference:
      experts = self.weights[__torch__.router_slot(l)].size(0)
      return ops.mkldnn._linear_pointwise(x, self.expert_fast[(l * experts + e) * 2 + m], None, "none",
                                          annotate(List[Optional[number]], []), "")
    j = __torch__.expert_gate_up_slot(l) if m == 0 else __torch__.expert_down_slot(l)
    return torch.linear(x, self.weights[j][e])

  def compare_expert(self: __torch__.Llama, l: int, m: int, xs: List[Tensor]) -> Tensor:
    # compare_linear for expert 0 of layer l's gate+up (m = 0) or down (m = 1), over all its outputs.
    j = __torch__.expert_gate_up_slot(l) if m == 0 else __torch__.expert_down_slot(l)
    diffs = annotate(List[Tensor], [])
    for x32 in xs:
      x = x32.to(self.compute_dtype())
      expected = torch.linear(x, self.weights[j][0])
      actual = self.expert_linear(x, l, 0, m)
      diffs.append(torch.stack([(actual.float() - expected.float()).abs().max(), expected.float().abs().max()]))
    return torch.stack(diffs)

  def quantize_int8(self: __torch__.Llama, j: int) -> None:
    # Multiply by weight j as int8, one scale per output channel (its largest magnitude / 127),
    # through ATen's int8-weight kernel, which dequantizes inside the product: weight-only, for
    # CUDA and -Dflinfer.int8=weight-only (quantize_int8_dynamic serves a CPU). The kernel takes
    # bfloat16 activations on the CPU (its float32 form is not vectorized), so the scales are bfloat16.
    w = self.weights[j].float()
    scales = w.abs().amax(1).clamp_min(1e-12) / 127.0
    self.fast[j] = torch.round(w / scales.unsqueeze(1)).clamp(-127, 127).to(1)
    self.scales[j] = scales.to(15)
    self.int8[j] = True
    self.use_fast[j] = True

  def quantize_int8_dynamic(self: __torch__.Llama, j: int, seven_bits: bool) -> None:
    # Multiply by weight j as int8, one scale per output channel, through fbgemm's dynamic product
    # (CPU): each call quantizes its float32 input to uint8 (one scale per call; 7 bits where the CPU
    # lacks VNNI, whose 16-bit pair sums 8 bits could overflow), multiplies in int32 and scales back
    # to float32. fbgemm keeps the weight packed for its kernels (and the int8 weight beside it, for
    # unpacking).
    self.int8_seven_bits = seven_bits
    w = self.weights[j].float()
    scales = w.abs().amax(1).clamp_min(1e-12) / 127.0
    q = torch.quantize_per_channel(w, scales.double(), torch.zeros([w.size(0)], dtype=4), 0, 12)
    if len(self.packed) == 0:
      placeholder = self.empty_packed()
      for i in range(len(self.weights)):
        self.packed.append(placeholder)
    self.packed[j] = ops.quantized.linear_prepack(q, None)
    self.int8_dynamic[j] = True
    self.use_fast[j] = True

  def empty_packed(self: __torch__.Llama) -> __torch__.torch.classes.quantized.LinearPackedParamsBase:
    # What a slot without fbgemm's product holds: a 1 x 1 packed weight.
    return ops.quantized.linear_prepack(torch.quantize_per_tensor(torch.zeros([1, 1]), 1.0, 0, 12), None)

  def unpack(self: __torch__.Llama, j: int) -> None:
    # Multiply by weight j through ATen's linear again, and free its fast copy.
    self.fast[j] = torch.empty([0], dtype=self.weights[j].dtype, device=self.weights[j].device)
    self.scales[j] = torch.empty([0], dtype=self.weights[j].dtype, device=self.weights[j].device)
    self.use_fast[j] = False
    self.int8[j] = False
    if self.int8_dynamic[j]:
      self.packed[j] = self.empty_packed()
      self.int8_dynamic[j] = False

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
    # Steps run only the first max_layers layers (0: all) and return the final-normed hidden states of
    # the logit rows instead of logits: a check's short step, whose layers all take the same paths.
    self.max_layers = max_layers

  def compare_linear(self: __torch__.Llama, j: int, xs: List[Tensor], runs: int) -> Tensor:
    # For each x, [max |fast - reference|, max |reference|] of x @ weights[j]^T over a sample of its
    # outputs: `runs` runs of 64 consecutive outputs spread evenly from the first to the last (0: all).
    # The fast path runs whole, as it will serve. Each x is rounded to the compute dtype; the reference
    # multiplies the rounded x and weights in float32, whose ATen product is MKL's (a bfloat16 one
    # would be oneDNN's own matmul, not an independent reference). Contiguous runs, because MKL reads a
    # strided sample (every k-th row) ten times slower than the fast path reads the whole matrix; each
    # run multiplied where it lies (widened into one reused buffer), because fresh memory is slow here:
    # gathering a 1B model's down projection runs into one 32 MB matrix took 50-130 ms, most of it
    # page faults.
    w = self.weights[j]
    n = w.size(0)
    length = n
    starts = annotate(List[int], [0])
    if runs > 0:
      length = 64
      starts = annotate(List[int], [])
      for r in range(runs):
        starts.append(r * (n - 64) // (runs - 1))
    rounded = annotate(List[Tensor], [])
    expected = annotate(List[List[Tensor]], [])
    for x32 in xs:
      rounded.append(x32.to(self.compute_dtype()))
      expected.append(annotate(List[Tensor], []))
    widened = w.narrow(0, 0, length)
    if w.dtype != 6:
      widened = torch.empty([length, w.size(1)], dtype=6, device=w.device)
    for s in starts:
      run = w.narrow(0, s, length)
      if w.dtype != 6:
        run = widened.copy_(run)
      for i in range(len(rounded)):
        expected[i].append(torch.linear(rounded[i].float(), run))
    diffs = annotate(List[Tensor], [])
    for i in range(len(rounded)):
      actual = self.linear(rounded[i], j, None).float()
      if runs > 0:
        actual = torch.cat([actual.narrow(1, s, 64) for s in starts], 1)
      reference = torch.cat(expected[i], 1)
      diffs.append(torch.stack([(actual - reference).abs().max(), reference.abs().max()]))
    return torch.stack(diffs)

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
      if self.int8_dynamic[j] or self.int8[j]:
        if self.int8_dynamic[j]:
          y = ops.quantized.linear_dynamic(x.float(), self.packed[j], self.int8_seven_bits).to(x.dtype)
        else:
          y = torch._weight_int8pack_mm(x.to(15).contiguous(), self.fast[j], self.scales[j]).to(x.dtype)
        if bias is not None:
          y = y + bias
        return y
      return ops.mkldnn._linear_pointwise(x, self.fast[j], bias, "none", annotate(List[Optional[number]], []), "")
    return torch.linear(x, self.weights[j], bias)

  # LoRA: the adapters of one step, each a low-rank delta added after a layer's product, per row.
  # lora_a/lora_b hold max_loras slots of layers * 4 matrices each, at (slot * layers + layer) * 4 + m,
  # m = 0 q/k/v, 1 o, 2 gate/up, 3 down (LoraAdapter.java stacks them the way the weights are stacked:
  # A [ranks, in], B [out, ranks] scaled, block-diagonal across q/k/v and gate/up; an untargeted matrix
  # is an empty tensor).

  def setup_lora(self: __torch__.Llama, max_loras: int) -> None:
    self.lora_a = annotate(List[Tensor], [])
    self.lora_b = annotate(List[Tensor], [])
    for i in range(max_loras * self.layers * 4):
      self.lora_a.append(torch.empty([0], dtype=self.weights[0].dtype, device=self.weights[0].device))
      self.lora_b.append(torch.empty([0], dtype=self.weights[0].dtype, device=self.weights[0].device))
    self.lora_plan = annotate(List[int], [])

  def set_lora(self: __torch__.Llama, slot: int, a: List[Tensor], b: List[Tensor]) -> None:
    # Puts an adapter's layers * 4 matrices into slot.
    base = slot * self.layers * 4
    for i in range(len(a)):
      self.lora_a[base + i] = a[i]
      self.lora_b[base + i] = b[i]

  def forward_lora(self: __torch__.Llama, data: Tensor, chunks: List[int], groups: List[int], num_tokens: int,
                   num_logits: int, plan: List[int]) -> Tensor:
    # forward() with adapters: plan has 3 ints per adapter in the step (slot, first row, rows), each
    # adapter's rows one range. Rows of no adapter take the base model. data may be longer than the
    # step needs (the engine's reused step buffer, StepBuffer.java) and in host memory: a device that
    # is not the host gets a copy.
    self.lora_plan = plan
    return self.forward(data.to(self.weights[__torch__.embedding_slot()].device), chunks, groups, num_tokens,
                        num_logits)

  def forward_argmax(self: __torch__.Llama, data: Tensor, chunks: List[int], groups: List[int], num_tokens: int,
                     num_logits: int, plan: List[int]) -> None:
    # The argmax of forward_lora's logit rows, written as int64 ids into data's last num_logits
    # elements, which the engine keeps free for them: the next tokens of a step whose rows all decode
    # greedily with nothing applied to the logits first (no penalty, mask or logprobs). Taken here, on
    # logits still in the caches, and read back by the engine from the memory it wrote the step's data
    # to, it spares the sampler's round trips through DJL.
    ids = torch.argmax(self.forward_lora(data, chunks, groups, num_tokens, num_logits, plan), 1)
    data.narrow(0, data.size(0) - num_logits, num_logits).copy_(ids)

  def adapted(self: __torch__.Llama, x: Tensor, j: int, bias: Optional[Tensor], l: int, m: int) -> Tensor:
    # x @ weights[j]^T (+ bias), plus, on the rows of each adapter in the step, (x A^T) B^T: one pair
    # of small products per adapter over all its rows, whatever sequences they belong to.
    y = self.linear(x, j, bias)
    plan = self.lora_plan
    for i in range(len(plan) // 3):
      k = (plan[3 * i] * self.layers + l) * 4 + m
      a = self.lora_a[k]
      if a.numel() > 0:
        first = plan[3 * i + 1]
        n = plan[3 * i + 2]
        y.narrow(0, first, n).addmm_(torch.linear(x.narrow(0, first, n), a), self.lora_b[k].t())
    return y

  def attend(self: __torch__.Llama, q: Tensor, k: Tensor, v: Tensor, mask: Optional[Tensor],
             causal: bool) -> Tensor:
    # Scaled dot-product attention: ATen's fused kernel (CPU: flash, which skips what causality
    # hides and never holds the scores), or its math kernel as the reference.
    if self.attn_softcap > 0.0:
      return self.attend_capped(q, k, v, mask, causal)
    if self.math_attention or self.reference:
      # The math kernel adds its mask: a boolean mask becomes 0 where visible, -inf elsewhere.
      additive = annotate(Optional[Tensor], None)
      if mask is not None:
        additive = torch.zeros(mask.size(), dtype=q.dtype, device=q.device).masked_fill(mask.logical_not(), float("-inf"))
      return torch._scaled_dot_product_attention_math(q, k, v, additive, 0.0, causal)[0]
    return torch.scaled_dot_product_attention(q, k, v, mask, 0.0, causal)

  def attend_capped(self: __torch__.Llama, q: Tensor, k: Tensor, v: Tensor, mask: Optional[Tensor],
                    causal: bool) -> Tensor:
    # Gemma 2's attention: scores soft-capped by tanh before the mask and softmax, which no fused
    # kernel does. Causal attention here is always a whole prompt (as many queries as keys).
    scores = torch.matmul(q, k.transpose(-2, -1)) * (float(self.head_dim) ** -0.5)
    scores = torch.tanh(scores / self.attn_softcap) * self.attn_softcap
    if causal:
      scores = scores.masked_fill(torch.ones_like(scores).triu(1).gt(0.0), float("-inf"))
    if mask is not None:
      scores = scores.masked_fill(mask.logical_not(), float("-inf"))
    return torch.matmul(torch.softmax(scores.float(), -1).to(q.dtype), v)

  def forward(self: __torch__.Llama, data: Tensor, chunks: List[int], groups: List[int], num_tokens: int,
              num_logits: int) -> Tensor:
    # data (int64): token ids [T], positions [T], KV slots [T], rows whose logits to return [R],
    #   then the block tables, token rows and context lengths the units point at.
    # chunks: 6 ints per sequence attending alone (a prompt chunk, or a lone decoding token):
    #   first token row, query length, context length (cached + new), offset of its block table in
    #   data, blocks its context fills, and the first of them where they lie in a row in the pool
    #   (each the one before plus 1), else -1.
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
    local_cos = cos
    local_sin = sin
    if self.local_rope:
      # Only Gemma rotates its sliding layers by tables of their own.
      local_cos = self.weights[__torch__.rope_local_cos_slot()].index_select(0, positions).unsqueeze(1)
      local_sin = self.weights[__torch__.rope_local_sin_slot()].index_select(0, positions).unsqueeze(1)
    chunk_tables, chunk_masks = self.chunk_views(data, chunks)
    group_tables, group_rows, group_masks, group_bags, group_offsets = self.group_views(data, groups)
    window_chunk_masks, window_group_masks = self.window_masks(data, chunks, groups, chunk_masks, group_masks)
    # A step of one sequence alone (a lone decoding token, or one prompt chunk) takes each layer's
    # attention output as it comes; otherwise each unit's output goes to its rows.
    alone = len(chunks) == 6 and len(groups) == 0
    layers = self.layers
    if self.max_layers > 0:
      layers = min(layers, self.max_layers)
    x = torch.embedding(self.weights[__torch__.embedding_slot()], tokens)
    if self.embed_scale != 1.0:
      x = x * self.embed_scale
    for l in range(layers):
      sliding = len(self.sliding) > 0 and self.sliding[l]
      h = self.norm(x, __torch__.input_norm_slot(l))
      if sliding:
        q, k, v = self.qkv(h, l, local_cos, local_sin)
      else:
        q, k, v = self.qkv(h, l, cos, sin)
      if self.query_scale != 1.0:
        q = q * self.query_scale
      self.write_kv(l, k, v, slots)
      if alone:
        attn = self.attend_chunk(l, q, chunks, 0, chunk_tables[0], window_chunk_masks[0] if sliding else chunk_masks[0])
      else:
        attn = torch.empty_like(q)
        for c in range(len(chunks) // 6):
          mask = window_chunk_masks[c] if sliding else chunk_masks[c]
          start = chunks[6 * c]
          q_len = chunks[6 * c + 1]
          attn.narrow(0, start, q_len).copy_(
              self.attend_chunk(l, q.narrow(0, start, q_len), chunks, c, chunk_tables[c], mask))
        for g in range(len(groups) // 5):
          mask = window_group_masks[g] if sliding else group_masks[g]
          attn.index_copy_(0, group_rows[g], self.attend_group(l, q.index_select(0, group_rows[g]), groups[5 * g],
                                                                groups[5 * g + 2], group_tables[g], mask,
                                                                group_bags[g], group_offsets[g]))
      x = x + self.output_norm(self.adapted(attn.reshape(T, -1), __torch__.o_slot(l), None, l, 1),
                               __torch__.attn_out_norm_slot(l))
      h = self.norm(x, __torch__.post_norm_slot(l))
      if self.weights[__torch__.router_slot(l)].numel() > 0:
        x = x + self.moe(h, l)
      else:
        x = x + self.output_norm(self.mlp(h, l), __torch__.mlp_out_norm_slot(l))
    last = self.norm(x.index_select(0, logit_rows), __torch__.final_norm_slot())
    if self.max_layers > 0:
      # A check's short step compares hidden states: the vocabulary head's product is checked on its
      # own, and multiplying it twice more would cost more than the rest of the step.
      return last.float()
    logits = self.linear(last, __torch__.lm_head_slot(), None).float()
    if self.final_softcap > 0.0:
      logits = torch.tanh(logits / self.final_softcap) * self.final_softcap
    return logits

  def output_norm(self: __torch__.Llama, y: Tensor, j: int) -> Tensor:
    # Gemma normalizes the attention's and the MLP's outputs before adding them; other models have
    # no such norm (an empty weight).
    if self.weights[j].numel() > 0:
      return self.norm(y, j)
    return y

  def norm(self: __torch__.Llama, x: Tensor, j: int) -> Tensor:
    # RMSNorm by weights[j]: fused once FastPathCheck has compared it with ATen's rms_norm here.
    if self.fused_norm and not self.reference:
      return self.fused_rms_norm(x, j)
    return torch.rms_norm(x, [x.size(-1)], self.weights[j], self.eps)

  def fused_rms_norm(self: __torch__.Llama, x: Tensor, j: int) -> Tensor:
    # ATen's rms_norm is a composite of ~13 operators (for bfloat16 two conversions more), each a
    # dispatch, 25 calls in a Llama step; its layer_norm is one fused kernel. LayerNorm of (x, -x),
    # whose mean is 0 and whose mean square is x's, is x's RMSNorm twice over: the first half, with
    # the weight (w, w), is the result, computed in float32 and rounded once.
    d = x.size(-1)
    return torch.layer_norm(torch.cat([x, -x], -1), [2 * d], self.norm_pairs[j], None, self.eps).narrow(-1, 0, d)

  def set_fused_norm(self: __torch__.Llama, fused: bool) -> None:
    self.fused_norm = fused

  def compare_norm(self: __torch__.Llama, j: int, xs: List[Tensor]) -> Tensor:
    # For each x (rounded to the compute dtype), [max |fused - rms_norm|, max |rms_norm|] of its norm by weights[j].
    diffs = annotate(List[Tensor], [])
    for x32 in xs:
      x = x32.to(self.compute_dtype())
      expected = torch.rms_norm(x, [x.size(-1)], self.weights[j], self.eps).float()
      actual = self.fused_rms_norm(x, j).float()
      diffs.append(torch.stack([(actual - expected).abs().max(), expected.abs().max()]))
    return torch.stack(diffs)

  def qkv(self: __torch__.Llama, h: Tensor, l: int, cos: Tensor, sin: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    # q [T, heads, head_dim] and k, v [T, kv_heads, head_dim] of one layer, q and k rotated.
    T = h.size(0)
    q_size = self.heads * self.head_dim
    kv_size = self.kv_heads * self.head_dim
    bias = annotate(Optional[Tensor], None)
    if self.has_qkv_bias:
      bias = self.weights[__torch__.qkv_bias_slot(l)]
    qkv = self.adapted(h, __torch__.qkv_slot(l), bias, l, 0)
    v = qkv.narrow(1, q_size + kv_size, kv_size).view(T, self.kv_heads, self.head_dim)
    if self.has_qk_norm:
      q = self.norm(qkv.narrow(1, 0, q_size).view(T, self.heads, self.head_dim), __torch__.q_norm_slot(l))
      k = self.norm(qkv.narrow(1, q_size, kv_size).view(T, self.kv_heads, self.head_dim), __torch__.k_norm_slot(l))
      return self.rope(q, cos, sin), self.rope(k, cos, sin), v
    # q and k are adjacent in qkv: one rotation of both.
    qk = self.rope(qkv.narrow(1, 0, q_size + kv_size).view(T, self.heads + self.kv_heads, self.head_dim), cos, sin)
    return qk.narrow(1, 0, self.heads), qk.narrow(1, self.heads, self.kv_heads), v

  def rope(self: __torch__.Llama, x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    # Rotary embedding, the halves-rotated form Hugging Face's Llama uses, of the first 2 * half
    # dimensions; the rest (Phi-4-mini's partial rotary) pass through. With cos = (cos, cos) and
    # sin = (-sin, sin) (setup_weights), x * cos + (x's halves swapped) * sin is
    # (x1 cos - x2 sin, x2 cos + x1 sin): three operators where the halves took eleven, which a
    # one-token decode step pays per operator, not per element.
    rotary = cos.size(-1)
    if rotary == self.head_dim:
      return torch.addcmul(x * cos, torch.roll(x, rotary // 2, 2), sin)
    r = x.narrow(2, 0, rotary)
    return torch.cat([torch.addcmul(r * cos, torch.roll(r, rotary // 2, 2), sin),
                      x.narrow(2, rotary, self.head_dim - rotary)], 2)

  def write_kv(self: __torch__.Llama, l: int, k: Tensor, v: Tensor, slots: Tensor) -> None:
    # In place at each token's slot; the pool is head-major, [kv_heads, blocks * block_size, head_dim].
    # Converted to the cache's dtype where it differs from the compute dtype.
    k_pool = self.k_cache[l]
    v_pool = self.v_cache[l]
    k_pool.view(self.kv_heads, -1, self.head_dim).index_copy_(1, slots, k.transpose(0, 1).to(k_pool.dtype))
    v_pool.view(self.kv_heads, -1, self.head_dim).index_copy_(1, slots, v.transpose(0, 1).to(v_pool.dtype))

  def mlp(self: __torch__.Llama, h: Tensor, l: int) -> Tensor:
    # A dense layer's MLP, with the adapters of the step's rows on gate+up (module 2) and down (3).
    gate_up = self.adapted(h, __torch__.gate_up_slot(l), None, l, 2)
    return self.adapted(self.activation(gate_up), __torch__.down_slot(l), None, l, 3)

  def moe(self: __torch__.Llama, h: Tensor, l: int) -> Tensor:
    # A mixture of experts. Each token takes the top_k experts of the router's softmax (their weights
    # renormalized to sum 1 when norm_topk_prob). The (token, expert) pairs are sorted by expert and
    # their token rows gathered in one index_select, so each expert with tokens multiplies just its
    # rows in one product per matrix and an expert without any costs nothing; the outputs, scaled by
    # their router weights, are added back to their tokens in one index_add. The router multiplies
    # through linear on every path: a rounding difference there could change which experts a token takes.
    logits = torch.linear(h, self.weights[__torch__.router_slot(l)])
    top, experts = torch.topk(torch.softmax(logits.float(), 1), self.top_k, 1)
    if self.norm_topk_prob:
      top = top / top.sum(1, True)
    flat = experts.view(-1)
    order = torch.argsort(flat, stable=True)
    counts = annotate(List[int], torch.bincount(flat, None, logits.size(1)).tolist())
    rows = torch.div(order, self.top_k, rounding_mode="floor")
    xs = h.index_select(0, rows)
    ys = annotate(List[Tensor], [])
    start = 0
    for e in range(len(counts)):
      n = counts[e]
      if n > 0:
        gate_up = self.expert_linear(xs.narrow(0, start, n), l, e, 0)
        ys.append(self.expert_linear(self.activation(gate_up), l, e, 1))
        start = start + n
    scaled = torch.cat(ys) * top.view(-1).index_select(0, order).to(h.dtype).unsqueeze(1)
    out = torch.zeros_like(h).index_add_(0, rows, scaled)
    if self.weights[__torch__.shared_gate_slot(l)].numel() > 0:
      # Qwen2-MoE's shared expert, which every token takes, behind a sigmoid gate of its own.
      shared = self.gated_mlp(h, __torch__.shared_gate_up_slot(l), __torch__.shared_down_slot(l))
      out = out + torch.sigmoid(torch.linear(h, self.weights[__torch__.shared_gate_slot(l)])) * shared
    return out

  def gated_mlp(self: __torch__.Llama, h: Tensor, gate_up_slot: int, down_slot: int) -> Tensor:
    # down(act(gate(h)) * up(h)), gate and up stacked in one matrix; no adapter (a shared expert).
    return self.linear(self.activation(self.linear(h, gate_up_slot, None)), down_slot, None)

  def activation(self: __torch__.Llama, gate_up: Tensor) -> Tensor:
    # silu(gate) * up, or GELU-tanh for the Gemma family.
    inter = gate_up.size(1) // 2
    if self.gelu:
      return torch.gelu(gate_up.narrow(1, 0, inter), approximate="tanh") * gate_up.narrow(1, inter, inter)
    return torch.silu(gate_up.narrow(1, 0, inter)) * gate_up.narrow(1, inter, inter)

  def pool_rows(self: __torch__.Llama, table: Tensor) -> Tensor:
    # The pool seen as [kv_heads * pool_blocks, block_size, head_dim]: the rows holding the table's
    # blocks for each KV head in turn. (Selecting along dim 0 of a 3-d view is a fast block copy in
    # libtorch 2.7; along dim 1, or from a 2-d view, it ran at 1-3 GB/s.)
    pool_blocks = self.k_cache[0].size(1)
    heads = torch.arange(self.kv_heads, device=table.device).unsqueeze(1) * pool_blocks
    return (heads + table.unsqueeze(0)).view(-1)

  def chunk_views(self: __torch__.Llama, data: Tensor, chunks: List[int]) -> Tuple[List[Tensor], List[Optional[Tensor]]]:
    # Per chunk, once for all layers: its pool rows (none where its blocks lie in a row, see
    # chunk_context), and the keys each query may see: none masked for one token or a whole prompt
    # (causal), up to its own position after cached tokens.
    tables = annotate(List[Tensor], [])
    masks = annotate(List[Optional[Tensor]], [])
    for c in range(len(chunks) // 6):
      q_len = chunks[6 * c + 1]
      ctx = chunks[6 * c + 2]
      if chunks[6 * c + 5] >= 0:
        tables.append(data.narrow(0, 0, 0))
      else:
        tables.append(self.pool_rows(data.narrow(0, chunks[6 * c + 3], chunks[6 * c + 4])))
      if q_len == 1 or q_len == ctx:
        masks.append(None)
      else:
        keys = torch.arange(ctx, device=data.device)
        queries = torch.arange(ctx - q_len, ctx, device=data.device).unsqueeze(1)
        masks.append(torch.le(keys.unsqueeze(0), queries))
    return tables, masks

  def group_views(self: __torch__.Llama, data: Tensor, groups: List[int]) -> Tuple[List[Tensor], List[Tensor], List[Tensor], List[Tensor], List[Tensor]]:
    # Per group, once for all layers: its pool rows, its token rows, per KV head and sequence the
    # keys up to each context's end, and attend_bags' value rows and bag offsets.
    block_size = self.k_cache[0].size(2)
    group = self.heads // self.kv_heads
    tables = annotate(List[Tensor], [])
    rows = annotate(List[Tensor], [])
    masks = annotate(List[Tensor], [])
    bags = annotate(List[Tensor], [])
    offsets = annotate(List[Tensor], [])
    for g in range(len(groups) // 5):
      n = groups[5 * g]
      blocks = groups[5 * g + 2]
      width = blocks * block_size
      table = self.pool_rows(data.narrow(0, groups[5 * g + 1], n * blocks))
      tables.append(table)
      rows.append(data.narrow(0, groups[5 * g + 3], n))
      ends = data.narrow(0, groups[5 * g + 4], n).unsqueeze(1)
      keys = torch.arange(width, device=data.device).unsqueeze(0)
      visible = torch.lt(keys, ends).unsqueeze(0).expand(self.kv_heads, n, width)
      masks.append(visible.reshape(self.kv_heads * n, 1, 1, width))
      if self.reads_values_in_place(data):
        # A value row per slot: each KV head and sequence's slots, once for each query head sharing it.
        slots = (table.view(self.kv_heads * n, blocks, 1) * block_size
                 + torch.arange(block_size, device=data.device).view(1, 1, block_size))
        bags.append(slots.view(self.kv_heads * n, 1, width).expand(self.kv_heads * n, group, width).reshape(-1))
        offsets.append(torch.arange(self.heads * n, device=data.device) * width)
      else:
        # Placeholders: the group gathers its values too.
        bags.append(table)
        offsets.append(table)
    return tables, rows, masks, bags, offsets

  def window_masks(self: __torch__.Llama, data: Tensor, chunks: List[int], groups: List[int],
                   plain_chunk_masks: List[Optional[Tensor]],
                   plain_group_masks: List[Tensor]) -> Tuple[List[Optional[Tensor]], List[Tensor]]:
    # The masks of sliding-window layers, per chunk and per group, once for all layers: a query at
    # position p sees keys p - window + 1 .. p. Where no context is longer than the window they are
    # the plain masks (a whole prompt keeps its causal flag). Empty lists in models without a window.
    chunk_masks = annotate(List[Optional[Tensor]], [])
    group_masks = annotate(List[Tensor], [])
    if self.window == 0:
      return chunk_masks, group_masks
    for c in range(len(chunks) // 6):
      q_len = chunks[6 * c + 1]
      ctx = chunks[6 * c + 2]
      if ctx <= self.window:
        chunk_masks.append(plain_chunk_masks[c])
        continue
      keys = torch.arange(ctx, device=data.device).unsqueeze(0)
      queries = torch.arange(ctx - q_len, ctx, device=data.device).unsqueeze(1)
      visible = torch.le(keys, queries).logical_and(torch.gt(keys, queries - self.window))
      if q_len == 1:
        # A lone decoding token's mask, as attend_decoding broadcasts it: [1, 1, 1, ctx].
        visible = visible.view(1, 1, 1, ctx)
      chunk_masks.append(visible)
    block_size = self.k_cache[0].size(2)
    for g in range(len(groups) // 5):
      n = groups[5 * g]
      width = groups[5 * g + 2] * block_size
      if width <= self.window:
        group_masks.append(plain_group_masks[g])
        continue
      ends = data.narrow(0, groups[5 * g + 4], n).unsqueeze(1)
      keys = torch.arange(width, device=data.device).unsqueeze(0)
      visible = torch.lt(keys, ends).logical_and(torch.ge(keys, ends - self.window))
      group_masks.append(visible.unsqueeze(0).expand(self.kv_heads, n, width).reshape(self.kv_heads * n, 1, 1, width))
    return chunk_masks, group_masks

  def context(self: __torch__.Llama, l: int, table: Tensor, n: int, ctx: int) -> Tuple[Tensor, Tensor]:
    # K and V [kv_heads, n, ctx, head_dim] of n sequences, read through their pool rows: only their own
    # blocks, never padded to another sequence's.
    width = table.size(0) // (self.kv_heads * n) * self.k_cache[0].size(2)
    dtype = self.compute_dtype()
    ks = self.gather(self.k_cache[l], table).to(dtype)
    vs = self.gather(self.v_cache[l], table).to(dtype)
    return (ks.view(self.kv_heads, n, width, self.head_dim).narrow(2, 0, ctx),
            vs.view(self.kv_heads, n, width, self.head_dim).narrow(2, 0, ctx))

  def gather(self: __torch__.Llama, pool: Tensor, table: Tensor) -> Tensor:
    # A copy of the pool rows table names, [rows, block_size, head_dim] (see pool_rows).
    return pool.view(-1, pool.size(2), self.head_dim).index_select(0, table)

  def chunk_context(self: __torch__.Llama, l: int, first_block: int, table: Tensor, ctx: int) -> Tuple[Tensor, Tensor]:
    # K and V [kv_heads, 1, ctx, head_dim] of one sequence. Where its blocks lie in a row from
    # first_block, they are a view of the pool, read in place by the attention; otherwise (first_block
    # -1) they are gathered through its pool rows, a copy of the whole context every layer. A fresh
    # pool hands its blocks out in order; blocks freed come back last first (a cached prefix's tail is
    # evicted first), so an engine whose pool has cycled reads in place less often.
    if first_block < 0:
      return self.context(l, table, 1, ctx)
    start = first_block * self.k_cache[0].size(2)
    dtype = self.compute_dtype()
    ks = self.k_cache[l].view(self.kv_heads, -1, self.head_dim).narrow(1, start, ctx).unsqueeze(1).to(dtype)
    vs = self.v_cache[l].view(self.kv_heads, -1, self.head_dim).narrow(1, start, ctx).unsqueeze(1).to(dtype)
    return ks, vs

  def attend_chunk(self: __torch__.Llama, l: int, q: Tensor, chunks: List[int], c: int, table: Tensor,
                   mask: Optional[Tensor]) -> Tensor:
    # Chunk c's queries q [q_len, heads, head_dim] attend to its first ctx keys; returns their
    # output, [q_len, heads, head_dim].
    ctx = chunks[6 * c + 2]
    ks, vs = self.chunk_context(l, chunks[6 * c + 5], table, ctx)
    q_len = q.size(0)
    if q_len == 1:
      # One decoding token: the query heads sharing a KV head are the queries of one single-head
      # attention to it (no copy of K or V).
      return self.attend_decoding(q, ks, vs, mask, 1)
    # A prompt chunk: one attention over K and V expanded to every query head.
    group = self.heads // self.kv_heads
    qs = q.transpose(0, 1).unsqueeze(0)
    ke = ks.expand(self.kv_heads, group, ctx, self.head_dim).reshape(1, self.heads, ctx, self.head_dim)
    ve = vs.expand(self.kv_heads, group, ctx, self.head_dim).reshape(1, self.heads, ctx, self.head_dim)
    return self.attend(qs, ke, ve, mask, mask is None).squeeze(0).transpose(0, 1)

  def attend_group(self: __torch__.Llama, l: int, q: Tensor, n: int, blocks: int, table: Tensor, mask: Tensor,
                   bags: Tensor, offsets: Tensor) -> Tensor:
    # n decoding sequences, one token each (q [n, heads, head_dim]), whose contexts fill the same
    # number of blocks; returns their output, [n, heads, head_dim]. On the CPU the fused path reads
    # their values in place (attend_bags); otherwise K and V are gathered for one attention.
    block_size = self.k_cache[0].size(2)
    if self.reads_values_in_place(q):
      return self.attend_bags(l, q, n, blocks * block_size, table, mask, bags, offsets)
    ks, vs = self.context(l, table, n, blocks * block_size)
    return self.attend_decoding(q, ks, vs, mask, n)

  def reads_values_in_place(self: __torch__.Llama, t: Tensor) -> bool:
    # Whether decode groups attend through attend_bags: on the CPU, on the fused path, without soft-caps.
    return not (self.math_attention or self.reference or t.is_cuda or self.attn_softcap > 0.0)

  def attend_bags(self: __torch__.Llama, l: int, q: Tensor, n: int, keys: int, table: Tensor, mask: Tensor,
                  bags: Tensor, offsets: Tensor) -> Tensor:
    # A group's attention without a copy of its values (gathering K and V took 20-27% of a 64-sequence
    # decode step, docs/BENCHMARKS.md): scores against the gathered keys in float32, as the flash kernel
    # computes them (rounded to bfloat16 they would err by percents where scores are large); a float32
    # softmax; then each query head's output as the sum of its sequence's value rows weighted by its
    # probabilities (rounded to the cache's dtype, as the flash kernel rounds them for its product with
    # V), read where they lie in the pool by embedding_bag (mode sum, one bag per query head and
    # sequence). A masked key weighs 0, and its row holds a finite value: the pool is zeroed at load.
    ks = self.gather(self.k_cache[l], table).float()
    scores = torch.matmul(self.by_kv_head(q, n).float(), ks.view(self.kv_heads * n, keys, self.head_dim).transpose(1, 2))
    scores = scores.masked_fill(mask.view(self.kv_heads * n, 1, keys).logical_not(), float("-inf"))
    v_pool = self.v_cache[l]
    probs = torch.softmax(scores * (float(self.head_dim) ** -0.5), -1).to(v_pool.dtype)
    o = torch.embedding_bag(v_pool.view(-1, self.head_dim), bags, offsets, False, 0, False, probs.view(-1), False)[0]
    return self.by_sequence(o.to(q.dtype), n)

  def by_kv_head(self: __torch__.Llama, q: Tensor, n: int) -> Tensor:
    # q [n, heads, head_dim] as [kv_heads * n, group, head_dim]: per KV head and sequence, the query
    # heads sharing that KV head.
    group = self.heads // self.kv_heads
    return q.view(n, self.kv_heads, group, self.head_dim).permute(1, 0, 2, 3).reshape(self.kv_heads * n, group, self.head_dim)

  def by_sequence(self: __torch__.Llama, o: Tensor, n: int) -> Tensor:
    # An output in by_kv_head's order (kv_heads * n * group rows of head_dim) as [n, heads, head_dim].
    group = self.heads // self.kv_heads
    return o.reshape(self.kv_heads, n, group, self.head_dim).permute(1, 0, 2, 3).reshape(n, self.heads, self.head_dim)

  def attend_decoding(self: __torch__.Llama, q: Tensor, ks: Tensor, vs: Tensor, mask: Optional[Tensor],
                      n: int) -> Tensor:
    # q [n, heads, head_dim]; ks, vs [kv_heads, n, keys, head_dim]. Per KV head and sequence, the query
    # heads sharing that KV head attend to it as the queries of one single-head attention. Returns the
    # output, [n, heads, head_dim].
    group = self.heads // self.kv_heads
    if n == 1:
      # One sequence: its query heads, grouped by KV head, and K and V are already in the shapes the
      # attention takes, which spares a one-token step five view operators a layer.
      o = self.attend(q.view(self.kv_heads, 1, group, self.head_dim), ks, vs, mask, False)
      return o.view(1, self.heads, self.head_dim)
    keys = ks.size(2)
    o = self.attend(self.by_kv_head(q, n).unsqueeze(1),
                    ks.reshape(self.kv_heads * n, 1, keys, self.head_dim),
                    vs.reshape(self.kv_heads * n, 1, keys, self.head_dim), mask, False)
    return self.by_sequence(o, n)
