import Foundation
import HostileCorpus
import TestSupport
import Testing

/// The built gptimg on the fast half of the hostile corpus (issue 14): every command asked for
/// must keep the bounds of `HostileBounds` (2 s of CPU, 256 MiB, 10 s, a disk and output
/// budget), leave everything outside the library as it was, create no `pwned`, and do what the
/// case expects (`HostileCase.expectations`). Slow cases run in bench/hostile.sh only.
///
/// Serialized: the wall-clock bound means something only when the cases do not share the cores
/// with each other. A command is killed after 10 s of wall time or 3 s of CPU time.
@Suite("Hostile inputs", .serialized)
struct HostileInputTests {
    static let gptimg = BuiltProduct.path("gptimg")

    /// Runs `commands` on the case `name` and returns what broke, with the whole table as the
    /// failure's comment.
    func run(
        _ name: String, _ commands: [HostileCommand], imagePages: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> HostileReport {
        // Without GNU time a child's peak RSS would start at this test process's own.
        try #require(MeasuredProcess.hasTimeTool, "GNU time (/usr/bin/time) is not installed: run `make deps`")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gptimg-hostile-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var runner = HostileRunner(gptimg: Self.gptimg, directory: folder, timeoutSeconds: 10, cpuLimitSeconds: 3)
        runner.requestImagePages = imagePages
        // On a thread of its own: the commands run for seconds, and the cooperative pool is shared.
        let report = try await offThread { [runner] in try runner.run(HostileCorpus.named(name), commands: commands) }
        #expect(report.rows.count >= commands.count, "a command did not run", sourceLocation: sourceLocation)
        #expect(report.problems.isEmpty, Comment(rawValue: report.rendered()), sourceLocation: sourceLocation)
        return report
    }

    // MARK: - 1. Values read from files, and the command lines made of them

    @Test("1: an aspect ratio of `1:1 $(touch pwned)` is dropped at import and never reaches a command line")
    func aspectInjection() async throws {
        _ = try await run("png-aspect-injection", [.importInput, .show, .serve])
    }

    @Test("1, 6: every hostile gptimg field is checked; the gallery's command line runs nothing else")
    func hostileValues() async throws {
        _ = try await run("png-hostile-values", [.importInput, .serve])
    }

    // MARK: - 2. Paths taken from the catalog

    @Test("2: a row path of ../victim.txt: doctor, doctor --fix and delete neither read nor move the file")
    func parentPath() async throws {
        _ = try await run("catalog-path-parent", [.doctor, .doctorFix, .delete])
    }

    @Test("2: an absolute row path: doctor, doctor --fix and delete neither read nor move the file")
    func absolutePath() async throws {
        _ = try await run("catalog-path-absolute", [.doctor, .doctorFix, .delete])
    }

    @Test("2: a row path through a linked folder: doctor, doctor --fix and delete neither read nor move the file")
    func symlinkedFolder() async throws {
        _ = try await run("catalog-path-symlinked-folder", [.doctor, .doctorFix, .delete])
    }

    @Test("2: a row path climbing to /dev/zero: doctor ends within its bounds")
    func devZero() async throws {
        _ = try await run("catalog-path-dev-zero", [.doctor])
    }

    @Test("2: a row path that is a FIFO: doctor does not hang")
    func fifoRow() async throws {
        _ = try await run("catalog-path-fifo", [.doctor])
    }

    // MARK: - 3. Zip archives

    @Test("3: compressed size 0 in the headers over 100 MB of DEFLATE: the entry is refused, nothing lands")
    func sizeZeroBomb() async throws {
        _ = try await run("zip-size0-bomb-100MB", [.importInput])
    }

    @Test("3: 40 entries aliasing one 20 MB entry: the aliases refused, within the archive's budget")
    func aliases() async throws {
        _ = try await run("zip-alias-40x20MB", [.importInput])
    }

    @Test("3: 300 overlapping entries of one 1 MB PNG: the overlaps refused, within the archive's budget")
    func overlapping() async throws {
        _ = try await run("zip-overlap-300x1MB", [.importInput])
    }

    @Test("3: an encrypted entry among four is reported as skipped and the other three are imported")
    func encryptedEntry() async throws {
        _ = try await run("zip-encrypted-2-of-4", [.importInput])
    }

    @Test("3 (control): an honest 1000:1 entry is refused by the ratio guard")
    func ratioBomb() async throws {
        _ = try await run("zip-ratio-bomb", [.importInput])
    }

    // MARK: - 4. Text-chunk budgets

    @Test("4: 9.8 MB of zTXt chunks each inflating past the per-chunk cap: meta read within bounds")
    func textBombs() async throws {
        _ = try await run("png-ztxt-bombs-9.8MB", [.metaRead])
    }

    @Test("4: 9.8 MB of malformed zTXt chunks that inflate 8 MiB each: meta read within bounds")
    func malformedText() async throws {
        _ = try await run("png-ztxt-malformed-9.8MB", [.metaRead])
    }

    @Test("4: 9.8 MB of text chunks with bad CRCs: meta read within bounds")
    func badCRCs() async throws {
        _ = try await run("png-bad-crc-9.8MB", [.metaRead])
    }

    @Test("4: 64 MiB of NULs in text: meta read --json and import stay within their output and disk budgets")
    func nulText() async throws {
        _ = try await run("png-nul-text-64MiB", [.metaReadJSON, .importInput])
    }

    // MARK: - 5. Pixels

    @Test("5: a 1 x 100,000,000 PNG: thumbnails (again, and 8 at once) in bounded memory, the failure remembered")
    func pixelBombThumbnails() async throws {
        let report = try await run("png-pixels-1x100000000", [.serve])
        // The second request for the same thumbnail must not decode again.
        let again = report.rows.first { $0.command.hasPrefix("GET /thumb/") && $0.command.hasSuffix("again") }
        #expect(again != nil)
        if let again {
            #expect(
                again.measurement.cpuSeconds < 0.25, "the second request cost \(again.measurement.cpuSeconds) s of CPU")
        }
    }

