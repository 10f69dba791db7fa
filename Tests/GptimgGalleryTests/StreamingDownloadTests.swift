import Dispatch
import Foundation
import GptimgCatalog
import GptimgGallery
import GptimgSimulator
import PNGRaster
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The zip download is streamed: the response starts before the archive is made, and each
/// library file is read only when its turn comes.
@Suite("gallery download streaming", .serialized)
struct StreamingDownloadTests {
    /// Noise does not deflate: each image's PNG is about its raw size.
    static func noisy(seed: Int, side: Int) throws -> [UInt8] {
        var generator = SplitMix64(seed: UInt64(seed + 1))
        var pixels = [UInt8](repeating: 255, count: side * side * 4)
        // Eight bytes a draw; alpha stays opaque.
        for start in stride(from: 0, to: pixels.count, by: 8) {
            var word = generator.next()
            for index in start..<start + 8 {
                if index % 4 != 3 { pixels[index] = UInt8(truncatingIfNeeded: word) }
                word >>= 8
            }
        }
        return try RGBAImage(width: side, height: side, pixels: pixels).pngData()
    }

    @Test("a 12 MB download starts before its last image is read: the zip holds that file as it was then")
    func streamed() async throws {
        let library = try await GalleryLibrary(
            (0..<12).map {
                GalleryLibrary.Spec(
                    prompt: "noise \($0)", task: "gpt-image-2-NOISE\(String(format: "%015d", $0))", width: 8, height: 8,
                    created: String(format: "2026-09-01T10:%02d:00Z", $0))
            })
        // The fixture's images are small: each is replaced by 1 MB of noise, then re-imported.
        let folder = library.folder.appendingPathComponent("noise")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for index in 0..<12 {
            try Data(try Self.noisy(seed: index, side: 512)).write(
                to: folder.appendingPathComponent(String(format: "%03d.png", index)))
        }
        _ = try await library.catalog.importFiles([folder.path])
        let images = try library.catalog.list("", limit: 1000).filter { $0.image.bytes > 500_000 }
        #expect(images.count == 12)
        let ids = images.map(\.image.id)
        let last = try library.catalog.location.file(of: images[images.count - 1].image).path
        let gallery = Gallery(catalog: library.catalog, configuration: GalleryConfiguration(port: 0), token: testToken)
        try await gallery.withRunning { running in
            let form = "token=\(testToken.value)&ids=" + ids.map(String.init).joined(separator: "%2C")
            let body = try await offThread {
                try HeldBackHTTP.post(
                    port: running.port, path: "/download", form: form,
                    afterFirstBytes: {
                        // The response has begun; the last image has not been read yet (the server
                        // is held back by this reader): change its bytes in place, same size.
                        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: last))
                        defer { try? handle.close() }
                        try handle.seek(toOffset: 100_000)
                        try handle.write(contentsOf: Data(repeating: 0x5A, count: 4096))
                    })
            }
            #expect(body.headers.lowercased().contains("transfer-encoding: chunked"))
            #expect(!body.headers.lowercased().contains("content-length"))
            let path = library.folder.appendingPathComponent("streamed.zip").path
            try Data(body.body).write(to: URL(fileURLWithPath: path))
            let files = try ZipContents.read(path)
            #expect(files.count == 13)
            let onDisk = Array(try Data(contentsOf: URL(fileURLWithPath: last)))
            #expect(onDisk[100_000..<104_096].allSatisfy { $0 == 0x5A })
            // The zip holds the changed bytes: the file was read after the response started.
            let names = files.keys.filter { $0.hasPrefix("012-") }
            #expect(names.count == 1)
            let streamedBytes = files[names.first ?? ""] ?? []
            let holdsChange = streamedBytes == onDisk
            #expect(holdsChange, "the zip's copy of the last image is not the file as it was when its turn came")
        }
    }
}

/// HTTP/1.1 over a blocking socket with a small receive buffer (so a server that streams is held
/// back while this reader waits), for what a test must see happen mid-response.
enum HeldBackHTTP {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    struct Answer: Sendable {
        var headers: String
        var body: [UInt8]
    }

    /// POSTs `form`; once the head and some body bytes are in, runs `afterFirstBytes`, then reads
    /// the rest (the connection closes at the end) and returns the body, de-chunked.
    static func post(port: Int, path: String, form: String, afterFirstBytes: () throws -> Void) throws -> Answer {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket: \(errno)") }
        defer { close(socket) }
        var size: Int32 = 32 * 1024
        setsockopt(socket, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure(description: "connect: \(errno)") }
        let request =
            "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nOrigin: http://127.0.0.1:\(port)\r\n"
            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(form.utf8.count)\r\n"
            + "Connection: close\r\n\r\n" + form
        let bytes = Array(request.utf8)
        guard send(socket, bytes, bytes.count, 0) == bytes.count else { throw Failure(description: "send: \(errno)") }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var called = false
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count < 0 { throw Failure(description: "recv: \(errno)") }
            if count == 0 { break }
            received += buffer[0..<count]
            if !called, let end = received.firstRange(of: separator), received.count > end.upperBound + 64 {
                called = true
                try afterFirstBytes()
            }
        }
        guard called, let end = received.firstRange(of: separator) else {
            throw Failure(description: "the answer ended before its body: \(String(decoding: received, as: UTF8.self))")
        }
        let headers = String(decoding: received[..<end.lowerBound], as: UTF8.self)
        return Answer(headers: headers, body: try dechunk(Array(received[end.upperBound...])))
    }

    static func dechunk(_ data: [UInt8]) throws -> [UInt8] {
        var body: [UInt8] = []
        var index = 0
        let lineEnd: [UInt8] = [13, 10]
        while index < data.count {
            guard let end = data[index...].firstRange(of: lineEnd) else { throw Failure(description: "a cut chunk") }
            let sizeText = String(decoding: data[index..<end.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";")[0], radix: 16) else {
                throw Failure(description: "a bad chunk size '\(sizeText.prefix(20))'")
            }
            if size == 0 { return body }
            let start = end.upperBound
            guard start + size + 2 <= data.count else { throw Failure(description: "a cut chunk") }
            body += data[start..<start + size]
            index = start + size + 2
        }
        throw Failure(description: "no last chunk")
    }
}
