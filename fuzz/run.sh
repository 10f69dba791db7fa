#!/usr/bin/env bash
# Builds the libFuzzer harness (ASan + libFuzzer coverage) and fuzzes for SECONDS (default 60)
# on a working copy of fuzz/seeds, then prints libFuzzer's final stats.
#   bash fuzz/run.sh          # 60 s
#   bash fuzz/run.sh 3600     # the long run
# Also: FUZZ_JOBS=N (parallel workers, default 1), FUZZ_SKIP_BUILD=1, FUZZ_KEEP_CORPUS=1 (keep
# fuzz/corpus-run between runs, so a long run continues where the last one stopped).
# Crashes, leaks and timeouts are written to fuzz/crashes/. Reproduce one with
#   fuzz/.build/release/FuzzPNGMetadata fuzz/crashes/crash-…
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
seconds=${1:-60}
jobs=${FUZZ_JOBS:-1}

if [[ ${FUZZ_SKIP_BUILD:-0} != 1 ]]; then
    # -sanitize=fuzzer instruments the Swift code for coverage and links libFuzzer's runtime;
    # -Xcc … does the same for the C shim around zlib (CPNG). The harness has its own main
    # (SwiftPM gives every executable one), which calls LLVMFuzzerRunDriver.
    swift build -c release --scratch-path .build \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
        -Xcc -fsanitize=fuzzer-no-link,address >&2
fi
binary=.build/release/FuzzPNGMetadata

if [[ ${FUZZ_KEEP_CORPUS:-0} != 1 ]]; then rm -rf corpus-run; fi
mkdir -p corpus-run crashes
cp -n seeds/* corpus-run/

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/lsan.supp}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Per-input leak checks are off by default: the Swift runtime and Foundation allocate caches
# lazily, so libFuzzer would run a full LeakSanitizer scan after most inputs (20x slower).
# Unbounded growth still shows as -rss_limit_mb; FUZZ_DETECT_LEAKS=1 turns the checks on.
options=(-max_total_time="$seconds" -rss_limit_mb=2048 -max_len=1048576 -timeout=10
    -detect_leaks="${FUZZ_DETECT_LEAKS:-0}" -dict=png.dict -artifact_prefix=crashes/ -print_final_stats=1)
# Several workers write their own logs (fuzz-N.log) and share corpus-run.
if ((jobs > 1)); then options+=(-jobs="$jobs" -workers="$jobs"); fi
rm -f fuzz-*.log .build/fuzz-*.log
findings_before=$(find crashes -type f | wc -l)
status=0
"$binary" corpus-run "${options[@]}" >"$log" 2>&1 || status=$?
# With several workers libFuzzer's own status may not tell; a new reproducer does.
if ((status == 0)) && (($(find crashes -type f | wc -l) > findings_before)); then status=1; fi
summary() {  # the last status line, then the final stats
    grep -E '^#[0-9]+' "$1" | tail -1 || true
    grep -E '^stat::|^Done|SUMMARY|ERROR' "$1" || true
}
if ((jobs > 1)); then
    for worker in fuzz-*.log; do
        echo "worker ${worker//[!0-9]/}:"
        summary "$worker"
        cat "$worker" >>"$log"
        mv "$worker" .build/
    done
else
    summary "$log"
fi
if ((status != 0)); then
    echo "libFuzzer exited with status $status; the log follows, the reproducer is in fuzz/crashes/" >&2
    tail -80 "$log" >&2
    exit "$status"
fi
echo "no crash in ${seconds} s; corpus: $(find corpus-run -type f | wc -l) inputs; crashes/: $(find crashes -type f | wc -l) files"