    @Test("5: a contact sheet of eight pixel bombs in bounded memory")
    func pixelBombContactSheet() async throws {
        _ = try await run("folder-pixels-1x100000000-x8", [.exportContactSheet])
    }

    // MARK: - 7. Catalogs

    @Test("7: a 0-byte catalog.sqlite is refused as damaged and left as it is")
    func zeroByteCatalog() async throws {
        _ = try await run("catalog-zero-bytes", [.list])
    }

    @Test("7: rebuild refuses a catalog written by a newer gptimg and keeps its tags")
    func newerSchema() async throws {
        _ = try await run("catalog-newer-schema", [.rebuild])
    }

    // MARK: - 8. FIFOs

    @Test("8: meta read, meta strip and import refuse a FIFO at once")
    func fifoInput() async throws {
        _ = try await run("fifo-as-png", [.metaRead, .metaStrip, .importInput])
    }

    @Test("8: a folder import reports its FIFO and its link as skipped")
    func folderWithFIFOAndLink() async throws {
        _ = try await run("folder-fifo-and-link", [.importInput])
    }

    // MARK: - 9. The gallery and the terminal

    @Test("9: /?q=a%00b is a 400")
    func nulQuery() async throws {
        _ = try await run("gallery-nul-query", [.serve])
    }

    @Test("9: a grid page with an 8 MB prompt stays small and quick")
    func longPrompt() async throws {
        // The image page shows the whole prompt, as it should: only the grid is asked for here
        // (bench/hostile.sh measures the image page too, in a release build).
        _ = try await run("png-prompt-8MB", [.serve], imagePages: false)
    }

    @Test("9: escape sequences and bidi overrides never reach the terminal raw")
    func terminalEscapes() async throws {
        _ = try await run("png-terminal-escapes", [.importInput, .list, .show, .metaRead])
    }

    @Test("9: zip entry names with bidi overrides and escapes are printed escaped")
    func bidiEntryNames() async throws {
        _ = try await run("zip-bidi-names", [.importInput])
    }
}
