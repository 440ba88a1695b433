#!/usr/bin/python3
"""Writes TorchScript files that must NOT load: each reaches outside tensor computation.

Run from the repository root with Debian's PyTorch (apt-get install python3-torch):
    /usr/bin/python3 test-images/models/hostile-torchscript/make_fixtures.py
No randomness: the models have no trained weights (a 1x1 convolution seeded with 0 where one is needed).

  writes-file.pt     forward calls torch.save(x, "target/conceptscope-hostile-write.pt") (libtorch runs it: aten::save)
  reads-file.pt      forward calls torch.from_file("/etc/hostname", ...) (aten::from_file)
  custom-op.pt       code calls ops.conceptscope_evil.run(x): an operator of a C++ extension
  method-call.pt     code calls x.from_file(...) as a method
  getattr-op.pt      code fetches getattr(x, "from_file")
  custom-class.pt    a module attribute typed __torch__.torch.classes.c10d.FileStore (a C++ class that writes files)
  pickle-reduce.pt   data.pkl calls posix.system through REDUCE (the classic pickle attack)
  pickle-custom-class.pt  data.pkl builds __torch__.torch.classes.c10d.FileStore
  pickle-stack-global.pt  data.pkl names a class through STACK_GLOBAL (protocol 4), which hides names from a scan
  duplicate-record.pt a second code/__torch__.py record after the first (a zip reader may run either one)
  state-dict.pt      torch.save of a state dict: no code, not TorchScript
  legacy-pickle.pt   torch.save with the pre-1.6 pickle format
and files that MUST load, to show the check passes what torch.jit.script really writes:
  benign-scripted.pt torch.jit.script of a small CNN (batch norm, dropout, residual, a list, an if), weights seeded with 0
  scripted-layers.pt torch.jit.script of a small residual CNN whose forward is straight-line (its first argument named "net"):
                     layer splits through its submodules, the residual block cut only at its end
  scripted-sequential.pt torch.jit.script of an nn.Sequential (submodules named "0", "1", ...), weights seeded with 0
  traced-softmax.pt  torch.jit.trace of the straight-line CNN with a final softmax, with PyTorch's own output and
                     pre-softmax logits for a seeded input (traced-softmax-{input,logits,probabilities}.npy, input [N, C, H, W])
"""
import io
import os
import pickle
import sys
import warnings
import zipfile
from typing import List

import numpy
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


class WritesFile(torch.nn.Module):
    def forward(self, x):
        torch.save(x, "target/conceptscope-hostile-write.pt")
        return x.mean([2, 3])


class ReadsFile(torch.nn.Module):
    def forward(self, x):
        y = torch.from_file("/etc/hostname", False, 1, dtype=torch.uint8)
        return x.mean([2, 3]) + y.float()


