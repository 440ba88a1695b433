#!/usr/bin/python3
"""Builds the ResNet-style IHC stain classifier in PyTorch and writes two bioimage.io packages.

Run from the repository root with Debian's PyTorch (apt-get install python3-torch python3-onnx):
    /usr/bin/python3 test-images/models/ihc-resnet-torchscript/make_fixtures.py

Task: the same as test-images/models/ihc-stain (IhcStainPatches.java): 32x32 RGB patches of
scikit-image's ihc.png labelled by H-DAB colour deconvolution of their central 16x16 pixels;
patches starting at x >= 384 are held out, patches ending before x = 376 train.

Writes
  ihc-resnet-torchscript/  bioimage.io 0.5 package, TorchScript weights (torch.jit.trace), input axes bcyx
    rdf.yaml, weights.pt, test_input.npy, test_output.npy,
    saliency_raw.npy        held-out raw patches [N, 32, 32, 3] (0..255, NHWC, as ImageJ holds them)
    saliency_targets.npy    the class explained for each patch (the model's top class)
    saliency_reference.npy  |d logit[target] / d input| maximum over channels [N, 32, 32], by PyTorch autograd
  ihc-resnet-onnx/         bioimage.io 0.4 package, the same network exported with torch.onnx (opset 13)
    rdf.yaml, weights.onnx, test_input.npy, test_output.npy
The seed fixes the weights; libtorch's CPU kernels may still differ in the last bits between builds.
"""
import hashlib
import os
import sys

import numpy as np
import torch
import torch.nn as nn
from PIL import Image

SEED = 20261204
PATCH, STEP, TEST_FROM_X, TRAIN_BEFORE_X = 32, 8, 384, 376
DAB_THRESHOLD, HEMATOXYLIN_THRESHOLD = 0.25, 0.08
CLASSES = ["background", "hematoxylin", "DAB-positive"]
STEPS, BATCH, LEARNING_RATE = 1500, 32, 3e-3

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.dirname(HERE)
IMAGE = os.path.join(MODELS, "..", "images", "ihc.png")


def concentrations(rgb):
    """Ruifrok & Johnston H-E-DAB unmixing of optical densities, as IhcStainPatches.java does."""
    stains = np.array([[0.65, 0.70, 0.29], [0.07, 0.99, 0.11], [0.27, 0.57, 0.78]])
    stains = stains / np.linalg.norm(stains, axis=1, keepdims=True)
    od = -np.log10((rgb.astype(np.float64) + 1) / 256.0)
    return od @ np.linalg.inv(stains)


