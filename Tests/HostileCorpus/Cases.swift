import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Every hostile input of issue 14, and a few more of the same families: what it is, how it
/// is made, which commands run on it, what a correct gptimg does with it, and how much it may
/// legitimately store (its payload: the disk and output bounds grow with it).
public struct HostileCase: Sendable {
    public enum Family: String, Sendable {
        /// A PNG file, or a folder of files given to `import` and `meta read`.
        case file
        /// A zip archive given to `import`.
        case zip
        /// A library whose catalog or images were tampered with (built afresh for every command).
        case catalog
        /// Requests to the gallery of a library holding one ordinary image.
        case request
    }

    /// What a file-family input is on disk.
    public enum Entry: Sendable {
        case bytes([UInt8])
        case fifo
        /// A symbolic link to `target`, a path relative to the world's folder (`outside/…`).
        case link(String)
    }

    public let name: String
    /// The numbered defects of issue 14 it exercises.
    public let items: String
    public let summary: String
    /// Quick to make and, when gptimg is right, quick to run: `make test` runs these.
    public let fast: Bool
    public let family: Family
    /// The bytes a correct gptimg may keep from this input (see `HostileBounds`).
    public let payloadBytes: Int
    /// What a correct gptimg does, per command (the bounds apply to every command anyway).
    public let expectations: [HostileCommand: [Expectation]]
    /// file and zip: the input, as one file (the first entry) or a folder of entries
    /// (`inputIsFolder`). Made when asked for, not when the case list is built.
    let makeEntries: @Sendable () -> [(String, Entry)]
    public let inputIsFolder: Bool
    /// catalog: how the library is tampered with.
    public let scenario: CatalogScenario?
    /// request: the gallery paths asked for, beyond the usual ones.
    public let requests: [String]

    public func entries() -> [(String, Entry)] { makeEntries() }

    /// The name the input gets in a run's folder.
    public var inputName: String { inputIsFolder ? name : (fileName ?? name) }
    let fileName: String?
}

/// What a correct gptimg does with an input, checked after the command ran.
public enum Expectation: Sendable, Hashable {
    /// Exit status 0.
    case succeeds
    /// A non-zero exit status and one line on stderr.
    case refused
    /// After `import`, the catalog holds exactly this many images.
    case imports(Int)
    /// After `import`, the catalog holds at most this many images (an archive whose entries
    /// alias one another: keeping the first, or none, are both right).
    case importsAtMost(Int)
    /// The output names each of these (zip entries or files reported as skipped).
    case mentions([String])
    /// No raw control or bidirectional-formatting character in the text output (JSON output
    /// is exempt: it escapes them).
    case cleanTerminalOutput
    /// The gallery answers the case's own request with this status.
    case httpStatus(Int)
    /// Every aspect ratio in the catalog is one of the API's or W:H digits.
    case validAspectRatios
    /// This SQL on the catalog gives this integer afterwards.
    case catalogQuery(String, Int)
    /// The catalog file is still exactly this many bytes.
    case catalogBytes(Int)
}

/// How a catalog case tampers with a library made by importing one ordinary image.
public enum CatalogScenario: String, Sendable {
    /// `catalog.sqlite` is an empty file.
    case zeroByteCatalog
    /// The image row's path is `../victim.txt`.
    case parentPath
    /// The image row's path is the absolute path of a file outside the library.
    case absolutePath
    /// `images/linked` is a link to a folder outside the library; the row's path goes through it.
    case symlinkedFolder
    /// The row's path climbs to `/dev/zero`.
    case devZero
    /// The row's path is a FIFO inside `images/`.
    case fifo
    /// The catalog records a migration this gptimg does not know (a newer gptimg wrote it),
    /// and the image has a tag only the catalog knows.
    case newerSchema
}

/// The commands run on the inputs (the gallery's requests are listed by `HostileRunner`).
public enum HostileCommand: String, Sendable, CaseIterable, Hashable {
    case metaRead = "meta read"
    case metaReadJSON = "meta read --json"
    case metaStrip = "meta strip"
    case importInput = "import"
    case list = "list"
    case show = "show"
    case doctor = "doctor"
    case doctorFix = "doctor --fix"
    case delete = "delete"
    case rebuild = "rebuild"
    case exportContactSheet = "export --contact-sheet"
    case serve = "serve"
}

