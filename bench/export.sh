#!/usr/bin/env bash
# Exporting a whole library to a zip: `gptimg export --query '' --to X.zip` against
# `zip -0 -r -q X.zip images` on the same library's images folder (the same files, stored), and
# for information ZIPFoundation's streaming addEntry (`gptimg-bench zipfoundation`).
# Target: gptimg's throughput at least 0.9 times zip's.
#
# The library is the corpus imported once (bench/out/export-library-$BENCH_COUNT, reused).
# Every timed run starts with `sync` (no run pays for the previous one's writeback) and a warm
# page cache (each contender reads the files once before timing starts); gptimg and zip
# alternate, the first one changing from run to run. gptimg fsyncs its zip before renaming it
# into place; zip does not fsync, so `zip -0 … && sync` is timed too, for information.
#   bash bench/export.sh
#   BENCH_COUNT=50 bash bench/export.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_tools zip:zip unzip:unzip
bench_build
bench_corpus

library=$BENCH_OUT/export-library-$BENCH_COUNT
if [[ ! -f $library/catalog.sqlite ]]; then
    log "importing $BENCH_CORPUS into $library"
    rm -rf "$library.partial"
    "$GPTIMG" import --quiet "$BENCH_CORPUS" --library "$library.partial" >/dev/null
    mv "$library.partial" "$library"
fi
images=$(find "$library/images" -name '*.png' | wc -l)
[[ $images == "$BENCH_COUNT" ]] || { echo "$library has $images images, expected $BENCH_COUNT" >&2; exit 1; }
bytes=$(find "$library/images" -name '*.png' -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f", s }')

ours=$BENCH_OUT/export-gptimg.zip
theirs=$BENCH_OUT/export-zip.zip
foundation=$BENCH_OUT/export-zipfoundation.zip
run_ours() { "$GPTIMG" export --query '' --to "$ours" --library "$library" >/dev/null; }
run_zip() { (cd "$library" && zip -0 -r -q "$BENCH_ROOT/$theirs" images); }
run_zip_sync() { run_zip && sync; }
run_foundation() { "$GPTIMG_BENCH" zipfoundation "$library/images" --to "$foundation"; }

# Seconds taken by one run of $1 (after removing its output and a sync).
timed() {
    rm -f "$ours" "$theirs" "$foundation"
    sync
    local start end
    start=$(date +%s%N)
    "$1"
    end=$(date +%s%N)
    awk -v ns=$((end - start)) 'BEGIN { printf "%.3f", ns / 1e9 }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

log "warming the page cache"
timed run_ours >/dev/null
timed run_zip >/dev/null

log "timing $BENCH_RUNS runs of each, alternating"
t_ours=() t_zip=() t_sync=()
for ((run = 1; run <= BENCH_RUNS; run++)); do
    if ((run % 2)); then
        t_ours+=("$(timed run_ours)")
        t_zip+=("$(timed run_zip)")
    else
        t_zip+=("$(timed run_zip)")
        t_ours+=("$(timed run_ours)")
    fi
    t_sync+=("$(timed run_zip_sync)")
    log "run $run: gptimg ${t_ours[-1]} s, zip -0 ${t_zip[-1]} s, zip -0 + sync ${t_sync[-1]} s"
done

# The same work was done: every image in both archives, every CRC right.
run_ours
run_zip
unzip -tq "$ours" >/dev/null || { echo "unzip -t failed on $ours" >&2; exit 1; }
unzip -tq "$theirs" >/dev/null || { echo "unzip -t failed on $theirs" >&2; exit 1; }
entries=$(unzip -Z1 "$ours" | grep -c '\.png$')
[[ $entries == "$BENCH_COUNT" ]] || { echo "$ours has $entries images" >&2; exit 1; }
size_ours=$(stat -c %s "$ours")
size_theirs=$(stat -c %s "$theirs")

log "timing ZIPFoundation (${BENCH_FOUNDATION_RUNS:-2} runs, for information)"
t_foundation=()
for ((run = 1; run <= ${BENCH_FOUNDATION_RUNS:-2}; run++)); do t_foundation+=("$(timed run_foundation)"); done
rm -f "$ours" "$theirs" "$foundation"

m_ours=$(printf '%s\n' "${t_ours[@]}" | median)
m_zip=$(printf '%s\n' "${t_zip[@]}" | median)
m_sync=$(printf '%s\n' "${t_sync[@]}" | median)
m_foundation=$(printf '%s\n' "${t_foundation[@]}" | median)
echo
bench_machine
echo "library: $library ($BENCH_COUNT images, $((bytes / 1000000)) MB); zips: gptimg $((size_ours / 1000000)) MB, zip $((size_theirs / 1000000)) MB"
printf '| %-52s | %8s | %9s | %-26s |\n' "contender ($BENCH_RUNS runs each, warm cache)" "median s" "MB/s" "runs"
printf '| %-52s | %8s | %9s | %-26s |\n' "gptimg export --query '' --to X.zip" "$m_ours" "$(awk -v b="$bytes" -v t="$m_ours" 'BEGIN { printf "%.0f", b / t / 1e6 }')" "${t_ours[*]}"
printf '| %-52s | %8s | %9s | %-26s |\n' "zip -0 -r -q X.zip images" "$m_zip" "$(awk -v b="$bytes" -v t="$m_zip" 'BEGIN { printf "%.0f", b / t / 1e6 }')" "${t_zip[*]}"
printf '| %-52s | %8s | %9s | %-26s |\n' "zip -0 -r -q X.zip images && sync" "$m_sync" "$(awk -v b="$bytes" -v t="$m_sync" 'BEGIN { printf "%.0f", b / t / 1e6 }')" "${t_sync[*]}"
printf '| %-52s | %8s | %9s | %-26s |\n' "gptimg-bench zipfoundation (ZIPFoundation addEntry)" "$m_foundation" "$(awk -v b="$bytes" -v t="$m_foundation" 'BEGIN { printf "%.0f", b / t / 1e6 }')" "${t_foundation[*]}"
ratio=$(awk -v a="$m_zip" -v b="$m_ours" 'BEGIN { printf "%.2f", a / b }')
echo "gptimg's throughput / zip's: $ratio (target ≥ 0.9: $(awk -v r="$ratio" 'BEGIN { print (r >= 0.9) ? "met" : "MISSED" }'))"
