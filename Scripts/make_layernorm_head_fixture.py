#!/usr/bin/env python3
"""ONNX fixture with a ConvNeXt-style NON-linear classifier head (GAP -> LayerNorm -> Linear)
plus pytorch-grad-cam 1.5.7 reference maps.

Run from the repository root:

    .venv-bench/bin/python Scripts/make_layernorm_head_fixture.py [--out Tests/Fixtures/layernorm_head]
                                                                 [--root .]

(needs torch 1.13 / torchvision 0.14, onnx, onnxruntime, grad-cam==1.5.7 and its deps;
`.venv-bench` has all of them. Generated with Python 3.11.2, Debian torch 1.13.0a0,
torchvision 0.14.1a0, numpy 1.24.2, onnx 1.23.2, onnxruntime 1.32.0, grad-cam 1.5.7;
exact versions are also written to the json.) Runtime: a few seconds on 1 CPU thread.
Deterministic: fixed seeds, 1 intra-op thread, torch.use_deterministic_algorithms(True).

Model:
  * body = the small resnet18 of Tests/Fixtures/onnx/resnet18.onnx, rebuilt with
    Scripts/make_onnx_fixtures.py (same builder, seed 1000, same BatchNorm re-estimation).
    VERIFIED before the head is replaced: PyTorch logits on resnet18.input.npy equal the
    committed resnet18.output.npy (<= 1e-4 relative), and the layer4 activations equal
    onnxruntime's value of the tensor feeding GlobalAveragePool in resnet18.onnx.
  * head: model.fc = nn.Sequential(nn.LayerNorm(C, eps=1e-5), nn.Linear(C, 10)), C = 64,
    drawn after torch.manual_seed(4242) in this order: LayerNorm weight = 1 + 0.1*randn(C),
    LayerNorm bias = 0.1*randn(C), then nn.Linear(C, 10) with PyTorch's default init.
    torchvision's ResNet.forward does avgpool -> flatten -> fc, so the exported head is
    GlobalAveragePool -> Flatten -> LayerNormalization -> Gemm (checked; the script fails if
    the LayerNorm is not a single LayerNormalization node).
  * exported with torch.onnx.export(opset 17, do_constant_folding=True), input "input",
    output "logits", dynamic batch/height/width on the input and batch on the output (as in
    make_onnx_fixtures.py). After export the body is checked again: onnxruntime's GAP input
    tensor of the new graph equals that of resnet18.onnx.

Input: Tests/Fixtures/onnx/resnet18.input.npy (1x3x96x96, float32), not copied.

Files written to --out (little-endian float32 .npy unless noted):
  resnet18_layernorm_head.onnx                 the model (opset 17)
  resnet18_layernorm_head.output.npy           [1,10] onnxruntime logits (ORT_DISABLE_ALL,
                                                1 thread); vs PyTorch <= 1e-4 relative
  resnet18_layernorm_head.input.features.npy   [64,3,3] layer4 activations (= GAP input)
  resnet18_layernorm_head.input.pooled_grad.npy [64] d logit_c / d GAP(features) (autograd)
  resnet18_layernorm_head.input.logits.npy     [10] PyTorch logits
  resnet18_layernorm_head.input.<m>.npy        [3,3] pytorch-grad-cam map, m in
                                                {gradcam, gradcampp}, exactly as returned
                                                (ReLU + min-max normalised)
  resnet18_layernorm_head.input.<m>.raw.npy    [3,3] get_cam_image output (before ReLU)
  resnet18_layernorm_head.input.<m>.weights.npy [64] get_cam_weights output
  resnet18_layernorm_head.json                 class, shapes, op histogram, head path, the
                                                LayerNormalization node, errors, versions
Target: ClassifierOutputTarget(top-1 class) = raw logit; target layer model.layer4. Maps are
at FEATURE resolution (get_target_width_height overridden to the activation size, as in
Scripts/make_method_fixtures.py); nothing else differs from pytorch-grad-cam defaults.
"""
import sys