extension HostileCase {
    static func file(
        _ name: String, items: String, fast: Bool, payload: Int? = nil, _ summary: String,
        expect: [HostileCommand: [Expectation]] = [:], make: @escaping @Sendable () -> [UInt8]
    ) -> HostileCase {
        let fileName = name + ".png"
        return HostileCase(
            name: name, items: items, summary: summary, fast: fast, family: .file, payloadBytes: payload ?? 0,
            expectations: expect, makeEntries: { [(fileName, .bytes(make()))] }, inputIsFolder: false,
            scenario: nil, requests: [], fileName: fileName)
    }

    static func zip(
        _ name: String, items: String, fast: Bool, payload: Int, _ summary: String,
        expect: [HostileCommand: [Expectation]] = [:], make: @escaping @Sendable () -> [UInt8]
    ) -> HostileCase {
        let fileName = name + ".zip"
        return HostileCase(
            name: name, items: items, summary: summary, fast: fast, family: .zip, payloadBytes: payload,
            expectations: expect, makeEntries: { [(fileName, .bytes(make()))] }, inputIsFolder: false,
            scenario: nil, requests: [], fileName: fileName)
    }

    static func folder(
        _ name: String, items: String, fast: Bool, payload: Int, _ summary: String,
        expect: [HostileCommand: [Expectation]] = [:], make: @escaping @Sendable () -> [(String, Entry)]
    ) -> HostileCase {
        HostileCase(
            name: name, items: items, summary: summary, fast: fast, family: .file, payloadBytes: payload,
            expectations: expect, makeEntries: make, inputIsFolder: true, scenario: nil, requests: [], fileName: nil)
    }

    static func catalog(
        _ name: String, items: String, _ scenario: CatalogScenario, _ summary: String,
        expect: [HostileCommand: [Expectation]] = [:]
    ) -> HostileCase {
        HostileCase(
            name: name, items: items, summary: summary, fast: true, family: .catalog, payloadBytes: 0,
            expectations: expect, makeEntries: { [] }, inputIsFolder: false, scenario: scenario, requests: [],
            fileName: nil)
    }

    static func request(_ name: String, items: String, _ summary: String, path: String, status: Int) -> HostileCase {
        HostileCase(
            name: name, items: items, summary: summary, fast: true, family: .request, payloadBytes: 0,
            expectations: [.serve: [.httpStatus(status)]], makeEntries: { [] }, inputIsFolder: false, scenario: nil,
            requests: [path], fileName: nil)
    }
}

/// The corpus.
public enum HostileCorpus {
    static let mebibyte = 1 << 20

    /// Every case, fast and slow.
    public static let all: [HostileCase] = pngCases + zipCases + fifoCases + catalogCases + requestCases

    public static var fast: [HostileCase] { all.filter(\.fast) }

    public static func named(_ name: String) -> HostileCase {
        guard let found = all.first(where: { $0.name == name }) else { preconditionFailure("no hostile case \(name)") }
        return found
    }

    // MARK: - PNG files

