import Foundation
@testable import GptimgExport
import Testing

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
        let emoji = String(repeating: "👨‍👩‍👧", count: 40)  // 18 bytes each
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

    @Test("templates: fields, literal braces, and errors that list the fields")
    func templates() throws {
        let template = try NameTemplate(parsing: "{{{index}}}-{ID}_{sha8}")
        #expect(template.pieces.count == 6)
        #expect(throws: ExportError.self) { try NameTemplate(parsing: "{colour}") }
        #expect(throws: ExportError.self) { try NameTemplate(parsing: "{index") }
        #expect(throws: ExportError.self) { try NameTemplate(parsing: "index}") }
        #expect(throws: ExportError.self) { try NameTemplate(parsing: "photo") }
        do {
            _ = try NameTemplate(parsing: "{colour}")
        } catch {
            #expect(error.description.contains("unknown field {colour}"))
            #expect(error.description.contains("{slug}"))
        }
    }
}
