#!/usr/bin/env python3
"""The client side of bench/workspace.sh: what the gallery's page does, timed from the outside
(one keep-alive connection, like a browser's; the time of a request runs to its last byte).

  lightbox BASE STEPS PASSES [STATIC_BASE PATHS_FILE]   the lightbox's "next" key, STEPS times a pass
  generate BASE SIM_URL COUNT                            COUNT generations, polled every 50 ms
  loop BASE STOP_FILE                                    generations one after another, polled as the
                                                         page polls (0.6 s), until STOP_FILE exists
Each prints one RESULT line per figure: name, then p50_ms= p95_ms= max_ms= n=.
"""
import datetime, http.client, json, os, re, sys, time, urllib.parse

KEY = "sim-local-key"  # SimulatorConfiguration.defaultKey


class Client:
    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        self.host, self.port = url.hostname, url.port
        self.origin = "http://%s:%d" % (self.host, self.port)
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def request(self, method, path, body=None, headers=None):
        """(status, body, seconds) of one request, reconnecting once when the server closed."""
        for attempt in (0, 1):
            try:
                start = time.perf_counter()
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
                elapsed = time.perf_counter() - start
                if response.getheader("Connection", "").lower() == "close" or response.version == 10:
                    self.conn.close()
                return response.status, data, elapsed
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if attempt:
                    raise

    def get(self, path):
        status, data, elapsed = self.request("GET", path)
        if status != 200:
            sys.exit("GET %s answered %d: %s" % (path, status, data[:300]))
        return data, elapsed


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(-(-p * len(ordered) // 100)) - 1))]  # nearest rank


def report(name, seconds):
    ms = [s * 1000 for s in seconds]
    print("RESULT %s|p50_ms=%.2f p95_ms=%.2f max_ms=%.2f n=%d" % (
        name, percentile(ms, 50), percentile(ms, 95), max(ms), len(ms)), flush=True)


TILE = re.compile(r'<li class="tile"[^>]*data-sha="([0-9a-f]{64})"')
NEXT = re.compile(r'<a[^>]*id="next"[^>]*href="([^"]+)"|<a[^>]*href="([^"]+)"[^>]*id="next"')


def page_parts(html):
    text = html.decode()
    found = NEXT.search(text)
    return TILE.findall(text), (found.group(1) or found.group(2)).replace("&amp;", "&") if found else None


def lightbox(base, steps, passes, static_base=None, paths_file=None):
    client = Client(base)
    first_page, step_all, step_plain, step_cross, page_only, image_only = [], [], [], [], [], []
    for run in range(passes + 1):  # pass 0 warms the server's and the system's caches
        html, elapsed = client.get("/")
        if run:
            first_page.append(elapsed)
        shas, after = page_parts(html)
        index = 0
        for _ in range(steps):
            index += 1
            took = 0.0
            crossed = index >= len(shas)
            if crossed:  # past the loaded tiles: the grid's next page (the lightbox's "More" link)
                if not after:
                    sys.exit("the search ended after %d images" % len(shas))
                html, elapsed = client.get(after)
                more, after = page_parts(html)
                shas += more
                took += elapsed
                if run:
                    page_only.append(elapsed)
            data, elapsed = client.get("/img/%s.png" % shas[index])
            if len(data) < 1000:
                sys.exit("image %s: only %d bytes" % (shas[index], len(data)))
            took += elapsed
            if run:
                image_only.append(elapsed)
                step_all.append(took)
                (step_cross if crossed else step_plain).append(took)
    report("lightbox next: every step", step_all)
    report("lightbox next: image only", step_plain)
    report("lightbox next: page crossing", step_cross)
    report("peer: grid page by cursor (in the steps)", page_only)
    report("peer: grid first page", first_page)
    if static_base:
        peer = Client(static_base)
        paths = [line.strip() for line in open(paths_file) if line.strip()]
        times = []
        for run in range(passes + 1):
            for path in paths[:steps]:
                data, elapsed = peer.get("/" + urllib.parse.quote(path))
                if run:
                    times.append(elapsed)
        report("peer: same PNGs, python3 -m http.server", times)


def token(client):
    html, _ = client.get("/")
    return re.search(r'name="gptimg-token" content="([0-9a-f]+)"', html.decode()).group(1)


def submit(client, secret, number):
    body = json.dumps({
        "key": "bench-%d-%016x" % (os.getpid(), number), "prompt": "a misty lighthouse on a cliff, watercolor %d" % number,
        "aspect": "1:1", "n": 1, "references": [], "tags": [], "collection": ""})
    headers = {"X-Gptimg-Token": secret, "Origin": client.origin, "Content-Type": "application/json"}
    status, data, _ = client.request("POST", "/api/generate", body=body, headers=headers)
    if status != 202:
        sys.exit("POST /api/generate answered %d: %s" % (status, data[:300]))
    task = json.loads(data)["tasks"][0]
    return task["generation"]


def wait_tile(client, generation, interval):
    """The wall-clock time the tile was first in an answer of /api/tasks, and the task's id."""
    while True:
        data, _ = client.get("/api/tasks?ids=%d" % generation)
        now = time.time()
        task = json.loads(data)["tasks"][0]
        if task["tiles"]:
            return now, task["task_id"]
        if task["stage"] in ("failed", "unknown"):
            sys.exit("generation %d ended %s: %s" % (generation, task["stage"], task["error"]))
        time.sleep(interval)


def stamp(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def generate(base, sim_url, count):
    client, sim = Client(base), Client(sim_url)
    secret = token(client)
    after_completion, after_submit, latency = [], [], []
    for number in range(count):
        submitted = time.time()
        generation = submit(client, secret, number)
        landed, task_id = wait_tile(client, generation, 0.05)
        # The simulator's own record: a task completes at its creation + the configured latency
        # (updated_at is that moment, whenever it is polled).
        status, data, _ = sim.request("GET", "/api/v1/images/task/" + task_id, headers={"Authorization": "Bearer " + KEY})
        record = json.loads(data)["data"]
        completed = stamp(record["updated_at"])
        latency.append(completed - stamp(record["created_at"]))
        after_completion.append(landed - completed)
        after_submit.append(landed - submitted)
    report("tile after completion, server side (50 ms polls)", after_completion)
    report("tile after completion, page side (+0.6 s poll, worst)", [s + 0.6 for s in after_completion])
    report("peer: submit to tile (includes the simulator's latency)", after_submit)
    report("peer: the simulator's latency (completed - created)", latency)


def loop(base, stop_file):
    client = Client(base)
    secret = token(client)
    number, started = 0, time.time()
    while not os.path.exists(stop_file):
        generation = submit(client, secret, 10_000 + number)
        wait_tile(client, generation, 0.6)
        number += 1
    print("LOOP generations=%d seconds=%.1f" % (number, time.time() - started), flush=True)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "lightbox":
        lightbox(args[0], int(args[1]), int(args[2]), *args[3:5])
    elif command == "generate":
        generate(args[0], args[1], int(args[2]))
    elif command == "loop":
        loop(args[0], args[1])
    else:
        sys.exit(__doc__)
