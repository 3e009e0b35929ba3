#!/usr/bin/env python3
"""Writes small valid seeds for the format fuzzers into fuzz/corpus/:
safetensors/ (F32, F16+BF16 with __metadata__, an empty file's worth),
gguf/ (a complete tiny llama model with a SentencePiece vocabulary and
F32/F16/Q8_0/Q4_0 tensors, a qwen2 one with a byte-level BPE vocabulary
and nested arrays, a v2 file), config_json/ (Llama, Llama-3 scaling,
Qwen2, Qwen3, Mistral) and shard_index/ (model.safetensors.index.json with
one and with three shards, with and without metadata). Every seed is a few hundred bytes to a few KB so the
fuzzer mutates structure, not bulk data.
Run from the repository root: python3 fuzz/make_format_seeds.py"""
import json
import os
import struct

ROOT = "fuzz/corpus"


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


# ---- safetensors ----

def safetensors(tensors, metadata=None):
    header, blobs, offset = {}, b"", 0
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        blobs += data
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + blobs


def f32(values):
    return struct.pack("<%df" % len(values), *values)


# ---- GGUF ----

U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)


def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def gval(t, v):
    fmt = {U8: "B", I8: "b", U16: "H", I16: "h", U32: "I", I32: "i", F32: "f", BOOL: "?", U64: "Q", I64: "q", F64: "d"}
    if t == STRING:
        return gstr(v)
    if t == ARRAY:
        et, items = v
        return struct.pack("<IQ", et, len(items)) + b"".join(gval(et, x) for x in items)
    return struct.pack("<" + fmt[t], v)


