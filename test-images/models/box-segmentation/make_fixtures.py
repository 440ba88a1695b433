#!/usr/bin/python3
"""Builds a segmentation network whose evidence is known by construction, and writes it for the three non-TensorFlow engines.

Run from the repository root with Debian's PyTorch (apt-get install python3-torch python3-onnx):
    /usr/bin/python3 test-images/models/box-segmentation/make_fixtures.py

The network (nothing is trained; every weight is set):
    box: a 3x3 convolution per input channel (groups=3, zero padding 1), every weight 1/9: the 3x3 box mean
    mix: a 1x1 convolution that keeps the first two channels: output channel 0 ("red") = box mean of input
         channel 0, output channel 1 ("green") = box mean of input channel 1; input channel 2 is ignored
Input [N, 3, 32, 32] (bcyx), output [N, 2, 32, 32] (bcyx): a dense output. Output channel k at pixel p depends
on input channel k in the 3x3 window around p only, so the evidence for "channel k averaged over a zone R" is
input channel k on R dilated by one pixel, and its input gradient is known exactly:
    d mean_R(out_k) / d x_k(q) = #{p in R : |p - q|_inf <= 1} / (9 |R|),   0 on the other input channels.

Writes (beside this script)
    box-segmentation.pt     TorchScript (torch.jit.trace) with conceptscope.json in torchscript/
    box-segmentation.onnx   ONNX (torch.onnx.export, opset 13) with conceptscope.json in onnx/
    package/                a bioimage.io 0.5 package of the TorchScript weights (output axes bcyx), with test tensors
The seed fixes the package's test input only.
"""
import hashlib
import json
import os

import numpy as np
import torch
import torch.nn as nn

SEED = 20261204
SIZE, CHANNELS = 32, ["red", "green"]
HERE = os.path.dirname(os.path.abspath(__file__))


class BoxSegmentation(nn.Module):
    def __init__(self):
        super().__init__()
        self.box = nn.Conv2d(3, 3, 3, 1, 1, groups=3, bias=False)
        self.mix = nn.Conv2d(3, 2, 1, bias=True)
        with torch.no_grad():
            self.box.weight.fill_(1.0 / 9.0)
            self.mix.weight.zero_()
            self.mix.weight[0, 0, 0, 0] = 1.0
            self.mix.weight[1, 1, 0, 0] = 1.0
            self.mix.bias.zero_()

    def forward(self, x):
        return self.mix(self.box(x))


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def card():
    return {
        "name": "box segmentation",
        "description": "Output channel k = 3x3 box mean of input channel k (k = 0, 1): a segmentation network whose evidence is known"
                       " by construction (make_fixtures.py).",
        "classes": CHANNELS,
        "normalization": "none",
        "input": {"axes": "bcyx", "height": SIZE, "width": SIZE, "channels": 3},
    }


def main():
    torch.manual_seed(SEED)
    model = BoxSegmentation().eval()
    example = torch.rand(2, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(SEED))
    ts_dir, onnx_dir, pkg = (os.path.join(HERE, d) for d in ("torchscript", "onnx", "package"))
    for d in (ts_dir, onnx_dir, pkg):
        os.makedirs(d, exist_ok=True)
    traced = torch.jit.trace(model, example)
    traced.save(os.path.join(ts_dir, "box-segmentation.pt"))
    traced.save(os.path.join(pkg, "weights.pt"))
    torch.onnx.export(model, example, os.path.join(onnx_dir, "box-segmentation.onnx"), input_names=["input"], output_names=["map"],
                      dynamic_axes={"input": {0: "batch"}, "map": {0: "batch"}}, opset_version=13, do_constant_folding=True)
    for d in (ts_dir, onnx_dir):
        with open(os.path.join(d, "conceptscope.json"), "w") as f:
            json.dump(card(), f, indent=2)
            f.write("\n")
    with torch.no_grad():
        out = model(example)
    np.save(os.path.join(pkg, "test_input.npy"), np.ascontiguousarray(example.numpy().astype("<f4")))
    np.save(os.path.join(pkg, "test_output.npy"), np.ascontiguousarray(out.numpy().astype("<f4")))
    with open(os.path.join(pkg, "rdf.yaml"), "w") as f:
        f.write(f"""format_version: 0.5.3
type: model
name: box segmentation (TorchScript)
description: Output channel k is the 3x3 box mean of input channel k (k = 0, 1); a segmentation network whose evidence is known by construction (../make_fixtures.py).
authors: [{{name: ConceptScope developers}}]
license: Apache-2.0
inputs:
  - id: raw
    axes:
      - {{type: batch}}
      - {{type: channel, channel_names: [red, green, blue]}}
      - {{type: space, id: y, size: {SIZE}}}
      - {{type: space, id: x, size: {SIZE}}}
    test_tensor: {{source: test_input.npy, sha256: {sha256(os.path.join(pkg, "test_input.npy"))}}}
    data: {{type: float32}}
outputs:
  - id: map
    axes:
      - {{type: batch}}
      - {{type: channel, channel_names: [{", ".join(CHANNELS)}]}}
      - {{type: space, id: y, size: {SIZE}}}
      - {{type: space, id: x, size: {SIZE}}}
    test_tensor: {{source: test_output.npy, sha256: {sha256(os.path.join(pkg, "test_output.npy"))}}}
weights:
  torchscript:
    source: weights.pt
    sha256: {sha256(os.path.join(pkg, "weights.pt"))}
    pytorch_version: "{torch.__version__.split('a')[0]}"
""")


if __name__ == "__main__":
    main()
