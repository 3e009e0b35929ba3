#!/usr/bin/python3
"""Writes a PEFT LoRA adapter with random A and B for an HF model folder, and
the model with that adapter merged, as PEFT's merge_and_unload computes it
(W + lora_alpha / r * B @ A, in float64, stored as the model's float32).
Independent of reach-run: its own safetensors reader and writer.

usage: peft_reference.py MODEL_DIR ADAPTER_DIR MERGED_DIR SEED
"""
import json
import os
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_np import read_safetensors, write_safetensors  # noqa: E402

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
RANK, ALPHA = 4, 12.0


def main():
    model_dir, adapter_dir, merged_dir, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    rng = np.random.default_rng(seed)
    weights = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    adapter, merged = {}, dict(weights)
    for name in sorted(weights):
        module = name.split(".")[-2]
        if not name.endswith(".weight") or module not in TARGETS:
            continue
        w = weights[name]
        a = rng.normal(0.0, 0.1, (RANK, w.shape[1])).astype(np.float32)
        b = rng.normal(0.0, 0.1, (w.shape[0], RANK)).astype(np.float32)
        stem = "base_model.model." + name[: -len(".weight")]
        adapter[stem + ".lora_A.weight"] = a
        adapter[stem + ".lora_B.weight"] = b
        merged[name] = (w.astype(np.float64) + ALPHA / RANK * (b.astype(np.float64) @ a.astype(np.float64))).astype(np.float32)
    os.makedirs(adapter_dir, exist_ok=True)
    with open(os.path.join(adapter_dir, "adapter_config.json"), "w") as f:
        json.dump({"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": RANK, "lora_alpha": ALPHA,
                   "target_modules": TARGETS, "bias": "none", "lora_dropout": 0.0, "use_rslora": False,
                   "fan_in_fan_out": False, "modules_to_save": None}, f, indent=2)
    write_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"), adapter)
    shutil.copytree(model_dir, merged_dir)
    write_safetensors(os.path.join(merged_dir, "model.safetensors"), merged)


if __name__ == "__main__":
    main()
