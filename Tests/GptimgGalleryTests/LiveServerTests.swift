import Dispatch
import Foundation
import GptimgCatalog
import GptimgGallery
import TestSupport
import Testing

/// The gallery on a real socket: what HTTP/1 does with the Host header, and binding errors.
@Suite("gallery server")
struct LiveServerTests {
    @Test("over a real socket: our Host is served, another is refused with 421")
    func hostOverTheWire() async throws {
        let library = try await GalleryLibrary.standard()
        let gallery = Gallery(catalog: library.catalog, configuration: GalleryConfiguration(port: 0), token: testToken)
        try await gallery.withRunning { running in
            #expect(running.url == "http://127.0.0.1:\(running.port)/")
            for host in ["127.0.0.1:\(running.port)", "localhost:\(running.port)", "[::1]:\(running.port)"] {
                let answer = try await RawHTTP.get(port: running.port, host: host, path: "/")
                #expect(answer.hasPrefix("HTTP/1.1 200"), "\(host): \(answer.prefix(80))")
            }
            for host in ["evil.example:\(running.port)", "127.0.0.1", "127.0.0.1:\(running.port + 1)"] {
                let answer = try await RawHTTP.get(port: running.port, host: host, path: "/")
                #expect(answer.hasPrefix("HTTP/1.1 421"), "\(host): \(answer.prefix(80))")
                #expect(!answer.contains("gptimg-token"))
            }
            // Two Host headers: refused even when the first is ours.
            let doubled = try await RawHTTP.send(
                port: running.port,
                "GET / HTTP/1.1\r\nHost: 127.0.0.1:\(running.port)\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
            #expect(doubled.hasPrefix("HTTP/1.1 421"), "\(doubled.prefix(80))")
            #expect(!doubled.contains("gptimg-token"))
            // No Host at all (HTTP/1.0).
            let none = try await RawHTTP.send(port: running.port, "GET / HTTP/1.0\r\nConnection: close\r\n\r\n")
            #expect(none.hasPrefix("HTTP/1.0 421") || none.hasPrefix("HTTP/1.1 421"), "\(none.prefix(80))")
        }
    }

    @Test("a port in use is one error naming the port and --port")
    func portInUse() async throws {
        let library = try await GalleryLibrary.standard()
        let first = Gallery(catalog: library.catalog, configuration: GalleryConfiguration(port: 0))
        try await first.withRunning { running in
            let second = Gallery(catalog: library.catalog, configuration: GalleryConfiguration(port: running.port))
            do {
                _ = try await second.withRunning { _ in Issue.record("a second server bound the same port") }
            } catch let error as GalleryError {
                #expect(error.description.contains("cannot serve on 127.0.0.1:\(running.port)"))
                #expect(error.description.contains("--port"))
                #expect(error.description.lowercased().contains("in use"))
            }
        }
        #expect(throws: GalleryError.invalidPort(70_000)) { try GalleryConfiguration(port: 70_000).validate() }
    }
}

/// HTTP/1 by hand over a POSIX socket, so a test controls every header byte (no client library
/// fills in Host for us). Runs on a thread of its own (`offThread`): it blocks.
enum RawHTTP {
    static func get(port: Int, host: String, path: String) async throws -> String {
        try await send(port: port, "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n")
    }

    static func send(port: Int, _ request: String) async throws -> String {
        try await offThread { try exchange(port: port, request) }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private static func exchange(port: Int, _ request: String) throws -> String {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(errno)") }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure(description: "connect: \(errno)") }
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let result = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, 0) }
            guard result > 0 else { throw Failure(description: "send: \(errno)") }
            sent += result
        }
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { break }
            response += buffer[0..<count]
            // The status line and headers are enough once the connection would stay open.
            if response.count > 1 << 20 { break }
        }
        return String(decoding: response, as: UTF8.self)
    }
}
