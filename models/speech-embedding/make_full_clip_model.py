#!/usr/bin/env python3
"""Makes embedding_model_full.onnx from embedding_model.onnx: the same weights and layers, with the time axis free.

The network is convolutional in time (every time kernel is unpadded, three 2x max-pools: total stride 8, receptive
field 76 frames), so one pass over a clip's whole mel sequence [1, F, 32, 1] gives the embedding of every 76-frame
window at hop 8 as the output positions [1, W, 1, 96], W = (F - 76) // 8 + 1. Two nodes pin 76 frames:
  * the first Reshape (NHWC [N, 76, 32, 1] -> NCHW [N, 1, 76, 32]) has the constant shape [-1, 1, 76, 32]:
    it becomes [0, 1, -1, 32] (0 = keep N, -1 = the frames);
  * the last Reshape ([N, 96, 1, 1] -> [N, 1, 1, 96]) becomes a Transpose (0, 2, 3, 1): [N, 96, W, 1] -> [N, W, 1, 96],
    which is the old output when W = 1.
The input's time dimension is made symbolic. Nothing else changes. Run with Debian's python3-onnx (1.12):
    /usr/bin/python3 models/speech-embedding/make_full_clip_model.py
"""
import hashlib
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "embedding_model.onnx")
TARGET = os.path.join(HERE, "embedding_model_full.onnx")
SOURCE_SHA256 = "70d164290c1d095d1d4ee149bc5e00543250a7316b59f31d056cff7bd3075c1f"


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    if sha256(SOURCE) != SOURCE_SHA256:
        sys.exit("embedding_model.onnx is not the pinned file " + SOURCE_SHA256)
    model = onnx.load(SOURCE)
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    first, last = graph.node[0], graph.node[-1]
    assert first.op_type == "Reshape" and list(numpy_helper.to_array(inits[first.input[1]])) == [-1, 1, 76, 32]
    assert last.op_type == "Reshape" and list(numpy_helper.to_array(inits[last.input[1]])) == [-1, 1, 1, 96]

    inits[first.input[1]].CopyFrom(numpy_helper.from_array(np.array([0, 1, -1, 32], dtype=np.int64),
                                                           first.input[1]))
    transpose = helper.make_node("Transpose", [last.input[0]], list(last.output), name="frames_last",
                                 perm=[0, 2, 3, 1])
    graph.node.remove(last)
    graph.node.append(transpose)
    if not any(n.input[1:2] == [last.input[1]] for n in graph.node if n.op_type == "Reshape"):
        graph.initializer.remove(inits[last.input[1]])

    graph.input[0].type.tensor_type.shape.dim[1].ClearField("dim_value")
    graph.input[0].type.tensor_type.shape.dim[1].dim_param = "frames"
    graph.output[0].type.tensor_type.shape.dim[1].ClearField("dim_value")
    graph.output[0].type.tensor_type.shape.dim[1].dim_param = "windows"
    del graph.value_info[:]  # shapes inferred for 76 frames no longer hold

    onnx.checker.check_model(model)
    onnx.save(model, TARGET)
    print(TARGET, os.path.getsize(TARGET), "bytes, sha256", sha256(TARGET))


if __name__ == "__main__":
    main()
