#!/usr/bin/env python3
"""Ablation-CAM references for NON-linear heads, from onnxruntime (no camkit, no torch).

Run from the repository root:

    .venv-fix/bin/python Scripts/make_ablation_fixtures.py

(needs onnx, onnxruntime and numpy: `python3 -m venv .venv-fix && .venv-fix/bin/pip install
onnx onnxruntime numpy`; generated with onnx 1.23.2, onnxruntime 1.32.0, numpy 2.4.6).

Ablation-CAM (Desai & Ramaswamy, WACV 2020) with the paper's ablation value 0 (the one camkit
uses; pytorch-grad-cam ablates with min - 1e7*i when the layer goes negative, as MobileNetV3's
HardSwish features do, which is why its own reference is skipped for that model):
    alpha_k = (y_c - y_c^k) / |y_c|,   raw map = sum_k alpha_k * F_k
where y_c^k is the class-c logit with feature channel k set to 0. The head after the feature
tensor F is cut out of the model with onnx.utils.extract_model and run by onnxruntime (one
thread, graph optimisations off) on F and on each ablated F; F is the committed PyTorch
feature fixture. c is the top-1 class of the head on F.

Files (little-endian float32 .npy, written beside each features fixture):
  <stem>.ablation_zero.weights.npy   [K] alpha
  <stem>.ablation_zero.raw.npy       [h,w] raw map
  <stem>.ablation_zero.json          {"class": c, "feature": F's tensor name}
"""
import json
import os
import tempfile

import numpy as np
import onnx
import onnx.utils
import onnxruntime as ort

CASES = [
    # (model, features fixture, tensor feeding the head's global average pool)
    ("Tests/Fixtures/onnx/mobilenet_v3_small.onnx", "Tests/Fixtures/methods/mobilenet_v3_small.input",
     "/features/features.12/features.12.2/Mul_output_0"),
    ("Tests/Fixtures/layernorm_head/resnet18_layernorm_head.onnx", "Tests/Fixtures/layernorm_head/resnet18_layernorm_head.input",
     "/layer4/layer4.1/relu_1/Relu_output_0"),
]


def head_session(model_path, feature):
    with tempfile.TemporaryDirectory() as tmp:
        cut = os.path.join(tmp, "head.onnx")
        onnx.utils.extract_model(model_path, cut, [feature], ["logits"])
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        return ort.InferenceSession(cut, options, providers=["CPUExecutionProvider"])


def main():
    for model_path, stem, feature in CASES:
        f = np.load(stem + ".features.npy").astype(np.float32)  # [K, h, w]
        session = head_session(model_path, feature)
        name = session.get_inputs()[0].name

        def logits(x):
            return session.run(["logits"], {name: x[None]})[0][0].astype(np.float64)

        base = logits(f)
        c = int(np.argmax(base))
        y = base[c]
        scale = abs(y) if y != 0 else 1.0
        alpha = np.zeros(f.shape[0], dtype=np.float64)
        for k in range(f.shape[0]):
            ablated = f.copy()
            ablated[k] = 0
            alpha[k] = (y - logits(ablated)[c]) / scale
        raw = np.tensordot(alpha, f.astype(np.float64), axes=1)
        np.save(stem + ".ablation_zero.weights.npy", alpha.astype("<f4"))
        np.save(stem + ".ablation_zero.raw.npy", raw.astype("<f4"))
        with open(stem + ".ablation_zero.json", "w") as out:
            json.dump({"class": c, "feature": feature, "logit": float(y),
                       "onnxruntime": ort.__version__, "onnx": onnx.__version__, "numpy": np.__version__}, out, indent=1)
            out.write("\n")
        print(stem, "class", c, "logit", y, "max |alpha|", float(np.abs(alpha).max()))


if __name__ == "__main__":
    main()