def gguf(kvs, tensors, version=3, align=32):
    out = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs))
    for key, t, v in kvs:
        out += gstr(key) + struct.pack("<I", t) + gval(t, v)
    offset, data = 0, b""
    for name, ggml_type, ne, blob in tensors:  # ne innermost first
        out += gstr(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", d) for d in ne)
        out += struct.pack("<IQ", ggml_type, offset)
        padded = blob + b"\0" * ((align - len(blob) % align) % align)
        data += padded
        offset += len(padded)
    out += b"\0" * ((align - len(out) % align) % align)
    return out + data


def llama_gguf():
    dim, ffn, vocab = 32, 32, 8
    tokens = ["<unk>", "<s>", "</s>", "<0x0A>", "\u2581a", "\u2581b", "ab", "\u2581ab"]
    kvs = [
        ("general.architecture", STRING, "llama"),
        ("general.alignment", U32, 32),
        ("llama.context_length", U32, 64),
        ("llama.embedding_length", U32, dim),
        ("llama.block_count", U32, 1),
        ("llama.feed_forward_length", U32, ffn),
        ("llama.attention.head_count", U32, 2),
        ("llama.attention.head_count_kv", U32, 1),
        ("llama.rope.freq_base", F32, 10000.0),
        ("llama.attention.layer_norm_rms_epsilon", F32, 1e-5),
        ("tokenizer.ggml.model", STRING, "llama"),
        ("tokenizer.ggml.tokens", ARRAY, (STRING, tokens)),
        ("tokenizer.ggml.scores", ARRAY, (F32, [0.0, 0.0, 0.0, 0.0, -1.0, -2.0, -3.0, -4.0])),
        ("tokenizer.ggml.token_type", ARRAY, (I32, [2, 3, 3, 6, 1, 1, 1, 1])),
        ("tokenizer.ggml.bos_token_id", U32, 1),
        ("tokenizer.ggml.eos_token_id", U32, 2),
        ("tokenizer.ggml.add_bos_token", BOOL, True),
    ]
    q8 = struct.pack("<H", 0x3C00) + bytes(range(32))  # one Q8_0 block, d = 1.0
    q4 = struct.pack("<H", 0x3C00) + bytes(range(16))  # one Q4_0 block
    f16 = struct.pack("<H", 0x3C00) * 32
    tensors = [
        ("token_embd.weight", 8, [dim, vocab], q8 * vocab),
        ("output_norm.weight", 0, [dim], f32([1.0] * dim)),
        ("blk.0.attn_norm.weight", 0, [dim], f32([1.0] * dim)),
        ("blk.0.attn_q.weight", 2, [dim, 32], q4 * 32),
        ("blk.0.attn_k.weight", 1, [dim, 16], f16 * 16),
        ("blk.0.attn_v.weight", 1, [dim, 16], f16 * 16),
        ("blk.0.attn_output.weight", 8, [32, dim], q8 * dim),
        ("blk.0.ffn_norm.weight", 0, [dim], f32([1.0] * dim)),
        ("blk.0.ffn_gate.weight", 2, [dim, ffn], q4 * ffn),
        ("blk.0.ffn_up.weight", 2, [dim, ffn], q4 * ffn),
        ("blk.0.ffn_down.weight", 2, [ffn, dim], q4 * dim),
    ]
    return gguf(kvs, tensors)


def qwen2_gguf():
    kvs = [
        ("general.architecture", STRING, "qwen2"),
        ("qwen2.context_length", U32, 32),
        ("qwen2.embedding_length", U32, 4),
        ("qwen2.block_count", U32, 1),
        ("qwen2.feed_forward_length", U32, 8),
        ("qwen2.attention.head_count", U32, 2),
        ("qwen2.attention.key_length", U32, 2),
        ("tokenizer.ggml.model", STRING, "gpt2"),
        ("tokenizer.ggml.pre", STRING, "qwen2"),
        ("tokenizer.ggml.tokens", ARRAY, (STRING, ["a", "b", "ab", "<|im_end|>"])),
        ("tokenizer.ggml.token_type", ARRAY, (I32, [1, 1, 1, 3])),
        ("tokenizer.ggml.merges", ARRAY, (STRING, ["a b"])),
        ("tokenizer.ggml.eos_token_id", U32, 3),
        ("nested", ARRAY, (ARRAY, [(U8, [1, 2]), (STRING, ["x"]), (F64, [0.5])])),
        ("misc.i64", I64, -5),
        ("misc.u16", U16, 7),
    ]
    tensors = [("token_embd.weight", 0, [4, 4], f32([0.1] * 16)), ("blk.0.attn_q.bias", 30, [4], b"\x80\x3f" * 4)]
    return gguf(kvs, tensors)


# ---- config.json ----

CONFIGS = {
    "llama.json": {"architectures": ["LlamaForCausalLM"], "hidden_size": 2048, "intermediate_size": 5632,
                   "num_hidden_layers": 22, "num_attention_heads": 32, "num_key_value_heads": 4,
                   "vocab_size": 32000, "max_position_embeddings": 2048, "rms_norm_eps": 1e-05,
                   "rope_theta": 10000.0, "bos_token_id": 1, "eos_token_id": 2, "tie_word_embeddings": False},
    "llama3.json": {"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 128,
                    "num_hidden_layers": 1, "num_attention_heads": 4, "vocab_size": 128256,
                    "eos_token_id": [128001, 128009], "bos_token_id": 128000,
                    "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                     "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}},
    "qwen2.json": {"architectures": ["Qwen2ForCausalLM"], "hidden_size": 64, "intermediate_size": 96,
                   "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                   "vocab_size": 1000, "tie_word_embeddings": True},
    "qwen3.json": {"architectures": ["Qwen3ForCausalLM"], "hidden_size": 64, "intermediate_size": 96,
                   "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 32,
                   "vocab_size": 1000, "rope_scaling": None},
    "mistral.json": {"model_type": "mistral", "hidden_size": 64, "head_dim": None, "intermediate_size": 96,
                     "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 1000},
}


def main():
    write(f"{ROOT}/safetensors/f32.safetensors", safetensors([("w", "F32", [2, 3], f32(range(6))), ("b", "F32", [3], f32([1, 2, 3]))]))
    write(f"{ROOT}/safetensors/half.safetensors",
          safetensors([("h", "F16", [4], b"\x00\x3c" * 4), ("bf", "BF16", [2, 2], b"\x80\x3f" * 4)], {"format": "pt"}))
    write(f"{ROOT}/safetensors/empty.safetensors", safetensors([]))
    write(f"{ROOT}/gguf/llama.gguf", llama_gguf())
    write(f"{ROOT}/gguf/qwen2.gguf", qwen2_gguf())
    write(f"{ROOT}/gguf/v2.gguf", gguf([("general.architecture", STRING, "llama")], [("t", 0, [8], f32([0] * 8))], version=2))
    for name, cfg in CONFIGS.items():
        write(f"{ROOT}/config_json/{name}", json.dumps(cfg, indent=1).encode())
    write(f"{ROOT}/shard_index/one_shard.json",
          json.dumps({"weight_map": {"lm_head.weight": "model-00001-of-00001.safetensors"}}).encode())
    shards = [f"model-0000{i}-of-00003.safetensors" for i in (1, 2, 3)]
    names = ["model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight", "model.norm.weight"]
    write(f"{ROOT}/shard_index/three_shards.json",
          json.dumps({"metadata": {"total_size": 123456}, "weight_map": dict(zip(names, shards))}, indent=2).encode())


if __name__ == "__main__":
    main()
