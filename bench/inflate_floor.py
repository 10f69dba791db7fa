#!/usr/bin/env python3
"""The floor of hashing a PNG's pixels, for bench/import.sh: inflate every PNG's image data
(its IDAT chunks through zlib, nothing else: no filters undone, no colour conversion, no resize).
Any perceptual hash reads every pixel, so it pays at least this. One process, one file at a time.

  python3 bench/inflate_floor.py SOURCE
"""
import os, struct, sys, zlib

def inflate(path):
    with open(path, "rb") as f:
        data = f.read()
    pos, stream = 8, zlib.decompressobj()
    total = 0
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            total += len(stream.decompress(data[pos + 8:pos + 8 + length]))
        elif kind == b"IEND":
            break
        pos += 12 + length
    return total

files = sorted(os.path.join(d, f) for d, _, names in os.walk(sys.argv[1]) for f in names if f.lower().endswith(".png"))
print("%d files, %d bytes inflated" % (len(files), sum(inflate(p) for p in files)))
