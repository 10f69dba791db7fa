import Foundation
import GptimgSupport
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Files: atomic writes, reads, walks, copies, real paths")
struct FileTests {
    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-support-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("an atomic rewrite keeps the file's permissions and leaves no temporary file")
    func atomicWrite() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("image.png").path
        try AtomicFile.write(Array("first".utf8), to: path, durable: true, mode: 0o600)
        try AtomicFile.write(Array("second".utf8), to: path, durable: false)
        #expect(try AtomicFile.read(path) == Array("second".utf8))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["image.png"])
        let missing = directory.appendingPathComponent("missing/x.png").path
        #expect {
            try AtomicFile.write([1], to: missing, durable: false)
        } throws: { error in
            guard case .writeFailed(let path, _) = error as? FileError else { return false }
            return path == missing && (error as! FileError).description.hasSuffix("; the original is unchanged")
        }
    }

    @Test("a read refuses what is too large, missing or not a regular file, and never blocks on a FIFO")
    func readRefusals() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ten").path
        try AtomicFile.write(Array(repeating: 7, count: 10), to: path, durable: false)
        #expect(throws: FileError.tooLarge(path: path, limit: 9)) { try AtomicFile.read(path, maxBytes: 9) }
        #expect(try AtomicFile.read(path, maxBytes: 10).count == 10)
        #expect(throws: FileError.notRegularFile(path: directory.path)) { try AtomicFile.read(directory.path) }
        let gone = directory.appendingPathComponent("gone").path
        #expect(throws: FileError.unreadable(path: gone, reason: "No such file or directory")) {
            try AtomicFile.read(gone)
        }
        let fifo = try TrapFIFO(at: directory.appendingPathComponent("fifo").path)
        let run = withDeadline(10, onDeadline: { fifo.release() }) {
            #expect(throws: FileError.notRegularFile(path: fifo.path)) { try AtomicFile.read(fifo.path) }
        }
        #expect(!run.late)
    }

    @Test("a folder walk lists matching regular files and names the links and FIFOs it left out")
    func walk() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let root = directory.path
        try FileManager.default.createDirectory(atPath: root + "/sub/deeper", withIntermediateDirectories: true)
        for name in ["a.png", "B.PNG", "sub/c.png", "sub/deeper/d.png", "notes.txt"] {
            try AtomicFile.write([1], to: root + "/" + name, durable: false)
        }
        try FileManager.default.createSymbolicLink(atPath: root + "/link.png", withDestinationPath: root + "/a.png")
        try FileManager.default.createSymbolicLink(atPath: root + "/linked-folder", withDestinationPath: root + "/sub")
        _ = try TrapFIFO(at: root + "/pipe.png")
        let expansion = FileTree.expanding([root, root + "/notes.txt"], endingWith: [".png"])
        #expect(
            expansion.files == [
                root + "/B.PNG", root + "/a.png", root + "/sub/c.png", root + "/sub/deeper/d.png", root + "/notes.txt",
            ])
        #expect(expansion.skipped.map(\.path) == [root + "/link.png", root + "/linked-folder", root + "/pipe.png"])
        #expect(expansion.skipped[1].reason.contains("a symbolic link to a folder"))
        #expect(expansion.skipped[2].reason.contains("FIFO"))
    }

    @Test("copies and writes go through pipes whole, where the kernel cannot copy between files")
    func copyAndWriteLoops() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("source").path
        let bytes = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try AtomicFile.write(bytes, to: source, durable: false)
        let input = open(source, O_RDONLY)
        defer { close(input) }
        // File to file: copy_file_range where it can.
        let target = directory.appendingPathComponent("target").path
        let output = open(target, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        #expect(copyRange(from: input, offset: 100, count: bytes.count - 200, to: output) == nil)
        close(output)
        #expect(try AtomicFile.read(target) == Array(bytes[100..<(bytes.count - 100)]))
        // Asking for more than there is: the source "shrank".
        let spare = open(directory.appendingPathComponent("spare").path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        defer { close(spare) }
        #expect(copyRange(from: input, offset: Int64(bytes.count - 10), count: 20, to: spare) == .shrank)
        // A full pipe makes short writes: the loop goes on until all is written.
        var pipe: [Int32] = [0, 0]
        #expect(Glibc.pipe(&pipe) == 0)
        let received = ReceivedBytes()
        let reader = Thread { [pipe] in
            var collected: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while case .success(let count) = buffer.withUnsafeMutableBytes({ readSequentially(pipe[0], into: $0) }),
                count > 0
            {
                collected += buffer[0..<count]
            }
            close(pipe[0])
            received.bytes.withLock { $0 = collected }
        }
        reader.start()
        #expect(writeAll(pipe[1], bytes) == nil)
        close(pipe[1])
        try waitUntilSync { received.bytes.withLock { $0 != nil } }
        #expect(received.bytes.withLock { $0 } == bytes)
        #expect(writeAll(-1, [1]) == EBADF)
    }

    @Test("real paths: links resolved, the missing part kept, containment by whole components")
    func realPaths() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let real = try #require(RealPath.resolved(directory.path))
        try FileManager.default.createDirectory(atPath: real + "/library/images", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: real + "/alias", withDestinationPath: real + "/library")
        #expect(RealPath.resolved(real + "/alias/images") == real + "/library/images")
        #expect(RealPath.resolve(real + "/none") == .failure(FileSystemErrno(ENOENT)))
        #expect(RealPath.resolvingExistingPart(of: real + "/alias/new/out.zip") == real + "/library/new/out.zip")
        #expect(RealPath.isWithin(real + "/library/images/a.png", folder: real + "/library"))
        #expect(RealPath.isWithin(real + "/library", folder: real + "/library"))
        #expect(!RealPath.isWithin(real + "/library-2/a.png", folder: real + "/library"))
    }
}

/// What a reader thread received.
final class ReceivedBytes: Sendable {
    let bytes = Mutex<[UInt8]?>(nil)
}

/// Waits until `condition` holds, failing after 10 seconds.
func waitUntilSync(_ condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(10)
    while !condition() {
        guard Date() < deadline else { throw WaitTimedOut() }
        usleep(1000)
    }
}

struct WaitTimedOut: Error {}
