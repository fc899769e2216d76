#!/usr/bin/env python3
"""List ONNX backend test cases from Debian's libonnx-testdata and select the ones
camkit can run.

Run from the repository root:

    /work/venv-fixtures/bin/python Scripts/list_node_tests.py \
        [--data /usr/share/libonnx-testdata/data] [--out Tests/Fixtures/onnx/node_candidates.txt] [--all]

Data layout (package libonnx-testdata 1.12.0, `apt-get install libonnx-testdata`):
    <data>/{node,pytorch-converted,pytorch-operator,simple}/<case>/model.onnx
    <data>/<group>/<case>/test_data_set_0/input_<i>.pb, output_<i>.pb  (TensorProto)
    (<data>/real/* only hold data.json download pointers, no models; skipped.)

A case is a candidate when
  * every node's op_type (default domain, no subgraphs) is in SUPPORTED_OPS, and
  * every graph input/output is float32, except int64 inputs that feed a
    shape/axes/pads/indices/split/steps operand (listed as "int64 ok" in the table).
Candidates are written as "<group>/<case>", sorted, one per line.
"""
import argparse
import collections
import os
import sys

import onnx

SUPPORTED_OPS = {
    "Conv", "BatchNormalization", "Relu", "LeakyRelu", "PRelu", "Clip", "Sigmoid", "HardSigmoid",
    "HardSwish", "Tanh", "Softmax", "LogSoftmax", "Add", "Sub", "Mul", "Div", "Sum", "Concat",
    "Split", "Slice", "Pad", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
    "ReduceMean", "ReduceSum", "ReduceMax", "Flatten", "Reshape", "Transpose", "Squeeze",
    "Unsqueeze", "Gemm", "MatMul", "Identity", "Dropout", "Constant", "Shape", "Gather", "Cast",
    "ConstantOfShape", "Range", "LayerNormalization", "Erf",
}
GROUPS = ["node", "pytorch-converted", "pytorch-operator", "simple"]

# (op_type, input index) operands that are legitimately int64 "shape-like" tensors
INT64_OPERANDS = {
    ("Reshape", 1): "shape", ("Slice", 1): "starts", ("Slice", 2): "ends", ("Slice", 3): "axes",
    ("Slice", 4): "steps", ("Pad", 1): "pads", ("Squeeze", 1): "axes", ("Unsqueeze", 1): "axes",
    ("ReduceMean", 1): "axes", ("ReduceSum", 1): "axes", ("ReduceMax", 1): "axes",
    ("Split", 1): "split", ("Gather", 1): "indices", ("ConstantOfShape", 0): "shape",
}
DT = {v: k for k, v in onnx.TensorProto.DataType.items()}


def ttype(vi):
    t = vi.type
    if t.HasField("tensor_type"):
        return DT.get(t.tensor_type.elem_type, "?")
    return t.WhichOneof("value")  # sequence_type / optional_type / ...


def analyse(path):
    m = onnx.load(path)
    g = m.graph
    opset = max((o.version for o in m.opset_import if o.domain in ("", "ai.onnx")), default=None)
    ops = [n.op_type for n in g.node]
    foreign = [n.op_type for n in g.node if n.domain not in ("", "ai.onnx")]
    subgraph = any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
                   for n in g.node for a in n.attribute)
    inits = {i.name for i in g.initializer}
    ins = [(vi.name, ttype(vi)) for vi in g.input if vi.name not in inits]
    outs = [(vi.name, ttype(vi)) for vi in g.output]
    reasons, int64_ok = [], []
    bad_ops = sorted(set(o for o in ops if o not in SUPPORTED_OPS) | set(foreign))
    if bad_ops:
        reasons.append("ops:" + ",".join(bad_ops))
    if subgraph:
        reasons.append("subgraph")
    uses = collections.defaultdict(list)
    for n in g.node:
        for k, i in enumerate(n.input):
            uses[i].append((n.op_type, k))
    for name, dt in ins:
        if dt == "FLOAT":
            continue
        roles = [INT64_OPERANDS.get(u) for u in uses[name]]
        if dt == "INT64" and roles and all(roles):
            int64_ok.append(f"{name}({'/'.join(sorted(set(roles)))})")
        else:
            reasons.append(f"in:{name}:{dt}")
    for name, dt in outs:
        if dt != "FLOAT":
            reasons.append(f"out:{name}:{dt}")
    return dict(opset=opset, ops=ops, ins=ins, outs=outs, int64_ok=int64_ok, reasons=reasons)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/usr/share/libonnx-testdata/data")
    ap.add_argument("--out", default="Tests/Fixtures/onnx/node_candidates.txt")
    ap.add_argument("--all", action="store_true", help="print every case, not only candidates")
    args = ap.parse_args()
    cands, rows, op_count, case_count = [], [], collections.Counter(), 0
    near = []
    for grp in GROUPS:
        gdir = os.path.join(args.data, grp)
        if not os.path.isdir(gdir):
            continue
        for case in sorted(os.listdir(gdir)):
            mp = os.path.join(gdir, case, "model.onnx")
            if not os.path.exists(mp):
                continue
            case_count += 1
            name = f"{grp}/{case}"
            try:
                a = analyse(mp)
            except Exception as e:  # noqa
                rows.append(f"{name}\tERROR {e}")
                continue
            ok = not a["reasons"]
            line = (f"{'CAND' if ok else '----'}\t{name}\topset={a['opset']}\t"
                    f"ops={','.join(sorted(set(a['ops'])))}\t"
                    f"in={','.join(d for _, d in a['ins'])}\tout={','.join(d for _, d in a['outs'])}")
            if a["int64_ok"]:
                line += "\tint64 ok: " + " ".join(a["int64_ok"])
            if not ok:
                line += "\twhy: " + " ".join(a["reasons"])
                if all(not r.startswith(("ops:", "subgraph")) for r in a["reasons"]):
                    near.append(name)
            rows.append(line)
            if ok:
                cands.append(name)
                for o in sorted(set(a["ops"])):
                    op_count[o] += 1
    for r in rows:
        if args.all or r.startswith("CAND"):
            print(r)
    cands.sort()
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(cands) + "\n")
    print(f"\n{case_count} cases scanned under {args.data}; {len(cands)} candidates -> {args.out}")
    print("candidates per op type (cases using the op):")
    for o in sorted(SUPPORTED_OPS):
        print(f"  {o:20s} {op_count.get(o, 0)}")
    print(f"\nnear misses (supported ops only, rejected for dtypes): {len(near)}")
    for n in near:
        print("  " + next(r for r in rows if f"\t{n}\t" in r).split("\t", 1)[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
