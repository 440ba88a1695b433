#!/usr/bin/python3
"""Writes ONNX models that must NOT load, and one that must, with Debian's python3-onnx.

Run from the repository root (apt-get install python3-onnx):
    /usr/bin/python3 test-images/models/hostile-onnx/make_fixtures.py
No randomness: weights are fixed numbers.

  custom-op.onnx        a node of the domain "conceptscope.evil": its kernel would come from a custom operator library (native code)
  custom-op-in-if.onnx  the same node hidden in the then-branch of an If
  external-escape.onnx  a weight stored in the external file "../../../../etc/hostname"
  external-absolute.onnx a weight stored in the external file "/etc/hostname"
  local-function.onnx   a node of the domain "conceptscope.local" that the model defines itself as an ONNX function (must load)
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def classifier(nodes, extra_inputs=(), initializers=(), functions=(), opsets=()):
    """[N, 3, 4, 4] -> global average -> linear to 2 logits, with the given nodes in front (they map "x" to "h")."""
    w = numpy_helper.from_array(np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32), "w")
    tail = [helper.make_node("GlobalAveragePool", ["h"], ["p"], name="pool"),
            helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
            helper.make_node("MatMul", ["f", "w"], ["logits"], name="linear")]
    graph = helper.make_graph(list(nodes) + tail, "hostile",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 4, 4])] + list(extra_inputs),
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 2])],
                              initializer=[w] + list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)] + list(opsets), functions=list(functions))
    model.ir_version = 8
    return model


def main():
    out = lambda n: os.path.join(HERE, n)
    evil = helper.make_node("Run", ["x"], ["h"], name="evil", domain="conceptscope.evil")
    onnx.save(classifier([evil], opsets=[helper.make_opsetid("conceptscope.evil", 1)]), out("custom-op.onnx"))

    then = helper.make_graph([helper.make_node("Run", ["x"], ["t"], name="hidden", domain="conceptscope.evil")], "then", [],
                             [helper.make_tensor_value_info("t", TensorProto.FLOAT, None)])
    other = helper.make_graph([helper.make_node("Identity", ["x"], ["e"], name="plain")], "else", [],
                              [helper.make_tensor_value_info("e", TensorProto.FLOAT, None)])
    cond = numpy_helper.from_array(np.array(True), "cond")
    branch = helper.make_node("If", ["cond"], ["h"], name="branch", then_branch=then, else_branch=other)
    onnx.save(classifier([branch], initializers=[cond], opsets=[helper.make_opsetid("conceptscope.evil", 1)]), out("custom-op-in-if.onnx"))

    for name, location in (("external-escape.onnx", "../../../../etc/hostname"), ("external-absolute.onnx", "/etc/hostname")):
        scale = TensorProto()
        scale.name, scale.data_type = "scale", TensorProto.FLOAT
        scale.dims.append(1)
        scale.data_location = TensorProto.EXTERNAL
        entry = scale.external_data.add()
        entry.key, entry.value = "location", location
        model = classifier([helper.make_node("Mul", ["x", "scale"], ["h"], name="scaled")], initializers=[scale])
        with open(out(name), "wb") as f:  # bytes as they are: onnx.save would follow the external reference
            f.write(model.SerializeToString())

    double = helper.make_function("conceptscope.local", "Double", ["a"], ["b"],
                                  [helper.make_node("Add", ["a", "a"], ["b"])], [helper.make_opsetid("", 13)])
    local = helper.make_node("Double", ["x"], ["h"], name="double", domain="conceptscope.local")
    onnx.save(classifier([local], functions=[double], opsets=[helper.make_opsetid("conceptscope.local", 1)]), out("local-function.onnx"))


if __name__ == "__main__":
    main()
