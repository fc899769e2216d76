#!/usr/bin/env python3
"""Generate hostile / malformed ONNX fixtures for camkit's loader and planner.

Run from the repository root:

    /work/venv-fixtures/bin/python Scripts/make_hostile_models.py [--out Tests/Fixtures/hostile] [--check]

(generated with onnx 1.23.2, onnxruntime 1.32.0, numpy 1.24.2). Output is deterministic:
no timestamps, fixed names, numpy RandomState seeds; the .onnx files are the raw bytes of
ModelProto.SerializeToString() (deliberately invalid models are never run through the
checker, so they are written exactly as built). --check additionally loads every file with
onnxruntime (graph optimisations disabled, 1 thread) and prints what it says; the result is
informational only and is not written anywhere.

Unless stated otherwise every model is opset 13, ir_version 8, one float input "input" of
shape [1,3,8,8] and one output "out". Files (the "expect"/"error_contains" columns of
manifest.json say what camkit should do; error_contains is a lowercase substring of a good
error message, matching camkit's current ONNXError / InferenceError wording):

  constantofshape_huge.onnx  ConstantOfShape(shape=[1000000,1000000]) -> ReduceSum (keepdims=0,
                             all axes) -> Add(input, .) : a 10^12-element constant; must be
                             refused at plan/fold time (tensor too large), never allocated.
  range_huge.onnx            Range(0, 10^12, 1) on int64 constants -> Cast(float) -> ReduceSum
                             -> Add(input, .) : 10^12 elements, refused the same way.
  external_escape.onnx       same graph as external_ok.onnx but the Conv weight's external
                             data location is "../../../../etc/passwd" : must be refused
                             (location leaves the model's folder), nothing read.
  external_absolute.onnx     same, location "/etc/passwd".
  external_missing.onnx      same, location "weights.bin", which does not exist : clear error.
  external_ok.onnx/.bin      valid: Conv 3->4, 1x1 kernel, weight [4,3,1,1] float32 stored
                             in external_ok.bin (48 bytes, offset 0), bias inline,
                             -> Add(., 0.5) -> out [1,4,8,8]. With external_ok.input.npy
                             (RandomState(1) uniform[-2,2]) and external_ok.output.npy from
                             onnxruntime (ORT_DISABLE_ALL, 1 thread).
  float16_weights.onnx       valid: float16 initializers (raw_data) W [4,3,3,3], B [4]
                             -> Cast(to=FLOAT) -> Conv(pads 1) -> out [1,4,8,8].
                             With float16_weights.input.npy / .output.npy (as above, seed 2).
  deep_subgraph.onnx         an If whose then_branch holds an If ... 40 levels deep (each
                             subgraph adds 3 protobuf nesting levels, camkit caps at 32) :
                             malformed / "nests deeper" error, not a stack overflow.
  unsupported_op.onnx        Einsum("bchw,bchw->bchw") : unsupported operator error naming
                             the op, node ('einsum_node') and opset.
  wrong_input_type.onnx      graph input "input" of type string (elem_type 8), shape [1]
                             -> Identity -> out : unsupported data type error.
  truncated.onnx             the first 60% of the bytes of external_ok.onnx : malformed.
  bad_reshape.onnx           Reshape(input, [7,-1]) : 192 elements not divisible by 7, a
                             shape error at plan time.
  many_nodes                 150,000 chained Identity nodes (camkit's node limit is 100,000).
                             NOT written when the serialized model exceeds 1 MB (it does:
                             the script prints the size it would have); a test can build an
                             equivalent model in memory instead.

Also written: manifest.json (list of {file, expect, error_contains, what[, input, output]})
and README.md describing the set (generated data, CC0).
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
IR_VERSION = 8
SHAPE = [1, 3, 8, 8]
MANY_NODES = 150_000
MANY_NODES_MAX_BYTES = 1 << 20


def make_model(graph, doc):
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                          producer_name="camkit Scripts/make_hostile_models.py")
    m.ir_version = IR_VERSION
    m.doc_string = doc
    return m


def float_input():
    return helper.make_tensor_value_info("input", TensorProto.FLOAT, SHAPE)


def float_output(shape):
    return helper.make_tensor_value_info("out", TensorProto.FLOAT, shape)


def i64(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


# ----------------------------------------------------------------------------- builders
def build_constantofshape_huge():
    nodes = [
        helper.make_node("ConstantOfShape", ["huge_shape"], ["huge"], name="huge_constantofshape",
                         value=numpy_helper.from_array(np.array([1.0], dtype=np.float32), "value")),
        helper.make_node("ReduceSum", ["huge"], ["huge_sum"], name="huge_sum", keepdims=0),
        helper.make_node("Add", ["input", "huge_sum"], ["out"], name="add"),
    ]
    g = helper.make_graph(nodes, "constantofshape_huge", [float_input()], [float_output(SHAPE)],
                          initializer=[i64("huge_shape", [1000000, 1000000])])
    return make_model(g, "ConstantOfShape of 10^12 elements; must be refused before allocation")


def build_range_huge():
    nodes = [
        helper.make_node("Range", ["start", "limit", "delta"], ["r"], name="huge_range"),
        helper.make_node("Cast", ["r"], ["rf"], name="cast", to=TensorProto.FLOAT),
        helper.make_node("ReduceSum", ["rf"], ["rsum"], name="rsum", keepdims=0),
        helper.make_node("Add", ["input", "rsum"], ["out"], name="add"),
    ]
    inits = [numpy_helper.from_array(np.array(v, dtype=np.int64), n)
             for n, v in (("start", 0), ("limit", 10**12), ("delta", 1))]
    g = helper.make_graph(nodes, "range_huge", [float_input()], [float_output(SHAPE)], initializer=inits)
    return make_model(g, "Range(0, 10^12, 1); must be refused before allocation")


def conv1x1_weights():
    rs = np.random.RandomState(0)
    w = rs.uniform(-1, 1, size=(4, 3, 1, 1)).astype(np.float32)
    b = rs.uniform(-1, 1, size=(4,)).astype(np.float32)
    return w, b


def build_external(location, doc):
    """Conv 3->4 1x1 with the weight stored externally at `location` (raw float32, offset 0)."""
    w, b = conv1x1_weights()
    wt = TensorProto()
    wt.name = "conv.weight"
    wt.data_type = TensorProto.FLOAT
    wt.dims.extend(w.shape)
    wt.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", "0"), ("length", str(w.nbytes))):
        e = wt.external_data.add()
        e.key, e.value = k, v
    nodes = [
        helper.make_node("Conv", ["input", "conv.weight", "conv.bias"], ["c"], name="conv",
                         kernel_shape=[1, 1]),
        helper.make_node("Add", ["c", "half"], ["out"], name="add"),
    ]
    inits = [wt, numpy_helper.from_array(b, "conv.bias"),
             numpy_helper.from_array(np.array(0.5, dtype=np.float32), "half")]
    g = helper.make_graph(nodes, "external", [float_input()], [float_output([1, 4, 8, 8])], initializer=inits)
    return make_model(g, doc), w


def build_float16_weights():
    rs = np.random.RandomState(3)
    w = rs.uniform(-0.5, 0.5, size=(4, 3, 3, 3)).astype(np.float16)
    b = rs.uniform(-0.5, 0.5, size=(4,)).astype(np.float16)
    nodes = [
        helper.make_node("Cast", ["conv.weight.f16"], ["conv.weight"], name="cast_w", to=TensorProto.FLOAT),
        helper.make_node("Cast", ["conv.bias.f16"], ["conv.bias"], name="cast_b", to=TensorProto.FLOAT),
        helper.make_node("Conv", ["input", "conv.weight", "conv.bias"], ["out"], name="conv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
    ]
    # numpy_helper.from_array stores float16 as raw_data (data_type 10).
    inits = [numpy_helper.from_array(w, "conv.weight.f16"), numpy_helper.from_array(b, "conv.bias.f16")]
    assert all(t.data_type == TensorProto.FLOAT16 and t.raw_data for t in inits)
    g = helper.make_graph(nodes, "float16_weights", [float_input()], [float_output([1, 4, 8, 8])],
                          initializer=inits)
    return make_model(g, "float16 initializers -> Cast(FLOAT) -> Conv")


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(number, payload):
    """One length-delimited protobuf field (wire type 2)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def build_deep_subgraph_bytes(levels=40):
    """Serialized model: If -> then_branch -> If -> ... `levels` Ifs deep.

    Python protobuf (upb) refuses to copy/parse messages nested deeper than 100 levels
    (each subgraph adds 3: AttributeProto.g -> GraphProto.node -> NodeProto.attribute), so
    the nesting is assembled at the wire level: each message is serialized without its deep
    field and the deep field is appended as raw bytes (protobuf fields may come in any order).
    Field numbers: ModelProto.graph=7, GraphProto.node=1, NodeProto.attribute=5,
    AttributeProto.g=6.
    """
    out_vi = lambda name: helper.make_tensor_value_info(name, TensorProto.FLOAT, SHAPE)

    def leaf_graph(name):
        node = helper.make_node("Identity", ["input"], [name + "_out"], name=name + "_id")
        return helper.make_graph([node], name, [], [out_vi(name + "_out")])

    def if_node_bytes(name, out, then_bytes, else_name):
        # NodeProto with only the else_branch attribute, then the then_branch attribute appended.
        node = helper.make_node("If", ["cond"], [out], name=name, else_branch=leaf_graph(else_name))
        then_attr = helper.make_attribute("then_branch", helper.make_graph([], "x", [], []))
        then_attr.ClearField("g")
        then_attr_bytes = then_attr.SerializeToString() + _field(6, then_bytes)
        return node.SerializeToString() + _field(5, then_attr_bytes)

    # innermost then_branch: a plain Identity graph
    graph_bytes = leaf_graph("then%d" % levels).SerializeToString()
    for level in range(levels - 1, 0, -1):
        name = "then%d" % level
        shell = helper.make_graph([], name, [], [out_vi(name + "_out")])
        graph_bytes = shell.SerializeToString() + _field(
            1, if_node_bytes("if%d" % level, name + "_out", graph_bytes, "else%d" % level))
    cond = numpy_helper.from_array(np.array(True), "cond")
    top = helper.make_graph([], "deep_subgraph", [float_input()], [float_output(SHAPE)], initializer=[cond])
    top_bytes = top.SerializeToString() + _field(1, if_node_bytes("if0", "out", graph_bytes, "else0"))
    model = make_model(helper.make_graph([], "x", [], []), "If nested %d levels deep through then_branch" % levels)
    model.ClearField("graph")
    return model.SerializeToString() + _field(7, top_bytes)


