import Foundation
import GRDB
import GptimgSupport
import PNGMetadata

/// One setting that differs between two images: its name and each image's value ("" for none).
public struct ImageDifference: Sendable, Hashable {
    public var field: String
    public var a: String
    public var b: String

    public init(_ field: String, _ a: String, _ b: String) {
        self.field = field
        self.a = a
        self.b = b
    }
}

/// What `gptimg diff A B` says: the word-level difference of the prompts (and negative
/// prompts), and every other setting that differs.
public struct ImageComparison: Sendable {
    public var a: ImageDetails
    public var b: ImageDetails
    public var prompt: [WordDiff.Piece]
    /// Nil when neither has a negative prompt.
    public var negativePrompt: [WordDiff.Piece]?
    /// The settings that differ besides the prompts, in a fixed order, then the embedded ones.
    public var differences: [ImageDifference]

    /// Whether the prompts have the same words.
    public var samePrompt: Bool { prompt.allSatisfy { $0.kind == .same } }

    public var json: JSONOut {
        var members: [(String, JSONOut)] = [
            ("a", .int(Int(a.image.id))), ("b", .int(Int(b.image.id))),
            ("same_prompt", .bool(samePrompt)), ("prompt", WordDiff.json(prompt)),
        ]
        if let negativePrompt { members.append(("negative_prompt", WordDiff.json(negativePrompt))) }
        members.append(
            (
                "differences",
                .array(
                    differences.map {
                        .object([("field", .string($0.field)), ("a", .string($0.a)), ("b", .string($0.b))])
                    }
                )
            ))
        return .object(members)
    }

    /// Every setting compared (besides the prompts), for help and docs.
    public static let fields = [
        "type", "aspect_ratio", "n", "size", "model", "provider", "source", "generator", "references", "status",
        "credits", "tags", "collections", "rating", "favorite", "pick", "parent", "task_id",
    ]

    /// Embedded parameters compared: all but those that name the image itself (its task, place
    /// in the task, time, parent) or repeat a field above.
    static let skippedParameters: Set<String> = [
        "task", "image", "created", "parent", "model", "aspect ratio", "size", "type", "references", "provider",
        "tags",
    ]

    /// `a` and `b` compared; `parameters` are each one's embedded settings.
    static func compare(
        _ a: ImageDetails, _ b: ImageDetails, parameters: (a: [Parameter], b: [Parameter])
    ) -> ImageComparison {
        func values(_ item: ImageDetails) -> [String] {
            let g = item.generation
            let i = item.image
            return [
                g.type, g.aspectRatio, String(g.n), "\(i.width)x\(i.height)", g.model ?? "", g.provider ?? "",
                g.source.rawValue, i.generator, g.referenceImages.joined(separator: " "), g.status.rawValue,
                String(g.creditsCharged - g.creditsRefunded), item.tags.joined(separator: ", "),
                item.collections.joined(separator: ", "), String(i.rating), i.favorite ? "yes" : "no",
                i.pickState.name, item.parentID.map { "#\($0)" } ?? "", g.taskID ?? "",
            ]
        }
        var differences: [ImageDifference] = []
        for (field, (left, right)) in zip(fields, zip(values(a), values(b))) where left != right {
            differences.append(ImageDifference(field, left, right))
        }
        // Embedded settings (seed, steps, sampler…), by name, in a's order then b's.
        func table(_ list: [Parameter]) -> [(String, String)] {
            list.filter { !skippedParameters.contains($0.key.lowercased()) }.map { ($0.key, $0.value) }
        }
        let left = table(parameters.a)
        let right = table(parameters.b)
        let leftValues = Dictionary(left, uniquingKeysWith: { first, _ in first })
        let rightValues = Dictionary(right, uniquingKeysWith: { first, _ in first })
        var seen = Set<String>()
        for key in (left + right).map(\.0) where seen.insert(key).inserted {
            let (x, y) = (leftValues[key] ?? "", rightValues[key] ?? "")
            if x != y { differences.append(ImageDifference(key, x, y)) }
        }
        let negative: [WordDiff.Piece]? =
            a.generation.negativePrompt == nil && b.generation.negativePrompt == nil
            ? nil : WordDiff.diff(a.generation.negativePrompt ?? "", b.generation.negativePrompt ?? "")
        return ImageComparison(
            a: a, b: b, prompt: WordDiff.diff(a.generation.prompt, b.generation.prompt), negativePrompt: negative,
            differences: differences)
    }
}

