class Gemm(Module):
  # TorchScript source of the float32 matrix-product variants `flinfer bench gemm` times: the same
  # product y = x @ W^T (W stored [out, in], as Hugging Face and the engine keep it) through each
  # library path libtorch offers on a CPU. Each method runs the product n times and returns the last.
  __parameters__ = []
  __buffers__ = []
  training : bool

  def mm(self: __torch__.Gemm, x: Tensor, w: Tensor, n: int) -> Tensor:
    # W transposed once into [in, out] and multiplied with a plain mm.
    b = w.t().contiguous()
    y = x
    for i in range(n):
      y = torch.mm(x, b)
    return y

  def linear(self: __torch__.Gemm, x: Tensor, w: Tensor, n: int) -> Tensor:
    # ATen's linear on the [out, in] weight (MKL's sgemm on a CPU; the engine's path on GPUs).
    y = x
    for i in range(n):
      y = torch.linear(x, w)
    return y

  def onednn(self: __torch__.Gemm, x: Tensor, w: Tensor, n: int) -> Tensor:
    # oneDNN's inner product on a weight reordered once, as the engine's program multiplies on a CPU.
    p = ops.mkldnn._reorder_linear_weight(w, x.size(0))
    y = x
    for i in range(n):
      y = ops.mkldnn._linear_pointwise(x, p, None, "none", [], "")
    return y

  def mkl_packed(self: __torch__.Gemm, x: Tensor, w: Tensor, n: int) -> Tensor:
    # MKL's packed GEMM (cblas_sgemm_pack) on a weight packed once for this batch size.
    p = ops.mkl._mkl_reorder_linear_weight(w, x.size(0))
    y = x
    for i in range(n):
      y = ops.mkl._mkl_linear(x, p, w, None, x.size(0))
    return y

  def stream_read(self: __torch__.Gemm, x: Tensor, w: Tensor, n: int) -> Tensor:
    # No product: a plain streaming read of W over the intra-op threads (ATen's vectorized sum), the
    # bandwidth probe's reader with next to no arithmetic per byte.
    y = x
    for i in range(n):
      y = w.sum().view(1, 1)
    return y
