import Foundation
import Testing

@testable import PNGMetadata

/// Inputs the fuzzer (fuzz/) found crashing, kept so they never come back.
@Suite("Fuzzer regressions")
struct FuzzRegressionTests {
    /// An XMP packet whose processing instruction libxml2 reported without data: Foundation's
    /// `XMLParser` called strlen(NULL) on it (SEGV). Found after 182,546 runs, 21 November 2026.
    /// XMP is now read by our own `XMLReader`; the input stays so no reader ever crashes on it.
    static let processingInstructionCrash = Data(
        base64Encoded:
            """
            PD94cGFja2V0IGJlZ2luPSLvIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyO7vyIgaWQ9Ilc1TTBNcENlaGlIenJ\
            lU3pOVGN6a2M5ZCI/Pjx4OnhtcG1ldGEgeG1sbnM6eD329vb29vb29vb29vb29vb29vb29vb29vb29vb29vb29vb29vb29vb29vb29vb29v\
            b29vb29vb29vb29vb29vb29vb29vb29vb29vb29vb29vb29vb29vb29iJhZG9iZTpuczptZXRhLyI+PHJkZjpSREYgeG1sbnM6cmRmPSJod\
            HRwOi8vd3d3LnczLm9yZy8xOTk5LzAyLzIyLXJkZi1zeW50YXgtbnMjIj48cmRmOkRlc2NyaXB0aW9uIHJkZjphYm91dD0iIiB4bWxuczpk\
            Yz0iaHR0cDovL3B1cmwub3JnL2RjL2VsZW1lbnRzLzEuMS8iIHhtbG5zOnhtcD0iaHR0cDovL25zLmFkb2JlLmNvbS94YXAvMS4wLyI+PGR\
            jOmRlc2NyaXB0aW9uPjxyZGY6QWx0PjxyZGY6bGkgeG1sOmxhbmc9ImV4LWZkYXVsdCI+QS1mZGF1bHQiPkEgbWlzdHkgYWxwaW5lIGxha2\
            UgYXQgc3VucmlzZSwgcGluZSBmb3Jlc3QsIDM1bW0gcGhvdG8gJmFtcDsgY2Fmw6kg5pel5pysPElEQVQ6bGk+PC9yZGY6dD5BPGwvZGM6Z\
            GVzY3JpcHRpb24+PHhtcDpDcmVhdG9yVG9vbD5ncHRpbWcgMC4xLjA8L3htcDpDcmVhdG9yVG9vbD48eG1wOkNyZWF0ZURhdGU+MjAyNi0w\
            Mi2SMTFUMDg6MTU6NDJaPC94bXA6Q3JlYXRlRGF0ZT48L3JkZjpEZXNjcmlwaTwvdG9u///////////////////////////////////////\
            ///////////////////8+cmRmOlJERj48L3g6eG1wbWV0YT48P3hwYWNrPz4=
            """
    )!

    @Test("an XMP processing instruction without data does not crash the reader")
    func processingInstructionWithoutData() {
        let text = String(decoding: Self.processingInstructionCrash, as: UTF8.self)
        _ = XMPPacket.description(in: text)
        _ = GenerationInfoParser.parse([TextChunk(kind: .iTXt, keyword: "XML:com.adobe.xmp", text: text)])
        for packet in ["<?a?><x/>", "<?a", "<?", "<x>t</x><?pi", "<?xpacket?><x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>"] {
            _ = XMPPacket.description(in: packet)
        }
    }

    @Test("processing instructions are skipped wherever they are, and text that looks like one is kept")
    func processingInstructions() {
        let ours = XMPPacket.make(
            description: "a <?php ?> prompt", creatorTool: "gptimg", createDate: "2026-01-01T00:00:00Z")
        #expect(XMPPacket.description(in: ours) == "a <?php ?> prompt")
        let dc = #"xmlns:dc="http://purl.org/dc/elements/1.1/""#
        #expect(
            XMPPacket.description(in: "<?a?><r \(dc)><?b c?><dc:description>x<?d?>y</dc:description></r><?e?>") == "xy")
        #expect(XMPPacket.description(in: "<r \(dc)><dc:description>x</dc:description></r><?pi") == "x")
        // A processing instruction without a target is not well-formed: reading stops there.
        #expect(XMPPacket.description(in: "<r \(dc)><? no target ?><dc:description>x</dc:description></r>") == nil)
        #expect(XMPPacket.description(in: "<r \(dc)><dc:description>x<? no target ?>y</dc:description></r>") == "x")
    }
}
