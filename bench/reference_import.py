#!/usr/bin/env python3
"""The reference import pipeline for bench/import.sh: the same work as `gptimg import`, written
the way a careful Python script would (hashlib + sqlite3 from the standard library).

For every PNG under SOURCE (sorted, recursive): read it, SHA-256 it, skip it if the catalog has
that hash, walk its chunks (CRC of every chunk checked, as gptimg does), decode its tEXt/zTXt/iTXt
chunks, take the prompt from the `gptimg` JSON or the A1111 `parameters` text, copy the bytes to
LIBRARY/images/YYYY/MM/<slug>-<sha8>.png and insert a row (hash, path, size, prompt, the raw text
chunks as JSON). One process, one file at a time, one transaction per 48 files.

  python3 bench/reference_import.py SOURCE LIBRARY [--durable]

--durable adds what gptimg does for crash safety: fsync of every file and its folder before the
rows commit, and SQLite's synchronous=FULL in WAL mode.
"""
import hashlib, json, os, re, sqlite3, struct, sys, time, zlib

def text_chunks(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, chunks, width, height = 8, [], 0, 0
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]
        if zlib.crc32(kind + body) != crc:
            raise ValueError("bad CRC in " + kind.decode("latin-1"))
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"tEXt":
            key, _, text = body.partition(b"\0")
            chunks.append((key.decode("latin-1"), text.decode("latin-1")))
        elif kind == b"zTXt":
            key, _, rest = body.partition(b"\0")
            chunks.append((key.decode("latin-1"), zlib.decompress(rest[1:]).decode("latin-1")))
        elif kind == b"iTXt":
            key, _, rest = body.partition(b"\0")
            flag, _method = rest[0], rest[1]
            _lang, _, rest = rest[2:].partition(b"\0")
            _tkey, _, text = rest.partition(b"\0")
            if flag:
                text = zlib.decompress(text)
            chunks.append((key.decode("latin-1"), text.decode("utf-8", "replace")))
        elif kind == b"IEND":
            break
        pos += 12 + length
    return width, height, chunks

def slug(prompt):
    words = re.findall(r"[a-z0-9]+", (prompt or "").lower())[:8]
    return "-".join(words)[:48].strip("-") or "image"

def main():
    source, library = sys.argv[1], sys.argv[2]
    durable = "--durable" in sys.argv
    os.makedirs(os.path.join(library, "images"), exist_ok=True)
    db = sqlite3.connect(os.path.join(library, "catalog.sqlite"))
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=" + ("FULL" if durable else "NORMAL"))
    db.execute("CREATE TABLE IF NOT EXISTS images (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, path TEXT NOT NULL,"
               " width INTEGER, height INTEGER, bytes INTEGER, prompt TEXT, text_chunks TEXT)")
    files = sorted(os.path.join(d, f) for d, _, names in os.walk(source) for f in names if f.lower().endswith(".png"))
    imported = duplicates = skipped = 0
    pending, folders = [], set()
    def commit():
        if durable:
            for folder in folders:
                fd = os.open(folder, os.O_RDONLY)
                os.fsync(fd)
                os.close(fd)
        db.executemany("INSERT OR IGNORE INTO images (sha256, path, width, height, bytes, prompt, text_chunks) VALUES (?,?,?,?,?,?,?)", pending)
        db.commit()
        pending.clear()
        folders.clear()
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        digest = hashlib.sha256(data).hexdigest()
        if db.execute("SELECT 1 FROM images WHERE sha256 = ?", (digest,)).fetchone() or any(p[0] == digest for p in pending):
            duplicates += 1
            continue
        try:
            width, height, chunks = text_chunks(data)
        except Exception:
            skipped += 1
            continue
        meta = dict(chunks)
        prompt, created = None, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(os.stat(path).st_mtime))
        if "gptimg" in meta:
            ours = json.loads(meta["gptimg"])
            prompt, created = ours.get("prompt"), ours.get("created_at") or created
        elif "parameters" in meta:
            prompt = meta["parameters"].split("\nNegative prompt:")[0]
        else:
            prompt = meta.get("Description") or meta.get("Title")
        folder = os.path.join(library, "images", created[:4], created[5:7])
        os.makedirs(folder, exist_ok=True)
        relative = "images/%s/%s/%s-%s.png" % (created[:4], created[5:7], slug(prompt), digest[:8])
        with open(os.path.join(library, relative), "wb") as out:
            out.write(data)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        folders.add(folder)
        pending.append((digest, relative, width, height, len(data), prompt, json.dumps(chunks)))
        imported += 1
        if len(pending) >= 48:
            commit()
    commit()
    print("%d imported, %d duplicate, %d skipped" % (imported, duplicates, skipped))

if __name__ == "__main__":
    main()
