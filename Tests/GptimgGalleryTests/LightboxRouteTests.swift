import Foundation
import GptimgCatalog
import GptimgGallery
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 18 items 2, 4 and 5 on the server side: the pick edit the lightbox's P and X send, the
/// compare page, and the grid's sort control and ids-and-sizes toggle.
@Suite("gallery: pick edit, compare page, sort control")
struct LightboxRouteTests {
    @Test("POST /api/image/ID/pick sets picked, rejected or neither through the catalog")
    func pickEdit() async throws {
        let library = try await GalleryLibrary.standard()
        let id = try library.id(task: "gpt-image-2-HILLSHILLSHILLSHILLS")
        try await library.withRouter { client in
            let rejected = try await client.edit("/api/image/\(id)/pick", #"{"pick":"rejected"}"#)
            #expect(rejected.status == .ok)
            #expect(rejected.text.contains(#""pick":"rejected""#))
            #expect(try library.catalog.details([id])[0].image.pickState == .rejected)
            #expect(try await client.edit("/api/image/\(id)/pick", #"{"pick":"picked"}"#).status == .ok)
            #expect(try library.catalog.details([id])[0].image.pickState == .picked)
            #expect(try await client.edit("/api/image/\(id)/pick", #"{"pick":"none"}"#).status == .ok)
            #expect(try library.catalog.details([id])[0].image.pickState == ImagePick.none)

            let bad = try await client.edit("/api/image/\(id)/pick", #"{"pick":"maybe"}"#)
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("'maybe' is not a pick: use picked, rejected or none"))
            let shape = try await client.edit("/api/image/\(id)/pick", #"{"pick":1}"#)
            #expect(shape.status == .badRequest)
            #expect(shape.text.contains(#"{\"pick\": \"picked\"|\"rejected\"|\"none\"}"#))
            #expect(try await client.edit("/api/image/999999/pick", #"{"pick":"picked"}"#).status == .notFound)
        }
    }

    @Test("the pick edit refuses a missing token, a foreign Origin and a foreign Host; nothing changes")
    func pickEditGuard() async throws {
        let library = try await GalleryLibrary.standard()
        let id = try library.id(task: "gpt-image-2-HILLSHILLSHILLSHILLS")
        try await library.withRouter { client in
            let uri = "/api/image/\(id)/pick"
            let body = #"{"pick":"rejected"}"#
            let noToken = try await client.edit(uri, body, token: nil)
            #expect(noToken.status == .forbidden)
            #expect(noToken.text.contains("X-Gptimg-Token"))
            let wrongToken = try await client.edit(uri, body, token: String(repeating: "cd", count: 32))
            #expect(wrongToken.status == .forbidden)
            let foreignOrigin = try await client.edit(uri, body, origin: "http://evil.example")
            #expect(foreignOrigin.status == .forbidden)
            #expect(foreignOrigin.text.contains("same origin"))
            let noOrigin = try await client.edit(uri, body, origin: nil)
            #expect(noOrigin.status == .forbidden)
            let foreignHost = try await client.edit(uri, body, extra: [HTTPField.Name("Host")!: "evil.example"])
            #expect(foreignHost.status == .misdirectedRequest)
            let get = try await client.get(uri)
            #expect(get.status == .notFound)
        }
        #expect(try library.catalog.details([id])[0].image.pickState == ImagePick.none)
    }

    @Test("compare: the images side by side, the prompt's word difference escaped, the settings that differ")
    func comparePage() async throws {
        let library = try await GalleryLibrary.standard()
        let parent = try library.details(task: "gpt-image-2-PARENTPARENTPARENTPARE")
        let child = try library.details(task: "gpt-image-2-CHILDCHILDCHILDCHILDC")
        let hostile = try library.details(task: "gpt-image-2-HOSTILEHOSTILEHOSTILE")
        let fox = try library.details(task: "gpt-image-2-FOXFOXFOXFOXFOXFOXFOX")
        try await library.withRouter { client in
            let response = try await client.get("/compare?ids=\(parent.image.id),\(child.image.id)")
            #expect(response.status == .ok)
            let html = response.text
            #expect(occurrences(of: "<figure class=\"compare-item\"", in: html) == 2)
            #expect(html.contains("<img src=\"/img/\(parent.image.sha256).png\" width=\"640\" height=\"360\""))
            // "a lighthouse on a cliff at dawn, watercolor" → "the lighthouse in a storm".
            #expect(html.contains("<del title=\"only in A\">a</del>"))
            #expect(html.contains("<ins title=\"added\">the</ins>"))
            #expect(html.contains("<span>lighthouse</span>"))
            #expect(html.contains("<del title=\"only in A\">cliff at dawn, watercolor</del>"))
            #expect(html.contains("<ins title=\"added\">storm</ins>"))
            // Settings: the size and type differ (640×360 text-to-image; 160×90 image-to-image).
            #expect(html.contains("<tr><th scope=\"row\">size</th><td>640x360</td><td class=\"differs\">160x90</td>"))
            #expect(html.contains("<th scope=\"row\">type</th>"))

            // One id: the image and its parent.
            let withParent = try await client.get("/compare?ids=\(child.image.id)").text
            #expect(withParent.contains("<ins title=\"added\">storm</ins>"))
            #expect(withParent.contains("A · #\(parent.image.id)"))

            // Four images; the hostile prompt stays text.
            let four = try await client.get(
                "/compare?ids=\(parent.image.id),\(child.image.id),\(hostile.image.id),\(fox.image.id)")
            #expect(four.status == .ok)
            #expect(occurrences(of: "<figure class=\"compare-item\"", in: four.text) == 4)
            #expect(four.text.contains("data-count=\"4\""))
            #expect(four.text.contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;"))
            #expect(!four.text.contains("<script>alert"))
            #expect(!four.text.contains("<img src=x"))

            // The image page's lineage links a variant to its comparison with its parent.
            let page = try await client.get("/image/\(child.image.id)").text
            #expect(page.contains("href=\"/compare?ids=\(parent.image.id),\(child.image.id)\">Compare with parent</a>"))
        }
    }

    @Test("compare refuses what it cannot show, with the reason")
    func compareErrors() async throws {
        let library = try await GalleryLibrary.standard()
        let lake = try library.id(task: "gpt-image-2-LAKELAKELAKELAKELAKE")
        try await library.withRouter { client in
            let cases: [(String, HTTPResponse.Status, String)] = [
                ("/compare", .badRequest, "compare wants 2 to 4 image ids"),
                ("/compare?ids=", .badRequest, "compare wants 2 to 4 image ids"),
                ("/compare?ids=1,2,3,4,5", .badRequest, "compare wants 2 to 4 image ids"),
                ("/compare?ids=1,..%2Fcatalog", .badRequest, "does not name an image"),
                ("/compare?ids=\(lake)", .badRequest, "image \(lake) has no parent in this library"),
                ("/compare?ids=\(lake),\(lake)", .badRequest, "has no parent"),
                ("/compare?ids=1,999999", .notFound, "999999"),
            ]
            for (uri, status, message) in cases {
                let response = try await client.get(uri)
                #expect(response.status == status, "\(uri)")
                #expect(response.text.contains(message), "\(uri): \(response.text.suffix(400))")
            }
        }
    }

    /// The tiles' ids in page order.
    static func tileIDs(_ html: String) -> [Int64] {
        html.components(separatedBy: "<li class=\"tile\" data-id=\"").dropFirst().compactMap {
            Int64($0.prefix { $0.isNumber })
        }
    }

    @Test("sort: newest, oldest, rating and relevance, from the control or the query's sort:, paged to the end")
    func sortControl() async throws {
        let library = try await GalleryLibrary.standard()
        let all = try library.catalog.list("", sort: .newest, limit: 100)
        let newest = all.map(\.image.id)
        try await library.withRouter(pageSize: 2) { client in
            // Every order, its pages followed by their "More" link to the end.
            func walk(_ uri: String) async throws -> [Int64] {
                var ids: [Int64] = []
                var next: String? = uri
                var pages = 0
                while let link = next, pages < 10 {
                    let html = try await client.get(link).text
                    ids += Self.tileIDs(html)
                    next = html.components(separatedBy: "id=\"next\" href=\"").dropFirst().first.map {
                        String($0.prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
                    }
                    pages += 1
                }
                return ids
            }
            #expect(try await walk("/") == newest)
            #expect(try await walk("/?sort=oldest") == newest.reversed())
            #expect(try await walk("/?q=sort%3Aoldest") == newest.reversed())
            // Rating: the lake (5 stars) first, then the rest newest first.
            let lake = try library.id(task: "gpt-image-2-LAKELAKELAKELAKELAKE")
            let rated = try await walk("/?sort=rating")
            #expect(rated == [lake] + newest.filter { $0 != lake })
            #expect(try await walk("/?sort=relevance&q=lighthouse").count == 2)
            // A date order pages by cursor only: an offset in its URL is not added to it.
            #expect(try await walk("/?from=3") == newest)
            // Stacks sort their covers the same way (the lighthouse and its variant are one stack).
            let stacks = try await walk("/?stacks=1&sort=rating")
            #expect(stacks.count == newest.count - 1)
            #expect(stacks.first == lake)
            // The control wins over the query's sort:, and shows the order in use.
            #expect(try await walk("/?sort=newest&q=sort%3Aoldest") == newest)
            let page = try await client.get("/?q=sort%3Arating").text
            #expect(page.contains("<option value=\"rating\" selected>rating</option>"))
            #expect(try await client.get("/?sort=oldest").text.contains("rel=\"next\">Newer →</a>"))
            #expect(try await client.get("/?sort=rating").text.contains("?sort=rating&amp;from=2\""))

            let bad = try await client.get("/?sort=sideways")
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("sort=sideways is not valid: use one of newest, oldest, relevance, rating"))
        }
    }

    @Test("the grid offers the ids-and-sizes toggle, and every page loads the lightbox's script and style")
    func toggleAndAssets() async throws {
        let library = try await GalleryLibrary.standard()
        try await library.withRouter { client in
            let grid = try await client.get("/").text
            #expect(grid.contains("<input type=\"checkbox\" id=\"show-info\">"))
            #expect(grid.contains("<script src=\"/static/lightbox.js?v="))
            #expect(grid.contains("<link rel=\"stylesheet\" href=\"/static/lightbox.css?v="))
            #expect(grid.contains("<link rel=\"stylesheet\" href=\"/static/app.css?v="))
            let script = try await client.get("/static/lightbox.js")
            #expect(script.status == .ok)
            #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(script.text.contains("role\", \"dialog"))
            let style = try await client.get("/static/lightbox.css")
            #expect(style.headers[.contentType] == "text/css; charset=utf-8")
        }
    }
}
