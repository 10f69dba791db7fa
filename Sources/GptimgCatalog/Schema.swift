import GRDB
import GptimgSupport

/// The catalog's schema, as migrations applied by GRDB's `DatabaseMigrator`.
///
/// Every migration is a string literal of SQL, and a migration is never edited once it has
/// shipped: a change to the schema is a new migration appended to `migrations`, under a new
/// identifier (GRDB records the applied ones in `grdb_migrations`, by these identifiers, as every
/// earlier gptimg did). `docs/catalog.md` documents every table and column for readers of
/// `catalog.sqlite` (sqlite3, Datasette).
package enum Schema {
    /// (identifier, SQL), in the order they apply.
    package static let migrations: [(String, String)] = [
        ("v1-catalog", v1),
        ("v2-requested-options", v2),
        ("v3-picks", v3),
        ("v4-phash", v4),
        ("v5-stacks", v5),
        ("v5-smart", v5Smart),
        ("v6-perf", v6Perf),
        ("v6-phash-scan", v6PhashScan),
    ]

    /// The migrator for `list` (the shipped migrations, or more for tests of a later gptimg).
    ///
    /// `eraseDatabaseOnSchemaChange` stays off: a catalog is never wiped. Each migration runs in
    /// its own IMMEDIATE transaction with foreign keys on (`.immediate`: the migrations only add
    /// tables, columns and indexes, and a catalog with a dangling row, which `doctor` reports,
    /// must still migrate). Two processes may open a new library at the same moment: both read
    /// what was applied before either takes the write lock, so each migration first looks, under
    /// that lock, whether the other process applied it meanwhile, and if so stops without writing
    /// (`AppliedMeanwhile`): `Catalog.migrate` then runs the migrator again, which finds the rest.
    static func migrator(_ list: [(String, String)] = migrations) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for (identifier, sql) in list {
            migrator.registerMigration(identifier, foreignKeyChecks: .immediate) { db in
                let applied = try Bool.fetchOne(
                    db, sql: "SELECT EXISTS (SELECT 1 FROM grdb_migrations WHERE identifier = ?)",
                    arguments: [identifier])
                if applied == true { throw AppliedMeanwhile() }
                try db.execute(sql: sql)
            }
        }
        return migrator
    }

    /// Another process applied a migration between the migrator's reading and its transaction.
    struct AppliedMeanwhile: Error {}

    // MARK: - v1 (shipped with issue 4; never edit, append a migration instead)

    static let v1 = """
        CREATE TABLE generations (
            id INTEGER PRIMARY KEY,
            task_id TEXT UNIQUE,
            server_row_id TEXT,
            status TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'unknown')),
            type TEXT NOT NULL CHECK (type IN ('text-to-image', 'image-to-image')),
            prompt TEXT NOT NULL,
            negative_prompt TEXT,
            aspect_ratio TEXT NOT NULL,
            n INTEGER NOT NULL CHECK (n >= 1),
            reference_images TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(reference_images)),
            provider TEXT,
            model TEXT,
            base_url TEXT,
            source TEXT NOT NULL CHECK (source IN ('api', 'import', 'simulator')),
            created_at TEXT NOT NULL,
            submitted_at TEXT,
            completed_at TEXT,
            updated_at TEXT NOT NULL,
            credits_charged INTEGER NOT NULL DEFAULT 0 CHECK (credits_charged >= 0),
            credits_refunded INTEGER NOT NULL DEFAULT 0 CHECK (credits_refunded >= 0),
            error_code TEXT,
            error_message TEXT,
            parent_task_id TEXT,
            parent_index INTEGER,
            parent_image_id INTEGER REFERENCES images(id) ON DELETE SET NULL
        );
        CREATE INDEX generations_by_status ON generations(status) WHERE status NOT IN ('completed', 'failed');
        CREATE INDEX generations_by_parent_task ON generations(parent_task_id, parent_index) WHERE parent_task_id IS \
        NOT NULL;
        CREATE INDEX generations_by_parent_image ON generations(parent_image_id) WHERE parent_image_id IS NOT NULL;

        CREATE TABLE images (
            id INTEGER PRIMARY KEY,
            generation_id INTEGER NOT NULL REFERENCES generations(id),
            sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
            path TEXT NOT NULL UNIQUE,
            width INTEGER NOT NULL CHECK (width > 0),
            height INTEGER NOT NULL CHECK (height > 0),
            bytes INTEGER NOT NULL CHECK (bytes > 0),
            index_in_task INTEGER NOT NULL DEFAULT 0 CHECK (index_in_task >= 0),
            remote_url TEXT,
            favorite INTEGER NOT NULL DEFAULT 0 CHECK (favorite IN (0, 1)),
            rating INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5),
            generator TEXT NOT NULL,
            created_at TEXT NOT NULL,
            added_at TEXT NOT NULL,
            original_name TEXT
        );
        CREATE INDEX images_by_generation ON images(generation_id, index_in_task);
        CREATE INDEX images_newest ON images(created_at, id);

        CREATE TABLE image_metadata (
            image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
            text_chunks TEXT NOT NULL CHECK (json_valid(text_chunks)),
            parameters TEXT NOT NULL CHECK (json_valid(parameters)),
            warnings TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(warnings))
        );

        CREATE TABLE tags (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) > 0)
        );
        CREATE TABLE image_tags (
            image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
            tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
            PRIMARY KEY (image_id, tag_id)
        ) WITHOUT ROWID;
        CREATE INDEX image_tags_by_tag ON image_tags(tag_id, image_id);

        CREATE TABLE collections (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) > 0),
            created_at TEXT NOT NULL
        );
        CREATE TABLE collection_images (
            collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
            image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            added_at TEXT NOT NULL,
            PRIMARY KEY (collection_id, image_id)
        ) WITHOUT ROWID;
        CREATE INDEX collection_images_by_image ON collection_images(image_id);
        CREATE INDEX collection_images_in_order ON collection_images(collection_id, position);

        CREATE TABLE credit_ledger (
            id INTEGER PRIMARY KEY,
            generation_id INTEGER REFERENCES generations(id) ON DELETE SET NULL,
            task_id TEXT,
            kind TEXT NOT NULL CHECK (kind IN ('charge', 'refund', 'balance')),
            credits INTEGER NOT NULL CHECK (credits >= 0),
            balance INTEGER,
            note TEXT,
            recorded_at TEXT NOT NULL
        );
        CREATE INDEX credit_ledger_by_time ON credit_ledger(recorded_at);

        CREATE TABLE landing_intents (
            owner TEXT NOT NULL,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (owner, path)
        ) WITHOUT ROWID;
        CREATE INDEX landing_intents_by_path ON landing_intents(path);

        -- The search index: one row per image (rowid = images.id), its prompt and its tags.
        CREATE VIRTUAL TABLE image_search USING fts5(prompt, tags, tokenize = 'unicode61 remove_diacritics 2');

        CREATE TRIGGER image_search_insert AFTER INSERT ON images BEGIN
            INSERT INTO image_search(rowid, prompt, tags)
                SELECT NEW.id, prompt, '' FROM generations WHERE id = NEW.generation_id;
        END;

        -- Lineage: a variant names its parent by (task id, index); the link to the parent's image
        -- row is made whichever of the two lands first.
        CREATE TRIGGER lineage_parent_landed AFTER INSERT ON images BEGIN
            UPDATE generations SET parent_image_id = NEW.id
                WHERE parent_image_id IS NULL AND parent_index = NEW.index_in_task
                  AND parent_task_id = (SELECT task_id FROM generations WHERE id = NEW.generation_id);
        END;
        CREATE TRIGGER lineage_child_recorded AFTER INSERT ON generations
            WHEN NEW.parent_task_id IS NOT NULL AND NEW.parent_image_id IS NULL BEGIN
            UPDATE generations SET parent_image_id = (
                SELECT i.id FROM images i JOIN generations g ON g.id = i.generation_id
                WHERE g.task_id = NEW.parent_task_id AND i.index_in_task = NEW.parent_index)
                WHERE id = NEW.id;
        END;
        CREATE TRIGGER image_search_delete AFTER DELETE ON images BEGIN
            DELETE FROM image_search WHERE rowid = OLD.id;
        END;
        CREATE TRIGGER image_search_prompt AFTER UPDATE OF prompt ON generations BEGIN
            UPDATE image_search SET prompt = NEW.prompt
                WHERE rowid IN (SELECT id FROM images WHERE generation_id = NEW.id);
        END;
        CREATE TRIGGER image_search_tag_added AFTER INSERT ON image_tags BEGIN
            UPDATE image_search SET tags = (
                SELECT ifnull(group_concat(t.name, ' '), '') FROM image_tags it JOIN tags t ON t.id = it.tag_id
                WHERE it.image_id = NEW.image_id) WHERE rowid = NEW.image_id;
        END;
        CREATE TRIGGER image_search_tag_removed AFTER DELETE ON image_tags BEGIN
            UPDATE image_search SET tags = (
                SELECT ifnull(group_concat(t.name, ' '), '') FROM image_tags it JOIN tags t ON t.id = it.tag_id
                WHERE it.image_id = OLD.image_id) WHERE rowid = OLD.image_id;
        END;
        CREATE TRIGGER image_search_tag_renamed AFTER UPDATE OF name ON tags BEGIN
            UPDATE image_search SET tags = (
                SELECT ifnull(group_concat(t.name, ' '), '') FROM image_tags it JOIN tags t ON t.id = it.tag_id
                WHERE it.image_id = image_search.rowid)
                WHERE rowid IN (SELECT image_id FROM image_tags WHERE tag_id = NEW.id);
        END;
        """

    // MARK: - v2 (issue 5: what a generation was asked for, so `resume` finishes it the same way)

    /// The tags and collection requested with a generation, applied when its images land (also
    /// by `gptimg resume` after a crash), and the batch line it came from: `batch_key` is
    /// "<hash of the batch file's absolute path, 16 hex>:<round>:<line fingerprint>:<occurrence>"
    /// (`BatchCommand`), unique, so re-running a batch after a crash never submits a line twice.
    static let v2 = """
        ALTER TABLE generations ADD COLUMN requested_tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(requested_tags));
        ALTER TABLE generations ADD COLUMN requested_collection TEXT;
        ALTER TABLE generations ADD COLUMN batch_key TEXT;
        CREATE UNIQUE INDEX generations_by_batch_key ON generations(batch_key) WHERE batch_key IS NOT NULL;
        """

    // MARK: - v3 (issue 17: picks and rejects, beside ratings and favourites)

    /// `pick`: -1 rejected, 0 neither, 1 picked. Rejected images are hidden from `list`, `search`
    /// and the gallery unless the query asks for them (`is:rejected`); the partial index finds
    /// the few flagged ones (`is:picked`, `is:rejected`) without reading every row.
    static let v3 = """
        ALTER TABLE images ADD COLUMN pick INTEGER NOT NULL DEFAULT 0 CHECK (pick IN (-1, 0, 1));
        CREATE INDEX images_by_pick ON images(pick) WHERE pick <> 0;
        """

    // MARK: - v6-perf (issue 16: one image's sidecar without an fsync in the command)

    /// `sidecar_pending`: images whose sidecar was put in place after the change committed,
    /// without an fsync, at `since` (Unix seconds): after a crash it may lag the catalog. A later
    /// change, `doctor --fix` and `rebuild` make these sidecars durable, or write them again
    /// from the catalog when a crash lost them (`Catalog.settleSidecars`), then drop the rows.
    static let v6Perf = """
        CREATE TABLE sidecar_pending (
            image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
            since INTEGER NOT NULL
        );
        """

    // MARK: - v6-phash-scan (issue 17: `similar` and `dupes` read every hash)

    /// `similar` and `dupes` compare against every hashed image: this covering index holds just
    /// the hash, the pick (rejected ones are left out) and the id, so the scan reads a narrow index
    /// instead of every images row (bench/README.md, looks.sh).
    static let v6PhashScan = """
        CREATE INDEX images_by_phash ON images(phash, pick) WHERE phash IS NOT NULL;
        """

    // MARK: - v5-smart (issue 17: saved searches)

    /// A smart collection's query (`gptimg collection create NAME --query Q`): its members are
    /// whatever the query matches when it is read, so it has no `collection_images` rows. NULL for
    /// a regular collection.
    static let v5Smart = """
        ALTER TABLE collections ADD COLUMN query TEXT;
        """

    // MARK: - v4 (issue 17: look-alikes)

    /// `phash`: the image's 64-bit DCT perceptual hash (`PerceptualHash`, equal to
    /// `imagehash.phash`) as a signed integer, NULL until computed (images landed before v4, or a
    /// file that could not be decoded). `similar`, `dupes` and `similar:` compute the missing ones
    /// first; the partial index finds those without reading every row.
    static let v4 = """
        ALTER TABLE images ADD COLUMN phash INTEGER;
        CREATE INDEX images_without_phash ON images(id) WHERE phash IS NULL;
        """

    // MARK: - v5 (issue 17: stacks)

    /// `stack_id`: the stack a generation and its images belong to, the id of the generation at the
    /// root of its variant chain (a generation with no parent image is its own root). The images of
    /// one task, and a variant chain (an image and everything made from it), share one stack.
    /// Kept on `images` too, so that `list --stacks` groups and picks each stack's cover
    /// (best-rated, then picked, then newest) from one index, without reading `generations`.
    /// Triggers keep both current whichever lands first (the parent or the variant, as the
    /// lineage triggers do); a chain is walked at most 1000 steps deep (a forged cycle stops).
    static let v5 = """
        ALTER TABLE generations ADD COLUMN stack_id INTEGER;
        ALTER TABLE images ADD COLUMN stack_id INTEGER;
        WITH RECURSIVE chain(id, root, depth) AS (
            SELECT id, id, 0 FROM generations WHERE parent_image_id IS NULL
            UNION ALL
            SELECT c.id, chain.root, chain.depth + 1 FROM chain
                JOIN images p ON p.generation_id = chain.id
                JOIN generations c ON c.parent_image_id = p.id
            WHERE chain.depth < 1000
        )
        UPDATE generations SET stack_id = (SELECT min(root) FROM chain WHERE chain.id = generations.id);
        UPDATE generations SET stack_id = id WHERE stack_id IS NULL;
        UPDATE images SET stack_id = (SELECT stack_id FROM generations g WHERE g.id = images.generation_id);
        CREATE INDEX generations_by_stack ON generations(stack_id);
        CREATE INDEX images_by_stack ON images(stack_id, rating DESC, pick DESC, created_at DESC, id DESC);

        CREATE TRIGGER stack_generation_recorded AFTER INSERT ON generations BEGIN
            UPDATE generations SET stack_id = coalesce(
                (SELECT pg.stack_id FROM images p JOIN generations pg ON pg.id = p.generation_id
                 WHERE p.id = NEW.parent_image_id), NEW.id)
                WHERE id = NEW.id;
        END;
        -- A root generation linked to its parent later: it and every generation stacked under it move.
        CREATE TRIGGER stack_parent_linked AFTER UPDATE OF parent_image_id ON generations
            WHEN NEW.parent_image_id IS NOT NULL AND NEW.stack_id = NEW.id BEGIN
            UPDATE generations SET stack_id = (
                SELECT pg.stack_id FROM images p JOIN generations pg ON pg.id = p.generation_id
                WHERE p.id = NEW.parent_image_id)
                WHERE stack_id = NEW.id AND (
                    SELECT pg.stack_id FROM images p JOIN generations pg ON pg.id = p.generation_id
                    WHERE p.id = NEW.parent_image_id) IS NOT NULL;
        END;
        -- A parent image landing after generations that name it by id (a rebuild inserts them so).
        CREATE TRIGGER stack_parent_image_landed AFTER INSERT ON images BEGIN
            UPDATE generations SET stack_id = (SELECT stack_id FROM generations WHERE id = NEW.generation_id)
                WHERE stack_id IN (
                    SELECT c.id FROM generations c WHERE c.parent_image_id = NEW.id AND c.stack_id = c.id
                      AND c.id <> (SELECT stack_id FROM generations WHERE id = NEW.generation_id));
        END;
        CREATE TRIGGER stack_image_landed AFTER INSERT ON images BEGIN
            UPDATE images SET stack_id = (SELECT stack_id FROM generations WHERE id = NEW.generation_id)
                WHERE id = NEW.id;
        END;
        CREATE TRIGGER stack_moved AFTER UPDATE OF stack_id ON generations BEGIN
            UPDATE images SET stack_id = NEW.stack_id WHERE generation_id = NEW.id;
        END;
        """
}
