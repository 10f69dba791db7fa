import Foundation
import GptimgCatalog
import GptimgSupport
import PNGMetadata
import PNGRaster
import TestSupport
import Testing
import ZIPFoundation

@testable import GptimgExport

@Suite("export: selections, manifests, zip and folder")
struct ExportTests {
    func export(
        _ workspace: ExportWorkspace, _ selection: ExportSelection, to name: String, manifest: ManifestFormat = .json,
        names: String = NameTemplate.standard, strip: Bool = false, contactSheet: Bool = false, force: Bool = false,
        forceZip64: Bool = false
    ) throws -> ExportSummary {
        var request = ExportRequest(
            selection: selection, target: workspace.path(name), manifest: manifest,
            names: try NameTemplate(parsing: names),
            stripMetadata: strip, contactSheet: contactSheet, force: force)
        request.forceZip64 = forceZip64
        return try Exporter(catalog: workspace.catalog).export(request)
    }

    /// Every entry of a zip, read back by ZIPFoundation (which checks each CRC-32).
    func zipEntries(_ path: String) throws -> [(entry: Entry, bytes: [UInt8])] {
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        return try archive.map { entry in
            var bytes: [UInt8] = []
            _ = try archive.extract(entry, skipCRC32: false) { bytes += $0 }
            return (entry, bytes)
        }
    }

    /// Info-ZIP's own check of every entry and its CRC.
    func unzipTest(_ path: String) async throws -> ProcessResult {
        try await ProcessRunner.run(["unzip", "-t", path])
    }

    func libraryBytes(_ workspace: ExportWorkspace, _ id: Int64) throws -> [UInt8] {
        let details = try workspace.catalog.details([id])[0]
        return try contents(workspace.location.root.path + "/" + details.image.path)
    }

