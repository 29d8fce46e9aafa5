#!/usr/bin/env python3
"""Runs the engine's forward program with PyTorch alone and checks its logits.

Reads what `flinfer model export-program --out DIR` wrote (program.pt, weights.safetensors,
manifest.json), loads the program with torch.jit.load, sets it up as the manifest says with the
weights on --device in each of --dtypes, runs one paged prefill of two sequences of different
lengths (block tables neither contiguous nor in order) and one decode step of both, and compares
the logits with a plain PyTorch Llama written here (RMSNorm, RoPE, grouped-query attention,
SwiGLU, q/k/v bias, q/k norm) on the same weights in float32 on the same device.

Prints per dtype the largest |logit difference| (absolute, and relative to the largest |logit|) and
how many argmax tokens agree; exits 1 when a dtype is outside its tolerance, 2 on unusable input.
Needs only torch. Usage: python3 tools/gpu-check.py DIR [--device cuda:0] [--dtypes float16,bfloat16]
"""
import argparse
import json
import math
import os
import struct
import sys
import warnings

import torch

FORMAT = "flinfer-forward-program/1"
DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
STORED = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
# Largest |program - float32 reference| / largest |reference logit| per compute dtype: float32 differs
# only in the order of its sums; float16 and bfloat16 round every weight and activation (8 and 11 bits
# of mantissa) through 12+ layers.
TOLERANCE = {"float32": 1e-4, "float16": 1e-2, "bfloat16": 5e-2}
# The architectures the reference below computes.
SUPPORTED_TYPES = {"llama", "mistral", "qwen2", "qwen3"}


class Unusable(Exception):
    """The export cannot be checked: the message says why."""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", help="folder flinfer model export-program wrote")
    parser.add_argument("--device", default="cuda:0", help="torch device (default: cuda:0; cpu works too)")
    parser.add_argument("--dtypes", default="float16,bfloat16",
                        help="compute dtypes to run the program in, comma-separated (default: float16,bfloat16)")
    args = parser.parse_args()
    try:
        dtypes = [d.strip() for d in args.dtypes.split(",") if d.strip()]
        unknown = [d for d in dtypes if d not in DTYPES]
        if unknown or not dtypes:
            raise Unusable(f"unknown dtype(s) {unknown}; use a comma-separated list of {', '.join(DTYPES)}")
        device = torch.device(args.device)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise Unusable(f"{args.device} asked for but torch {torch.__version__} sees no CUDA device;"
                           " pass --device cpu to check on the CPU")
        manifest = read_manifest(args.dir)
        return check(args.dir, manifest, device, dtypes)
    except Unusable as e:
        print(f"gpu-check: {e}", file=sys.stderr)
        return 2


def read_manifest(folder):
    path = os.path.join(folder, "manifest.json")
    if not os.path.isfile(path):
        raise Unusable(f"no manifest.json in {folder}: write one with flinfer model export-program --out {folder}")
    with open(path) as f:
        manifest = json.load(f)
    if manifest.get("format") != FORMAT:
        raise Unusable(f"{path} is format {manifest.get('format')!r}; this script reads {FORMAT}")
    config = manifest["config"]
    if config["modelType"] not in SUPPORTED_TYPES:
        raise Unusable(f"the reference here computes {sorted(SUPPORTED_TYPES)}, not {config['modelType']}")
    for feature in ("moe", "gemma", "slidingWindow"):
        if config.get(feature) is not None:
            raise Unusable(f"the reference here has no {feature}; export a model without it")
    scaling = config.get("ropeScaling")
    if scaling is not None and scaling["type"] != "llama3":
        raise Unusable(f"the reference here has no {scaling['type']} RoPE scaling")
    return manifest


