#!/usr/bin/env bash
# Curation in the files (issue 16): what writing XMP sidecars costs.
#   - `rate` of one image and `tag` of one image: ours (writes the image's sidecar: renamed into
#     place after the commit, no fsync; `sidecar_pending` says which may lag, docs/sidecars.md)
#     against the same command with GPTIMG_NO_SIDECARS=1 (no sidecar written), on the same
#     library, in the same run. Target: ours adds ≤ 2 ms.
#   - a bulk `tag --query ''` of every image (BENCH_SIDECAR_COUNT, default 10000): every sidecar
#     rewritten, one syncfs. Target ≤ 5 s.
#   - `rebuild` of the library from its files alone (catalog.sqlite* removed before each run):
#     images, sidecars, journal. Target ≤ 30 s.
# The library is N small distinct PNGs (8x8, a text chunk each), imported once and reused.
#   bash bench/sidecar.sh
#   BENCH_SIDECAR_COUNT=300 BENCH_RUNS=3 BENCH_GPTIMG=.build/debug/gptimg bash bench/sidecar.sh  # smoke run
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
count=${BENCH_SIDECAR_COUNT:-10000}
bench_tools
if [[ -n ${BENCH_GPTIMG:-} ]]; then
    GPTIMG=$BENCH_GPTIMG
else
    bench_build
fi
out=$BENCH_OUT/sidecar-$count
mkdir -p "$out"

if [[ ! -d $out/src ]]; then
    log "making $count small PNGs"
    python3 - "$out/src.partial" "$count" <<'PY'
import os, struct, sys, zlib
folder, count = sys.argv[1], int(sys.argv[2])
os.makedirs(folder, exist_ok=True)
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
raw = b"".join(b"\x00" + bytes((x * 31 + y * 7) % 256 for x in range(24)) for y in range(8))
for i in range(count):
    text = b"parameters\x00sidecar bench image %d\nSteps: 20, Seed: %d" % (i, i)
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
           + chunk(b"tEXt", text) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    with open(os.path.join(folder, "img-%06d.png" % i), "wb") as f:
        f.write(png)
PY
    mv "$out/src.partial" "$out/src"
fi
library=$out/Library
if [[ ! -f $library/catalog.sqlite ]]; then
    log "importing $count images into $library"
    "$GPTIMG" import "$out/src" --library "$library" >/dev/null
fi

one=(hyperfine --warmup 2 --runs "$((BENCH_RUNS * 4))" --style basic)
# Every timed run changes something: each is prepared (untimed) by the opposite change, made the
# same way (with or without sidecars), since a change that leaves the sidecar as it was writes none.
"${one[@]}" --export-json "$out/rate.json" \
    --prepare "$GPTIMG rate 1 2 --library $library" "$GPTIMG rate 1 3 --library $library" \
    --prepare "GPTIMG_NO_SIDECARS=1 $GPTIMG rate 1 2 --library $library" \
    "GPTIMG_NO_SIDECARS=1 $GPTIMG rate 1 3 --library $library" >&2
"${one[@]}" --export-json "$out/tag.json" \
    --prepare "$GPTIMG tag 1 --remove bench --library $library" "$GPTIMG tag 1 --add bench --library $library" \
    --prepare "GPTIMG_NO_SIDECARS=1 $GPTIMG tag 1 --remove bench --library $library" \
    "GPTIMG_NO_SIDECARS=1 $GPTIMG tag 1 --add bench --library $library" >&2
bench_hyperfine --export-json "$out/bulk.json" \
    "$GPTIMG tag --query '' --add bulk --yes --library $library" >&2
bench_hyperfine --export-json "$out/rebuild.json" \
    --prepare "rm -f $library/catalog.sqlite $library/catalog.sqlite-wal $library/catalog.sqlite-shm" \
    "$GPTIMG rebuild --library $library" >&2
"$GPTIMG" doctor --library "$library" >/dev/null # the rebuilt library is sound
"$GPTIMG" doctor --fix --library "$library" >/dev/null # and its sidecars agree with it

# The floor: one durable atomic write of image 1's sidecar, in-process (no process start).
sidecar_file=$(find "$library/images" -name '*.png.xmp' -print -quit) # (| head: SIGPIPE under pipefail)
floor=$(python3 bench/atomic_write_floor.py "$sidecar_file" $((BENCH_RUNS * 20)))

echo
bench_machine
python3 - "$out" "$count" "$floor" <<'PY'
import json, sys
out, count = sys.argv[1], int(sys.argv[2])
floor_durable, floor_atomic = (float(x) for x in sys.argv[3].split())
def medians(name):
    return [r["median"] for r in json.load(open(f"{out}/{name}.json"))["results"]]
for name, what in (("rate", "rate of one image"), ("tag", "tag of one image")):
    m = medians(name)
    line = f"{what}: {m[0] * 1000:.1f} ms"
    if len(m) > 1:
        line += f", peer (no sidecar) {m[1] * 1000:.1f} ms, the sidecar adds {(m[0] - m[1]) * 1000:+.1f} ms (target ≤ 2)"
    print(line)
print(f"floor: one durable atomic write of a sidecar (temp, fsync, rename, folder fsync), in-process: "
      f"{floor_durable:.2f} ms (without the fsyncs: {floor_atomic:.3f} ms)")
print(f"bulk tag of {count} images: {medians('bulk')[0]:.2f} s (target ≤ 5 at 10000)")
print(f"rebuild of {count} images with sidecars: {medians('rebuild')[0]:.2f} s (target ≤ 30 at 10000)")
PY
