#!/usr/bin/env bash
# Landing one image, as `gptimg generate` does it (release build) against the simulator: from the
# moment a poll sees the task completed to the image in the library — its completion recorded,
# the PNG downloaded (the simulator draws it on this first fetch: ~1 MP, 1-2 MB), embedded in
# memory, checked (every CRC), hashed, written once into staging, fsynced, linked and its row
# committed (the `seen_at` → `landed_at` of `generate --json`). One generation of one image per
# process, BENCH_LANDINGS times (default 40), one after another. Also prints the simulator's CPU
# time per image (drawing and serving it, which the landing waits for). Target: p95 ≤ 0.3 s.
#   bash bench/landing.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
landings=${BENCH_LANDINGS:-40}

bench_build
out=$BENCH_OUT/landing
rm -rf "$out"
mkdir -p "$out"
bench_simulator "$out/server.log" --latency 0.2 --credits 100000
cpu() { awk '{ print $14 + $15 }' "/proc/$bench_simulator_pid/stat"; }  # user + system, clock ticks
before=$(cpu)
for ((i = 1; i <= landings; i++)); do
    GPTIMG_BASE_URL=$bench_simulator_url GPTIMG_API_KEY=sim-local-key GPTIMG_POLL_LATENCY=0.2 \
        "$GPTIMG" generate "landing benchmark $i: a harbour town at dusk, boats and lanterns" --aspect 1:1 \
        --library "$out/Library" --json >>"$out/ours.jsonl"
done
after=$(cpu)
sqlite3 "$out/Library/catalog.sqlite" "SELECT bytes FROM images" >"$out/bytes.txt"

echo
bench_machine
python3 - "$out/ours.jsonl" "$out/bytes.txt" "$before" "$after" "$(getconf CLK_TCK)" <<'PY'
import json, statistics, sys
from datetime import datetime
def t(s): return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
done = [r for r in rows if r["status"] == "completed"]
landing = sorted(t(r["timing"]["landed_at"]) - t(r["timing"]["seen_at"]) for r in done)
sizes = sorted(int(l) for l in open(sys.argv[2]) if l.strip())
p95 = landing[max(0, int(round(0.95 * len(landing))) - 1)]
simulator = (float(sys.argv[4]) - float(sys.argv[3])) / float(sys.argv[5]) / max(1, len(done))
print(f"{len(done)} landings of one image (median {statistics.median(sizes) / 1e6:.2f} MB, "
      f"largest {sizes[-1] / 1e6:.2f} MB)")
print(f"landing: median {statistics.median(landing):.3f} s, p95 {p95:.3f} s (target ≤ 0.3: "
      f"{'met' if p95 <= 0.3 else 'MISSED'}), min {landing[0]:.3f} s, max {landing[-1]:.3f} s")
print(f"the simulator's CPU per image (drawing and serving it): {simulator:.3f} s")
PY
