import Foundation
import GRDB
import GptimgSupport
import PNGMetadata

#if canImport(Glibc)
    import Glibc
#endif

/// A library: the SQLite catalog (`catalog.sqlite`, WAL) and the folder of write-once images
/// beside it. The one type that owns the database; every command and service goes through it.
///
/// Writing opens a `DatabasePool` (WAL, a busy timeout, IMMEDIATE write transactions, and
/// `synchronous = FULL` so that a commit is on disk when it returns: money and files depend on
/// it), creating the library if needed and migrating it (after a backup) when it is older.
/// Reading opens one read-only connection and creates nothing.
///
/// Several processes may use one library at once: SQLite serialises the writers, and each waits
/// up to `busyTimeout` for the others.
public final class Catalog: Sendable {
    public enum Access: Sendable {
        /// Creates the library when missing, migrates it when older.
        case readWrite
        /// Never writes; fails with `CatalogError.noLibrary` when there is no catalog.
        case readOnly
    }

    public let location: LibraryLocation
    /// How many snapshots `backups/` keeps (the newest; a damaged catalog's copy is never pruned).
    public let backupsKept: Int
    public let access: Access
    let database: any DatabaseWriter
    /// The wall clock (injected by tests); `now()` is its time as the catalog stores it.
    let clock: @Sendable () -> Date
    /// This process's staging folder, made on the first landing.
    let staging = StagingBox()
    /// Dispatch threads for the async calls (`Generations.swift`): SQLite waits for the disk.
    let offload = Offload(label: "gptimg.catalog", width: 4)

    /// How long a write waits for another process's transaction before giving up.
    public static let busyTimeout: TimeInterval = 60

