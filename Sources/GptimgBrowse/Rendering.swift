/// How `list` and `search` show an image as text.
extension ImageDetails {
    /// One line: id, short hash, date, aspect, size, rating/favourite, prompt, tags.
    package var listLine: String {
        var parts = [
            String(image.id).leftPadded(6), String(image.sha256.prefix(8)), String(image.createdAt.prefix(10)),
            generation.aspectRatio.rightPadded(5), "\(image.width)x\(image.height)".rightPadded(9),
        ]
        parts.append(image.rating > 0 ? String(repeating: "*", count: image.rating).rightPadded(5) : "     ")
        parts.append(image.favorite ? "fav" : "   ")
        var prompt = String(String.UnicodeScalarView(generation.prompt.unicodeScalars.map { $0 == "\n" ? " " : $0 }))
        if prompt.count > 80 { prompt = String(prompt.prefix(79)) + "…" }
        parts.append(prompt.isEmpty ? "(no prompt)" : prompt)
        if !tags.isEmpty { parts.append("[" + tags.joined(separator: ", ") + "]") }
        return parts.joined(separator: "  ")
    }
}

extension String {
    package func rightPadded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    package func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
