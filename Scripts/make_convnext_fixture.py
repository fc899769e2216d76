#!/usr/bin/env python3
"""ONNX fixture: a tiny real torchvision ConvNeXt (depthwise 7x7 conv, LayerNorm, Erf-GELU,
layer scale, LayerNorm2d classifier head) plus pytorch-grad-cam 1.5.7 reference maps.

Run from the repository root:

    .venv-bench/bin/python Scripts/make_convnext_fixture.py [--out Tests/Fixtures/convnext]
                                                           [--root .]

(needs torch 1.13 / torchvision 0.14, onnx, onnxruntime, grad-cam==1.5.7 and its deps;
`.venv-bench` has all of them. Generated with Python 3.11.2, Debian torch 1.13.0a0,
torchvision 0.14.1a0, numpy 1.24.2, onnx 1.23.2, onnxruntime 1.32.0, grad-cam 1.5.7;
exact versions are also written to the json.) Uses helpers of Scripts/make_onnx_fixtures.py
and Scripts/make_method_fixtures.py (found next to this file or under <root>/Scripts).
Runtime: a few seconds on 1 CPU thread.
Deterministic: fixed seeds, 1 intra-op thread, torch.use_deterministic_algorithms(True).

Model (torchvision.models.convnext.ConvNeXt, unmodified classes):
  * ConvNeXt([CNBlockConfig(16, 32, 1), CNBlockConfig(32, None, 1)],
    stochastic_depth_prob=0.0, layer_scale=1e-6, num_classes=10), built right after
    torch.manual_seed(2024) (torchvision init: trunc_normal(std=0.02) Conv/Linear weights,
    zero biases, LayerNorm weight 1 / bias 0). features = [stem Conv4x4/s4 + LayerNorm2d,
    stage(CNBlock 16), downsample(LayerNorm2d, Conv2x2/s2 16->32), stage(CNBlock 32)];
    avgpool = AdaptiveAvgPool2d(1); classifier = [LayerNorm2d(32), Flatten, Linear(32, 10)].
  * then, continuing the same torch RNG stream, in model.named_parameters() order:
      - every CNBlock.layer_scale  [C,1,1] = 0.5 + 0.1*randn   (1e-6 would make blocks ~identity)
      - every LayerNorm weight     = 1 + 0.1*randn, bias = 0.1*randn
      - every Conv2d / Linear bias = 0.02*randn
    (torchvision's 1/0 LayerNorm affine and zero biases would leave those code paths untested.)
  * eval mode (StochasticDepth is a no-op anyway with p=0).
  * exported with torch.onnx.export(opset 17, do_constant_folding=True), input "input",
    output "logits", dynamic batch/height/width on the input and batch on the output.
    nn.GELU() exports as the Erf form x*0.5*(1+erf(x/sqrt 2)) = Div, Erf, Add, Mul, Mul
    (opset 17 has no Gelu op); F.layer_norm exports as LayerNormalization (axis=-1);
    Permute as Transpose; the 4-D nn.Linear in CNBlock as MatMul + Add, the 2-D classifier
    Linear as Gemm. The script fails if any of that changes.

Input: numpy RandomState(2024).uniform(-2, 2, (1,3,64,64)) float32 (saved).

Files written to --out (little-endian float32 .npy unless noted):
  convnext_tiny.onnx                    the model (opset 17)
  convnext_tiny.input.npy               [1,3,64,64] input
  convnext_tiny.output.npy              [1,10] onnxruntime logits (ORT_DISABLE_ALL, 1 thread);
                                         vs PyTorch <= 1e-4 relative
  convnext_tiny.input.features.npy      [32,8,8] model.features output (= avgpool input =
                                         the tensor feeding GlobalAveragePool in the ONNX graph;
                                         checked against onnxruntime)
  convnext_tiny.input.pooled_grad.npy   [32] d logit_c / d avgpool(features).flatten() (autograd;
                                         the head after the pool is LayerNorm -> Linear, so this
                                         is NOT just a row of the Linear weight)
  convnext_tiny.input.logits.npy        [10] PyTorch logits
  convnext_tiny.input.<m>.npy           [8,8] pytorch-grad-cam map, m in {gradcam, gradcampp},
                                         exactly as returned (ReLU + min-max normalised)
  convnext_tiny.input.<m>.raw.npy       [8,8] get_cam_image output (before ReLU)
  convnext_tiny.input.<m>.weights.npy   [32] get_cam_weights output
  convnext_tiny.json                    class, shapes, op histogram, head node sequence with
                                         shapes, GELU form, errors, versions
Target: ClassifierOutputTarget(top-1 class) = raw logit; target layer model.features (its
output feeds model.avgpool; identical to model.features[-1]'s output). Maps are at FEATURE
resolution (get_target_width_height overridden to the activation size, as in
Scripts/make_method_fixtures.py); nothing else differs from pytorch-grad-cam defaults.
"""
import sys