/// One image of a variant tree (`gptimg lineage`): where it sits and how its prompt differs
/// from its parent's.
public struct LineageNode: Sendable {
    public var details: ImageDetails
    /// The image it was made from, nil for the root.
    public var parentID: Int64?
    /// Steps from the root (0).
    public var depth: Int
    /// The image the lineage was asked for.
    public var isSubject: Bool
    /// The word difference from the parent's prompt; nil for the root.
    public var promptChange: [WordDiff.Piece]?

    public var json: JSONOut {
        .object([
            ("id", .int(Int(details.image.id))), ("parent", parentID.map { .int(Int($0)) } ?? .null),
            ("depth", .int(depth)), ("subject", .bool(isSubject)), ("type", .string(details.generation.type)),
            ("prompt", .string(details.generation.prompt)),
            ("prompt_change", promptChange.map(WordDiff.json) ?? .null),
        ])
    }
}

extension Catalog {
    /// `a` and `b` compared (see `ImageComparison`).
    public func compare(_ a: Int64, _ b: Int64) throws -> ImageComparison {
        try read("compare images") { db in
            let items = try Self.details(ids: [a, b], db: db)
            let parameters = try Self.parameters([a, b], db: db)
            return ImageComparison.compare(items[0], items[1], parameters: (parameters[a] ?? [], parameters[b] ?? []))
        }
    }

    /// The most ancestors walked up and generations walked down: a lineage is a chain of
    /// variants; this only bounds a damaged catalog's loop.
    static let lineageDepth = 1000

    /// `id`'s variant tree: its ancestors from the root down to it, then everything made from it
    /// (children after their parent, oldest first), each with its prompt's change from its
    /// parent's. A catalog whose links loop is walked once round: no image appears twice.
    public func lineage(_ id: Int64) throws -> [LineageNode] {
        try read("read a lineage") { db in
            var chain = try Self.details(ids: [id], db: db)
            var seen: Set<Int64> = [id]
            while let parent = chain[0].parentID, chain.count < Self.lineageDepth, seen.insert(parent).inserted {
                guard let item = try Self.details(ids: [parent], db: db).first else { break }
                chain.insert(item, at: 0)
            }
            // A parent removed from the library leaves the chain starting at its child.
            var nodes: [LineageNode] = []
            for (depth, item) in chain.enumerated() {
                let parent = depth > 0 ? chain[depth - 1] : nil
                nodes.append(
                    LineageNode(
                        details: item, parentID: parent?.image.id, depth: depth, isSubject: item.image.id == id,
                        promptChange: parent.map { WordDiff.diff($0.generation.prompt, item.generation.prompt) }))
            }
            try Self.descendants(of: chain[chain.count - 1], depth: chain.count - 1, seen: &seen, into: &nodes, db: db)
            return nodes
        }
    }

    /// The images made from `item`, depth first, appended to `nodes`.
    private static func descendants(
        of item: ImageDetails, depth: Int, seen: inout Set<Int64>, into nodes: inout [LineageNode], db: Database
    ) throws {
        guard depth < lineageDepth else { return }
        let children = try Browse.details(
            from: """
                images i JOIN generations g ON g.id = i.generation_id WHERE g.parent_image_id = ?
                ORDER BY i.created_at, i.id
                """, [item.image.id], db: db)
        for child in children where seen.insert(child.image.id).inserted {
            nodes.append(
                LineageNode(
                    details: child, parentID: item.image.id, depth: depth + 1, isSubject: false,
                    promptChange: WordDiff.diff(item.generation.prompt, child.generation.prompt)))
            try descendants(of: child, depth: depth + 1, seen: &seen, into: &nodes, db: db)
        }
    }
}