def build_unsupported_op():
    node = helper.make_node("Einsum", ["input", "input"], ["out"], name="einsum_node", equation="bchw,bchw->bchw")
    g = helper.make_graph([node], "unsupported_op", [float_input()], [float_output(SHAPE)])
    return make_model(g, "Einsum is not supported by camkit")


def build_many_nodes(n=MANY_NODES):
    # Short value names keep the file as small as possible: v0 -> v1 -> ... -> out.
    nodes = []
    for i in range(n):
        src = "input" if i == 0 else "v%d" % (i - 1)
        dst = "out" if i == n - 1 else "v%d" % i
        nodes.append(helper.make_node("Identity", [src], [dst]))
    g = helper.make_graph(nodes, "many_nodes", [float_input()], [float_output(SHAPE)])
    return make_model(g, "%d chained Identity nodes" % n)


def build_wrong_input_type():
    node = helper.make_node("Identity", ["input"], ["out"], name="id")
    g = helper.make_graph([node], "wrong_input_type",
                          [helper.make_tensor_value_info("input", TensorProto.STRING, [1])],
                          [helper.make_tensor_value_info("out", TensorProto.STRING, [1])])
    return make_model(g, "string graph input")


def build_bad_reshape():
    node = helper.make_node("Reshape", ["input", "shape"], ["out"], name="bad_reshape")
    g = helper.make_graph([node], "bad_reshape", [float_input()],
                          [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)],
                          initializer=[i64("shape", [7, -1])])
    return make_model(g, "Reshape [1,3,8,8] (192 elements) to [7,-1]")


