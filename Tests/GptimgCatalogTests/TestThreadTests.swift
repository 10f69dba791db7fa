import Foundation
import GptimgCatalog
import TestSupport
import Testing

/// The harness's own threads (`withDeadline`, `detachThread`) let go of what their bodies captured
/// while the thread still runs normally: a catalog released by a thread's TLS destructors is
/// closed by a libdispatch that has already freed that thread's state (see `detachThread`).
@Suite("test threads let go of what they captured")
struct TestThreadTests {
    final class Watch: @unchecked Sendable {
        weak var catalog: Catalog?
    }

    @Test("withDeadline returns once its body has returned and the catalog it held is closed")
    func withDeadlineReleasesItsBody() throws {
        let library = try TemporaryLibrary()
        // Whether the thread lets go before it ends is a race when it does not: 20 rounds.
        for round in 0..<20 {
            let watch = Watch()
            // The body's closure holds the only reference to the catalog.
            let run = withDeadline(20, onDeadline: {}) { [catalog = try? library.open()] in
                watch.catalog = catalog
                _ = try? catalog?.count()
            }
            #expect(!run.late)
            #expect(watch.catalog == nil, "round \(round): the body's thread still held the catalog")
        }
    }
}
