#!/usr/bin/env bash
# Importing the corpus into a new library, one process each: `gptimg import` against the
# reference pipeline in bench/reference_import.py (Python, hashlib + sqlite3: read, SHA-256,
# chunk walk with CRCs, text decode, prompt, copy, insert), plain and --durable (fsync of every
# file and folder, synchronous=FULL: what gptimg always does). Peak RSS of each from
# /usr/bin/time. Targets: gptimg at least 2x the durable reference's rate and 1.2x the plain
# one's, peak RSS at most 150 MB. With the CPU's SHA extensions (sha_ni, printed), Python's
# hashlib hashes as fast as gptimg does, so the plain reference is the close one. Also timed: the
# same import hashing every image for look-alikes as it lands (GPTIMG_PHASH_ON_IMPORT=1: what
# hashing at import would add; target <= 10 %, beyond the floor below, so imports hash later) and
# the floor of any pixel hash, inflating every file's image data (bench/inflate_floor.py).
#   bash bench/import.sh
#   BENCH_COUNT=50 bash bench/import.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_tools
bench_build
bench_corpus

ours=$BENCH_OUT/import-gptimg
theirs=$BENCH_OUT/import-python
# Each run starts from no library, with the previous run's writeback finished.
log "timing import of ${BENCH_COUNT} files, $BENCH_RUNS runs each"
bench_hyperfine --export-json "$BENCH_OUT/import.json" \
    --prepare "rm -rf $ours && sync" -n "gptimg import" "$GPTIMG import --quiet $BENCH_CORPUS --library $ours" \
    --prepare "rm -rf $theirs && sync" -n "python reference" "python3 bench/reference_import.py $BENCH_CORPUS $theirs" \
    --prepare "rm -rf $theirs && sync" -n "python reference --durable" "python3 bench/reference_import.py $BENCH_CORPUS $theirs --durable" \
    --prepare "rm -rf $BENCH_OUT/import-cp && sync" -n "floor: cp -r (the copy alone)" "cp -r $BENCH_CORPUS $BENCH_OUT/import-cp" \
    --prepare "rm -rf $ours && sync" -n "gptimg import, hashing each image too (GPTIMG_PHASH_ON_IMPORT=1)" \
    "env GPTIMG_PHASH_ON_IMPORT=1 $GPTIMG import --quiet $BENCH_CORPUS --library $ours" \
    --prepare "true" -n "floor of hashing: inflate every IDAT (python zlib)" "python3 bench/inflate_floor.py $BENCH_CORPUS"

# The same work was done: every file is in both libraries.
count_ours=$(sqlite3 "$ours/catalog.sqlite" "SELECT count(*) FROM images")
count_theirs=$(sqlite3 "$theirs/catalog.sqlite" "SELECT count(*) FROM images")
[[ $count_ours == "$BENCH_COUNT" && $count_theirs == "$BENCH_COUNT" ]] \
    || { echo "imported $count_ours (gptimg) and $count_theirs (python) of $BENCH_COUNT" >&2; exit 1; }

log "peak RSS (3 runs each)"
rss() {  # the median of three peak RSS readings, in MB
    for _ in 1 2 3; do
        rm -rf "$ours" "$theirs" && sync
        /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1
    done | sort -n | sed -n 2p | awk '{printf "%.1f", $1 / 1024}'
}
rss_ours=$(rss "$GPTIMG" import --quiet "$BENCH_CORPUS" --library "$ours")
rss_theirs=$(rss python3 bench/reference_import.py "$BENCH_CORPUS" "$theirs")
rm -rf "$ours" "$theirs" "$BENCH_OUT/import-cp"

echo
bench_machine
echo "corpus: $BENCH_CORPUS ($(bench_describe "$BENCH_CORPUS"))"
echo "SHA extensions: $(grep -o -m1 sha_ni /proc/cpuinfo || echo none)"
"$GPTIMG_BENCH" report "$BENCH_OUT/import.json" --target "python reference=1.2" --target "python reference --durable=2"
echo "peak RSS: gptimg import ${rss_ours} MB (target ≤ 150), python reference ${rss_theirs} MB"
awk -v r="$rss_ours" 'BEGIN { exit !(r <= 150) }' || echo "peak RSS target MISSED"