def read_safetensors(path):
    """name -> CPU tensor, read with torch alone (no safetensors package needed on the GPU machine)."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = bytearray(f.read())
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        dtype = STORED[entry["dtype"]]
        flat = torch.frombuffer(data, dtype=dtype, offset=start, count=(end - start) // dtype.itemsize) \
            if end > start else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"])
    return tensors


def check(folder, manifest, device, dtypes):
    tensors = read_safetensors(os.path.join(folder, manifest["weights_file"]))
    example = manifest["example"]
    check_step_format(example)
    reference = Reference(manifest["config"], manifest["weights"], tensors, device)
    expected = {phase: [] for phase in ("prefill", "decode")}
    for seq in example["sequences"]:
        expected["prefill"].append(reference.last_logits(seq["prompt"]))
        expected["decode"].append(reference.last_logits(seq["prompt"] + [seq["decode_token"]]))
    failed = False
    print(f"gpu-check: {manifest['config']['modelType']}, {manifest['config']['numLayers']} layers,"
          f" exported as {manifest['dtype']}, on {device}, torch {torch.__version__}")
    for name in dtypes:
        actual = run_program(folder, manifest, tensors, device, DTYPES[name])
        worst, scale, agree, total = 0.0, 0.0, 0, 0
        for phase in ("prefill", "decode"):
            for row, ref in enumerate(expected[phase]):
                got = actual[phase][row]
                worst = max(worst, (got - ref).abs().max().item())
                scale = max(scale, ref.abs().max().item())
                agree += int(got.argmax().item() == ref.argmax().item())
                total += 1
        relative = worst / scale
        ok = relative <= TOLERANCE[name] and (name != "float32" or agree == total)
        failed |= not ok
        print(f"{name:9s} max |logit diff| {worst:.3e} ({relative:.2e} of max |logit| {scale:.2f},"
              f" tolerance {TOLERANCE[name]:.0e})  argmax agrees {agree}/{total}  {'OK' if ok else 'FAIL'}")
    return 1 if failed else 0


def run_program(folder, manifest, tensors, device, dtype):
    """The program's prefill and decode logits [sequences, vocab] of the manifest's example, as float32."""
    with warnings.catch_warnings():
        # TorchScript is deprecated in favour of torch.export, but it is what the engine runs.
        warnings.simplefilter("ignore", FutureWarning)
        program = torch.jit.load(os.path.join(folder, manifest["program"]), map_location=device)
    weights = []
    for name in manifest["weights"]:
        if name is None:
            weights.append(torch.empty(0, dtype=dtype, device=device))
        elif name.startswith("rope_"):
            weights.append(tensors[name].to(device))  # float32: the program rounds the tables itself
        else:
            weights.append(tensors[name].to(device=device, dtype=dtype))
    for call in manifest["setup"]:
        args = ([weights] if call["method"] == "setup_weights" else []) + call["args"]
        getattr(program, call["method"])(*args)
    config = manifest["config"]
    example = manifest["example"]
    shape = [config["numKvHeads"], example["num_blocks"], example["block_size"], config["headDim"]]
    k = [torch.zeros(shape, dtype=dtype, device=device) for _ in range(config["numLayers"])]
    v = [torch.zeros(shape, dtype=dtype, device=device) for _ in range(config["numLayers"])]
    program.setup_cache(k, v)
    out = {}
    with torch.no_grad():
        for phase in ("prefill", "decode"):
            step = example[phase]
            data = torch.tensor(step["data"], dtype=torch.int64, device=device)
            out[phase] = program.forward(data, step["chunks"], step["groups"], step["num_tokens"],
                                         step["num_logits"]).float()
    return out


def build_step(block_size, sequences):
    """The forward method's input for sequences of (token ids, start position, block table), as the
    manifest's "forward" entry describes it: multi-token sequences attend alone (chunks), one-token
    ones in groups by the number of blocks their context fills; logits of every sequence's last token."""
    t = sum(len(tokens) for tokens, _, _ in sequences)
    data = [0] * (3 * t)
    first_row, row = [], 0
    for tokens, start, table in sequences:
        first_row.append(row)
        for i, token in enumerate(tokens):
            position = start + i
            data[row] = token
            data[t + row] = position
            data[2 * t + row] = table[position // block_size] * block_size + position % block_size
            row += 1
    data += [first_row[s] + len(tokens) - 1 for s, (tokens, _, _) in enumerate(sequences)]
    blocks = [(start + len(tokens) + block_size - 1) // block_size for tokens, start, _ in sequences]
    units, by_blocks = [], {}
    for s, (tokens, _, _) in enumerate(sequences):
        if len(tokens) > 1:
            units.append([s])
        elif blocks[s] in by_blocks:
            by_blocks[blocks[s]].append(s)
        else:
            by_blocks[blocks[s]] = [s]
            units.append(by_blocks[blocks[s]])
    chunks, groups = [], []
    for unit in units:
        n_blocks = blocks[unit[0]]
        tables = len(data)
        for s in unit:
            data += sequences[s][2][:n_blocks]
        if len(unit) == 1:
            tokens, start, _ = sequences[unit[0]]
            table = sequences[unit[0]][2][:n_blocks]
            in_a_row = all(b == table[0] + i for i, b in enumerate(table))
            chunks += [first_row[unit[0]], len(tokens), start + len(tokens), tables, n_blocks,
                       table[0] if in_a_row else -1]
        else:
            rows = len(data)
            groups += [len(unit), tables, n_blocks, rows, rows + len(unit)]
            data += [first_row[s] for s in unit]
            data += [sequences[s][1] + len(sequences[s][0]) for s in unit]
    return {"data": data, "chunks": chunks, "groups": groups, "num_tokens": t, "num_logits": len(sequences)}


def check_step_format(example):
    """The builder above, from the documented format, gives the manifest's example steps exactly."""
    seqs = example["sequences"]
    prefill = build_step(example["block_size"], [(s["prompt"], 0, s["block_table"]) for s in seqs])
    decode = build_step(example["block_size"],
                        [([s["decode_token"]], len(s["prompt"]), s["block_table"]) for s in seqs])
    for phase, built in (("prefill", prefill), ("decode", decode)):
        if built != example[phase]:
            raise Unusable(f"the manifest's {phase} step differs from the one its documented format gives:"
                           f" {example[phase]} vs {built}")


class Reference:
    """A plain float32 Llama-family forward pass over one whole sequence, from the exported weights."""

    def __init__(self, config, slot_names, tensors, device):
        self.c = config
        self.device = device
        # The names are WeightLayout's slots: embedding, final_norm, lm_head (absent when tied to the
        # embedding), ..., then layers.<l>.<weight>.
        self.w = {name: tensors[name].to(device=device, dtype=torch.float32) for name in slot_names if name is not None}
        self.head = self.w.get("lm_head", self.w["embedding"])
        self.inv_freq = self.inverse_frequencies().to(device)

    def inverse_frequencies(self):
        c = self.c
        dim = c["rotaryDim"]
        inv = 1.0 / (c["ropeTheta"] ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim))
        s = c.get("ropeScaling")
        if s is not None:  # llama3: long wavelengths slowed by factor, short ones kept, smooth between
            low_wavelen = s["originalMaxPositionEmbeddings"] / s["lowFreqFactor"]
            high_wavelen = s["originalMaxPositionEmbeddings"] / s["highFreqFactor"]
            wavelen = 2 * math.pi / inv
            smooth = (s["originalMaxPositionEmbeddings"] / wavelen - s["lowFreqFactor"]) / (
                s["highFreqFactor"] - s["lowFreqFactor"])
            mid = (1 - smooth) * inv / s["factor"] + smooth * inv
            inv = torch.where(wavelen > low_wavelen, inv / s["factor"], torch.where(wavelen < high_wavelen, inv, mid))
        return inv.float()

    def rms(self, x, weight):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.c["rmsNormEps"]) * weight

    def rope(self, x, positions):
        # x [T, heads, head_dim]; the halves-rotated form of Hugging Face's Llama over rotaryDim dims.
        half = self.c["rotaryDim"] // 2
        angles = positions.float().unsqueeze(1) * self.inv_freq.unsqueeze(0)
        cos, sin = angles.cos().unsqueeze(1), angles.sin().unsqueeze(1)
        x1, x2, rest = x[..., :half], x[..., half:2 * half], x[..., 2 * half:]
        return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin, rest], -1)

    @torch.no_grad()
    def last_logits(self, tokens):
        c, w = self.c, self.w
        heads, kv_heads, head_dim = c["numHeads"], c["numKvHeads"], c["headDim"]
        n = len(tokens)
        positions = torch.arange(n, device=self.device)
        x = w["embedding"][torch.tensor(tokens, device=self.device)]
        causal = torch.ones(n, n, dtype=torch.bool, device=self.device).tril()
        for l in range(c["numLayers"]):
            p = f"layers.{l}."
            h = self.rms(x, w[p + "input_norm"])
            qkv = h @ w[p + "qkv"].T
            if c["qkvBias"]:
                qkv = qkv + w[p + "qkv_bias"]
            q, k, v = qkv.split([heads * head_dim, kv_heads * head_dim, kv_heads * head_dim], -1)
            q = q.view(n, heads, head_dim)
            k = k.view(n, kv_heads, head_dim)
            v = v.view(n, kv_heads, head_dim)
            if c["qkNorm"]:
                q = self.rms(q, w[p + "q_norm"])
                k = self.rms(k, w[p + "k_norm"])
            q, k = self.rope(q, positions), self.rope(k, positions)
            # Query head i reads KV head i // (heads / kv_heads).
            k = k.repeat_interleave(heads // kv_heads, 1)
            v = v.repeat_interleave(heads // kv_heads, 1)
            scores = torch.einsum("qhd,khd->hqk", q, k) / math.sqrt(head_dim)
            scores = scores.masked_fill(~causal, float("-inf"))
            attn = torch.einsum("hqk,khd->qhd", scores.softmax(-1), v).reshape(n, heads * head_dim)
            x = x + attn @ w[p + "o"].T
            h = self.rms(x, w[p + "post_norm"])
            gate, up = (h @ w[p + "gate_up"].T).chunk(2, -1)
            x = x + (torch.nn.functional.silu(gate) * up) @ w[p + "down"].T
        return self.rms(x[-1], w["final_norm"]) @ self.head.T


if __name__ == "__main__":
    sys.exit(main())
