#!/usr/bin/env bash
# Re-executes notebooks/rounds_report.ipynb headless against a project root and saves it with its outputs.
#   scripts/run_notebook.sh [ROOT]        (default demo-out; ./submit.sh demo writes it)
# Needs the Debian packages jupyter-nbconvert python3-nbconvert python3-ipykernel python3-matplotlib
# python3-pandas; when they are missing it says so and exits 0 without touching the notebook.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="${1:-demo-out}"
nb="$here/notebooks/rounds_report.ipynb"
# The first Python with the packages (a pyenv or venv python3 may shadow Debian's /usr/bin/python3);
# it goes first on the PATH so nbconvert's kernel ("python3") is the same one.
py=""
for cand in python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c "import nbconvert, ipykernel, matplotlib, pandas" 2>/dev/null; then
    py="$(command -v "$cand")"
    break
  fi
done
if [[ -z "$py" ]] || ! command -v jupyter >/dev/null 2>&1; then
  echo "run_notebook: not run, jupyter-nbconvert / python3-nbconvert / python3-ipykernel / python3-matplotlib /" \
       "python3-pandas are missing (apt-get install jupyter-nbconvert python3-ipykernel python3-matplotlib python3-pandas)"
  exit 0
fi
export PATH="$(dirname "$py"):$PATH"
[[ -d "$root/rounds" ]] || { echo "run_notebook: no rounds/ under '$root' (run ./submit.sh demo first)" >&2; exit 1; }
root="$(cd "$root" && pwd)"
export MER_ROOT="$root" PYDEVD_DISABLE_FILE_VALIDATION=1
"$py" -m nbconvert --to notebook --execute --inplace --ExecutePreprocessor.timeout=300 "$nb"
"$py" - "$nb" <<'PY'
import json, sys
nb = json.load(open(sys.argv[1]))
errors = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
images = sum(1 for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
assert not errors, errors
assert images >= 3, f"expected 3 plots, found {images}"
print(f"run_notebook: executed {sys.argv[1]} ({images} plots, no errors)")
PY
echo "run_notebook: root $root"
