import Foundation
import GptimgSupport
import PNGMetadata

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where an export's files go: a zip file or a folder, written under the target's partial name.
protocol ExportSink: AnyObject {
    /// Adds a library image as `name`; returns the bytes written.
    func addImage(_ source: SourceFile, name: String, strip: Bool, modified: Int64) throws -> Int
    /// Adds a file the export made (manifest, index, contact sheet); text is `compressible`.
    func addFile(name: String, bytes: [UInt8], compressible: Bool, modified: Int64) throws
    /// Completes the partial and flushes it to the disk, ready to be renamed into place.
    func finish() throws
}

extension SourceFile {
    /// `--strip-metadata`: the file without generation metadata (ours and other generators':
    /// prompts, settings, workflows; `PNGEditor.stripped`), every other byte, the image data
    /// included, exactly as it was.
    func strippedBytes() throws -> [UInt8] {
        do {
            return try withBytes { try PNGEditor.stripped(Array($0), includeForeign: true) }
        } catch let error as PNGError {
            throw ExportError.sourceFile(id: id, path: path, reason: "cannot strip its metadata: \(error.description)")
        }
    }
}

/// A zip: images stored (PNG data does not deflate), text deflated.
final class ZipSink: ExportSink {
    private let path: String
    private var descriptor: Int32
    private let writer: ZipWriter

    init(path: String, forceZip64: Bool = false) throws {
        self.path = path
        descriptor = try FileIO.create(path)
        writer = ZipWriter(descriptor: descriptor, path: path, forceZip64: forceZip64)
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    func addImage(_ source: SourceFile, name: String, strip: Bool, modified: Int64) throws -> Int {
        if strip {
            let stripped = try source.strippedBytes()
            try writer.add(name: name, bytes: stripped, method: .stored, modified: modified)
            return stripped.count
        }
        return try source.withBytes { bytes in
            try writer.add(name: name, bytes: bytes, method: .stored, modified: modified)
            return bytes.count
        }
    }

    func addFile(name: String, bytes: [UInt8], compressible: Bool, modified: Int64) throws {
        try writer.add(name: name, bytes: bytes, method: compressible ? .deflated : .stored, modified: modified)
    }

    func finish() throws {
        try writer.finish()
        let status = fsync(descriptor)
        let reason = errnoDescription()
        close(descriptor)
        descriptor = -1
        guard status == 0 else { throw ExportError.write(path: path, reason: reason) }
    }
}

/// A folder of files; images are copied inside the kernel when they are not stripped.
final class FolderSink: ExportSink {
    private let folder: String

    init(path: String) throws {
        guard mkdir(path, 0o755) == 0 else { throw ExportError.write(path: path, reason: errnoDescription()) }
        folder = path
    }

    func addImage(_ source: SourceFile, name: String, strip: Bool, modified: Int64) throws -> Int {
        let destination = folder + "/" + name
        var written = source.size
        let stripped = strip ? try source.strippedBytes() : nil
        try FileIO.writeFile(destination, modified: modified) { descriptor in
            if let stripped {
                try FileIO.writeAll(descriptor, stripped, path: destination)
                written = stripped.count
            } else {
                try FileIO.copy(source.descriptor, size: source.size, to: descriptor, path: destination)
            }
        }
        return written
    }

    func addFile(name: String, bytes: [UInt8], compressible: Bool, modified: Int64) throws {
        let destination = folder + "/" + name
        try FileIO.writeFile(destination, modified: modified) { try FileIO.writeAll($0, bytes, path: destination) }
    }

    func finish() throws {
        AtomicFile.syncDirectory(folder)
    }
}
