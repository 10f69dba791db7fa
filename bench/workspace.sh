#!/usr/bin/env bash
# The gallery as a workspace (issue 18), on a copy of the 100,000-image catalog (bench/list.sh's,
# seeded through SQL) served by `gptimg serve --simulator` (the in-process simulator: no key; a
# task completes 2 s after it is created, jitter 0). Three figures, each with a peer of the same run:
#   1. the lightbox's next image: the GET of the next tile's full PNG (`/img/<sha>.png`) and, past
#      the loaded tiles (every 100, the grid's page size), the GET of the grid's next page (its
#      #next link, by cursor), over a warm server and page cache: STEPS steps a pass, one warm-up
#      pass then PASSES timed ones; no prefetch counted (the lightbox fetches the neighbours'
#      bytes ahead, so a real key press is usually cheaper). Peers: the same PNGs from
#      `python3 -m http.server`, and the grid's first page. Target: a step <= 50 ms p95.
#   2. an image in the grid after the simulator completes its task: POST /api/generate as the
#      page does (token, Origin, an idempotency key), then GET /api/tasks?ids=… every 50 ms until
#      the tile is in the answer; minus the moment of completion the simulator records
#      (updated_at = created_at + its latency). Page side adds the page's 0.6 s poll interval
#      (worst case). Target: <= 2 s p95.
#   3. the grid's first page with wrk (bench/gallery.sh's way), without and then with generations
#      running one after another against the same server (each polled as the page polls).
#      Target: p95 <= 50 ms under the generations.
# The library is copied (the catalog through sqlite3's .backup) and the PNGs of the newest STEPS
# images are hard links to the corpus's files; the originals are never written.
#   BENCH_SKIP_BUILD=1 bash bench/workspace.sh
# Also: BENCH_WORKSPACE_LIBRARY (default bench/out/list-100000), BENCH_WORKSPACE_CORPUS (default
# bench/out/corpus-2000, made by bench_corpus when missing), BENCH_WORKSPACE_STEPS (2000),
# BENCH_WORKSPACE_PASSES (3), BENCH_WORKSPACE_GENERATIONS (20), BENCH_GALLERY_SECONDS (10 per wrk
# run), BENCH_WORKSPACE_PORT (8797; the static peer uses the next port).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_tools wrk:wrk
bench_build
source_library=${BENCH_WORKSPACE_LIBRARY:-$BENCH_OUT/list-100000}
[[ $source_library =~ list-([0-9]+)$ ]] && bench_seed_catalog "${BASH_REMATCH[1]}" "$source_library"
[[ -f $source_library/catalog.sqlite ]] || { echo "no catalog at $source_library" >&2; exit 1; }
corpus=${BENCH_WORKSPACE_CORPUS:-$BENCH_OUT/corpus-2000}
if [[ ! -d $corpus ]]; then BENCH_COUNT=2000 BENCH_CORPUS=$corpus bench_corpus; fi
steps=${BENCH_WORKSPACE_STEPS:-2000}
passes=${BENCH_WORKSPACE_PASSES:-3}
generations=${BENCH_WORKSPACE_GENERATIONS:-20}
seconds=${BENCH_GALLERY_SECONDS:-10}
port=${BENCH_WORKSPACE_PORT:-8797}
base=http://127.0.0.1:$port
static=http://127.0.0.1:$((port + 1))

