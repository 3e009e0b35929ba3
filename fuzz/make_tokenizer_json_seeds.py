#!/usr/bin/env python3
"""Writes small, valid tokenizer.json seeds for tokenizer_json_fuzzer into
fuzz/corpus/tokenizer_json/: a GPT-2 style byte-level one, a Llama-3 style
one (Split regex + ByteLevel, TemplateProcessing BOS), a Qwen style one (NFC,
[a, b] merges) and a Llama-2 style SentencePiece one (byte fallback).
Run from the repository root: python3 fuzz/make_tokenizer_json_seeds.py"""
import json
import os

OUT = "fuzz/corpus/tokenizer_json"
LLAMA3 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
QWEN2 = LLAMA3.replace(r"\p{N}{1,3}", r"\p{N}")


def stand_ins():
    printable = [b for b in range(256) if 0x21 <= b <= 0x7E or 0xA1 <= b <= 0xAC or 0xAE <= b <= 0xFF]
    out, n = {}, 0
    for b in range(256):
        if b in printable:
            out[b] = chr(b)
        else:
            out[b] = chr(0x100 + n)
            n += 1
    return out


def byte_level(pre, normalizer=None, pair_merges=False, template=False):
    s = stand_ins()
    vocab = {s[b]: b for b in range(256)}
    merges = []
    for a, b in [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("1", "2"), ("Ġ", "Ġ"), ("a", "b")]:
        vocab.setdefault(a + b, len(vocab))
        merges.append([a, b] if pair_merges else f"{a} {b}")
    n = len(vocab)
    added = [{"id": n, "content": "<|begin|>", "special": True}, {"id": n + 1, "content": "<|end|>", "special": True},
             {"id": n + 2, "content": "<think>", "special": False}]
    post = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    if template:
        post = {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<|begin|>", "type_id": 0}},
                                                         {"Sequence": {"id": "A", "type_id": 0}}]}
    return {"version": "1.0", "added_tokens": added, "normalizer": normalizer, "pre_tokenizer": pre,
            "post_processor": post, "decoder": {"type": "ByteLevel"},
            "model": {"type": "BPE", "vocab": vocab, "merges": merges, "ignore_merges": template}}


def split(regex):
    return {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": regex}, "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]}


def sentencepiece():
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = len(vocab)
    for piece in ["▁", "a", "b", "h", "e", "l", "o", "▁a", "ab", "he", "ll", "▁he", "▁hell", "▁hello", "hell"]:
        vocab.setdefault(piece, len(vocab))
    merges = ["▁ a", "a b", "h e", "l l", "▁ he", "he ll", "▁he ll", "▁hell o"]
    return {"version": "1.0",
            "added_tokens": [{"id": i, "content": t, "special": True} for t, i in [("<unk>", 0), ("<s>", 1), ("</s>", 2)]],
            "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"},
                                                               {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
            "pre_tokenizer": None,
            "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                                                        {"Sequence": {"id": "A", "type_id": 0}}]},
            "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
                                                         {"type": "ByteFallback"}, {"type": "Fuse"},
                                                         {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
            "model": {"type": "BPE", "unk_token": "<unk>", "byte_fallback": True, "fuse_unk": True,
                      "vocab": vocab, "merges": merges}}


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {
        "gpt2.json": byte_level({"type": "ByteLevel", "add_prefix_space": False, "use_regex": True}),
        "llama3.json": byte_level(split(LLAMA3), template=True),
        "qwen.json": byte_level(split(QWEN2), normalizer={"type": "NFC"}, pair_merges=True),
        "sentencepiece.json": sentencepiece(),
    }
    for name, doc in seeds.items():
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
