#!/usr/bin/env bash
# The MCP server's `search` tool on 100,000 images, as an assistant's host sees it: the round
# trip of a `tools/call` measured by a real MCP client (PyPI `mcp`, ClientSession over stdio)
# against a warm `gptimg mcp` (release build) on list.sh's 100,000-image catalog (rows seeded
# through SQL by bench/seed_catalog.py). One server for the whole run; each query is called
# BENCH_MCP_WARMUP times first, then BENCH_MCP_CALLS times one after the other.
# Target: a search call answers in at most 30 ms (median). The peer, in the same run: the same
# question asked of the CLI as a new process (`gptimg search|list … --json`), what an assistant
# without MCP would run.
#   bash bench/mcp.sh
# Also: BENCH_LIST_SMALL (default 100000), BENCH_MCP_CALLS (default 200), BENCH_MCP_WARMUP (20).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_tools
bench_build
python3 -c "import mcp" 2>/dev/null || { echo "python3 cannot import mcp: run scripts/install-deps.sh" >&2; exit 1; }
count=${BENCH_LIST_SMALL:-100000}
library=$BENCH_OUT/list-$count
mkdir -p "$BENCH_OUT"
bench_seed_catalog "$count" "$library"

log "timing search calls on $count images"
echo
bench_machine
python3 - "$GPTIMG" "$library" "${BENCH_MCP_CALLS:-200}" "${BENCH_MCP_WARMUP:-20}" <<'EOF'
import asyncio, statistics, subprocess, sys, time
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

gptimg, library, calls, warmup = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
QUERIES = [
    ("one word, relevance", {"query": "lighthouse", "limit": 20}),
    ("three words", {"query": "misty lighthouse watercolor", "limit": 20}),
    ("everything, newest first", {"query": "", "limit": 20}),
    ("word and filter", {"query": "lighthouse aspect:16:9", "limit": 20}),
    ("one word, 200 results", {"query": "fox", "limit": 200}),
]

async def main():
    params = StdioServerParameters(command=gptimg, args=["mcp", "--library", library])
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            print(f"{'search call':32} {'images':>6} {'median ms':>10} {'p95 ms':>8} {'min ms':>8}   target"
                  "   CLI process median ms (ratio)")
            for name, arguments in QUERIES:
                for _ in range(warmup):
                    result = await session.call_tool("search", arguments)
                    assert not result.is_error, result.content[0].text
                times = []
                for _ in range(calls):
                    start = time.perf_counter()
                    result = await session.call_tool("search", arguments)
                    times.append((time.perf_counter() - start) * 1000)
                times.sort()
                median = statistics.median(times)
                p95 = times[int(len(times) * 0.95) - 1]
                verdict = "met" if median <= 30 else "MISSED"
                images = len(result.structured_content["images"])
                query = arguments["query"]
                command = [gptimg, "search" if query else "list"] + ([query] if query else [])
                command += ["--limit", str(arguments["limit"]), "--json", "--library", library]
                cli = []
                for index in range(max(10, calls // 4)):
                    start = time.perf_counter()
                    subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
                    if index >= 2:
                        cli.append((time.perf_counter() - start) * 1000)
                peer = statistics.median(cli)
                print(f"{name:32} {images:>6} {median:>10.2f} {p95:>8.2f} {times[0]:>8.2f}   <= 30: {verdict:6}"
                      f"   {peer:8.2f} ({peer / median:.1f}x)")

asyncio.run(main())
EOF
