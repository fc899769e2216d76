#!/usr/bin/env python3
"""Generate the image-decoding / resize test fixtures for camkit.

WHAT IT MAKES (everything under Tests/Fixtures/images/):
  png/       Real PngSuite images (all colour types and bit depths, Adam7
             interlaced basi*, tRNS variants) plus a few Go test PNGs.
             For every X.png an X.rgb.npy = np.asarray(Image.open(X).convert("RGB"))
             (uint8, H x W x 3, C order) -- i.e. exactly what Pillow returns.
  corrupt/   Broken PNGs: Go's invalid-*.png plus files synthesised here from
             basn2c08.png (bad signature, truncations, bad CRCs, zero width,
             100000x100000 IHDR with tiny body, empty file, text file, ...).
             manifest records whether Pillow (open + load) raises; for the
             few that Pillow still decodes, "expect" names an .rgb.npy.
  jpeg/      Small JPEGs encoded by Pillow (libjpeg-turbo) from skimage's
             "chelsea" photo: 4:4:4/4:2:2/4:2:0, grayscale, progressive,
             optimised Huffman, restart markers (added losslessly with
             `jpegtran -restart`, since Pillow 9.4 cannot write DRI), CMYK
             (Adobe-inverted, as Pillow writes it), EXIF orientation 1..8,
             a truncated file and one with garbage after EOI; plus Go's
             image/testdata video-00x JPEGs.  For every decodable X.jpg an
             X.rgb.npy = np.asarray(ImageOps.exif_transpose(Image.open(X)).convert("RGB")).
  resize/    Photo crops (src_97x73.npy, src_320x240.npy) and Pillow
             Image.resize((w, h), BILINEAR|BICUBIC) outputs, named
             <src>_<filter>_<w>x<h>.npy.
  manifest.json, LICENSES.md

FROM WHAT (downloaded once into a cache directory, default
~/.cache/camkit-image-fixtures, override with $CAMKIT_FIXTURE_CACHE):
  * Debian package golang-1.19-src (=1.19.8-2), fetched with
    `apt-get download`; we use src/image/png/testdata/{pngsuite/*.png,
    invalid-*.png, gray-gradient*.png} and src/image/testdata/video-00*.jpeg.
  * pypng sdist (pypng==0.20220715.0) via `pip download --no-binary :all:`;
    code/pngsuite.py embeds PngSuite images as hex (used for basi* etc.).
  * skimage.data chelsea.png (ships inside scikit-image; CC0).

HOW TO RUN (from the repository root, on Debian 12):
    apt-get install libjpeg-turbo-progs      # for jpegtran (restart markers)
    /work/venv-fixtures/bin/python Scripts/make_image_fixtures.py
  The venv must have Debian's Pillow 9.4.0 (python3-pil), numpy 1.24 and
  scikit-image.  Output is deterministic for a given Pillow/libjpeg-turbo
  (the JPEG bytes depend on the libjpeg-turbo encoder, 2.1.5 on Debian 12).
  The script deletes and recreates Tests/Fixtures/images/.
"""

import hashlib
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zlib
from pathlib import Path

import numpy as np
import PIL
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "Tests" / "Fixtures" / "images"
CACHE = Path(os.environ.get("CAMKIT_FIXTURE_CACHE",
                            Path.home() / ".cache" / "camkit-image-fixtures"))

GO_DEB = "golang-1.19-src=1.19.8-2"
GO_PREFIX = "./usr/share/go-1.19/src/"
PYPNG_SDIST = "pypng==0.20220715.0"

EXPECTED_PILLOW = "9.4.0"


# --------------------------------------------------------------------------
# sources
# --------------------------------------------------------------------------

