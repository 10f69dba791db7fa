import Foundation
import PNGRaster
import TestSupport
import Testing

@testable import GptimgCLI

/// Look-alikes on a real library: `similar`, `dupes` (`--reject-rest`), the `similar:` filter, hashes
/// filled in for images that have none, and bad input as one-line errors.
@Suite("gptimg similar and dupes")
struct LookAlikeCommandTests {
    typealias Workspace = CatalogCommandTests.Workspace

    /// Soft blobs (a picture), concentric rings, or noise: structures far apart in pHash.
    static func picture(_ kind: Int, width: Int = 480, height: Int = 360) throws -> RGBAImage {
        var pixels = [UInt8](repeating: 255, count: width * height * 4)
        var noise: UInt64 = 0x9E37_79B9_7F4A_7C15
        for y in 0..<height {
            for x in 0..<width {
                let (u, v) = (Double(x) / Double(width), Double(y) / Double(height))
                let value: Double
                switch kind {
                case 0:
                    value =
                        exp(-((u - 0.3) * (u - 0.3) + (v - 0.4) * (v - 0.4)) / 0.02)
                        + 0.7 * exp(-((u - 0.75) * (u - 0.75) + (v - 0.7) * (v - 0.7)) / 0.05)
                case 1:
                    value = 0.5 + 0.5 * sin(sqrt((u - 0.5) * (u - 0.5) + (v - 0.5) * (v - 0.5)) * 40)
                default:
                    noise = noise &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    value = Double(noise >> 56) / 255
                }
                let index = (y * width + x) * 4
                pixels[index] = UInt8(min(255, value * 255))
                pixels[index + 1] = UInt8(min(255, value * 180))
                pixels[index + 2] = UInt8(min(255, 60 + value * 100))
            }
        }
        return try RGBAImage(width: width, height: height, pixels: pixels)
    }

    /// a.png, its re-encode (same pixels, other bytes), its half-size copy, rings and noise.
    static func workspace() async throws -> (Workspace, ids: [String: String]) {
        let workspace = try Workspace()
        let picture = try Self.picture(0)
        let files: [(String, [UInt8])] = [
            ("a.png", try picture.pngData(compressionLevel: 9)),
            ("a-reencoded.png", try picture.pngData(compressionLevel: 0)),
            ("a-half.png", try picture.resized(width: 240, height: 180).pngData()),
            ("rings.png", try Self.picture(1).pngData()),
            ("noise.png", try Self.picture(2).pngData()),
        ]
        for (name, bytes) in files { try Data(bytes).write(to: workspace.sources.appendingPathComponent(name)) }
        let imported = await run(["import", workspace.sources.path], workspace)
        #expect(imported.status == 0, "\(imported.stderr)")
        var ids: [String: String] = [:]
        for line in try await sqlite(workspace, "SELECT id || '|' || original_name FROM images").split(separator: "\n")
        {
            let parts = line.split(separator: "|", maxSplits: 1)
            if parts.count == 2 { ids[(String(parts[1]) as NSString).lastPathComponent] = String(parts[0]) }
        }
        #expect(ids.count == 5, "\(ids)")
        return (workspace, ids)
    }

    static func run(_ arguments: [String], _ workspace: Workspace) async -> CommandResult {
        await Gptimg(currentDirectory: workspace.folder.path)(arguments + ["--library", workspace.library])
    }

