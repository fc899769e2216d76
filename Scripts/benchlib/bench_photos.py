#!/usr/bin/env python3
"""Build the folder of real photos that Scripts/bench's "pipeline" section runs on.

    bench_photos.py DIR

Writes 21 files into DIR (made if missing), all from real photographs bundled with
scikit-image (no download): the originals that are between 0.15 and 2 MP, smaller ones
scaled up to at least 0.15 MP, and a few Pillow LANCZOS upscales to 1.2-2 MP, as PNG or
JPEG (Pillow, quality 90). Grey photos stay single-channel, so the decoders see both.
The result is deterministic for a given scikit-image / Pillow. DIR/.photos.json lists the
files and the recipe; when it matches the recipe the folder is left as it is (cached).
Prints one line: the number of files, the total and the range of megapixels.

Left out on purpose: scikit-image's drawings and synthetic images (horse, a silhouette;
logo, colorwheel, checkerboard, ...), which are not photographs.

Needs numpy, Pillow and scikit-image (<0.23; the bench's .venv-bench installs it).
"""
import json
import math
import os
import sys

import numpy as np
from PIL import Image

# (output name, scikit-image loader, target megapixels or None to keep the size)
RECIPE = [
    ("astronaut.png", "astronaut", None),
    ("camera.png", "camera", None),
    ("chelsea.jpg", "chelsea", 0.20),
    ("coffee.png", "coffee", None),
    ("rocket.jpg", "rocket", None),
    ("hubble_deep_field.jpg", "hubble_deep_field", None),
    ("retina.jpg", "retina", None),
    ("motorcycle_left.png", "motorcycle_left", None),
    ("motorcycle_right.jpg", "motorcycle_right", None),
    ("coins.jpg", "coins", 0.30),
    ("moon.png", "moon", None),
    ("page.jpg", "page", 0.30),
    ("immunohistochemistry.png", "immunohistochemistry", None),
    ("brick.png", "brick", None),
    ("grass.jpg", "grass", None),
    ("gravel.jpg", "gravel", None),
    ("text.png", "text", 0.30),
    ("astronaut_2mp.jpg", "astronaut", 2.00),
    ("coffee_1.5mp.jpg", "coffee", 1.50),
    ("motorcycle_left_1.8mp.jpg", "motorcycle_left", 1.80),
    ("chelsea_1.2mp.png", "chelsea", 1.20),
]
JPEG_QUALITY = 90
MIN_MP, MAX_MP = 0.15, 2.0


def load(name):
    import skimage
    from skimage import data
    if name.startswith("motorcycle_"):
        left, right, _ = data.stereo_motorcycle()
        return left if name == "motorcycle_left" else right
    return getattr(data, name)()


def to_pil(a):
    a = np.asarray(a)
    if a.dtype != np.uint8:
        if a.dtype == bool:
            a = a.astype(np.uint8) * 255
        elif np.issubdtype(a.dtype, np.floating):
            a = np.clip(np.rint(a * 255.0), 0, 255).astype(np.uint8)
        else:
            raise TypeError(f"unexpected dtype {a.dtype}")
    if a.ndim == 3 and a.shape[2] == 4:
        a = a[:, :, :3]
    return Image.fromarray(np.ascontiguousarray(a))


def scaled(img, mp):
    w, h = img.size
    f = math.sqrt(mp * 1e6 / (w * h))
    size = (int(round(w * f)), int(round(h * f)))
    return img.resize(size, Image.LANCZOS)


def recipe_stamp():
    import PIL
    import skimage
    return {"recipe": RECIPE, "jpeg_quality": JPEG_QUALITY,
            "scikit-image": skimage.__version__, "Pillow": PIL.__version__}


def main(argv):
    if len(argv) != 1:
        sys.exit(__doc__)
    out = argv[0]
    stamp_path = os.path.join(out, ".photos.json")  # hidden: photo tools skip it
    stamp = recipe_stamp()
    try:
        with open(stamp_path) as f:
            old = json.load(f)
        if (old.get("stamp") == json.loads(json.dumps(stamp))
                and all(os.path.isfile(os.path.join(out, r["file"])) for r in old["files"])):
            report(old["files"])
            return 0
    except (OSError, ValueError, KeyError):
        pass
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):  # only the files this script makes
        if os.path.splitext(f)[1].lower() in (".png", ".jpg", ".jpeg") or f == ".photos.json":
            os.remove(os.path.join(out, f))
    files = []
    cache = {}
    for fname, src, mp in RECIPE:
        if src not in cache:
            cache[src] = to_pil(load(src))
        img = cache[src]
        if mp is not None:
            img = scaled(img, mp)
        path = os.path.join(out, fname)
        if fname.endswith(".jpg"):
            img.save(path, "JPEG", quality=JPEG_QUALITY)
        else:
            img.save(path, "PNG")
        w, h = img.size
        m = w * h / 1e6
        if not (MIN_MP <= m <= MAX_MP + 1e-9):
            sys.exit(f"bench_photos: {fname} is {m:.3f} MP, outside {MIN_MP}-{MAX_MP}")
        files.append({"file": fname, "source": src, "width": w, "height": h,
                      "mode": img.mode, "bytes": os.path.getsize(path)})
    with open(stamp_path, "w") as f:
        json.dump({"stamp": stamp, "files": files}, f, indent=1)
        f.write("\n")
    report(files)
    return 0


def report(files):
    mps = [r["width"] * r["height"] / 1e6 for r in files]
    grey = sum(r["mode"] == "L" for r in files)
    print(f"photos: {len(files)} files, {sum(mps):.2f} MP in all, {min(mps):.2f}-{max(mps):.2f} MP "
          f"each, {grey} grey")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
