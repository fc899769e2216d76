#!/usr/bin/env python3
"""Export timm classifiers to ONNX with a camkit sidecar made from timm's pretrained_cfg
(recipe, docs/models.md).

    python Scripts/models/export_timm.py --out DIR [--models resnet18,convnext_nano]
           [--num-classes N --labels FILE] [--checkpoint my.pth] [--resize full|crop]
           [--conv-head-as-linear] [--suffix S]

For each model NAME: DIR/NAME.onnx (opset 17, input "input" [N,3,H,W] with N, H and W dynamic,
output "logits"), DIR/NAME.onnx.json and DIR/NAME.labels.txt. The sidecar comes from the
model's data config, `timm.data.resolve_model_data_config(model)` (which reads
`model.pretrained_cfg`):

    pretrained_cfg          camkit sidecar
    input_size (3, H, H)    input_size H          (a non-square input_size is refused)
    interpolation           interpolation          (bilinear or bicubic; others are refused)
    mean, std (0-1)         mean, std x 255        (camkit's 0-255 scale)
    crop_pct, crop_mode     resize                 (--resize; camkit's crop is fixed at 0.875:
                                                    another crop_pct is printed as a note)
    feature_info[-1]        stride                 (the final features' reduction, 32)

--conv-head-as-linear (MobileNetV3 only) rewrites the 1x1 conv_head that timm's MobileNetV3
applies after the global pool as the same Linear: camkit finds no head in the plain export
(its head program has no rule for a Conv after the pool) and refuses every method.

Without --checkpoint the weights are random (pretrained=False, torch.manual_seed(--seed);
BatchNorm statistics set from noise photos, so that the features do not vanish): nothing is
downloaded. With your own weights: --checkpoint (timm's checkpoint_path: a
state_dict or a timm training checkpoint) and, for your own classes, --num-classes and --labels.
Each export is checked against PyTorch with onnxruntime (optimisations off) at 224x224 and
224x288: max|diff| / max|ref| <= 1e-4.

Run with torch 1.13 / torchvision 0.14 (Debian's), timm 1.0.31, onnx 1.23.2, onnxruntime
1.32.0: the .venv-models that Scripts/models/run-recipes makes.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import timm
import timm.data
import torch

from torch_export import check, export, labels_for, recalibrate_batchnorm, write_beside

DEFAULT_MODELS = "resnet18,efficientnet_b0,convnext_nano,mobilenetv3_large_100"


def sidecar_from_timm(model, name, resize, labels_file, source):
    """camkit's sidecar (schema 1) from timm's data config; the notes say what it cannot hold."""
    cfg = timm.data.resolve_model_data_config(model)
    _, h, w = cfg["input_size"]
    if h != w:
        sys.exit(f"{name}: input_size {h}x{w}: camkit's input_size is one number "
                 f"(write the sidecar by hand, resize 'stretch', and check the result)")
    interp = cfg["interpolation"]
    if interp not in ("bilinear", "bicubic"):
        sys.exit(f"{name}: interpolation '{interp}' (camkit resizes bilinear or bicubic)")
    notes = []
    if resize == "crop":
        if abs(cfg["crop_pct"] - 0.875) > 1e-6:
            notes.append(f"timm's crop_pct is {cfg['crop_pct']}; camkit's crop resizes to "
                         f"{round(h / 0.875)} (crop_pct 0.875) before the {h}x{h} centre crop")
        if cfg.get("crop_mode", "center") != "center":
            notes.append(f"timm's crop_mode is {cfg['crop_mode']}; camkit crops at the centre")
    sidecar = {
        "schema_version": 1,
        "name": name,
        "source": source,
        "input_size": h,
        "resize": resize,
        "interpolation": interp,
        "mean": [round(m * 255, 4) for m in cfg["mean"]],
        "std": [round(s * 255, 4) for s in cfg["std"]],
        "channel_order": "RGB",
        "stride": int(model.feature_info[-1]["reduction"]),
        "labels": labels_file,
    }
    return sidecar, notes


class PooledConvAsLinear(torch.nn.Module):
    """A 1x1 convolution applied after the global pool (timm's MobileNetV3 conv_head: [N, C, 1, 1]
    in, [N, K, 1, 1] out) as the same affine map written as a Linear (--conv-head-as-linear). camkit
    now reads the Conv itself (its head program has a 1x1-Conv rule); the option stays for
    runtimes that want a plain Gemm head. The numbers are the same."""

    def __init__(self, conv):
        super().__init__()
        assert conv.kernel_size == (1, 1) and conv.groups == 1
        self.fc = torch.nn.Linear(conv.in_channels, conv.out_channels, bias=conv.bias is not None)
        with torch.no_grad():
            self.fc.weight.copy_(conv.weight.flatten(1))
            if conv.bias is not None:
                self.fc.bias.copy_(conv.bias)

    def forward(self, x):
        return self.fc(x.flatten(1))[:, :, None, None]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--models", default=DEFAULT_MODELS, help=f"comma-separated (default {DEFAULT_MODELS})")
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--num-classes", type=int, default=1000)
    ap.add_argument("--labels", help="class names, one per line (default: ImageNet-1k's, for 1000 classes)")
    ap.add_argument("--checkpoint", help="timm.create_model(checkpoint_path=...); one model only")
    ap.add_argument("--resize", choices=["full", "crop", "stretch"], default="full")
    ap.add_argument("--conv-head-as-linear", action="store_true",
                    help="MobileNetV3: write the conv_head after the pool as a Linear (camkit finds the head)")
    ap.add_argument("--suffix", default="", help="appended to each file name (NAME+SUFFIX.onnx)")
    args = ap.parse_args()
    models = [m for m in args.models.split(",") if m]
    if args.checkpoint and len(models) != 1:
        sys.exit("--checkpoint needs exactly one model")
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(min(2, os.cpu_count() or 1))

    for name in models:
        t0 = time.monotonic()
        torch.manual_seed(args.seed)
        kwargs = {"checkpoint_path": args.checkpoint} if args.checkpoint else {}
        model = timm.create_model(name, pretrained=False, num_classes=args.num_classes, **kwargs)
        if args.checkpoint:
            origin = f"weights {os.path.basename(args.checkpoint)}"
        else:
            cfg = timm.data.resolve_model_data_config(model)
            recalibrate_batchnorm(model, cfg["mean"], cfg["std"], args.seed)
            origin = (f"random weights (pretrained=False, torch.manual_seed({args.seed}), "
                      f"BatchNorm statistics from noise)")
        model.eval()
        if args.conv_head_as_linear:
            from timm.models.mobilenetv3 import MobileNetV3
            if not isinstance(model, MobileNetV3):
                sys.exit(f"{name}: --conv-head-as-linear is for MobileNetV3 (conv_head after the pool)")
            model.conv_head = PooledConvAsLinear(model.conv_head)
            origin += ", conv_head as Linear"

        base = name + args.suffix
        onnx_path = os.path.join(args.out, base + ".onnx")
        export(model, onnx_path, args.opset)
        worst = check(model, onnx_path)

        labels_file = base + ".labels.txt"
        labels = labels_for(args, lambda: [d.split(",")[0].strip() for d in timm.data.ImageNetInfo().label_descriptions()])

        source = (f"timm {timm.__version__} {name} (pretrained_cfg tag {model.pretrained_cfg.get('tag')}), "
                  f"{origin}; torch.onnx.export opset {args.opset} (torch {torch.__version__}) by "
                  f"Scripts/models/export_timm.py")
        sidecar, notes = sidecar_from_timm(model, name, args.resize, labels_file, source)
        write_beside(onnx_path, labels_file, labels, sidecar, notes, worst, t0)


if __name__ == "__main__":
    main()