    /// Checks each manifest record against the catalog: cli.md's image JSON field by field, the
    /// parameters, the lineage, and the file itself.
    func expectMatchesCatalog(_ records: [[String: Any]], _ workspace: ExportWorkspace, files: [String: [UInt8]]) throws
    {
        let parameters = try workspace.catalog.parameters(records.compactMap { ($0["id"] as? Int).map(Int64.init) })
        var fileByID: [Int: String] = [:]
        for record in records { fileByID[record["id"] as! Int] = record["file"] as? String }
        for record in records {
            let id = try #require(record["id"] as? Int)
            let details = try workspace.catalog.details([Int64(id)])[0]
            let image = details.image
            let generation = details.generation
            // cli.md's image JSON, every key, then what the manifest adds.
            guard case .object(let listed) = details.json else { throw FixtureError(message: "not an object") }
            #expect(Set(listed.map(\.0)).isSubset(of: Set(record.keys)))
            #expect(record["sha256"] as? String == image.sha256)
            #expect(record["path"] as? String == image.path)
            #expect(record["width"] as? Int == image.width && record["height"] as? Int == image.height)
            #expect(record["bytes"] as? Int == image.bytes)
            #expect(record["prompt"] as? String == generation.prompt)
            #expect(record["aspect_ratio"] as? String == generation.aspectRatio)
            #expect(record["type"] as? String == generation.type)
            #expect(record["task_id"] as? String == generation.taskID)
            #expect(record["index"] as? Int == image.index && record["n"] as? Int == generation.n)
            #expect(record["reference_images"] as? [String] == generation.referenceImages)
            #expect(record["status"] as? String == generation.status.rawValue)
            #expect(record["created_at"] as? String == image.createdAt)
            #expect(record["tags"] as? [String] == details.tags)
            #expect(record["collections"] as? [String] == details.collections)
            #expect(record["rating"] as? Int == image.rating)
            #expect(record["favorite"] as? Bool == image.favorite)
            #expect(record["parent_id"] as? Int == details.parentID.map(Int.init))
            #expect(record["remote_url"] as? String == image.remoteURL)
            #expect(record["generator"] as? String == image.generator)
            #expect(record["source"] as? String == generation.source.rawValue)
            let recorded = try #require(record["parameters"] as? [String: String])
            #expect(
                recorded
                    == Dictionary(
                        parameters[Int64(id)]?.map { ($0.key, $0.value) } ?? [], uniquingKeysWith: { first, _ in first }
                    ))
            #expect(record["negative_prompt"] as? String == details.generation.negativePrompt)
            #expect(record["parent_task_id"] as? String == details.generation.parentTaskID)
            #expect(record["parent_file"] as? String == details.parentID.flatMap { fileByID[Int($0)] })
            #expect(record["model"] as? String == details.generation.model)
            #expect(record["added_at"] as? String == details.image.addedAt)
            #expect(record["generation_id"] as? Int == Int(details.generation.id))
            #expect(record["requested_tags"] as? [String] == details.generation.requestedTags)
            #expect(record.keys.count == listed.count + 24)
            let file = try #require(record["file"] as? String)
            #expect(files[file] == (try libraryBytes(workspace, Int64(id))), "\(file) is the library's file")
        }
    }

    @Test(
        "--query '' to a zip: every image stored and byte-identical, unzip -t clean, JSON manifest equal to the catalog"
    )
    func queryToZip() async throws {
        let workspace = try await ExportWorkspace.standard()
        let summary = try export(workspace, .query("", sort: .oldest), to: "all.zip")
        #expect(summary.kind == .zip)
        #expect(summary.images == ExportWorkspace.prompts.count + 1)
        let check = try await unzipTest(workspace.path("all.zip"))
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("No errors detected"))

        let entries = try zipEntries(workspace.path("all.zip"))
        #expect(entries.first?.entry.path == "manifest.json")
        #expect(entries.count == summary.images + 1)
        var files: [String: [UInt8]] = [:]
        for (entry, bytes) in entries {
            files[entry.path] = bytes
            #expect(!entry.path.contains("/"))
            if entry.path.hasSuffix(".png") {
                #expect(entry.compressedSize == entry.uncompressedSize, "\(entry.path) is stored")
            } else {
                #expect(entry.compressedSize < entry.uncompressedSize, "\(entry.path) is deflated")
            }
        }
        let manifestBytes = try #require(files["manifest.json"])
        let manifest = try #require(try parseJSON(manifestBytes) as? [String: Any])
        #expect(manifest["query"] as? String == "")
        #expect(manifest["count"] as? Int == summary.images)
        #expect(manifest["strip_metadata"] as? Bool == false)
        #expect((manifest["exported_at"] as? String)?.hasSuffix("Z") == true)
        let records = try #require(manifest["images"] as? [[String: Any]])
        #expect(records.count == summary.images)
        // Oldest first: the lighthouse (1 November) is the first.
        #expect(records.first?["id"] as? Int == Int(workspace["lighthouse"]))
        #expect(records.first?["file"] as? String == "001-a-lone-lighthouse-on-a-cliff-at-sunset.png")
        try expectMatchesCatalog(records, workspace, files: files)
        // The variant's lineage names its parent's file in this export.
        let variant = try #require(records.first { $0["id"] as? Int == Int(workspace["variant"]) })
        #expect(variant["parent_file"] as? String == records.first?["file"] as? String)
        #expect(variant["parent_id"] as? Int == Int(workspace["lighthouse"]))
        // The foreign file's settings come along.
        let a1111 = try #require(records.first { $0["id"] as? Int == Int(workspace["a1111"]) })
        #expect((a1111["parameters"] as? [String: String])?["Seed"] == "1234")
        #expect(a1111["negative_prompt"] as? String == "blurry")
    }

    @Test("--collection to a folder with a CSV manifest: the collection's order, RFC 4180 read back by Python's csv")
    func collectionToFolderCSV() async throws {
        let workspace = try await ExportWorkspace.standard()
        let summary = try export(
            workspace, .collection("Client picks"), to: "picks", manifest: .csv, names: "{collection} {index}")
        #expect(summary.kind == .folder)
        let folder = workspace.path("picks")
        let listing = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(listing == ["Client picks 001.png", "Client picks 002.png", "Client picks 003.png", "manifest.csv"])
        let python = """
            import csv, json, sys
            with open(sys.argv[1], newline='', encoding='utf-8') as f:
                print(json.dumps(list(csv.DictReader(f))))
            """
        let parsed = try await ProcessRunner.run(["python3", "-c", python, folder + "/manifest.csv"])
        #expect(parsed.status == 0, "\(parsed.stderr)")
        let rows = try #require(try parseJSON(Array(parsed.stdout.utf8)) as? [[String: String]])
        #expect(
            rows.map { $0["id"] }
                == [workspace["variant"], workspace["lighthouse"], workspace["a1111"]].map { String($0) })
        for row in rows {
            let id = try #require(row["id"].flatMap(Int64.init))
            let details = try workspace.catalog.details([id])[0]
            #expect(row["prompt"] == details.generation.prompt)
            #expect(row["sha256"] == details.image.sha256)
            #expect(row["task_id"] == (details.generation.taskID ?? ""))
            #expect(row["rating"] == String(details.image.rating))
            #expect(row["favorite"] == (details.image.favorite ? "true" : "false"))
            #expect(row["parent_id"] == details.parentID.map(String.init) ?? "")
            #expect(try parseJSON(Array(row["tags"]!.utf8)) as? [String] == details.tags)
            #expect(try parseJSON(Array(row["collections"]!.utf8)) as? [String] == details.collections)
            let file = try #require(row["file"])
            #expect(try contents(folder + "/" + file) == (try libraryBytes(workspace, id)))
            // The file's time is the image's.
            let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/" + file)
            let modified = try #require(attributes[.modificationDate] as? Date)
            #expect(Timestamp(modified).iso8601 == details.image.createdAt)
        }
        #expect(rows.first?["parent_file"] == "Client picks 002.png")
        #expect(try contents(folder + "/manifest.csv").starts(with: Array("file,id,sha256,path,".utf8)))
    }

    @Test("IDs: numbers and SHA-256 prefixes, in the order given, repeats once")
    func idSelector() async throws {
        let workspace = try await ExportWorkspace.standard()
        let lighthouse = try workspace.catalog.details([workspace["lighthouse"]])[0]
        let ids = [String(workspace["emoji"]), String(lighthouse.image.sha256.prefix(10)), String(workspace["emoji"])]
        _ = try export(workspace, .ids(ids), to: "two.zip", names: "{id}")
        let names = try zipEntries(workspace.path("two.zip")).map(\.entry.path)
        #expect(names == ["manifest.json", "\(workspace["emoji"]).png", "\(workspace["lighthouse"]).png"])
        #expect(throws: CatalogError.noSuchImage("99999")) { try export(workspace, .ids(["99999"]), to: "none.zip") }
        #expect(!FileManager.default.fileExists(atPath: workspace.path("none.zip")))
    }

    @Test("a query that matches nothing, a bad query, a missing collection: errors, nothing written")
    func selectionErrors() async throws {
        let workspace = try await ExportWorkspace.standard()
        #expect(throws: ExportError.self) { try export(workspace, .query("zebra", sort: .newest), to: "z.zip") }
        #expect(throws: CatalogError.self) { try export(workspace, .query("colour:red", sort: .newest), to: "z.zip") }
        #expect(throws: CatalogError.noSuchCollection("Nope")) {
            try export(workspace, .collection("Nope"), to: "z.zip")
        }
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: workspace.folder.path).sorted() == ["Library", "in"])
    }

    @Test(
        "a catalog path leading out of the library (../outside.png) fails the export, nothing written",
        arguments: ["out.zip", "out"])
    func tamperedCatalogPath(target: String) async throws {
        let workspace = try await ExportWorkspace.standard()
        // A real file where the tampered path leads: only the check can keep it out.
        try Data("not for sharing".utf8).write(to: workspace.folder.appendingPathComponent("outside.png"))
        let id = workspace["variant"]
        let result = try await ProcessRunner.run([
            "sqlite3", "-bail", workspace.location.catalogURL.path,
            "UPDATE images SET path = '../outside.png' WHERE id = \(id)",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let error = try #require(throws: CatalogError.self) {
            try export(workspace, .query("", sort: .oldest), to: target, contactSheet: true)
        }
        guard case .file(let path, let reason) = error else {
            throw FixtureError(message: "not a file error: \(error)")
        }
        #expect(path == "../outside.png")
        #expect(reason.contains("image \(id)'s path leads outside the library"))
        #expect(error.description.contains("gptimg doctor"))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: workspace.folder.path).sorted() == [
                "Library", "in", "outside.png",
            ])
    }

    @Test(
        "hostile prompts in templates: every name safe, flat, unique whatever the case",
        arguments: ["{prompt}", "{task}/{slug}", "{collection}{prompt}{date}", "../{prompt}"])
    func hostileTemplates(template: String) async throws {
        let workspace = try await ExportWorkspace.standard()
        for target in ["hostile", "hostile.zip"] {
            _ = try export(workspace, .query("", sort: .newest), to: target, names: template)
            let names: [String]
            if target.hasSuffix(".zip") {
                names = try zipEntries(workspace.path(target)).map(\.entry.path)
                #expect(try await unzipTest(workspace.path(target)).status == 0)
            } else {
                names = try FileManager.default.contentsOfDirectory(atPath: workspace.path(target))
                for name in names {
                    var isDirectory: ObjCBool = false
                    #expect(
                        FileManager.default.fileExists(
                            atPath: workspace.path(target) + "/" + name, isDirectory: &isDirectory)
                            && !isDirectory.boolValue)
                }
            }
            let images = names.filter { $0.hasSuffix(".png") }
            #expect(images.count == ExportWorkspace.prompts.count + 1)
            #expect(
                Set(images.map { $0.uppercased().lowercased() }).count == images.count,
                "unique without regard to case: \(images)")
            for name in images {
                let stem = String(name.dropLast(4))
                #expect(stem.utf8.count <= 120, "\(name)")
                #expect(stem == stem.precomposedStringWithCanonicalMapping)
                #expect(
                    !name.unicodeScalars.contains {
                        $0.properties.generalCategory == .control || "<>:\"/\\|?*".unicodeScalars.contains($0)
                    }, "\(name)")
                #expect(!name.hasPrefix(".") && !name.hasPrefix(" "), "\(name)")
                #expect(
                    !FileNames.reservedOnWindows.contains(
                        stem.split(separator: ".").first.map { $0.lowercased() } ?? ""), "\(name)")
            }
            if template == "{prompt}" {
                #expect(
                    images.contains("_CON.png") && images.contains("_con-2.png")
                        || images.contains("_con.png") && images.contains("_CON-2.png"), "\(images)")
                #expect(images.contains("etc_passwd.png"))
                #expect(images.contains { $0.hasPrefix("🌅 sunrise over 山 with a family 👨‍👩‍👧") })
                #expect(images.contains("a line break, a tab and a bell.png"))
                #expect(images.contains("gnp.exe.png"))
            }
        }
    }

    @Test("--strip-metadata: our chunks and other generators' gone, image data byte-identical, in a folder and a zip")
    func strip() async throws {
        let workspace = try await ExportWorkspace.standard()
        _ = try export(workspace, .query("", sort: .newest), to: "plain", names: "{id}", strip: true)
        _ = try export(workspace, .query("", sort: .newest), to: "plain.zip", names: "{id}", strip: true)
        let zipped = Dictionary(
            uniqueKeysWithValues: try zipEntries(workspace.path("plain.zip")).map { ($0.entry.path, $0.bytes) })
        #expect(try await unzipTest(workspace.path("plain.zip")).status == 0)
        for item in try workspace.catalog.list("", limit: 100) {
            let original = try libraryBytes(workspace, item.image.id)
            let before = try PNGMetadataReader.read(bytes: original)
            #expect(before.generation != nil)
            let fromZip = try #require(zipped["\(item.image.id).png"])
            for stripped in [try contents(workspace.path("plain") + "/\(item.image.id).png"), fromZip] {
                let after = try PNGMetadataReader.read(bytes: stripped)
                #expect(after.generation == nil, "image \(item.image.id) still has generation metadata")
                let keywords = Set(after.textChunks.map(\.keyword))
                #expect(
                    keywords.isDisjoint(with: GptimgEmbedding.ownKeywords.union(PNGEditor.foreignGenerationKeywords)),
                    "\(keywords)")
                #expect(Self.imageData(stripped) == Self.imageData(original))
                #expect(try RGBAImage(pngData: stripped) == RGBAImage(pngData: original))
                #expect(stripped.count < original.count)
            }
        }
        let manifest = try #require(
            try parseJSON(try contents(workspace.path("plain") + "/manifest.json")) as? [String: Any])
        #expect(manifest["strip_metadata"] as? Bool == true)
        // The manifest still has what the files no longer carry.
        #expect(
            (manifest["images"] as? [[String: Any]])?.contains {
                $0["prompt"] as? String == ExportWorkspace.prompts[0].prompt
            } == true)
    }

    /// The IHDR and every IDAT chunk, bytes and CRCs, in order.
    static func imageData(_ png: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        var offset = 8
        while offset + 12 <= png.count {
            let length = png[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: png[offset + 4..<offset + 8], as: UTF8.self)
            let end = offset + 12 + length
            if type == "IHDR" || type == "IDAT" { output += png[offset..<end] }
            offset = end
        }
        return output
    }

    @Test("ZIP64 records, when forced, read back by unzip and Python's zipfile")
    func zip64() async throws {
        let workspace = try await ExportWorkspace.standard()
        _ = try export(workspace, .collection("Client picks"), to: "z64.zip", forceZip64: true)
        let check = try await unzipTest(workspace.path("z64.zip"))
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        // ZIPFoundation 0.9.20 takes a ZIP64 offset of 0 (the first entry, only ever written
        // that way when forced) for "absent", so it cannot be the reader here.
        let python = """
            import sys, zipfile, hashlib
            with zipfile.ZipFile(sys.argv[1]) as z:
                assert z.testzip() is None
                for info in z.infolist():
                    print(info.filename, info.file_size, info.compress_type, hashlib.sha256(z.read(info)).hexdigest())
            """
        let listing = try await ProcessRunner.run(["python3", "-c", python, workspace.path("z64.zip")])
        #expect(listing.status == 0, "\(listing.stderr)")
        let lines = listing.stdout.split(separator: "\n")
        try #require(lines.count == 4)
        let variant = try workspace.catalog.details([workspace["variant"]])[0]
        #expect(
            lines[1]
                == "001-the-same-lighthouse-as-a-watercolor-in-a.png \(variant.image.bytes) 0 \(variant.image.sha256)")
        #expect(lines[0].hasPrefix("manifest.json ") && lines[0].contains(" 8 "))
    }

    @Test("an existing target is kept without --force, replaced with it; folders only when they are exports")
    func existingTargets() async throws {
        let workspace = try await ExportWorkspace.standard()
        _ = try export(workspace, .ids([String(workspace["con"])]), to: "one.zip")
        let first = try contents(workspace.path("one.zip"))
        #expect(throws: ExportError.targetExists(path: workspace.path("one.zip"))) {
            try export(workspace, .ids([String(workspace["emoji"])]), to: "one.zip")
        }
        #expect(try contents(workspace.path("one.zip")) == first)
        _ = try export(workspace, .ids([String(workspace["emoji"])]), to: "one.zip", force: true)
        #expect(try zipEntries(workspace.path("one.zip")).count == 2)
        #expect(try contents(workspace.path("one.zip")) != first)

        // An empty folder is used; an export folder is replaced with --force; any other folder never.
        try FileManager.default.createDirectory(atPath: workspace.path("empty"), withIntermediateDirectories: true)
        _ = try export(workspace, .ids([String(workspace["con"])]), to: "empty")
        #expect(throws: ExportError.targetExists(path: workspace.path("empty"))) {
            try export(workspace, .ids([String(workspace["con"])]), to: "empty")
        }
        _ = try export(workspace, .ids([String(workspace["emoji"])]), to: "empty", force: true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.path("empty")).count == 2)
        try FileManager.default.createDirectory(atPath: workspace.path("documents"), withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: workspace.folder.appendingPathComponent("documents/notes.txt"))
        #expect(throws: ExportError.self) {
            try export(workspace, .ids([String(workspace["con"])]), to: "documents", force: true)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.path("documents")) == ["notes.txt"])
        // Never into the library.
        #expect(throws: ExportError.targetInsideLibrary(path: workspace.path("Library/exports"))) {
            try export(workspace, .ids([String(workspace["con"])]), to: "Library/exports")
        }
        // No partial left behind by any of it.
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: workspace.folder.path).allSatisfy {
                !$0.contains(".partial-")
            })
    }

    @Test("a failure half-way (here, an interruption) leaves nothing under the final name and no partial")
    func interrupted() async throws {
        let workspace = try await ExportWorkspace.standard()
        for target in ["stop.zip", "stop"] {
            let request = ExportRequest(
                selection: .query("", sort: .newest), target: workspace.path(target),
                names: try NameTemplate(parsing: "{id}"))
            #expect(throws: ExportError.interrupted) {
                try Exporter(catalog: workspace.catalog).export(request) { progress in
                    #expect(
                        FileManager.default.fileExists(
                            atPath: workspace.folder.path + "/.\(target).partial-\(getpid())"))
                    if progress.done == 3 { throw ExportError.interrupted }
                }
            }
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: workspace.folder.path).sorted() == [
                    "Library", "in",
                ])
        }
    }

    @Test("a partial left by a dead process is removed by the next export to that name")
    func stalePartial() async throws {
        let workspace = try await ExportWorkspace.standard()
        // A pid that is not running: a child that has exited and been reaped.
        let child = try await ProcessRunner.run(["sh", "-c", "echo $$"])
        let dead = try #require(Int32(child.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let stale = workspace.path(".old.zip.partial-\(dead)")
        try Data("half a zip".utf8).write(to: URL(fileURLWithPath: stale))
        _ = try export(workspace, .ids([String(workspace["con"])]), to: "old.zip")
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: workspace.path("old.zip")))
    }

    @Test("--contact-sheet: a PNG grid and an index.html that escapes every prompt and links only the export's files")
    func contactSheetAndIndex() async throws {
        let workspace = try await ExportWorkspace.standard()
        let summary = try export(workspace, .query("", sort: .oldest), to: "sheet", contactSheet: true)
        #expect(summary.extraFiles == ["manifest.json", "index.html", "contact-sheet.png"])
        let folder = workspace.path("sheet")
        let sheet = try RGBAImage(pngData: try contents(folder + "/contact-sheet.png"))
        #expect(sheet.width == 2 * ContactSheet.margin + ContactSheet.columns * ContactSheet.cellWidth)
        #expect(sheet.height == 2 * ContactSheet.margin + ContactSheet.headerHeight + 2 * ContactSheet.cellHeight)
        let html = String(decoding: try contents(folder + "/index.html"), as: UTF8.self)
        #expect(html.contains("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; &quot;quotes&quot;"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("alert('x')"))
        #expect(html.contains("a line\nbreak, a\ttab and a bell</p>"))
        #expect(!html.contains("\u{0}"))
        // A NUL in a prompt is left out of the page. (The fixture's NUL does not survive the trip
        // into the catalog, whose prompt reads "before": give the page one directly.)
        var nul = try workspace.catalog.details([workspace["nul"]])[0]
        nul.generation.prompt = "before\u{0}after"
        let page = IndexPage.render(
            title: "1 image", subtitle: "", items: [IndexPage.Item(details: nul, file: "nul.png", parentFile: nil)],
            manifest: "manifest.json", sheets: [])
        #expect(page.contains("<p class=\"prompt\">beforeafter</p>"))
        #expect(!page.contains("\u{0}"))
        #expect(!html.contains("http://") && !html.contains("https://"))
        #expect(html.contains("Content-Security-Policy"))
        // Every src and href is a file of the export, or an anchor on the page.
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: folder))
        let links = html.matches(of: /(?:src|href)="([^"]*)"/).map { String($0.1) }
        #expect(links.count >= 2 * summary.images + 2)
        for link in links where !link.hasPrefix("#") {
            #expect(files.contains(link.removingPercentEncoding ?? link), "\(link)")
        }
        for match in html.matches(of: /href="#([^"]*)"/) {
            #expect(html.contains("id=\"\(match.1)\""))
        }
        // In a zip too, with the same names.
        _ = try export(workspace, .query("", sort: .oldest), to: "sheet.zip", contactSheet: true)
        #expect(
            try zipEntries(workspace.path("sheet.zip")).map(\.entry.path).prefix(2) == ["manifest.json", "index.html"])
    }

    @Test("contact sheets: pages of 48, captions wrapped and shortened")
    func contactSheetLayout() {
        #expect(ContactSheet.pageNames(count: 48) == ["contact-sheet.png"])
        #expect(ContactSheet.pageNames(count: 49) == ["contact-sheet-01.png", "contact-sheet-02.png"])
        #expect(ContactSheet.pageNames(count: 2000).count == 42)
        #expect(ContactSheet.pageNames(count: 2000).last == "contact-sheet-42.png")
        #expect(
            ContactSheet.pageNames(count: 100 * 48 + 1).prefix(2) == ["contact-sheet-001.png", "contact-sheet-002.png"])
        #expect(ContactSheet.captionLines("a short prompt") == ["a short prompt"])
        #expect(ContactSheet.captionLines("") == ["(no prompt)"])
        let lines = ContactSheet.captionLines(String(repeating: "lighthouse ", count: 40))
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.count <= ContactSheet.captionColumns })
        #expect(lines.last?.hasSuffix("...") == true)
        #expect(ContactSheet.captionLines(String(repeating: "x", count: 100)).count == 3)
        #expect(ContactSheet.captionLines("café crème") == ["cafe creme"])
    }

    @Test("the bitmap font: each glyph bit is a scale-by-scale square, clipped to the image")
    func bitmapFont() throws {
        // "I" is columns 0x00 0x41 0x7F 0x41 0x00: a bar in column 2, serifs in columns 1 and 3.
        var image = try RGBAImage(width: 12, height: 12, fill: (255, 255, 255, 255))
        BitmapFont.draw("I", at: -1, -2, scale: 2, color: (1, 2, 3), into: &image)
        var inked: [String] = []
        for y in 0..<image.height {
            inked.append(
                String(
                    (0..<image.width).map { x in
                        let offset = (y * image.width + x) * 4
                        return Array(image.pixels[offset..<offset + 4]) == [1, 2, 3, 255] ? "#" : "."
                    }))
        }
        // Glyph rows 0-6 at scale 2 from y = -2 cover -2 to 11 (the top serif clipped off);
        // columns 1-3 from x = -1 cover 1 to 6.
        let serif = ".######....."
        let bar = "...##......."
        #expect(inked == Array(repeating: bar, count: 10) + [serif, serif])
    }
}
