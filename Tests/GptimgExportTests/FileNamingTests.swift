import Foundation
import Testing

@testable import GptimgExport

@Suite("export: file names")
struct FileNamingTests {
    @Test("hostile text becomes one safe file-name stem")
    func safeStems() {
        #expect(FileNames.safeStem("a/b\\c:d*e?f\"g<h>i|j") == "a_b_c_d_e_f_g_h_i_j")
        #expect(FileNames.safeStem("../../../etc/passwd") == "etc_passwd")
        #expect(FileNames.safeStem("..") == "image")
        #expect(FileNames.safeStem("   ") == "image")
        #expect(FileNames.safeStem("") == "image")
        #expect(FileNames.safeStem(".hidden") == "hidden")
        #expect(FileNames.safeStem("nul\u{0}inside") == "nulinside")
        #expect(FileNames.safeStem("line\nbreak\ttab\r\n  spaces") == "line break tab spaces")
        #expect(FileNames.safeStem("\u{202E}gnp.exe") == "gnp.exe")
        #expect(FileNames.safeStem("trailing dots...") == "trailing dots")
        // Windows device names, whatever the case or extension.
        #expect(FileNames.safeStem("CON") == "_CON")
        #expect(FileNames.safeStem("con") == "_con")
        #expect(FileNames.safeStem("Com1.tar") == "_Com1.tar")
        #expect(FileNames.safeStem("LPT9") == "_LPT9")
        #expect(FileNames.safeStem("console") == "console")
        // NFC: a decomposed é becomes one scalar.
        #expect(FileNames.safeStem("cafe\u{301}").unicodeScalars.count == 4)
        // Emoji (with zero-width joiners) stay whole.
        #expect(FileNames.safeStem("family 👨‍👩‍👧") == "family 👨‍👩‍👧")
    }

    @Test("stems are at most 120 bytes of UTF-8, cut between characters")
    func length() {
        let long = String(repeating: "word ", count: 100)
        #expect(FileNames.safeStem(long).utf8.count <= 120)
        let emoji = String(repeating: "👨‍👩‍👧", count: 40) // 18 bytes each
        let stem = FileNames.safeStem(emoji)
        #expect(stem.utf8.count <= 120)
        #expect(stem == String(repeating: "👨‍👩‍👧", count: 6))
        let accents = String(repeating: "é", count: 200)
        #expect(FileNames.safeStem(accents) == String(repeating: "é", count: 60))
    }

    @Test("names are unique without regard to case, and never take a reserved name")
    func uniqueness() {
        var names = UniqueFileNames()
        names.reserve("contact-sheet.png")
        #expect(names.claim(stem: "Sunset", extension: "png") == "Sunset.png")
        #expect(names.claim(stem: "sunset", extension: "png") == "sunset-2.png")
        #expect(names.claim(stem: "SUNSET", extension: "png") == "SUNSET-3.png")
        #expect(names.claim(stem: "straße", extension: "png") == "straße.png")
        #expect(names.claim(stem: "STRASSE", extension: "png") == "STRASSE-2.png")
        #expect(names.claim(stem: "Contact-Sheet", extension: "png") == "Contact-Sheet-2.png")
        let long = String(repeating: "x", count: 120)
        #expect(names.claim(stem: long, extension: "png") == long + ".png")
        let second = names.claim(stem: long, extension: "png")
        #expect(second == String(repeating: "x", count: 118) + "-2.png")
    }

    @Test("a stem claimed again and again resumes its numbering, with the names a search from 1 gives")
    func repeatedStems() {
        var names = UniqueFileNames()
        let claimed = (0..<3_000).map { _ in names.claim(stem: "2026-11-21", extension: "png") }
        #expect(claimed == ["2026-11-21.png"] + (2...3_000).map { "2026-11-21-\($0).png" })

        // Against the search from 1 every time, over stems that collide across case, with
        // numbered names, reserved names and cuts of long stems.
        // Dotless i is 2 bytes and its case key is "i": these three share a case key, but only
        // the first is cut to make room for a suffix.
        let long = String(repeating: "ı", count: 60)
        let stems = [
            "a", "A", "a-3", "a-2", "b", "a", "A-3", "B", long, String(repeating: "i", count: 60), long.uppercased(),
            "a", "b-2", "B", long,
        ]
        var fast = UniqueFileNames()
        var reference = SearchFromOne()
        for name in ["a-3.png", "B-2.png"] {
            fast.reserve(name)
            reference.taken.insert(FileNames.caseKey(name))
        }
        for round in 0..<40 {
            for stem in stems {
                #expect(
                    fast.claim(stem: stem, extension: "png") == reference.claim(stem: stem, extension: "png"),
                    "\(round) \(stem)")
            }
        }
    }

    /// `UniqueFileNames.claim` as it was: every search starts at 1.
    struct SearchFromOne {
        var taken: Set<String> = []

        mutating func claim(stem: String, extension ext: String) -> String {
            var candidate = stem + "." + ext
            var number = 1
            while taken.contains(FileNames.caseKey(candidate)) {
                number += 1
                let suffix = "-\(number)"
                candidate =
                    FileNames.truncated(stem, toBytes: FileNames.maxStemBytes - suffix.utf8.count) + suffix + "." + ext
            }
            taken.insert(FileNames.caseKey(candidate))
            return candidate
        }
    }

    @Test("templates: fields, literal braces, and errors that list the fields")
    func templates() throws {
        let template = try NameTemplate(parsing: "{{{index}}}-{ID}_{sha8}")
        #expect(template.pieces.count == 6)
        #expect(throws: ExportError.self) { try NameTemplate(parsing: "{index") }
        #expect(throws: ExportError.self) { try NameTemplate(parsing: "index}") }
        #expect(throws: ExportError.self) { try NameTemplate(parsing: "photo") }
        let error = #expect(throws: ExportError.self) { try NameTemplate(parsing: "{colour}") }
        #expect(error?.description.contains("unknown field {colour}") == true)
        #expect(error?.description.contains("{slug}") == true)
    }
}
