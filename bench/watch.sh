#!/usr/bin/env bash
# The watch folder (issue 19): how long after a file's rename into a watched folder
# `gptimg import --watch` has it in the catalog, over BENCH_WATCH_FILES files one after another
# (measured by polling the catalog with Python's sqlite3), against the peer in the same run:
# `gptimg import FILE` as a new process (start to exit). Target: p95 at most 1 s.
#   bash bench/watch.sh
#   BENCH_WATCH_FILES=20 BENCH_SKIP_BUILD=1 BENCH_GPTIMG=.build/debug/gptimg bash bench/watch.sh   # smoke run
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BENCH_WATCH_FILES=${BENCH_WATCH_FILES:-200}
BENCH_WATCH_PEER=${BENCH_WATCH_PEER:-20}
if [[ -n ${BENCH_GPTIMG:-} ]]; then
    GPTIMG=$BENCH_GPTIMG
else
    bench_build
fi
[[ -x $GPTIMG ]] || { echo "missing $GPTIMG" >&2; exit 1; }

work=$BENCH_OUT/watch
rm -rf "$work" && mkdir -p "$work"
log "watching: $BENCH_WATCH_FILES files renamed in one after another; peer: $BENCH_WATCH_PEER imports"
result=$(python3 bench/watch_latency.py "$GPTIMG" "$work" "$BENCH_WATCH_FILES" "$BENCH_WATCH_PEER")
echo "$result" >"$BENCH_OUT/watch.json"
python3 - "$result" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
ms = lambda s: f"{s * 1000:.0f} ms"
print("| contender | files | median | p95 |")
print("| --- | --- | --- | --- |")
print(f"| import --watch: rename to row in the catalog | {r['files']} | {ms(r['watch_median'])} | {ms(r['watch_p95'])} (max {ms(r['watch_max'])}) |")
print(f"| import --watch: written in place, close to row (settles 0.5 s) | {r['peer_files']} | {ms(r['in_place_median'])} | {ms(r['in_place_p95'])} |")
print(f"| peer: gptimg import FILE, a new process | {r['peer_files']} | {ms(r['peer_median'])} | {ms(r['peer_p95'])} |")
print(f"target p95 <= 1000 ms: {'met' if r['watch_p95'] <= 1.0 else 'MISSED'}")
PY
