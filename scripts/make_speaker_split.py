#!/usr/bin/env python3
"""Writes data/mer-mini/speaker-split/: the bundled clips re-split so that no RAVDESS actor (the speaker of
the audio track, from sources.csv) is in two of train / test / unlabeled, with the actor as the manifest's
`group` column. 16 actors: 6 train, 4 test, 6 unlabeled, drawn with a fixed seed. Standard library only.

    python3 scripts/make_speaker_split.py        (run from the project root; rewrites the two CSV files)
"""
import csv
import os
import random

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "mer-mini")
OUT = os.path.join(ROOT, "speaker-split")


def main():
    actor = {}
    with open(os.path.join(ROOT, "sources.csv"), newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            actor[r["sample_id"]] = r["ravdess_file"].split("/")[0]
    truth = {}
    with open(os.path.join(ROOT, "unlabeled_truth.csv"), newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            truth[r["sample_id"]] = r["label"]
    actors = sorted(set(actor.values()))
    random.Random(20261202).shuffle(actors)
    split_of = {a: "train" for a in actors[:6]}
    split_of.update({a: "test" for a in actors[6:10]})
    split_of.update({a: "unlabeled" for a in actors[10:]})

    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(ROOT, "manifest.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    hidden = []
    with open(os.path.join(OUT, "manifest.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["sample_id", "split", "label", "video", "text", "group"])
        for r in rows:
            label = r["label"] or truth[r["sample_id"]]
            split = split_of[actor[r["sample_id"]]]
            if split == "unlabeled":
                hidden.append((r["sample_id"], label))
                label = ""
            w.writerow([r["sample_id"], split, label, "../" + r["video"], r["text"], actor[r["sample_id"]]])
    with open(os.path.join(OUT, "unlabeled_truth.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["sample_id", "label"])
        w.writerows(hidden)
    for s in ("train", "test", "unlabeled"):
        print(s, sorted(a for a in actors if split_of[a] == s))


if __name__ == "__main__":
    main()