def patches(rgb):
    conc = concentrations(rgb)
    h, w, _ = rgb.shape
    train_x, train_y, test_x, test_y = [], [], [], []
    for y in range(0, h - PATCH + 1, STEP):
        for x in range(0, w - PATCH + 1, STEP):
            test = x >= TEST_FROM_X
            if not test and x + PATCH > TRAIN_BEFORE_X:
                continue
            c = conc[y + PATCH // 4:y + 3 * PATCH // 4, x + PATCH // 4:x + 3 * PATCH // 4]
            label = 2 if c[..., 2].mean() > DAB_THRESHOLD else 1 if c[..., 0].mean() > HEMATOXYLIN_THRESHOLD else 0
            (test_x if test else train_x).append(rgb[y:y + PATCH, x:x + PATCH].astype(np.float32))
            (test_y if test else train_y).append(label)
    return np.stack(train_x), np.array(train_y), np.stack(test_x), np.array(test_y)


class BasicBlock(nn.Module):
    """He et al. 2016 basic residual block: two 3x3 convolutions with batch norm, identity or 1x1 projection."""

    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.downsample = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class IhcResNet(nn.Module):
    """torchvision's ResNet layout, scaled down: stem, three stages of one basic block, global pooling, linear."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = nn.Sequential(BasicBlock(16, 16, 1))
        self.layer2 = nn.Sequential(BasicBlock(16, 32, 2))
        self.layer3 = nn.Sequential(BasicBlock(32, 32, 2))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, len(CLASSES))

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def save_npy(path, array):
    np.save(path, np.ascontiguousarray(array.astype("<f4")))


def main():
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    torch.set_num_threads(2)
    rgb = np.asarray(Image.open(IMAGE).convert("RGB"))
    train_x, train_y, test_x, test_y = patches(rgb)
    # the preprocessing the packages declare: x / 255, then per-channel (x - mean) / std of the training patches
    mean = (train_x / 255.0).mean(axis=(0, 1, 2))
    std = (train_x / 255.0).std(axis=(0, 1, 2))

    def prepare(raw):  # NHWC raw pixels -> NCHW model input
        return torch.from_numpy(((raw / 255.0 - mean) / std).astype(np.float32)).permute(0, 3, 1, 2).contiguous()

    xs, ys = prepare(train_x), torch.from_numpy(train_y)
    model = IhcResNet()
    opt = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    gen = torch.Generator().manual_seed(SEED)
    model.train()
    for step in range(STEPS):
        idx = torch.randint(0, len(xs), (BATCH,), generator=gen)
        xb = xs[idx]
        if torch.rand(1, generator=gen).item() < 0.5:
            xb = torch.flip(xb, [3])
        loss = nn.functional.cross_entropy(model(xb), ys[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(prepare(test_x)).argmax(1).numpy() == test_y).mean()
    print(f"held-out accuracy {accuracy:.4f} on {len(test_y)} patches", file=sys.stderr)

    ts_dir = HERE
    onnx_dir = os.path.join(MODELS, "ihc-resnet-onnx")
    os.makedirs(onnx_dir, exist_ok=True)
    example = prepare(test_x[:2])
    traced = torch.jit.trace(model, example)
    traced.save(os.path.join(ts_dir, "weights.pt"))
    torch.onnx.export(model, example, os.path.join(onnx_dir, "weights.onnx"), input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                      opset_version=13, do_constant_folding=True)

    # test tensors: the first two held-out patches, raw, in the package's axes (bcyx)
    raw_test = test_x[:2]
    with torch.no_grad():
        logits = model(prepare(raw_test)).numpy()
    for d in (ts_dir, onnx_dir):
        save_npy(os.path.join(d, "test_input.npy"), raw_test.transpose(0, 3, 1, 2))
        save_npy(os.path.join(d, "test_output.npy"), logits)

    # the Saliency reference: PyTorch autograd on the traced module, on held-out patches
    # (the grid of ops/src/test/.../IhcPatches.java: x0 = 384 + 32 (i % 4), y0 = 64 (i / 4) mod (h - 31))
    n = 8
    raw = np.stack([rgb[(64 * (i // 4)) % (rgb.shape[0] - 31):][:32, 384 + 32 * (i % 4):][:, :32].astype(np.float32)
                    for i in range(n)])
    x = prepare(raw).requires_grad_(True)
    out = traced(x)
    targets = out.argmax(1)
    out.gather(1, targets[:, None]).sum().backward()
    reference = x.grad.abs().amax(dim=1).numpy()
    save_npy(os.path.join(ts_dir, "saliency_raw.npy"), raw)
    save_npy(os.path.join(ts_dir, "saliency_targets.npy"), targets.numpy().astype(np.float32))
    save_npy(os.path.join(ts_dir, "saliency_reference.npy"), reference)

    fmt = lambda v: "[" + ", ".join(repr(float(f)) for f in v) + "]"
    description = ("Classifies 32x32 RGB patches of scikit-image's ihc.png as background, hematoxylin or DAB-positive; "
                   "a scaled-down ResNet (stem, three basic residual blocks, global average pooling, linear) trained by "
                   "make_fixtures.py (seed %d, Adam, %d steps of %d, held-out accuracy %.4f on %d patches)."
                   % (SEED, STEPS, BATCH, accuracy, len(test_y)))
    with open(os.path.join(ts_dir, "rdf.yaml"), "w") as f:
        f.write(f"""format_version: 0.5.3
type: model
name: IHC stain ResNet (TorchScript)
description: {description}
authors: [{{name: ConceptScope developers}}]
license: Apache-2.0
inputs:
  - id: raw
    axes:
      - {{type: batch}}
      - {{type: channel, channel_names: [red, green, blue]}}
      - {{type: space, id: y, size: 32}}
      - {{type: space, id: x, size: 32}}
    test_tensor: {{source: test_input.npy, sha256: {sha256(os.path.join(ts_dir, "test_input.npy"))}}}
    data: {{type: float32}}
    preprocessing:
      - id: scale_linear
        kwargs: {{gain: {1 / 255.0!r}, offset: 0.0}}
      - id: fixed_zero_mean_unit_variance
        kwargs: {{axis: channel, mean: {fmt(mean)}, std: {fmt(std)}}}
outputs:
  - id: logits
    axes:
      - {{type: batch}}
      - {{type: channel, channel_names: [{", ".join(CLASSES)}]}}
    test_tensor: {{source: test_output.npy, sha256: {sha256(os.path.join(ts_dir, "test_output.npy"))}}}
weights:
  torchscript:
    source: weights.pt
    sha256: {sha256(os.path.join(ts_dir, "weights.pt"))}
    pytorch_version: "{torch.__version__.split('a')[0]}"
""")
    with open(os.path.join(onnx_dir, "rdf.yaml"), "w") as f:
        f.write(f"""format_version: 0.4.10
type: model
name: IHC stain ResNet (ONNX)
description: {description.replace("trained by make_fixtures.py", "exported with torch.onnx by ../ihc-resnet-torchscript/make_fixtures.py")}
authors: [{{name: ConceptScope developers}}]
license: Apache-2.0
timestamp: '2026-12-04T00:00:00Z'
inputs:
  - name: raw
    axes: bcyx
    data_type: float32
    data_range: [0.0, 255.0]
    shape: [1, 3, 32, 32]
    preprocessing:
      - name: scale_linear
        kwargs: {{axes: xy, gain: {1 / 255.0!r}, offset: 0.0}}
      - name: zero_mean_unit_variance
        kwargs: {{mode: fixed, axes: xy, mean: {fmt(mean)}, std: {fmt(std)}}}
outputs:
  - name: logits
    axes: bc
    data_type: float32
    shape: [1, 3]
test_inputs: [test_input.npy]
test_outputs: [test_output.npy]
weights:
  onnx:
    source: weights.onnx
    sha256: {sha256(os.path.join(onnx_dir, "weights.onnx"))}
    opset_version: 13
config:
  conceptscope:
    classes: [{", ".join(CLASSES)}]
""")


if __name__ == "__main__":
    main()
