import Foundation
import TestSupport
import Testing

/// The harness's memory reading is the child's own, not the test process's: a child started
/// while the test process holds hundreds of megabytes must not be charged for them (the CI saw a
/// contact sheet "peak" at 307 MB that way while the test runner was large).
@Suite("measured processes")
struct MeasuredProcessTests {
    @Test("a small child of a large test process is measured small")
    func childOfALargeProcessIsMeasuredAlone() async throws {
        // 320 MiB, every page touched, held while the child runs.
        let size = 320 << 20
        let ballast = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 4096)
        defer { ballast.deallocate() }
        for offset in stride(from: 0, to: size, by: 4096) { ballast[offset] = 1 }
        let result = try await MeasuredProcess.run(["/bin/sleep", "0.3"], within: 30)
        #expect(result.status == 0)
        #expect(result.peakRSS < 64 << 20, "sleep measured at \(result.peakRSS >> 20) MB")
        #expect(ballast[size - 4096] == 1)
    }
}