sys.dont_write_bytecode = True  # do not drop __pycache__ into Scripts/

import os

os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
os.environ.setdefault("TQDM_DISABLE", "1")

import argparse
import collections
import platform

import numpy as np
import torch
import torch.nn as nn
import torchvision
from torchvision.models.convnext import CNBlock, CNBlockConfig, ConvNeXt

import onnx
import onnxruntime as ort


NAME = "convnext_tiny"
SEED = 2024
OPSET = 17
NUM_CLASSES = 10
INPUT_SHAPE = (1, 3, 64, 64)
INPUT2_SHAPE = (2, 3, 96, 64)  # dynamic-shape check only (not saved)
BLOCK_SETTING = [(16, 32, 1), (32, None, 1)]
# expected node sequence from GlobalAveragePool to "logits" (LayerNorm2d = permute/LN/permute)
HEAD_OPS = ["Transpose", "LayerNormalization", "Transpose", "Flatten", "Gemm"]
GELU_OPS = ["Div", "Erf", "Add", "Mul", "Mul"]


# Shared with the LayerNorm-head fixture script beside this one.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_layernorm_head_fixture import import_script, rel_err, save, write_gradient_maps, write_json  # noqa: E402


def build_model():
    torch.manual_seed(SEED)
    model = ConvNeXt([CNBlockConfig(*s) for s in BLOCK_SETTING], stochastic_depth_prob=0.0,
                     layer_scale=1e-6, num_classes=NUM_CLASSES)
    changed = collections.Counter()
    with torch.no_grad():
        modules = dict(model.named_modules())
        for pname, p in model.named_parameters():
            mname, _, leaf = pname.rpartition(".")
            mod = modules[mname]
            if isinstance(mod, CNBlock) and leaf == "layer_scale":
                p.copy_(0.5 + 0.1 * torch.randn(p.shape))
                changed["layer_scale"] += 1
            elif isinstance(mod, nn.LayerNorm) and leaf == "weight":
                p.copy_(1 + 0.1 * torch.randn(p.shape))
                changed["layernorm_weight"] += 1
            elif isinstance(mod, nn.LayerNorm) and leaf == "bias":
                p.copy_(0.1 * torch.randn(p.shape))
                changed["layernorm_bias"] += 1
            elif isinstance(mod, (nn.Conv2d, nn.Linear)) and leaf == "bias":
                p.copy_(0.02 * torch.randn(p.shape))
                changed["conv_linear_bias"] += 1
    model.eval()
    # 2 CNBlocks; LayerNorms: stem, 2 blocks, downsample, classifier; biases: stem conv,
    # 2x(dwconv + 2 Linear), downsample conv, classifier Linear
    assert dict(changed) == {"layer_scale": 2, "layernorm_weight": 5, "layernorm_bias": 5,
                             "conv_linear_bias": 9}, dict(changed)
    return model, dict(changed)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="Tests/Fixtures/convnext")
    ap.add_argument("--root", default=".", help="repository root (default: .)")
    args = ap.parse_args()
    root, out = args.root, args.out
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    mof = import_script(root, "make_onnx_fixtures")
    mmf = import_script(root, "make_method_fixtures")

    model, changed = build_model()
    n_params = int(sum(p.numel() for p in model.parameters()))
    rs = np.random.RandomState(SEED)
    x_np = rs.uniform(-2, 2, size=INPUT_SHAPE).astype(np.float32)
    x2_np = rs.uniform(-2, 2, size=INPUT2_SHAPE).astype(np.float32)
    x = torch.from_numpy(x_np)
    np.save(os.path.join(out, f"{NAME}.input.npy"), x_np)
    with torch.no_grad():
        t_logits = model(x).numpy()
        t_logits2 = model(torch.from_numpy(x2_np)).numpy()
    print(f"torch: {n_params} params; logits {np.round(t_logits[0], 4).tolist()}", flush=True)

    # ------------------------------------------------------------------ export + checks
    onnx_path = os.path.join(out, f"{NAME}.onnx")
    torch.onnx.export(model, x, onnx_path, opset_version=OPSET,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"},
                                    "logits": {0: "batch"}},
                      do_constant_folding=True)
    m = onnx.load(onnx_path)
    onnx.checker.check_model(m)
    nodes = list(m.graph.node)
    hist = dict(sorted(collections.Counter(n.op_type for n in nodes).items()))
    ops_in_order = [n.op_type for n in nodes]
    assert hist.get("LayerNormalization") == 5, hist
    assert hist.get("Erf") == 2 and "Tanh" not in hist and "Gelu" not in hist, hist

    # static shapes for the 1x3x64x64 input (onnx shape inference)
    fixed = onnx.ModelProto()
    fixed.CopyFrom(m)
    for d, v in zip(fixed.graph.input[0].type.tensor_type.shape.dim, INPUT_SHAPE):
        d.Clear()
        d.dim_value = v
    shapes = mof.tensor_shapes(fixed)
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in m.graph.initializer}
    const_vals = {n.output[0]: onnx.numpy_helper.to_array(n.attribute[0].t)
                  for n in nodes if n.op_type == "Constant" and n.attribute[0].name == "value"}

    def attrs_of(n):
        a = {x.name: onnx.helper.get_attribute_value(x) for x in n.attribute}
        return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in a.items()
                if not isinstance(v, onnx.TensorProto)}

    def describe(n):
        ins = []
        for i in n.input:
            d = {"name": i}
            if i in inits:
                d["initializer_shape"] = list(inits[i].shape)
            elif i in const_vals:
                d["constant"] = const_vals[i].tolist()
            else:
                d["shape"] = shapes.get(i)
            ins.append(d)
        return {"op": n.op_type, "name": n.name, "inputs": ins,
                "outputs": [{"name": o, "shape": shapes.get(o)} for o in n.output],
                "attrs": attrs_of(n)}

    # GELU form: the Erf node's producer/consumer chain
    erf_idx = [k for k, n in enumerate(nodes) if n.op_type == "Erf"]
    gelu_forms = []
    producer = {o: n for n in nodes for o in n.output}
    consumers = collections.defaultdict(list)
    for n in nodes:
        for i in n.input:
            consumers[i].append(n)
    for k in erf_idx:
        seq = [producer[nodes[k].input[0]], nodes[k]]
        while len(seq) < len(GELU_OPS) and len(consumers[seq[-1].output[0]]) == 1:
            seq.append(consumers[seq[-1].output[0]][0])
        # x feeds both the Div and the first Mul
        assert seq[0].input[0] in seq[3].input, "GELU: Mul(x, 1+erf) expected"
        assert [n.op_type for n in seq] == GELU_OPS, [n.op_type for n in seq]
        gelu_forms.append([describe(n) for n in seq])
    gelu_consts = sorted({round(float(c["constant"]), 7) for f in gelu_forms for n in f
                          for c in n["inputs"] if "constant" in c})
    assert np.allclose(gelu_consts, sorted([0.5, 1.0, 1.4142135]), atol=1e-6), gelu_consts

    # head: nodes after the (single) GlobalAveragePool
    gaps = [k for k, n in enumerate(nodes) if n.op_type == "GlobalAveragePool"]
    assert len(gaps) == 1 and "ReduceMean" not in hist, hist
    gap = nodes[gaps[0]]
    head_path, frontier = [describe(gap)], set(gap.output)
    for n in nodes[gaps[0] + 1:]:
        if any(i in frontier for i in n.input):
            head_path.append(describe(n))
            frontier |= set(n.output)
    head_ops = [p["op"] for p in head_path[1:]]
    assert head_ops == HEAD_OPS, head_ops
    assert head_path[-1]["outputs"][0]["name"] == "logits"
    ln_head = head_path[2]
    assert ln_head["attrs"].get("axis") == -1 and abs(ln_head["attrs"]["epsilon"] - 1e-6) < 1e-12

    o_logits = mof.ort_run(onnx_path, x_np)
    e_ort = rel_err(o_logits, t_logits)
    assert e_ort <= 1e-4, f"ORT vs torch {e_ort}"
    np.save(os.path.join(out, f"{NAME}.output.npy"), o_logits)
    e_ort2 = rel_err(mof.ort_run(onnx_path, x2_np), t_logits2)
    assert e_ort2 <= 1e-4, f"ORT vs torch (dynamic-shape input {INPUT2_SHAPE}) {e_ort2}"
    print(f"export: opset {OPSET} {os.path.getsize(onnx_path)} bytes ops {hist}", flush=True)
    print(f"  head {['GlobalAveragePool'] + head_ops}; ORT vs torch {e_ort:.3g} "
          f"({INPUT2_SHAPE}: {e_ort2:.3g})", flush=True)
    for p in head_path:
        print(f"    {p['op']:<20} {[i.get('shape') or i.get('initializer_shape') or i.get('constant') for i in p['inputs']]}"
              f" -> {[o['shape'] for o in p['outputs']]}  {p['attrs']}", flush=True)

    # ------------------------------------------------------------------ CAM references
    key = f"{NAME}.input"
    c = int(np.argmax(t_logits[0]))
    target = model.features
    feats, logits, pgrad = mmf.features_and_pooled_grad(model, target, model.avgpool, x, c)
    assert np.array_equal(logits, t_logits[0])
    feats_last, _, _ = mmf.features_and_pooled_grad(model, model.features[-1], model.avgpool, x, c)
    assert np.array_equal(feats, feats_last)
    feats_ort = mof.ort_run_tensor(m, gap.input[0], x_np)
    e_feats = rel_err(feats_ort[0], feats)
    assert e_feats <= 1e-4, f"features vs ORT GAP input {e_feats}"
    assert list(feats.shape) == shapes[gap.input[0]][1:] == [32, 8, 8], (feats.shape, shapes[gap.input[0]])
    # pooled_grad cross-check: d logit_c/d pooled through LayerNorm -> Linear, by hand (float64)
    pooled = feats.astype(np.float64).mean(axis=(1, 2))
    ln, fc = model.classifier[0], model.classifier[2]
    gam = ln.weight.detach().double().numpy()
    wc = fc.weight.detach().double().numpy()[c]
    mu, var = pooled.mean(), pooled.var()
    xhat = (pooled - mu) / np.sqrt(var + ln.eps)
    g = gam * wc
    pgrad_ref = (g - g.mean() - xhat * (g * xhat).mean()) / np.sqrt(var + ln.eps)
    e_pgrad = rel_err(pgrad, pgrad_ref)
    assert e_pgrad <= 1e-4, f"pooled_grad vs closed form {e_pgrad}"
    top5 = np.argsort(-logits, kind="stable")[:5]
    entry_methods = write_gradient_maps(mmf, out, key, model, target, x, c, feats, logits, pgrad)

    import cv2
    from importlib.metadata import version as dist_version
    info = {
        "generator": "Scripts/make_convnext_fixture.py",
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "torchvision": torchvision.__version__, "onnx": onnx.__version__,
                     "onnxruntime": ort.__version__, "pytorch_grad_cam": dist_version("grad-cam"),
                     "numpy": np.__version__, "opencv": cv2.__version__},
        "model": {"file": f"{NAME}.onnx", "file_bytes": os.path.getsize(onnx_path),
                  "opset": OPSET, "input_name": "input", "output_name": "logits",
                  "torchvision_arch": "torchvision.models.convnext.ConvNeXt",
                  "torch": f"ConvNeXt([CNBlockConfig{BLOCK_SETTING[0]}, CNBlockConfig{BLOCK_SETTING[1]}], "
                           f"stochastic_depth_prob=0.0, layer_scale=1e-6, num_classes={NUM_CLASSES}); "
                           f"torch.manual_seed({SEED}) before construction; then in named_parameters "
                           "order: CNBlock.layer_scale = 0.5 + 0.1*randn, LayerNorm weight = "
                           "1 + 0.1*randn, LayerNorm bias = 0.1*randn, Conv2d/Linear bias = 0.02*randn",
                  "randomised_parameters": changed, "torch_param_count": n_params,
                  "head": "GlobalAveragePool -> Transpose -> LayerNormalization -> Transpose -> "
                          "Flatten -> Gemm (non-linear)",
                  "gelu_onnx_form": "x*0.5*(1+erf(x/sqrt(2))): Div(x, 1.4142135) -> Erf -> Add(1) "
                                    "-> Mul(x, .) -> Mul(., 0.5)",
                  "gelu_nodes": gelu_forms,
                  "op_histogram": hist, "ops_in_order": ops_in_order,
                  "gap_input_tensor": gap.input[0], "head_path": head_path},
        "verification": {
            "ort_vs_torch_logits_rel_err": e_ort,
            "ort_vs_torch_logits_rel_err_dynamic_input": {"input_shape": list(INPUT2_SHAPE),
                                                          "rel_err": e_ort2},
            "features_vs_ort_gap_input_rel_err": e_feats,
            "pooled_grad_vs_closed_form_rel_err": e_pgrad},
        "reference": "onnxruntime CPU, ORT_DISABLE_ALL, 1 thread",
        "target": "ClassifierOutputTarget(top-1 class) = raw logit",
        "maps": "feature resolution [h,w]; get_target_width_height overridden to the "
                "activation size, otherwise pytorch-grad-cam defaults",
        "cases": {key: {
            "input": f"{NAME}.input.npy", "input_shape": list(x.shape),
            "input_generation": f"numpy RandomState({SEED}).uniform(-2, 2, {INPUT_SHAPE}) float32",
            "output": f"{NAME}.output.npy", "output_shape": list(o_logits.shape),
            "target_layer": "features", "class": c, "feature_shape": list(feats.shape),
            "logits_top5": [[int(i), float(logits[i])] for i in top5],
            "features": f"{key}.features.npy", "pooled_grad": f"{key}.pooled_grad.npy",
            "logits": f"{key}.logits.npy", "methods": entry_methods}},
    }
    write_json(out, NAME, info, c)

if __name__ == "__main__":
    main()
