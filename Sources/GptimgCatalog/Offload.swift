import Dispatch
import Foundation
import GptimgSupport

/// Runs blocking work (SQLite reads and writes, decoding and encoding PNGs, file reads) on
/// Dispatch threads and awaits the result. Swift's cooperative pool has one thread per core
/// (two here): a request that held one for a 30 ms thumbnail would stall every other request,
/// the server's own I/O included.
package struct Offload: Sendable {
    private let queue: DispatchQueue
    /// Caps how many jobs run at once (at most one per core for CPU work).
    private let slots: DispatchSemaphore

    package init(label: String, width: Int) {
        queue = DispatchQueue(label: label, qos: .userInitiated, attributes: .concurrent)
        slots = DispatchSemaphore(value: max(1, width))
    }

    package func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                slots.wait()
                defer { slots.signal() }
                continuation.resume(with: Result(catching: work))
            }
        }
    }
}
