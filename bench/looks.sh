#!/usr/bin/env bash
# Look-alikes and stacks on a 100,000-image catalog seeded through SQL (bench/seed_catalog.py:
# random perceptual hashes with one image in 50 a near-copy of an earlier one, one generation in 5
# a variant of a recent image), whole processes, beside `gptimg list --limit 20` in the same run:
#   - `gptimg similar ID` (target ≤ 50 ms), `gptimg dupes` (target ≤ 5 s),
#   - `gptimg list --stacks --limit 20` (target ≤ 50 ms).
#   bash bench/looks.sh
# Also: BENCH_LOOKS_COUNT (default 100000).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_tools
bench_build
count=${BENCH_LOOKS_COUNT:-100000}
library=$BENCH_OUT/looks-$count
bench_seed_catalog "$count" "$library"
id=$((count / 2))

log "timing, $BENCH_RUNS runs each"
bench_hyperfine --export-json "$BENCH_OUT/looks.json" \
    -n "list --limit 20" "$GPTIMG list --limit 20 --library $library" \
    -n "list --stacks --limit 20" "$GPTIMG list --stacks --limit 20 --library $library" \
    -n "similar $id" "$GPTIMG similar $id --library $library" \
    -n "dupes" "$GPTIMG dupes --library $library"

# A bulk tag over every image (issue 17: <= 2 s over 100,000 matches, one transaction): the
# catalog's part, sidecars off (GPTIMG_NO_SIDECARS=1: these seeded rows have no files; what
# sidecars add is bench/sidecar.sh's), each run after the tag was taken off again.
log "timing a bulk tag over all $count images, $BENCH_RUNS runs"
bench_hyperfine --export-json "$BENCH_OUT/looks-bulk.json" \
    --prepare "env GPTIMG_NO_SIDECARS=1 $GPTIMG tag --query '' --remove bulk --yes --library $library" \
    -n "tag --query '' --add bulk --yes ($count images)" \
    "env GPTIMG_NO_SIDECARS=1 $GPTIMG tag --query '' --add bulk --yes --library $library"

echo
bench_machine
echo "catalog: $count images, $(sqlite3 "$library/catalog.sqlite" 'SELECT count(DISTINCT stack_id) FROM images') stacks," \
    "$("$GPTIMG" dupes --json --library "$library" | wc -l) near-duplicate groups"
"$GPTIMG_BENCH" report "$BENCH_OUT/looks.json"
"$GPTIMG_BENCH" report "$BENCH_OUT/looks-bulk.json"
