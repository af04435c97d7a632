#!/usr/bin/env python3
"""Measures the GPU memory of stepwise's model stages at Qwen2.5 shapes, in PyTorch.

stepwise's decoder runs on libtorch through DJL; this script does the same arithmetic in PyTorch
eager on one CUDA device, so the figures in docs/gpu-cluster.md can be measured on any machine
with a GPU and torch, without the JVM or the CUDA build of DJL:

- inference (search, ref, eval): float16 weights, a prefill of `--batch` rows x `--context`
  tokens into a float16 KV cache, residual stream and softmax in float32, as
  `stepwise.model.dtype = float16` does;
- a LoRA DPO step (dpo with `train.lora.enabled`): float32 base weights frozen (stepwise trains in
  float32), rank-r adapters on the seven projections, policy log-probs of the completion tokens
  computed over blocks of positions as CompletionScorer does, the DPO loss, backward, and an
  AdamW update of the adapters.

Random weights at the named shape (no download). Peak memory is torch.cuda.max_memory_allocated
per part. Usage: python3 scripts/gpu-memory.py --shape qwen2.5-7b [--shape qwen2.5-1.5b ...]
"""
import argparse
import math
import time

import torch
import torch.nn.functional as F

SHAPES = {  # hidden, intermediate, layers, heads, kv heads, vocab (as QwenShapes.java)
    "tiny": (64, 128, 2, 4, 2, 512),
    "qwen2.5-0.5b": (896, 4864, 24, 14, 2, 151936),
    "qwen2.5-1.5b": (1536, 8960, 28, 12, 2, 151936),
    "qwen2.5-7b": (3584, 18944, 28, 28, 4, 152064),
}
PROJECTIONS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
BLOCK_ELEMENTS = 1 << 25  # CompletionScorer.DEFAULT_BLOCK_ELEMENTS


