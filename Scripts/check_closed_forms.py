#!/usr/bin/env python3
"""Check the closed forms of FORMULAS.md against the pytorch-grad-cam fixtures.

    .venv-bench/bin/python Scripts/check_closed_forms.py [--fixtures Tests/Fixtures/methods] [--root .]

For GAP -> linear heads (resnet18, efficientnet_lite0) every gradient method is computed
from features.npy + fc.weight[class] only (no autograd). mobilenet_v3_small (non-linear
head) uses features.npy + pooled_grad.npy. ScoreCAM / AblationCAM (non-linear head) /
aug-smooth need forward passes; they are re-implemented from the description in
FORMULAS.md (plain torch, no pytorch_grad_cam) and compared too.
Prints max|closed - fixture| for the raw cam (relative to max|raw|) and the final map.
"""
import sys

sys.dont_write_bytecode = True
import argparse
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_method_fixtures as mmf  # noqa: E402


def norm(img):
    """scale_cam_image for one map, float32 like numpy does it."""
    img = img - np.min(img)
    return np.float32(img / (np.float32(1e-7) + np.max(img)))


def post(raw):
    """compute_cam_per_layer + aggregate_multi_layers for one layer, target size == size."""
    c = norm(np.maximum(raw.astype(np.float32), 0))
    return norm(np.maximum(c, 0))


def proj(a):
    """first principal component projection, sign from numpy's SVD (as in get_2d_projection)."""
    k = a.shape[0]
    r = a.reshape(k, -1).T
    r = r - r.mean(axis=0)
    _, _, vt = np.linalg.svd(r, full_matrices=True)
    return (r @ vt[0]).reshape(a.shape[1:]), vt[0]


def proj_eigh(a):
    """same direction from eigh of the Gram matrix, float64, sign chosen so that sum(v) > 0."""
    k = a.shape[0]
    r = a.reshape(k, -1).T.astype(np.float64)
    r = r - r.mean(axis=0)
    w, v = np.linalg.eigh(r.T @ r)
    v = v[:, -1] if v[:, -1].sum() >= 0 else -v[:, -1]  # canonical sign: sum(v) > 0
    return (r @ v).reshape(a.shape[1:])


def gradient_cams(A, g):
    """g = d logit / d A_k[ij] (constant per channel) -> raw cams of each gradient method."""
    n = A.shape[1] * A.shape[2]
    g = g.astype(np.float32)
    S = A.reshape(A.shape[0], -1).sum(axis=1)
    out = {}
    out["gradcam"] = (g, np.einsum("k,khw->hw", g, A))
    g2, g3 = g * g, g * g * g
    aij = g2 / (2 * g2 + S * g3 + np.float32(1e-6))
    aij = np.where(g != 0, aij, 0)
    wpp = n * np.maximum(g, 0) * aij
    out["gradcampp"] = (wpp, np.einsum("k,khw->hw", wpp, A))
    wx = g * S / (S + np.float32(1e-7))
    out["xgradcam"] = (wx, np.einsum("k,khw->hw", wx, A))
    out["hirescam"] = (None, np.einsum("k,khw->hw", g, A))
    return out


def cmp(rows, key, meth, fx, raw_cf, map_cf=None, w_cf=None, note=""):
    e = {}
    base = os.path.join(fx, f"{key}.{meth}")
    if raw_cf is not None and os.path.exists(base + ".raw.npy"):
        r = np.load(base + ".raw.npy")
        e["raw_rel"] = float(np.abs(r - raw_cf).max() / np.abs(r).max())
    if w_cf is not None and os.path.exists(base + ".weights.npy"):
        w = np.load(base + ".weights.npy")
        e["w_rel"] = float(np.abs(w - w_cf).max() / np.abs(w).max())
    m = np.load(base + ".npy")
    if map_cf is None:
        map_cf = post(raw_cf)
    e["map_abs"] = float(np.abs(m - map_cf).max())
    rows.append((key, meth, e, note))


def augment_features(model, tl, x):
    """features of the 6 ttach augmentations (hflip in {F,T} x factor in {0.9,1,1.1})."""
    res = []
    for flip in (False, True):
        for f in (0.9, 1, 1.1):
            xa = x.flip(3) if flip else x
            xa = xa * f if f != 1 else xa
            store = {}
            h = tl.register_forward_hook(lambda m, i, o: store.__setitem__("a", o.detach()))
            with torch.no_grad():
                model(xa)
            h.remove()
            res.append((flip, store["a"][0].numpy()))
    return res


