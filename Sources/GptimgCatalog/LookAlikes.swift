import Foundation
import GRDB
import GptimgSupport
import PNGRaster

#if canImport(Glibc)
    import Glibc
#endif

/// One image like another, and how many of the 64 perceptual-hash bits differ.
public struct LookAlike: Sendable {
    public var image: ImageDetails
    public var distance: Int
}

/// Look-alikes: `similar`, `dupes` and the `similar:` filter, over the 64-bit perceptual hash
/// stored in `images.phash` (computed as an image lands; for older images, by `fillPerceptualHashes`).
extension Catalog {
    /// `gptimg_hamming(a, b)`: the bits that differ between two perceptual hashes, NULL when
    /// either is NULL; for the `similar:` filter (SQLite has neither XOR nor a bit count).
    static let hammingFunction = DatabaseFunction("gptimg_hamming", argumentCount: 2, pure: true) { values in
        guard let a = Int64.fromDatabaseValue(values[0]), let b = Int64.fromDatabaseValue(values[1]) else {
            return nil
        }
        return (a ^ b).nonzeroBitCount
    }

    /// The distances `similar` and `dupes` accept: beyond 32 of 64 bits, unrelated pictures match.
    public static let lookAlikeDistances = 0...32

    static func checkDistance(_ distance: Int) throws {
        guard lookAlikeDistances.contains(distance) else {
            throw CatalogError.invalidArgument(
                "--distance \(distance) is out of range: give 0-32 (bits of 64 that may differ; 4 finds near-copies)")
        }
    }