class Decoder:
    """A Qwen2 decoder as LlamaModel computes it: eager attention, F32 residual and norms."""

    def __init__(self, shape, dtype, device, lora_rank=0):
        hidden, inter, layers, heads, kv, vocab = SHAPES[shape]
        self.heads, self.kv, self.head_dim = heads, kv, hidden // heads
        self.dtype = dtype
        g = torch.Generator(device=device).manual_seed(0)

        def w(*s):
            return (torch.randn(*s, generator=g, device=device, dtype=dtype) * 0.02).requires_grad_(False)

        dims = {"q_proj": (heads * self.head_dim, hidden), "k_proj": (kv * self.head_dim, hidden),
                "v_proj": (kv * self.head_dim, hidden), "o_proj": (hidden, heads * self.head_dim),
                "gate_proj": (inter, hidden), "up_proj": (inter, hidden), "down_proj": (hidden, inter)}
        self.embed = w(vocab, hidden)
        self.layers = []
        self.adapters = []
        for _ in range(layers):
            layer = {m: w(*dims[m]) for m in PROJECTIONS}
            for m in ("q_proj", "k_proj", "v_proj"):
                layer[m + ".bias"] = w(dims[m][0])
            layer["norm1"] = torch.ones(hidden, device=device, dtype=torch.float32)
            layer["norm2"] = torch.ones(hidden, device=device, dtype=torch.float32)
            self.layers.append(layer)
            if lora_rank:
                self.adapters.append({m: (
                    (torch.randn(lora_rank, dims[m][1], generator=g, device=device) / math.sqrt(dims[m][1])).requires_grad_(),
                    torch.zeros(dims[m][0], lora_rank, device=device, requires_grad=True)) for m in PROJECTIONS})
        self.final_norm = torch.ones(hidden, device=device, dtype=torch.float32)
        self.lora_scale = 2.0  # alpha / r with alpha = 2r

    def parameters(self):
        return [t for a in self.adapters for pair in a.values() for t in pair]

    def linear(self, i, name, x):
        layer = self.layers[i]
        y = F.linear(x.to(self.dtype), layer[name], layer.get(name + ".bias"))
        if self.adapters:
            a, b = self.adapters[i][name]
            y = y + (F.linear(F.linear(x.float(), a), b) * self.lora_scale).to(y.dtype)
        return y

    @staticmethod
    def rms(x, weight):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * weight

    def rope(self, x, positions):
        half = self.head_dim // 2
        inv = 1.0 / (1e6 ** (torch.arange(half, device=x.device, dtype=torch.float32) / half))
        angles = positions[:, None].float() * inv[None, :]
        cos, sin = angles.cos().repeat(1, 2), angles.sin().repeat(1, 2)
        x = x.float()
        rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
        return (x * cos + rotated * sin).to(self.dtype)

    def hidden(self, ids, cache=None):
        batch, time_ = ids.shape
        x = self.embed[ids].float()
        positions = torch.arange(time_, device=ids.device)
        mask = torch.full((time_, time_), float("-inf"), device=ids.device).triu(1)
        for i, layer in enumerate(self.layers):
            h = self.rms(x, layer["norm1"])
            q = self.rope(self.linear(i, "q_proj", h).view(batch, time_, self.heads, -1).transpose(1, 2), positions)
            k = self.rope(self.linear(i, "k_proj", h).view(batch, time_, self.kv, -1).transpose(1, 2), positions)
            v = self.linear(i, "v_proj", h).view(batch, time_, self.kv, -1).transpose(1, 2)
            if cache is not None:
                cache.append((k, v))
            group = self.heads // self.kv
            k, v = k.repeat_interleave(group, 1), v.repeat_interleave(group, 1)
            scores = (q @ k.transpose(-1, -2)).float() / math.sqrt(self.head_dim) + mask
            out = (scores.softmax(-1).to(self.dtype) @ v).transpose(1, 2).reshape(batch, time_, -1)
            x = x + self.linear(i, "o_proj", out).float()
            h = self.rms(x, layer["norm2"])
            gate = self.linear(i, "gate_proj", h)
            x = x + self.linear(i, "down_proj", F.silu(gate) * self.linear(i, "up_proj", h)).float()
        return self.rms(x, self.final_norm)

    def completion_logprobs(self, ids, completion):
        """Summed log-probs of the last `completion` tokens of each row, blockwise over positions."""
        hidden = self.hidden(ids)
        batch, time_ = ids.shape
        vocab = self.embed.shape[0]
        per_block = max(1, BLOCK_ELEMENTS // (batch * vocab))
        first = time_ - completion - 1
        total = 0
        for start in range(0, completion, per_block):
            end = min(completion, start + per_block)
            logits = F.linear(hidden[:, first + start:first + end].to(self.dtype), self.embed).float()
            targets = ids[:, first + start + 1:first + end + 1]
            total = total + logits.log_softmax(-1).gather(-1, targets[..., None]).squeeze(-1).sum(-1)
        return total


def peak(fn):
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    start = time.time()
    fn()
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() / 2**30, time.time() - start


def measure(shape, args):
    device = "cuda"
    vocab = SHAPES[shape][5]
    model = Decoder(shape, torch.float16, device)
    weights = torch.cuda.memory_allocated() / 2**30
    ids = torch.randint(0, vocab, (args.batch, args.context), device=device)
    with torch.no_grad():
        gb, s = peak(lambda: model.hidden(ids, cache=[]))
    print(f"{shape}: inference float16: weights {weights:.1f} GiB; prefill {args.batch} x {args.context} "
          f"into a KV cache: peak {gb:.1f} GiB ({s:.1f} s)", flush=True)
    del model, ids
    torch.cuda.empty_cache()

    model = Decoder(shape, torch.float32, device, lora_rank=args.rank)
    weights = torch.cuda.memory_allocated() / 2**30
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    adapter = sum(p.numel() for p in model.parameters())
    for pairs, tokens in ((2, 512), (8, 256)):
        ids = torch.randint(0, vocab, (2 * pairs, tokens), device=device)
        ref = torch.zeros(2 * pairs, device=device)

        def step():
            logps = model.completion_logprobs(ids, tokens // 2)
            chosen, rejected = logps[:pairs] - ref[:pairs], logps[pairs:] - ref[pairs:]
            loss = -F.logsigmoid(0.1 * (chosen - rejected)).mean()
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

        step()  # AdamW's moments exist from the first step on
        gb, s = peak(step)
        print(f"{shape}: LoRA r={args.rank} DPO step, float32 base ({weights:.1f} GiB), adapter {adapter / 1e6:.1f} M "
              f"params: {pairs} pairs x 2 x {tokens} tokens: peak {gb:.1f} GiB ({s:.2f} s)", flush=True)
    del model, optimizer
    torch.cuda.empty_cache()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", action="append", choices=sorted(SHAPES), required=True)
    parser.add_argument("--batch", type=int, default=16, help="inference rows (default: 16, the search batch)")
    parser.add_argument("--context", type=int, default=2048, help="inference tokens per row (default: 2048)")
    parser.add_argument("--rank", type=int, default=8, help="LoRA rank (default: 8)")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device: this script measures GPU memory")
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name()}", flush=True)
    for shape in args.shape:
        measure(shape, args)


if __name__ == "__main__":
    main()
