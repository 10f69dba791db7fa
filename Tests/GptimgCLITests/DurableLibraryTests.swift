import Foundation
import GptimgSupport
import PNGMetadata
import TestSupport
import Testing

@testable import GptimgCLI

/// Nothing the user made is lost or renumbered: the library's files (images, their XMP
/// sidecars, journal.jsonl, collections.json) bring back the catalog, ids included; trash and
/// backups restore; `doctor --fix` leaves `doctor` clean.
@Suite("sidecars, journal, rebuild, trash and backup restore, doctor converges")
struct DurableLibraryTests {
    /// The whole library as `export --manifest json` and `credits --json` describe it (the
    /// export's own time left out).
    static func snapshot(_ workspace: GenerationWorkspace, _ name: String) async throws -> (NSArray, String) {
        let target = workspace.folder.path + "/export-" + name
        let exported = await workspace([
            "export", "--query", "is:rejected OR -is:rejected", "--to", target, "--manifest", "json",
        ])
        #expect(exported.status == 0, "\(exported.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: target + "/manifest.json"))
        let manifest = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let credits = await workspace(["credits", "--json"])
        #expect(credits.status == 0, "\(credits.stderr)")
        return (try #require(manifest["images"] as? NSArray), credits.stdout)
    }

    static func canonical(_ value: Any?) -> String {
        let data = try? JSONSerialization.data(withJSONObject: [value ?? NSNull()], options: .sortedKeys)
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "?"
    }

    static func expectSame(_ before: (NSArray, String), _ after: (NSArray, String), _ step: String) {
        #expect(after.1 == before.1, "credits after \(step)")
        #expect(after.0.count == before.0.count, "images after \(step)")
        for (old, new) in zip(before.0, after.0) {
            let old = old as! NSDictionary
            let new = new as! NSDictionary
            for case let key as String in old.allKeys where canonical(old[key]) != canonical(new[key]) {
                Issue.record(
                    "after \(step), image \(old["id"] ?? "?") \(key): \(old[key] ?? "nil") → \(new[key] ?? "nil")")
            }
        }
    }

    /// A library with generated (some failed and refunded) and imported images, ratings,
    /// favourites, picks, rejects, tags, ordered collections and a variant.
    static func curatedLibrary(_ workspace: GenerationWorkspace) async throws {
        // Some tasks fail (the simulator's fail rate), which `generate` and `batch` report with status 1.
        _ = await workspace(["generate", "a paper boat on a pond", "-n", "2", "--collection", "Trip"])
        let lines = (1...6).map { "a kite number \($0) over the dunes" }.joined(separator: "\n")
        let batchFile = workspace.folder.path + "/kites.txt"
        try Data(lines.utf8).write(to: URL(fileURLWithPath: batchFile))
        _ = await workspace(["batch", batchFile, "--tag", "kites"]) // some fail: the simulator's fail rate
        let sources = workspace.folder.path + "/sources"
        try FileManager.default.createDirectory(atPath: sources, withIntermediateDirectories: true)
        try Data(CatalogCommandTests.png(seed: 11)).write(to: URL(fileURLWithPath: sources + "/plain.png"))
        let imported = await workspace(["import", sources])
        #expect(imported.status == 0, "\(imported.stderr)")
        let variant = await workspace(["variant", "1", "--append", "in autumn"])
        #expect(variant.status == 0, "\(variant.stderr)")
        for command in [
            ["rate", "1", "4"], ["rate", "2", "2"], ["fav", "2"], ["pick", "1"], ["reject", "3"],
            ["tag", "1", "2", "--add", "lake", "night sky"], ["tag", "1", "--remove", "kites"],
            ["collection", "add", "Fav & more", "3", "1"], ["collection", "add", "Trip", "4"],
            ["collection", "remove", "Trip", "1"], ["collection", "create", "Empty one"],
        ] {
            let result = await workspace(command)
            #expect(result.status == 0, "\(command): \(result.stderr)")
        }
    }

    @Test func theLibraryComesBackFromItsFilesIdsIncluded() async throws {
        try await withGenerationWorkspace("durable", credits: 400, failRate: 0.3, seed: 5) { workspace in
            try await Self.curatedLibrary(workspace)
            #expect(jsonObjects(await workspace(["list", "is:rejected OR -is:rejected", "--json"]).stdout).count >= 6)
            let credits = await workspace(["credits", "--json"])
            #expect(!credits.stdout.contains("\"refunded\":0,"), "the library should hold a refunded task")
            let before = try await Self.snapshot(workspace, "before")

            // The catalog lost: the files alone bring it back.
            for suffix in ["", "-wal", "-shm"] { unlink(workspace.library + "/catalog.sqlite" + suffix) }
            let rebuilt = await workspace(["rebuild"])
            #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
            Self.expectSame(before, try await Self.snapshot(workspace, "rebuilt"), "rebuild")
            // And a second rebuild, with the catalog still there, changes nothing.
            #expect(await workspace(["rebuild"]).status == 0)
            Self.expectSame(before, try await Self.snapshot(workspace, "rebuilt-again"), "a second rebuild")

            // A snapshot, changes, then the snapshot restored.
            let backup = await workspace(["backup", "--json"])
            let file = try #require(jsonObjects(backup.stdout).first?["backup"] as? String)
            #expect(await workspace(["rate", "1", "1"]).status == 0)
            #expect(await workspace(["collection", "delete", "Trip"]).status == 0)
            let restored = await workspace(["backup", "restore", file])
            #expect(restored.status == 0, "\(restored.stderr)")
            Self.expectSame(before, try await Self.snapshot(workspace, "restored"), "backup restore")
            let doctor = await workspace(["doctor", "--json"])
            #expect(doctor.status == 0 && doctor.stdout.contains("\"notices\":[]"), "\(doctor.stdout)")

            // Deleted, then restored from the trash: the same ids, tags, ratings and places.
            #expect(await workspace(["delete", "1", "3"]).status == 0)
            let listed = await workspace(["trash", "list", "--json"])
            #expect(Set(jsonObjects(listed.stdout).compactMap { $0["id"] as? Int }) == [1, 3])
            let back = await workspace(["trash", "restore", "1", "3"])
            #expect(back.status == 0, "\(back.stderr)")
            Self.expectSame(before, try await Self.snapshot(workspace, "untrashed"), "trash restore")
            #expect(jsonObjects(await workspace(["trash", "list", "--json"]).stdout).isEmpty)
        }
    }

    @Test func exiftoolReadsOurSidecarsAndItsEditsComeBack() async throws {
        try await withGenerationWorkspace("exiftool", credits: 100) { workspace in
            #expect(await workspace(["generate", "a glass lantern", "-n", "2"]).status == 0)
            #expect(await workspace(["rate", "1", "4"]).status == 0)
            #expect(await workspace(["tag", "1", "--add", "night sky", "lake"]).status == 0)
            let path = try #require(
                jsonObjects(await workspace(["show", "1", "--json"]).stdout).first?["path"] as? String)
            let sidecar = workspace.library + "/" + path + ".xmp"
            let read = try await ProcessRunner.run(["exiftool", "-j", "-XMP:Rating", "-XMP:Subject", sidecar])
            let fields = try #require(
                (try JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [[String: Any]])?.first)
            #expect(fields["Rating"] as? Int == 4)
            #expect(Set(fields["Subject"] as? [String] ?? []) == ["night sky", "lake"])

            // exiftool edits the sidecar: rebuild takes its word.
            _ = try await ProcessRunner.run([
                "exiftool", "-overwrite_original", "-XMP-xmp:Rating=2", "-XMP-dc:Subject+=from exiftool", sidecar,
            ])
            for suffix in ["", "-wal", "-shm"] { unlink(workspace.library + "/catalog.sqlite" + suffix) }
            #expect(await workspace(["rebuild"]).status == 0)
            let shown = try #require(jsonObjects(await workspace(["show", "1", "--json"]).stdout).first)
            #expect(shown["rating"] as? Int == 2)
            #expect(Set(shown["tags"] as? [String] ?? []) == ["night sky", "lake", "from exiftool"])

            // A folder another tool rated: import takes the rating from NAME.xmp.
            let folder = workspace.folder.path + "/rated"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data(CatalogCommandTests.png(seed: 21)).write(to: URL(fileURLWithPath: folder + "/a.png"))
            _ = try await ProcessRunner.run([
                "exiftool", "-o", "%d%f.xmp", "-XMP-xmp:Rating=5", "-XMP-dc:Subject=imported", folder + "/a.png",
            ])
            #expect(FileManager.default.fileExists(atPath: folder + "/a.xmp"))
            let imported = await workspace(["import", folder, "--json"])
            #expect(imported.status == 0, "\(imported.stderr)")
            let found = await workspace(["list", "tag:imported", "--json"])
            let image = try #require(jsonObjects(found.stdout).first)
            #expect(image["rating"] as? Int == 5)
        }
    }

    @Test func badRestoresAreOneLineAndChangeNothing() async throws {
        try await withGenerationWorkspace("badrestore", credits: 100) { workspace in
            #expect(await workspace(["generate", "a brass compass"]).status == 0)
            let junk = workspace.folder.file("junk.sqlite", "not a database")
            let refused = await workspace(["backup", "restore", junk])
            #expect(refused.status == 1)
            #expect(
                refused.stderr == "gptimg: \(junk) is not a backup that can be restored: it is not an SQLite database\n"
            )
            let unknown = await workspace(["trash", "restore", "99"])
            #expect(unknown.status == 1 && unknown.stderr.contains("image 99 is not in the trash"), "\(unknown.stderr)")
            let age = await workspace(["trash", "empty", "--older-than", "soon"])
            #expect(age.status != 0 && age.stderr.contains("--older-than takes a number of days"))
            #expect(jsonObjects(await workspace(["list", "--json"]).stdout).count == 1)
            #expect(await workspace(["doctor"]).status == 0)
        }
    }

    /// Backups rotate by the count the command is given (`--keep`): the newest stay. Then a
    /// backup with no `--keep` takes the default (10) again: the count is the command's, not
    /// left behind in the process by the one before.
    @Test func backupsRotateByTheCountGiven() async throws {
        try await withGenerationWorkspace("rotate", credits: 100) { workspace in
            #expect(await workspace(["generate", "a paper lantern"]).status == 0)
            for _ in 1...4 { #expect(await workspace(["backup", "--keep", "2"]).status == 0) }
            #expect(jsonObjects(await workspace(["backup", "list", "--json"]).stdout).count == 2)
            for _ in 1...3 { #expect(await workspace(["backup"]).status == 0) }
            #expect(jsonObjects(await workspace(["backup", "list", "--json"]).stdout).count == 5)
        }
    }

    /// `doctor --fix` then `doctor`: clean, and nothing left to notice about the library's files.
    static func expectConverges(_ workspace: GenerationWorkspace, _ damage: String, _ extra: [String] = []) async {
        let fixed = await workspace(["doctor", "--fix", "--json"] + extra)
        #expect(fixed.status == 0, "\(damage): \(fixed.stderr)")
        let after = await workspace(["doctor", "--json"])
        #expect(after.status == 0, "\(damage): \(after.stdout)")
        #expect(after.stdout.contains("\"clean\":true"), "\(damage): \(after.stdout)")
        #expect(after.stdout.contains("\"notices\":[]"), "\(damage): \(after.stdout)")
    }

    /// The library the cases start from: three generated images in a collection, made once (the
    /// simulator drawing and the landing of the images were most of each case's cost) and copied
    /// by each case that does not download again.
    static let kettles = Task<String, any Error> {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gptimg-kettles-\(UUID().uuidString)"
        ).path
        try await withGenerationWorkspace("kettles", credits: 100) { workspace in
            let made = await workspace(["generate", "a copper kettle", "-n", "3", "--collection", "Kitchen"])
            guard made.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: ["stderr": made.stderr]) }
            // The command's catalog closes when its last reference goes, which can be a moment after the
            // command returned (the thread of its last database job lets go of it): copied meanwhile, its
            // WAL file vanished mid-copy. SQLite removes the WAL at the last close: the copy waits for that.
            let wal = workspace.library + "/catalog.sqlite-wal"
            let deadline = Date().addingTimeInterval(30)
            while FileManager.default.fileExists(atPath: wal) {
                guard Date() < deadline else { throw CocoaError(.fileWriteUnknown, userInfo: ["still open": wal]) }
                try await Task.sleep(for: .milliseconds(10))
            }
            try FileManager.default.copyItem(atPath: workspace.library, toPath: copy)
        }
        return copy
    }

    @Test(arguments: [
        "duplicate", "missing file", "untracked file", "changed file", "missing sidecar", "sidecar edited elsewhere",
        "missing journal", "missing collections file", "missing file downloaded again",
    ])
    func doctorFixThenDoctorIsClean(_ damage: String) async throws {
        try await withGenerationWorkspace("doctor", credits: 100) { workspace in
            if damage == "missing file downloaded again" {
                // Downloaded from this workspace's simulator: the library is made here.
                #expect(
                    await workspace(["generate", "a copper kettle", "-n", "3", "--collection", "Kitchen"]).status == 0)
            } else {
                try FileManager.default.copyItem(atPath: try await Self.kettles.value, toPath: workspace.library)
            }
            let shown = jsonObjects(await workspace(["show", "1", "--json"]).stdout).first
            let path = workspace.library + "/" + (shown?["path"] as? String ?? "")
            let images = workspace.library + "/images"
            switch damage {
            case "duplicate":
                try FileManager.default.copyItem(atPath: path, toPath: images + "/copy.png")
            case "missing file", "missing file downloaded again":
                unlink(path)
            case "untracked file":
                try Data(CatalogCommandTests.png(seed: 5)).write(to: URL(fileURLWithPath: images + "/dropped.png"))
            case "changed file":
                var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
                bytes[bytes.count - 20] ^= 0xFF
                try bytes.write(to: URL(fileURLWithPath: path))
            case "missing sidecar":
                unlink(path + ".xmp")
            case "sidecar edited elsewhere":
                _ = try await ProcessRunner.run(["exiftool", "-overwrite_original", "-XMP-xmp:Rating=3", path + ".xmp"])
            case "missing journal":
                unlink(workspace.library + "/journal.jsonl")
            default:
                unlink(workspace.library + "/collections.json")
            }
            let found = await workspace(["doctor", "--json"])
            #expect(!found.stdout.contains("\"notices\":[]") || !found.stdout.contains("\"clean\":true"), "\(damage)")
            let download = damage == "missing file downloaded again"
            await Self.expectConverges(workspace, damage, download ? ["--download"] : [])
            if download {
                // The same image, the same id, its file back byte for byte (by its SHA-256).
                let back = jsonObjects(await workspace(["show", "1", "--json"]).stdout).first
                #expect(back?["sha256"] as? String == shown?["sha256"] as? String)
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
                #expect(bytes.count == shown?["bytes"] as? Int)
            }
            if damage == "duplicate" {
                #expect(FileManager.default.fileExists(atPath: workspace.library + "/trash/duplicates/copy.png"))
                #expect(jsonObjects(await workspace(["list", "--json"]).stdout).count == 3)
            }
            if damage == "sidecar edited elsewhere" {
                #expect(jsonObjects(await workspace(["show", "1", "--json"]).stdout).first?["rating"] as? Int == 3)
            }
        }
    }
}
