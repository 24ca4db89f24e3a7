#!/usr/bin/env python3
"""Writes data/mer-mini/speaker-split/oracle/: the speaker split with the hidden labels of five of its six
unlabeled actors revealed and those clips moved to train (484 gold clips of 11 actors; the test split unchanged;
the sixth actor's 44 clips stay the pool). Training on it answers what self-training could reach if every pool
label it added were true. Standard library only.

    python3 scripts/make_oracle_split.py        (run from the project root, after make_speaker_split.py)
"""
import csv
import os

SPLIT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "mer-mini", "speaker-split")
OUT = os.path.join(SPLIT, "oracle")
# the pool actor kept unlabeled: the rounds need a pool, and the last in name order is as good as any
KEPT_POOL = "Actor_12"


def main():
    with open(os.path.join(SPLIT, "unlabeled_truth.csv"), newline="", encoding="utf-8") as f:
        truth = {r["sample_id"]: r["label"] for r in csv.DictReader(f)}
    with open(os.path.join(SPLIT, "manifest.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    os.makedirs(OUT, exist_ok=True)
    hidden = []
    counts = {}
    with open(os.path.join(OUT, "manifest.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["sample_id", "split", "label", "video", "text", "group"])
        for r in rows:
            split, label = r["split"], r["label"]
            if split == "unlabeled":
                if r["group"] == KEPT_POOL:
                    hidden.append((r["sample_id"], truth[r["sample_id"]]))
                else:
                    split, label = "train", truth[r["sample_id"]]
            counts[split] = counts.get(split, 0) + 1
            # one directory deeper than the speaker split's manifest
            w.writerow([r["sample_id"], split, label, "../" + r["video"], r["text"], r["group"]])
    with open(os.path.join(OUT, "unlabeled_truth.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["sample_id", "label"])
        w.writerows(hidden)
    print(counts)


if __name__ == "__main__":
    main()
