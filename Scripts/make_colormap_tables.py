#!/usr/bin/env python3
"""Generate camkit's colormap lookup tables and their reference test fixture.

Outputs (paths relative to the repository root):

  Sources/CAMKit/ColormapTables.swift
      `enum ColormapTables` with five `static let <name>: [UInt8]` tables
      (jet, turbo, viridis, inferno, magma). Each table holds 768 values:
      256 RGB triples, R,G,B interleaved, index i = gray level i (0...255).
      Formatted 24 numbers (8 triples) per line.

  Tests/Fixtures/colormaps/reference.json
      The same maps computed through a separate code path, in the style of a
      test fixture, plus the library versions:
        {
          "generator": "Scripts/make_colormap_tables.py",
          "versions": {"opencv": "...", "matplotlib": "...", "numpy": "..."},
          "sources":  {"jet": "...", "turbo": "...", ...},
          "maps":     {"jet": [[r, g, b], ... 256 entries], "turbo": [...], ...}
        }
      The Swift tests compare the shipped tables to this fixture (to within
      1 level) and separately check jet's analytic anchors.

Sources:
  jet                      cv2.applyColorMap(gray, cv2.COLORMAP_JET) on 0..255,
                           converted BGR -> RGB.
  turbo, viridis, inferno, magma
                           matplotlib colormap, cmap(i / 255) for i in 0..255,
                           each channel round(x * 255). (If the installed
                           matplotlib has no "turbo" (< 3.4), turbo falls back
                           to cv2.COLORMAP_TURBO and the header says so.)

Table path vs fixture path (deliberately different code, same libraries):
  table   : jet from a 1x256 image; matplotlib maps evaluated vectorised on
            np.arange(256) / 255 and rounded with np.rint.
  fixture : jet from a 16x16 image holding 0..255; matplotlib maps evaluated
            one float at a time, rounded with Python's round().

How to run (from the repository root; needs opencv-python-headless and
matplotlib):

    /usr/bin/python3 -m venv /work/venv-colormaps
    /work/venv-colormaps/bin/pip install "numpy<2" opencv-python-headless matplotlib
    /work/venv-colormaps/bin/python Scripts/make_colormap_tables.py

Options:
    --root DIR   write under DIR instead of the repository root (default: the
                 parent of this script's directory, so the current directory
                 does not matter).
    --check      write nothing; exit 1 if either output is missing or differs
                 from what would be generated.

Output is deterministic: no timestamps, fixed map order, fixed formatting.
Re-running with the same library versions produces byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import matplotlib
import numpy as np
from matplotlib import colormaps as mpl_colormaps

MAP_NAMES = ("jet", "turbo", "viridis", "inferno", "magma")
MPL_MAPS = ("turbo", "viridis", "inferno", "magma")
SWIFT_REL = Path("Sources/CAMKit/ColormapTables.swift")
FIXTURE_REL = Path("Tests/Fixtures/colormaps/reference.json")
NUMBERS_PER_LINE = 24


def mpl_has(name: str) -> bool:
    return name in mpl_colormaps


def turbo_from_mpl() -> bool:
    return mpl_has("turbo")


# ---------------------------------------------------------------- table path

def cv2_table(colormap: int) -> np.ndarray:
    """256x3 uint8 RGB from OpenCV, via a 1x256 gray ramp."""
    gray = np.arange(256, dtype=np.uint8).reshape(1, 256)
    bgr = cv2.applyColorMap(gray, colormap)  # shape (1, 256, 3), BGR
    return bgr[0, :, ::-1].astype(np.uint8)


def mpl_table(name: str) -> np.ndarray:
    """256x3 uint8 RGB from matplotlib: cmap(i/255), rounded (vectorised)."""
    cmap = mpl_colormaps[name]
    rgba = cmap(np.arange(256, dtype=np.float64) / 255.0)  # (256, 4) floats
    rgb = np.rint(rgba[:, :3] * 255.0)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def build_tables() -> dict[str, np.ndarray]:
    tables = {"jet": cv2_table(cv2.COLORMAP_JET)}
    for name in MPL_MAPS:
        if name == "turbo" and not turbo_from_mpl():
            tables[name] = cv2_table(cv2.COLORMAP_TURBO)
        else:
            tables[name] = mpl_table(name)
    for name, t in tables.items():
        assert t.shape == (256, 3) and t.dtype == np.uint8, name
    return {name: tables[name] for name in MAP_NAMES}


# -------------------------------------------------------------- fixture path

def cv2_reference(colormap: int) -> list[list[int]]:
    """Independent path: 16x16 image of 0..255, then read back per pixel."""
    gray = np.arange(256, dtype=np.uint8).reshape(16, 16)
    bgr = cv2.applyColorMap(gray, colormap)  # (16, 16, 3)
    out = []
    for v in range(256):
        b, g, r = (int(c) for c in bgr[v // 16, v % 16])
        out.append([r, g, b])
    return out


def mpl_reference(name: str) -> list[list[int]]:
    """Independent path: one scalar call per level, Python round()."""
    cmap = mpl_colormaps[name]
    out = []
    for i in range(256):
        r, g, b, _a = cmap(i / 255)
        out.append([int(round(float(r) * 255)),
                    int(round(float(g) * 255)),
                    int(round(float(b) * 255))])
    return out


def build_reference() -> dict[str, list[list[int]]]:
    ref = {"jet": cv2_reference(cv2.COLORMAP_JET)}
    for name in MPL_MAPS:
        if name == "turbo" and not turbo_from_mpl():
            ref[name] = cv2_reference(cv2.COLORMAP_TURBO)
        else:
            ref[name] = mpl_reference(name)
    return {name: ref[name] for name in MAP_NAMES}


# ----------------------------------------------------------------- rendering

def sources() -> dict[str, str]:
    s = {"jet": "cv2.applyColorMap COLORMAP_JET on 0..255, converted BGR->RGB"}
    for name in MPL_MAPS:
        if name == "turbo" and not turbo_from_mpl():
            s[name] = ("cv2.applyColorMap COLORMAP_TURBO on 0..255, converted "
                       "BGR->RGB (matplotlib has no turbo)")
        else:
            s[name] = f"matplotlib colormaps['{name}'](i/255), round(x*255)"
    return s


def versions() -> dict[str, str]:
    return {
        "opencv": cv2.__version__,
        "matplotlib": matplotlib.__version__,
        "numpy": np.__version__,
    }


def render_swift(tables: dict[str, np.ndarray]) -> str:
    v = versions()
    mpl_names = [n for n in MPL_MAPS if n != "turbo" or turbo_from_mpl()]
    header = [
        f"// Generated by Scripts/make_colormap_tables.py from OpenCV {v['opencv']}",
        "// (jet: cv2.applyColorMap COLORMAP_JET on 0..255, converted BGR→RGB)",
        f"// and matplotlib {v['matplotlib']} ({', '.join(mpl_names)}: cmap(i/255) rounded).",
    ]
    if not turbo_from_mpl():
        header.append("// turbo: cv2.applyColorMap COLORMAP_TURBO on 0..255, converted "
                      "BGR→RGB (this matplotlib has no turbo).")
    header += [
        "// Do not edit.",
        "//",
        "// Each table: 768 values = 256 RGB triples (R, G, B interleaved);",
        "// entry i (0...255) starts at index 3 * i.",
        "",
        "enum ColormapTables {",
    ]
    lines = header
    for idx, name in enumerate(MAP_NAMES):
        flat = tables[name].reshape(-1).tolist()
        assert len(flat) == 768
        if idx:
            lines.append("")
        lines.append(f"    /// {sources()[name]}.")
        lines.append(f"    static let {name}: [UInt8] = [")
        for start in range(0, len(flat), NUMBERS_PER_LINE):
            chunk = flat[start:start + NUMBERS_PER_LINE]
            lines.append("        " + ", ".join(str(x) for x in chunk) + ",")
        lines.append("    ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_fixture(ref: dict[str, list[list[int]]]) -> str:
    # Hand-formatted JSON: one [r, g, b] per line keeps diffs readable.
    out = ["{"]
    out.append('  "generator": "Scripts/make_colormap_tables.py",')
    out.append('  "versions": ' + json.dumps(versions(), sort_keys=True) + ",")
    out.append('  "sources": ' + json.dumps(sources(), ensure_ascii=False) + ",")
    out.append('  "maps": {')
    for mi, name in enumerate(MAP_NAMES):
        out.append(f'    "{name}": [')
        rows = ref[name]
        for ri, (r, g, b) in enumerate(rows):
            comma = "," if ri < len(rows) - 1 else ""
            out.append(f"      [{r}, {g}, {b}]{comma}")
        out.append("    ]" + ("," if mi < len(MAP_NAMES) - 1 else ""))
    out.append("  }")
    out.append("}")
    text = "\n".join(out) + "\n"
    json.loads(text)  # sanity: must be valid JSON
    return text


def cross_check(tables, ref) -> int:
    """Table vs fixture: must agree within 1 level. Returns max difference."""
    worst = 0
    for name in MAP_NAMES:
        d = np.abs(tables[name].astype(int) - np.array(ref[name], dtype=int))
        m = int(d.max())
        if m > 1:
            raise SystemExit(f"{name}: table and reference differ by {m} levels")
        worst = max(worst, m)
    return worst


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path,
                    default=Path(__file__).resolve().parent.parent)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)

    tables = build_tables()
    ref = build_reference()
    worst = cross_check(tables, ref)
    outputs = {SWIFT_REL: render_swift(tables), FIXTURE_REL: render_fixture(ref)}

    if args.check:
        stale = [str(rel) for rel, text in outputs.items()
                 if not (args.root / rel).is_file()
                 or (args.root / rel).read_text(encoding="utf-8") != text]
        if stale:
            print("out of date: " + ", ".join(stale), file=sys.stderr)
            return 1
        print("colormap tables up to date")
        return 0

    for rel, text in outputs.items():
        path = args.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {path} ({len(text.encode('utf-8'))} bytes)")
    print(f"versions: {versions()}; table vs reference max diff: {worst}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
