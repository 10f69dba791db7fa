#!/usr/bin/env bash
# How Fixtures/release-catalog.sqlite was made: by the released code (commit 383c4c1, the last one
# with gptimg-front and the hand-run migrator), through its real command paths, so that every table
# of the catalog has rows. ReleaseCatalogTests opens it with the current code.
#   bash make-release-catalog.sh /path/to/that/gptimg OUT.sqlite
# Needs python3 (for two small foreign PNGs) and sqlite3.
set -euo pipefail
gptimg=$1
out=$2
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
export GPTIMG_LIBRARY=$work/Library GPTIMG_API_KEY=sim-local-key GPTIMG_POLL_LATENCY=0.2

simulator() {  # simulator LOG ARGS…: starts one, sets $url
    local log=$1
    shift
    "$gptimg" simulator --port 0 --latency 0.2 "$@" >"$log" 2>&1 &
    for _ in $(seq 100); do grep -q "listening on" "$log" 2>/dev/null && break; sleep 0.1; done
    url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$log")
    [[ -n $url ]]
}

# Generations: two images with a tag and a collection, a variant (lineage), a batch of two
# lines (batch keys), one left processing (--detach).
simulator "$work/sim1.log" --seed 1
export GPTIMG_BASE_URL=$url
"$gptimg" generate "a lighthouse on a cliff at sunset" --aspect 16:9 -n 2 --tag coast --collection Trip >/dev/null
"$gptimg" variant 1 --append "in winter" >/dev/null
printf 'a misty lake at dawn\n{"prompt": "a red fox in snow", "aspect_ratio": "3:2", "tags": ["fox"]}\n' >"$work/batch.txt"
"$gptimg" batch "$work/batch.txt" --concurrency 2 >/dev/null
"$gptimg" generate "left for later" --detach >/dev/null

# A task the API fails (charged, then refunded), and one refused for lack of credits (402: the
# balance the API reported goes to the ledger).
simulator "$work/sim2.log" --seed 2 --fail-rate 1
export GPTIMG_BASE_URL=$url
"$gptimg" generate "this one fails" >/dev/null || true
simulator "$work/sim3.log" --seed 3 --credits 1
export GPTIMG_BASE_URL=$url
"$gptimg" generate "too dear" -n 2 >/dev/null 2>&1 || true

# Imports: a foreign (A1111) file and one without metadata.
python3 - "$work/in" <<'PY'
import os, struct, sys, zlib
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
def png(seed, text=None):
    rows = b"".join(b"\0" + bytes(((x * 5 + y * 3 + seed) % 256) for x in range(3 * 24)) for y in range(16))
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", 24, 16, 8, 2, 0, 0, 0))
    if text: body += chunk(b"tEXt", b"parameters\0" + text.encode("latin-1"))
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
os.makedirs(sys.argv[1])
open(os.path.join(sys.argv[1], "castle.png"), "wb").write(png(1, "a castle in the clouds\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 24x16, Model: sdxl"))
open(os.path.join(sys.argv[1], "plain.png"), "wb").write(png(2))
PY
"$gptimg" import "$work/in" --quiet

# Organising: tags, ratings, a favourite, a collection in a chosen order.
"$gptimg" tag 1 2 --add favourite-spot >/dev/null
"$gptimg" tag 3 --add "winter scene" >/dev/null
"$gptimg" rate 1 5 >/dev/null
"$gptimg" rate 4 3 >/dev/null
"$gptimg" fav 2 >/dev/null
"$gptimg" collection create Best >/dev/null
"$gptimg" collection add Best 4 1 3 >/dev/null

# A landing a crash interrupted: its intent is what recovery reads. (Written by hand: only a
# process killed between two of its transactions leaves one.)
sqlite3 "$GPTIMG_LIBRARY/catalog.sqlite" \
    "INSERT INTO landing_intents(owner, path, sha256, created_at) VALUES ('deadowner1', 'images/2026/11/gone-0123abcd.png', '$(printf '0%.0s' $(seq 64))', '2026-11-21T10:15:30Z')"

sqlite3 "$GPTIMG_LIBRARY/catalog.sqlite" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
cp "$GPTIMG_LIBRARY/catalog.sqlite" "$out"
for table in generations images image_metadata tags image_tags collections collection_images credit_ledger landing_intents grdb_migrations; do
    printf '%s %s\n' "$table" "$(sqlite3 "$out" "SELECT count(*) FROM $table")"
done
