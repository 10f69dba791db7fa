#!/usr/bin/env python3
"""Seeds a gptimg catalog with COUNT synthetic images (rows only, no files) for bench/list.sh:
realistic prompts built from slots ("a misty lighthouse on a cliff, watercolor, golden hour"),
so a word of one slot is in about 1 prompt in 15-30 and three words of three slots match about
one prompt in 11,000 (bench/list.sh's "misty lighthouse watercolor": 97 in a million). Deterministic (seed 1). The catalog must exist (made by gptimg); the FTS
index fills through the catalog's own triggers.

  python3 bench/seed_catalog.py COUNT LIBRARY/catalog.sqlite
"""
import datetime, hashlib, random, sqlite3, sys

EPOCH = datetime.datetime(2024, 1, 1)
THREE_YEARS = 3 * 365 * 86400

ADJECTIVES = "misty ancient quiet golden frozen neon lonely vibrant stormy serene crumbling hidden floating glowing rustic futuristic overgrown sunlit moonlit abandoned colorful tiny giant majestic whimsical".split()
SUBJECTS = "lighthouse castle fox owl dragon robot cottage cathedral waterfall forest city harbor train bridge temple garden lake mountain desert village astronaut samurai whale tiger greenhouse library windmill market canyon glacier".split()
PLACES = "on a cliff|in the fog|by the sea|under the stars|in the snow|at the edge of the world|in a valley|on a hill|in the rain|beside a river|in the clouds|on mars|in a meadow|in the jungle|at dawn".split("|")
STYLES = "watercolor|oil painting|photorealistic|35mm film|pixel art|isometric 3d render|ink sketch|studio ghibli style|cinematic|low poly|charcoal drawing|ukiyo-e|art nouveau|vaporwave|macro photography".split("|")
LIGHT = "golden hour|soft light|dramatic lighting|volumetric light|blue hour|overcast|neon glow|candlelight|harsh noon sun|backlit".split("|")
ASPECTS = [("1:1", 1024, 1024), ("16:9", 1376, 768), ("3:2", 1536, 1024), ("2:3", 1024, 1536), ("9:16", 768, 1376), ("4:3", 1184, 896)]

def main():
    count, path = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(1)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    start = (db.execute("SELECT ifnull(max(id), 0) FROM images").fetchone()[0])
    # Perceptual hashes (v4 catalogs): random 64-bit values from their own generator (the rows above
    # stay as they were), and one image in 50 a near-copy of an earlier one (0-3 bits flipped), so
    # `gptimg dupes` has groups to find.
    has_phash = any(row[1] == "phash" for row in db.execute("PRAGMA table_info(images)"))
    hash_rng, hashes = random.Random(2), []
    # Stacks (v5 catalogs): one generation in 5 a variant of an image up to 20 before it, so that
    # `list --stacks` has chains to fold (the v5 triggers set the stack as the rows go in).
    has_stacks = any(row[1] == "stack_id" for row in db.execute("PRAGMA table_info(images)"))
    stack_rng = random.Random(3)
    batch = 50_000
    for offset in range(0, count, batch):
        generations, images, metadata = [], [], []
        for n in range(offset, min(count, offset + batch)):
            i = start + n + 1
            prompt = "a %s %s %s, %s, %s" % (rng.choice(ADJECTIVES), rng.choice(SUBJECTS), rng.choice(PLACES), rng.choice(STYLES), rng.choice(LIGHT))
            aspect, w, h = rng.choice(ASPECTS)
            # spread evenly over three years, oldest first
            created = (EPOCH + datetime.timedelta(seconds=i * THREE_YEARS // (start + count))).strftime("%Y-%m-%dT%H:%M:%SZ")
            task = "gpt-image-2-%021d" % i
            generations.append((i, task, "completed", "text-to-image", prompt, aspect, 1, "[]", "gpt-image-2", "gpt-image-2", "api", created, created, created))
            sha = hashlib.sha256(b"seed-%d" % i).hexdigest()
            images.append((i, i, sha, "images/%s/%s/seed-%s.png" % (created[:4], created[5:7], sha[:16]), w, h, 1500000, 0, "https://files.example/%s/0.png" % task, "gptimg", created, created))
            metadata.append((i, "[]", "[]"))
            if has_phash:
                value = hash_rng.getrandbits(64)
                if hashes and hash_rng.random() < 0.02:
                    value = hash_rng.choice(hashes)
                    for _ in range(hash_rng.randrange(4)):
                        value ^= 1 << hash_rng.randrange(64)
                hashes.append(value)
        if has_stacks:
            generations = [g + ((stack_rng.randrange(max(start + 1, g[0] - 20), g[0]) if g[0] > start + 1 and stack_rng.random() < 0.2 else None),) for g in generations]
        else:
            generations = [g + (None,) for g in generations]
        db.executemany("INSERT INTO generations (id, task_id, status, type, prompt, aspect_ratio, n, reference_images, provider, model, source, created_at, completed_at, updated_at, parent_image_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", generations)
        db.executemany("INSERT INTO images (id, generation_id, sha256, path, width, height, bytes, index_in_task, remote_url, generator, created_at, added_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", images)
        db.executemany("INSERT INTO image_metadata (image_id, text_chunks, parameters) VALUES (?,?,?)", metadata)
        if has_phash:
            signed = [(h - (1 << 64) if h >= 1 << 63 else h, start + offset + k + 1) for k, h in enumerate(hashes[offset:])]
            db.executemany("UPDATE images SET phash = ? WHERE id = ?", signed)
        db.commit()
    db.execute("INSERT INTO image_search(image_search) VALUES ('optimize')")
    db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("ANALYZE")
    db.commit()
    db.close()

if __name__ == "__main__":
    main()
