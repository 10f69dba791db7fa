import Foundation
import GRDB
import TestSupport
import Testing

@testable import GptimgCatalog

@Suite("catalog: reading the schema while another process creates it")
struct SchemaSnapshotTests {
    /// Another process's first open (which makes grdb_migrations and applies every migration)
    /// lands at the worst moment for a reader: just before the reader's first statement that runs.
    /// The trace hook runs there, before the statement takes its snapshot, so the race is exact.
    @Test("the schema state is read from one snapshot: a catalog made meanwhile is no error")
    func schemaStateFromOneSnapshot() throws {
        let library = try TemporaryLibrary()
        try FileManager.default.createDirectory(at: library.location.root, withIntermediateDirectories: true)
        let path = library.location.catalogURL.path
        let writer = try DatabaseQueue(path: path)
        _ = try writer.writeWithoutTransaction { try String.fetchOne($0, sql: "PRAGMA journal_mode = WAL") }
        var configuration = Configuration()
        configuration.readonly = true
        let reader = try DatabaseQueue(path: path, configuration: configuration)
        nonisolated(unsafe) var created = false
        let state = try reader.read { db in
            db.trace { event in
                let sql = event.description.uppercased()
                guard !created, !sql.hasPrefix("BEGIN"), !sql.hasPrefix("SAVEPOINT"), !sql.hasPrefix("PRAGMA")
                else { return }
                created = true
                try? Schema.migrator().migrate(writer)
            }
            defer { db.trace(options: []) }
            return try Catalog.SchemaState(db)
        }
        #expect(created)
        // Either snapshot is right (before: an empty file, to migrate; after: current); an error is not.
        #expect([.older, .current].contains(state))
        try reader.close()
        try writer.close()
    }
}
