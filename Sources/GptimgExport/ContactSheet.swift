import Foundation
import GptimgSupport
import PNGMetadata
import PNGRaster

/// `--contact-sheet`: the set at a glance, as PNG pages of thumbnails in the export's order, each
/// captioned with its id and the start of its prompt. Pages hold 48 (6 by 8) so that a large
/// export stays a set of images any viewer opens, not one 70,000-pixel-tall strip.
enum ContactSheet {
    struct Tile: Sendable {
        var id: Int64
        var prompt: String
        /// The library file the thumbnail is made from.
        var source: String
    }

    static let columns = 6
    static let rows = 8
    static let perPage = columns * rows
    static let margin = 16
    static let headerHeight = 40
    static let cellWidth = 256
    static let cellHeight = 304
    static let thumbnailSize = 240
    /// Characters of prompt per caption line (the thumbnail's width in 6-pixel glyphs).
    static let captionColumns = thumbnailSize / BitmapFont.advance

    static let background: (UInt8, UInt8, UInt8) = (246, 246, 244)
    static let frame: (UInt8, UInt8, UInt8) = (222, 222, 218)
    static let ink: (UInt8, UInt8, UInt8) = (28, 28, 28)
    static let faint: (UInt8, UInt8, UInt8) = (90, 90, 90)

    /// The pages' file names: `contact-sheet.png`, or `contact-sheet-01.png`… when there are
    /// several.
    static func pageNames(count: Int) -> [String] {
        let pages = (count + perPage - 1) / perPage
        if pages <= 1 { return ["contact-sheet.png"] }
        let width = max(2, String(pages).count)
        return (1...pages).map { "contact-sheet-" + String($0, zeroPaddedTo: width) + ".png" }
    }

    /// One page as PNG bytes. Thumbnails are decoded on every core, each in bounded memory
    /// (rows streamed into the downscaler, the memory reserved from the process's
    /// `DecodeBudget`, a decompression bomb refused from its header); a file that cannot be
    /// decoded gets an empty frame marked "unreadable" rather than stopping the export.
    static func page(_ tiles: [Tile], title: String, budget: DecodeBudget = .shared) throws -> [UInt8] {
        let thumbnails = Thumbnails(count: tiles.count)
        DispatchQueue.concurrentPerform(iterations: tiles.count) { index in
            let image = try? RGBAImage(
                thumbnailOfFile: tiles[index].source, fitting: thumbnailSize, thumbnailSize, budget: budget)
            thumbnails.set(index, image)
        }
        let rowsUsed = (tiles.count + columns - 1) / columns
        // A set smaller than a row gets a narrower sheet rather than an empty right side.
        let width = margin * 2 + min(columns, max(1, tiles.count)) * cellWidth
        let height = margin * 2 + headerHeight + max(1, rowsUsed) * cellHeight
        var sheet = try RGBAImage(width: width, height: height, fill: (background.0, background.1, background.2, 255))
        BitmapFont.draw(
            title, at: margin + 8, margin + 6, scale: 2, color: ink, maxWidth: width - 2 * margin - 16, into: &sheet)
        for (index, tile) in tiles.enumerated() {
            let left = margin + (index % columns) * cellWidth + (cellWidth - thumbnailSize) / 2
            let top = margin + headerHeight + (index / columns) * cellHeight
            fillRect(x: left, y: top, width: thumbnailSize, height: thumbnailSize, color: frame, into: &sheet)
            if let thumbnail = thumbnails.get(index) {
                blend(
                    thumbnail, x: left + (thumbnailSize - thumbnail.width) / 2,
                    y: top + (thumbnailSize - thumbnail.height) / 2, into: &sheet)
            } else {
                BitmapFont.draw("unreadable", at: left + 90, top + 116, color: faint, into: &sheet)
            }
            var y = top + thumbnailSize + 8
            BitmapFont.draw("#\(tile.id)", at: left, y, scale: 2, color: ink, maxWidth: thumbnailSize, into: &sheet)
            y += 20
            for line in captionLines(tile.prompt) {
                BitmapFont.draw(line, at: left, y, color: faint, maxWidth: thumbnailSize, into: &sheet)
                y += 10
            }
        }
        return try sheet.pngData()
    }

    /// The prompt on at most three lines of `captionColumns` characters, broken between
    /// words, accents folded to ASCII, ending in "..." when it was cut.
    static func captionLines(_ prompt: String, lines maxLines: Int = 3) -> [String] {
        let folded = prompt.folding(options: .diacriticInsensitive, locale: nil)
        let words = folded.split(whereSeparator: { $0.isWhitespace || $0.isNewline }).map(String.init)
        if words.isEmpty { return ["(no prompt)"] }
        var lines: [String] = []
        var current = ""
        var remaining = words[...]
        while let word = remaining.first, lines.count < maxLines {
            let candidate = current.isEmpty ? word : current + " " + word
            if candidate.count <= captionColumns {
                current = candidate
                remaining = remaining.dropFirst()
            } else if current.isEmpty {
                // A word longer than a line: break it.
                current = String(word.prefix(captionColumns))
                remaining[remaining.startIndex] = String(word.dropFirst(captionColumns))
                lines.append(current)
                current = ""
            } else {
                lines.append(current)
                current = ""
            }
        }
        if !current.isEmpty, lines.count < maxLines { lines.append(current) }
        if !remaining.isEmpty, var last = lines.popLast() {
            if last.count > captionColumns - 3 { last = String(last.prefix(captionColumns - 3)) }
            lines.append(last + "...")
        }
        return lines
    }

    static func fillRect(
        x: Int, y: Int, width: Int, height: Int, color: (UInt8, UInt8, UInt8), into image: inout RGBAImage
    ) {
        for row in max(0, y)..<max(max(0, y), min(image.height, y + height)) {
            var offset = (row * image.width + max(0, x)) * 4
            for _ in max(0, x)..<max(max(0, x), min(image.width, x + width)) {
                image.pixels[offset] = color.0
                image.pixels[offset + 1] = color.1
                image.pixels[offset + 2] = color.2
                image.pixels[offset + 3] = 255
                offset += 4
            }
        }
    }

    /// Draws `source` over `image` at (`x`, `y`), alpha-blended (transparent images show the frame).
    static func blend(_ source: RGBAImage, x: Int, y: Int, into image: inout RGBAImage) {
        for row in 0..<source.height {
            let targetRow = y + row
            guard targetRow >= 0, targetRow < image.height else { continue }
            for column in 0..<source.width {
                let targetColumn = x + column
                guard targetColumn >= 0, targetColumn < image.width else { continue }
                let from = (row * source.width + column) * 4
                let to = (targetRow * image.width + targetColumn) * 4
                let alpha = Int(source.pixels[from + 3])
                for channel in 0..<3 {
                    let over = Int(source.pixels[from + channel]) * alpha
                    let under = Int(image.pixels[to + channel]) * (255 - alpha)
                    image.pixels[to + channel] = UInt8((over + under + 127) / 255)
                }
                image.pixels[to + 3] = 255
            }
        }
    }
}

/// Thumbnails made on several threads, collected by index.
private final class Thumbnails: @unchecked Sendable {
    private var images: [RGBAImage?]
    private let lock = NSLock()

    init(count: Int) { images = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ image: RGBAImage?) {
        lock.lock()
        images[index] = image
        lock.unlock()
    }

    func get(_ index: Int) -> RGBAImage? {
        lock.lock()
        defer { lock.unlock() }
        return images[index]
    }
}
