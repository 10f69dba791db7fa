import Foundation
import GptimgCatalog
import PNGMetadata
import TestSupport
import Testing

/// Issue 17.3: a task and its variant chain are one stack, on real libraries (imported PNGs with
/// embedded lineage, landed in the worst order: grandchild, child, then parent).
@Suite("catalog: stacks")
struct StackTests {
    static let taskA = "gpt-image-2-STACKAAAAAAAAAAAAAAAA1"
    static let taskB = "gpt-image-2-STACKBBBBBBBBBBBBBBBBB1"
    static let taskC = "gpt-image-2-STACKCCCCCCCCCCCCCCCCC1"
    static let taskD = "gpt-image-2-STACKDDDDDDDDDDDDDDDDD1"

    /// A (two images) ← B (a variant of A's second) ← C (a variant of B's), and D alone; C, B and
    /// A imported in that order, so each parent lands after its variant.
    static func library() async throws -> (TemporaryLibrary, Catalog, [String: Int64]) {
        let library = try TemporaryLibrary()
        let catalog = try library.open()
        let source = try library.sources()
        func land(_ name: String, _ metadata: GptimgMetadata, seed: Int) async throws -> Int64 {
            let url = try Fixtures.write(Fixtures.ours(metadata, seed: seed), to: source.appendingPathComponent(name))
            _ = try await importAll(catalog, [url.path])
            return try catalog.list("task:\(metadata.taskID ?? "") sort:oldest", limit: 10)
                .first { $0.image.index == metadata.index }!.image.id
        }
        var id: [String: Int64] = [:]
        id["c"] = try await land(
            "c.png",
            Fixtures.metadata(
                "a fox at dusk", task: taskC, parent: .init(taskID: taskB, index: 0),
                created: "2026-11-04T10:00:00Z"), seed: 31)
        id["b"] = try await land(
            "b.png",
            Fixtures.metadata(
                "a fox at noon", task: taskB, parent: .init(taskID: taskA, index: 1),
                created: "2026-11-03T10:00:00Z"), seed: 32)
        id["a0"] = try await land(
            "a0.png",
            Fixtures.metadata(
                "a fox", task: taskA, index: 0, n: 2, tags: ["animals"],
                created: "2026-11-02T10:00:00Z"), seed: 33)
        id["a1"] = try await land(
            "a1.png", Fixtures.metadata("a fox", task: taskA, index: 1, n: 2, created: "2026-11-02T10:00:00Z"),
            seed: 34)
        id["d"] = try await land(
            "d.png", Fixtures.metadata("a lighthouse", task: taskD, tags: ["animals"], created: "2026-11-05T10:00:00Z"),
            seed: 35)
        return (library, catalog, id)
    }

    @Test("a task and its variant chain fold into one stack, whichever landed first; the cover is the best kept")
    func stacksAndCovers() async throws {
        let (library, catalog, id) = try await Self.library()
        let stacks = try catalog.stacks(ImageQuery())
        #expect(stacks.map(\.cover.image.id) == [id["d"]!, id["c"]!], "\(stacks.map(\.cover.image.id))")
        #expect(stacks.map(\.size) == [1, 4])
        // Every member names the same stack, in best-kept order (newest first while none is rated).
        let members = [id["c"]!, id["b"]!, id["a1"]!, id["a0"]!]
        for member in members {
            #expect(try catalog.stack(of: String(member)).map(\.image.id) == members)
        }
        #expect(try catalog.stack(of: String(id["d"]!)).map(\.image.id) == [id["d"]!])
        // Best-rated first, then picked, then newest.
        try catalog.rate([id["a0"]!], 4)
        #expect(try catalog.stacks(ImageQuery()).map(\.cover.image.id) == [id["d"]!, id["a0"]!])
        try catalog.rate([id["b"]!], 4)
        try catalog.setPick([id["b"]!], .picked)
        #expect(try catalog.stacks(ImageQuery())[1].cover.image.id == id["b"]!)
        // Rejects stay hidden unless asked for, in the size too.
        try catalog.setPick([id["c"]!], .rejected)
        #expect(try catalog.stacks(ImageQuery()).map(\.size) == [1, 3])
        #expect(try catalog.stack(of: String(id["a0"]!)).map(\.image.id) == [id["b"]!, id["a0"]!, id["a1"]!])
        #expect(
            try catalog.stack(of: String(id["a0"]!), query: ImageQuery(parsing: "is:rejected")).map(\.image.id)
                == [id["c"]!])
        // With a query: only the matching images count, and the stack:ID filter composes.
        let tagged = try catalog.stacks(ImageQuery(parsing: "tag:animals"))
        #expect(tagged.map { [$0.cover.image.id, Int64($0.size)] } == [[id["d"]!, 1], [id["a0"]!, 1]])
        #expect(Set(try catalog.list("stack:\(id["a1"]!) -noon").map(\.image.id)) == [id["a0"]!, id["a1"]!])
        #expect(try catalog.stacks(ImageQuery(parsing: "lighthouse"))[0].json.rendered.contains(#""stack_size":1"#))
        // The key is stored per image, the root generation's id.
        let roots = try await library.sql("SELECT count(DISTINCT stack_id) FROM images")
        #expect(roots == "2")
    }

    @Test("bad input: an unknown image, a stack: filter without an ID")
    func badInput() async throws {
        let (library, catalog, _) = try await Self.library()
        _ = library
        #expect(throws: CatalogError.noSuchImage("999999")) { try catalog.stack(of: "999999") }
        #expect(throws: CatalogError.self) { try ImageQuery(parsing: "stack:") }
        do {
            _ = try ImageQuery(parsing: "stack:")
        } catch {
            #expect("\(error)".contains("stack: wants a value") && "\(error)".contains("stack:ID"), "\(error)")
        }
    }
}
