#!/usr/bin/python3
"""Makes the .npy fixtures of the import-features tests (run once with Debian's python3-numpy; the
outputs are committed, so the tests need no Python):

    apt-get install -y python3-numpy && /usr/bin/python3 make_fixtures.py

Folders, each laid out like a MER tool-chain feature folder (one <sample_id>.npy per sample):
  good-frames/   frame-level (T, 16): float32 and float16, T from 1 to 40, one Fortran-ordered file
  good-utt/      utterance-level (16,): float32, float16 and float64
  bad/           4 good (T, 16) float32 files plus one broken file per failure mode
"""
import os
import shutil

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
D = 16
rng = np.random.default_rng(20240601)


def folder(name):
    path = os.path.join(HERE, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def save(path, sample_id, array):
    np.save(os.path.join(path, sample_id + ".npy"), array, allow_pickle=True)


frames = folder("good-frames")
save(frames, "f32_t5", rng.standard_normal((5, D)).astype(np.float32))
save(frames, "f32_t1", rng.standard_normal((1, D)).astype(np.float32))
save(frames, "f32_t40", rng.standard_normal((40, D)).astype(np.float32))
save(frames, "f16_t7", rng.standard_normal((7, D)).astype(np.float16))
# np.save writes a Fortran-contiguous array with fortran_order: True (column-major data)
save(frames, "f32_fortran_t3", np.asfortranarray(np.arange(3 * D, dtype=np.float32).reshape(3, D)))
# an exactly known file: row t is t + [0, 1, ..., 15] / 16
save(frames, "known_t4", (np.arange(4, dtype=np.float32)[:, None] + np.arange(D, dtype=np.float32) / D))

utt = folder("good-utt")
save(utt, "u32_a", rng.standard_normal(D).astype(np.float32))
save(utt, "u16_b", rng.standard_normal(D).astype(np.float16))
save(utt, "u64_c", rng.standard_normal(D).astype(np.float64))
save(utt, "known_u", np.arange(D, dtype=np.float32) / 4)

bad = folder("bad")
for i in range(4):
    save(bad, "ok_%d" % i, rng.standard_normal((3 + i, D)).astype(np.float32))
save(bad, "int32", np.arange(3 * D, dtype=np.int32).reshape(3, D))
save(bad, "complex64", np.ones((3, D), dtype=np.complex64))
save(bad, "object", np.array([[{"a": 1}] * D] * 2, dtype=object))
save(bad, "rank3", np.zeros((2, 3, D), dtype=np.float32))
save(bad, "scalar", np.float32(1.5))
save(bad, "width12", np.zeros((3, 12), dtype=np.float32))
save(bad, "zero_frames", np.zeros((0, D), dtype=np.float32))
nan = rng.standard_normal((3, D)).astype(np.float32)
nan[1, 2] = np.nan
save(bad, "nan", nan)
inf = rng.standard_normal(D).astype(np.float32)
inf[5] = np.inf
save(bad, "inf", np.tile(inf, (2, 1)))
open(os.path.join(bad, "empty.npy"), "wb").close()
with open(os.path.join(bad, "notnpy.npy"), "w") as f:
    f.write("sample_id,value\nx,1\n")
whole = open(os.path.join(bad, "ok_0.npy"), "rb").read()
with open(os.path.join(bad, "truncated.npy"), "wb") as f:
    f.write(whole[: len(whole) - 40])
# not a .npy name: not part of the folder
with open(os.path.join(bad, "README.txt"), "w") as f:
    f.write("fixtures of the import-features tests; see ../make_fixtures.py\n")