sys.dont_write_bytecode = True  # do not drop __pycache__ into Scripts/

import argparse
import collections
import json
import os
import platform

os.environ.setdefault("TQDM_DISABLE", "1")

import numpy as np
import torch
import torch.nn as nn
import torchvision

import onnx
import onnxruntime as ort

from pytorch_grad_cam import GradCAM, GradCAMPlusPlus
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

NAME = "resnet18_layernorm_head"
BODY = "resnet18"
HEAD_SEED = 4242
OPSET = 17
LN_EPS = 1e-5


def import_script(root, module):
    here = os.path.dirname(os.path.abspath(__file__))
    for d in (here, os.path.join(root, "Scripts")):
        if os.path.exists(os.path.join(d, module + ".py")):
            if d not in sys.path:
                sys.path.insert(0, d)
            return __import__(module)
    raise SystemExit(f"{module}.py not found (run from the repository root or pass --root)")


def rel_err(a, ref):
    return float(np.max(np.abs(a - ref)) / np.max(np.abs(ref)))


def save(path, arr):
    np.save(path, np.ascontiguousarray(arr, dtype="<f4"))


def write_gradient_maps(mmf, out, key, model, target, x, c, feats, logits, pgrad):
    """Saves features, d logit/d pooled, logits and pytorch-grad-cam's GradCAM and GradCAM++
    maps (feature resolution), raw maps and weights for class c; returns the json entry."""
    save(os.path.join(out, f"{key}.features.npy"), feats)
    save(os.path.join(out, f"{key}.pooled_grad.npy"), pgrad)
    save(os.path.join(out, f"{key}.logits.npy"), logits)
    h, w = feats.shape[1:]
    entry_methods = {}
    for meth, cls in (("gradcam", GradCAM), ("gradcampp", GradCAMPlusPlus)):
        cam, raws, ws, _, _ = mmf.run_method(cls, {}, model, target, x, c)
        assert cam.shape == (h, w) and len(raws) == 1 and len(ws) == 1
        files = {"map": f"{key}.{meth}.npy", "raw": f"{key}.{meth}.raw.npy",
                 "weights": f"{key}.{meth}.weights.npy"}
        save(os.path.join(out, files["map"]), cam)
        save(os.path.join(out, files["raw"]), raws[0][0])
        save(os.path.join(out, files["weights"]), ws[0][0])
        if meth == "gradcam":
            # GAP is the first head op: d logit / d A[k,i,j] = pooled_grad[k] / (h*w) everywhere
            assert np.allclose(ws[0][0], pgrad / (h * w), rtol=1e-5, atol=1e-8)
        entry_methods[meth] = files
        print(f"  {key} {meth}: raw min={raws[0][0].min():.4g} max={raws[0][0].max():.4g}; "
              f"map={np.round(cam, 3).tolist()}", flush=True)
    return entry_methods


def write_json(out, name, info, c):
    with open(os.path.join(out, f"{name}.json"), "w") as f:
        json.dump(info, f, indent=1, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o))
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(out, n)) for n in os.listdir(out))
    print(f"class {c}; wrote {len(os.listdir(out))} files, {total / 1e6:.3f} MB to {out}")


