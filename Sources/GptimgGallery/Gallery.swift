import Foundation
import GptimgCatalog
import Hummingbird
import Logging
import LoopbackServing

/// How `gptimg serve` runs.
public struct GalleryConfiguration: Sendable, Hashable {
    /// Always loopback: the gallery holds a user's history and will one day spend their credits.
    public var host = "127.0.0.1"
    /// 0 lets the system choose a free port.
    public var port = 8765
    /// Thumbnails per grid page.
    public var pageSize = 100
    /// The box thumbnails fit in.
    public var thumbnailSize = ThumbnailStore.defaultSize
    /// How long a connection may sit idle, between requests or before a request's head has all
    /// arrived, before the server closes it: idle connections otherwise stayed open forever, and
    /// a client that never finished its head held one (see `LoopbackServing.http1`).
    public var idleTimeout = GalleryConfiguration.defaultIdleTimeout

    /// 15 seconds: over loopback a new connection costs microseconds, so a browser loses
    /// nothing when one it kept is closed; a page's requests follow each other much closer.
    public static let defaultIdleTimeout = Duration.seconds(15)

    public init(
        port: Int = 8765, pageSize: Int = 100, thumbnailSize: Int = ThumbnailStore.defaultSize,
        idleTimeout: Duration = GalleryConfiguration.defaultIdleTimeout
    ) {
        self.port = port
        self.pageSize = pageSize
        self.thumbnailSize = thumbnailSize
        self.idleTimeout = idleTimeout
    }

    public func validate() throws {
        guard (0...65_535).contains(port) else { throw GalleryError.invalidPort(port) }
    }
}

/// The web gallery over one library: server-rendered pages of its catalog on 127.0.0.1.
/// `gptimg serve` runs it until interrupted; tests run it in-process (on a port the system
/// chooses) or hand its application to HummingbirdTesting.
public struct Gallery: LoopbackService {
    public let catalog: Catalog
    public let configuration: GalleryConfiguration
    /// The secret every edit must carry; new at every start.
    public let token: EditToken
    private let logger: Logger
    /// Generating from the page (`serve` always has it; nil shows the library only).
    let generator: GalleryGenerator?

    public init(
        catalog: Catalog, configuration: GalleryConfiguration = GalleryConfiguration(), token: EditToken = .random(),
        logger: Logger = Logger(label: "gptimg.gallery", factory: { _ in SwiftLogNoOpLogHandler() }),
        generating: GalleryGenerating? = nil
    ) {
        self.catalog = catalog
        self.configuration = configuration
        self.token = token
        self.logger = logger
        generator = generating.map { GalleryGenerator(settings: $0, catalog: catalog) }
    }

    /// The Hummingbird application (HummingbirdTesting runs it with `.router`).
    public func application() -> some ApplicationProtocol {
        application { _ in }
    }

    /// The application; `onListening` gets the port once it listens (after the Host check has
    /// learnt it: `--port 0` leaves it to the system).
    func application(onListening: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let port = BoundPort(configuration.port)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let context = GalleryContext(
            catalog: catalog, thumbs: ThumbnailStore(library: catalog.location, size: configuration.thumbnailSize),
            token: token, port: port,
            pageSize: max(1, configuration.pageSize), database: Offload(label: "gptimg.gallery.database", width: 4),
            pixels: Offload(label: "gptimg.gallery.pixels", width: cores), generator: generator)
        return Application(
            router: buildRouter(context),
            server: LoopbackServing.http1(idleTimeout: configuration.idleTimeout),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                port.value = channel.localAddress?.port ?? 0
                await onListening(port.value)
            },
            logger: logger)
    }

    /// Starts the server, runs `body` with its address, and stops the server when `body`
    /// returns or throws (or the surrounding task is cancelled).
    @discardableResult
    public func withRunning<T>(_ body: (RunningGallery) async throws -> T) async throws -> T {
        try configuration.validate()
        let configuration = self.configuration
        return try await LoopbackServing.withRunning { onListening in
            application(onListening: onListening)
        } cannotListen: { reason in
            GalleryError.cannotListen(host: configuration.host, port: configuration.port, reason: reason)
        } _: { port in
            try await body(RunningGallery(url: "http://\(configuration.host):\(port)/", port: port))
        }
    }
}

/// A gallery that is listening.
public struct RunningGallery: Sendable {
    /// `http://127.0.0.1:<port>/`
    public let url: String
    public let port: Int
}
