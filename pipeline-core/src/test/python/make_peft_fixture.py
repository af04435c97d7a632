#!/usr/bin/env python3
"""Writes a LoRA adapter for the qwen2-tiny fixture with PEFT itself, and PEFT's log-probs of it.

CI does not run this (it needs torch, transformers and peft); its output is committed under
src/test/resources/fixtures/qwen2-tiny-peft-lora/ and read by PeftFixtureTest.

    python3 pipeline-core/src/test/python/make_peft_fixture.py pipeline-core/src/test/resources/fixtures
"""
import json
import os
import sys

import peft
import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

SEQUENCES = {"a": [1, 5, 9, 2, 33, 17, 4], "b": [1, 40, 41, 42, 3, 3, 3, 8, 60, 12, 0, 7]}


def main(fixtures):
    base = AutoModelForCausalLM.from_pretrained(os.path.join(fixtures, "qwen2-tiny"), dtype=torch.float32)
    config = LoraConfig(r=2, lora_alpha=6, lora_dropout=0.1, target_modules=["q_proj", "o_proj", "up_proj"], task_type="CAUSAL_LM")
    model = get_peft_model(base, config)
    torch.manual_seed(7)
    for name, p in model.named_parameters():
        if "lora_B" in name:
            p.data.normal_(0, 0.5)  # a fresh B is 0 and would change nothing
    out = os.path.join(fixtures, "qwen2-tiny-peft-lora")
    model.save_pretrained(out)
    path = os.path.join(out, "adapter_config.json")
    adapter_config = json.load(open(path))
    adapter_config["base_model_name_or_path"] = "qwen2-tiny"  # the test maps it to the fixture
    json.dump(adapter_config, open(path, "w"), indent=2, sort_keys=True)
    model.eval()
    reference = {"peft_version": peft.__version__}
    with torch.no_grad():
        for key, ids in SEQUENCES.items():
            logprobs = torch.log_softmax(model(input_ids=torch.tensor([ids])).logits[0].double(), -1)
            reference[key] = {"ids": ids, "logprobs": [logprobs[t, ids[t + 1]].item() for t in range(len(ids) - 1)]}
    json.dump(reference, open(os.path.join(out, "reference_logprobs.json"), "w"), indent=1)
    os.remove(os.path.join(out, "README.md"))


if __name__ == "__main__":
    main(sys.argv[1])
