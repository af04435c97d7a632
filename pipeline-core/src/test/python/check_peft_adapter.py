#!/usr/bin/env python3
"""Checks a stepwise LoRA adapter directory with PEFT itself (manual; CI has no PEFT).

Loads the adapter's base with transformers, applies the adapter with PeftModel.from_pretrained,
and compares (1) its token log-probs with what `stepwise model score --model ADAPTER` wrote for
the same rows, (2) its logits with those of `stepwise model merge`'s output, and (3) PEFT's own
merge_and_unload() weights with stepwise's merged weights.

    stepwise model score --model ADAPTER --input ids.jsonl --output scored.jsonl   # rows with prompt_ids/completion_ids
    stepwise model merge --adapter ADAPTER --out MERGED
    python3 check_peft_adapter.py ADAPTER MERGED scored.jsonl
Needs torch, transformers and peft.
"""
import json
import sys

import torch
from peft import PeftConfig, PeftModel
from transformers import AutoModelForCausalLM


def main(adapter, merged_dir, scored):
    config = PeftConfig.from_pretrained(adapter)
    print(f"PEFT {__import__('peft').__version__}: {config.peft_type} r={config.r} alpha={config.lora_alpha} "
          f"targets={sorted(config.target_modules)} base={config.base_model_name_or_path}")
    base = AutoModelForCausalLM.from_pretrained(config.base_model_name_or_path, torch_dtype=torch.float32)
    model = PeftModel.from_pretrained(base, adapter).eval()
    merged = AutoModelForCausalLM.from_pretrained(merged_dir, torch_dtype=torch.float32).eval()
    worst_score = worst_logit = 0.0
    with torch.no_grad():
        for line in open(scored):
            row = json.loads(line)
            ids = torch.tensor([row["prompt_ids"] + row["completion_ids"]])
            logits = model(input_ids=ids).logits[0]
            logprobs = torch.log_softmax(logits.double(), -1)
            start = len(row["prompt_ids"])
            for i, token in enumerate(row["completion_ids"]):
                worst_score = max(worst_score, abs(logprobs[start + i - 1, token].item() - row["token_logprobs"][i]))
            worst_logit = max(worst_logit, (merged(input_ids=ids).logits[0] - logits).abs().max().item())
        peft_merged = model.merge_and_unload().state_dict()
        ours = merged.state_dict()
        worst_weight = max((peft_merged[k] - ours[k]).abs().max().item() for k in ours if k in peft_merged)
    print(f"stepwise score vs PEFT token log-probs: max |diff| {worst_score:.2e}")
    print(f"stepwise merge vs PEFT logits:          max |diff| {worst_logit:.2e}")
    print(f"stepwise merge vs PEFT merge_and_unload weights: max |diff| {worst_weight:.2e}")
    ok = worst_score < 1e-4 and worst_logit < 1e-4 and worst_weight < 1e-6
    print("OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