    static func sqlite(_ workspace: Workspace, _ sql: String) async throws -> String {
        // A busy timeout: the last connection of a command that just ended may still be closing
        // (its checkpoint), which a reader without one sees as SQLITE_BUSY (exit 5).
        let result = try await ProcessRunner.run(
            ["sqlite3", "-cmd", ".timeout 10000", workspace.library + "/catalog.sqlite", sql])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("similar: the re-encode at 0, the half size within 6, unrelated images left out; --json has distance")
    func similar() async throws {
        let (workspace, ids) = try await Self.workspace()
        let a = try #require(ids["a.png"])
        let result = await Self.run(["similar", a, "--json"], workspace)
        #expect(result.status == 0, "\(result.stderr)")
        let found = jsonObjects(result.stdout).map { ($0["id"] as? Int, $0["distance"] as? Int) }
        #expect(found.count == 2, "\(result.stdout)")
        #expect(found.first?.0.map(String.init) == ids["a-reencoded.png"] && found.first?.1 == 0)
        #expect(found.last?.0.map(String.init) == ids["a-half.png"] && (found.last?.1 ?? 99) <= 6)
        // Unrelated structures are far apart: rings and noise are not within 20 of the picture.
        let wide = jsonObjects(await Self.run(["similar", a, "--distance", "20", "--json"], workspace).stdout)
        #expect(wide.count == 2, "\(wide)")
        let text = await Self.run(["similar", a, "--limit", "1"], workspace)
        #expect(text.stdout.hasPrefix(" 0  ") && text.stdout.split(separator: "\n").count == 1, "\(text.stdout)")
        // The filter finds the same two, by the stored hashes.
        let listed = jsonObjects(await Self.run(["list", "similar:\(a)", "--json"], workspace).stdout)
        #expect(
            Set(listed.compactMap { $0["id"] as? Int }.map(String.init)) == [
                ids["a-reencoded.png"]!, ids["a-half.png"]!,
            ])
        let exact = jsonObjects(await Self.run(["list", "similar:\(a)~0", "--json"], workspace).stdout)
        #expect(exact.contains { ($0["id"] as? Int).map(String.init) == ids["a-reencoded.png"] }, "\(exact)")
    }

