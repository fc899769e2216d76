"""What the PyTorch recipes (export_torchvision.py, export_timm.py) share: BatchNorm statistics
for random weights, the export with the shipped model's names and free batch/height/width, and
the onnxruntime-against-PyTorch check. Imported by name: running a script in this folder puts the
folder first on sys.path."""
import json
import os
import sys
import time

import numpy as np
import torch


def recalibrate_batchnorm(model, mean, std, seed):
    """Random weights only: BatchNorm running statistics from two batches of noise photos
    (uniform 0-255, normalised with MEAN/STD on the 0-1 scale). With the fresh statistics
    (0, 1) some random networks' features vanish (torchvision's efficientnet_b0: logits ~1e-14,
    a flat map); with these they are of order 1. Models without BatchNorm are unchanged."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # a cumulative average over the batches below
    g = torch.Generator().manual_seed(seed)
    mean = torch.tensor(mean).view(1, 3, 1, 1)
    std = torch.tensor(std).view(1, 3, 1, 1)
    model.train()
    with torch.no_grad():
        for _ in range(2):
            model((torch.rand(8, 3, 224, 224, generator=g) - mean) / std)
    model.eval()


def export(model, path, opset):
    """torch.onnx.export with the shipped model's names and dynamic batch, height and width."""
    dummy = torch.zeros(1, 3, 224, 224)
    with torch.no_grad():
        torch.onnx.export(
            model, dummy, path,
            opset_version=opset,
            do_constant_folding=True,
            input_names=["input"],
            output_names=["logits"],
            dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"},
                          "logits": {0: "batch"}},
        )


def check(model, path):
    """onnxruntime (optimisations off) against PyTorch on two seeded inputs; the worst error."""
    import onnx
    import onnxruntime as ort
    onnx.checker.check_model(onnx.load(path), full_check=True)
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1234)
    worst = 0.0
    for h, w in [(224, 224), (224, 288)]:
        x = rng.uniform(-2, 2, size=(1, 3, h, w)).astype(np.float32)
        with torch.no_grad():
            ref = model(torch.from_numpy(x)).numpy()
        got = sess.run(["logits"], {"input": x})[0]
        rel = float(np.max(np.abs(got - ref)) / np.max(np.abs(ref)))
        worst = max(worst, rel)
        if rel > 1e-4:
            sys.exit(f"{path}: ONNX/PyTorch mismatch at {h}x{w}: rel {rel:.3g}")
    return worst


def labels_for(args, imagenet):
    """The class names: --labels FILE, else ImageNet's (`imagenet()`) for 1000 classes, else
    "class i"; their count must be the model's."""
    if args.labels:
        with open(args.labels) as f:
            labels = [line.strip() for line in f if line.strip()]
    elif args.num_classes == 1000:
        labels = imagenet()
    else:
        labels = [f"class {i}" for i in range(args.num_classes)]
    if len(labels) != args.num_classes:
        sys.exit(f"{len(labels)} labels for {args.num_classes} classes")
    return labels


def write_beside(onnx_path, labels_file, labels, sidecar, notes, worst, t0):
    """Writes the labels file and the sidecar beside the export and prints the summary line."""
    with open(os.path.join(os.path.dirname(onnx_path), labels_file), "w") as f:
        f.write("\n".join(labels) + "\n")
    with open(onnx_path + ".json", "w") as f:
        json.dump(sidecar, f, indent=2)
        f.write("\n")
    print(f"{onnx_path}: {os.path.getsize(onnx_path) / 2**20:.1f} MiB, onnxruntime parity "
          f"{worst:.2g}, {time.monotonic() - t0:.1f} s")
    for n in notes:
        print(f"  note: {n}")
