import Foundation
import GptimgSupport
import PNGMetadata

/// One zip archive being imported, entry by entry (`ZipReader` lists and reads it).
///
/// An entry is refused, with its reason, when its name is unsafe (absolute, `..`, a NUL), it
/// is a link, it is not a `.png`, the reader found it unreadable (encrypted, an unknown
/// compression method, damaged, sharing data with another entry), it declares more than
/// `maxFileBytes` or a compression ratio over `maxCompressionRatio`, or the archive's budget
/// is spent. Every byte inflated counts toward that budget, kept or not.
struct ZipInput {
    let path: String
    let reader: ZipReader
    let limits: ImportLimits
    /// The most bytes this archive may yield: `maxCompressionRatio` times its size, at most
    /// `maxArchiveBytes`.
    let budget: UInt64
    /// Bytes inflated (or read, when stored) from it so far.
    private(set) var produced: UInt64 = 0
    private var position = 0

    init(path: String, limits: ImportLimits) throws(ZipError) {
        self.path = path
        self.limits = limits
        reader = try ZipReader(path: path)
        let derived = Double(reader.size) * limits.maxCompressionRatio
        budget = min(UInt64(max(0, limits.maxArchiveBytes)), derived >= Double(UInt64.max) ? .max : UInt64(derived))
    }

    /// How many entries a progress line should count (folders left out); nil when the archive
    /// does not open.
    static func fileCount(_ path: String) -> Int? {
        guard let reader = try? ZipReader(path: path) else { return nil }
        return reader.entries.count { $0.kind != .directory }
    }

    /// The next entry worth a line (folders and macOS resource forks are passed over in
    /// silence), or nil at the end of the archive.
    mutating func next() -> (String, ImportInput)? {
        while position < reader.entries.count {
            let entry = reader.entries[position]
            position += 1
            if let input = read(entry) { return (path + ":" + entry.path, input) }
        }
        return nil
    }

    private mutating func read(_ entry: ZipReader.Entry) -> ImportInput? {
        let name = entry.path
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        if entry.kind == .directory { return nil }
        if components.contains("__MACOSX") || (components.last?.hasPrefix("._") ?? false) { return nil }
        if let unsafe = entry.unsafeName { return .refused(reason: "unsafe zip entry: \(unsafe)") }
        if entry.kind == .symlink { return .refused(reason: "unsafe zip entry: a link") }
        guard name.lowercased().hasSuffix(".png") else { return .refused(reason: "not a PNG file") }
        if let problem = entry.problem { return .refused(reason: problem.description) }
        let size = entry.uncompressedSize
        if size > UInt64(limits.maxFileBytes) {
            return .refused(reason: "zip entry larger than \(limits.maxFileBytes >> 20) MB")
        }
        // A compressed size of 0 counts as 1: a deflated entry that claims no input is no less
        // a bomb (and its reading stops when the entry's own bytes run out).
        let ratio = Double(size) / Double(max(entry.compressedSize, 1))
        if entry.method != 0, ratio > limits.maxCompressionRatio {
            return .refused(reason: "zip entry compressed \(Int(ratio)):1, a likely decompression bomb")
        }
        if size > budget - min(budget, produced) {
            return .refused(
                reason:
                    """
                    the archive would yield more than \(budget >> 20) MB (at most \(Int(limits.maxCompressionRatio)) \
                    times its size, and \(limits.maxArchiveBytes >> 30) GB)
                    """
            )
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(min(size, 16 << 20)))
        do {
            try reader.read(entry, produced: &produced) { bytes.append(contentsOf: $0) }
        } catch let error as ZipEntryError {
            return .refused(reason: error.description)
        } catch {
            return .refused(reason: "zip entry cannot be read (\(describeError(error)))")
        }
        return .entry(bytes: bytes, date: Self.date(of: entry))
    }

    /// The entry's modification time: the extended timestamp (UTC) when it has one, else its
    /// MS-DOS date and time, which are local time.
    static func date(of entry: ZipReader.Entry) -> Date? {
        if let seconds = entry.modificationTime { return Date(timeIntervalSince1970: Double(seconds)) }
        var components = DateComponents()
        components.year = 1980 + Int(entry.dosDate >> 9)
        components.month = Int((entry.dosDate >> 5) & 0xF)
        components.day = Int(entry.dosDate & 0x1F)
        components.hour = Int(entry.dosTime >> 11)
        components.minute = Int((entry.dosTime >> 5) & 0x3F)
        components.second = Int(entry.dosTime & 0x1F) * 2
        guard (1...12).contains(components.month!), (1...31).contains(components.day!), components.hour! < 24,
            components.minute! < 60, components.second! < 60
        else { return nil }
        return Calendar(identifier: .gregorian).date(from: components)
    }
}
