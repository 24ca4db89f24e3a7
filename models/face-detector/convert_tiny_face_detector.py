#!/usr/bin/env python3
"""Convert face-api.js TinyFaceDetector (TF.js weights) to ONNX.

Source weights: tiny_face_detector_model-weights_manifest.json + tiny_face_detector_model.bin
from the npm package @vladmandic/face-api 1.7.15 (MIT; originally face-api.js by
Vincent Muehler / justadudewhohacks, MIT).

Architecture (face-api src/tinyYolov2/TinyYolov2Base.ts runMobilenet + forwardInput,
src/tinyYolov2/depthwiseSeparableConv.ts, leaky.ts, src/tinyFaceDetector/*):
    x = (rgb_0_255 - [117.001, 114.697, 97.404]) / 255
    x = leaky(conv0 3x3 'valid' + bias)                  # 416 -> 414, 16 ch
    x = maxPool 2x2 stride 2 'same'                     # -> 207
    x = sep(conv1) ; maxPool 2/2   (32 ch)  -> 104
    x = sep(conv2) ; maxPool 2/2   (64 ch)  -> 52
    x = sep(conv3) ; maxPool 2/2   (128 ch) -> 26
    x = sep(conv4) ; maxPool 2/2   (256 ch) -> 13
    x = sep(conv5) ; maxPool 2x2 stride 1 'same' (512 ch) -> 13
    grid = conv8 1x1 'valid' + bias                     # 25 = 5 anchors x (tx, ty, tw, th, score)
  sep = leaky(separableConv2d(pad 1, depthwise 3x3, pointwise 1x1, 'valid') + bias)
  leaky(x) = relu(x - 0.1 x) + 0.1 x   (== LeakyRelu alpha 0.1)
  TF 'same' max pooling pads only at the end (ONNX auto_pad SAME_UPPER).

The ONNX graph takes `image` float [N,3,S,S], RGB, raw 0..255 (S a multiple of 32; face-api's default 416)
and returns `grid` [N,25,S/32,S/32], the raw head output; box decoding and NMS are done by the caller
(io.merspark.face.TinyFaceDetector), as face-api's TinyYolov2Base.extractBoxes does.

Usage:
  /usr/bin/python3 convert_tiny_face_detector.py --model-dir <.../package/model> --out tiny_face_detector.onnx
"""
import argparse
import json
import os

import numpy as np

MEAN_RGB = np.array([117.001, 114.697, 97.404], dtype=np.float32)
LEAKY_ALPHA = 0.10000000149011612


def load_tfjs_weights(model_dir, name='tiny_face_detector_model'):
    """Read a TF.js weights manifest + shards; dequantise like tfjs-core io.decodeWeights
    (value = q * scale + min in double, stored as float32)."""
    with open(os.path.join(model_dir, name + '-weights_manifest.json')) as f:
        manifest = json.load(f)
    weights = {}
    for group in manifest:
        buf = b''.join(open(os.path.join(model_dir, p), 'rb').read() for p in group['paths'])
        off = 0
        for w in group['weights']:
            shape = w['shape']
            n = int(np.prod(shape)) if shape else 1
            q = w.get('quantization')
            if q is None:
                assert w['dtype'] == 'float32', w
                arr = np.frombuffer(buf, dtype='<f4', count=n, offset=off)
                off += 4 * n
            else:
                qdt = {'uint8': np.uint8, 'uint16': np.uint16}[q['dtype']]
                raw = np.frombuffer(buf, dtype=qdt, count=n, offset=off)
                off += raw.itemsize * n
                arr = (raw.astype(np.float64) * q['scale'] + q['min']).astype(np.float32)
            weights[w['name']] = np.array(arr, dtype=np.float32).reshape(shape)
        assert off == len(buf), (off, len(buf))
    return weights


def build_onnx(W, out_path, opset=13, ir_version=7):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr, dtype=np.float32), name))
        return name

    def conv(x, name, w_oihw, b, pad, group=1):
        k = w_oihw.shape[2]
        ins = [x, const(name + '/W', w_oihw)]
        if b is not None:
            ins.append(const(name + '/B', b))
        nodes.append(helper.make_node('Conv', ins, [name], name=name, kernel_shape=[k, k], strides=[1, 1],
                                      pads=[pad, pad, pad, pad], group=group, dilations=[1, 1]))
        return name

    def leaky(x, name):
        nodes.append(helper.make_node('LeakyRelu', [x], [name], name=name, alpha=LEAKY_ALPHA))
        return name

    def pool(x, name, stride):
        nodes.append(helper.make_node('MaxPool', [x], [name], name=name, kernel_shape=[2, 2],
                                      strides=[stride, stride], auto_pad='SAME_UPPER'))
        return name

    def sep(x, p):
        dw = W[p + '/depthwise_filter']          # [3,3,C,1] -> [C,1,3,3]
        pw = W[p + '/pointwise_filter']          # [1,1,Ci,Co] -> [Co,Ci,1,1]
        y = conv(x, p + '/depthwise', dw.transpose(2, 3, 0, 1), None, 1, group=dw.shape[2])
        y = conv(y, p + '/pointwise', pw.transpose(3, 2, 0, 1), W[p + '/bias'], 0)
        return leaky(y, p + '/leaky')

    nodes.append(helper.make_node('Sub', ['image', const('mean_rgb', MEAN_RGB.reshape(1, 3, 1, 1))], ['centred']))
    nodes.append(helper.make_node('Div', ['centred', const('scale', np.array(255.0, dtype=np.float32))], ['x']))
    x = leaky(conv('x', 'conv0', W['conv0/filters'].transpose(3, 2, 0, 1), W['conv0/bias'], 0), 'conv0/leaky')
    x = pool(x, 'pool0', 2)
    for i in range(1, 5):
        x = pool(sep(x, 'conv%d' % i), 'pool%d' % i, 2)
    x = pool(sep(x, 'conv5'), 'pool5', 1)
    y = conv(x, 'conv8', W['conv8/filters'].transpose(3, 2, 0, 1), W['conv8/bias'], 0)
    nodes.append(helper.make_node('Identity', [y], ['grid']))

    graph = helper.make_graph(
        nodes, 'tiny_face_detector',
        [helper.make_tensor_value_info('image', TensorProto.FLOAT, ['n', 3, 's', 's'])],
        [helper.make_tensor_value_info('grid', TensorProto.FLOAT, ['n', 25, 'cells', 'cells'])],
        inits)
    model = helper.make_model(graph, producer_name='mer-spark convert_tiny_face_detector.py',
                              opset_imports=[helper.make_opsetid('', opset)])
    model.ir_version = ir_version
    helper.set_model_props(model, {
        'source': '@vladmandic/face-api 1.7.15 model/tiny_face_detector_model (MIT)',
        'anchors': '1.603231,2.094468;6.041143,7.080126;2.882459,3.518061;4.266906,5.178857;9.041765,10.66308',
        'iou_threshold': '0.4'})
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, out_path)
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model-dir', required=True)
    ap.add_argument('--out', default='tiny_face_detector.onnx')
    args = ap.parse_args()
    W = load_tfjs_weights(args.model_dir)
    build_onnx(W, args.out)
    print('wrote', args.out, sum(v.size for v in W.values()), 'parameters')


if __name__ == '__main__':
    main()