class Plain(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv2d(3, 2, 1)

    def forward(self, x):
        return self.conv(x).mean([2, 3])


class Benign(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(4)
        self.drop = torch.nn.Dropout(0.2)
        self.head = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(4, 2))

    def forward(self, x):
        y = torch.relu(self.bn(self.conv(x)))
        sizes: List[int] = []
        for d in range(2, 4):
            sizes.append(y.size(d))
        if sizes[0] > 1:
            y = y + torch.nn.functional.interpolate(y, size=sizes, mode="bilinear", align_corners=False)
        return torch.softmax(self.head(self.drop(y)), dim=1)


class Residual(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(4, 4, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(4)

    def forward(self, x):
        return torch.relu(x + self.bn(self.conv(x)))


class Straight(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.stem = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.block = Residual()
        self.pool = torch.nn.AdaptiveAvgPool2d(1)
        self.fc = torch.nn.Linear(4, 2)

    def forward(net, x):
        y = torch.relu(net.stem(x))
        y = net.block(y)
        return net.fc(torch.flatten(net.pool(y), 1))


def sequential():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                               torch.nn.Conv2d(4, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
                               torch.nn.Flatten(), torch.nn.Linear(4, 2))


class WithSoftmax(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = Straight()

    def forward(self, x):
        return torch.softmax(self.net(x), dim=1)


def edit_code(source, target, old, new):
    """Copies a TorchScript zip, replacing text in its top-level code record (debug info left out)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as zout:
        top = zin.namelist()[0].split("/")[0]
        for name in zin.namelist():
            data = zin.read(name)
            if name == f"{top}/code/__torch__.py.debug_pkl":
                continue
            if name == f"{top}/code/__torch__.py":
                text = data.decode()
                assert old in text, (old, text)
                data = text.replace(old, new, 1).encode()
            zout.writestr(name, data)


def replace_record(source, target, record, data):
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as zout:
        top = zin.namelist()[0].split("/")[0]
        for name in zin.namelist():
            zout.writestr(name, data if name == f"{top}/{record}" else zin.read(name))


class Reduce:
    def __reduce__(self):
        return (os.system, ("echo conceptscope-hostile",))


def main():
    out = lambda n: os.path.join(HERE, n)
    torch.jit.script(WritesFile()).save(out("writes-file.pt"))
    torch.jit.script(ReadsFile()).save(out("reads-file.pt"))
    torch.jit.script(Benign().eval()).save(out("benign-scripted.pt"))
    torch.jit.script(Straight().eval()).save(out("scripted-layers.pt"))
    torch.jit.script(sequential().eval()).save(out("scripted-sequential.pt"))
    softmax = WithSoftmax().eval()
    x = torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    traced = torch.jit.trace(softmax, x)
    traced.save(out("traced-softmax.pt"))
    with torch.no_grad():
        for name, value in (("input", x), ("logits", softmax.net(x)), ("probabilities", traced(x))):
            numpy.save(out("traced-softmax-" + name + ".npy"), value.numpy().astype("<f4"))
    plain = out("plain.pt.tmp")
    torch.jit.script(Plain()).save(plain)
    with zipfile.ZipFile(plain) as z:
        code = z.read(z.namelist()[0].split("/")[0] + "/code/__torch__.py").decode()
    call = "return _0"
    assert call in code, code
    edit_code(plain, out("custom-op.pt"), call, "return ops.conceptscope_evil.run(_0)")
    edit_code(plain, out("method-call.pt"), call, "_1 = _0.from_file(\"/etc/hostname\", False, 1)\n    return _0")
    edit_code(plain, out("getattr-op.pt"), call, "_1 = getattr(_0, \"from_file\")\n    return _0")
    edit_code(plain, out("custom-class.pt"), "  conv : ", "  store : __torch__.torch.classes.c10d.FileStore\n  conv : ")
    replace_record(plain, out("pickle-reduce.pt"), "data.pkl", pickle.dumps(Reduce(), protocol=2))
    # pickles written by hand: Python's pickler would import the (non-existent) module
    module, name = b"__torch__.torch.classes.c10d", b"FileStore"
    glob = b"\x80\x02c" + module + b"\n" + name + b"\n)\x81."
    stack = (b"\x80\x04\x8c" + bytes([len(module)]) + module + b"\x8c" + bytes([len(name)]) + name + b"\x93)\x81.")
    replace_record(plain, out("pickle-custom-class.pt"), "data.pkl", glob)
    replace_record(plain, out("pickle-stack-global.pt"), "data.pkl", stack)
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(out("duplicate-record.pt"), "w", zipfile.ZIP_STORED) as zout:
        top = zin.namelist()[0].split("/")[0]
        for name in zin.namelist():
            zout.writestr(name, zin.read(name))
        hidden = zin.read(f"{top}/code/__torch__.py").decode().replace("return _0", "_1 = torch.from_file(\"/etc/hostname\", False, 1)\n    return _0")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns about the duplicate name: that is the point
            zout.writestr(f"{top}/code/__torch__.py", hidden)
    os.remove(plain)
    torch.save(Plain().state_dict(), out("state-dict.pt"))
    torch.save(Plain().state_dict(), out("legacy-pickle.pt"), _use_new_zipfile_serialization=False)


if __name__ == "__main__":
    main()
