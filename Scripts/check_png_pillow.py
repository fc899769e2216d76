#!/usr/bin/env python3
"""Checks that the overlays `cam explain` writes with igzip (--png-level fast, the default)
decode with Pillow to exactly the pixels of the same overlays written by libpng/zlib
(--png-level best). Needs Pillow and NumPy (pip) and a release build of cam.

    Scripts/check_png_pillow.py [PHOTOS_FOLDER]     default: Samples/images
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
photos = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "Samples/images")
cam = os.path.join(ROOT, ".build/release/cam")
with tempfile.TemporaryDirectory() as tmp:
    for level in ("fast", "best"):
        subprocess.run([cam, "explain", photos, "--out", os.path.join(tmp, level), "--png-level", level,
                        "--top-k", "2", "--quiet"], check=True, cwd=ROOT)
    names = sorted(n for n in os.listdir(os.path.join(tmp, "fast")) if n.endswith(".cam.png"))
    bad = 0
    for name in names:
        fast = Image.open(os.path.join(tmp, "fast", name))
        fast.load()
        best = np.asarray(Image.open(os.path.join(tmp, "best", name)).convert("RGB"))
        same = fast.mode == "RGB" and np.array_equal(np.asarray(fast), best)
        bad += not same
        print("%-50s %dx%d %s" % (name, fast.width, fast.height, "identical" if same else "DIFFERENT"))
    print("%d overlays, %d differ" % (len(names), bad))
    sys.exit(1 if bad or not names else 0)