    static let pngCases: [HostileCase] = [
        .file(
            "png-aspect-injection", items: "1", fast: true,
            "gptimg JSON whose aspect_ratio is `1:1 $(touch pwned)`: dropped with a warning, never in a command line",
            expect: [.importInput: [.succeeds, .imports(1), .validAspectRatios]]
        ) {
            PNGBuilder.image(
                seed: 11,
                textChunks: [
                    PNGBuilder.gptimgChunk(
                        PNGBuilder.gptimgJSON(
                            prompt: "a calm lake", overriding: [("aspect_ratio", .string("1:1 $(touch pwned)"))]))
                ])
        },
        .file(
            "png-hostile-values", items: "1, 6", fast: true,
            "every gptimg field hostile: backquotes in the aspect ratio, `$(…)` and `?token=` references, "
                + "an escape sequence in the model, n = 100000, index -1",
            expect: [.importInput: [.succeeds, .imports(1), .validAspectRatios]]
        ) {
            PNGBuilder.image(
                seed: 12,
                textChunks: [
                    PNGBuilder.gptimgChunk(
                        PNGBuilder.gptimgJSON(
                            prompt: "a quiet harbour",
                            overriding: [
                                ("aspect_ratio", .string("16:9`touch pwned`")), ("n", .int(100_000)),
                                ("index", .int(-1)),
                                (
                                    "reference_images",
                                    .strings(["$(touch pwned)", "https://example.com/a.png?token=secret-token"])
                                ),
                                ("model", .string("gpt-image-2\u{1B}[2J\u{202E}")),
                                ("provider", .string("x; touch pwned")),
                                ("remote_url", .string("https://files.example.com/i.png?token=secret-token")),
                                ("type", .string("text-to-image'; touch pwned; '")),
                            ]))
                ])
        },
        .file(
            "png-pixels-1x100000000", items: "5", fast: true,
            "a PNG of a few dozen bytes declaring 1 x 100,000,000 RGBA pixels: thumbnails and contact sheets "
                + "must not allocate them"
        ) { pixelBomb(seed: 0) },
        .folder(
            "folder-pixels-1x100000000-x8", items: "5", fast: true, payload: 0,
            "eight different 1 x 100,000,000 pixel bombs, for an 8-image contact sheet and 8 thumbnails"
        ) { (0..<8).map { ("bomb-\($0).png", HostileCase.Entry.bytes(pixelBomb(seed: $0))) } },
        .file(
            "png-pixels-honest-8192", items: "5", fast: false, payload: 256 << 10,
            "an honest 8192 x 8192 RGB image of 200 KB that really inflates to 201 MB of pixels: decoded in "
                + "bounded memory or refused"
        ) { honestLargeImage(side: 8192) },
        .file(
            "png-ztxt-bombs-9.8MB", items: "4", fast: true, payload: 0,
            "9.8 MB of zTXt chunks, each inflating one byte past the 8 MiB per-chunk cap (20 s of CPU before)"
        ) { textBombs(total: 9_800_000, inflatedBytes: (8 << 20) + 1, finished: true) },
        .file(
            "png-ztxt-malformed-9.8MB", items: "4", fast: true, payload: 0,
            "9.8 MB of zTXt chunks, each inflating 8 MiB - 4 KiB then ending without its final block"
        ) { textBombs(total: 9_800_000, inflatedBytes: (8 << 20) - 4096, finished: false) },
        .file(
            "png-bad-crc-9.8MB", items: "4", fast: true, payload: 0,
            "9.8 MB of tiny tEXt chunks with wrong CRCs (about 650,000 of them)"
        ) { badCRCChunks(total: 9_800_000) },
        .file(
            "png-nul-text-64MiB", items: "4", fast: true, payload: 0,
            "64 MiB of NULs in eight zTXt chunks (the 818 KB file that grew the catalog by 403 MB)"
        ) { nulText() },
        .file(
            "png-prompt-8MB", items: "9", fast: true, payload: 8_000_000,
            "an 8 MB prompt in the gptimg JSON: gallery tiles get a bounded excerpt"
        ) {
            PNGBuilder.image(
                seed: 13, textChunks: [PNGBuilder.gptimgChunk(PNGBuilder.gptimgJSON(prompt: longPrompt(8_000_000)))])
        },
        .file(
            "png-terminal-escapes", items: "9", fast: true,
            "escape sequences, BEL, C1 controls and bidi overrides in the prompt, tags and a Comment",
            expect: [
                .importInput: [.succeeds, .imports(1)], .metaRead: [.cleanTerminalOutput],
                .list: [.cleanTerminalOutput],
                .show: [.cleanTerminalOutput],
            ]
        ) {
            let prompt =
                "a red door \u{1B}]0;owned\u{07}\u{1B}[2J\u{202E}rood\u{202C} \u{9B}31m \u{2066}isolate\u{2069}"
            return PNGBuilder.image(
                seed: 14,
                textChunks: [
                    PNGBuilder.gptimgChunk(
                        PNGBuilder.gptimgJSON(prompt: prompt, overriding: [("tags", .strings(["\u{1B}[31mred"]))])),
                    PNGBuilder.tEXt("Comment", Array("beep\u{07}\u{1B}[1A\r overwritten".utf8)),
                ])
        },
    ]

    /// 1 x 100,000,000 RGBA, with ten rows of real image data: the header is all that is big.
    static func pixelBomb(seed: Int) -> [UInt8] {
        let rows = [UInt8](repeating: 0, count: 10 * 5)
        return PNGBuilder.signature + PNGBuilder.header(width: 1, height: 100_000_000, colorType: 6)
            + PNGBuilder.tEXt("Comment", Array("bomb \(seed)".utf8))
            + PNGBuilder.chunk("IDAT", Zlib.compress(rows)) + PNGBuilder.end
    }

