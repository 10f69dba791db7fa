#!/usr/bin/env bash
# Reading metadata: `gptimg meta read --json` over the corpus, against exiftool's JSON output
# (`-fast2`, one process each). Target: gptimg at least 25 times faster.
#   bash bench/meta-read.sh               # the 2000-file corpus
#   BENCH_COUNT=50 bash bench/meta-read.sh   # a quick smoke run
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_tools
bench_build
bench_corpus

files=("$BENCH_CORPUS"/*.png)
log "timing ${#files[@]} files, $BENCH_RUNS runs each"
# Each command line gets the file list expanded already, so no glob is timed.
# gptimg gets the folder, as exiftool does (-r); the same files as 2000 arguments are timed
# too, for information (argument parsing of long positional lists costs extra there).
bench_hyperfine --export-json "$BENCH_OUT/meta-read.json" \
    -n "gptimg meta read --json" "$GPTIMG meta read --json $BENCH_CORPUS > /dev/null" \
    -n "gptimg meta read --json (file list)" "$GPTIMG meta read --json ${files[*]} > /dev/null" \
    -n "exiftool -json -fast2" "exiftool -json -fast2 -r $BENCH_CORPUS > /dev/null" \
    -n "exiftool -json" "exiftool -json -r $BENCH_CORPUS > /dev/null"

echo
bench_machine
echo "corpus: $BENCH_CORPUS ($(bench_describe "$BENCH_CORPUS"))"
"$GPTIMG_BENCH" report "$BENCH_OUT/meta-read.json" --target "exiftool -json -fast2=25"
echo
log "in-process reader alone (no start-up, no JSON):"
"$GPTIMG_BENCH" readtime "$BENCH_CORPUS" --repeat 3
