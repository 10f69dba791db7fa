"""Latency of `gptimg import --watch`: time from a file's rename into the watched folder to its
row in the catalog, for COUNT files one after another; beside it, the peer: `gptimg import FILE`
as a new process (start to exit, when its row is committed) for PEER files; and PEER files
written in place (no rename), timed from their close.
  python3 bench/watch_latency.py GPTIMG WORKDIR COUNT PEER
Prints one JSON object (seconds) on stdout; progress on stderr."""
import json, os, random, signal, sqlite3, statistics, struct, subprocess, sys, time, zlib

gptimg, work, count, peer_count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])


def png(seed, width=512, height=512):
    """A distinct PNG of ~0.8 MB (noise compresses like a photograph, roughly)."""
    rng = random.Random(seed)
    rows = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 1))
            + chunk(b"IEND", b""))


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


inbox, library, staged = f"{work}/inbox", f"{work}/library", f"{work}/staged"
for folder in (inbox, staged):
    os.makedirs(folder, exist_ok=True)
env = dict(os.environ, NO_COLOR="1")
print(f"making {count + 2 * peer_count} files", file=sys.stderr)
for i in range(count + 2 * peer_count):
    with open(f"{staged}/{i:05d}.png", "wb") as f:
        f.write(png(i))

watcher = subprocess.Popen([gptimg, "import", "--watch", inbox, "--library", library], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
for line in watcher.stderr:
    if line.startswith("caught up:"):
        break
catalog = sqlite3.connect(f"file:{library}/catalog.sqlite?mode=ro", uri=True)


def images():
    return catalog.execute("SELECT count(*) FROM images").fetchone()[0]


latencies = []
for i in range(count):
    # The file is written under a temporary name in the folder, then renamed: what a careful
    # writer does. The clock starts at the rename.
    temporary = f"{inbox}/.{i:05d}.png.part"
    with open(f"{staged}/{i:05d}.png", "rb") as src, open(temporary, "wb") as dst:
        dst.write(src.read())
    started = time.perf_counter()
    os.rename(temporary, f"{inbox}/{i:05d}.png")
    deadline = started + 30
    while images() < i + 1:
        if time.perf_counter() > deadline:
            sys.exit(f"file {i} not in the catalog after 30 s")
        time.sleep(0.002)
    latencies.append(time.perf_counter() - started)
# The peer path of a writer that saves in place (ComfyUI, A1111): timed from the file's close;
# it waits out the settle time (half a second without a write) by design.
in_place = []
for i in range(count, count + peer_count):
    data = open(f"{staged}/{i:05d}.png", "rb").read()
    with open(f"{inbox}/inplace-{i:05d}.png", "wb") as dst:
        dst.write(data)
    started = time.perf_counter()
    while images() < i + 1:
        if time.perf_counter() > started + 30:
            sys.exit(f"in-place file {i} not in the catalog after 30 s")
        time.sleep(0.002)
    in_place.append(time.perf_counter() - started)
watcher.send_signal(signal.SIGINT)
rest = watcher.stderr.read()
status = watcher.wait(timeout=60)
if status != 0:
    sys.exit(f"the watcher exited with {status}: {rest}")

peer = []
for i in range(count + peer_count, count + 2 * peer_count):
    started = time.perf_counter()
    subprocess.run([gptimg, "import", "--quiet", f"{staged}/{i:05d}.png", "--library", library], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    peer.append(time.perf_counter() - started)
total = images()
if total != count + 2 * peer_count:
    sys.exit(f"{total} images in the catalog, expected {count + 2 * peer_count}")

print(json.dumps({
    "files": count,
    "watch_median": statistics.median(latencies), "watch_p95": percentile(latencies, 95),
    "watch_max": max(latencies),
    "in_place_median": statistics.median(in_place), "in_place_p95": percentile(in_place, 95),
    "peer_files": peer_count, "peer_median": statistics.median(peer), "peer_p95": percentile(peer, 95),
}))
