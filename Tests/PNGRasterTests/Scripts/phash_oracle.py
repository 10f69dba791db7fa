#!/usr/bin/env python3
"""The test oracle for PerceptualHash: writes deterministic fixture PNGs into DIR and prints, as JSON,
imagehash.phash (PyPI ImageHash 4.3.2, the published DCT pHash) of each: {"name.png": "16 hex", ...}.
Fixtures: procedural art, a re-encode, an RGBA copy, half-size copies, a stretch, and unrelated images of
different structure (a gradient, a checkerboard, noise, a flat colour, a 16-bit grey, a palette image).
Usage: phash_oracle.py DIR   (needs: pip install imagehash)"""
import json, os, sys
import numpy as np
from PIL import Image
import imagehash

def art(seed, w=768, h=768):
    r = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w] / max(w, h)
    img = np.zeros((h, w, 3))
    for _ in range(6):
        cx, cy, s = r.random(3); col = r.random(3)
        img += np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (0.02 + 0.1 * s))[..., None] * col
    img += 0.15 * np.sin(x * r.uniform(5, 40))[..., None] * r.random(3)
    return Image.fromarray((255 * img / img.max()).clip(0, 255).astype(np.uint8))

d = sys.argv[1]
p = lambda n: os.path.join(d, n)
a = art(1); a.save(p("a.png"))
a.save(p("a_reencoded.png"), compress_level=0)
a.convert("RGBA").save(p("a_rgba.png"))
a.resize((384, 384), Image.Resampling.LANCZOS).save(p("a_half.png"))
a.resize((384, 384), Image.Resampling.BILINEAR).save(p("a_half_bilinear.png"))
a.resize((640, 960)).save(p("a_stretched.png"))
art(3, 768, 1152).save(p("u3.png"))
y, x = np.mgrid[0:600, 0:800]
Image.fromarray(np.stack([x * 255 // 799, y * 255 // 599, np.full_like(x, 128)], -1).astype(np.uint8)).save(p("gradient.png"))
Image.fromarray((((x // 200 + y // 150) % 2) * 255).astype(np.uint8)).save(p("checker.png"))
Image.fromarray(np.random.default_rng(7).integers(0, 256, (300, 200, 3), dtype=np.uint8)).save(p("noise.png"))
Image.new("RGB", (256, 256), (90, 120, 200)).save(p("flat.png"))
rgba = np.asarray(art(5, 500, 700).convert("RGBA")).copy(); rgba[..., 3] = 128
Image.fromarray(rgba).save(p("translucent.png"))
art(6, 400, 300).convert("P", palette=Image.Palette.ADAPTIVE).save(p("palette.png"))
# Sizes where Pillow skips a resampling pass (32 wide, 32 tall, 32x32) or enlarges.
art(8, 32, 240).save(p("w32.png"))
art(9, 240, 32).save(p("h32.png"))
art(10, 32, 32).save(p("s32.png"))
art(11, 20, 12).save(p("tiny.png"))
names = sorted(n for n in os.listdir(d) if n.endswith(".png"))
print(json.dumps({n: str(imagehash.phash(Image.open(p(n)))) for n in names}))
