import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

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
                try await group.next() // the server's own error
                throw cannotListen("the server stopped")
            }
            let result = try await body(port)
            group.cancelAll()
            return result
        }
    }

    /// Returns when the task is cancelled (Ctrl-C in `gptimg simulator` and `gptimg serve`).
    static func untilCancelled() async {
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

/// A server that runs on loopback for the length of a closure: the gallery and the simulator.
/// Each says how it starts (`withRunning`, usually through `LoopbackServing.withRunning`); how
/// one serves until interrupted is written once, here.
public protocol LoopbackService: Sendable {
    /// What a running server tells its caller: its address, its port.
    associatedtype Running: Sendable

    /// Starts the server, runs `body` with it, and stops the server when `body` returns or
    /// throws (or the surrounding task is cancelled).
    func withRunning<T>(_ body: (Running) async throws -> T) async throws -> T
}

extension LoopbackService {
    /// Serves until the task is cancelled (Ctrl-C in `gptimg serve` and `gptimg simulator`),
    /// after `onStart`.
    public func run(onStart: (Running) async -> Void) async throws {
        try await withRunning { running in
            await onStart(running)
            await LoopbackServing.untilCancelled()
        }
    }
}

// MARK: - HTTP/1

extension LoopbackServing {
    /// Hummingbird's HTTP/1 server with the two things it leaves out:
    /// - a connection is closed once it has been idle for `idleTimeout`: between requests
    ///   (keep-alive), and while a request's head has not all arrived (Hummingbird counts only
    ///   whole heads and bodies as activity, so the same timeout bounds a slow or absent head);
    /// - a request that does not keep the connection alive (HTTP/1.0 without `Connection:
    ///   keep-alive`, or `Connection: close` in any spelling) ends it after its response.
    ///   Hummingbird closes only on a `Connection` header of exactly "close" and never sees the
    ///   version, lost when HTTP/1 parts become HTTPTypes, so an HTTP/1.0 client waited forever.
    public static func http1(idleTimeout: Duration) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            let configuration = HTTP1Channel.Configuration(idleTimeout: TimeAmount(idleTimeout))
            return ClosingHTTP1Channel(inner: HTTP1Channel(responder: responder, configuration: configuration))
        }
    }
}

/// `HTTP1Channel` with `EndsWithoutKeepAlive` right after the HTTP/1 decoder.
struct ClosingHTTP1Channel: HTTPChannelHandler {
    typealias Value = HTTP1Channel.Value
    let inner: HTTP1Channel

    var responder: HTTPChannelHandler.Responder { inner.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(EndsWithoutKeepAlive(), position: .after(decoder))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

/// Gives every request head that does not keep its connection alive (NIO's `isKeepAlive`, which
/// reads the version and the `Connection` header) exactly `Connection: close`, the one form
/// Hummingbird acts on.
final class EndsWithoutKeepAlive: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data), !head.isKeepAlive, head.headers["connection"] != ["close"]
        else {
            context.fireChannelRead(data)
            return
        }
        head.headers.replaceOrAdd(name: "connection", value: "close")
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }
}