def go_testdata() -> Path:
    """Return dir containing image/png/testdata and image/testdata from Go."""
    dest = CACHE / "go"
    marker = dest / ".done"
    if marker.exists():
        return dest
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["apt-get", "download", GO_DEB], cwd=tmp, check=True)
        deb = next(Path(tmp).glob("golang-1.19-src_*.deb"))
        tar = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)],
                             check=True, stdout=subprocess.PIPE).stdout
        with tarfile.open(fileobj=io.BytesIO(tar)) as tf:
            for m in tf.getmembers():
                if not m.isfile():
                    continue
                for sub in ("image/png/testdata/", "image/testdata/"):
                    if m.name.startswith(GO_PREFIX + sub):
                        rel = m.name[len(GO_PREFIX):]
                        p = dest / rel
                        p.parent.mkdir(parents=True, exist_ok=True)
                        p.write_bytes(tf.extractfile(m).read())
    marker.write_text("ok\n")
    return dest


def pypng_suite() -> dict:
    """Return {name: png bytes} from pypng's code/pngsuite.py."""
    dest = CACHE / "pypng"
    if not (dest / ".done").exists():
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-binary", ":all:",
                        "--no-deps", PYPNG_SDIST, "-d", str(dest)],
                       check=True)
        sdist = next(dest.glob("pypng-*.tar.gz"))
        with tarfile.open(sdist) as tf:
            m = next(x for x in tf.getmembers() if x.name.endswith("code/pngsuite.py"))
            (dest / "pngsuite.py").write_bytes(tf.extractfile(m).read())
        (dest / ".done").write_text("ok\n")
    import importlib.util
    spec = importlib.util.spec_from_file_location("pypng_pngsuite", dest / "pngsuite.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # pngsuite.py updates sys.modules[__name__]
    spec.loader.exec_module(mod)
    return dict(mod.png)


def chelsea() -> np.ndarray:
    import skimage.data
    p = Path(skimage.data.__file__).parent / "chelsea.png"
    a = np.asarray(Image.open(p).convert("RGB"))
    assert a.shape == (300, 451, 3), a.shape
    return a


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def save_npy(path: Path, arr: np.ndarray) -> None:
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    with open(path, "wb") as f:
        np.lib.format.write_array(f, arr, version=(1, 0), allow_pickle=False)


def rel(p: Path) -> str:
    return p.relative_to(OUT).as_posix()


def chunks(data: bytes):
    """Yield (offset, type, payload) of PNG chunks (no CRC check)."""
    p = 8
    while p + 8 <= len(data):
        n, t = struct.unpack(">I4s", data[p:p + 8])
        yield p, t, data[p + 8:p + 8 + n]
        p += 12 + n


def chunk(t: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + t + payload
            + struct.pack(">I", zlib.crc32(t + payload) & 0xFFFFFFFF))


def png_header_info(data: bytes) -> dict:
    w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
    return {"width": w, "height": h, "bit_depth": depth, "color_type": ctype,
            "interlace": interlace}


def pillow_check(data: bytes):
    """Return ("ok"|"error", detail) for Image.open + load()."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            return "ok", f"mode={im.mode} size={im.size[0]}x{im.size[1]}"
    except Exception as e:  # noqa: BLE001 - we record whatever Pillow raises
        msg = re.sub(r"<_io\.BytesIO object at 0x[0-9a-fA-F]+>", "<file>", str(e))
        return "error", f"{type(e).__name__}: {msg}"


# --------------------------------------------------------------------------
# PNG
# --------------------------------------------------------------------------

def make_png(go: Path, suite: dict) -> list:
    d = OUT / "png"
    d.mkdir(parents=True)
    files = []  # (name, bytes, source)
    for f in sorted((go / "image/png/testdata/pngsuite").glob("*.png")):
        files.append((f.name, f.read_bytes(), "go-pngsuite"))
    for n in ("gray-gradient.png", "gray-gradient.interlaced.png"):
        files.append((n, (go / "image/png/testdata" / n).read_bytes(), "go-testdata"))
    have = {n for n, _, _ in files}
    for k in sorted(suite):
        if k + ".png" in have:
            continue  # prefer Go's copy (libpng 1.6.26 contrib/pngsuite)
        src = "pypng-pngsuite" if k[0].islower() else "pypng-extra"
        files.append((k + ".png", suite[k], src))

    entries = []
    for name, data, src in files:
        p = d / name
        p.write_bytes(data)
        with Image.open(p) as im:
            mode = im.mode
            rgb = np.asarray(im.convert("RGB"))
            trns = "transparency" in im.info
        assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3
        e = p.with_name(p.stem + ".rgb.npy")
        save_npy(e, rgb)
        entry = {"file": rel(p), "expect": rel(e), "source": src, "pillow_mode": mode,
                 "trns": trns}
        entry.update(png_header_info(data))
        entries.append(entry)
    return entries


# --------------------------------------------------------------------------
# corrupt PNG
# --------------------------------------------------------------------------

_CORRUPT_SEEN = {}


def corrupt_expect(p: Path, status: str) -> dict:
    """For broken files Pillow nevertheless decodes, also record what it returns.

    Identical outputs share one .npy (invalid-noend / invalid-trunc are the same image)."""
    if status != "ok":
        return {"expect": None}
    with Image.open(p) as im:
        rgb = np.ascontiguousarray(np.asarray(im.convert("RGB")))
    key = hashlib.sha256(rgb.tobytes() + str(rgb.shape).encode()).hexdigest()
    if key not in _CORRUPT_SEEN:
        e = p.with_name(p.stem + ".rgb.npy")
        save_npy(e, rgb)
        _CORRUPT_SEEN[key] = rel(e)
    return {"expect": _CORRUPT_SEEN[key]}


def make_corrupt(go: Path) -> list:
    d = OUT / "corrupt"
    d.mkdir(parents=True)
    base = (go / "image/png/testdata/pngsuite/basn2c08.png").read_bytes()
    cs = list(chunks(base))
    ihdr_off = next(o for o, t, _ in cs if t == b"IHDR")
    idat_off, _, idat = next(c for c in cs if c[1] == b"IDAT")
    ihdr = base[ihdr_off + 8:ihdr_off + 21]

    def with_ihdr(w, h, depth=None, ctype=None):
        x = bytearray(ihdr)
        x[0:8] = struct.pack(">II", w, h)
        if depth is not None:
            x[8] = depth
        if ctype is not None:
            x[9] = ctype
        return bytes(x)

    synth = {}
    b = bytearray(base); b[1] ^= 0xFF
    synth["bad_signature.png"] = (bytes(b), "PNG signature byte 1 flipped")
    synth["trunc_in_header.png"] = (base[:20], "cut inside IHDR (20 bytes)")
    synth["trunc_signature_only.png"] = (base[:8], "only the 8-byte signature")
    cut = idat_off + 8 + len(idat) // 2
    synth["trunc_mid_idat.png"] = (base[:cut], f"cut in the middle of IDAT data at byte {cut}")
    b = bytearray(base); b[ihdr_off + 21] ^= 0xFF
    synth["bad_ihdr_crc.png"] = (bytes(b), "IHDR CRC corrupted")
    b = bytearray(base); b[idat_off + 8 + len(idat)] ^= 0xFF
    synth["bad_idat_crc.png"] = (bytes(b), "IDAT CRC corrupted (payload intact)")
    b = bytearray(base); b[idat_off + 8 + len(idat) // 2] ^= 0x55
    payload = bytes(b[idat_off + 8: idat_off + 8 + len(idat)])
    b[idat_off + 8 + len(idat):idat_off + 12 + len(idat)] = struct.pack(
        ">I", zlib.crc32(b"IDAT" + payload) & 0xFFFFFFFF)
    synth["bad_idat_data.png"] = (bytes(b), "IDAT zlib data corrupted, CRC fixed up")
    sig = base[:8]
    iend = chunk(b"IEND", b"")
    idat_chunk = base[idat_off:idat_off + 12 + len(idat)]
    synth["zero_width.png"] = (sig + chunk(b"IHDR", with_ihdr(0, 32)) + idat_chunk + iend,
                               "IHDR width 0 (valid CRC)")
    synth["zero_height.png"] = (sig + chunk(b"IHDR", with_ihdr(32, 0)) + idat_chunk + iend,
                                "IHDR height 0 (valid CRC)")
    tiny = zlib.compress(b"\x00" + b"\x00" * 3 * 16, 9)  # one short filtered row
    synth["huge_100000x100000.png"] = (
        sig + chunk(b"IHDR", with_ihdr(100000, 100000)) + chunk(b"IDAT", tiny) + iend,
        "IHDR claims 100000x100000 RGB8 (valid CRC), tiny IDAT: pixel-limit test")
    synth["bad_color_type.png"] = (sig + chunk(b"IHDR", with_ihdr(32, 32, ctype=1))
                                   + idat_chunk + iend, "IHDR colour type 1 (invalid)")
    synth["bad_bit_depth.png"] = (sig + chunk(b"IHDR", with_ihdr(32, 32, depth=7))
                                  + idat_chunk + iend, "IHDR bit depth 7 with RGB (invalid)")
    synth["no_idat.png"] = (sig + chunk(b"IHDR", ihdr) + iend, "IHDR then IEND, no IDAT")
    # 8-bit palette with only 2 PLTE entries but pixel indices 0..255 (spec-invalid).
    # Pillow maps an out-of-range index i to (i, i, i); libpng 1.6 maps it to (0, 0, 0).
    row = b"\x00" + bytes([0, 1, 2, 3, 100, 200, 254, 255])
    synth["palette_index_out_of_range.png"] = (
        sig + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 2, 8, 3, 0, 0, 0))
        + chunk(b"PLTE", bytes([10, 20, 30, 40, 50, 60]))
        + chunk(b"IDAT", zlib.compress(row * 2, 9)) + iend,
        "2-entry PLTE, pixel indices up to 255")
    synth["empty.png"] = (b"", "zero-byte file")
    synth["text.png"] = (b"This is not a PNG file, just text with a .png name.\n",
                         "plain text file named .png")

    entries = []
    for f in sorted((go / "image/png/testdata").glob("invalid-*.png")):
        data = f.read_bytes()
        (d / f.name).write_bytes(data)
        st, det = pillow_check(data)
        entries.append({"file": rel(d / f.name), "source": "go-testdata", **corrupt_expect(d / f.name, st),
                        "what": {"invalid-crc32.png": "every chunk CRC wrong",
                                 "invalid-noend.png": "no IEND chunk",
                                 "invalid-palette.png": "pixel index 255 >= 255-entry PLTE",
                                 "invalid-trunc.png": "IEND chunk truncated (CRC missing)",
                                 "invalid-zlib.png": "bad zlib adler32 in IDAT"}[f.name],
                        "pillow": st, "pillow_detail": det})
    for name in sorted(synth):
        data, what = synth[name]
        (d / name).write_bytes(data)
        st, det = pillow_check(data)
        entries.append({"file": rel(d / name), "source": "synthesised (mostly from basn2c08.png)",
                        **corrupt_expect(d / name, st),
                        "what": what, "pillow": st, "pillow_detail": det})
    return entries


# --------------------------------------------------------------------------
# JPEG
# --------------------------------------------------------------------------

def jpeg_expect(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(ImageOps.exif_transpose(im).convert("RGB"))


def make_jpeg(go: Path, photo: np.ndarray) -> list:
    d = OUT / "jpeg"
    d.mkdir(parents=True)
    full = Image.fromarray(photo)
    # 94x62: deliberately not a multiple of 8/16 (partial MCUs on both edges)
    small = full.resize((94, 62), Image.BICUBIC)
    # 64x48 for the orientation set (non-square so rotations change W/H)
    orient_src = full.crop((120, 20, 120 + 256, 20 + 192)).resize((64, 48), Image.BICUBIC)

    def enc(im, **kw):
        buf = io.BytesIO()
        im.save(buf, "JPEG", **kw)
        return buf.getvalue()

    cases = {}  # name -> (bytes, description, source)
    S = "pillow-encoded from skimage chelsea"
    cases["baseline_444.jpg"] = (enc(small, quality=90, subsampling=0), "baseline YCbCr 4:4:4 q90", S)
    cases["baseline_422.jpg"] = (enc(small, quality=90, subsampling=1), "baseline YCbCr 4:2:2 q90", S)
    cases["baseline_420.jpg"] = (enc(small, quality=90, subsampling=2), "baseline YCbCr 4:2:0 q90", S)
    cases["baseline_420_q50.jpg"] = (enc(small, quality=50, subsampling=2), "baseline 4:2:0 q50", S)
    cases["optimized_420.jpg"] = (enc(small, quality=85, optimize=True), "optimised Huffman 4:2:0", S)
    cases["gray.jpg"] = (enc(small.convert("L"), quality=90), "grayscale (1 component)", S)
    cases["progressive_420.jpg"] = (enc(small, quality=90, subsampling=2, progressive=True),
                                    "progressive 4:2:0", S)
    cases["progressive_444.jpg"] = (enc(small, quality=90, subsampling=0, progressive=True),
                                    "progressive 4:4:4", S)
    cases["progressive_gray.jpg"] = (enc(small.convert("L"), quality=90, progressive=True),
                                     "progressive grayscale", S)
    # CMYK: Pillow's RGB->CMYK gives K=0; the second file has real K from the photo.
    cases["cmyk.jpg"] = (enc(small.convert("CMYK"), quality=90),
                         "CMYK from Pillow convert('CMYK') (K=0), Adobe APP14, stored inverted", S)
    a = np.asarray(small).astype(np.int32)
    k = 255 - a.max(axis=2)
    denom = np.maximum(255 - k, 1)
    cmy = np.where((255 - k)[..., None] > 0, (255 - a - k[..., None]) * 255 // denom[..., None], 0)
    cmyk = np.concatenate([cmy, k[..., None]], axis=2).astype(np.uint8)
    cases["cmyk_k.jpg"] = (enc(Image.fromarray(cmyk, "CMYK"), quality=90),
                           "CMYK with non-zero K, Adobe APP14, stored inverted", S)
    base420 = cases["baseline_420.jpg"][0]

    # restart markers via lossless jpegtran (Pillow 9.4 has no restart option)
    jt = shutil.which("jpegtran")
    if jt is None:
        sys.exit("jpegtran not found: apt-get install libjpeg-turbo-progs")
    for arg, name, desc in (("1", "restart_rows1_420.jpg", "DRI every MCU row (jpegtran -restart 1)"),
                            ("2B", "restart_blocks2_420.jpg", "DRI every 2 MCUs (jpegtran -restart 2B)"),
                            ("1B", "restart_blocks1_444.jpg", "DRI every MCU, 4:4:4 (jpegtran -restart 1B)")):
        src = base420 if "420" in name else cases["baseline_444.jpg"][0]
        out = subprocess.run([jt, "-copy", "all", "-restart", arg], input=src,
                             stdout=subprocess.PIPE, check=True).stdout
        assert b"\xff\xdd" in out and b"\xff\xd0" in out
        cases[name] = (out, desc, S + " + jpegtran")

    # EXIF orientation 1..8
    for o in range(1, 9):
        ex = Image.Exif()
        ex[0x0112] = o
        cases[f"orient_{o}.jpg"] = (enc(orient_src, quality=90, exif=ex.tobytes()),
                                    f"64x48 4:2:0 with EXIF Orientation={o}", S)

    # Pillow 9.4's Image.Exif writes big-endian ("MM") TIFF; add a little-endian ("II") one
    ifd = struct.pack("<H", 1) + struct.pack("<HHIHH", 0x0112, 3, 1, 6, 0) + struct.pack("<I", 0)
    ii = b"Exif\x00\x00" + b"II\x2a\x00" + struct.pack("<I", 8) + ifd
    cases["orient_6_littleendian.jpg"] = (enc(orient_src, quality=90, exif=ii),
                                          "64x48 with little-endian (II) EXIF Orientation=6", S)

    cases["garbage_after_eoi.jpg"] = (base420 + b"\x00GARBAGE\xff\xd9junk" * 4,
                                      "baseline_420 + garbage bytes after EOI (valid)", S)

    # Go testdata
    gsrc = "go-testdata image/testdata"
    for f in sorted((go / "image/testdata").glob("video-00*.jpeg")):
        cases["go_" + f.name] = (f.read_bytes(), f"Go {f.name}", gsrc)

    entries = []
    for name in sorted(cases):
        data, desc, src = cases[name]
        p = d / name
        p.write_bytes(data)
        st, det = pillow_check(data)
        entry = {"file": rel(p), "what": desc, "source": src, "pillow": st, "pillow_detail": det}
        with Image.open(io.BytesIO(data)) as im:
            entry["pillow_mode"] = im.mode
            entry["width"], entry["height"] = im.size
            entry["progressive"] = bool(im.info.get("progressive", 0))
            entry["adobe"] = "adobe" in im.info
            entry["orientation"] = im.getexif().get(0x0112, None)
        if st == "ok":
            e = p.with_name(p.stem + ".rgb.npy")
            save_npy(e, jpeg_expect(data))
            entry["expect"] = rel(e)
        else:
            entry["expect"] = None
        entries.append(entry)

    # truncated in scan data: must be an error (Pillow raises without LOAD_TRUNCATED_IMAGES)
    sos = base420.index(b"\xff\xda")
    cut = sos + (len(base420) - sos) // 2
    tdata = base420[:cut]
    p = d / "trunc_mid_scan.jpg"
    p.write_bytes(tdata)
    st, det = pillow_check(tdata)
    entries.append({"file": rel(p), "what": f"baseline_420 cut mid-scan at byte {cut} (no EOI)",
                    "source": S, "pillow": st, "pillow_detail": det, "pillow_mode": "RGB",
                    "width": 94, "height": 62, "progressive": False, "adobe": False,
                    "orientation": None, "expect": None})
    entries.sort(key=lambda e: e["file"])
    return entries


# --------------------------------------------------------------------------
# resize
# --------------------------------------------------------------------------

def make_resize(photo: np.ndarray) -> list:
    d = OUT / "resize"
    d.mkdir(parents=True)
    srcs = {
        "src_97x73": photo[90:163, 180:277],   # plain crop of the cat's face, no resampling
        "src_320x240": photo[30:270, 80:400],  # plain crop
    }
    for n, a in srcs.items():
        assert a.shape[1::-1] == tuple(int(x) for x in n.split("_")[1].split("x")), (n, a.shape)
        save_npy(d / f"{n}.npy", a)
    plan = [("src_97x73", s) for s in ((40, 31), (24, 17), (131, 101), (150, 40), (97, 73),
                                       (13, 73), (97, 20), (1, 1))]
    plan_big = [("src_320x240", (224, 168))]
    entries = []
    for n, (w, h) in plan + plan_big:
        filters = (("bilinear", Image.BILINEAR), ("bicubic", Image.BICUBIC))
        if n == "src_320x240":
            filters = filters[1:] + filters[:1]
        for fname, flt in filters:
            out = np.asarray(Image.fromarray(srcs[n]).resize((w, h), flt))
            assert out.shape == (h, w, 3)
            e = d / f"{n}_{fname}_{w}x{h}.npy"
            save_npy(e, out)
            entries.append({"src": rel(d / f"{n}.npy"), "filter": fname, "width": w,
                            "height": h, "expect": rel(e)})
    return entries


# --------------------------------------------------------------------------

LICENSES = """\
# Licences of the image fixtures

All files here are generated or copied by `Scripts/make_image_fixtures.py`.

| Files | Origin | Licence |
|---|---|---|
| `png/*.png` with PngSuite names (`bas*`, `cs*`, `f02*`, `ftb*`, `ftp*`, `s09*`, `tb*`) | PngSuite, (c) Willem van Schaik 1999 (http://www.schaik.com/pngsuite/). Copies from the Go 1.19 source tree `src/image/png/testdata/pngsuite/` (taken by Go from libpng 1.6.26 `contrib/pngsuite`), and, for images Go lacks (e.g. `basi*`, `cs3n3p08`, `f02n0g08`, `s09n3p02`, `tb*`), from pypng 0.20220715.0 `code/pngsuite.py` | PngSuite: "Permission to use, copy, and distribute these images for any purpose and without fee is hereby granted." |
| `png/basn0g01-30.png`, `png/basn0g02-29.png`, `png/basn0g04-31.png`, `png/basn3p04-31i.png`, `png/basn3p08-trns.png`, `png/basn4a08.png`, `png/ftbbn*`, `png/ftbgn*`, `png/ftbrn*`, `png/ftbwn*`, `png/ftbyn*`, `png/ftp*` | Go 1.19 `src/image/png/testdata/pngsuite/` (Go variants derived from PngSuite images) | BSD-3-Clause, Copyright (c) 2009 The Go Authors, plus the PngSuite permission above |
| `png/gray-gradient*.png`, `corrupt/invalid-*.png`, `jpeg/go_video-00*.jpeg` | Go 1.19 `src/image/png/testdata/`, `src/image/testdata/` (Debian package golang-1.19-src 1.19.8-2) | BSD-3-Clause, Copyright (c) 2009 The Go Authors (https://go.dev/LICENSE; /usr/share/doc/golang-1.19-src/copyright) |
| `png/Basn0g03.png`, `png/Tp2n3p08.png` (capitalised: not real PngSuite; made by the pypng authors) | pypng 0.20220715.0 `code/pngsuite.py` | MIT, Copyright (c) 2006 Johann C. Rocholl, David Jones and contributors |
| `jpeg/*.jpg` (files not prefixed `go_`) and `resize/*.npy` | Derived from scikit-image 0.22 `skimage/data/chelsea.png` ("Chelsea the cat", photo by Stefan van der Walt), cropped/resized/encoded with Pillow 9.4 (libjpeg-turbo 2.1.5; restart markers added with jpegtran) | CC0 ("No copyright restrictions. CC0 by the photographer", `skimage.data.chelsea` docstring) |
| `corrupt/*.png` other than `invalid-*` | Synthesised by the script, mostly from PngSuite `basn2c08.png` | PngSuite permission above |
| `*.rgb.npy`, `manifest.json`, `LICENSES.md` | Generated by the script (Pillow 9.4 output) | same as the image they describe |
"""


def main() -> None:
    if PIL.__version__ != EXPECTED_PILLOW:
        print(f"warning: Pillow {PIL.__version__} != {EXPECTED_PILLOW}; expectations may differ",
              file=sys.stderr)
    go = go_testdata()
    suite = pypng_suite()
    photo = chelsea()
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    manifest = {
        "generator": "Scripts/make_image_fixtures.py",
        "pillow": PIL.__version__,
        "numpy": np.__version__,
        "png": make_png(go, suite),
        "corrupt": make_corrupt(go),
        "jpeg": make_jpeg(go, photo),
        "resize": make_resize(photo),
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=False) + "\n")
    (OUT / "LICENSES.md").write_text(LICENSES)
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    n = sum(1 for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {n} files, {total} bytes under {OUT}")


if __name__ == "__main__":
    main()
