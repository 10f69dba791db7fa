import Foundation
import GptimgCatalog
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PNGMetadata
import Testing

@testable import GptimgGallery

/// issue 18 items 3 and 5: the selection's bulk routes, the zip download and the collections'
/// management routes, through the router (no socket).
@Suite("gallery selection and collections routes")
struct SelectionRouteTests {
    /// `count` plain images, newest last, tagged "batch".
    static func batch(_ count: Int, prompt: String = "batch image") async throws -> GalleryLibrary {
        try await GalleryLibrary(
            (0..<count).map { index in
                GalleryLibrary.Spec(
                    prompt: "\(prompt) \(index)", task: "gpt-image-2-BATCH\(String(format: "%015d", index))",
                    width: 32, height: 18, created: String(format: "2026-10-01T10:%02d:00Z", index), tags: ["batch"])
            })
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.bytes)) as? [String: Any])
    }

    // MARK: - Security

    /// Every state-changing route this area added, with a body it would accept.
    static let routes: [(String, String)] = [
        ("/api/bulk/tag", #"{"ids":[1],"add":["x"]}"#),
        ("/api/bulk/collection", #"{"ids":[1],"name":"x"}"#),
        ("/api/bulk/rate", #"{"ids":[1],"rating":3}"#),
        ("/api/bulk/favorite", #"{"ids":[1],"favorite":true}"#),
        ("/api/bulk/pick", #"{"ids":[1],"pick":"rejected"}"#),
        ("/api/bulk/delete", #"{"ids":[1]}"#),
        ("/api/bulk/restore", #"{"ids":[1]}"#),
        ("/api/collections/create", #"{"name":"made"}"#),
        ("/api/collections/rename", #"{"name":"Summer trip","to":"Winter"}"#),
        ("/api/collections/delete", #"{"name":"Summer trip"}"#),
        ("/api/collections/move", #"{"name":"Summer trip","image":4,"to":0}"#),
    ]

    @Test(
        "every new state-changing route refuses a missing token, a foreign Origin and a foreign Host; nothing changes")
    func refusals() async throws {
        let library = try await GalleryLibrary.standard()
        let before = try library.catalog.list("", limit: 100).map(\.json.rendered)
        let collectionsBefore = try library.catalog.collections().map(\.name)
        let orderBefore = try library.catalog.collectionOrder("Summer trip")
        try await library.withRouter { client in
            for (uri, body) in Self.routes {
                let noToken = try await client.edit(uri, body, token: nil)
                #expect(noToken.status == .forbidden, "\(uri)")
                #expect(noToken.text.contains("token"), "\(uri)")
                let wrongToken = try await client.edit(uri, body, token: String(repeating: "0", count: 64))
                #expect(wrongToken.status == .forbidden, "\(uri)")
                let foreign = try await client.edit(uri, body, origin: "http://evil.example")
                #expect(foreign.status == .forbidden, "\(uri)")
                let noOrigin = try await client.edit(uri, body, origin: nil)
                #expect(noOrigin.status == .forbidden, "\(uri)")
                let crossSite = try await client.edit(
                    uri, body, origin: nil, extra: [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"])
                #expect(crossSite.status == .forbidden, "\(uri)")
                let host = try await client.edit(uri, body, extra: [HTTPField.Name("Host")!: "evil.example"])
                #expect(host.status == .misdirectedRequest, "\(uri)")
            }
            // The download: a form POST with the token as a field.
            func download(
                _ form: String, origin: String? = "http://localhost", host: String? = nil, site: String? = nil
            ) async throws -> TestResponse {
                var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
                if let origin { headers[.origin] = origin }
                if let site { headers[HTTPField.Name("Sec-Fetch-Site")!] = site }
                if let host { headers[HTTPField.Name("Host")!] = host }
                return try await client.execute(
                    uri: "/download", method: .post, headers: headers, body: ByteBuffer(string: form))
            }
            #expect(try await download("ids=1,2").status == .forbidden)
            #expect(try await download("token=\(String(repeating: "0", count: 64))&ids=1").status == .forbidden)
            #expect(
                try await download("token=\(testToken.value)&ids=1", origin: "http://evil.example").status == .forbidden
            )
            #expect(try await download("token=\(testToken.value)&ids=1", origin: nil).status == .forbidden)
            #expect(
                try await download("token=\(testToken.value)&ids=1", host: "evil.example").status
                    == .misdirectedRequest)
            // Our pages' form POSTs say `Origin: null` (no-referrer): only with Sec-Fetch-Site: same-origin.
            let good = "token=\(testToken.value)&ids=1"
            #expect(try await download(good, origin: "null").status == .forbidden)
            #expect(try await download(good, origin: "null", site: "cross-site").status == .forbidden)
            #expect(try await download(good, origin: "null", site: "same-site").status == .forbidden)
            #expect(try await download(good, origin: "null", site: "same-origin").status == .ok)
            #expect(try await download(good, origin: "http://evil.example", site: "same-origin").status == .forbidden)
            // A GET (a link or an image another site points here) downloads nothing.
            #expect(try await client.get("/download?ids=1,2").status == .notFound)
            let answer = try await download(good)
            #expect(answer.status == .ok)
            #expect(answer.headers[.contentType] == "application/zip")
        }
        #expect(try library.catalog.list("", limit: 100).map(\.json.rendered) == before)
        #expect(try library.catalog.collections().map(\.name) == collectionsBefore)
        #expect(try library.catalog.collectionOrder("Summer trip") == orderBefore)
    }

    // MARK: - Bulk actions

    @Test("a bulk action by query runs the grid's own query (all pages, rejected left out) and asks past 20")
    func bulkByQuery() async throws {
        let library = try await Self.batch(25)
        let ids = try library.catalog.list("", limit: 100).map(\.image.id)
        try library.catalog.setPick([ids[0]], .rejected)
        try await library.withRouter(pageSize: 5) { client in
            // 24 match (the rejected one is hidden, as in the grid): more than 20 asks first.
            let asked = try await client.edit("/api/bulk/tag", #"{"query":"tag=batch","add":["chosen"]}"#)
            #expect(asked.status == .conflict)
            let question = try Self.json(asked)
            #expect(question["count"] as? Int == 24)
            #expect(question["confirm"] as? Bool == true)
            #expect(try library.catalog.count(try ImageQuery(parsing: "tag:chosen")) == 0)

            let done = try await client.edit("/api/bulk/tag", #"{"query":"tag=batch","add":["chosen"],"confirm":true}"#)
            #expect(done.status == .ok)
            #expect(try Self.json(done)["count"] as? Int == 24)
            // The search box's text and a control together, exactly as the grid reads them.
            let narrow = try await client.edit("/api/bulk/rate", #"{"query":"q=image+1&tag=batch","rating":4}"#)
            #expect(narrow.status == .ok)
            let expected = try library.catalog.matchingIDs(
                try GridRequest(QueryString("q=image+1&tag=batch")).imageQuery())
            #expect(try Self.json(narrow)["ids"] as? [Int] == expected.map { Int($0) })
            // A bad query is the query language's error, nothing changed.
            let bad = try await client.edit("/api/bulk/rate", #"{"query":"q=rating:9","rating":4}"#)
            #expect(bad.status == .badRequest)
        }
        #expect(try library.catalog.count(try ImageQuery(parsing: "tag:chosen")) == 24)
        #expect(try library.catalog.details([ids[0]])[0].tags == ["batch"])
        let rated = try library.catalog.list("rating:4", limit: 100).map(\.generation.prompt)
        // Words match whole: "1" is image 1 only, as `gptimg list` finds it.
        #expect(rated == ["batch image 1"])
    }

    @Test("bulk by ids: tag, collection add/remove, rate, favourite, pick; ids past 20 need no confirmation")
    func bulkByIDs() async throws {
        let library = try await Self.batch(22)
        let ids = try library.catalog.list("", limit: 100).map(\.image.id)
        let list = ids.map(String.init).joined(separator: ",")
        try await library.withRouter { client in
            for (uri, body) in [
                ("/api/bulk/tag", #"{"ids":[\#(list)],"add":["a","b"]}"#),
                ("/api/bulk/tag", #"{"ids":[\#(list)],"remove":["b"]}"#),
                ("/api/bulk/collection", #"{"ids":[\#(list)],"name":"Picked set"}"#),
                ("/api/bulk/collection", #"{"ids":[\#(ids[0])],"name":"Picked set","remove":true}"#),
                ("/api/bulk/rate", #"{"ids":[\#(list)],"rating":2}"#),
                ("/api/bulk/favorite", #"{"ids":[\#(list)],"favorite":true}"#),
                ("/api/bulk/pick", #"{"ids":[\#(list)],"pick":"picked"}"#),
            ] {
                let response = try await client.edit(uri, body)
                #expect(response.status == .ok, "\(uri): \(response.text)")
                #expect(try Self.json(response)["count"] as? Int == (body.contains("remove\":true") ? 1 : 22))
            }
            // Bad input: one clear line each, nothing changed.
            for body in [
                #"{"ids":[],"rating":1}"#, #"{"rating":1}"#, #"{"ids":[1],"query":"","rating":1}"#,
                #"{"ids":[1],"rating":9}"#, #"{"ids":["x"],"rating":1}"#, "not json",
            ] {
                let response = try await client.edit("/api/bulk/rate", body)
                #expect(response.status == .badRequest, "\(body)")
                #expect((try Self.json(response)["error"] as? String)?.isEmpty == false)
            }
            let missing = try await client.edit("/api/bulk/rate", #"{"ids":[999999],"rating":1}"#)
            #expect(missing.status == .notFound)
            let unknown = try await client.edit("/api/bulk/explode", #"{"ids":[1]}"#)
            #expect(unknown.status == .notFound)
            let pick = try await client.edit("/api/bulk/pick", #"{"ids":[1],"pick":"maybe"}"#)
            #expect(pick.status == .badRequest)
        }
        for item in try library.catalog.details(ids) {
            #expect(item.tags == ["a", "batch"])
            #expect(item.image.rating == 2)
            #expect(item.image.favorite)
            #expect(item.image.pickState == .picked)
            #expect(item.collections == (item.image.id == ids[0] ? [] : ["Picked set"]))
        }
    }

    @Test("delete to the trash, then restore: the same ids with their tags, rating, favourite and collections")
    func deleteAndRestore() async throws {
        let library = try await GalleryLibrary.standard()
        let all = try library.catalog.list("", limit: 100)
        let chosen = all.prefix(3).map(\.image.id)
        try library.catalog.tag(chosen, add: ["keep-me"])
        try library.catalog.rate(chosen, 3)
        let before = try library.catalog.details(chosen).map { ($0.image.id, $0.tags, $0.image.rating, $0.collections) }
        try await library.withRouter { client in
            let deleted = try await client.edit(
                "/api/bulk/delete", #"{"ids":[\#(chosen.map(String.init).joined(separator: ","))]}"#)
            #expect(deleted.status == .ok)
            #expect(try Self.json(deleted)["ids"] as? [Int] == chosen.map { Int($0) })
            #expect(try library.catalog.count() == all.count - 3)
            let restored = try await client.edit(
                "/api/bulk/restore", #"{"ids":[\#(chosen.map(String.init).joined(separator: ","))]}"#)
            #expect(restored.status == .ok, "\(restored.text)")
            #expect(try Self.json(restored)["count"] as? Int == 3)
            let again = try await client.edit("/api/bulk/restore", #"{"ids":[\#(chosen[0])]}"#)
            #expect(again.status == .badRequest)
            #expect(again.text.contains("not in the trash"))
        }
        let after = try library.catalog.details(chosen).map { ($0.image.id, $0.tags, $0.image.rating, $0.collections) }
        #expect(after.map(\.0) == before.map(\.0))
        #expect(after.map(\.1) == before.map(\.1))
        #expect(after.map(\.2) == before.map(\.2))
        #expect(after.map(\.3) == before.map(\.3))
    }

    // MARK: - Download

    @Test("the download: ids, a search (all pages) or a collection, with the manifest; bad forms are one line")
    func download() async throws {
        let library = try await GalleryLibrary.standard()
        let fox = try library.id(task: "gpt-image-2-FOXFOXFOXFOXFOXFOXFOX")
        let lake = try library.id(task: "gpt-image-2-LAKELAKELAKELAKELAKE")
        let folder = library.folder.appendingPathComponent("downloads")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try await library.withRouter(pageSize: 1) { client in
            func post(_ form: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/download", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", .origin: "http://localhost"],
                    body: ByteBuffer(string: "token=\(testToken.value)&" + form))
            }
            func entries(_ response: TestResponse) throws -> [String: [UInt8]] {
                let path = folder.appendingPathComponent("\(UUID().uuidString).zip").path
                try Data(response.bytes).write(to: URL(fileURLWithPath: path))
                return try ZipContents.read(path)
            }
            let byIDs = try await post("ids=\(lake),\(fox)")
            #expect(byIDs.status == .ok)
            #expect(byIDs.headers[.contentDisposition] == "attachment; filename=\"gptimg-2-images.zip\"")
            #expect(byIDs.headers[.contentLength] == nil)
            let files = try entries(byIDs)
            #expect(files.count == 3)
            let manifest = try #require(
                try JSONSerialization.jsonObject(with: Data(files["manifest.json"] ?? []))
                    as? [String: Any])
            let records = try #require(manifest["images"] as? [[String: Any]])
            #expect(records.compactMap { $0["id"] as? Int } == [Int(lake), Int(fox)])
            for record in records {
                let name = try #require(record["file"] as? String)
                let image = try library.catalog.details([Int64(record["id"] as? Int ?? 0)])[0].image
                #expect(files[name] == Array(try Data(contentsOf: library.catalog.location.file(of: image))))
            }

            // The search, every page (the grid shows one image a page here).
            let search = try entries(try await post("query=" + QueryString.encode("q=lighthouse")))
            #expect(search.count == 3)
            // The collection, in its order, named after it.
            let collection = try await post("collection=Summer+trip")
            #expect(collection.headers[.contentDisposition] == "attachment; filename=\"gptimg-summer-trip.zip\"")
            #expect(try entries(collection).count == 3)

            for (form, status) in [
                ("ids=", HTTPResponse.Status.badRequest), ("ids=1,x", .badRequest), ("ids=1&collection=x", .badRequest),
                ("", .badRequest), ("collection=Nope", .notFound), ("ids=99999", .notFound),
                ("query=" + QueryString.encode("q=nothing-matches-this"), .badRequest),
            ] {
                let response = try await post(form)
                #expect(response.status == status, "\(form): \(response.text.prefix(200))")
                #expect(response.headers[.contentType] == "text/html; charset=utf-8", "\(form)")
            }
        }
    }

    // MARK: - Collections

    @Test("collections: create (and smart), rename, move, delete through the page's API; refusals are one line")
    func collections() async throws {
        let library = try await GalleryLibrary.standard()
        let ids = try library.catalog.list("", limit: 100).map(\.image.id)
        try await library.catalog.addToCollection("Ordered", ids)
        try await library.withRouter { client in
            let made = try await client.edit("/api/collections/create", #"{"name":"  Fresh  "}"#)
            #expect(made.status == .ok)
            #expect(try Self.json(made)["path"] as? String == "/collection/Fresh")
            let smart = try await client.edit("/api/collections/create", #"{"name":"Foxes","query":"fox"}"#)
            #expect(try Self.json(smart)["count"] as? Int == 1)
            #expect(try await client.edit("/api/collections/create", #"{"name":"fresh"}"#).status == .conflict)
            #expect(
                try await client.edit("/api/collections/create", #"{"name":"Bad","query":"rating:9"}"#).status
                    == .badRequest)
            let renamed = try await client.edit("/api/collections/rename", #"{"name":"fresh","to":"Renamed"}"#)
            #expect(try Self.json(renamed)["name"] as? String == "Renamed")
            #expect(
                try await client.edit("/api/collections/rename", #"{"name":"Renamed","to":"Ordered"}"#).status
                    == .conflict)
            #expect(try await client.edit("/api/collections/rename", #"{"name":"Nope","to":"X"}"#).status == .notFound)

            let moved = try await client.edit("/api/collections/move", #"{"name":"Ordered","image":\#(ids[4]),"to":0}"#)
            #expect(moved.status == .ok)
            var expected = ids
            expected.remove(at: 4)
            expected.insert(ids[4], at: 0)
            #expect(try Self.json(moved)["order"] as? [Int] == expected.map { Int($0) })
            #expect(
                try await client.edit("/api/collections/move", #"{"name":"Foxes","image":\#(ids[0]),"to":0}"#)
                    .status == .badRequest)
            #expect(
                try await client.edit("/api/collections/move", #"{"name":"Ordered","image":1,"to":-1}"#).status
                    == .badRequest)
            let page = try await client.get("/collection/ordered/arrange")
            #expect(page.status == .ok)
            #expect(occurrences(of: "class=\"arrange-item\"", in: page.text) == ids.count)
            #expect(page.text.contains("data-id=\"\(ids[4])\" draggable=\"true\"><span class=\"place\">1</span>"))
            #expect(try await client.get("/collection/nope/arrange").status == .notFound)

            #expect(try await client.edit("/api/collections/delete", #"{"name":"Renamed"}"#).status == .ok)
            #expect(try await client.edit("/api/collections/delete", #"{"name":"Renamed"}"#).status == .notFound)
            let collections = try await client.get("/collections")
            #expect(collections.text.contains("id=\"collection-create\""))
            #expect(occurrences(of: "class=\"collection-manage card\"", in: collections.text) == 3)
        }
        #expect(
            try library.catalog.collectionOrder("Ordered")
                == {
                    var order = ids
                    order.insert(order.remove(at: 4), at: 0)
                    return order
                }())
        #expect(Set(try library.catalog.collections().map(\.name)) == ["Foxes", "Ordered", "Summer trip"])
    }
}

/// A zip's files by name, read with the project's own zip reader (`PNGMetadata.ZipReader`).
enum ZipContents {
    static func read(_ path: String) throws -> [String: [UInt8]] {
        let reader = try ZipReader(path: path)
        var files: [String: [UInt8]] = [:]
        for entry in reader.entries {
            var bytes: [UInt8] = []
            var produced: UInt64 = 0
            try reader.read(entry, produced: &produced) { bytes.append(contentsOf: $0) }
            files[entry.path] = bytes
        }
        return files
    }
}