    /// Whether some image has no perceptual hash yet (one probe of the partial index).
    public func hasImagesWithoutPerceptualHash() throws -> Bool {
        try read("find images without a perceptual hash") { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM images WHERE phash IS NULL)") ?? false
        }
    }

    /// Hashes every image whose hash is missing (landed before the catalog had them), from its file:
    /// the number hashed. Files that are missing or cannot be decoded stay without a hash (`doctor`
    /// reports missing files). A read-only catalog is left as it is.
    @discardableResult
    public func fillPerceptualHashes() throws -> Int {
        let missing = try read("find images without a perceptual hash") { db in
            try Row.fetchAll(db, sql: "SELECT id, path FROM images WHERE phash IS NULL").map {
                (id: $0[0] as Int64, path: ($0[1] as String?) ?? "")
            }
        }
        guard !missing.isEmpty, access == .readWrite else { return 0 }
        // On every core, each file streamed through the decoder (never read whole); the shared
        // decode budget bounds the memory of the decodes running at once.
        let lock = NSLock()
        nonisolated(unsafe) var hashes: [(Int64, Int64)] = []
        let location = location
        DispatchQueue.concurrentPerform(iterations: missing.count) { index in
            let row = missing[index]
            guard case .success(let url) = location.checkedFile(atCatalogPath: row.path),
                let hash = try? PerceptualHash(contentsOfFile: url.path)
            else { return }
            lock.withLock { hashes.append((row.id, hash.signed)) }
        }
        guard !hashes.isEmpty else { return 0 }
        try write("store perceptual hashes") { db in
            for (id, hash) in hashes {
                try db.execute(sql: "UPDATE images SET phash = ? WHERE id = ?", arguments: [hash, id])
            }
        }
        return hashes.count
    }

    /// (id, hash) of every hashed image that `query` matches (rejected ones only if it asks).
    func hashedImages(_ query: ImageQuery?) throws -> [(id: Int64, hash: UInt64)] {
        let allowed = try query.map { Set(try matchingIDs($0)) }
        return try read("read perceptual hashes") { db in
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT id, phash FROM images WHERE phash IS NOT NULL"
                    + (query == nil ? " AND pick <> -1" : ""))
            var out: [(id: Int64, hash: UInt64)] = []
            while let row = try rows.next() {
                let id: Int64 = row[0]
                if let allowed, !allowed.contains(id) { continue }
                out.append((id, UInt64(bitPattern: row[1] as Int64)))
            }
            return out
        }
    }

    /// The images that look like `id`, nearest first (then newest), within `distance` bits; not
    /// `id` itself, nor rejected images. Computes missing hashes first.
    public func similar(to id: String, distance: Int = 10, limit: Int = 20) throws -> [LookAlike] {
        try Self.checkDistance(distance)
        guard limit > 0 else { throw CatalogError.invalidArgument("--limit \(limit): give a positive number") }
        let imageID = try resolve(id)
        try fillPerceptualHashes()
        let target = try read("read the image's perceptual hash") { db in
            try Int64.fetchOne(db, sql: "SELECT phash FROM images WHERE id = ?", arguments: [imageID])
        }
        guard let target else {
            throw CatalogError.invalidArgument(
                "image \(imageID) has no perceptual hash: its file is missing or cannot be decoded (see gptimg doctor)")
        }
        let mine = UInt64(bitPattern: target)
        let near = try hashedImages(nil).lazy
            .filter { $0.id != imageID }
            .map { (id: $0.id, distance: ($0.hash ^ mine).nonzeroBitCount) }
            .filter { $0.distance <= distance }
            .sorted { ($0.distance, $1.id) < ($1.distance, $0.id) }
            .prefix(limit)
        let details = Dictionary(
            try self.details(near.map(\.id)).map { ($0.image.id, $0) }, uniquingKeysWith: { a, _ in a })
        return near.compactMap { item in details[item.id].map { LookAlike(image: $0, distance: item.distance) } }
    }

    /// Groups of near-duplicates among the images `query` matches (all but rejected ones without
    /// one): images within `distance` bits of another of the group (single linkage), each group
    /// best-kept first (best-rated, then picked, then newest), with each image's distance to that
    /// first one; groups in the order of their best image, newest first.
    public func duplicateGroups(distance: Int = 4, query: ImageQuery? = nil) throws -> [[LookAlike]] {
        try Self.checkDistance(distance)
        try fillPerceptualHashes()
        let images = try hashedImages(query)
        let groups = Self.group(images.map(\.hash), within: distance)
        let ids = groups.flatMap { $0.map { images[$0].id } }
        let details = Dictionary(try self.details(ids).map { ($0.image.id, $0) }, uniquingKeysWith: { a, _ in a })
        let hashes = Dictionary(images.map { ($0.id, $0.hash) }, uniquingKeysWith: { a, _ in a })
        func better(_ a: ImageDetails, _ b: ImageDetails) -> Bool {
            let left = (a.image.rating, a.image.pickState.rawValue, a.image.createdAt, a.image.id)
            let right = (b.image.rating, b.image.pickState.rawValue, b.image.createdAt, b.image.id)
            return left > right
        }
        let ordered: [[ImageDetails]] = groups.map { members in
            members.compactMap { details[images[$0].id] }.sorted(by: better)
        }
        .filter { $0.count > 1 }
        .sorted { ($0[0].image.createdAt, $0[0].image.id) > ($1[0].image.createdAt, $1[0].image.id) }
        return ordered.map { members in
            let best = hashes[members[0].image.id] ?? 0
            return members.map { LookAlike(image: $0, distance: ((hashes[$0.image.id] ?? 0) ^ best).nonzeroBitCount) }
        }
    }

    /// Connected components of "within `distance` bits", found without comparing every pair:
    /// two hashes within d bits agree exactly on at least one of d+1 disjoint slices of the 64
    /// bits (pigeonhole), so only hashes sharing a slice value are compared. Groups of 2 or more.
    static func group(_ hashes: [UInt64], within distance: Int) -> [[Int]] {
        var parent = Array(0..<hashes.count)
        func root(_ index: Int) -> Int {
            var index = index
            while parent[index] != index {
                parent[index] = parent[parent[index]]
                index = parent[index]
            }
            return index
        }
        let slices = min(distance + 1, 64)
        var start = 0
        for slice in 0..<slices {
            let width = 64 / slices + (slice < 64 % slices ? 1 : 0)
            let mask: UInt64 = width == 64 ? ~0 : ((1 << UInt64(width)) - 1) << UInt64(start)
            start += width
            var buckets: [UInt64: [Int]] = [:]
            for (index, hash) in hashes.enumerated() { buckets[hash & mask, default: []].append(index) }
            for members in buckets.values where members.count > 1 {
                for (offset, a) in members.enumerated() {
                    for b in members[(offset + 1)...] where (hashes[a] ^ hashes[b]).nonzeroBitCount <= distance {
                        let (ra, rb) = (root(a), root(b))
                        if ra != rb { parent[ra] = rb }
                    }
                }
            }
        }
        var components: [Int: [Int]] = [:]
        for index in hashes.indices { components[root(index), default: []].append(index) }
        return components.values.filter { $0.count > 1 }.map { $0.sorted() }
    }
}
