#!/usr/bin/env bash
# What two busy cores cost each other on this host, apart from any Spark or model code: a register-only AVX-512
# FMA loop (no memory traffic) and a streaming sum over 256 MiB (memory bandwidth), each timed alone and as two
# copies at once, interleaved, [pairs] times (argument 1, default 7). Prints the medians and the 2-vs-1 ceiling they imply for a job whose
# tasks are pure compute (2 × alone / pair). Needs gcc and bc (the machine's C compiler and calculator).
set -euo pipefail
pairs=${1:-7}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/fma.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <immintrin.h>
int main(int argc, char **argv) {
    long iters = atol(argv[1]);
    __m512 a[8], b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < 8; i++) a[i] = _mm512_set1_ps(1.0f + i);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long k = 0; k < iters; k++)
        for (int i = 0; i < 8; i++) a[i] = _mm512_fmadd_ps(a[i], b, c);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    float s = 0;
    for (int i = 0; i < 8; i++) s += _mm512_reduce_add_ps(a[i]);
    printf("%.4f %g\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, s);
    return 0;
}
C
cat > "$dir/mem.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(int argc, char **argv) {
    long reps = atol(argv[1]);
    size_t n = (size_t) atol(argv[2]) * 1024 * 1024 / sizeof(float);
    float *x = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) x[i] = (float) (i % 7);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double s = 0;
    for (long r = 0; r < reps; r++) { float acc = 0; for (size_t i = 0; i < n; i++) acc += x[i]; s += acc; }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%.4f %g\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, s);
    return 0;
}
C
gcc -O2 -mavx512f -o "$dir/fma" "$dir/fma.c"
gcc -O3 -march=native -o "$dir/mem" "$dir/mem.c"
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
for kind in fma mem; do
  args=$([ $kind = fma ] && echo 400000000 || echo "8 256")
  alone=(); pair=()
  for ((i = 0; i < pairs; i++)); do
    alone+=("$("$dir/$kind" $args | cut -d' ' -f1)")
    out=$( ("$dir/$kind" $args & "$dir/$kind" $args; wait) | cut -d' ' -f1)
    pair+=($out)
  done
  a=$(printf '%s\n' "${alone[@]}" | median)
  p=$(printf '%s\n' "${pair[@]}" | median)
  pmax=$(printf '%s\n' "${pair[@]}" | sort -g | tail -1)
  printf '%s: alone %.3f s (median of %d), two at once %.3f s (median of %d, slowest %.3f): +%.1f %%, 2-vs-1 ceiling %.2fx (worst %.2fx)\n' \
    "$kind" "$a" "$pairs" "$p" "$((2 * pairs))" "$pmax" "$(echo "($p / $a - 1) * 100" | bc -l)" \
    "$(echo "2 * $a / $p" | bc -l)" "$(echo "2 * $a / $pmax" | bc -l)"
done
