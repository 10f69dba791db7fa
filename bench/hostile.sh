#!/usr/bin/env bash
# Hostile inputs (issue 14): every file, archive, tampered library and gallery request of the
# corpus in Tests/HostileCorpus, fast and slow, through every command that applies (meta read,
# meta read --json, meta strip, import, list, show, doctor, doctor --fix, delete, rebuild,
# export --contact-sheet, and gptimg serve on a loopback port: the grid page, each image's page,
# its thumbnail twice and eight at once). Each command runs in a fresh copy of its input's world
# and is measured by the kernel (wait4: CPU time, peak RSS, blocks written; /proc for the
# server's requests). One table per input: status, wall, CPU, peak RSS, bytes written to disk,
# bytes printed, and the bounds each row broke. Exit status 1 when any bound is broken.
#   bash bench/hostile.sh                           # everything (tens of minutes on today's code)
#   HOSTILE_ONLY="zip-alias-40x20MB png-pixels-1x100000000" bash bench/hostile.sh
#   HOSTILE_FAST=1 bash bench/hostile.sh            # only the cases `make test` runs
#   HOSTILE_TIMEOUT=60                              # seconds before a command is killed
#   HOSTILE_KEEP=1                                  # keep every world under bench/out/hostile/runs
# Bounds and what each case is: bench/README.md ("hostile.sh"); bench/out/hostile/manifest.tsv.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_build
out=$BENCH_OUT/hostile
args=(hostile --out "$out" --gptimg "$GPTIMG" --timeout "${HOSTILE_TIMEOUT:-60}")
[[ ${HOSTILE_FAST:-0} == 1 ]] && args+=(--fast)
[[ ${HOSTILE_KEEP:-0} == 1 ]] && args+=(--keep)
for name in ${HOSTILE_ONLY:-}; do args+=(--only "$name"); done
mkdir -p "$BENCH_OUT"
log "gptimg-bench ${args[*]}"
status=0
"$GPTIMG_BENCH" "${args[@]}" | tee "$BENCH_OUT/hostile-report.txt" || status=$?
log "report: $BENCH_OUT/hostile-report.txt; one line per command: $out/results.tsv"
exit "$status"
