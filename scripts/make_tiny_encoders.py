#!/usr/bin/python3
"""Tiny random-weight encoders with the shapes of the paper's architectures, for tests.

Run with Debian's Python (apt python3-torch 1.13, python3-onnx): /usr/bin/python3 scripts/make_tiny_encoders.py
Writes src/test/resources/tiny-encoders/: each model as ONNX and TorchScript, and golden.json with PyTorch's outputs
on fixed inputs. Fixed seeds: a rerun gives the same weights and the same golden values.

- vit: a CLIP-style image tower (patch conv, class token, pre-norm blocks, projection of the CLS token)
  pixel_values (N,3,32,32) -> image_embeds (N,16)
- hubert: a HuBERT-style waveform encoder (7-layer conv feature extractor, strides 5,2,2,2,2,2,2, kernels
  10,3,3,3,3,2,2, positional conv, 2 post-norm transformer layers)
  input_values (N,S) -> last_hidden_state (N,T,32), hidden_states_0..2, T = floor((S - 400) / 320) + 1
- lm: a decoder-only causal LM (token + learned position embeddings, 2 pre-norm causal blocks, final norm) with a
  byte-level BPE tokenizer.json; input_ids, attention_mask (N,L) -> last_hidden_state (N,L,32), hidden_states_0..2
"""
import json
import math
import os
import re

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "tiny-encoders")
OPSET = 14


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)

    def forward(self, x, bias=None):
        n, t, w = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q = q.reshape(n, t, self.heads, w // self.heads).transpose(1, 2)
        k = k.reshape(n, t, self.heads, w // self.heads).transpose(1, 2)
        v = v.reshape(n, t, self.heads, w // self.heads).transpose(1, 2)
        scores = q @ k.transpose(-1, -2) / math.sqrt(w // self.heads)
        if bias is not None:
            scores = scores + bias
        y = scores.softmax(dim=-1) @ v
        return self.out(y.transpose(1, 2).reshape(n, t, w))


class Block(nn.Module):
    """pre=True: x + attn(ln(x)), x + mlp(ln(x)) (CLIP, GPT); pre=False: ln(x + attn(x)) ... (HuBERT base)."""

    def __init__(self, width, heads, pre):
        super().__init__()
        self.pre = pre
        self.ln1 = nn.LayerNorm(width)
        self.attn = Attention(width, heads)
        self.ln2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x, bias=None):
        if self.pre:
            x = x + self.attn(self.ln1(x), bias)
            return x + self.mlp(self.ln2(x))
        x = self.ln1(x + self.attn(x, bias))
        return self.ln2(x + self.mlp(x))


class VitTower(nn.Module):
    def __init__(self, size=32, patch=8, width=32, layers=2, heads=4, embed=16):
        super().__init__()
        self.patch = nn.Conv2d(3, width, patch, stride=patch, bias=False)
        self.cls = nn.Parameter(torch.randn(width) * 0.5)
        self.pos = nn.Parameter(torch.randn((size // patch) ** 2 + 1, width) * 0.5)
        self.pre_ln = nn.LayerNorm(width)
        self.blocks = nn.ModuleList([Block(width, heads, True) for _ in range(layers)])
        self.post_ln = nn.LayerNorm(width)
        self.proj = nn.Linear(width, embed, bias=False)

    def forward(self, pixel_values):
        x = self.patch(pixel_values).flatten(2).transpose(1, 2)
        cls = self.cls.reshape(1, 1, -1).expand(x.shape[0], 1, x.shape[2])
        x = self.pre_ln(torch.cat([cls, x], dim=1) + self.pos)
        for b in self.blocks:
            x = b(x)
        return self.proj(self.post_ln(x[:, 0]))


class HubertEncoder(nn.Module):
    KERNELS = (10, 3, 3, 3, 3, 2, 2)
    STRIDES = (5, 2, 2, 2, 2, 2, 2)

    def __init__(self, channels=32, width=32, layers=2, heads=4, pos_kernel=16, pos_groups=4):
        super().__init__()
        convs = []
        for i, (k, s) in enumerate(zip(self.KERNELS, self.STRIDES)):
            convs.append(nn.Conv1d(1 if i == 0 else channels, channels, k, stride=s, bias=False))
        self.convs = nn.ModuleList(convs)
        self.group_norm = nn.GroupNorm(channels, channels)
        self.feature_ln = nn.LayerNorm(channels)
        self.projection = nn.Linear(channels, width)
        self.pos_conv = nn.Conv1d(width, width, pos_kernel, padding=pos_kernel // 2, groups=pos_groups)
        self.ln = nn.LayerNorm(width)
        self.blocks = nn.ModuleList([Block(width, heads, False) for _ in range(layers)])

    def forward(self, input_values):
        x = input_values.unsqueeze(1)
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if i == 0:
                x = self.group_norm(x)
            x = F.gelu(x)
        x = self.projection(self.feature_ln(x.transpose(1, 2)))
        pos = self.pos_conv(x.transpose(1, 2))[:, :, :-1]  # even kernel: drop the last position (SamePad)
        x = self.ln(x + F.gelu(pos).transpose(1, 2))
        states = [x]
        for b in self.blocks:
            x = b(x)
            states.append(x)
        return tuple([x] + states)


class CausalLm(nn.Module):
    def __init__(self, vocab, width=32, layers=2, heads=4, positions=64):
        super().__init__()
        self.tokens = nn.Embedding(vocab, width)
        self.positions = nn.Embedding(positions, width)
        self.blocks = nn.ModuleList([Block(width, heads, True) for _ in range(layers)])
        self.ln = nn.LayerNorm(width)

    def forward(self, input_ids, attention_mask):
        n, t = input_ids.shape
        pos = torch.arange(t, device=input_ids.device).unsqueeze(0)
        x = self.tokens(input_ids) + self.positions(pos)
        causal = torch.ones(t, t, device=input_ids.device).tril()
        allowed = causal.unsqueeze(0) * attention_mask.unsqueeze(1).to(x.dtype)
        bias = ((1.0 - allowed) * -1e9).unsqueeze(1)
        states = [x]
        for b in self.blocks:
            x = b(x, bias)
            states.append(x)
        last = self.ln(x)
        return tuple([last] + states)


# ---- byte-level BPE (GPT-2's byte-to-unicode map), trained on a few sentences ----

def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE = bytes_to_unicode()
# GPT-2's pre-tokenisation pattern, restricted to ASCII letters and digits (the test texts are ASCII).
SPLIT = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")
CORPUS = ["the cat sat on the mat", "the dog sat on the log", "hello world, hello there",
          "she said that the weather is fine", "i am not happy about this at all", "what a surprise!"]


def words(text):
    return ["".join(BYTE[b] for b in w.encode("utf-8")) for w in SPLIT.findall(text)]


def train_merges(count):
    seqs = [list(w) for t in CORPUS for w in words(t)]
    merges = []
    for _ in range(count):
        pairs = {}
        for s in seqs:
            for a, b in zip(s, s[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + 1
        if not pairs:
            break
        best = max(sorted(pairs), key=lambda p: pairs[p])
        merges.append(best)
        for s in seqs:
            i = 0
            while i < len(s) - 1:
                if (s[i], s[i + 1]) == best:
                    s[i:i + 2] = [s[i] + s[i + 1]]
                else:
                    i += 1
    return merges


def bpe(word, ranks):
    parts = list(word)
    while len(parts) > 1:
        pairs = [(ranks.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(parts, parts[1:]))]
        rank, i = min(pairs)
        if rank == 1 << 30:
            break
        parts[i:i + 2] = [parts[i] + parts[i + 1]]
    return parts


def tokenizer(merges):
    vocab = {"<|endoftext|>": 0}
    for b in range(256):
        vocab[BYTE[b]] = len(vocab)
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    spec = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": 0, "content": "<|endoftext|>", "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True}],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                  "vocab": vocab, "merges": [a + " " + b for a, b in merges]},
    }
    ranks = {m: i for i, m in enumerate(merges)}

    def encode(text):
        return [vocab[p] for w in words(text) for p in bpe(w, ranks)]

    return spec, vocab, encode


def rounded(t):
    return [round(float(v), 7) for v in t.detach().reshape(-1).tolist()]


def export(model, name, args, inputs, outputs, dynamic):
    model.eval()
    torch.onnx.export(model, args, os.path.join(OUT, name + ".onnx"), input_names=inputs, output_names=outputs,
                      dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True)
    torch.jit.trace(model, args).save(os.path.join(OUT, name + ".pt"))


def pad(ids, length, side):
    fill = [0] * (length - len(ids))
    mask = [1] * len(ids)
    return (fill + ids, [0] * len(fill) + mask) if side == "left" else (ids + fill, mask + [0] * len(fill))


def main():
    os.makedirs(OUT, exist_ok=True)
    golden = {}
    with torch.no_grad():
        # image tower: raw 0..255 RGB frames, normalised as CLIP's preprocessor does (range 1, CLIP mean/std)
        torch.manual_seed(1)
        vit = VitTower().eval()
        g = torch.Generator().manual_seed(11)
        raw = torch.randint(0, 256, (2, 3, 32, 32), generator=g).float()
        mean = torch.tensor([0.48145466, 0.4578275, 0.40821073]).reshape(1, 3, 1, 1)
        std = torch.tensor([0.26862954, 0.26130258, 0.27577711]).reshape(1, 3, 1, 1)
        pixels = (raw / 255.0 - mean) / std
        export(vit, "vit", (pixels,), ["pixel_values"], ["image_embeds"], {"pixel_values": {0: "batch"},
                                                                          "image_embeds": {0: "batch"}})
        golden["vit"] = {"raw_frames": rounded(raw), "shape": [2, 3, 32, 32], "image_embeds": rounded(vit(pixels)),
                         "width": 16}

        # waveform encoder: per-utterance normalised 16 kHz samples; whole clip and 8000-sample chunks
        torch.manual_seed(2)
        hubert = HubertEncoder().eval()
        g = torch.Generator().manual_seed(22)
        samples = 20800
        wave = torch.sin(torch.arange(samples) * 0.05) * 0.3 + torch.randn(samples, generator=g) * 0.05
        norm = (wave - wave.mean()) / torch.sqrt(wave.var(unbiased=False) + 1e-7)
        export(hubert, "hubert", (norm.unsqueeze(0),), ["input_values"],
               ["last_hidden_state", "hidden_states_0", "hidden_states_1", "hidden_states_2"],
               {"input_values": {0: "batch", 1: "samples"}, "last_hidden_state": {0: "batch", 1: "frames"},
                "hidden_states_0": {0: "batch", 1: "frames"}, "hidden_states_1": {0: "batch", 1: "frames"},
                "hidden_states_2": {0: "batch", 1: "frames"}})
        out = hubert(norm.unsqueeze(0))
        chunks = [hubert(norm[i:i + 8000].unsqueeze(0)) for i in range(0, samples, 8000)]
        golden["hubert"] = {
            "wave": rounded(wave), "width": 32,
            "last_hidden_state": rounded(out[0][0]), "frames": out[0].shape[1],
            "sum_last_2": rounded(out[-1][0] + out[-2][0]),
            "chunk_samples": 8000,
            "chunked_last_hidden_state": rounded(torch.cat([c[0][0] for c in chunks], dim=0)),
            "chunked_frames": sum(c[0].shape[1] for c in chunks),
        }

        # causal LM with its byte-level BPE tokenizer
        merges = train_merges(40)
        spec, vocab, encode = tokenizer(merges)
        with open(os.path.join(OUT, "lm-tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump(spec, f, ensure_ascii=False, indent=1)
        torch.manual_seed(3)
        lm = CausalLm(len(vocab)).eval()
        texts = ["hello world", "the cat sat on the mat, said the dog"]
        ids = [encode(t) for t in texts]
        longest = max(len(i) for i in ids)
        example = torch.tensor([pad(ids[0], longest, "left")[0], ids[1]])
        export(lm, "lm", (example, torch.ones_like(example)), ["input_ids", "attention_mask"],
               ["last_hidden_state", "hidden_states_0", "hidden_states_1", "hidden_states_2"],
               {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                "last_hidden_state": {0: "batch", 1: "sequence"}, "hidden_states_0": {0: "batch", 1: "sequence"},
                "hidden_states_1": {0: "batch", 1: "sequence"}, "hidden_states_2": {0: "batch", 1: "sequence"}})
        lm_golden = {"texts": texts, "ids": ids, "width": 32}
        for side in ("left", "right"):
            padded = [pad(i, longest, side) for i in ids]
            input_ids = torch.tensor([p[0] for p in padded])
            mask = torch.tensor([p[1] for p in padded])
            out = lm(input_ids, mask)
            last, per_text_tokens, per_text_layer1 = [], [], []
            for r, i in enumerate(ids):
                real = mask[r].nonzero().reshape(-1)
                per_text_tokens.append(rounded(out[0][r, real]))
                per_text_layer1.append(rounded(out[2][r, real].mean(dim=0)))
                last.append(rounded(out[0][r, real[-1]]))
            lm_golden[side] = {"tokens": per_text_tokens, "last": last, "mean_layer_1": per_text_layer1}
        golden["lm"] = lm_golden
    with open(os.path.join(OUT, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f)
    for name in sorted(os.listdir(OUT)):
        print(name, os.path.getsize(os.path.join(OUT, name)))


if __name__ == "__main__":
    main()
