import Hummingbird

/// Runs a Hummingbird application for the length of a closure: the simulator and the gallery
/// both start a server on loopback, hand its port to their caller (tests, `gptimg demo`, the
/// commands), and stop it when the caller is done.
public enum LoopbackServing {
    /// Builds the application with `make` (whose `onServerRunning` must report the port it
    /// listens on to the given callback), runs it, calls `body` with that port, and
    /// stops it when `body` returns or throws. A server that cannot start throws
    /// `cannotListen(reason)`, the reason in words (see `reason(_:)`).
    public static func withRunning<App: ApplicationProtocol, T>(
        _ make: (_ onListening: @escaping @Sendable (_ port: Int) async -> Void) -> App,
        cannotListen: @escaping @Sendable (_ reason: String) -> any Error,
        _ body: (_ port: Int) async throws -> T
    ) async throws -> T {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = make { port in
            continuation.yield(port)
            continuation.finish()
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { continuation.finish() }
                do {
                    try await app.run()
                } catch {
                    throw cannotListen(reason(error))
                }
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                try await group.next()  // the server's own error
                throw cannotListen("the server stopped")
            }
            let result = try await body(port)
            group.cancelAll()
            return result
        }
    }

    /// Returns when the task is cancelled (Ctrl-C in `gptimg simulator` and `gptimg serve`).
    public static func untilCancelled() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
    }

    /// NIO's errors read like `bind(descriptor:ptr:bytes:): Address already in use (errno: 98)`:
    /// keep the human part.
    public static func reason(_ error: any Error) -> String {
        let text = String(describing: error)
        guard let colon = text.range(of: "): ", options: .backwards) else { return text }
        return String(text[colon.upperBound...])
    }
}