# ----------------------------------------------------------------------------- helpers
def ort_session(path):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def reference(out_dir, stem, seed):
    x = np.random.RandomState(seed).uniform(-2, 2, size=SHAPE).astype(np.float32)
    y = ort_session(os.path.join(out_dir, stem + ".onnx")).run(None, {"input": x})[0]
    np.save(os.path.join(out_dir, stem + ".input.npy"), x)
    np.save(os.path.join(out_dir, stem + ".output.npy"), y.astype(np.float32))
    return x, y


def check_with_ort(path):
    """What onnxruntime says: 'load: <error>' / 'run: <error>' / 'runs -> shape'."""
    try:
        sess = ort_session(path)
    except Exception as e:  # noqa: BLE001 - we want the message, whatever it is
        return "load fails: " + str(e).splitlines()[0][:300]
    i = sess.get_inputs()[0]
    if i.type == "tensor(string)":
        feed = np.array(["x"], dtype=object)
    else:
        feed = np.random.RandomState(0).uniform(-2, 2, size=SHAPE).astype(np.float32)
    try:
        out = sess.run(None, {i.name: feed})[0]
    except Exception as e:  # noqa: BLE001
        return "loads, run fails: " + str(e).splitlines()[0][:300]
    return "loads and runs -> %s %s" % (getattr(out, "dtype", "?"), list(np.shape(out)))


