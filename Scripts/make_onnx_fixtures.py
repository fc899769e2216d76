#!/usr/bin/env python3
"""Generate small ONNX CNN classifier fixtures + reference outputs for camkit.

Run from the repository root:

    /work/venv-fixtures/bin/python Scripts/make_onnx_fixtures.py [--out Tests/Fixtures/onnx]

(any Python with torch 1.13 / torchvision 0.14 / onnx / onnxruntime / numpy works;
 fixtures were generated with Debian torch 1.13.0a0, torchvision 0.14.1a0,
 onnx 1.23.2, onnxruntime 1.32.0, numpy 1.24.2).

What it does, per model (all deterministic: torch.manual_seed / numpy RandomState):
  * builds a torchvision 0.14 architecture with num_classes=10, width-reduced where
    needed to keep the whole fixture folder small (see MODELS below / manifest.json);
  * random-init weights, then re-estimates BatchNorm statistics (random-init BN stats
    of 0/1 give vanishing logits): model.train(), every BN momentum=None (cumulative
    average), reset_running_stats(), 5 seeded torch.randn batches of 8 under no_grad,
    then model.eval(). Nothing else is randomised/changed (exception: mobilenet_v3_small's
    classifier Linears, see build_mobilenet_v3_small).
  * exports with torch.onnx.export(do_constant_folding=True), input "input",
    output "logits", dynamic axes batch/height/width on the input and batch on
    the output. NB: torch 1.13 in eval mode fuses Conv+BatchNormalization at export,
    so the exported graphs contain no BatchNormalization nodes.
  * reference outputs from onnxruntime with ORT_DISABLE_ALL graph optimisations and
    1 thread: <name>.input.npy (float32 uniform[-2,2], 1x3x96x96) -> <name>.output.npy,
    and for selected models <name>.input2.npy (2x3x64x96) -> <name>.output2.npy.
    Variants at other opsets (<name>_opsetNN.onnx) share the base model's
    input/output .npy files (same weights, same expected outputs).
  * checks ORT vs PyTorch: max|ort-torch| / max|torch| <= 1e-4.
  * writes manifest.json: files, opset, inputs/outputs, op histogram, params, and the
    CAM "head" (tensor feeding the last global pool, its shape, the nodes from the pool
    to the output, and whether that path is linear).
"""
import argparse
import collections
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision
from torchvision.models import resnet as tv_resnet
from torchvision.models import efficientnet as tv_eff

import onnx
from onnx import numpy_helper, shape_inference
import onnxruntime as ort

NUM_CLASSES = 10
H1, W1 = 96, 96          # single-input case: 1x3x96x96 (stride-32 nets -> 3x3 CAM head)
B2, H2, W2 = 2, 64, 96   # dynamic-shape case: 2x3x64x96