    /// An RGB image of side x side zero pixels, its IDAT written at DEFLATE's best ratio.
    static func honestLargeImage(side: Int) -> [UInt8] {
        var stream = ZlibWriter()
        stream.run(of: 0, count: side * (1 + side * 3))
        return PNGBuilder.signature + PNGBuilder.header(width: UInt32(side), height: UInt32(side))
            + PNGBuilder.chunk("IDAT", stream.finished()) + PNGBuilder.end
    }

    /// zTXt chunks (one stream, a different keyword each) filling a file of about `total` bytes.
    static func textBombs(total: Int, inflatedBytes: Int, finished: Bool) -> [UInt8] {
        var writer = ZlibWriter()
        writer.run(of: 0x41, count: inflatedBytes)
        let stream = finished ? writer.finished() : writer.unfinished()
        return fill(total: total) { index in PNGBuilder.zTXt("Comment" + padded(index, 5), stream: stream) }
    }

    static func badCRCChunks(total: Int) -> [UInt8] {
        let bad = PNGBuilder.tEXt("a", [0x62], validCRC: false)
        let base = PNGBuilder.image(seed: 15)
        let count = max(1, (total - base.count) / bad.count)
        var chunks: [UInt8] = []
        chunks.reserveCapacity(count * bad.count)
        for _ in 0..<count { chunks += bad }
        return PNGBuilder.inserting(chunks, beforeImageDataOf: base)
    }

    static func nulText() -> [UInt8] {
        var writer = ZlibWriter()
        writer.run(of: 0, count: (8 << 20) - 1024)
        let stream = writer.finished()
        let chunks = (1...8).flatMap { PNGBuilder.zTXt("Comment\($0)", stream: stream) }
        return PNGBuilder.inserting(chunks, beforeImageDataOf: PNGBuilder.image(seed: 16))
    }

    /// A small image with chunks from `make(index)` before its IDAT, up to about `total` bytes.
    static func fill(total: Int, _ make: (Int) -> [UInt8]) -> [UInt8] {
        let base = PNGBuilder.image(seed: 17)
        var chunks: [UInt8] = []
        chunks.reserveCapacity(total)
        var index = 0
        while true {
            let next = make(index)
            if base.count + chunks.count + next.count > total { break }
            chunks += next
            index += 1
        }
        return PNGBuilder.inserting(chunks, beforeImageDataOf: base)
    }

    static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Words, so the search index has something to do, up to `length` bytes.
    static func longPrompt(_ length: Int) -> String {
        let words = ["misty", "lighthouse", "harbour", "calm", "lake", "watercolor", "dawn", "cliff", "storm", "gull"]
        let encoded = words.map { Array((" " + $0).utf8) }
        var random = HostileRandom(seed: 99)
        var out = Array("a very long prompt:".utf8)
        out.reserveCapacity(length + 16)
        while out.count < length - 12 {
            out += encoded[Int(random.next() % UInt64(encoded.count))]
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension HostileCorpus {
    /// Writes a file or zip case's input under `directory` (a folder case as a folder of its
    /// entries; links point into `directory/outside/`). Returns the bytes written; catalog and
    /// request cases have no input file (their libraries are built when they run).
    @discardableResult
    public static func write(_ testCase: HostileCase, into directory: String) throws -> Int {
        guard testCase.family == .file || testCase.family == .zip else { return 0 }
        let folder = testCase.inputIsFolder ? directory + "/" + testCase.name : directory
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var total = 0
        for (name, entry) in testCase.entries() {
            let target = folder + "/" + name
            try? FileManager.default.removeItem(atPath: target)
            switch entry {
            case .bytes(let bytes):
                try World.write(bytes, to: target)
                total += bytes.count
            case .fifo:
                guard mkfifo(target, 0o644) == 0 else { throw MeasuredProcess.posixError("mkfifo \(target)") }
            case .link(let relative):
                let destination = directory + "/" + relative
                try FileManager.default.createDirectory(
                    atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                if !FileManager.default.fileExists(atPath: destination) {
                    try World.write(PNGBuilder.image(seed: 98), to: destination)
                }
                guard symlink(destination, target) == 0 else { throw MeasuredProcess.posixError("symlink \(target)") }
            }
        }
        return total
    }
}
