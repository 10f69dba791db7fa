import Dispatch
import GptimgAPI
import PNGRaster

/// The simulator's hosted files (`/files/<row id>-<index>.png`): procedural landscapes drawn
/// from the task's prompt, at the aspect ratio's size, encoded with libpng. An image is a pure
/// function of its task, so nothing is stored: recent files are kept in a small cache and any
/// other is drawn again on request.
///
/// Image-to-image tasks whose references are this simulator's own files blend those pictures
/// (resized to the new size) under the new render, so a variant visibly follows its source.
/// Other references (the real API's https URLs) cannot be fetched offline; they only vary the
/// seed.
actor SimulatorImages {
    /// zlib level for hosted files. Deflate dominates the time to make an image: at zlib's
    /// default (6) it took 62 % of ~230 ms; level 2 halves the total for files about 10 %
    /// larger (1.4 → 1.6 MB on average, still the 1–2 MB of a photograph from the API).
    static let compressionLevel = 2
    static let cacheCapacity = 24

    private let state: SimulatorState
    private var cache: [String: [UInt8]] = [:]
    private var recency: [String] = []
    private var inFlight: [String: Task<[UInt8], any Error>] = [:]

    init(state: SimulatorState) {
        self.state = state
    }

    /// The PNG bytes of a hosted file, or nil when no completed task has it.
    func png(named name: String) async throws -> [UInt8]? {
        if let bytes = cache[name] {
            touch(name)
            return bytes
        }
        guard let subject = await state.fileSubject(named: name) else { return nil }
        // Requests for one file while it is drawn share the one drawing.
        let drawing: Task<[UInt8], any Error>
        if let running = inFlight[name] {
            drawing = running
        } else {
            let state = self.state
            drawing = Task {
                let plan = await Self.plan(
                    request: subject.request, id: subject.id, index: subject.index, state: state, depth: 0)
                return try await Self.offload { try Self.draw(plan).pngData(compressionLevel: Self.compressionLevel) }
            }
            inFlight[name] = drawing
        }
        defer { inFlight[name] = nil }
        let bytes = try await drawing.value
        cache[name] = bytes
        touch(name)
        return bytes
    }

    private func touch(_ name: String) {
        recency.removeAll { $0 == name }
        recency.append(name)
        while recency.count > Self.cacheCapacity { cache[recency.removeFirst()] = nil }
    }

    /// What to draw for one image: its task, and the plans of the references that are this
    /// simulator's own files (up to a few generations deep: a variant of a variant of …).
    struct Plan: Sendable {
        var request: GenerateRequest
        var id: String
        var index: Int
        var sources: [Plan]
    }

    static func plan(request: GenerateRequest, id: String, index: Int, state: SimulatorState, depth: Int) async -> Plan
    {
        var sources: [Plan] = []
        if depth < 4 {
            for reference in request.referenceImages {
                guard let name = ownFileName(reference), let subject = await state.fileSubject(named: name) else {
                    continue
                }
                sources.append(
                    await plan(
                        request: subject.request, id: subject.id, index: subject.index, state: state, depth: depth + 1))
            }
        }
        return Plan(request: request, id: id, index: index, sources: sources)
    }

    /// Draws a plan: the prompt's landscape, with its sources blended under it.
    static func draw(_ plan: Plan) -> RGBAImage {
        let size = (AspectRatio(rawValue: plan.request.aspectRatio) ?? .square).pixelSize
        let variation = Hash.fnv1a(plan.id) ^ Hash.mix(UInt64(plan.index) &+ 1)
        let art = ProceduralArt.render(
            prompt: plan.request.prompt, variation: variation, width: size.width, height: size.height)
        let sources = plan.sources.compactMap { try? draw($0).resized(width: size.width, height: size.height) }
        return sources.isEmpty ? art : blend(art, under: sources)
    }

    /// Runs CPU-bound work (drawing, encoding: tens of milliseconds) on Dispatch's threads, so it
    /// never holds one of the few threads Swift's cooperative pool has (two on a two-core
    /// machine), which every request handler and client task needs.
    static func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try work() })
            }
        }
    }

    /// The references' average, 60 %, over the new render, 40 %: composition and palette of the
    /// source stay recognisable, the prompt's scene shows through.
    static func blend(_ art: RGBAImage, under sources: [RGBAImage]) -> RGBAImage {
        var pixels = art.pixels
        let weight = 0.6 / Float(sources.count)
        pixels.withUnsafeMutableBufferPointer { output in
            for offset in 0..<output.count where offset % 4 != 3 {
                var value = Float(output[offset]) * 0.4
                for source in sources { value += Float(source.pixels[offset]) * weight }
                output[offset] = UInt8(min(255, max(0, value.rounded())))
            }
        }
        return (try? RGBAImage(width: art.width, height: art.height, pixels: pixels)) ?? art
    }

    /// The file name in a reference URL that points at a simulator on this machine
    /// (`http(s)://127.0.0.1|localhost[:port]/files/<name>.png`), or nil.
    static func ownFileName(_ reference: String) -> String? {
        guard RequestValidation.isLoopback(reference), let schemeEnd = reference.range(of: "://")
        else { return nil }
        let afterScheme = reference[schemeEnd.upperBound...]
        guard let slash = afterScheme.firstIndex(of: "/") else { return nil }
        let path = afterScheme[slash...].prefix { $0 != "?" && $0 != "#" }
        guard path.hasPrefix("/files/") else { return nil }
        let name = path.dropFirst("/files/".count)
        return name.contains("/") ? nil : String(name)
    }
}
