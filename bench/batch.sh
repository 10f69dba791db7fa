#!/usr/bin/env bash
# `gptimg batch` against the simulator at the API's pace: 40 prompts, concurrency 8, each task
# taking 45 s ± 10 s (uniform). Measures, per run: the batch's wall time (first submission to
# last image in the library), polls per task, and how long after the simulator marked a task
# completed its image was in the library (p95), and landing alone (download, verify, embed,
# commit; p95). The peer, bench/batch_ref.py, is a plain client of the seeds' advice (a
# thread-pool window, a poll every 5 s, a download to a folder) run at the same time against
# the same simulator with its own key. gptimg is told the latency (GPTIMG_POLL_LATENCY; 45 is
# also its default for a library with no history).
#   BENCH_RUNS=3 (runs; each takes about 4.5 minutes)   BENCH_PROMPTS=40   BENCH_CONCURRENCY=8
#   BENCH_LATENCY=45   BENCH_JITTER=10
batch_runs=${BENCH_RUNS:-3}  # read before lib.sh sets its own default of 5
source "$(dirname "$0")/lib.sh"
BENCH_RUNS=$batch_runs
BENCH_PROMPTS=${BENCH_PROMPTS:-40}
BENCH_CONCURRENCY=${BENCH_CONCURRENCY:-8}
BENCH_LATENCY=${BENCH_LATENCY:-45}
BENCH_JITTER=${BENCH_JITTER:-10}

bench_build
out=$BENCH_OUT/batch
rm -rf "$out"
mkdir -p "$out"
for ((i = 0; i < BENCH_PROMPTS; i++)); do echo "benchmark prompt $i: a harbour town at dusk, boats and lanterns"; done >"$out/prompts.txt"

summary=()
for ((run = 1; run <= BENCH_RUNS; run++)); do
    dir=$out/run-$run
    mkdir -p "$dir"
    bench_simulator "$dir/server.log" --latency "$BENCH_LATENCY" --jitter "$BENCH_JITTER" --credits 100000 \
        --key ours --key peer --seed "$run"
    base=$bench_simulator_url
    log "run $run: simulator at $base, $BENCH_PROMPTS prompts at concurrency $BENCH_CONCURRENCY, latency $BENCH_LATENCY ± $BENCH_JITTER s"

    python3 bench/batch_ref.py "$base" peer "$out/prompts.txt" "$BENCH_CONCURRENCY" "$dir/peer-images" >"$dir/peer.json" &
    peer=$!
    start=$(date +%s.%N)
    GPTIMG_BASE_URL=$base GPTIMG_API_KEY=ours GPTIMG_POLL_LATENCY=$BENCH_LATENCY "$GPTIMG" batch "$out/prompts.txt" --concurrency "$BENCH_CONCURRENCY" \
        --library "$dir/Library" --json >"$dir/ours.jsonl" 2>"$dir/ours.err"
    end=$(date +%s.%N)
    wait $peer
    curl -s -H "Authorization: Bearer ours" "$base/_simulator/ledger" >"$dir/ledger.json"
    kill $bench_simulator_pid 2>/dev/null || true
    wait $bench_simulator_pid 2>/dev/null || true

    line=$(python3 - "$dir/ours.jsonl" "$start" "$end" "$dir/peer.json" "$BENCH_LATENCY" "$dir/ledger.json" "$BENCH_CONCURRENCY" <<'PY'
import heapq, json, statistics, sys
from datetime import datetime
def t(s): return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
done = [r for r in rows if r["status"] == "completed"]
wall = float(sys.argv[3]) - float(sys.argv[2])
def p95(xs):
    xs = sorted(xs); return xs[max(0, int(round(0.95 * len(xs))) - 1)]
after = [t(r["timing"]["landed_at"]) - t(r["timing"]["completed_at"]) for r in done]
landing = [t(r["timing"]["landed_at"]) - t(r["timing"]["seen_at"]) for r in done]
polls = statistics.mean(r["timing"]["polls"] for r in done)
peer = json.load(open(sys.argv[4]))
L = float(sys.argv[5])
# The oracle: the same tasks' own latencies (submission to the simulator's completion), in the
# same order, in the same number of slots, each slot freed the instant its task completes: what
# no client can beat on these draws.
ledger = {e["task_id"]: t(e["at"]) for e in json.load(open(sys.argv[6]))["entries"] if e["task_id"]}
latencies = [t(r["timing"]["completed_at"]) - ledger[r["task_id"]] for r in sorted(done, key=lambda r: ledger[r["task_id"]])]
slots = [0.0] * int(sys.argv[7])
for latency in latencies:
    heapq.heappush(slots, heapq.heappop(slots) + latency)
oracle = max(slots)
print(f'{len(done)} {wall:.1f} {wall / L:.2f} {polls:.2f} {p95(after):.2f} {p95(landing):.3f} '
      f'{peer["wall"]:.1f} {peer["wall"] / L:.2f} {peer["polls_per_task"]:.2f} {peer["completion_to_library_p95"]:.2f} {oracle:.1f} {oracle / L:.2f}')
PY
)
    log "run $run: $line"
    summary+=("$line")
done

python3 - "${summary[@]}" <<'PY'
import statistics, sys
rows = [list(map(float, a.split())) for a in sys.argv[1:]]
cols = list(zip(*rows))
med = lambda i: statistics.median(cols[i])
print("runs: %d (per run: %s)" % (len(rows), "; ".join("%.1f s vs %.1f s" % (r[1], r[6]) for r in rows)))
print("gptimg batch:  completed %d of each run; wall %.1f s = %.2f x latency; %.2f polls/task; completion->library p95 %.2f s; landing p95 %.3f s"
      % (med(0), med(1), med(2), med(3), med(4), med(5)))
print("peer (5 s polls): wall %.1f s = %.2f x latency; %.2f polls/task; completion->library p95 %.2f s" % (med(6), med(7), med(8), med(9)))
print("oracle (these latencies, slots freed at completion, no polling or landing): %.1f s = %.2f x latency" % (med(10), med(11)))
print("ratio (peer wall / gptimg wall, median): %.3f; gptimg over the oracle, median: %.1f s" % (med(6) / med(1), statistics.median(r[1] - r[10] for r in rows)))
PY
