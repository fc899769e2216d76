#!/usr/bin/env python3
"""Export Keras classifiers to ONNX with tf2onnx and a camkit sidecar (recipe, docs/models.md).

    python Scripts/models/export_keras.py --out DIR [--models ResNet50,MobileNetV2]
           [--saved my_model.keras --labels FILE] [--nhwc]

For each model NAME: DIR/NAME.onnx (opset 17, input "input" [N,3,224,224]: batch dynamic,
height and width fixed, as Keras builds its applications with a classifier on top),
DIR/NAME.onnx.json and DIR/NAME.labels.txt.

Keras works in NHWC ([N,224,224,3]); camkit reads N×3×H×W and refuses anything else
("unsupported model input: input 'input' has shape ["?", "224", "224", "3"], expected N×3×H×W").
tf2onnx's inputs_as_nchw=["input"] gives the ONNX model an NCHW input (one Transpose in front,
which tf2onnx's optimiser pushes into the convolutions). --nhwc leaves it out, to see the refusal.

The sidecar holds keras.applications' own preprocessing:
    ResNet50     preprocess_input mode "caffe": RGB -> BGR, minus the ImageNet mean per channel,
                 no scaling: channel_order "BGR", mean [123.68, 116.779, 103.939] (camkit lists
                 mean/std in RGB order whatever the channel order), std [1, 1, 1]
    MobileNetV2  mode "tf": x / 127.5 - 1: mean 127.5, std 127.5, RGB
and resize "stretch" at 224, bilinear (Keras' image loading resizes the whole photo to
target_size; its default interpolation is "nearest", which camkit does not offer).

Without --saved the weights are random (weights=None, keras.utils.set_random_seed(--seed)), and
the BatchNorm statistics are set from one batch of noise (Keras' fresh statistics make random
MobileNetV2's features vanish). With your own model: --saved my_model.keras
(keras.models.load_model) --preprocess caffe|tf|torch and --labels. Each export is checked
against Keras with onnxruntime (optimisations off) on two noise photos preprocessed as the
sidecar says: max|diff| / max|ref| <= 1e-4.

Run with tensorflow-cpu 2.21.0 (Keras 3.15.1), tf2onnx 1.17.0, onnx 1.23.2, onnxruntime 1.32.0:
the .venv-keras that Scripts/models/run-recipes makes.
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf
import keras
import tf2onnx

# keras.applications' preprocess_input modes as camkit sidecar fields (mean/std in RGB order).
PREPROCESS = {
    "caffe": {"channel_order": "BGR", "mean": [123.68, 116.779, 103.939], "std": [1.0, 1.0, 1.0]},
    "tf": {"channel_order": "RGB", "mean": [127.5, 127.5, 127.5], "std": [127.5, 127.5, 127.5]},
    "torch": {"channel_order": "RGB", "mean": [123.675, 116.28, 103.53], "std": [58.395, 57.12, 57.375]},
}
# The mode each keras.applications model's preprocess_input uses.
APPLICATIONS = {"ResNet50": "caffe", "MobileNetV2": "tf"}
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def noise_input(model, mode, seed, n):
    """N photos of uniform noise (0-255) preprocessed as the sidecar tells camkit to: NHWC."""
    p = PREPROCESS[mode]
    rgb = np.random.default_rng(seed).uniform(0, 255, size=(n,) + tuple(model.input_shape[1:]))
    x = (rgb - np.array(p["mean"])) / np.array(p["std"])
    if p["channel_order"] == "BGR":
        x = x[..., ::-1]
    return np.ascontiguousarray(x, dtype=np.float32)


def recalibrate_batchnorm(model, seed, mode):
    """Random weights only: set every BatchNormalization's moving mean and variance to the
    statistics of one batch of noise. With Keras' default initialisers and the fresh statistics
    (0, 1) MobileNetV2's final features are ~1e-11 and its softmax exactly uniform; after this
    they are of order 1, so the parity check and the maps have something to show."""
    bns = [l for l in model.layers if isinstance(l, keras.layers.BatchNormalization)]
    for layer in bns:
        layer.momentum = 0.0  # moving = batch statistics of the next training-mode pass
    model(noise_input(model, mode, seed, 8), training=True)
    for layer in bns:
        layer.momentum = 0.99


def check(model, path, nchw, mode):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    x = noise_input(model, mode, 1234, 2)
    ref = model(x, training=False).numpy()
    got = sess.run(None, {"input": x.transpose(0, 3, 1, 2).copy() if nchw else x})[0]
    rel = float(np.max(np.abs(got - ref)) / np.max(np.abs(ref)))
    if rel > 1e-4:
        sys.exit(f"{path}: ONNX/Keras mismatch: rel {rel:.3g}")
    return rel


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--models", default=",".join(APPLICATIONS), help="keras.applications names")
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--saved", help="your own model (keras.models.load_model); with --preprocess")
    ap.add_argument("--preprocess", choices=sorted(PREPROCESS), help="preprocess_input mode of --saved")
    ap.add_argument("--labels", help="class names, one per line (default: Samples/models/imagenet_labels.txt)")
    ap.add_argument("--nhwc", action="store_true", help="keep Keras' NHWC input (camkit refuses it)")
    ap.add_argument("--suffix", default="", help="appended to each file name")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    jobs = [(os.path.splitext(os.path.basename(args.saved))[0], args.preprocess)] if args.saved else \
        [(m, APPLICATIONS[m]) for m in args.models.split(",") if m]
    if args.saved and not args.preprocess:
        sys.exit("--saved needs --preprocess (caffe, tf or torch)")
    for name, mode in jobs:
        t0 = time.monotonic()
        keras.utils.set_random_seed(args.seed)
        if args.saved:
            model = keras.models.load_model(args.saved)
            origin = f"weights {os.path.basename(args.saved)}"
        else:
            model = getattr(keras.applications, name)(weights=None)
            recalibrate_batchnorm(model, args.seed, mode)
            origin = (f"random weights (weights=None, keras.utils.set_random_seed({args.seed}), "
                      f"BatchNorm statistics from one batch of noise)")
        _, h, w, c = model.input_shape
        if c != 3 or h is None or h != w:
            sys.exit(f"{name}: input {model.input_shape}: this recipe needs a square fixed 3-channel input")

        base = name + args.suffix
        onnx_path = os.path.join(args.out, base + ".onnx")
        spec = (tf.TensorSpec((None, h, w, 3), tf.float32, name="input"),)
        tf2onnx.convert.from_keras(model, input_signature=spec, opset=args.opset,
                                   inputs_as_nchw=None if args.nhwc else ["input"],
                                   output_path=onnx_path)
        rel = check(model, onnx_path, not args.nhwc, mode)

        classes = model.output_shape[-1]
        labels_src = args.labels or os.path.join(REPO, "Samples", "models", "imagenet_labels.txt")
        with open(labels_src) as f:
            labels = [line.strip() for line in f if line.strip()]
        if len(labels) != classes:
            sys.exit(f"{len(labels)} labels for {classes} classes")
        labels_file = base + ".labels.txt"
        with open(os.path.join(args.out, labels_file), "w") as f:
            f.write("\n".join(labels) + "\n")

        sidecar = {
            "schema_version": 1,
            "name": name,
            "source": (f"Keras {keras.__version__} (TensorFlow {tf.__version__}) {name}, {origin}; "
                       f"tf2onnx {tf2onnx.__version__} from_keras opset {args.opset}"
                       f"{'' if args.nhwc else ', inputs_as_nchw'} by Scripts/models/export_keras.py"),
            "input_size": h,
            "resize": "stretch",
            "interpolation": "bilinear",
            **PREPROCESS[mode],
            "stride": 32,
            "labels": labels_file,
        }
        with open(onnx_path + ".json", "w") as f:
            json.dump(sidecar, f, indent=2)
            f.write("\n")
        print(f"{onnx_path}: {os.path.getsize(onnx_path) / 2**20:.1f} MiB, onnxruntime parity "
              f"{rel:.2g}, {time.monotonic() - t0:.1f} s")


if __name__ == "__main__":
    main()
