"""Write Pascal VOC XML files from boxes.csv and render boxes_check.png.

Run from the repository root (needs Pillow):

    python3 Scripts/make_voc_boxes.py   # Samples/localisation/voc/*.xml and Output/boxes_check.png
"""
import argparse, csv, os
from xml.sax.saxutils import escape
from PIL import Image, ImageDraw

ap = argparse.ArgumentParser()
ap.add_argument("--images", default="Samples/images")
ap.add_argument("--csv", default="Samples/localisation/boxes.csv")
ap.add_argument("--voc", default="Samples/localisation/voc")
ap.add_argument("--check", default="Output/boxes_check.png")
a = ap.parse_args()

labels = set(l.rstrip("\n") for l in open("Samples/models/imagenet_labels.txt"))
rows = list(csv.DictReader(open(a.csv)))
by_file = {}
for r in rows:
    assert r["label"] in labels, r
    by_file.setdefault(r["file"], []).append(r)

os.makedirs(a.voc, exist_ok=True)
tiles = []
for f, rs in by_file.items():
    im = Image.open(os.path.join(a.images, f))
    W, H = im.size
    depth = 1 if im.mode == "L" else 3
    objs = []
    for r in rs:
        x0, y0, x1, y1 = (int(r[k]) for k in ("x0", "y0", "x1", "y1"))
        assert 0 <= x0 <= x1 < W and 0 <= y0 <= y1 < H, r
        objs.append(
            "  <object>\n"
            f"    <name>{escape(r['label'])}</name>\n"
            "    <pose>Unspecified</pose>\n    <truncated>0</truncated>\n    <difficult>0</difficult>\n"
            "    <bndbox>\n"
            f"      <xmin>{x0 + 1}</xmin>\n      <ymin>{y0 + 1}</ymin>\n"
            f"      <xmax>{x1 + 1}</xmax>\n      <ymax>{y1 + 1}</ymax>\n"
            "    </bndbox>\n  </object>\n")
    xml = ("<annotation>\n  <folder>images</folder>\n"
           f"  <filename>{escape(f)}</filename>\n"
           f"  <size>\n    <width>{W}</width>\n    <height>{H}</height>\n    <depth>{depth}</depth>\n  </size>\n"
           "  <segmented>0</segmented>\n" + "".join(objs) + "</annotation>\n")
    with open(os.path.join(a.voc, os.path.splitext(f)[0] + ".xml"), "w") as fh:
        fh.write(xml)
    rgb = im.convert("RGB")
    d = ImageDraw.Draw(rgb)
    for r in rs:
        x0, y0, x1, y1 = (int(r[k]) for k in ("x0", "y0", "x1", "y1"))
        # inclusive box: outline drawn on the boundary pixels themselves
        d.rectangle([x0, y0, x1, y1], outline=(255, 0, 0), width=3)
        d.rectangle([x0 + 3, y0 + 3, x0 + 3 + 7 * len(r["label"]), y0 + 16], fill=(0, 0, 0))
        d.text((x0 + 5, y0 + 4), r["label"], fill=(255, 255, 0))
    d.text((4, H - 14), f"{f} {W}x{H}", fill=(0, 255, 0))
    tiles.append(rgb)

Ht = 300
tiles = [t.resize((round(t.width * Ht / t.height), Ht), Image.BILINEAR) for t in tiles]
canvas = Image.new("RGB", (sum(t.width for t in tiles[:3]) + 20, 2 * Ht + 10), (255, 255, 255))
x = 0
for i, t in enumerate(tiles):
    if i == 3:
        x = 0
    canvas.paste(t, (x, 0 if i < 3 else Ht + 10))
    x += t.width + 10
canvas.save(a.check)
print("wrote", a.check, canvas.size)
