#!/usr/bin/env python3
"""Export torchvision classifiers to ONNX with a camkit sidecar (recipe, docs/models.md).

    python Scripts/models/export_torchvision.py --out DIR [--models resnet50,convnext_tiny]
           [--num-classes N --labels FILE] [--state-dict my_weights.pt] [--resize full|crop]

Writes, for each model NAME: DIR/NAME.onnx (opset 17, input "input" [N,3,H,W] with N, H and W
dynamic, output "logits" [N,classes]; the shipped model's convention), DIR/NAME.onnx.json (the
sidecar: the preprocessing of torchvision's weights for NAME, mean/std on camkit's 0-255 scale)
and DIR/NAME.labels.txt. Every export is checked against PyTorch with onnxruntime (graph
optimisations off) at 224x224 and 224x288: max|diff| / max|ref| <= 1e-4.

Without --state-dict the weights are random (weights=None, torch.manual_seed(--seed); BatchNorm
statistics set from noise photos, so that the features do not vanish): the recipe runs where
no weights can be downloaded. With your own fine-tuned weights give
--state-dict (a state_dict saved by torch.save) and, for other classes than ImageNet's,
--num-classes and --labels (one class name per line, index order).

Run with torch 1.13 / torchvision 0.14 (Debian's python3-torch, python3-torchvision), onnx
1.23.2, onnxruntime 1.32.0: the .venv-models that Scripts/models/run-recipes makes.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

from torch_export import check, export, labels_for, recalibrate_batchnorm, write_beside
import torchvision

DEFAULT_MODELS = "resnet50,efficientnet_b0,mobilenet_v3_large,convnext_tiny"


def sidecar_for(name, weights_enum, resize, labels_file, source):
    """camkit's sidecar (schema 1) from the eval transforms torchvision ships with the weights
    (read from the weights' description: nothing is downloaded)."""
    t = weights_enum.DEFAULT.transforms()
    crop, short = t.crop_size[0], t.resize_size[0]
    interp = t.interpolation.value  # "bilinear" or "bicubic"
    if interp not in ("bilinear", "bicubic"):
        sys.exit(f"{name}: interpolation {interp} (camkit resizes bilinear or bicubic)")
    notes = []
    if resize == "crop" and abs(crop / short - 0.875) > 1e-6:
        notes.append(f"torchvision resizes to {short} and crops {crop} (crop_pct {crop / short:.4f}); "
                     f"camkit's crop resizes to {round(crop / 0.875)} (0.875)")
    return {
        "schema_version": 1,
        "name": name,
        "source": source,
        "input_size": crop,
        "resize": resize,
        "interpolation": interp,
        "mean": [round(m * 255, 4) for m in t.mean],
        "std": [round(s * 255, 4) for s in t.std],
        "channel_order": "RGB",
        "stride": 32,
        "labels": labels_file,
    }, notes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--models", default=DEFAULT_MODELS, help=f"comma-separated (default {DEFAULT_MODELS})")
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--seed", type=int, default=0, help="torch.manual_seed for random weights")
    ap.add_argument("--num-classes", type=int, default=1000)
    ap.add_argument("--labels", help="class names, one per line (default: ImageNet's, for 1000 classes)")
    ap.add_argument("--state-dict", help="load these weights (torch.save(model.state_dict())); one model only")
    ap.add_argument("--resize", choices=["full", "crop", "stretch"], default="full",
                    help="the sidecar's resize: full (whole photo, camkit's default) or crop (Resize + CenterCrop)")
    ap.add_argument("--suffix", default="", help="appended to each file name (NAME+SUFFIX.onnx)")
    args = ap.parse_args()
    models = [m for m in args.models.split(",") if m]
    if args.state_dict and len(models) != 1:
        sys.exit("--state-dict needs exactly one model")
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(min(2, os.cpu_count() or 1))

    for name in models:
        t0 = time.monotonic()
        weights_enum = torchvision.models.get_model_weights(name)
        torch.manual_seed(args.seed)
        model = torchvision.models.get_model(name, weights=None, num_classes=args.num_classes)
        if args.state_dict:
            model.load_state_dict(torch.load(args.state_dict, map_location="cpu"), strict=True)
            origin = f"weights {os.path.basename(args.state_dict)}"
        else:
            t = weights_enum.DEFAULT.transforms()
            recalibrate_batchnorm(model, t.mean, t.std, args.seed)
            origin = (f"random weights (weights=None, torch.manual_seed({args.seed}), "
                      f"BatchNorm statistics from noise)")
        model.eval()

        base = name + args.suffix
        onnx_path = os.path.join(args.out, base + ".onnx")
        export(model, onnx_path, args.opset)
        worst = check(model, onnx_path)

        labels_file = base + ".labels.txt"
        labels = labels_for(args, lambda: list(weights_enum.DEFAULT.meta["categories"]))

        source = (f"torchvision {torchvision.__version__} {name}, {origin}; "
                  f"torch.onnx.export opset {args.opset} (torch {torch.__version__}) by "
                  f"Scripts/models/export_torchvision.py")
        sidecar, notes = sidecar_for(name, weights_enum, args.resize, labels_file, source)
        write_beside(onnx_path, labels_file, labels, sidecar, notes, worst, t0)


if __name__ == "__main__":
    main()
