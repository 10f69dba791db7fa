#!/usr/bin/env bash
# Process start: `gptimg --version` and `gptimg list --limit 20` on 100,000 images, whole
# processes, for one or more gptimg binaries (e.g. one before and one after a change) in the same
# run, beside peers measured in that run: /bin/true (a process and nothing else), `sqlite3
# -version` (a C program with one library) and the sqlite3 shell running list's query on the same
# file. On a shared machine compare the ratios to the peers, not the milliseconds.
#   bash bench/startup.sh [GPTIMG…]     (default: .build-static/release/gptimg, as make install)
# Builds nothing: build with
#   swift build -c release --static-swift-stdlib --scratch-path .build-static --product gptimg
# Also: BENCH_STARTUP_RUNS (default 50), BENCH_STARTUP_LIBRARY (default bench/out/list-100000,
# made by bench/list.sh; a copy is timed, so the original is only read).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_tools
command -v sqlite3 >/dev/null || { echo "sqlite3 is missing: run make deps" >&2; exit 1; }
runs=${BENCH_STARTUP_RUNS:-50}
source_library=${BENCH_STARTUP_LIBRARY:-$BENCH_OUT/list-100000}
[[ -f $source_library/catalog.sqlite ]] || { echo "no catalog at $source_library: run bench/list.sh" >&2; exit 1; }
binaries=("$@")
((${#binaries[@]})) || binaries=(.build-static/release/gptimg)
for binary in "${binaries[@]}"; do [[ -x $binary ]] || { echo "$binary is not built" >&2; exit 1; }; done

library=$BENCH_OUT/startup-library
rm -rf "$library"
cp -r "$source_library" "$library"
# No config file: every binary reads the same (absent) one.
export HOME=$BENCH_OUT/startup-home XDG_CONFIG_HOME=$BENCH_OUT/startup-home/.config
mkdir -p "$HOME"

columns="i.id, i.generation_id, i.sha256, i.path, i.width, i.height, i.bytes, i.index_in_task, i.remote_url,"
columns+=" i.favorite, i.rating, i.generator, i.created_at, i.added_at, i.original_name, g.*"
recent="SELECT $columns FROM images i CROSS JOIN generations g ON g.id = i.generation_id"
recent+=" ORDER BY i.created_at DESC, i.id DESC LIMIT 20"

# Each run is one posix_spawn with its wall time and its CPU time (user + system, from wait4):
# on a machine other work keeps busy, the CPU time is what that work changes least. The commands
# take turns, run by run, so a busy spell falls on all of them alike.
commands=("/bin/true" "sqlite3 -version" "sqlite3 $library/catalog.sqlite '$recent'")
for binary in "${binaries[@]}"; do
    commands+=("$binary --version" "$binary list --limit 20 --library $library")
done

echo
bench_machine
for binary in "${binaries[@]}"; do
    printf '%s: %s shared libraries loaded (ldd), %s NEEDED\n' "$binary" "$(ldd "$binary" | grep -c .)" \
        "$(readelf -d "$binary" | grep -c NEEDED)"
done
python3 - "$runs" "${commands[@]}" <<'EOF'
import os, shlex, statistics, sys, time
runs, commands = int(sys.argv[1]), sys.argv[2:]
wall, cpu = {c: [] for c in commands}, {c: [] for c in commands}
null = os.open(os.devnull, os.O_WRONLY)
for round in range(runs + 3):  # the first 3 rounds warm the caches and are not counted
    for command in commands:
        argv = shlex.split(command)
        start = time.perf_counter()
        pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, null, 1)])
        _, status, usage = os.wait4(pid, 0)
        elapsed = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"failed: {command}")
        if round >= 3:
            wall[command].append(elapsed * 1000)
            cpu[command].append((usage.ru_utime + usage.ru_stime) * 1000)
name = lambda c: c.replace(" '" + c.split(" '")[1], " QUERY") if " '" in c else c
med = lambda xs: statistics.median(xs)
base_wall, base_cpu = med(wall["sqlite3 -version"]), med(cpu["sqlite3 -version"])
print(f"{'median of %d runs' % runs:66} {'wall ms':>8} {'x sqlite3 -v':>12} {'cpu ms':>7} {'x sqlite3 -v':>12}")
for c in commands:
    print(f"{name(c)[-66:]:66} {med(wall[c]):8.2f} {med(wall[c]) / base_wall:12.2f}"
          f" {med(cpu[c]):7.2f} {med(cpu[c]) / base_cpu:12.2f}")
EOF