images=$(sqlite3 "$source_library/catalog.sqlite" "SELECT count(*) FROM images")
library=$BENCH_OUT/workspace-$images
log "copying $source_library to $library"
rm -rf "$library"
mkdir -p "$library/images"
sqlite3 "$source_library/catalog.sqlite" ".backup '$library/catalog.sqlite'"
# The newest STEPS + 1 images get files (the lightbox opens on the first and steps STEPS times).
mapfile -t pngs < <(find "$corpus" -maxdepth 1 -name '*.png' | sort)
((${#pngs[@]})) || { echo "no PNGs in $corpus" >&2; exit 1; }
sqlite3 "$library/catalog.sqlite" "SELECT path FROM images ORDER BY created_at DESC, id DESC LIMIT $((steps + 1))" \
    >"$library/paths.txt"
i=0
while read -r path; do
    mkdir -p "$library/$(dirname "$path")"
    ln -f "${pngs[i % ${#pngs[@]}]}" "$library/$path" 2>/dev/null || cp "${pngs[i % ${#pngs[@]}]}" "$library/$path"
    i=$((i + 1))
done <"$library/paths.txt"
sed -i 1d "$library/paths.txt"  # the opened image is not a step

"$GPTIMG" serve --simulator --library "$library" --port "$port" >"$BENCH_OUT/workspace-serve.log" 2>&1 &
server=$!
python3 -m http.server --bind 127.0.0.1 --directory "$library" "$((port + 1))" >/dev/null 2>&1 &
peer=$!
trap 'kill $server $peer 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf -o /dev/null "$base/static/app.css" && curl -sf -o /dev/null "$static/" && break; sleep 0.1; done
curl -sf -o /dev/null "$base/" || { cat "$BENCH_OUT/workspace-serve.log" >&2; exit 1; }
simulator=$(sed -n 's/.*through the simulator on \(http[^ ]*\).*/\1/p' "$BENCH_OUT/workspace-serve.log")
[[ -n $simulator ]] || { cat "$BENCH_OUT/workspace-serve.log" >&2; exit 1; }

log "tiles per grid page: $(curl -s "$base/" | grep -o '<li class="tile"' | wc -l); simulator at $simulator"
results=$BENCH_OUT/workspace-results-$images.txt
: >"$results"
record() { sed -n 's/^RESULT //p' | tee -a "$results" >&2; }
log "1. the lightbox's next image: $steps steps x $passes passes (+1 warm-up)"
python3 bench/workspace_client.py lightbox "$base" "$steps" "$passes" "$static" "$library/paths.txt" | record
log "2. $generations generations, polled every 50 ms"
python3 bench/workspace_client.py generate "$base" "$simulator" "$generations" | record

log "3. the grid's first page with wrk, without and with generations running"
loops=""
for connections in 1 4; do
    line=$(wrk -t1 -c"$connections" -d"${seconds}s" --latency -s bench/gallery-latency.lua "$base/" | sed -n 's/^RESULT //p')
    echo "peer: grid first page, idle, c=$connections|$line" | tee -a "$results" >&2
    stop=$BENCH_OUT/workspace-stop
    rm -f "$stop"
    python3 bench/workspace_client.py loop "$base" "$stop" >"$BENCH_OUT/workspace-loop.txt" &
    generator=$!
    sleep 1  # the first generation is under way
    line=$(wrk -t1 -c"$connections" -d"${seconds}s" --latency -s bench/gallery-latency.lua "$base/" | sed -n 's/^RESULT //p')
    touch "$stop"
    wait "$generator"
    echo "grid first page under generation, c=$connections|$line" | tee -a "$results" >&2
    loops+=" c=$connections: $(sed 's/LOOP //' "$BENCH_OUT/workspace-loop.txt");"
done
rss=$(awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' /proc/$server/status)
landed=$(sqlite3 "$library/catalog.sqlite" "SELECT count(*) FROM images")

echo
bench_machine
echo "wrk $(wrk -v 2>&1 | head -1 | cut -d' ' -f2); catalog copy of $source_library ($images images, $landed after the run);" \
    "lightbox $steps steps x $passes passes; $generations generations; wrk ${seconds} s per run; generations during wrk:$loops" \
    "server peak RSS $rss"
printf '%-58s %9s %9s %9s %7s  %s\n' figure "p50 ms" "p95 ms" "max ms" n target
while IFS='|' read -r name values; do
    get() { echo "$values" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
    p95=$(get p95_ms)
    n=$(get n)
    [[ -n $n ]] || n=$(get requests)
    max=$(get max_ms)
    target=""
    case $name in
        "lightbox next: every step" | "lightbox next: page crossing")
            target=$(awk -v p="$p95" 'BEGIN { print (p <= 50 ? "<= 50: met" : "<= 50: MISSED") }') ;;
        "tile after completion"*)
            target=$(awk -v p="$p95" 'BEGIN { print (p <= 2000 ? "<= 2000: met" : "<= 2000: MISSED") }') ;;
        "grid first page under generation"*)
            target=$(awk -v p="$p95" 'BEGIN { print (p <= 50 ? "<= 50: met" : "<= 50: MISSED") }') ;;
    esac
    printf '%-58s %9s %9s %9s %7s  %s\n' "$name" "$(get p50_ms)" "$p95" "$max" "$n" "$target"
done <"$results"
