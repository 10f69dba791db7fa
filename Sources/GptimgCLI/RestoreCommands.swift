import ArgumentParser
import Foundation
import GptimgCatalog
import GptimgSupport

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Snapshot the catalog, list the snapshots, or restore one.",
        discussion: """
            Snapshots go to Library/backups/ and rotate: the newest 10 stay (config key backups_kept, \
            or --keep). One is also taken before rebuild, doctor --fix, backup restore and every \
            migration.

            Examples:
              gptimg backup
              gptimg backup --to ~/catalog-2026-11-21.sqlite
              gptimg backup list
              gptimg backup restore Library/backups/catalog-20261121T101530Z.sqlite
            """,
        subcommands: [Create.self, List.self, Restore.self],
        defaultSubcommand: Create.self
    )

    struct Create: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Write a consistent, verified snapshot of the catalog (the default).",
            discussion: "Default: Library/backups/catalog-<time>.sqlite. Images are not copied (they never change)."
        )
        @OptionGroup var options: CatalogOptions
        @OptionGroup var global: GlobalOptions
        @Option(name: .long, help: ArgumentHelp("Where to write the snapshot (must not exist).", valueName: "file"))
        var to: String?
        @Option(help: ArgumentHelp("How many snapshots backups/ keeps (default 10).", valueName: "n"))
        var keep: Int?

        func validate() throws {
            if let keep, !(1...1000).contains(keep) { throw ValidationError("--keep takes a number from 1 to 1000") }
        }

        func run(_ context: GptimgContext) throws {
            try runCatalogCommand(context) { output in
                let catalog = try options.openExisting(context, keep: keep)
                let url = try catalog.backup(to: to.map { URL(fileURLWithPath: $0) })
                if options.json {
                    output.json(.object([("backup", .string(url.path))]))
                } else {
                    output.line("backed up the catalog to \(url.path)")
                }
            }
        }
    }

    struct List: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the snapshots in Library/backups, newest first.")
        @OptionGroup var options: CatalogOptions
        @OptionGroup var global: GlobalOptions

        func run(_ context: GptimgContext) throws {
            try runCatalogCommand(context) { output in
                for backup in Catalog.backups(try options.location(context)) {
                    if options.json {
                        output.json(
                            .object([
                                ("file", .string(backup.url.path)), ("bytes", .int(backup.bytes)),
                                ("modified_at", .string(backup.modifiedAt)), ("reason", .optional(backup.reason)),
                            ]))
                    } else {
                        output.line(
                            "\(backup.modifiedAt)  \(backup.url.lastPathComponent)  "
                                + String(format: "%.1f MB", Double(backup.bytes) / 1_000_000))
                    }
                }
            }
        }
    }

    struct Restore: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore",
            abstract: "Replace the catalog with a snapshot, after checking it and snapshotting the current one.",
            discussion: """
                The snapshot must pass SQLite's integrity check and be a gptimg catalog this gptimg can \
                read. Credits are never rewound: generations and ledger entries in Library/journal.jsonl \
                that the snapshot lacks are added back. Every image's sidecar is rewritten from the \
                restored catalog. Stop other gptimg processes on the library first.
                """
        )
        @OptionGroup var options: CatalogOptions
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The snapshot (a path, or a name in Library/backups).", valueName: "file"))
        var file: String

        func run(_ context: GptimgContext) throws {
            try runCatalogCommand(context) { output in
                let location = try options.location(context)
                var url = URL(fileURLWithPath: file, relativeTo: URL(fileURLWithPath: context.currentDirectory))
                if !FileManager.default.fileExists(atPath: url.path), !file.contains("/") {
                    url = location.backupsURL.appendingPathComponent(file)
                }
                let saved = try Catalog.restoreBackup(location, from: url.standardizedFileURL)
                if options.json {
                    output.json(.object([("restored", .string(url.path)), ("saved", .optional(saved?.path))]))
                } else {
                    if let saved { output.line("saved the catalog it replaced as \(saved.path)") }
                    output.line("restored the catalog from \(url.path)")
                }
            }
        }
    }
}