# ----------------------------------------------------------------------------- builders
def build_resnet18():
    """torchvision ResNet(BasicBlock, [2,2,2,2]) == resnet18 topology, but widths
    16/32/64/128 instead of 64/128/256/512 (BasicBlock forbids width_per_group, so the
    stem/layers are rebuilt with torchvision's own ResNet._make_layer)."""
    m = tv_resnet.ResNet(tv_resnet.BasicBlock, [2, 2, 2, 2], num_classes=NUM_CLASSES)
    w = [8, 16, 32, 64]
    m.inplanes = w[0]
    m.conv1 = nn.Conv2d(3, w[0], kernel_size=7, stride=2, padding=3, bias=False)
    m.bn1 = nn.BatchNorm2d(w[0])
    m.layer1 = m._make_layer(tv_resnet.BasicBlock, w[0], 2)
    m.layer2 = m._make_layer(tv_resnet.BasicBlock, w[1], 2, stride=2)
    m.layer3 = m._make_layer(tv_resnet.BasicBlock, w[2], 2, stride=2)
    m.layer4 = m._make_layer(tv_resnet.BasicBlock, w[3], 2, stride=2)
    m.fc = nn.Linear(w[3], NUM_CLASSES)
    # same init as torchvision's ResNet.__init__
    for mod in m.modules():
        if isinstance(mod, nn.Conv2d):
            nn.init.kaiming_normal_(mod.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(mod, nn.BatchNorm2d):
            nn.init.constant_(mod.weight, 1)
            nn.init.constant_(mod.bias, 0)
    return m


def build_mobilenet_v2():
    return torchvision.models.mobilenet_v2(weights=None, num_classes=NUM_CLASSES, width_mult=0.5)


def build_mobilenet_v3_small():
    """width_mult=0.5. Exception to "randomise nothing else": torchvision inits both
    classifier Linears with N(0, 0.01), which gives logits ~1e-2..1e-3 even after BN
    re-estimation; they are re-initialised with PyTorch's default nn.Linear init
    (reset_parameters) so the logits are O(0.1..1)."""
    m = torchvision.models.mobilenet_v3_small(weights=None, num_classes=NUM_CLASSES, width_mult=0.5)
    for mod in m.classifier:
        if isinstance(mod, nn.Linear):
            mod.reset_parameters()
    return m


def build_squeezenet1_1():
    return torchvision.models.squeezenet1_1(weights=None, num_classes=NUM_CLASSES)


def build_densenet_small():
    """torchvision.models.DenseNet (densenet121 family) with a small config."""
    return torchvision.models.DenseNet(growth_rate=12, block_config=(2, 2, 2, 2),
                                       num_init_features=16, bn_size=4, num_classes=NUM_CLASSES)


def build_shufflenet_v2_x0_5():
    return torchvision.models.shufflenet_v2_x0_5(weights=None, num_classes=NUM_CLASSES)


def build_efficientnet_b0_small():
    """torchvision EfficientNet with efficientnet_b0's block config at width_mult=0.5,
    depth_mult=0.5 (b0 itself is width 1.0/depth 1.0; ~4M params, too big)."""
    setting, last_channel = tv_eff._efficientnet_conf("efficientnet_b0", width_mult=0.5, depth_mult=0.5)
    return tv_eff.EfficientNet(setting, dropout=0.2, num_classes=NUM_CLASSES, last_channel=last_channel)


# name -> (builder, torchvision arch, notes, opsets, has second (batch-2 non-square) input)
MODELS = [
    ("resnet18", build_resnet18, "resnet18",
     "ResNet(BasicBlock,[2,2,2,2]) = resnet18 topology, widths 8/16/32/64 (0.125x)", [13, 17, 9], True),
    ("mobilenet_v2", build_mobilenet_v2, "mobilenet_v2", "width_mult=0.5", [13, 9], True),
    ("mobilenet_v3_small", build_mobilenet_v3_small, "mobilenet_v3_small",
     "width_mult=0.5; classifier Linears re-initialised with nn.Linear default init", [13], True),
    ("squeezenet1_1", build_squeezenet1_1, "squeezenet1_1", "full width", [13], True),
    ("densenet_small", build_densenet_small, "DenseNet (densenet121 family)",
     "DenseNet(growth_rate=12, block_config=(2,2,2,2), num_init_features=16, bn_size=4)", [13, 9], True),
    ("shufflenet_v2_x0_5", build_shufflenet_v2_x0_5, "shufflenet_v2_x0_5",
     "x0_5 substituted for x1_0 to save space (same topology, fewer channels)", [13], True),
    ("efficientnet_b0_small", build_efficientnet_b0_small, "efficientnet_b0",
     "EfficientNet(_efficientnet_conf('efficientnet_b0', width_mult=0.5, depth_mult=0.5))", [13], True),
]


# ----------------------------------------------------------------------------- helpers
def recalibrate_bn(model, seed):
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for bn in bns:
        bn.momentum = None
        bn.reset_running_stats()
    model.train()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _ in range(5):
            model(torch.randn(8, 3, H1, W1, generator=g))
    model.eval()
    return len(bns)


def ort_run(path, x):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    return sess.run(["logits"], {"input": x})[0]


def ort_run_tensor(model, tensor, x):
    m = onnx.ModelProto()
    m.CopyFrom(model)
    m.graph.output.append(onnx.helper.make_empty_tensor_value_info(tensor))
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
    return sess.run([tensor], {"input": x})[0]


def rel_err(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


LINEAR_OPS = {"Flatten", "Reshape", "Squeeze", "Unsqueeze", "Identity", "Dropout",
              "Gemm", "MatMul", "Add", "Sub", "Transpose"}
POOL_OPS = {"GlobalAveragePool", "ReduceMean", "AveragePool"}


def tensor_shapes(model):
    inf = shape_inference.infer_shapes(model)
    shapes = {}
    for vi in list(inf.graph.value_info) + list(inf.graph.input) + list(inf.graph.output):
        dims = []
        for d in vi.type.tensor_type.shape.dim:
            dims.append(d.dim_value if d.HasField("dim_value") else (d.dim_param or "?"))
        shapes[vi.name] = dims
    return shapes


def analyse(model, x1_shape, path=None, x1=None):
    g = model.graph
    hist = collections.Counter(n.op_type for n in g.node)
    inits = {i.name for i in g.initializer}
    n_params = int(sum(np.prod(i.dims) for i in g.initializer))
    consts = set(inits) | {o for n in g.node if n.op_type == "Constant" for o in n.output}
    # torch 1.13 dedups identical initializers and re-creates them with Identity nodes
    consts |= {o for n in g.node if n.op_type == "Identity" and n.input[0] in inits for o in n.output}

    # find last global pool (over spatial dims)
    pool_nodes = []
    for idx, n in enumerate(g.node):
        if n.op_type == "GlobalAveragePool":
            pool_nodes.append(idx)
        elif n.op_type == "ReduceMean":
            axes = [a for a in n.attribute if a.name == "axes"]
            ax = list(axes[0].ints) if axes else None
            if ax is None and len(n.input) > 1:  # opset 18 axes-as-input form
                for c in g.node:
                    if c.op_type == "Constant" and c.output[0] == n.input[1]:
                        ax = list(numpy_helper.to_array(c.attribute[0].t))
            if ax and sorted(a % 4 for a in ax) == [2, 3]:
                pool_nodes.append(idx)
    info = {"op_histogram": dict(sorted(hist.items())), "onnx_param_count": n_params}
    if not pool_nodes:
        return info
    pidx = pool_nodes[-1]
    pnode = g.node[pidx]
    # shapes for the static 1x3xHxW input
    fixed = onnx.ModelProto()
    fixed.CopyFrom(model)
    for d, v in zip(fixed.graph.input[0].type.tensor_type.shape.dim, x1_shape):
        d.Clear()
        d.dim_value = v
    shapes = tensor_shapes(fixed)
    if path is not None:  # exact shapes of head / pool output by running ORT with extra outputs
        for t in (pnode.input[0], pnode.output[0]):
            shapes[t] = list(ort_run_tensor(model, t, x1).shape)
    # path from pool to output: consumers closure
    path_nodes, frontier = [], set(pnode.output)
    for n in g.node[pidx + 1:]:
        if any(i in frontier for i in n.input):
            path_nodes.append(n)
            frontier |= set(n.output)
    # any side inputs of the path that are not constants / path outputs (e.g. Shape of something)
    desc = []
    linear = True
    for n in path_nodes:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in attrs.items()
                 if not isinstance(v, onnx.TensorProto)}
        desc.append({"op": n.op_type, "name": n.name, "inputs": list(n.input),
                     "outputs": list(n.output), "attrs": attrs})
        if n.op_type not in LINEAR_OPS:
            linear = False
        if n.op_type in ("Add", "Sub"):
            # affine only if exactly one operand comes from the pool path
            if sum(i in frontier for i in n.input) != 1:
                linear = False
        if n.op_type in ("Gemm", "MatMul"):
            if sum(i in frontier for i in n.input) != 1:
                linear = False
    # ops that feed the path but are not in the path (shape computations etc.)
    side = sorted({c.op_type for c in g.node for n in path_nodes for i in n.input
                   if i not in frontier and i not in consts and c.output and i in c.output})
    info["head"] = {
        "tensor": pnode.input[0],
        "shape": shapes.get(pnode.input[0]),
        "pool_op": pnode.op_type,
        "pool_node": pnode.name,
        "pool_attrs": {a.name: onnx.helper.get_attribute_value(a) for a in pnode.attribute},
        "pool_output": pnode.output[0],
        "pool_output_shape": shapes.get(pnode.output[0]),
        "path_to_output": desc,
        "path_side_input_ops": side,
        "linear": linear,
        "num_global_pools_in_graph": len(pool_nodes),
    }
    return info


# ----------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="Tests/Fixtures/onnx")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    manifest = {"generator": "Scripts/make_onnx_fixtures.py",
                "versions": {"torch": torch.__version__, "torchvision": torchvision.__version__,
                             "onnx": onnx.__version__, "onnxruntime": ort.__version__,
                             "numpy": np.__version__},
                "reference": "onnxruntime CPU, ORT_DISABLE_ALL, 1 thread",
                "tolerance_note": "ORT vs torch max|a-b|/max|b|",
                "models": []}
    ok = True
    for mi, (name, builder, arch, notes, opsets, second) in enumerate(MODELS):
        seed = 1000 + mi
        torch.manual_seed(seed)
        model = builder()
        nbn = recalibrate_bn(model, seed)
        torch_params = int(sum(p.numel() for p in model.parameters()))
        rs = np.random.RandomState(seed)
        x1 = rs.uniform(-2, 2, size=(1, 3, H1, W1)).astype(np.float32)
        x2 = rs.uniform(-2, 2, size=(B2, 3, H2, W2)).astype(np.float32) if second else None
        with torch.no_grad():
            t1 = model(torch.from_numpy(x1)).numpy()
            t2 = model(torch.from_numpy(x2)).numpy() if second else None
        print(f"{name}: torch logits absmax={np.abs(t1).max():.4g} std={t1.std():.4g}", flush=True)
        np.save(os.path.join(args.out, f"{name}.input.npy"), x1)
        if second:
            np.save(os.path.join(args.out, f"{name}.input2.npy"), x2)
        for k, opset in enumerate(opsets):
            fname = f"{name}.onnx" if k == 0 else f"{name}_opset{opset}.onnx"
            path = os.path.join(args.out, fname)
            torch.onnx.export(model, torch.from_numpy(x1), path, opset_version=opset,
                              input_names=["input"], output_names=["logits"],
                              dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"},
                                            "logits": {0: "batch"}},
                              do_constant_folding=True)
            m = onnx.load(path)
            onnx.checker.check_model(m)
            o1 = ort_run(path, x1)
            e1 = rel_err(o1, t1)
            entry = {"name": name if k == 0 else f"{name}_opset{opset}", "file": fname,
                     "file_bytes": os.path.getsize(path), "torchvision_arch": arch, "notes": notes,
                     "opset": opset, "num_classes": NUM_CLASSES, "seed": seed,
                     "torch_param_count": torch_params, "bn_layers_recalibrated": nbn,
                     "input_name": "input", "output_name": "logits",
                     "cases": [{"input": f"{name}.input.npy", "output": f"{name}.output.npy",
                                "input_shape": list(x1.shape), "output_shape": list(o1.shape),
                                "ort_vs_torch_rel_err": e1}]}
            if k == 0:
                np.save(os.path.join(args.out, f"{name}.output.npy"), o1)
            else:
                base = np.load(os.path.join(args.out, f"{name}.output.npy"))
                entry["cases"][0]["ort_vs_base_opset_rel_err"] = rel_err(o1, base)
            errs = [e1]
            if second:
                o2 = ort_run(path, x2)
                e2 = rel_err(o2, t2)
                errs.append(e2)
                c2 = {"input": f"{name}.input2.npy", "output": f"{name}.output2.npy",
                      "input_shape": list(x2.shape), "output_shape": list(o2.shape),
                      "ort_vs_torch_rel_err": e2}
                if k == 0:
                    np.save(os.path.join(args.out, f"{name}.output2.npy"), o2)
                else:
                    c2["ort_vs_base_opset_rel_err"] = rel_err(
                        o2, np.load(os.path.join(args.out, f"{name}.output2.npy")))
                entry["cases"].append(c2)
            entry.update(analyse(m, list(x1.shape), path, x1))
            entry["logits_absmax"] = float(np.abs(o1).max())
            entry["logits_std"] = float(o1.std())
            good = max(errs) <= 1e-4
            ok &= good
            print(f"  {fname}: opset {opset} {entry['file_bytes']/1e6:.2f} MB "
                  f"ort-vs-torch {['%.2e' % e for e in errs]} {'OK' if good else 'FAIL'} "
                  f"pool={entry.get('head', {}).get('pool_op')} ops={entry['op_histogram']}", flush=True)
            manifest["models"].append(entry)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o))
    print("all ORT-vs-torch within 1e-4" if ok else "SOME MODELS EXCEED 1e-4")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
