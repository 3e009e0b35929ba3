#!/usr/bin/python3
"""The loss and the LoRA gradients of one training step, computed by PyTorch's
autograd on a Llama-family forward written here from the Hugging Face
modeling code (Llama, Mistral, Qwen2's q/k/v biases, Qwen3's q/k norms;
half-split RoPE; grouped-query attention), for the C++ trainer's test.

usage: lora_grad_reference.py MODEL_DIR ADAPTER_DIR TOKENS BATCH OUT_JSON
  TOKENS: comma-separated ids, BATCH windows of equal length (ctx + 1);
  the loss is the mean next-token cross-entropy over every position.
Writes {"loss": L, "grads": {PEFT tensor name: [values, row-major]}}.
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lora"))
from safetensors_np import read_safetensors  # noqa: E402


def main():
    model_dir, adapter_dir, tokens, batch, out_path = sys.argv[1:6]
    torch.set_default_dtype(torch.float32)
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    W = {k: torch.from_numpy(v) for k, v in read_safetensors(os.path.join(model_dir, "model.safetensors")).items()}
    acfg = json.load(open(os.path.join(adapter_dir, "adapter_config.json")))
    scale = acfg["lora_alpha"] / (acfg["r"] ** 0.5 if acfg.get("use_rslora") else acfg["r"])
    lora = {k: torch.from_numpy(v).requires_grad_(True)
            for k, v in read_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors")).items()}

    dim, H, KV = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    d = cfg.get("head_dim") or dim // H
    eps, theta = cfg["rms_norm_eps"], cfg.get("rope_theta", 10000.0)
    arch = cfg["architectures"][0]
    ids = torch.tensor([int(t) for t in tokens.split(",")]).reshape(int(batch), -1)
    x_ids, labels = ids[:, :-1], ids[:, 1:]
    B, T = x_ids.shape

    def rms(x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w

    def linear(x, name):
        y = x @ W[name + ".weight"].T
        if name + ".bias" in W:
            y = y + W[name + ".bias"]
        a = lora.get("base_model.model." + name + ".lora_A.weight")
        if a is not None:
            y = y + scale * (x @ a.T) @ lora["base_model.model." + name + ".lora_B.weight"].T
        return y

    inv_freq = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.float32) / d))
    ang = torch.outer(torch.arange(T, dtype=torch.float32), inv_freq)
    cos, sin = torch.cat([ang.cos(), ang.cos()], -1), torch.cat([ang.sin(), ang.sin()], -1)

    def rope(x):  # [B, heads, T, d], rotate_half
        x1, x2 = x[..., : d // 2], x[..., d // 2:]
        return x * cos + torch.cat([-x2, x1], -1) * sin

    mask = torch.full((T, T), float("-inf")).triu(1)
    h = W["model.embed_tokens.weight"][x_ids]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        a_in = rms(h, W[p + "input_layernorm.weight"])
        q = linear(a_in, p + "self_attn.q_proj").view(B, T, H, d)
        k = linear(a_in, p + "self_attn.k_proj").view(B, T, KV, d)
        v = linear(a_in, p + "self_attn.v_proj").view(B, T, KV, d)
        if arch == "Qwen3ForCausalLM":
            q, k = rms(q, W[p + "self_attn.q_norm.weight"]), rms(k, W[p + "self_attn.k_norm.weight"])
        q, k, v = rope(q.transpose(1, 2)), rope(k.transpose(1, 2)), v.transpose(1, 2)
        k, v = k.repeat_interleave(H // KV, 1), v.repeat_interleave(H // KV, 1)
        att = torch.softmax(q @ k.transpose(-1, -2) / d ** 0.5 + mask, -1) @ v
        h = h + linear(att.transpose(1, 2).reshape(B, T, H * d), p + "self_attn.o_proj")
        m_in = rms(h, W[p + "post_attention_layernorm.weight"])
        g, u = linear(m_in, p + "mlp.gate_proj"), linear(m_in, p + "mlp.up_proj")
        h = h + linear(torch.nn.functional.silu(g) * u, p + "mlp.down_proj")
    head = W.get("lm_head.weight", W["model.embed_tokens.weight"])
    logits = rms(h, W["model.norm.weight"]) @ head.T
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))
    loss.backward()
    json.dump({"loss": loss.item(),
               "grads": {k: t.grad.reshape(-1).tolist() for k, t in lora.items()}}, open(out_path, "w"))


if __name__ == "__main__":
    main()