struct TrashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trash",
        abstract: "List, restore or empty the library's trash (deleted images).",
        discussion: """
            A restored image gets its old id back (when no other image took it), with its tags, \
            rating, pick, favourite and collections in their places.

            Examples:
              gptimg trash list
              gptimg trash restore 42 43
              gptimg trash empty --older-than 30d
            """,
        subcommands: [List.self, Restore.self, Empty.self]
    )

    struct List: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List deleted images (their old ids), oldest first.")
        @OptionGroup var options: CatalogOptions
        @OptionGroup var global: GlobalOptions

        func run(_ context: GptimgContext) throws {
            try runCatalogCommand(context) { output in
                for item in Catalog.trashItems(try options.location(context)) {
                    if options.json {
                        output.json(
                            .object([
                                ("id", .int(Int(item.id))), ("deleted_on", .string(item.day)),
                                ("file", .string(item.file.path)), ("path", .optional(item.originalPath)),
                                ("sha256", .optional(item.sha256)), ("prompt", .string(item.prompt)),
                            ]))
                    } else {
                        let prompt = item.prompt.count > 60 ? item.prompt.prefix(59) + "…" : Substring(item.prompt)
                        output.line("\(item.id)  \(item.day)  \(prompt)")
                    }
                }
            }
        }
    }

    struct Restore: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore", abstract: "Bring deleted images back by their old ids.")
        @OptionGroup var options: CatalogOptions
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The ids they had (see `gptimg trash list`).") var ids: [Int64]

        func validate() throws {
            if ids.isEmpty { throw ValidationError("give the ids of the images to restore (`gptimg trash list`)") }
        }

        func run(_ context: GptimgContext) throws {
            try runCatalogCommand(context) { output in
                let catalog = try options.openExisting(context)
                for outcome in try catalog.restoreFromTrash(ids) {
                    switch outcome {
                    case .restored(let id, let path):
                        if options.json {
                            output.json(.object([("id", .int(Int(id))), ("path", .string(path))]))
                        } else {
                            output.line("restored \(id) (\(path))")
                        }
                    case .restoredAs(let old, let id, let path):
                        if options.json {
                            output.json(
                                .object([("old_id", .int(Int(old))), ("id", .int(Int(id))), ("path", .string(path))]))
                        } else {
                            output.line("restored \(old) as \(id), since another image has its id (\(path))")
                        }
                    case .alreadyThere(let old, let id):
                        if options.json {
                            output.json(.object([("old_id", .int(Int(old))), ("already", .int(Int(id)))]))
                        } else {
                            output.line("\(old) is in the library already, as image \(id)")
                        }
                    }
                }
            }
        }
    }

    struct Empty: ContextCommand {
        static let configuration = CommandConfiguration(
            commandName: "empty", abstract: "Remove deleted images for good (all, or those deleted before a time).")
        @OptionGroup var options: CatalogOptions
        @OptionGroup var global: GlobalOptions
        @Option(
            name: .customLong("older-than"),
            help: ArgumentHelp("Only those deleted more than this long ago: days, e.g. 30d.", valueName: "age"))
        var olderThan: String?

        var days: Int? {
            guard let olderThan else { return nil }
            let digits = olderThan.hasSuffix("d") ? String(olderThan.dropLast()) : olderThan
            return Int(digits).flatMap { $0 >= 0 ? $0 : nil }
        }

        func validate() throws {
            if olderThan != nil, days == nil {
                throw ValidationError("--older-than takes a number of days, e.g. 30d, not '\(olderThan!)'")
            }
        }

        func run(_ context: GptimgContext) throws {
            try runCatalogCommand(context) { output in
                let removed = Catalog.emptyTrash(try options.location(context), olderThanDays: days)
                if options.json {
                    output.json(.object([("removed", .int(removed))]))
                } else {
                    output.line("removed \(removed) image(s) from the trash for good")
                }
            }
        }
    }
}
