#!/usr/bin/env python3
"""Builds tiny random Llama/Qwen2 checkpoints and reference log-probs for DecoderParityTest.

An independent implementation: plain torch, written from HF transformers' modeling_llama.py /
modeling_qwen2.py (RMSNorm, rotate-half RoPE, repeat_kv GQA, SwiGLU), and safetensors written by
hand. CI does not run this; its outputs are committed under src/test/resources/fixtures/.

    /usr/bin/python3 pipeline-core/src/test/python/make_fixtures.py pipeline-core/src/test/resources/fixtures
"""
import json
import math
import os
import struct
import sys

import torch

SEQUENCES = {  # token id sequences scored by every fixture model (all ids < smallest vocab)
    "a": [1, 5, 9, 2, 33, 17, 4],
    "b": [1, 40, 41, 42, 3, 3, 3, 8, 60, 12, 0, 7],
    "c": [1, 22, 50],
}

MODELS = [
    # Qwen2: q/k/v bias, no o bias, tied head, GQA (4 query heads share 2 KV heads), F32 weights.
    dict(name="qwen2-tiny", dtype="F32", shards=1, config=dict(
        model_type="qwen2", vocab_size=64, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-6, rope_theta=1000000.0,
        max_position_embeddings=128, tie_word_embeddings=True, bos_token_id=1, eos_token_id=2)),
    # Llama: untied head, head_dim (16) != hidden/heads, GQA, BF16 weights in two shards.
    dict(name="llama-bf16-sharded", dtype="BF16", shards=2, config=dict(
        model_type="llama", vocab_size=80, hidden_size=48, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, head_dim=16, rms_norm_eps=1e-5, rope_theta=10000.0,
        max_position_embeddings=128, tie_word_embeddings=False, attention_bias=False, bos_token_id=1, eos_token_id=2)),
    # Llama with attention_bias (bias on q, k, v and o), plain multi-head attention, F16 weights.
    dict(name="llama-f16-bias", dtype="F16", shards=1, config=dict(
        model_type="llama", vocab_size=72, hidden_size=32, intermediate_size=40, num_hidden_layers=3,
        num_attention_heads=2, num_key_value_heads=2, rms_norm_eps=1e-6, rope_theta=500000.0,
        max_position_embeddings=128, tie_word_embeddings=False, attention_bias=True, bos_token_id=1, eos_token_id=2)),
]

TORCH_DTYPE = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
TORCH_NAME = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}