def layer4_features(model, x):
    store = {}
    h = model.layer4.register_forward_hook(lambda m, i, o: store.__setitem__("f", o.detach().clone()))
    try:
        with torch.no_grad():
            model(x)
    finally:
        h.remove()
    return store["f"].numpy()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="Tests/Fixtures/layernorm_head")
    ap.add_argument("--root", default=".", help="repository root (default: .)")
    args = ap.parse_args()
    root, out = args.root, args.out
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    mof = import_script(root, "make_onnx_fixtures")
    mmf = import_script(root, "make_method_fixtures")
    onnx_dir = os.path.join(root, "Tests", "Fixtures", "onnx")
    x_np = np.load(os.path.join(onnx_dir, f"{BODY}.input.npy"))
    assert x_np.shape == (1, 3, 96, 96) and x_np.dtype == np.float32
    x = torch.from_numpy(np.ascontiguousarray(x_np))

    # ------------------------------------------------------------------ body (verified)
    model, seed = mmf.rebuild_onnx_fixture_model(mof, BODY)
    with torch.no_grad():
        base_logits = model(x).numpy()
    e_logits = rel_err(base_logits, np.load(os.path.join(onnx_dir, f"{BODY}.output.npy")))
    assert e_logits <= 1e-4, f"rebuilt {BODY} does not reproduce {BODY}.output.npy ({e_logits})"
    feats_torch = layer4_features(model, x)
    base_onnx = onnx.load(os.path.join(onnx_dir, f"{BODY}.onnx"))
    gap_in = [n for n in base_onnx.graph.node if n.op_type == "GlobalAveragePool"]
    assert len(gap_in) == 1
    gap_tensor = gap_in[0].input[0]
    feats_ort_base = mof.ort_run_tensor(base_onnx, gap_tensor, x_np)
    e_feats = rel_err(feats_torch, feats_ort_base)
    assert e_feats <= 1e-4, f"layer4 features differ from {BODY}.onnx ({e_feats})"
    C = int(model.fc.in_features)
    assert C == feats_torch.shape[1] == 64, (C, feats_torch.shape)
    print(f"body: torch vs {BODY}.output.npy rel err {e_logits:.3g}; layer4 vs ORT({BODY}.onnx "
          f"{gap_tensor}) rel err {e_feats:.3g}; C={C}", flush=True)

    # ------------------------------------------------------------------ head
    torch.manual_seed(HEAD_SEED)
    ln = nn.LayerNorm(C, eps=LN_EPS)
    with torch.no_grad():
        ln.weight.copy_(1 + 0.1 * torch.randn(C))
        ln.bias.copy_(0.1 * torch.randn(C))
    fc = nn.Linear(C, mof.NUM_CLASSES)
    model.fc = nn.Sequential(ln, fc)
    model.eval()
    with torch.no_grad():
        t_logits = model(x).numpy()
    assert np.array_equal(layer4_features(model, x), feats_torch)

    # ------------------------------------------------------------------ export + checks
    onnx_path = os.path.join(out, f"{NAME}.onnx")
    torch.onnx.export(model, x, onnx_path, opset_version=OPSET,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"},
                                    "logits": {0: "batch"}},
                      do_constant_folding=True)
    m = onnx.load(onnx_path)
    onnx.checker.check_model(m)
    hist = dict(sorted(collections.Counter(n.op_type for n in m.graph.node).items()))
    ops_in_order = [n.op_type for n in m.graph.node]
    lns = [n for n in m.graph.node if n.op_type == "LayerNormalization"]
    assert len(lns) == 1, f"expected one LayerNormalization node, ops: {hist}"
    ln_node = lns[0]
    ln_attrs = {a.name: onnx.helper.get_attribute_value(a) for a in ln_node.attribute}
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in m.graph.initializer}
    ln_info = {"name": ln_node.name, "inputs": list(ln_node.input), "outputs": list(ln_node.output),
               "attrs": ln_attrs,
               "input_shapes": {i: list(inits[i].shape) for i in ln_node.input if i in inits}}
    # head path: nodes after the (single) GlobalAveragePool
    gaps = [k for k, n in enumerate(m.graph.node) if n.op_type == "GlobalAveragePool"]
    assert len(gaps) == 1
    gap = m.graph.node[gaps[0]]
    head_path, frontier = [], set(gap.output)
    for n in m.graph.node[gaps[0] + 1:]:
        if any(i in frontier for i in n.input):
            head_path.append({"op": n.op_type, "name": n.name, "inputs": list(n.input),
                              "outputs": list(n.output),
                              "attrs": {a.name: onnx.helper.get_attribute_value(a)
                                        for a in n.attribute}})
            frontier |= set(n.output)
    head_ops = [p["op"] for p in head_path]
    assert head_ops == ["Flatten", "LayerNormalization", "Gemm"], head_ops

    o_logits = mof.ort_run(onnx_path, x_np)
    e_ort = rel_err(o_logits, t_logits)
    assert e_ort <= 1e-4, f"ORT vs torch {e_ort}"
    np.save(os.path.join(out, f"{NAME}.output.npy"), o_logits)
    feats_ort_new = mof.ort_run_tensor(m, gap.input[0], x_np)
    e_body_onnx = rel_err(feats_ort_new, feats_ort_base)
    assert e_body_onnx <= 1e-6, f"ONNX body differs from {BODY}.onnx ({e_body_onnx})"
    print(f"export: opset {OPSET} ops {hist}; head {head_ops}; ORT vs torch {e_ort:.3g}; "
          f"GAP input vs {BODY}.onnx {e_body_onnx:.3g}", flush=True)

    # ------------------------------------------------------------------ CAM references
    key = f"{NAME}.input"
    c = int(np.argmax(t_logits[0]))
    feats, logits, pgrad = mmf.features_and_pooled_grad(model, model.layer4, model.avgpool, x, c)
    assert np.array_equal(logits, t_logits[0])
    top5 = np.argsort(-logits, kind="stable")[:5]
    entry_methods = write_gradient_maps(mmf, out, key, model, model.layer4, x, c, feats, logits, pgrad)

    import cv2
    from importlib.metadata import version as dist_version
    info = {
        "generator": "Scripts/make_layernorm_head_fixture.py",
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "torchvision": torchvision.__version__, "onnx": onnx.__version__,
                     "onnxruntime": ort.__version__, "pytorch_grad_cam": dist_version("grad-cam"),
                     "numpy": np.__version__, "opencv": cv2.__version__},
        "model": {"file": f"{NAME}.onnx", "file_bytes": os.path.getsize(onnx_path),
                  "opset": OPSET, "input_name": "input", "output_name": "logits",
                  "body": f"Tests/Fixtures/onnx/{BODY}.onnx (rebuilt: make_onnx_fixtures.py, seed {seed})",
                  "head": "GlobalAveragePool -> Flatten -> LayerNormalization -> Gemm (non-linear)",
                  "head_torch": f"fc = Sequential(LayerNorm({C}, eps={LN_EPS}), Linear({C}, "
                                f"{mof.NUM_CLASSES})); torch.manual_seed({HEAD_SEED}); "
                                "ln.weight = 1 + 0.1*randn, ln.bias = 0.1*randn, Linear default init",
                  "op_histogram": hist, "ops_in_order": ops_in_order,
                  "gap_input_tensor": gap.input[0], "head_path": head_path,
                  "layernorm_node": ln_info},
        "verification": {
            "body_logits_vs_committed_rel_err": e_logits,
            "body_layer4_vs_ort_base_onnx_rel_err": e_feats,
            "onnx_gap_input_vs_base_onnx_rel_err": e_body_onnx,
            "ort_vs_torch_logits_rel_err": e_ort},
        "reference": "onnxruntime CPU, ORT_DISABLE_ALL, 1 thread",
        "target": "ClassifierOutputTarget(top-1 class) = raw logit",
        "maps": "feature resolution [h,w]; get_target_width_height overridden to the "
                "activation size, otherwise pytorch-grad-cam defaults",
        "cases": {key: {
            "input": f"Tests/Fixtures/onnx/{BODY}.input.npy", "input_shape": list(x.shape),
            "output": f"{NAME}.output.npy", "output_shape": list(o_logits.shape),
            "target_layer": "layer4", "class": c, "feature_shape": list(feats.shape),
            "logits_top5": [[int(i), float(logits[i])] for i in top5],
            "features": f"{key}.features.npy", "pooled_grad": f"{key}.pooled_grad.npy",
            "logits": f"{key}.logits.npy", "methods": entry_methods}},
    }
    write_json(out, NAME, info, c)

if __name__ == "__main__":
    main()