    @Test("imports are hashed later: list similar: says so, similar and dupes fill the missing hashes")
    func storedAndFilled() async throws {
        let (workspace, ids) = try await Self.workspace()
        // An import does not hash (it would inflate every pixel); a generated image does (Generator tests).
        #expect(try await Self.sqlite(workspace, "SELECT count(*) FROM images WHERE phash IS NULL") == "5")
        let listed = await Self.run(["list", "similar:\(ids["a.png"]!)"], workspace)
        #expect(listed.status == 0 && listed.stderr.contains("no perceptual hash yet"), "\(listed)")
        let result = await Self.run(["similar", ids["a.png"]!, "--json"], workspace)
        #expect(result.status == 0 && jsonObjects(result.stdout).count == 2, "\(result)")
        #expect(try await Self.sqlite(workspace, "SELECT count(*) FROM images WHERE phash IS NULL") == "0")
        let before = try await Self.sqlite(
            workspace, "SELECT group_concat(phash) FROM (SELECT phash FROM images ORDER BY id)")
        let again = await Self.run(["list", "similar:\(ids["a.png"]!)"], workspace)
        #expect(again.status == 0 && again.stderr.isEmpty, "\(again)")

        // doctor --fix fills them in as well, and says so.
        _ = try await Self.sqlite(workspace, "UPDATE images SET phash = NULL WHERE id <> \(ids["a.png"]!)")
        let doctor = await Self.run(["doctor", "--fix"], workspace)
        #expect(doctor.stdout.contains("computed the perceptual hash of 4 image(s)"), "\(doctor)")
        #expect(
            try await Self.sqlite(workspace, "SELECT group_concat(phash) FROM (SELECT phash FROM images ORDER BY id)")
                == before)
    }

    @Test("dupes: one group, best-rated first; --reject-rest rejects the rest; then no group is left")
    func dupes() async throws {
        let (workspace, ids) = try await Self.workspace()
        let half = try #require(ids["a-half.png"])
        #expect(await Self.run(["rate", half, "5"], workspace).status == 0)
        let result = await Self.run(["dupes", "--distance", "6", "--json"], workspace)
        #expect(result.status == 0, "\(result.stderr)")
        let groups = jsonObjects(result.stdout)
        #expect(groups.count == 1, "\(result.stdout)")
        #expect((groups.first?["keep"] as? Int).map(String.init) == half)
        let members = (groups.first?["images"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
        #expect(Set(members.map(String.init)) == [ids["a.png"]!, ids["a-reencoded.png"]!, half])
        // Within 0 bits the re-encode is still grouped with its original; rings and noise never are.
        let exact = jsonObjects(await Self.run(["dupes", "--distance", "0", "--json"], workspace).stdout)
        let exactIDs = (exact.first?["images"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
        #expect(
            exact.count == 1 && Set(exactIDs.map(String.init)).isSuperset(of: [ids["a.png"]!, ids["a-reencoded.png"]!]))
        // --query narrows: the two full-size copies only.
        let narrowed = jsonObjects(
            await Self.run(["dupes", "--distance", "6", "--query", "size:480x360", "--json"], workspace).stdout)
        #expect((narrowed.first?["images"] as? [Any])?.count == 2, "\(narrowed)")
        let rejected = await Self.run(["dupes", "--distance", "6", "--reject-rest"], workspace)
        #expect(rejected.status == 0 && rejected.stderr.contains("rejected 2 images in 1 groups"), "\(rejected)")
        let listed = jsonObjects(await Self.run(["list", "is:rejected", "--json"], workspace).stdout)
        #expect(
            Set(listed.compactMap { $0["id"] as? Int }.map(String.init)) == [ids["a.png"]!, ids["a-reencoded.png"]!])
        let again = await Self.run(["dupes", "--distance", "6"], workspace)
        #expect(again.status == 0 && again.stdout.isEmpty && again.stderr.contains("no near-duplicates"), "\(again)")
    }

    @Test("similar and dupes read the hashes from a covering index, not every images row")
    func hashScanUsesTheIndex() async throws {
        let (workspace, _) = try await Self.workspace()
        let everything = try await Self.sqlite(
            workspace, "EXPLAIN QUERY PLAN SELECT id, phash FROM images WHERE phash IS NOT NULL AND pick <> -1")
        #expect(everything.contains("COVERING INDEX images_by_phash"), "\(everything)")
        let some = try await Self.sqlite(
            workspace, "EXPLAIN QUERY PLAN SELECT id, phash FROM images WHERE phash IS NOT NULL")
        #expect(some.contains("COVERING INDEX images_by_phash"), "\(some)")
    }

    @Test("bad input: unknown image, bad distance, bad filter value: one line, exit 1, nothing changed")
    func badInput() async throws {
        let (workspace, ids) = try await Self.workspace()
        for arguments in [
            ["similar", "999"], ["similar", ids["a.png"]!, "--distance", "40"], ["dupes", "--distance=-1"],
            ["similar", ids["a.png"]!, "--limit", "0"], ["list", "similar:\(ids["a.png"]!)~x"],
            ["list", "similar:999"],
            ["dupes", "--query", "bogus:1", "--reject-rest"],
        ] {
            let result = await Self.run(arguments, workspace)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
        }
        #expect(try await Self.sqlite(workspace, "SELECT count(*) FROM images WHERE pick <> 0") == "0")
    }

    @Test("similar on an image whose file is gone (no hash can be made): one line naming doctor, exit 1")
    func similarWithoutAHash() async throws {
        let (workspace, ids) = try await Self.workspace()
        let a = try #require(ids["a.png"])
        let path = try await Self.sqlite(workspace, "SELECT path FROM images WHERE id = \(a)")
        try FileManager.default.removeItem(atPath: workspace.library + "/" + path)
        _ = try await Self.sqlite(workspace, "UPDATE images SET phash = NULL WHERE id = \(a)")
        let result = await Self.run(["similar", a], workspace)
        #expect(result.status != 0)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("no perceptual hash") && result.stderr.contains("doctor"), "\(result.stderr)")
        // The other images still find their look-alikes.
        #expect(await Self.run(["similar", ids["a-reencoded.png"]!], workspace).status == 0)
    }
}
