import Foundation
import GptimgAPI
import GptimgCatalog
import GptimgGeneration
import GptimgSupport
import HTTPTypes
import Hummingbird

/// Generating from the page: `POST /api/generate`, `/api/rerun/{id}`, `/api/variant/{id}` (they
/// spend), `POST /api/tasks/{g17}/resume` (polls a recorded task, never sends it again) and
/// `GET /api/tasks` (the limits, the last balance and the stage of each generation this server
/// runs: the page polls it to turn placeholders into images).
///
/// Every POST is refused (403) without the per-start token or from another origin, as the edit
/// API is; a spending POST carries `key`, an idempotency key the page makes once per confirmed
/// click: a retried or doubled POST with the same key answers with the generation the first
/// one made and sends nothing.
enum GenerateAPI {
    static let maxBody = 64 * 1024

    static func register(_ router: Router<BasicRequestContext>, _ gallery: GalleryContext) {
        router.post("/api/generate") { request, _ in
            try await spend(request, gallery: gallery) { body, _ in
                let request = GenerateRequest(
                    prompt: try body.string("prompt"),
                    aspectRatio: try body.optionalString("aspect") ?? AspectRatio.default.rawValue,
                    n: try body.optionalInt("n") ?? 1,
                    referenceImages: try names(body, "references", limit: 4, length: 2048))
                return (request, nil)
            }
        }
        router.post("/api/rerun/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return try await spend(request, gallery: gallery) { body, catalog in
                let source = try DerivedRequest.source(try ImageKey.parse(id), in: catalog).generation
                let request = DerivedRequest.rerun(
                    of: source, n: try body.optionalInt("n"), aspect: try body.optionalString("aspect"))
                return (request, nil)
            }
        }
        router.post("/api/variant/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return try await spend(request, gallery: gallery) { body, catalog in
                guard let source = try DerivedRequest.source(try ImageKey.parse(id), in: catalog).image else {
                    throw CatalogError.noSuchImage(id)
                }
                let request = try DerivedRequest.variant(
                    of: source, prompt: try body.optionalString("prompt"), aspect: try body.optionalString("aspect"),
                    n: try body.optionalInt("n") ?? 1)
                return (request, source.image.id)
            }
        }
        router.post("/api/tasks/:ref/resume") { request, context in
            if let refused = refusal(request, gallery) { return refused }
            guard let generator = gallery.generator else { return off }
            let reference = String((context.parameters.get("ref") ?? "").prefix(80))
            let id: Int64
            do {
                id = try await generator.resume(reference)
            } catch let error as GalleryGenerator.SpendError {
                return EditAPI.error(.conflict, error.message)
            }
            return try await taskAnswer([id], gallery: gallery, status: .accepted)
        }
        router.get("/api/tasks") { request, _ in
            let wanted = (QueryString(request.uri.query)["ids"] ?? "").split(separator: ",").prefix(50)
                .compactMap { Int64($0) }
            return try await taskAnswer(wanted, gallery: gallery, status: .ok)
        }
    }

    static var off: Response {
        EditAPI.error(.notFound, "generating is off in this gallery")
    }

    /// The guard every state-changing route shares with the edit API; nil when the request passes.
    static func refusal(_ request: Request, _ gallery: GalleryContext) -> Response? {
        do {
            try EditGuard(token: gallery.token, policy: gallery.policy).check(request)
            return nil
        } catch .missingToken {
            return EditAPI.error(
                .forbidden,
                "this request lacks the gallery's token (X-Gptimg-Token): reload the page, the gallery may have been "
                    + "restarted")
        } catch {
            return EditAPI.error(.forbidden, "requests are accepted only from the gallery's own pages (same origin)")
        }
    }

    /// A spending POST: guard, body, the request `make` builds from it, then the generator.
    static func spend(
        _ request: Request, gallery: GalleryContext,
        make: @escaping @Sendable (JSONReader, Catalog) throws -> (GenerateRequest, Int64?)
    ) async throws -> Response {
        if let refused = refusal(request, gallery) { return refused }
        guard let generator = gallery.generator else { return off }
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") else {
            return EditAPI.error(.unsupportedMediaType, "send the request as application/json")
        }
        let data: [UInt8]
        do {
            data = Array(buffer: try await request.body.collect(upTo: maxBody))
        } catch {
            return EditAPI.error(.contentTooLarge, "the request is larger than \(maxBody) bytes")
        }
        let catalog = gallery.catalog
        let parsed: (GenerateRequest, GenerationOptions, String)
        do {
            parsed = try await gallery.database.run {
                let body = try JSONReader(parsing: data)
                let key = try body.string("key")
                guard (16...100).contains(key.count),
                    key.utf8.allSatisfy({ $0 == 0x2D || (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) })
                else {
                    throw Invalid(message: "\"key\" must be 16-100 characters of a-z, 0-9 and -: one per click")
                }
                let (request, parent) = try make(body, catalog)
                var options = GenerationOptions(
                    tags: try names(body, "tags", limit: 20, length: 100),
                    collection: try body.optionalString("collection").flatMap { $0.isEmpty ? nil : $0 },
                    parentImageID: parent, source: generator.settings.source)
                if options.collection.map({ $0.count > 100 }) == true {
                    throw Invalid(message: "a collection's name is at most 100 characters")
                }
                options.tags = options.tags.filter { !$0.isEmpty }
                return (request, options, key)
            }
        } catch let error as Invalid {
            return EditAPI.error(.badRequest, error.message)
        } catch let error as JSONShapeError {
            return EditAPI.error(.badRequest, "the request is not the JSON the page sends: \(error)")
        } catch let error as CatalogError {
            switch error {
            case .noSuchImage, .noSuchCollection, .noSuchGeneration: return EditAPI.error(.notFound, error.description)
            default: return EditAPI.error(.badRequest, error.description)
            }
        } catch let error as ImageKey.Invalid {
            return EditAPI.error(.notFound, error.description)
        } catch {
            return EditAPI.error(.badRequest, describeError(error))
        }
        let (generateRequest, options, key) = parsed
        let spent: (generation: Int64, repeated: Bool)
        do {
            spent = try await generator.spend(generateRequest, options: options, key: key)
        } catch {
            return EditAPI.error(error.refused ? .forbidden : .badGateway, error.message)
        }
        var answer = try await taskAnswer([spent.generation], gallery: gallery, status: .accepted)
        answer.headers[HTTPField.Name("X-Gptimg-Repeated")!] = spent.repeated ? "1" : "0"
        return answer
    }

    struct Invalid: Error {
        let message: String
    }

    /// Up to `limit` strings of at most `length` characters under `key` (absent: none).
    static func names(_ body: JSONReader, _ key: String, limit: Int, length: Int) throws -> [String] {
        let values = try body.optional(key)?.asArray().map { (value) throws(JSONShapeError) in try value.asString() }
        guard let values else { return [] }
        guard values.count <= limit, values.allSatisfy({ $0.count <= length }) else {
            throw Invalid(message: "give at most \(limit) \(key) of at most \(length) characters each")
        }
        return values
    }

    /// `{"spending": {…}, "tasks": [{…}]}`: the limits and the last balance, and the generations
    /// `ids` names (every one this server runs when `ids` is empty) with their stage, and the
    /// tiles of the images they have landed.
    static func taskAnswer(_ ids: [Int64], gallery: GalleryContext, status: HTTPResponse.Status) async throws
        -> Response
    {
        let generator = gallery.generator
        let json = try await gallery.database.run { () throws -> String in
            let catalog = gallery.catalog
            let wanted = ids.isEmpty ? (generator?.liveTasks.map(\.generation) ?? []) : ids
            var tasks: [JSONOut] = []
            for id in wanted {
                guard let record = try catalog.generation(id: id) else { continue }
                tasks.append(try taskJSON(record, live: generator?.task(id), gallery: gallery))
            }
            return JSONOut.object([
                ("spending", try spendingJSON(gallery)), ("tasks", .array(tasks)),
            ]).rendered
        }
        return EditAPI.jsonResponse(json, status: status)
    }

    /// One generation for the page: its stage (the live one while this server runs it), the
    /// API's reason when it failed, and its landed images as grid tiles (rendered here, escaped).
    static func taskJSON(_ record: GenerationRecord, live: LiveTask?, gallery: GalleryContext) throws -> JSONOut {
        let images = try gallery.catalog.images(ofGeneration: record.id)
        let details = images.isEmpty ? [] : try gallery.catalog.details(images.map(\.id))
        let stage: String
        if let live, !live.ended {
            stage = live.stage
        } else {
            stage = record.status.rawValue
        }
        return .object([
            ("generation", .int(Int(record.id))), ("ref", .string(GenerationReference.text(record.id))),
            ("task_id", .optional(record.taskID)), ("status", .string(record.status.rawValue)),
            ("stage", .string(stage)), ("running", .bool(live.map { !$0.ended } ?? false)),
            ("prompt", .string(Pages.truncated(record.prompt, 300))), ("n", .int(record.n)),
            ("aspect", .string(record.aspectRatio)),
            ("error", .optional(record.errorMessage ?? live?.error)), ("error_code", .optional(record.errorCode)),
            ("credits", .int(record.creditsCharged - record.creditsRefunded)),
            ("images", .array(images.map { .int(Int($0.id)) })),
            ("tiles", .array(details.map { .string(Pages.tile($0, thumbs: gallery.thumbs).rendered) })),
        ])
    }

    /// What spending costs and allows now, for the prompt bar.
    static func spendingJSON(_ gallery: GalleryContext) throws -> JSONOut {
        guard let generator = gallery.generator else { return .null }
        let catalog = gallery.catalog
        // One read of the ledger for both (`SpendingPolicy.spentThisMonth` sums the same month).
        let summary = try catalog.creditSummary()
        let month = SpendingPolicy.month(of: generator.settings.clock.now())
        let spent = summary.perMonth.first { $0.period == month }?.net ?? 0
        var members: [(String, JSONOut)] = [
            ("credits_per_image", .int(APIContract.creditsPerImage)),
            ("max_credits", .int(generator.settings.maxCreditsPerRequest)),
            ("spent_this_month", .int(spent)),
            (
                "last_balance",
                summary.lastBalance.map { .object([("credits", .int($0.credits)), ("at", .string($0.at))]) } ?? .null
            ),
        ]
        // What would stop a request before it is sent (a malformed budget, no key), said up front.
        var problem: String?
        do {
            let policy = try generator.policy()
            members.append(("monthly_budget", policy.monthlyBudget.map(JSONOut.int) ?? .null))
            members.append(("remaining_this_month", policy.remaining(spentThisMonth: spent).map(JSONOut.int) ?? .null))
        } catch {
            problem = describeError(error)
        }
        do {
            _ = try generator.client()
        } catch {
            problem = problem ?? describeError(error)
        }
        members.append(("problem", .optional(problem)))
        return .object(members)
    }
}