    /// Opens the library at `location`.
    /// `backupsKept`: how many snapshots `backups/` keeps when this catalog makes one (before a
    /// migration, a rebuild, `doctor --fix`, a restore, or `gptimg backup`).
    public static func open(
        _ location: LibraryLocation, access: Access = .readWrite, clock: @escaping @Sendable () -> Date = Date.init,
        backupsKept: Int = BackupRetention.defaultKept
    ) throws -> Catalog {
        try refuseEmptiedCatalog(location)
        switch access {
        case .readOnly:
            guard FileManager.default.fileExists(atPath: location.catalogURL.path) else {
                throw CatalogError.noLibrary(path: location.root.path)
            }
            let (queue, state) = try openReadOnly(location)
            if state == .current {
                return Catalog(
                    location: location, access: .readOnly, database: queue, clock: clock, backupsKept: backupsKept)
            }
            try queue.close()
            if state == .newer { throw CatalogError.newerSchema(path: location.catalogURL.path) }
            // An older (or empty) catalog: migrate it first, as a write would.
            _ = try open(location, access: .readWrite, clock: clock, backupsKept: backupsKept)
            return try open(location, access: .readOnly, clock: clock, backupsKept: backupsKept)
        case .readWrite:
            // A read-only library (a read-only mount, a folder or catalog without write
            // permission) is named as such up front, rather than by whichever write fails first.
            let catalogPath = location.catalogURL.path
            if (Glibc.access(location.root.path, F_OK) == 0 && Glibc.access(location.root.path, W_OK) != 0)
                || (Glibc.access(catalogPath, F_OK) == 0 && Glibc.access(catalogPath, W_OK) != 0)
            {
                throw CatalogError.readOnly(operation: "open \(catalogPath) for writing")
            }
            // Opening a pool writes (GRDB makes sure a -wal file exists with a table made and
            // dropped): a newer gptimg's catalog is recognised first, from a read-only connection,
            // and left untouched.
            var status = stat()
            if stat(catalogPath, &status) == 0, status.st_size > 0 {
                let (probe, state) = try openReadOnly(location)
                try probe.close()
                if state == .newer { throw CatalogError.newerSchema(path: catalogPath) }
            }
            try createFolders(location)
            let pool = try catalogOperation("open \(location.catalogURL.path)") { () throws -> DatabasePool in
                var configuration = Configuration()
                configuration.busyMode = .timeout(busyTimeout)
                configuration.foreignKeysEnabled = true
                configuration.maximumReaderCount = 4
                configuration.prepareDatabase { db in db.add(function: Catalog.hammingFunction) }
                // Turning a new file to WAL takes a lock that SQLite does not wait for: two
                // processes opening a new library at once can get SQLITE_BUSY here, busy timeout
                // or not (GRDB's DatabaseSharing.md). Retry for a while before giving up.
                var attempt = 0
                while true {
                    do {
                        return try DatabasePool(path: location.catalogURL.path, configuration: configuration)
                    } catch let error as DatabaseError
                        where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
                    {
                        attempt += 1
                        if attempt >= 200 { throw error }
                        usleep(50_000)
                    }
                }
            }
            // GRDB sets NORMAL when it turns WAL on; a commit must survive a power cut here.
            try catalogOperation("make commits durable") {
                let mode = try pool.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA synchronous = FULL")
                    return try Int.fetchOne(db, sql: "PRAGMA synchronous")
                }
                guard mode == 2 else {
                    throw CatalogError.database(
                        operation: "make commits durable", message: "PRAGMA synchronous is \(mode ?? -1), not FULL")
                }
            }
            let catalog = Catalog(
                location: location, access: .readWrite, database: pool, clock: clock, backupsKept: backupsKept)
            try catalog.migrate()
            return catalog
        }
    }

    /// How a catalog's applied migrations compare with this gptimg's.
    enum SchemaState: Equatable {
        /// Every migration this gptimg knows, and no other.
        case current
        /// Some missing (an earlier gptimg's catalog, or an empty file): migrating brings it up.
        case older
        /// Migrations this gptimg does not know: a newer gptimg wrote it.
        case newer

        init(_ db: Database, _ migrator: DatabaseMigrator = Schema.migrator()) throws {
            // A read transaction's snapshot starts with its first statement that runs. GRDB's
            // `appliedIdentifiers` prepares a SELECT on grdb_migrations (a prepare that fails
            // takes no snapshot) and then looks whether that table exists, in a later one: another
            // process's first open in between made the table appear, and "no such table" escaped.
            // Reading sqlite_master first fixes one snapshot for all that follows.
            _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master")
            if try migrator.hasBeenSuperseded(db) {
                self = .newer
            } else {
                self = try migrator.hasCompletedMigrations(db) ? .current : .older
            }
        }
    }

    /// A read-only connection and how its catalog's schema compares. A WAL catalog on a
    /// read-only medium (a read-only mount, a folder without write permission) cannot be opened
    /// the usual way when its `-shm` file is gone (SQLite cannot create it): it is opened
    /// `immutable` then, which is exact when nothing can write to it — and only when no `-wal`
    /// file holds commits that reading the main file alone would miss.
    static func openReadOnly(_ location: LibraryLocation) throws -> (DatabaseQueue, SchemaState) {
        let path = location.catalogURL.path
        func attempt(_ name: String) throws -> (DatabaseQueue, SchemaState) {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(busyTimeout)
            configuration.prepareDatabase { db in db.add(function: Catalog.hammingFunction) }
            let queue = try DatabaseQueue(path: name, configuration: configuration)
            do {
                return (queue, try queue.read { try SchemaState($0) })
            } catch {
                try? queue.close()
                throw error
            }
        }
        do {
            return try attempt(path)
        } catch let error as DatabaseError
            where [.SQLITE_CANTOPEN, .SQLITE_READONLY].contains(error.resultCode)
            && Glibc.access(location.root.path, W_OK) != 0
        {
            var status = stat()
            let walHoldsCommits = stat(path + "-wal", &status) == 0 && status.st_size > 0
            guard !walHoldsCommits else {
                throw CatalogError.file(
                    path: path,
                    reason: "cannot be read on a read-only medium while its -wal file holds commits: open the library "
                        + "once where it is writable (any gptimg command then merges them)")
            }
            return try catalogOperation("open \(path) (read-only)") { try attempt(immutableURI(path)) }
        } catch {
            throw CatalogError.wrap(error, "open \(path)")
        }
    }

    /// `file:PATH?immutable=1`, the path percent-encoded as SQLite's URI filenames want.
    static func immutableURI(_ path: String) -> String {
        var encoded = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "/"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.append(Character(Unicode.Scalar(byte)))
            default:
                encoded += (byte < 16 ? "%0" : "%") + String(byte, radix: 16, uppercase: true)
            }
        }
        return "file:" + encoded + "?immutable=1"
    }

    /// A catalog emptied to 0 bytes (a crash of the file system, a bad copy) in a library that
    /// holds images or backups is damaged, never a new catalog to create in its place: that would
    /// lose every rating, tag, collection and credit and make `list` say nothing is there. In an
    /// otherwise empty library it is what a first open that died at once leaves (or another
    /// process's first open in progress), and opening it makes the catalog as usual.
    static func refuseEmptiedCatalog(_ location: LibraryLocation) throws {
        var status = stat()
        guard stat(location.catalogURL.path, &status) == 0, status.st_size == 0 else { return }
        let holdsSomething = [location.imagesURL.path, location.backupsURL.path].contains { folder in
            guard let handle = opendir(folder) else { return false }
            defer { closedir(handle) }
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
                if name != [0x2E] && name != [0x2E, 0x2E] { return true }
            }
            return false
        }
        if holdsSomething {
            let path = location.catalogURL.path
            throw CatalogError.damaged(reason: "\(path) is empty (0 bytes), yet the library has images")
        }
    }

    init(
        location: LibraryLocation, access: Access, database: any DatabaseWriter,
        clock: @escaping @Sendable () -> Date, backupsKept: Int = BackupRetention.defaultKept
    ) {
        self.backupsKept = max(1, backupsKept)
        self.location = location
        self.access = access
        self.database = database
        self.clock = clock
    }

    static func createFolders(_ location: LibraryLocation) throws {
        for url in [location.root, location.imagesURL, location.backupsURL] {
            do {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            } catch {
                throw CatalogError.file(
                    path: url.path, reason: "cannot create the folder (\(error.localizedDescription))")
            }
        }
    }

    /// Applies pending migrations (`Schema.migrator`), taking a backup of an existing catalog first.
    func migrate(_ migrations: [(String, String)] = Schema.migrations) throws {
        let migrator = Schema.migrator(migrations)
        let (state, applied) = try catalogOperation("read its schema") {
            try database.read { db in (try SchemaState(db, migrator), try migrator.appliedIdentifiers(db)) }
        }
        switch state {
        case .newer: throw CatalogError.newerSchema(path: location.catalogURL.path)
        case .current: return
        case .older: break
        }
        if !applied.isEmpty {
            _ = try backup(to: nil, reason: "before-migration")
        }
        try catalogOperation("migrate its schema") {
            // Each `AppliedMeanwhile` means another process applied one more migration: this
            // ends after at most one attempt per migration.
            var attempt = 0
            while true {
                do {
                    return try migrator.migrate(database)
                } catch is Schema.AppliedMeanwhile where attempt < migrations.count {
                    attempt += 1
                }
            }
        }
    }

    /// Opens the library with `extra` migrations appended to the shipped ones, as a later
    /// gptimg would: for tests of the migration path (backup first, then migrate).
    @_spi(Testing)
    public static func open(_ location: LibraryLocation, appendingMigrations extra: [(String, String)]) throws
        -> Catalog
    {
        let catalog = try open(location, access: .readWrite)
        try catalog.migrate(Schema.migrations + extra)
        return catalog
    }

    // MARK: - Access helpers

    func read<T>(_ operation: String, _ body: (Database) throws -> T) throws -> T {
        try catalogOperation(operation) { try database.read(body) }
    }

    func write<T>(_ operation: String, _ body: (Database) throws -> T) throws -> T {
        guard access == .readWrite else {
            throw CatalogError.readOnly(operation: operation)
        }
        return try catalogOperation(operation) { try database.write(body) }
    }

    /// The current time as the catalog stores it: ISO 8601, UTC, whole seconds.
    func now() -> String { Timestamp(clock()).iso8601 }
}
