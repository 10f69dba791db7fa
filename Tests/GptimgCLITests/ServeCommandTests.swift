import Foundation
import TestSupport
import Testing

@testable import GptimgCLI

/// `gptimg serve`, in-process: its failures are one line naming the fix.
@Suite("gptimg serve")
struct ServeCommandTests {
    let gptimg = Gptimg()

    @Test("no library: the reading commands' error, and nothing is created")
    func noLibrary() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-serve-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let gptimg = gptimg
        let result = try #require(
            await within(60) { await gptimg(["serve", "--port", "0", "--library", folder.path]) })
        #expect(result.status == 1)
        #expect(
            result.stderr
                == """
                gptimg: no library at \(folder.path): import or generate images to create one, or choose it with \
                --library PATH or GPTIMG_LIBRARY\n
                """
        )
        #expect(!FileManager.default.fileExists(atPath: folder.path))
    }

    @Test("a port in use: one line that says to use --port")
    func portInUse() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-serve-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let library = folder.appendingPathComponent("Library").path
        #expect(await gptimg(["doctor", "--fix", "--library", library]).status == 0) // creates an empty library
        let (descriptor, port) = try Self.listen()
        defer { close(descriptor) }
        let gptimg = gptimg
        let result = try #require(
            await within(60) { await gptimg(["serve", "--port", String(port), "--library", library]) })
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("gptimg: cannot serve on 127.0.0.1:\(port): "))
        #expect(result.stderr.contains("--port"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test("a negative --max-credits or --monthly-budget: one line naming the option, before anything is served")
    func negativeLimits() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gptimg-serve-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let gptimg = gptimg
        for (option, line) in [
            ("--max-credits=-1", "gptimg: --max-credits must be a whole number of credits, 0 or more (such as 8)\n"),
            (
                "--monthly-budget=-5",
                "gptimg: --monthly-budget must be a whole number of credits, 0 or more (such as 200)\n"
            ),
        ] {
            let result = try #require(
                await within(60) { await gptimg(["serve", "--port", "0", option, "--library", folder.path]) })
            #expect(result.status == 1)
            #expect(result.stderr == line)
        }
    }

    /// A socket listening on a loopback port the system chose.
    static func listen() throws -> (Int32, Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && Glibc.listen(descriptor, 1) == 0
                    && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard descriptor >= 0, bound else { throw CocoaError(.fileWriteUnknown) }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }
}
