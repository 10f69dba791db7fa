import Foundation
import GptimgCatalog
import GptimgGallery
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PNGRaster
import TestSupport
import Testing

/// Every route through HummingbirdTesting's router framework, on a real temporary library.
@Suite("gallery routes")
struct GalleryRouteTests {
    static let csp =
        """
        default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; form-action \
        'self'; frame-ancestors 'none'; base-uri 'none'
        """

    static func expectSecurityHeaders(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.headers[.contentSecurityPolicy] == csp, sourceLocation: sourceLocation)
        #expect(response.headers[.xContentTypeOptions] == "nosniff", sourceLocation: sourceLocation)
        #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer", sourceLocation: sourceLocation)
        #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY", sourceLocation: sourceLocation)
    }

    @Test("the grid: every image newest first, with its thumbnail, caption and the security headers")
    func grid() async throws {
        let library = try await GalleryLibrary.standard()
        let lake = try library.details(task: "gpt-image-2-LAKELAKELAKELAKELAKE")
        let parent = try library.details(task: "gpt-image-2-PARENTPARENTPARENTPARE")
        try await library.withRouter { client in
            let response = try await client.get("/")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            #expect(response.headers[.cacheControl] == "no-store")
            Self.expectSecurityHeaders(response)
            let html = response.text
            #expect(occurrences(of: "<li class=\"tile\" data-id=", in: html) == 6)
            #expect(html.contains("<span id=\"total\">6</span> images"))
            // Newest first: the lake (Nov 6) before the lighthouse (Nov 1).
            let lakeAt = try #require(html.range(of: "/thumb/\(lake.image.sha256).png"))
            let parentAt = try #require(html.range(of: "/thumb/\(parent.image.sha256).png"))
            #expect(lakeAt.lowerBound < parentAt.lowerBound)
            #expect(html.contains("href=\"/image/\(lake.image.id)\""))
            // Thumbnail sizes are given, so the grid keeps its layout while they load.
            #expect(html.contains("width=\"320\" height=\"180\""))
            // The token for edits, and no inline script or style anywhere.
            #expect(html.contains("<meta name=\"gptimg-token\" content=\"\(testToken.value)\">"))
            #expect(!html.contains("<script>"))
            #expect(!html.contains("style="))
            #expect(!html.contains("<style"))
            #expect(!html.contains("<img src=x"))
            #expect(html.contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;"))
        }
    }

    @Test("stacks: one tile per stack with a count that opens the grid of its images; pages by cursor")
    func stacks() async throws {
        let library = try await GalleryLibrary.standard()
        let parent = try library.details(task: "gpt-image-2-PARENTPARENTPARENTPARE")
        let child = try library.details(task: "gpt-image-2-CHILDCHILDCHILDCHILDC")
        try await library.withRouter { client in
            let plain = try await client.get("/").text
            #expect(!plain.contains("stack-count"))
            let response = try await client.get("/?stacks=1")
            #expect(response.status == .ok)
            let html = response.text
            // Six images, five stacks: the lighthouse and its variant are one tile, the variant (newest) its cover.
            #expect(occurrences(of: "<li class=\"tile\" data-id=", in: html) == 5)
            #expect(occurrences(of: "class=\"stack-count\"", in: html) == 1)
            let link = "/?q=stack%3A\(child.image.id)"
            #expect(html.contains("href=\"\(link)\""), "\(html)")
            #expect(html.contains(">×2</a>"))
            #expect(html.contains("/thumb/\(child.image.sha256).png"))
            #expect(!html.contains("/thumb/\(parent.image.sha256).png"))
            #expect(html.contains("<option value=\"1\" selected>stacks</option>"))
            // The count opens the stack: both images, as a grid.
            let opened = try await client.get(link).text
            #expect(occurrences(of: "<li class=\"tile\" data-id=", in: opened) == 2)
            #expect(opened.contains("/thumb/\(parent.image.sha256).png"))
            #expect(opened.contains("<span id=\"total\">2</span> images match"))
        }
        // Pages of 2 stacks, by cursor: every stack once.
        var seen: [String] = []
        var next: String? = "/?stacks=1"
        while let uri = next {
            let html = try await library.withRouter(pageSize: 2) { client in try await client.get(uri).text }
            let tiles = html.components(separatedBy: "<a href=\"/image/").dropFirst()
            seen += tiles.map { String($0.prefix { $0 != "\"" }) }
            next = html.range(of: "id=\"next\" href=\"").map { range in
                String(html[range.upperBound...].prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
            }
        }
        #expect(seen.count == 5 && Set(seen).count == 5, "\(seen)")
    }

    @Test("paging by cursor: pages of 2, no image twice, the last page has no next link")
    func paging() async throws {
        let library = try await GalleryLibrary.standard()
        try await library.withRouter(pageSize: 2) { client in
            var seen: [String] = []
            var uri: String? = "/"
            var pages = 0
            while let next = uri {
                let html = try await client.get(next).text
                let ids = html.components(separatedBy: "<li class=\"tile\" data-id=\"").dropFirst().map {
                    String($0.prefix { $0 != "\"" })
                }
                seen += ids
                pages += 1
                if let range = html.range(of: "id=\"next\" href=\"") {
                    let link = html[range.upperBound...].prefix { $0 != "\"" }
                    uri = String(link).replacingOccurrences(of: "&amp;", with: "&")
                    #expect(uri?.contains("before=") == true)
                } else {
                    uri = nil
                }
                try #require(pages <= 3, "the next links go round in a loop")
            }
            #expect(pages == 3)
            #expect(seen.count == 6)
            #expect(Set(seen).count == 6)
            // A later page links back to the newest.
            let second = try await client.get("/?before=2026-11-05T10:00:00Z~999999").text
            #expect(second.contains("class=\"newest\""))
            #expect(occurrences(of: "<li class=\"tile\" data-id=", in: second) == 2)
            // Only the first page counts and lists the tags and collections; a later one keeps
            // the controls, with the current choice.
            let first = try await client.get("/").text
            #expect(first.contains("<span id=\"total\">6</span> images"))
            #expect(first.contains("<option value=\"coast\">coast</option>"))
            #expect(first.contains("<option value=\"Summer trip\">Summer trip</option>"))
            #expect(!second.contains("id=\"total\""))
            #expect(second.contains("<p class=\"summary\">Older images</p>"))
            #expect(second.contains("<select name=\"tag\"><option value=\"\" selected>any</option></select>"))
            #expect(second.contains("<select name=\"in\"><option value=\"\" selected>any</option></select>"))
            let tagged = try await client.get("/?tag=coast&before=2026-11-05T10:00:00Z~999999").text
            #expect(tagged.contains("<p class=\"summary\">Older images that match</p>"))
            #expect(
                tagged.contains(
                    """
                    <select name=\"tag\"><option value=\"\">any</option><option value=\"coast\" \
                    selected>coast</option></select>
                    """
                ))
            #expect(occurrences(of: "<li class=\"tile\" data-id=", in: tagged) == 1)
            // A collection's later page still finds the collection (any case) and its heading.
            let collection = try await client.get("/collection/summer%20TRIP?before=2026-11-05T10:00:00Z~999999")
            #expect(collection.status == .ok)
            #expect(collection.text.contains("<h1 class=\"page-title\">Summer trip"))
            #expect(occurrences(of: "<li class=\"tile\" data-id=", in: collection.text) == 1)
            #expect(try await client.get("/collection/Nowhere?before=2026-11-05T10:00:00Z~999999").status == .notFound)
        }
    }

    @Test("search uses the query language and its error messages")
    func search() async throws {
        let library = try await GalleryLibrary.standard()
        try await library.withRouter { client in
            let lighthouse = try await client.get("/?q=lighthouse").text
            #expect(occurrences(of: "<li class=\"tile\" data-id=", in: lighthouse) == 2)
            #expect(lighthouse.contains("value=\"lighthouse\""))
            let excluded = try await client.get("/?q=lighthouse+-storm").text
            #expect(occurrences(of: "<li class=\"tile\" data-id=", in: excluded) == 1)
            let phrase = try await client.get("/?q=%22misty+lake%22").text
            #expect(occurrences(of: "<li class=\"tile\" data-id=", in: phrase) == 1)
            let inline = try await client.get("/?q=aspect%3A9%3A16").text
            #expect(occurrences(of: "<li class=\"tile\" data-id=", in: inline) == 1)

            // The CLI's own messages, escaped, with a 400.
            for query in ["colour:red", "rating:9", "\"open quote"] {
                let expected = try #require(Self.queryError(query))
                let response = try await client.get(
                    "/?q=" + (query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
                #expect(response.status == .badRequest)
                #expect(response.text.contains(HTMLText.escape(expected)), "\(query)")
                #expect(!response.text.contains("<li class=\"tile\" data-id="))
            }
        }
    }

    static func queryError(_ text: String) -> String? {
        do {
            _ = try ImageQuery(parsing: text)
            return nil
        } catch {
            return String(describing: error)
        }
    }

    @Test("filters for aspect ratio, type, tags, collections, rating and favourites")
    func filters() async throws {
        let library = try await GalleryLibrary.standard()
        try await library.withRouter { client in
            let cases: [(String, Int)] = [
                ("/?aspect=9:16", 1), ("/?aspect=16:9", 4), ("/?type=i2i", 1), ("/?type=t2i", 5), ("/?tag=coast", 1),
                ("/?in=Summer+trip", 2), ("/?rating=%3E%3D4", 1), ("/?fav=yes", 1), ("/?fav=no", 5),
                ("/?q=lighthouse&type=t2i", 1), ("/?in=Summer+trip&fav=yes", 1),
            ]
            for (uri, count) in cases {
                let response = try await client.get(uri)
                #expect(response.status == .ok, "\(uri)")
                #expect(occurrences(of: "<li class=\"tile\" data-id=", in: response.text) == count, "\(uri)")
            }
            // The controls show the current choice.
            let html = try await client.get("/?aspect=9:16&in=Summer+trip").text
            #expect(html.contains("<option value=\"9:16\" selected>"))
            #expect(html.contains("<option value=\"Summer trip\" selected>"))
            #expect(html.contains("<option value=\"coast\">coast</option>"))
            // A malformed control value is the query language's error.
            let bad = try await client.get("/?rating=lots")
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("rating:lots is not valid: rating: wants 0-5"))
            #expect(!bad.text.contains("<li class=\"tile\" data-id="))
            // A value with a space or a quote is one value (never re-parsed as query text).
            for (uri, message) in [
                ("/?fav=yes+no", "fav:yes no is not valid: fav: wants yes or no"),
                ("/?aspect=16:9%22+tag:x", "aspect:16:9&quot; tag:x is not valid: aspect: wants a ratio"),
            ] {
                let response = try await client.get(uri)
                #expect(response.status == .badRequest, "\(uri)")
                #expect(response.text.contains(message), "\(uri)")
            }
        }
    }

    @Test(
        """
        the image page: image, prompt, parameters, task id, credits, lineage, tags, collections, the command to run it \
        again
        """
    )
    func imagePage() async throws {
        let library = try await GalleryLibrary.standard()
        let parent = try library.details(task: "gpt-image-2-PARENTPARENTPARENTPARE")
        let child = try library.details(task: "gpt-image-2-CHILDCHILDCHILDCHILDC")
        try await library.withRouter { client in
            let response = try await client.get("/image/\(parent.image.id)")
            #expect(response.status == .ok)
            Self.expectSecurityHeaders(response)
            let html = response.text
            #expect(
                html.contains("<h1 class=\"prompt\" id=\"prompt\">a lighthouse on a cliff at dawn, watercolor</h1>"))
            #expect(html.contains("<img src=\"/img/\(parent.image.sha256).png\" width=\"640\" height=\"360\""))
            #expect(html.contains("gpt-image-2-PARENTPARENTPARENTPARE"))
            #expect(html.contains("<th scope=\"row\">Credits</th>"))
            #expect(html.contains("<th scope=\"row\">Aspect ratio</th><td>16:9</td>"))
            #expect(
                html.contains(
                    "gptimg generate &apos;a lighthouse on a cliff at dawn, watercolor&apos; --aspect 16:9 -n 1"))
            #expect(html.contains("<a href=\"/?tag=coast\">coast</a>"))
            // Lineage: its variant as a thumbnail.
            #expect(html.contains("Variants made from it"))
            #expect(html.contains("/thumb/\(child.image.sha256).png"))
            #expect(html.contains("<h2>Parameters</h2>"))

            let childPage = try await client.get("/image/\(child.image.id)").text
            #expect(childPage.contains("Made from"))
            #expect(childPage.contains("/thumb/\(parent.image.sha256).png"))
            #expect(childPage.contains("--ref https://files.example/gpt-image-2-PARENTPARENTPARENTPARE/0.png"))
            // References are text, never links or images from another site.
            #expect(!childPage.contains("src=\"https://"))
            #expect(!childPage.contains("href=\"https://"))

            // By SHA-256 prefix too.
            let byHash = try await client.get("/image/\(parent.image.sha256.prefix(10))")
            #expect(byHash.status == .ok)
            #expect(byHash.text.contains("a lighthouse on a cliff at dawn"))

            let fox = try library.details(task: "gpt-image-2-FOXFOXFOXFOXFOXFOXFOX")
            let foxPage = try await client.get("/image/\(fox.image.id)").text
            #expect(foxPage.contains("<a href=\"/collection/Summer%20trip\">Summer trip</a>"))
            #expect(foxPage.contains("class=\"fav-toggle on\""))

            let missing = try await client.get("/image/99999")
            #expect(missing.status == .notFound)
            #expect(missing.text.contains("no image with ID 99999"))
            Self.expectSecurityHeaders(missing)
            #expect(try await client.get("/image/xyz").status == .notFound)
        }
    }

    @Test("a prompt and a tag containing <script> are shown as text")
    func hostilePrompt() async throws {
        let library = try await GalleryLibrary.standard()
        let hostile = try library.details(task: "gpt-image-2-HOSTILEHOSTILEHOSTILE")
        try await library.withRouter { client in
            let html = try await client.get("/image/\(hostile.image.id)").text
            #expect(
                html.contains(
                    """
                    &lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; &amp; \
                    &apos;quotes&apos;
                    """
                ))
            #expect(!html.contains("<script>alert"))
            #expect(!html.contains("<img src=x"))
            // The tag, in text and in attributes.
            #expect(html.contains("&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"))
            #expect(!html.contains("\"><script>"))
            // The grid's filter options and the search box echo are escaped too.
            let grid = try await client.get("/?q=%22%3E%3Cscript%3Ealert(3)%3C%2Fscript%3E").text
            #expect(!grid.contains("<script>alert(3)"))
            #expect(grid.contains("value=\"&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;\""))
        }
    }

    @Test("collections as pages")
    func collections() async throws {
        let library = try await GalleryLibrary.standard()
        let fox = try library.details(task: "gpt-image-2-FOXFOXFOXFOXFOXFOXFOX")
        try await library.catalog.addToCollection("Empty", [])
        try await library.withRouter { client in
            let list = try await client.get("/collections")
            #expect(list.status == .ok)
            Self.expectSecurityHeaders(list)
            // By name; each with its first image (in the collection's order) as its cover.
            let summer =
                """
                <a href=\"/collection/Summer%20trip\"><img src=\"/thumb/\(fox.image.sha256).png\" width=\"90\" \
                height=\"160\" loading=\"lazy\" alt=\"\">
                """
                + "<span class=\"caption\"><strong>Summer trip</strong> · 2 images</span></a>"
            let empty =
                """
                <a href="/collection/Empty"><span class="no-cover"></span><span class="caption"><strong>Empty</strong> \
                · 0 images</span></a>
                """
            let summerAt = try #require(list.text.range(of: summer))
            let emptyAt = try #require(list.text.range(of: empty))
            #expect(emptyAt.lowerBound < summerAt.lowerBound)
            #expect(occurrences(of: "<li class=\"tile collection\">", in: list.text) == 2)

            // A smart collection: listed with what its query matches now, its page the matches.
            try library.catalog.createCollection("Foxes", query: "fox OR \"<b>\"")
            let withSmart = try await client.get("/collections").text
            #expect(
                withSmart.contains(
                    """
                    <strong>Foxes</strong> · 1 image · <span class="smart" title="fox OR &quot;&lt;b&gt;&quot;">\
                    smart</span>
                    """), "\(withSmart)")
            #expect(withSmart.contains("<img src=\"/thumb/\(fox.image.sha256).png\""))
            let foxes = try await client.get("/collection/Foxes")
            #expect(foxes.status == .ok)
            #expect(occurrences(of: "<li class=\"tile\" data-id=", in: foxes.text) == 1)
            #expect(foxes.text.contains("/thumb/\(fox.image.sha256).png"))
            try library.catalog.deleteCollection("Foxes")

            let page = try await client.get("/collection/Summer%20trip")
            #expect(page.status == .ok)
            #expect(occurrences(of: "<li class=\"tile\" data-id=", in: page.text) == 2)
            #expect(page.text.contains("<h1 class=\"page-title\">Summer trip"))
            #expect(page.text.contains("action=\"/collection/Summer%20trip\""))
            #expect(!page.text.contains("<select name=\"in\">"))
            let filtered = try await client.get("/collection/summer%20TRIP?fav=yes")
            #expect(occurrences(of: "<li class=\"tile\" data-id=", in: filtered.text) == 1)

            let missing = try await client.get("/collection/Nowhere")
            #expect(missing.status == .notFound)
            #expect(missing.text.contains("no collection named &apos;Nowhere&apos;"))
        }
    }

    @Test("originals by id and by hash, from the catalog's path; ETag and 304")
    func originals() async throws {
        let library = try await GalleryLibrary.standard()
        let parent = try library.details(task: "gpt-image-2-PARENTPARENTPARENTPARE")
        let file = try Data(contentsOf: library.location.root.appendingPathComponent(parent.image.path))
        try await library.withRouter { client in
            let byID = try await client.get("/img/\(parent.image.id).png")
            #expect(byID.status == .ok)
            #expect(byID.headers[.contentType] == "image/png")
            #expect(byID.headers[.cacheControl] == "private, no-cache")
            #expect(Data(byID.bytes) == file)
            Self.expectSecurityHeaders(byID)

            let byHash = try await client.get("/img/\(parent.image.sha256).png")
            #expect(Data(byHash.bytes) == file)
            #expect(byHash.headers[.cacheControl] == "private, max-age=31536000, immutable")
            let etag = try #require(byHash.headers[.eTag])
            let again = try await client.get("/img/\(parent.image.sha256).png", headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)

            #expect(try await client.get("/img/99999.png").status == .notFound)
            #expect(try await client.get("/img/\(parent.image.id)").status == .notFound)
            #expect(try await client.get("/img/\(parent.image.id).jpg").status == .notFound)
        }
    }

    @Test("thumbnails: made with libpng to fit 320, cached under thumbs/, made again when missing")
    func thumbnails() async throws {
        let library = try await GalleryLibrary.standard()
        let parent = try library.details(task: "gpt-image-2-PARENTPARENTPARENTPARE")
        let fox = try library.details(task: "gpt-image-2-FOXFOXFOXFOXFOXFOXFOX")
        let cached =
            library.location.root.path + "/thumbs/\(parent.image.sha256.prefix(2))/\(parent.image.sha256)-320.png"
        try await library.withRouter { client in
            #expect(!FileManager.default.fileExists(atPath: cached))
            let response = try await client.get("/thumb/\(parent.image.sha256).png")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "image/png")
            Self.expectSecurityHeaders(response)
            let thumbnail = try RGBAImage(pngData: response.bytes)
            #expect(thumbnail.width == 320)
            #expect(thumbnail.height == 180)
            #expect(FileManager.default.fileExists(atPath: cached))
            #expect(try Data(contentsOf: URL(fileURLWithPath: cached)) == Data(response.bytes))

            // Deleted (thumbs/ is derived): made again.
            try FileManager.default.removeItem(atPath: library.location.root.path + "/thumbs")
            let remade = try await client.get("/thumb/\(parent.image.id).png")
            #expect(remade.status == .ok)
            #expect(remade.bytes == response.bytes)
            #expect(FileManager.default.fileExists(atPath: cached))

            // Smaller than the box: never enlarged.
            let small = try RGBAImage(pngData: try await client.get("/thumb/\(fox.image.id).png").bytes)
            #expect(small.width == 90 && small.height == 160)

            #expect(try await client.get("/thumb/99999.png").status == .notFound)
        }
    }

    @Test("static files: the stylesheet, the script and the icon, cacheable by their hashed URL")
    func staticFiles() async throws {
        let library = try await GalleryLibrary.standard()
        try await library.withRouter { client in
            let html = try await client.get("/").text
            for (name, type) in [
                ("app.css", "text/css; charset=utf-8"), ("app.js", "text/javascript; charset=utf-8"),
                ("icon.svg", "image/svg+xml"),
            ] {
                let start = try #require(html.range(of: "/static/\(name)?v="))
                let link = String(html[start.lowerBound...].prefix { $0 != "\"" })
                let response = try await client.get(link)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == type)
                #expect(response.headers[.cacheControl] == "public, max-age=31536000, immutable")
                #expect(response.body.readableBytes > 100)
                Self.expectSecurityHeaders(response)
                let plain = try await client.get("/static/\(name)")
                #expect(plain.headers[.cacheControl] == "no-cache")
                let etag = try #require(plain.headers[.eTag])
                #expect(try await client.get("/static/\(name)", headers: [.ifNoneMatch: etag]).status == .notModified)
            }
            let js = try await client.get("/static/app.js").text
            #expect(js.contains("X-Gptimg-Token"))
            #expect(!js.contains("innerHTML"))
            #expect(try await client.get("/static/other.js").status == .notFound)
        }
    }

    @Test("traversal attempts never reach a file: .., percent-encoded, absolute, by route")
    func traversal() async throws {
        let library = try await GalleryLibrary.standard()
        try await library.withRouter { client in
            let attempts = [
                "/img/../catalog.sqlite", "/img/..%2F..%2Fcatalog.sqlite", "/img/..%2fcatalog.sqlite.png",
                "/img/%2e%2e%2fcatalog.sqlite.png",
                "/img/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd.png", "/thumb/..%2Fcatalog.sqlite.png",
                "/thumb/%2e%2e/%2e%2e/catalog.sqlite",
                "/img/1%2F..%2F..%2Fcatalog.sqlite.png", "/img/....%2F%2F....%2F%2Fcatalog.sqlite.png",
                "/static/..%2F..%2FPackage.swift",
                "/static/%2e%2e%2fapp.css", "/static/../catalog.sqlite", "/image/..%2F..%2Fcatalog.sqlite",
                "/image/%2e%2e",
                "/collection/..%2F..%2Fcatalog.sqlite", "/img//etc/passwd", "/img/%00.png", "/catalog.sqlite",
                "/images/",
                "/thumb/1.png%00.txt", "/img/-1.png", "/img/1e3.png",
            ]
            for uri in attempts {
                let response = try await client.get(uri)
                #expect([.notFound, .badRequest].contains(response.status), "\(uri): \(response.status)")
                #expect(!response.text.contains("SQLite format"), "\(uri)")
                #expect(!response.text.contains("root:"), "\(uri)")
                #expect(response.headers[.contentType] != "image/png", "\(uri)")
            }
        }
    }

    @Test("a catalog path leading out of the library (.., absolute, a symbolic link) is never opened")
    func tamperedCatalogPaths() async throws {
        let library = try await GalleryLibrary.standard()
        let secret = library.folder.appendingPathComponent("secret.png")
        try Data("not for the web".utf8).write(to: secret)
        let fox = try library.details(task: "gpt-image-2-FOXFOXFOXFOXFOXFOXFOX")
        let hills = try library.details(task: "gpt-image-2-HILLSHILLSHILLSHILLS")
        let lake = try library.details(task: "gpt-image-2-LAKELAKELAKELAKELAKE")
        // A link inside images/ that leads out.
        let link = library.location.root.appendingPathComponent("images/link.png")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: secret)
        try await library.sql("UPDATE images SET path = '../secret.png' WHERE id = \(fox.image.id)")
        try await library.sql("UPDATE images SET path = '\(secret.path)' WHERE id = \(hills.image.id)")
        try await library.sql("UPDATE images SET path = 'images/link.png' WHERE id = \(lake.image.id)")
        try await library.withRouter { client in
            for id in [fox.image.id, hills.image.id, lake.image.id] {
                for route in ["img", "thumb"] {
                    let response = try await client.get("/\(route)/\(id).png")
                    #expect(response.status == .notFound, "\(route) \(id)")
                    #expect(
                        response.text.contains("image \(id)'s path leads outside the library"),
                        "\(route) \(id): \(response.text)")
                    #expect(!response.text.contains("not for the web"))
                }
            }
        }
    }

    @Test("the Host check: only loopback names with the server's port")
    func hostCheck() async throws {
        let library = try await GalleryLibrary.standard()
        try await library.withRouter { client in
            // The router framework sends authority `localhost` (port 80, as configured): accepted.
            #expect(try await client.get("/").status == .ok)
            for host in [
                "evil.example", "evil.example:80", "127.0.0.1.evil.example", "localhost:8765", "localhost.:80",
                "127.0.0.2", "[::2]:80", "0.0.0.0:80", "localhost:80@evil.example",
            ] {
                for uri in ["/", "/img/1.png", "/static/app.css", "/nowhere"] {
                    let response = try await client.get(uri, headers: [HTTPField.Name("Host")!: host])
                    #expect(response.status == .misdirectedRequest, "\(host) \(uri)")
                    Self.expectSecurityHeaders(response)
                }
            }
            let post = try await client.edit(
                "/api/image/1/rating", #"{"rating":5}"#, extra: [HTTPField.Name("Host")!: "evil.example"])
            #expect(post.status == .misdirectedRequest)
            #expect(try library.catalog.details([1])[0].image.rating == 0)
        }
    }

    @Test("HostPolicy: loopback names, the right port, nothing else")
    func hostPolicy() {
        let policy = HostPolicy(port: 8765)
        for good in ["127.0.0.1:8765", "localhost:8765", "LOCALHOST:8765", "[::1]:8765"] {
            #expect(policy.allows(good), "\(good)")
        }
        for bad in [
            "127.0.0.1", "localhost", "[::1]", "127.0.0.1:8766", "example.com:8765", "127.0.0.1:8765:1", "localhost:",
            "[::1]8765", "[::1", "localhost:+8765", "localhost:08765x", "",
        ] {
            #expect(!policy.allows(bad), "\(bad)")
        }
        #expect(HostPolicy(port: 80).allows("localhost"))
        #expect(policy.allowsOrigin("http://127.0.0.1:8765"))
        #expect(!policy.allowsOrigin("https://127.0.0.1:8765"))
        #expect(!policy.allowsOrigin("http://evil.example:8765"))
        #expect(!policy.allowsOrigin("null"))
    }

    @Test("edits: rating, favourite, tags and collections, answered with the image's JSON")
    func edits() async throws {
        let library = try await GalleryLibrary.standard()
        let id = try library.id(task: "gpt-image-2-HILLSHILLSHILLSHILLS")
        try await library.withRouter { client in
            let rated = try await client.edit("/api/image/\(id)/rating", #"{"rating":4}"#)
            #expect(rated.status == .ok)
            #expect(rated.headers[.contentType] == "application/json; charset=utf-8")
            Self.expectSecurityHeaders(rated)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(rated.bytes)) as? [String: Any])
            #expect(json["rating"] as? Int == 4)
            #expect(json["id"] as? Int == Int(id))
            #expect(try library.catalog.details([id])[0].image.rating == 4)

            #expect(try await client.edit("/api/image/\(id)/favorite", #"{"favorite":true}"#).status == .ok)
            #expect(try library.catalog.details([id])[0].image.favorite)
            #expect(try await client.edit("/api/image/\(id)/tags", #"{"add":["green","hills"]}"#).status == .ok)
            #expect(try await client.edit("/api/image/\(id)/tags", #"{"remove":["green"]}"#).status == .ok)
            #expect(try library.catalog.details([id])[0].tags == ["hills"])
            #expect(try await client.edit("/api/image/\(id)/collections", #"{"add":["Walls"]}"#).status == .ok)
            #expect(try library.catalog.details([id])[0].collections == ["Walls"])
            let removed = try await client.edit("/api/image/\(id)/collections", #"{"remove":["Walls"]}"#)
            #expect(removed.status == .ok)
            #expect(removed.text.contains("\"collections\":[]"))
            // By hash prefix.
            let sha = try library.catalog.details([id])[0].image.sha256
            #expect(try await client.edit("/api/image/\(sha.prefix(8))/rating", #"{"rating":0}"#).status == .ok)

            // The page shows the edits.
            let page = try await client.get("/image/\(id)").text
            #expect(page.contains("class=\"fav-toggle on\""))
            #expect(page.contains("<a href=\"/?tag=hills\">hills</a>"))

            // Refusals, with the reason as JSON.
            let cases: [(String, String, HTTPResponse.Status, String)] = [
                ("/api/image/\(id)/rating", #"{"rating":9}"#, .badRequest, "is not a rating"),
                ("/api/image/\(id)/rating", #"{"stars":1}"#, .badRequest, "the body must be JSON"),
                ("/api/image/\(id)/rating", "not json", .badRequest, "the body must be JSON"),
                ("/api/image/\(id)/tags", #"{"add":[]}"#, .badRequest, "give 1 to 50 names"),
                ("/api/image/\(id)/tags", #"{"add":["line\nbreak"]}"#, .badRequest, "cannot be used as a name"),
                ("/api/image/\(id)/collections", #"{"remove":["Nowhere"]}"#, .notFound, "no collection named"),
                ("/api/image/99999/rating", #"{"rating":1}"#, .notFound, "no image with ID 99999"),
                ("/api/image/..%2F1/rating", #"{"rating":1}"#, .notFound, "does not name an image"),
                ("/api/image/\(id)/delete", "{}", .notFound, "no such edit"),
            ]
            for (uri, body, status, message) in cases {
                let response = try await client.edit(uri, body)
                #expect(response.status == status, "\(uri) \(body)")
                #expect(response.text.contains(message), "\(uri) \(body): \(response.text)")
            }
            let huge = try await client.edit(
                "/api/image/\(id)/tags", "{\"add\":[\"" + String(repeating: "x", count: 20_000) + "\"]}")
            #expect(huge.status == .contentTooLarge)
            let form = try await client.execute(
                uri: "/api/image/\(id)/rating", method: .post,
                headers: [
                    .contentType: "application/x-www-form-urlencoded",
                    HTTPField.Name("X-Gptimg-Token")!: testToken.value, .origin: "http://localhost",
                ],
                body: ByteBuffer(string: "rating=5"))
            #expect(form.status == .unsupportedMediaType)
            // Edits are POSTs only.
            #expect(try await client.get("/api/image/\(id)/rating").status == .notFound)
        }
    }

    @Test("a POST without the token, with a wrong one, or from another origin is refused")
    func editGuard() async throws {
        let library = try await GalleryLibrary.standard()
        let id = try library.id(task: "gpt-image-2-HILLSHILLSHILLSHILLS")
        try await library.withRouter { client in
            let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!
            let attempts: [(String?, String?, HTTPFields, String)] = [
                (nil, "http://localhost", [:], "token"),
                ("", "http://localhost", [:], "token"),
                (String(repeating: "ab", count: 31) + "ac", "http://localhost", [:], "token"),
                (testToken.value + "00", "http://localhost", [:], "token"),
                (testToken.value, "http://evil.example", [:], "same origin"),
                (testToken.value, "null", [:], "same origin"),
                (testToken.value, "http://localhost:8765", [:], "same origin"),
                (testToken.value, nil, [:], "same origin"),
                (testToken.value, nil, [secFetchSite: "cross-site"], "same origin"),
                (testToken.value, "http://localhost", [secFetchSite: "same-site"], "same origin"),
            ]
            for (token, origin, extra, reason) in attempts {
                let response = try await client.edit(
                    "/api/image/\(id)/rating", #"{"rating":5}"#, token: token, origin: origin, extra: extra)
                #expect(response.status == .forbidden, "\(token ?? "none") \(origin ?? "none")")
                #expect(response.text.contains(reason))
                Self.expectSecurityHeaders(response)
            }
            #expect(try library.catalog.details([id])[0].image.rating == 0)
            // Sec-Fetch-Site alone (a browser that sends no Origin) is enough with the token.
            let fetchOnly = try await client.edit(
                "/api/image/\(id)/rating", #"{"rating":2}"#, origin: nil, extra: [secFetchSite: "same-origin"])
            #expect(fetchOnly.status == .ok)
        }
    }

    @Test("an empty library and an unknown route")
    func emptyAndUnknown() async throws {
        let library = try await GalleryLibrary([])
        try await library.withRouter { client in
            let html = try await client.get("/").text
            #expect(html.contains("No images yet"))
            #expect(try await client.get("/collections").text.contains("No collections yet"))
            let unknown = try await client.get("/nowhere")
            #expect(unknown.status == .notFound)
            Self.expectSecurityHeaders(unknown)
        }
    }
}

/// The escaping the pages use, spelled out independently of the code under test.
enum HTMLText {
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&apos;")
    }
}

extension GalleryLibrary {
    /// Runs SQL on the catalog with the sqlite3 shell, as a user (or an attacker with the file) could.
    func sql(_ statement: String) async throws {
        let result = try await ProcessRunner.run(["sqlite3", "-bail", location.catalogURL.path, statement])
        guard result.status == 0 else { throw FixtureError("sqlite3 failed: \(statement)") }
    }
}
