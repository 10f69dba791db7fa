#!/usr/bin/env python3
"""The peer for bench/batch.sh: a careful, plain client of the gpt-image-2 API as its seeds
describe it. A sliding window of CONCURRENCY workers (a thread pool); each submits one prompt,
polls every 5 s (the seeds: "poll every 5-10 seconds"), and downloads its images to a folder.
No catalog, no metadata: less work than gptimg does per image.

usage: batch_ref.py BASE_URL KEY PROMPTS_FILE CONCURRENCY OUT_DIR  -> JSON summary on stdout
"""
import concurrent.futures, json, os, statistics, sys, time, urllib.request
from datetime import datetime

base, key, prompts_file, concurrency, out_dir = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
prompts = [line.strip() for line in open(prompts_file, encoding="utf-8") if line.strip()]
os.makedirs(out_dir, exist_ok=True)

def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.load(answer)

def parse(stamp):
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()

def one(index):
    task = call("POST", "/api/v1/images/generate", {"prompt": prompts[index], "aspect_ratio": "1:1", "n": 1})["data"]
    polls = 0
    while True:
        time.sleep(5)
        polls += 1
        data = call("GET", "/api/v1/images/task/" + task["task_id"])["data"]
        if data["status"] != "processing":
            break
    seen = time.time()
    for number, image in enumerate(data["images"]):
        with urllib.request.urlopen(image["url"], timeout=60) as answer, \
                open(os.path.join(out_dir, "%s-%d.png" % (task["task_id"], number)), "wb") as file:
            file.write(answer.read())
    landed = time.time()
    return {"polls": polls, "completed": parse(data["updated_at"]) if data.get("updated_at") else seen, "seen": seen, "landed": landed}

start = time.time()
with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
    results = list(pool.map(one, range(len(prompts))))
end = time.time()
after = sorted(r["landed"] - r["completed"] for r in results)
print(json.dumps({
    "wall": end - start,
    "polls_per_task": statistics.mean(r["polls"] for r in results),
    "completion_to_library_p95": after[max(0, int(round(0.95 * len(after))) - 1)],
    "tasks": len(results),
}))
