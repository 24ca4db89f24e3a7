#!/usr/bin/env python3
"""PyTorch twin of mer-spark's Audio-Guided Transformer, for `./submit.sh bench train`.

Reads the train split exported by the bench (<m>_tokens.npy, <m>_mask.npy, labels.npy, config.json),
builds the same architecture as io.merspark.train.AudioGuidedTransformer (same layers, masks, gated
residual, audio fallback, modality dropout, Adam with L2 weight decay, batches padded to their longest
sequence) and prints the median epoch time after --warmup untimed epochs, and the training thread's CPU
time per timed epoch, as `RESULT {"epoch_seconds": ..., "cpu_seconds": ...}`.
Needs Debian's python3-torch (apt-get install -y python3-torch); the jobs never use it.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:  # the bench prints this and carries on without the ratio
    print(f"python3-torch is not installed ({e}); apt-get install -y python3-torch")
    sys.exit(3)

MASKED = 1e9


class MaskedMultiHeadAttention(nn.Module):
    def __init__(self, width, heads, dropout):
        super().__init__()
        self.width, self.heads = width, heads
        self.query, self.key, self.value, self.output = (nn.Linear(width, width) for _ in range(4))
        self.dropout = nn.Dropout(dropout)

    def forward(self, q, kv, key_mask):
        b, tq, _ = q.shape
        tk = kv.shape[1]
        dh = self.width // self.heads
        qh = self.query(q).view(b, tq, self.heads, dh).transpose(1, 2)
        kh = self.key(kv).view(b, tk, self.heads, dh).transpose(1, 2)
        vh = self.value(kv).view(b, tk, self.heads, dh).transpose(1, 2)
        scores = qh @ kh.transpose(2, 3) / math.sqrt(dh)
        scores = scores + ((key_mask - 1) * MASKED).view(b, 1, 1, tk)
        attention = self.dropout(scores.softmax(-1))
        context = (attention @ vh).transpose(1, 2).reshape(b, tq, self.width)
        return self.output(context)


class IntraChannelEncoder(nn.Module):
    def __init__(self, width, heads, dropout):
        super().__init__()
        self.attention = MaskedMultiHeadAttention(width, heads, dropout)
        self.attention_dropout = nn.Dropout(dropout)
        self.attention_norm = nn.LayerNorm(width)
        self.expand = nn.Linear(width, 2 * width)
        self.ff_dropout = nn.Dropout(dropout)
        self.contract = nn.Linear(2 * width, width)
        self.output_dropout = nn.Dropout(dropout)
        self.ff_norm = nn.LayerNorm(width)

    def forward(self, x, mask):
        x = self.attention_norm(x + self.attention_dropout(self.attention(x, x, mask)))
        ff = self.contract(self.ff_dropout(F.relu(self.expand(x))))
        return self.ff_norm(x + self.output_dropout(ff))


def masked_mean(x, mask):
    return (x * mask.unsqueeze(2)).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)


class AudioGuidedTransformer(nn.Module):
    def __init__(self, dims, guide, width, heads, layers, dropout, classes):
        super().__init__()
        self.guide = guide
        m = len(dims)
        self.projections = nn.ModuleList(nn.Linear(d, width) for d in dims)
        self.encoders = nn.ModuleList(
            nn.ModuleList(IntraChannelEncoder(width, heads, dropout) for _ in range(layers)) for _ in dims)
        self.modality_embedding = nn.Parameter(torch.empty(m, width).uniform_(-1 / math.sqrt(width), 1 / math.sqrt(width)))
        self.cross_attention = MaskedMultiHeadAttention(width, heads, dropout)
        self.gate = nn.Linear(2 * width, width)
        self.cross_dropout = nn.Dropout(dropout)
        self.guided_norm = nn.LayerNorm(width)
        self.fused_dropout = nn.Dropout(dropout)
        self.hidden = nn.Linear((m + 1) * width, width)
        self.hidden_dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(width, classes)

    def forward(self, tokens, masks):
        streams, pooled, present = [], [], []
        for i, (x, mask) in enumerate(zip(tokens, masks)):
            x = self.projections[i](x) + self.modality_embedding[i]
            for layer in self.encoders[i]:
                x = layer(x, mask)
            streams.append(x)
            pooled.append(masked_mean(x, mask))
            present.append(mask.amax(1, keepdim=True))
        g = self.guide
        audio = streams[g]
        context = torch.cat([s for i, s in enumerate(streams) if i != g], 1)
        context_mask = torch.cat([m for i, m in enumerate(masks) if i != g], 1)
        cross = self.cross_attention(audio, context, context_mask) * context_mask.amax(1, keepdim=True).unsqueeze(2)
        gate = torch.sigmoid(self.gate(torch.cat([audio, cross], 2)))
        guided = self.guided_norm(audio + gate * self.cross_dropout(cross))
        guided_pooled = masked_mean(guided, masks[g])
        others = [i for i in range(len(streams)) if i != g]
        fallback = sum(pooled[i] for i in others) / sum(present[i] for i in others).clamp(min=1)
        has_audio = present[g]
        slot = guided_pooled * has_audio + fallback * (1 - has_audio)
        fused = self.fused_dropout(torch.cat([slot] + pooled, 1))
        return self.classifier(self.hidden_dropout(F.relu(self.hidden(fused))))


def blas():
    """The BLAS library this process loaded: Debian's torch calls whichever libblas.so.3 the system provides,
    and the netlib reference BLAS (package libblas3) is several times slower than OpenBLAS at these sizes."""
    torch.zeros(2, 2) @ torch.zeros(2, 2)
    with open("/proc/self/maps") as maps:
        libs = {line.split()[-1] for line in maps if "blas" in line.rsplit("/", 1)[-1]}
    for lib in sorted(libs):
        real = os.path.realpath(lib)
        if "openblas" in real or "mkl" in real or "blis" in real:
            return real
    return (os.path.realpath(sorted(libs)[0]) + " (reference BLAS: install libopenblas0 for a fair ratio)") if libs else "built in"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--epochs", type=int, default=5, help="timed epochs")
    ap.add_argument("--warmup", type=int, default=1, help="untimed epochs before them")
    ap.add_argument("--threads", type=int, default=1, help="intra-op threads, as mer.train.threads on the JVM side")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = json.load(open(os.path.join(args.dir, "config.json")))
    torch.manual_seed(cfg["seed"])
    rng = np.random.default_rng(cfg["seed"])
    mods = cfg["modalities"]
    tokens = [np.load(os.path.join(args.dir, f"{m}_tokens.npy")) for m in mods]
    masks = [np.load(os.path.join(args.dir, f"{m}_mask.npy")) for m in mods]
    labels = np.load(os.path.join(args.dir, "labels.npy"))
    # standardise valid tokens per dimension, as the Java side does (not timed)
    for i in range(len(mods)):
        valid = tokens[i][masks[i] > 0]
        mu, sd = valid.mean(0), valid.std(0)
        sd[sd < 1e-6] = 1
        tokens[i] = np.where(masks[i][..., None] > 0, (tokens[i] - mu) / sd, 0).astype(np.float32)
    n = len(labels)
    model = AudioGuidedTransformer([t.shape[2] for t in tokens], mods.index("audio"), cfg["width"], cfg["heads"],
                                   cfg["layers"], cfg["dropout"], cfg["classes"])
    opt = torch.optim.Adam(model.parameters(), lr=cfg["learning_rate"], weight_decay=cfg["weight_decay"])
    batch, p = cfg["batch_size"], cfg["modality_dropout"]
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, {n} rows, batch {batch}, BLAS {blas()}")

    phases = dict.fromkeys(["read", "encode", "forward", "backward", "step"], 0.0)
    cpu = [0.0]  # this thread's CPU time over the timed epochs (one intra-op thread: the ops run on it)

    def epoch():
        model.train()
        order = rng.permutation(n)
        for start in range(0, n, batch):
            t = time.thread_time()
            idx = order[start:start + batch]
            xs, ms = [], []
            present = np.stack([masks[i][idx].max(1) > 0 for i in range(len(mods))], 1)
            drop = (rng.random(present.shape) < p) & present
            all_dropped = drop.sum(1) == present.sum(1)
            for r in np.nonzero(all_dropped)[0]:  # never drop every modality
                drop[r, rng.choice(np.nonzero(present[r])[0])] = False
            for i in range(len(mods)):
                m = masks[i][idx] * (~drop[:, i])[:, None]
                length = max(1, int(m.sum(1).max()))
                xs.append(torch.from_numpy(tokens[i][idx, :length] * m[:, :length, None]))
                ms.append(torch.from_numpy(m[:, :length].astype(np.float32)))
            y = torch.from_numpy(labels[idx])
            t = mark("encode", t)  # row reading and tensor building are one numpy pass here
            loss = F.cross_entropy(model(xs, ms), y)
            t = mark("forward", t)
            opt.zero_grad()
            loss.backward()
            t = mark("backward", t)
            opt.step()
            mark("step", t)

    def mark(phase, since):  # this thread's CPU time, as the JVM side counts its phases
        now = time.thread_time()
        phases[phase] += now - since
        return now

    times = []
    for e in range(args.warmup + args.epochs):
        if e == args.warmup:  # the warm-up epochs' phases are not counted
            phases.update(dict.fromkeys(phases, 0.0))
        t0, c0 = time.perf_counter(), time.thread_time()
        epoch()
        times.append(time.perf_counter() - t0)
        if e >= args.warmup:
            cpu[0] += time.thread_time() - c0
    print("PyTorch epochs: [" + ", ".join(f"{t:.3f}" for t in times) + "]")
    total = sum(phases.values()) or 1
    print(f"PyTorch training thread CPU per epoch: {cpu[0] / args.epochs:.3f} s: " + ", ".join(
        f"{k} {v / args.epochs:.3f} s ({100 * v / total:.0f}%)" for k, v in phases.items()))
    print("RESULT " + json.dumps({"epoch_seconds": statistics.median(times[args.warmup:]), "cpu_seconds": cpu[0] / args.epochs,
                                  "epochs": times}))


if __name__ == "__main__":
    main()