README = """# Hostile / malformed ONNX fixtures

Generated by `Scripts/make_hostile_models.py` (run it from the repository root with
`/work/venv-fixtures/bin/python Scripts/make_hostile_models.py`; it is deterministic).
Licence: generated data, dedicated to the public domain under CC0 1.0.

Each model is tiny and, apart from its one deliberate defect, an ordinary opset-13 /
ir_version-8 graph with a float input `input` [1,3,8,8] and an output `out`.
`manifest.json` lists every file with:

* `expect`: `"error"` (camkit must refuse it with a clear error, never crash, hang or
  allocate the absurd tensor) or `"ok"` (must load and run; compare with `output`);
* `error_contains`: a short lowercase substring a good error message should contain
  (compare against the lowercased message);
* `what`: the defect;
* for `ok` models, `input` / `output`: .npy reference pair from onnxruntime 1.32.0
  (graph optimisations disabled, 1 thread).

The external-data models share one graph (Conv 3->4 1x1 + Add); only the weight's
external `location` differs: `external_ok.bin` (valid, beside the model),
`../../../../etc/passwd`, `/etc/passwd`, `weights.bin` (missing).

`many_nodes` (150,000 chained Identity nodes, over camkit's 100,000-node limit) is not
stored: serialized it is %(many_bytes)d bytes, over the 1 MB budget. Build it in memory in
the test instead (the script's `build_many_nodes`).

See the docstring of the script for the exact construction of each file.
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join("Tests", "Fixtures", "hostile"))
    ap.add_argument("--check", action="store_true", help="also print what onnxruntime says about each file")
    args = ap.parse_args()
    out = args.out
    os.makedirs(out, exist_ok=True)

    def write(name, data):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)

    def save(name, model):
        write(name, model.SerializeToString())

    manifest = []

    def entry(file, expect, error_contains, what, **extra):
        e = {"file": file, "expect": expect, "error_contains": error_contains, "what": what}
        e.update(extra)
        manifest.append(e)

    save("constantofshape_huge.onnx", build_constantofshape_huge())
    entry("constantofshape_huge.onnx", "error", "would allocate",
          "ConstantOfShape with constant shape [1000000,1000000] (10^12 elements) -> ReduceSum -> Add; "
          "must be refused at plan time, not allocated")

    save("range_huge.onnx", build_range_huge())
    entry("range_huge.onnx", "error", "would allocate",
          "Range(0, 10^12, 1) on int64 constants -> Cast -> ReduceSum -> Add; must be refused at plan time")

    ok_model, w = build_external("external_ok.bin", "Conv weight in external_ok.bin")
    save("external_ok.onnx", ok_model)
    write("external_ok.bin", w.tobytes())  # little-endian float32, C order
    reference(out, "external_ok", seed=1)
    entry("external_ok.onnx", "ok", "",
          "valid model whose Conv weight [4,3,1,1] lives in external_ok.bin (48 bytes, offset 0)",
          input="external_ok.input.npy", output="external_ok.output.npy", data_files=["external_ok.bin"])

    for name, loc, expect_text, what in (
            ("external_escape.onnx", "../../../../etc/passwd", "leaves the model",
             "external data location '../../../../etc/passwd' climbs out of the model's folder"),
            ("external_absolute.onnx", "/etc/passwd", "leaves the model",
             "external data location is the absolute path '/etc/passwd'"),
            ("external_missing.onnx", "weights.bin", "cannot be opened",
             "external data location 'weights.bin' does not exist")):
        save(name, build_external(loc, what)[0])
        entry(name, "error", expect_text, what)

    save("float16_weights.onnx", build_float16_weights())
    reference(out, "float16_weights", seed=2)
    entry("float16_weights.onnx", "ok", "",
          "float16 (data_type 10, raw_data) Conv weight/bias initializers -> Cast(to=FLOAT) -> Conv",
          input="float16_weights.input.npy", output="float16_weights.output.npy")

    write("deep_subgraph.onnx", build_deep_subgraph_bytes(40))
    entry("deep_subgraph.onnx", "error", "nests deeper",
          "If nested 40 levels deep through then_branch; the reader's nesting cap must stop it")

    save("unsupported_op.onnx", build_unsupported_op())
    entry("unsupported_op.onnx", "error", "einsum",
          "Einsum node 'einsum_node' (opset 13); error should name op, node and opset")

    many = build_many_nodes(MANY_NODES).SerializeToString()
    many_bytes = len(many)
    if many_bytes <= MANY_NODES_MAX_BYTES:
        write("many_nodes.onnx", many)
        entry("many_nodes.onnx", "error", "over the limit",
              "%d chained Identity nodes (limit 100,000)" % MANY_NODES)
    else:
        print("many_nodes.onnx NOT written: %d bytes > %d" % (many_bytes, MANY_NODES_MAX_BYTES))

    save("wrong_input_type.onnx", build_wrong_input_type())
    entry("wrong_input_type.onnx", "error", "unsupported data type",
          "graph input 'input' is a string tensor (elem_type 8)")

    ok_bytes = ok_model.SerializeToString()
    write("truncated.onnx", ok_bytes[: len(ok_bytes) * 6 // 10])
    entry("truncated.onnx", "error", "malformed",
          "first 60%% (%d of %d bytes) of external_ok.onnx" % (len(ok_bytes) * 6 // 10, len(ok_bytes)))

    save("bad_reshape.onnx", build_bad_reshape())
    entry("bad_reshape.onnx", "error", "reshape",
          "Reshape of [1,3,8,8] (192 elements) to constant [7,-1]; 192 is not divisible by 7")

    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(README % {"many_bytes": many_bytes})

    total = 0
    for name in sorted(os.listdir(out)):
        size = os.path.getsize(os.path.join(out, name))
        total += size
        print("%-32s %8d" % (name, size))
    print("%-32s %8d" % ("total", total))

    if args.check:
        print("\nonnxruntime:")
        for e in manifest:
            print("%-28s %s" % (e["file"], check_with_ort(os.path.join(out, e["file"]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
