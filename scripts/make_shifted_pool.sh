#!/usr/bin/env bash
# A shifted unlabeled pool for the collapse-guard check: the speaker split's unlabeled clips with their audio
# pitch-shifted and resampled by sox, as new unlabeled rows (new ids, the audio as its own file), beside the
# split's unchanged train and test rows. Writes OUT/manifest.csv, OUT/unlabeled_truth.csv and OUT/audio/*.wav.
#
#   scripts/make_shifted_pool.sh [OUT] [CENTS] [SPEED]     (default shifted-out/pool, +500 cents, speed 1.1)
#
# Needs Debian's ffmpeg, sox and python3 (for the CSV). OUT is generated data: keep it out of git.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "${1:-$here/shifted-out/pool}" && cd "${1:-$here/shifted-out/pool}" && pwd)"
cents="${2:-500}"
speed="${3:-1.1}"
split="$here/data/mer-mini/speaker-split"
mkdir -p "$out/audio"

# unlabeled clips: "<sample_id> <video path relative to the split folder>"
python3 - "$split/manifest.csv" > "$out/.pool.txt" <<'PY'
import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')):
    if r['split'] == 'unlabeled':
        print(r['sample_id'], r['video'])
PY

n=0
while read -r id video; do
    wav="$out/audio/shift_$id.wav"
    if [ ! -s "$wav" ]; then
        # decode the clip's audio track to 16 kHz mono, then shift its pitch and play it faster (resampled)
        ffmpeg -nostdin -loglevel error -y -i "$split/$video" -vn -ac 1 -ar 16000 "$out/audio/.tmp.wav"
        sox "$out/audio/.tmp.wav" "$wav" pitch "$cents" speed "$speed" rate 16000
    fi
    n=$((n + 1))
done < "$out/.pool.txt"
rm -f "$out/audio/.tmp.wav" "$out/.pool.txt"

# the manifest: train and test rows as they are, each unlabeled row replaced by its shifted twin
python3 - "$split" "$out" <<'PY'
import csv, os, sys
split, out = sys.argv[1], sys.argv[2]
truth = {r['sample_id']: r['label'] for r in csv.DictReader(open(os.path.join(split, 'unlabeled_truth.csv'), newline=''))}
rel = lambda p: os.path.relpath(os.path.normpath(os.path.join(split, p)), out)
rows = list(csv.DictReader(open(os.path.join(split, 'manifest.csv'), newline='', encoding='utf-8')))
with open(os.path.join(out, 'manifest.csv'), 'w', newline='', encoding='utf-8') as m, \
        open(os.path.join(out, 'unlabeled_truth.csv'), 'w', newline='', encoding='utf-8') as t:
    w = csv.writer(m)
    w.writerow(['sample_id', 'split', 'label', 'video', 'audio', 'text', 'group'])
    tw = csv.writer(t)
    tw.writerow(['sample_id', 'label'])
    for r in rows:
        if r['split'] == 'unlabeled':
            sid = 'shift_' + r['sample_id']
            w.writerow([sid, 'unlabeled', '', rel(r['video']), 'audio/' + sid + '.wav', r['text'], r['group']])
            tw.writerow([sid, truth[r['sample_id']]])
        else:
            w.writerow([r['sample_id'], r['split'], r['label'], rel(r['video']), '', r['text'], r['group']])
PY
echo "shifted pool: $n clips (pitch $cents cents, speed $speed) -> $out/manifest.csv, $out/unlabeled_truth.csv"
