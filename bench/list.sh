#!/usr/bin/env bash
# Browsing a large catalog, whole processes: a 1,000,000-image catalog seeded through SQL
# (bench/seed_catalog.py, the catalog's own triggers fill its FTS5 index) and a 100,000-image one.
#   - `gptimg list "3 words" --limit 50` against the sqlite3 CLI running the same FTS query on
#     the same file (target: at most 2.5x its time) and against a LIKE '%…%' scan;
#   - `gptimg list --limit 20` on 100,000 images as a new process (target: at most 20 ms), with
#     the page cache as it is and with it dropped before each run (everything read from disk).
# Two builds of gptimg are timed: the one `make install` puts on the PATH (--static-swift-stdlib,
# scratch path BENCH_STATIC_SCRATCH, default .build-static; installed stripped, which does not
# change its start-up) and lib.sh's release build (Swift's libraries linked dynamically). Each
# table's first line is the reference its ratios are taken against.
#   bash bench/list.sh
# Also: BENCH_LIST_COUNT (default 1000000), BENCH_LIST_SMALL (default 100000),
# BENCH_LIST_WORDS (default "misty lighthouse watercolor").
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_tools
bench_build
scratch=${BENCH_STATIC_SCRATCH:-.build-static}
STATIC=$scratch/release/gptimg
if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
    log "swift build -c release --static-swift-stdlib --scratch-path $scratch --product gptimg"
    swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product gptimg >&2
fi
command -v sqlite3 >/dev/null || { echo "sqlite3 is missing: run make deps" >&2; exit 1; }

# The floor no Swift program linking Foundation gets under: one that only starts and prints
# (gptimg links Foundation; the sqlite3 shell is C). Built as the release build is (-O).
floor=$BENCH_OUT/floor
mkdir -p "$floor"
printf 'import Foundation\nprint(Date().timeIntervalSince1970 > 0)\n' >"$floor/foundation.swift"
printf 'print(1)\n' >"$floor/plain.swift"
swiftc -O "$floor/foundation.swift" -o "$floor/swift-foundation" >&2
swiftc -O "$floor/plain.swift" -o "$floor/swift-plain" >&2

big_count=${BENCH_LIST_COUNT:-1000000}
small_count=${BENCH_LIST_SMALL:-100000}
words=${BENCH_LIST_WORDS:-misty lighthouse watercolor}

mkdir -p "$BENCH_OUT"
big=$BENCH_OUT/list-$big_count
small=$BENCH_OUT/list-$small_count
bench_seed_catalog "$big_count" "$big"
bench_seed_catalog "$small_count" "$small"

# The query gptimg runs for `list "$words"`, as the sqlite3 CLI would be asked it: the FTS match,
# the image and generation rows, newest first; and the same rows found by LIKE instead of FTS.
columns="i.id, i.generation_id, i.sha256, i.path, i.width, i.height, i.bytes, i.index_in_task, i.remote_url, i.favorite, i.rating, i.generator, i.created_at, i.added_at, i.original_name, g.*"
match=$(printf '"%s" AND ' $words | sed 's/ AND $//')
fts="SELECT $columns FROM image_search s CROSS JOIN images i ON i.id = s.rowid CROSS JOIN generations g ON g.id = i.generation_id WHERE image_search MATCH '$match' ORDER BY i.created_at DESC, i.id DESC LIMIT 50"
like_where=$(printf "g.prompt LIKE '%%%s%%' AND " $words | sed 's/ AND $//')
like="SELECT $columns FROM images i CROSS JOIN generations g ON g.id = i.generation_id WHERE $like_where ORDER BY i.created_at DESC, i.id DESC LIMIT 50"
matches=$(sqlite3 "$big/catalog.sqlite" "SELECT count(*) FROM image_search WHERE image_search MATCH '$match'")
ours_rows=$("$STATIC" list "$words" --limit 50 --library "$big" | wc -l)
cmp <("$STATIC" list "$words" --limit 50 --library "$big") <("$GPTIMG" list "$words" --limit 50 --library "$big") \
    || { echo "the static and the dynamic build disagree" >&2; exit 1; }