def head_dim(c):
    return c.get("head_dim", c["hidden_size"] // c["num_attention_heads"])


def init_weights(c, gen):
    """Weights with enough spread that a wrong bias, norm or rotation shows in the log-probs."""
    d, hd, ff = c["hidden_size"], head_dim(c), c["intermediate_size"]
    q, kv = c["num_attention_heads"] * hd, c["num_key_value_heads"] * hd
    qkv_bias = c["model_type"] == "qwen2" or c.get("attention_bias", False)
    o_bias = c["model_type"] == "llama" and c.get("attention_bias", False)
    rnd = lambda *shape, std=0.2: torch.randn(*shape, generator=gen) * std
    w = {"model.embed_tokens.weight": rnd(c["vocab_size"], d, std=1.0)}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = 1 + rnd(d, std=0.3)
        w[p + "self_attn.q_proj.weight"] = rnd(q, d)
        w[p + "self_attn.k_proj.weight"] = rnd(kv, d)
        w[p + "self_attn.v_proj.weight"] = rnd(kv, d)
        w[p + "self_attn.o_proj.weight"] = rnd(d, q)
        if qkv_bias:
            w[p + "self_attn.q_proj.bias"] = rnd(q, std=0.5)
            w[p + "self_attn.k_proj.bias"] = rnd(kv, std=0.5)
            w[p + "self_attn.v_proj.bias"] = rnd(kv, std=0.5)
        if o_bias:
            w[p + "self_attn.o_proj.bias"] = rnd(d, std=0.5)
        w[p + "post_attention_layernorm.weight"] = 1 + rnd(d, std=0.3)
        w[p + "mlp.gate_proj.weight"] = rnd(ff, d)
        w[p + "mlp.up_proj.weight"] = rnd(ff, d)
        w[p + "mlp.down_proj.weight"] = rnd(d, ff)
    w["model.norm.weight"] = 1 + rnd(d, std=0.3)
    if not c["tie_word_embeddings"]:
        w["lm_head.weight"] = rnd(c["vocab_size"], d, std=0.5)
    return w


def rms_norm(x, weight, eps):  # LlamaRMSNorm / Qwen2RMSNorm
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def log_probs(c, w, ids):
    """Per-token log p(ids[t] | ids[:t]) for t >= 1, in F32."""
    T, hd = len(ids), head_dim(c)
    H, KV = c["num_attention_heads"], c["num_key_value_heads"]
    inv_freq = 1.0 / (c["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
    freqs = torch.arange(T).float()[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    causal = torch.full((T, T), float("-inf")).triu(1)
    lin = lambda x, name: x @ w[name + ".weight"].T + (w[name + ".bias"] if name + ".bias" in w else 0)
    x = w["model.embed_tokens.weight"][torch.tensor(ids)]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], c["rms_norm_eps"])
        q = lin(h, p + "self_attn.q_proj").view(T, H, hd).transpose(0, 1)
        k = lin(h, p + "self_attn.k_proj").view(T, KV, hd).transpose(0, 1)
        v = lin(h, p + "self_attn.v_proj").view(T, KV, hd).transpose(0, 1)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = k.repeat_interleave(H // KV, dim=0), v.repeat_interleave(H // KV, dim=0)  # repeat_kv
        scores = q @ k.transpose(1, 2) / math.sqrt(hd) + causal
        out = (scores.softmax(-1) @ v).transpose(0, 1).reshape(T, H * hd)
        x = x + lin(out, p + "self_attn.o_proj")
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], c["rms_norm_eps"])
        gate = lin(h, p + "mlp.gate_proj")
        x = x + lin(torch.nn.functional.silu(gate) * lin(h, p + "mlp.up_proj"), p + "mlp.down_proj")
    x = rms_norm(x, w["model.norm.weight"], c["rms_norm_eps"])
    head = w["model.embed_tokens.weight"] if c["tie_word_embeddings"] else w["lm_head.weight"]
    logp = (x @ head.T).log_softmax(-1)
    return [logp[t - 1, ids[t]].item() for t in range(1, T)]


def raw_bytes(tensor, dtype):
    t = tensor.to(TORCH_DTYPE[dtype]).contiguous()
    if dtype == "F32":
        return t.numpy().astype("<f4").tobytes()
    return t.view(torch.int16).numpy().astype("<i2").tobytes()  # F16/BF16 bit patterns


def write_safetensors(path, tensors, dtype):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        data = raw_bytes(tensors[name], dtype)
        header[name] = {"dtype": dtype, "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header_bytes = json.dumps(header, separators=(",", ":")).encode()
    header_bytes += b" " * (-len(header_bytes) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        for blob in blobs:
            f.write(blob)


def main(out_dir):
    gen = torch.Generator().manual_seed(20250101)
    for spec in MODELS:
        c, dtype = dict(spec["config"]), spec["dtype"]
        c["torch_dtype"] = TORCH_NAME[dtype]
        weights = init_weights(c, gen)
        # The reference sees exactly the stored (rounded) weights, computed in F32.
        weights = {k: v.to(TORCH_DTYPE[dtype]).float() for k, v in weights.items()}
        model_dir = os.path.join(out_dir, spec["name"])
        os.makedirs(model_dir, exist_ok=True)
        with open(os.path.join(model_dir, "config.json"), "w") as f:
            json.dump(c, f, indent=2)
        names = sorted(weights)
        if spec["shards"] == 1:
            write_safetensors(os.path.join(model_dir, "model.safetensors"), weights, dtype)
        else:
            n, weight_map = spec["shards"], {}
            for s in range(n):
                file = f"model-{s + 1:05d}-of-{n:05d}.safetensors"
                part = names[s * len(names) // n:(s + 1) * len(names) // n]
                write_safetensors(os.path.join(model_dir, file), {k: weights[k] for k in part}, dtype)
                weight_map.update({k: file for k in part})
            with open(os.path.join(model_dir, "model.safetensors.index.json"), "w") as f:
                json.dump({"metadata": {}, "weight_map": weight_map}, f, indent=2)
        reference = {key: {"ids": ids, "logprobs": log_probs(c, weights, ids)} for key, ids in SEQUENCES.items()}
        with open(os.path.join(model_dir, "reference_logprobs.json"), "w") as f:
            json.dump(reference, f, indent=1)
        print(model_dir, {k: round(sum(v["logprobs"]), 4) for k, v in reference.items()})


if __name__ == "__main__":
    with torch.no_grad():
        main(sys.argv[1])
