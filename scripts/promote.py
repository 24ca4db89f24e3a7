#!/usr/bin/env python3
"""Points the stable `current` model at a round, unless its gold out-of-fold WAF dropped too much.

    scripts/promote.py --root ROOT --round R --promoted DIR [--tolerance 0.01] [--ds YYYY-MM-DD]

Reads ROOT/rounds/round=R/metrics.json (the round must have _SUCCESS) and DIR/current.json (the promoted round,
if any). The decision reads `cv_waf`, the ensemble's out-of-fold WAF on gold training labels (pseudo-labels
never validate), never the test WAF: test stays a report, so nothing is tuned on it. A round marked
`regressed` (its cv_waf fell below the previous round's) is never promoted. Otherwise round R becomes current
when there is none yet, or when  cv_waf(R) >= cv_waf(current) - tolerance.
Otherwise current stays as it is and the decision is recorded. Writes, atomically:
  DIR/current.json    {"round", "waf" (= cv_waf), "test_waf", "accuracy", "model", "metrics", "promoted_at", "ds"}
  DIR/current         symlink to ROOT/rounds/round=R/model (local roots only)
  DIR/history.jsonl   one line per decision
Idempotent: promoting the current round again, or deciding the same way about the same round, changes nothing.
A round older than the current one is never promoted over it (a backfill does not roll the model back).
ROOT may be a local path, file:// URI, or a Hadoop URI (hdfs://, s3a://, ...), read with `hdfs dfs -cat`.
Exit codes: 0 decided (promoted or kept), 1 the round is incomplete or unreadable, 2 usage.
"""
import argparse
import datetime as dt
import json
import os
import subprocess
import sys


def is_hadoop(root):
    return "://" in root and not root.startswith("file://")


def local_path(root):
    return root[len("file://"):] if root.startswith("file://") else root


def read_text(root, rel):
    """The file ROOT/rel, or None when it does not exist."""
    if is_hadoop(root):
        p = subprocess.run(["hdfs", "dfs", "-cat", root.rstrip("/") + "/" + rel],
                           capture_output=True, text=True)
        return p.stdout if p.returncode == 0 else None
    path = os.path.join(local_path(root), rel)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return f.read()


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def last_decision(history):
    if not os.path.exists(history):
        return None
    last = None
    with open(history, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                last = json.loads(line)
    return last


def decide(new_waf, current, tolerance, regressed=False):
    """('promote'|'keep', reason) for a complete round with gold out-of-fold WAF new_waf against current.json."""
    if regressed:
        return "keep", "round regressed: its gold out-of-fold WAF %.4f fell below the previous round's" % new_waf
    if current is None:
        return "promote", "no model promoted yet"
    drop = current["waf"] - new_waf
    if drop <= tolerance + 1e-12:
        return "promote", "WAF %.4f vs current %.4f (round %d): drop %.4f <= tolerance %.4f" % (
            new_waf, current["waf"], current["round"], max(drop, 0.0), tolerance)
    return "keep", "WAF %.4f vs current %.4f (round %d): drop %.4f > tolerance %.4f" % (
        new_waf, current["waf"], current["round"], drop, tolerance)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", required=True)
    ap.add_argument("--round", type=int, required=True)
    ap.add_argument("--promoted", required=True, help="local directory holding current.json, current, history.jsonl")
    ap.add_argument("--tolerance", type=float, default=0.01, help="largest WAF drop still promoted (default 0.01)")
    ap.add_argument("--ds", default="", help="the run's logical date, recorded with the decision")
    a = ap.parse_args(argv)
    if a.round < 1 or a.tolerance < 0:
        print("error: --round must be >= 1 and --tolerance >= 0", file=sys.stderr)
        return 2

    rel = "rounds/round=%d" % a.round
    if read_text(a.root, rel + "/_SUCCESS") is None:
        print("error: round %d is not complete (no %s/%s/_SUCCESS)" % (a.round, a.root, rel), file=sys.stderr)
        return 1
    raw = read_text(a.root, rel + "/metrics.json")
    try:
        metrics = json.loads(raw) if raw is not None else None
        waf = float(metrics["cv_waf"])
        regressed = bool(metrics.get("regressed", False))
    except (ValueError, TypeError, KeyError) as e:
        print("error: cannot read the gold out-of-fold WAF (cv_waf) of round %d from %s/%s/metrics.json: %s"
              % (a.round, a.root, rel, e),
              file=sys.stderr)
        return 1

    os.makedirs(a.promoted, exist_ok=True)
    current_file = os.path.join(a.promoted, "current.json")
    history = os.path.join(a.promoted, "history.jsonl")
    current = None
    if os.path.exists(current_file):
        with open(current_file, encoding="utf-8") as f:
            current = json.load(f)

    if current is not None and current["round"] == a.round:
        print("round %d is already the current model (WAF %.4f): nothing to do" % (a.round, current["waf"]))
        return 0
    if current is not None and current["round"] > a.round:
        print("current model is round %d, newer than round %d: kept" % (current["round"], a.round))
        return 0

    decision, reason = decide(waf, current, a.tolerance, regressed)
    model = a.root.rstrip("/") + "/" + rel + "/model"
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    record = {"round": a.round, "decision": decision, "waf": waf, "reason": reason, "ds": a.ds, "at": now}
    if decision == "promote":
        write_atomic(current_file, json.dumps({
            "round": a.round, "waf": waf, "test_waf": metrics.get("waf"), "accuracy": metrics.get("accuracy"),
            "model": model,
            "metrics": a.root.rstrip("/") + "/" + rel + "/metrics.json", "promoted_at": now, "ds": a.ds},
            indent=2) + "\n")
        if not is_hadoop(a.root):
            link = os.path.join(a.promoted, "current")
            tmp = link + ".tmp"
            if os.path.lexists(tmp):
                os.remove(tmp)
            os.symlink(os.path.abspath(local_path(model)), tmp)
            os.replace(tmp, link)
    last = last_decision(history)
    if not (last and last["round"] == a.round and last["decision"] == decision):
        with open(history, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
    print("%s round %d: %s" % ("promoted" if decision == "promote" else "not promoted", a.round, reason))
    return 0


if __name__ == "__main__":
    sys.exit(main())