def scorecam_weights(model, tl, x, c, batch=16):
    store = {}
    h = tl.register_forward_hook(lambda m, i, o: store.__setitem__("a", o.detach()))
    with torch.no_grad():
        model(x)
        h.remove()
        up = F.interpolate(store["a"], size=x.shape[-2:], mode="bilinear", align_corners=True)
        mx = up.amax(dim=(2, 3), keepdim=True)
        mn = up.amin(dim=(2, 3), keepdim=True)
        up = (up - mn) / (mx - mn + 1e-8)
        masked = x[:, None] * up[:, :, None]  # [1,K,3,H,W]
        scores = torch.cat([model(masked[0, i:i + batch])[:, c]
                            for i in range(0, masked.shape[1], batch)])
    return torch.softmax(scores, dim=-1).numpy(), scores.numpy()


def head_fn(model, mname):
    """the part of the network after the target layer (what AblationCAM's forwards compute)."""
    if mname == "mobilenet_v3_small":
        return lambda a: model.classifier(torch.flatten(model.avgpool(a), 1))
    if mname == "resnet18":
        return lambda a: model.fc(torch.flatten(model.avgpool(a), 1))
    return lambda a: model.fc(model.dropout(model.avgpool(a).view(a.size(0), -1)))


def ablation_weights(model, mname, tl, x, c, batch=32):
    """AblationCAM re-implemented: ablated target-layer output (cumulative min rule) -> head."""
    store = {}
    h = tl.register_forward_hook(lambda m, i, o: store.__setitem__("a", o.detach().clone()))
    with torch.no_grad():
        orig = np.float32(model(x)[0, c].item())
    h.remove()
    A = store["a"]
    head = head_fn(model, mname)
    K = A.shape[1]
    new = []
    for s in range(0, K, batch):
        idx = list(range(s, min(K, s + batch)))
        out = A.repeat(len(idx), 1, 1, 1)
        for i, k in enumerate(idx):
            if torch.min(out) == 0:
                out[i, k] = 0
            else:
                out[i, k] = torch.min(out) - 1e7
        with torch.no_grad():
            new.extend(head(out)[:, c].tolist())
    new = np.float32(new)
    return (orig - new) / orig


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", default="Tests/Fixtures/methods")
    ap.add_argument("--root", default=".")
    args = ap.parse_args()
    torch.set_num_threads(1)
    fx = args.fixtures
    exp = json.load(open(os.path.join(fx, "expected.json")))
    mof = mmf.import_onnx_fixture_script(args.root)
    models = {}
    for name, tl in (("resnet18", "layer4"), ("mobilenet_v3_small", "features")):
        m, _ = mmf.rebuild_onnx_fixture_model(mof, name)
        models[name] = (m, getattr(m, tl))
    if any(k.startswith("efficientnet_lite0") for k in exp["cases"]):
        _, lite = mmf.load_lite0()
        models["efficientnet_lite0"] = (lite, lite.features)
    rows, signs = [], []
    for key, case in exp["cases"].items():
        mname = case["model"]
        model, tl = models[mname]
        c = case["class"]
        A = np.load(os.path.join(fx, f"{key}.features.npy"))
        K, h, w = A.shape
        n = h * w
        pg = np.load(os.path.join(fx, f"{key}.pooled_grad.npy"))
        linear = "(linear)" in case["head"]
        if linear:
            Wc = model.fc.weight[c].detach().numpy()
            b = float(model.fc.bias[c])
            logit = float(np.load(os.path.join(fx, f"{key}.logits.npy"))[c])
            # GAP-linear identity: logit = b + sum_k W_k mean(A_k)
            lin = b + float(np.dot(Wc.astype(np.float64), A.reshape(K, -1).mean(1)))
            rows.append((key, "logit=b+W.mean(A)", {"abs": abs(lin - logit)}, ""))
            gsrc = Wc
            src = "W[c]/(h*w)"
        else:
            gsrc = pg
            src = "pooled_grad/(h*w)"
        g = np.float32(gsrc) / np.float32(n)
        for meth, (wcf, rawcf) in gradient_cams(A, g).items():
            cmp(rows, key, meth, fx, rawcf, w_cf=(None if wcf is None else wcf), note=src)
        # eigen
        p, v = proj(A)
        cmp(rows, key, "eigencam", fx, p, note="SVD(centered A), numpy float32 (same call)")
        sg = case["methods"]["eigencam"]["svd_sign"]
        cmp(rows, key, "eigencam", fx, sg * proj_eigh(A),
            note=f"float64 eigh, sum(v)>0, times svd_sign={sg:+d} from expected.json")
        pe = proj_eigh(A)
        r = np.load(os.path.join(fx, f"{key}.eigencam.raw.npy"))
        s = 1 if np.abs(r - pe).max() < np.abs(r + pe).max() else -1
        signs.append((key, "eigencam", s, float(v.sum()), float(np.corrcoef(r.ravel(), A.sum(0).ravel())[0, 1]),
                      float(r.max()), float(r.min())))
        wa = g[:, None, None] * A
        p2, v2 = proj(wa)
        cmp(rows, key, "gradcam_eigensmooth", fx, p2, note="SVD(centered w_k A_k), numpy float32")
        sg = case["methods"]["gradcam_eigensmooth"]["svd_sign"]
        cmp(rows, key, "gradcam_eigensmooth", fx, sg * proj_eigh(wa),
            note=f"float64 eigh, sum(v)>0, times svd_sign={sg:+d}")
        r2 = np.load(os.path.join(fx, f"{key}.gradcam_eigensmooth.raw.npy"))
        pe2 = proj_eigh(wa)
        s2 = 1 if np.abs(r2 - pe2).max() < np.abs(r2 + pe2).max() else -1
        signs.append((key, "gradcam_eigensmooth", s2, float(v2.sum()),
                      float(np.corrcoef(r2.ravel(), np.einsum("k,khw->hw", g, A).ravel())[0, 1]),
                      float(r2.max()), float(r2.min())))
        # ablation
        if linear and A.min() == 0:
            S_mean = A.reshape(K, -1).mean(1)
            wab = (Wc * S_mean) / np.float32(logit)
            cmp(rows, key, "ablationcam", fx, np.einsum("k,khw->hw", wab, A), w_cf=wab,
                note="w_k=W[c,k]*mean(A_k)/logit_c (min(A)==0 -> ablate to 0)")
        wab2 = ablation_weights(model, mname, tl, torch.from_numpy(np.load(os.path.join(
            args.root, case["input"]))[:1]), c)
        cmp(rows, key, "ablationcam", fx, np.einsum("k,khw->hw", wab2, A), w_cf=wab2,
            note="re-implemented ablation (cumulative min-1e7 rule)")
        # augmentation smoothing (gradcam / eigencam), linear heads: no autograd
        x = torch.from_numpy(np.load(os.path.join(args.root, case["input"]))[:1])
        augs = augment_features(model, tl, x)
        if linear:
            gm, em = [], []
            for flip, Aa in augs:
                ga = np.float32(Wc) / np.float32(Aa.shape[1] * Aa.shape[2])
                mg = post(np.einsum("k,khw->hw", ga, Aa))
                me = post(proj(Aa)[0])
                gm.append(mg[:, ::-1] if flip else mg)
                em.append(me[:, ::-1] if flip else me)
            cmp(rows, key, "gradcam_augsmooth", fx, None, map_cf=np.mean(np.float32(gm), 0),
                note="mean of 6 (hflip x {0.9,1,1.1}) normalised maps, flipped back")
            cmp(rows, key, "eigencam_augsmooth", fx, None, map_cf=np.mean(np.float32(em), 0),
                note="same, EigenCAM")
        # scorecam
        if "scorecam" in case["methods"] and mname != "efficientnet_lite0":
            ws, _ = scorecam_weights(model, tl, x, c)
            cmp(rows, key, "scorecam", fx, np.einsum("k,khw->hw", ws, A), w_cf=ws,
                note="re-implemented (align_corners=True upsample, minmax+1e-8, softmax)")
    print(f"{'case':28s} {'method':22s} {'raw rel':>9s} {'w rel':>9s} {'map abs':>9s}  note")
    for key, meth, e, note in rows:
        f = lambda k: (f"{e[k]:9.2e}" if k in e else " " * 9)
        if "abs" in e:
            print(f"{key:28s} {meth:22s} |logit - (b + W.mean A)| = {e['abs']:.2e}")
            continue
        print(f"{key:28s} {meth:22s} {f('raw_rel')} {f('w_rel')} {f('map_abs')}  {note}")
    print("\nSVD sign diagnostics: case, method, sign vs canonical (float64 eigh, sum(v)>0), "
          "numpy sum(VT[0]), "
          "corr(raw, sum_k A_k or gradcam raw), raw max, raw min")
    for s in signs:
        print("  ", s)
    # features vs the existing cam fixtures
    for stem in ("chelsea", "camera"):
        p = os.path.join(args.root, "Tests", "Fixtures", "cam", f"{stem}.full.features.npy")
        q = os.path.join(fx, f"efficientnet_lite0.{stem}.features.npy")
        if os.path.exists(p) and os.path.exists(q):
            print(f"efficientnet_lite0.{stem}.features vs Tests/Fixtures/cam: max abs "
                  f"{np.abs(np.load(p) - np.load(q)).max():.3g}")


if __name__ == "__main__":
    main()