fts_rows=$(sqlite3 "$big/catalog.sqlite" "$fts" | wc -l)
like_rows=$(sqlite3 "$big/catalog.sqlite" "$like" | wc -l)
log "'$words': $matches matches; rows shown: gptimg $ours_rows, sqlite3 FTS $fts_rows, sqlite3 LIKE $like_rows"

log "timing the 3-word query on $big_count images"
hyperfine --style basic -N --warmup 3 --runs "$((BENCH_RUNS * 4))" --export-json "$BENCH_OUT/list-query.json" \
    -n "gptimg list (static, installed)" "$STATIC list '$words' --limit 50 --library $big" \
    -n "gptimg list (dynamic)" "$GPTIMG list '$words' --limit 50 --library $big" \
    -n "sqlite3 FTS" "sqlite3 $big/catalog.sqlite \"$fts\"" \
    -n "floor: a Swift program with Foundation that only starts" "$floor/swift-foundation" \
    -n "floor: a Swift program without Foundation" "$floor/swift-plain"
hyperfine --style basic -N --warmup 1 --runs "$BENCH_RUNS" --export-json "$BENCH_OUT/list-like.json" \
    -n "gptimg list (static, installed)" "$STATIC list '$words' --limit 50 --library $big" \
    -n "sqlite3 LIKE" "sqlite3 $big/catalog.sqlite \"$like\""

# The queries alone, inside one sqlite3 process (its .timer), without any process start-up:
# the median CPU time (user + sys) of 7 runs of each after one warm-up.
query_times() {  # query_times SQL: the median "real" seconds
    { echo ".timer on"; echo ".output /dev/null"; for _ in 1 2 3 4 5 6 7 8; do echo "$1;"; done; } \
        | sqlite3 "$big/catalog.sqlite" 2>&1 | awk '/Run Time/ {printf "%.6f\n", $6 + $8}' | tail -7 | sort -n | sed -n 4p
}
fts_alone=$(query_times "$fts")
like_alone=$(query_times "$like")

log "timing list --limit 20 on $small_count images: new processes, then with the page cache dropped"
recent="SELECT $columns FROM images i CROSS JOIN generations g ON g.id = i.generation_id ORDER BY i.created_at DESC, i.id DESC LIMIT 20"
hyperfine --style basic -N --warmup 3 --runs "$((BENCH_RUNS * 4))" --export-json "$BENCH_OUT/list-recent.json" \
    -n "gptimg list --limit 20 (static, installed)" "$STATIC list --limit 20 --library $small" \
    -n "gptimg list --limit 20 (dynamic)" "$GPTIMG list --limit 20 --library $small" \
    -n "sqlite3 same query" "sqlite3 $small/catalog.sqlite \"$recent\"" \
    -n "gptimg --version (static)" "$STATIC --version" \
    -n "floor: a Swift program with Foundation that only starts" "$floor/swift-foundation"
drop="sync && echo 3 > /proc/sys/vm/drop_caches"
hyperfine --style basic --warmup 0 --runs "$((BENCH_RUNS * 2))" --export-json "$BENCH_OUT/list-cold.json" --prepare "$drop" \
    -n "gptimg list --limit 20 (static, installed, page cache dropped)" "$STATIC list --limit 20 --library $small" \
    -n "gptimg list --limit 20 (dynamic, page cache dropped)" "$GPTIMG list --limit 20 --library $small" \
    -n "sqlite3 same query (page cache dropped)" "sqlite3 $small/catalog.sqlite \"$recent\"" \
    -n "gptimg --version (static, page cache dropped)" "$STATIC --version"

echo
bench_machine
echo "catalogs: $big_count and $small_count images; query '$words' ($matches matches)"
"$GPTIMG_BENCH" report "$BENCH_OUT/list-query.json" --target "sqlite3 FTS=0.4"
"$GPTIMG_BENCH" report "$BENCH_OUT/list-like.json"
awk -v f="$fts_alone" -v l="$like_alone" 'BEGIN { printf "queries alone, in one sqlite3 process (median of 7): FTS %.4f s, LIKE %.4f s: FTS %.0fx faster\n", f, l, l / f }'
"$GPTIMG_BENCH" report "$BENCH_OUT/list-recent.json"
"$GPTIMG_BENCH" report "$BENCH_OUT/list-cold.json"
