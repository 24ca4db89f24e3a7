"""Airflow DAG `mer_nightly_round`: one self-training round per night through submit.sh.

    extract_new -> selftrain_round -> evaluate -> promote

Round numbering: the run for logical date `ds` is round  FIRST_ROUND + (ds - FIRST_DATE) in days, computed in
the task's shell from `{{ ds }}`, so the same date always means the same round. Rounds need their predecessor
(round r refuses to start before r-1 has _SUCCESS, exit 3): the DAG runs with catchup, max_active_runs=1 and
depends_on_past, so nights run in order and a failed night holds the next one back until it is fixed.
Every step is idempotent: a rerun of a date finds its round complete (no-op), evaluates the same model to the
same metrics, and promote.py does nothing when the decision is already made.

Every parameter is in PARAMS below. Without Airflow, `python3 jobs/mer_nightly_round.py --ds 2025-01-02`
prints the exact shell command of every task for that date (`--set key=value` overrides a parameter);
jobs/test_dag_commands.sh runs them on the bundled tiny corpus. See docs/cluster.md.
"""
import datetime as dt
import json
import shlex
import sys

PARAMS = {
    # where the DAG's tasks run submit.sh: a checkout with the built cluster jar, on the Airflow worker
    "repo": "/opt/mer-spark",
    "conf": "conf/cluster.conf",
    "master": "yarn",
    "deploy_mode": "client",
    # the project root (mer.root) and the growing manifest of all clips (local to the Airflow worker)
    "root": "hdfs:///data/mer/project",
    "manifest": "/data/mer/manifest.csv",
    # optional hidden labels of the unlabeled pool, for pseudo-label accuracy in metrics.json
    "truth": "",
    # extra key=value config overrides for every job, e.g. ["train.folds=5"]
    "overrides": [],
    # extra spark-submit flags (SPARK_SUBMIT_OPTS_EXTRA)
    "spark_submit_opts": "--num-executors 4 --executor-memory 16g --executor-cores 4",
    # round numbering: the run of FIRST_DATE is round FIRST_ROUND
    "first_date": "2025-01-01",
    "first_round": 1,
    # promotion: local directory for current.json / current / history.jsonl, and the largest WAF drop promoted
    "promoted": "/data/mer/promoted",
    "tolerance": 0.01,
    # where extract_new remembers the manifest it last extracted (local to the Airflow worker)
    "state_dir": "/data/mer/nightly-state",
    # scheduling
    "schedule": "0 2 * * *",
    "retries": 2,
    "retry_delay_minutes": 15,
    "timeout_hours": 10,
}

TASKS = ["extract_new", "selftrain_round", "evaluate", "promote"]


def _q(v):
    return shlex.quote(str(v))


def commands(p, ds="{{ ds }}"):
    """The bash command of each task; `ds` is Airflow's template unless a date is given."""
    ds_arg = ds if ds == "{{ ds }}" else _q(ds)
    prelude = (
        "set -euo pipefail; cd %s; export SPARK_SUBMIT_OPTS_EXTRA=%s; "
        "R=$(( ( $(date -u -d %s +%%s) - $(date -u -d %s +%%s) ) / 86400 + %d )); "
        "[ \"$R\" -ge 1 ] || { echo \"ds %s is before first_date %s\" >&2; exit 2; }; "
        % (_q(p["repo"]), _q(p["spark_submit_opts"]), ds_arg, _q(p["first_date"]), int(p["first_round"]),
           ds_arg, p["first_date"]))
    common = "--conf %s --master %s --deploy-mode %s --root %s" % (
        _q(p["conf"]), _q(p["master"]), _q(p["deploy_mode"]), _q(p["root"]))
    overrides = " ".join(_q(o) for o in p["overrides"])
    truth = " --truth %s" % _q(p["truth"]) if p["truth"] else ""
    stamp = "%s/extract.manifest.sha256" % p["state_dir"].rstrip("/")
    extract_new = prelude + (
        # New clips arrive as new manifest rows: an unchanged manifest skips the job; otherwise extract --only-new
        # encodes just the sample_ids not yet in features/ or errors/.
        "sum=$(sha256sum %s | cut -d' ' -f1); "
        "if [ -f %s ] && [ \"$(cat %s)\" = \"$sum\" ]; then "
        "echo \"manifest unchanged since the last extract ($sum): no new clips\"; exit 0; fi; "
        "./submit.sh ingest %s --manifest %s %s; "
        "./submit.sh extract --only-new %s %s; "
        "mkdir -p %s && echo \"$sum\" > %s.tmp && mv %s.tmp %s; "
        "echo \"extracted manifest $sum\""
        % (_q(p["manifest"]), _q(stamp), _q(stamp), common, _q(p["manifest"]), overrides, common, overrides,
           _q(p["state_dir"]), _q(stamp), _q(stamp), _q(stamp)))
    selftrain_round = prelude + "./submit.sh round --round \"$R\" %s%s %s" % (common, truth, overrides)
    evaluate = prelude + "./submit.sh evaluate --round \"$R\" %s%s %s" % (common, truth, overrides)
    promote = prelude + "python3 scripts/promote.py --root %s --round \"$R\" --promoted %s --tolerance %s --ds %s" % (
        _q(p["root"]), _q(p["promoted"]), _q(p["tolerance"]), ds_arg)
    return {"extract_new": extract_new, "selftrain_round": selftrain_round, "evaluate": evaluate, "promote": promote}


def _main(argv):
    import argparse
    ap = argparse.ArgumentParser(description="print the shell command of every task for one date")
    ap.add_argument("--ds", required=True, help="logical date YYYY-MM-DD")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a PARAMS entry (JSON values for lists and numbers)")
    ap.add_argument("--json", action="store_true", help="print {task: command} as JSON")
    a = ap.parse_args(argv)
    dt.date.fromisoformat(a.ds)
    p = dict(PARAMS)
    for kv in a.set:
        k, _, v = kv.partition("=")
        if k not in p:
            ap.error("unknown parameter %r (one of %s)" % (k, ", ".join(sorted(p))))
        try:
            p[k] = json.loads(v) if isinstance(PARAMS[k], (list, int, float)) else v
        except ValueError:
            ap.error("parameter %s needs a JSON value, got %r" % (k, v))
    cmds = commands(p, a.ds)
    if a.json:
        print(json.dumps(cmds, indent=2))
    else:
        for t in TASKS:
            print("%s\t%s" % (t, cmds[t]))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
else:
    # Imported by Airflow's DAG processor.
    from airflow import DAG
    try:
        from airflow.providers.standard.operators.bash import BashOperator  # Airflow 3
    except ImportError:
        from airflow.operators.bash import BashOperator  # Airflow 2

    _cmds = commands(PARAMS)
    with DAG(
        dag_id="mer_nightly_round",
        description="mer-spark: extract new clips, one self-training round, evaluate, promote",
        schedule=PARAMS["schedule"],
        start_date=dt.datetime.fromisoformat(PARAMS["first_date"]).replace(tzinfo=dt.timezone.utc),
        catchup=True,
        max_active_runs=1,
        default_args={
            "owner": "mer-spark",
            "depends_on_past": True,
            "retries": PARAMS["retries"],
            "retry_delay": dt.timedelta(minutes=PARAMS["retry_delay_minutes"]),
            "execution_timeout": dt.timedelta(hours=PARAMS["timeout_hours"]),
        },
        tags=["mer-spark"],
    ) as dag:
        _ops = [BashOperator(task_id=t, bash_command=_cmds[t]) for t in TASKS]
        for _a, _b in zip(_ops, _ops[1:]):
            _a >> _b
