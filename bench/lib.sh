# Shared by bench/*.sh (sourced, not run): settings, the release build, the corpus, the tools
# and the report. Every setting can be overridden from the environment:
#   BENCH_COUNT=2000       files in the corpus (BENCH_COUNT=50 is a quick smoke run)
#   BENCH_RUNS=5           timed runs per contender (after one warm-up run)
#   BENCH_SEED=1           corpus seed
#   BENCH_SCRATCH_PATH=.build-bench   SwiftPM scratch path of the release build
#   BENCH_SKIP_BUILD=1     use the binaries already built
set -euo pipefail

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$BENCH_ROOT"

BENCH_COUNT=${BENCH_COUNT:-2000}
BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_SEED=${BENCH_SEED:-1}
BENCH_SCRATCH_PATH=${BENCH_SCRATCH_PATH:-.build-bench}
BENCH_OUT=bench/out
BENCH_CORPUS=$BENCH_OUT/corpus-$BENCH_COUNT
GPTIMG=$BENCH_SCRATCH_PATH/release/gptimg
GPTIMG_BENCH=$BENCH_SCRATCH_PATH/release/gptimg-bench

log() { printf '==> %s\n' "$*" >&2; }

# Installs hyperfine and exiftool from Debian's packages when they are missing, and any other
# tool a script names as COMMAND:PACKAGE (bench_tools wrk:wrk vipsthumbnail:libvips-tools).
bench_tools() {
    local missing=() pair
    for pair in hyperfine:hyperfine exiftool:libimage-exiftool-perl "$@"; do
        command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
    done
    if ((${#missing[@]})); then
        log "installing ${missing[*]}"
        local sudo=()
        [[ $(id -u) == 0 ]] || sudo=(sudo)
        "${sudo[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# A catalog of COUNT images seeded through SQL (bench/seed_catalog.py; the catalog's own triggers
# fill its FTS5 index) at LIBRARY: made once and reused (a minute or two per million). Needs
# $GPTIMG (bench_build).
bench_seed_catalog() {  # bench_seed_catalog COUNT LIBRARY
    local count=$1 library=$2
    if [[ -f $library/catalog.sqlite ]]; then log "reusing $library"; return; fi
    rm -rf "$library.partial"
    log "seeding $count images into $library"
    "$GPTIMG" doctor --fix --library "$library.partial" >/dev/null  # creates the library and its schema
    python3 bench/seed_catalog.py "$count" "$library.partial/catalog.sqlite"
    mv "$library.partial" "$library"
}

# Starts `gptimg simulator ARGS…` on a free port in the background, its output in LOG, and
# waits for it: sets $bench_simulator_pid and $bench_simulator_url (killed when the script exits).
bench_simulator() {  # bench_simulator LOG ARGS…
    local log_file=$1
    shift
    "$GPTIMG" simulator --port 0 "$@" >"$log_file" 2>&1 &
    bench_simulator_pid=$!
    trap 'kill $bench_simulator_pid 2>/dev/null || true' EXIT
    for _ in $(seq 100); do grep -q "listening on" "$log_file" 2>/dev/null && break; sleep 0.05; done
    bench_simulator_url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$log_file")
    [[ -n $bench_simulator_url ]] || { cat "$log_file" >&2; exit 1; }
}

# One release build of the whole package (gptimg and gptimg-bench) in its own scratch path.
bench_build() {
    if [[ ${BENCH_SKIP_BUILD:-0} == 1 ]]; then
        log "skipping the build (BENCH_SKIP_BUILD=1)"
    else
        log "swift build -c release --scratch-path $BENCH_SCRATCH_PATH"
        swift build -c release --scratch-path "$BENCH_SCRATCH_PATH" >&2
    fi
    [[ -x $GPTIMG && -x $GPTIMG_BENCH ]] || { echo "missing $GPTIMG or $GPTIMG_BENCH" >&2; exit 1; }
}

# Generates the corpus once (with metadata) and reuses it; a half-written one is never reused,
# since it only gets its final name when complete.
bench_corpus() {
    if [[ -d $BENCH_CORPUS ]]; then
        log "reusing $BENCH_CORPUS ($(bench_describe "$BENCH_CORPUS"))"
        return
    fi
    mkdir -p "$BENCH_OUT"
    rm -rf "$BENCH_CORPUS.partial"
    log "generating $BENCH_CORPUS"
    "$GPTIMG_BENCH" corpus "$BENCH_CORPUS.partial" --count "$BENCH_COUNT" --seed "$BENCH_SEED" --with-metadata
    mv "$BENCH_CORPUS.partial" "$BENCH_CORPUS"
}

bench_describe() {
    local files bytes
    files=$(find "$1" -maxdepth 1 -name '*.png' | wc -l)
    bytes=$(du -sb "$1" | cut -f1)
    echo "$files files, $((bytes / 1000000)) MB"
}

# The hyperfine options every contender shares.
bench_hyperfine() {
    hyperfine --warmup 1 --runs "$BENCH_RUNS" --style basic "$@"
}

bench_machine() {
    echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo) RAM, $(uname -sr);" \
        "$(swift --version 2>/dev/null | head -1); hyperfine $(hyperfine --version | cut -d' ' -f2); exiftool $(exiftool -ver)"
}
