#!/usr/bin/env bash
# The web gallery on a 100,000-image catalog (bench/list.sh's, seeded through SQL): how long
# `gptimg serve` takes to answer a page, measured with wrk on loopback (server side: the time
# from request to the last byte of the answer; wrk runs on the same 2 cores).
#   - the grid's first page (100 thumbnails, newest first, with the total count);
#   - a search page (`?q=lighthouse`: one word in about 1 prompt in 30, newest first, counted);
#   - for information: a rarer 3-word search, a filter page (`?aspect=16:9`), a page deep in the
#     history (by cursor), and an image page.
# Each is timed with 1 connection (one request at a time) and with 4 (two per core).
# Targets: grid first page p95 <= 50 ms, search page p95 <= 100 ms.
#   bash bench/gallery.sh
# Also: BENCH_GALLERY_SECONDS (default 10 per run), BENCH_GALLERY_PORT (default 8799),
# BENCH_GALLERY_LIBRARY (default bench/out/list-100000; bench/out/list-1000000 for a million).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_tools wrk:wrk
bench_build
library=${BENCH_GALLERY_LIBRARY:-$BENCH_OUT/list-100000}
[[ $library =~ list-([0-9]+)$ ]] && bench_seed_catalog "${BASH_REMATCH[1]}" "$library"
[[ -f $library/catalog.sqlite ]] || { echo "no catalog at $library" >&2; exit 1; }
seconds=${BENCH_GALLERY_SECONDS:-10}
port=${BENCH_GALLERY_PORT:-8799}
base=http://127.0.0.1:$port

"$GPTIMG" serve --library "$library" --port "$port" >"$BENCH_OUT/gallery-serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf -o /dev/null "$base/static/app.css" && break; sleep 0.1; done
curl -sf -o /dev/null "$base/" || { cat "$BENCH_OUT/gallery-serve.log" >&2; exit 1; }

images=$(sqlite3 "$library/catalog.sqlite" "SELECT count(*) FROM images")
tiles() { curl -s "$1" | grep -o '<li class="tile">' | wc -l; }
deep=$(sqlite3 "$library/catalog.sqlite" "SELECT created_at || '~' || id FROM images ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET 90000")
newest=$(sqlite3 "$library/catalog.sqlite" "SELECT id FROM images ORDER BY created_at DESC, id DESC LIMIT 1")
declare -a names=("grid, first page" "search: lighthouse" "search: misty lighthouse watercolor" "filter: aspect 16:9" "grid, 90,000 images deep" "image page")
declare -a paths=("/" "/?q=lighthouse" "/?q=misty+lighthouse+watercolor" "/?aspect=16%3A9" "/?before=$deep" "/image/$newest")
log "$images images; tiles per page: first $(tiles "$base/"), search $(tiles "$base/?q=lighthouse"), deep $(tiles "$base/?before=$deep")"
log "the search page says: $(curl -s "$base/?q=lighthouse" | grep -o '<span id="total">[^<]*</span> images match')"

results=$BENCH_OUT/gallery-results-$images.txt  # one file per catalog size, so each table keeps its own
: >"$results"
for i in "${!names[@]}"; do
    for connections in 1 4; do
        line=$(wrk -t1 -c"$connections" -d"${seconds}s" --latency -s bench/gallery-latency.lua "$base${paths[$i]}" | grep '^RESULT' | sed 's/^RESULT //')
        printf '%-36s c=%d  %s\n' "${names[$i]}" "$connections" "$line" | tee -a "$results" >&2
    done
done
rss=$(awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' /proc/$server/status)

echo
bench_machine
echo "wrk $(wrk -v 2>&1 | head -1 | cut -d' ' -f2); catalog $library ($images images); ${seconds} s per run; server peak RSS $rss"
printf '%-36s %-5s %9s %9s %9s %8s %7s  %s\n' page conns "p50 ms" "p95 ms" "p99 ms" "req/s" errors target
while read -r line; do
    name=$(echo "$line" | sed -E 's/ +c=.*//')
    conns=$(echo "$line" | sed -E 's/.* c=([0-9]+) .*/\1/')
    get() { echo "$line" | grep -o "$1=[0-9.]*" | cut -d= -f2; }
    target=""
    p95=$(get p95_ms)
    case $name in
        "grid, first page") target=$(awk -v p="$p95" 'BEGIN { print (p <= 50 ? "<= 50: met" : "<= 50: MISSED") }') ;;
        "search: lighthouse") target=$(awk -v p="$p95" 'BEGIN { print (p <= 100 ? "<= 100: met" : "<= 100: MISSED") }') ;;
    esac
    printf '%-36s %-5s %9s %9s %9s %8s %7s  %s\n' "$name" "$conns" "$(get p50_ms)" "$p95" "$(get p99_ms)" "$(get rps)" "$(get errors)" "$target"
done <"$results"
