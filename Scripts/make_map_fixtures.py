#!/usr/bin/env python3
"""Make the PyTorch reference fixtures for camkit's CAM-map resampling (bilinear, half-pixel).

Run from the repository root:

    /work/venv-fixtures/bin/python Scripts/make_map_fixtures.py            # writes ./Tests/Fixtures/maps
    /work/venv-fixtures/bin/python Scripts/make_map_fixtures.py --root DIR # same, under DIR

Requirements: torch (tested 1.13.0), numpy (tested 1.24). CPU only; fully deterministic
(fixed numpy seed per source map, torch CPU interpolate has no nondeterministic kernels).

Reference operation (what the Swift resampler must reproduce):

    y = torch.nn.functional.interpolate(x[None, None], size=(H, W),
                                        mode="bilinear", align_corners=False)[0, 0]

i.e. for output pixel (i, j) of an h x w -> H x W resize:
    sy = max((i + 0.5) * h / H - 0.5, 0),   sx = max((j + 0.5) * w / W - 0.5, 0)
    y0 = floor(sy), y1 = min(y0 + 1, h - 1), ly = sy - y0   (same for x)
    out = (1-ly)*((1-lx)*x[y0,x0] + lx*x[y0,x1]) + ly*((1-lx)*x[y1,x0] + lx*x[y1,x1])
Downscaling uses the same formula (no antialias / area averaging): it is plain bilinear
sampling at the output pixels' half-pixel centres. The script checks torch's output against
this NumPy transcription (float64) and aborts if they differ by more than 1e-5.

Sources: seeded random float32 maps (standard normal * 3 + 1, so they look like raw CAM
logit maps with both signs) of size (h, w) in (7,7), (7,11), (3,5), (2,2).
Targets (H, W): (224,224) for every source; (224,352) only for 7x11 (same aspect ratio;
kept to one source so the folder stays < 1.5 MB); (13,9) for every source (non-integer
ratio; for 7x11 it is an upscale in height and a downscale in width); (5,3) (a pure
downscale) only for 7x7 and 7x11.

Outputs in Tests/Fixtures/maps/ (float32 .npy, little-endian, C order, 2-D [h, w]):
  <h>x<w>.npy                 source map
  <h>x<w>_to_<H>x<W>.npy      torch result
  manifest.json               {"torch": ..., "numpy": ..., "op": ..., "cases": [
                                {"src": "<h>x<w>.npy", "dst": "<h>x<w>_to_<H>x<W>.npy",
                                 "width": W, "height": H,
                                 "expect": {"min", "max", "mean", "sum", "first", "last"}}]}
  ("expect" holds summary statistics of the dst array, float64-rounded, as a cheap sanity
  check that the .npy was read correctly; compare the arrays themselves with a tolerance.)
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

SOURCES = [(7, 7), (7, 11), (3, 5), (2, 2)]
SEEDS = {(7, 7): 707, (7, 11): 711, (3, 5): 305, (2, 2): 202}


def targets_for(h, w):
    out = [(224, 224)]
    if (h, w) == (7, 11):
        out.append((224, 352))
    out.append((13, 9))
    if (h, w) in ((7, 7), (7, 11)):
        out.append((5, 3))
    return out


def numpy_bilinear(x, H, W):
    """Half-pixel (align_corners=False) bilinear resize, float64; mirrors PyTorch."""
    h, w = x.shape
    x = x.astype(np.float64)

    def axis(n_out, n_in):
        s = (np.arange(n_out, dtype=np.float64) + 0.5) * (n_in / n_out) - 0.5
        s = np.maximum(s, 0.0)
        i0 = np.floor(s).astype(np.int64)
        i0 = np.minimum(i0, n_in - 1)
        i1 = np.minimum(i0 + 1, n_in - 1)
        return i0, i1, s - i0

    y0, y1, ly = axis(H, h)
    x0, x1, lx = axis(W, w)
    ly = ly[:, None]
    lx = lx[None, :]
    top = (1 - lx) * x[y0][:, x0] + lx * x[y0][:, x1]
    bot = (1 - lx) * x[y1][:, x0] + lx * x[y1][:, x1]
    return (1 - ly) * top + ly * bot


def save(path, arr):
    arr = np.ascontiguousarray(arr, dtype="<f4")
    np.save(path, arr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=".", help="repository root (default: .)")
    args = ap.parse_args()
    out_dir = os.path.join(args.root, "Tests", "Fixtures", "maps")
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)

    cases = []
    for (h, w) in SOURCES:
        rng = np.random.default_rng(SEEDS[(h, w)])
        src = (rng.standard_normal((h, w)) * 3.0 + 1.0).astype(np.float32)
        src_name = f"{h}x{w}.npy"
        save(os.path.join(out_dir, src_name), src)
        for (H, W) in targets_for(h, w):
            with torch.no_grad():
                y = F.interpolate(torch.from_numpy(src)[None, None], size=(H, W),
                                  mode="bilinear", align_corners=False)[0, 0].numpy()
            assert y.shape == (H, W) and y.dtype == np.float32
            ref = numpy_bilinear(src, H, W)
            err = float(np.max(np.abs(ref - y)))
            if err > 1e-5:
                sys.exit(f"{src_name} -> {H}x{W}: torch vs numpy reference differ by {err}")
            dst_name = f"{h}x{w}_to_{H}x{W}.npy"
            save(os.path.join(out_dir, dst_name), y)
            y64 = y.astype(np.float64)
            cases.append({
                "src": src_name, "dst": dst_name, "width": W, "height": H,
                "expect": {
                    "min": round(float(y64.min()), 6), "max": round(float(y64.max()), 6),
                    "mean": round(float(y64.mean()), 6), "sum": round(float(y64.sum()), 4),
                    "first": round(float(y64[0, 0]), 6), "last": round(float(y64[-1, -1]), 6),
                },
            })

    manifest = {
        "torch": torch.__version__,
        "numpy": np.__version__,
        "op": 'torch.nn.functional.interpolate(x[None,None], size=(height,width), '
              'mode="bilinear", align_corners=False)',
        "cases": cases,
    }
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(out_dir, n)) for n in os.listdir(out_dir))
    print(f"wrote {len(cases)} cases to {out_dir} ({total} bytes)")


if __name__ == "__main__":
    main()
