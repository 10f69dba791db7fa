import Foundation
import GptimgAPI
import GptimgSupport
import Hummingbird
import PNGMetadata

/// The routes of the gpt-image-2 API as the seeds document them, plus the hosted files and a
/// ledger endpoint of the simulator's own (`/_simulator/ledger`) for tests that check money.
func buildRouter(state: SimulatorState, images: SimulatorImages, referencePolicy: RequestValidation.ReferencePolicy)
    -> Router<BasicRequestContext>
{
    let router = Router()
    // Middleware first: a route captures the middleware present when it is added.
    router.add(middleware: APIErrorMiddleware())
    router.add(middleware: KeyInQueryMiddleware())

    router.post("/api/v1/images/generate") { request, _ -> Response in
        let key = try await authenticate(request, state: state)
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/json") else {
            throw SimulatorHTTPError(
                .invalidRequest,
                """
                Content-Type must be application/json, got \
                \(contentType.isEmpty ? "none" : String(contentType.prefix(60)))
                """
            )
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: 1 << 20)
        } catch {
            throw SimulatorHTTPError(
                .invalidRequest,
                "the request body is larger than 1 MiB; send prompt, aspect_ratio, n and reference_images only")
        }
        let generate = try parseGenerateRequest(String(buffer: body))
        if let problem = RequestValidation.problem(with: generate, references: referencePolicy) {
            throw SimulatorHTTPError(.invalidRequest, problem.message, field: problem.field)
        }
        switch await state.submit(generate, key: key) {
        case .accepted(let data):
            return jsonResponse(TaskEnvelope(data: data).json(complete: false))
        case .insufficientCredits(let required, let available):
            throw SimulatorHTTPError(
                .insufficientCredits,
                "balance \(available) is below the \(required) credits this request needs (2 × n); top up or lower n",
                required: required, available: available)
        case .internalError:
            throw SimulatorHTTPError(.internalError, "unexpected server-side failure; the credit charge was refunded")
        }
    }

    router.get("/api/v1/images/task/:id") { request, context -> Response in
        let key = try await authenticate(request, state: state)
        let taskID = context.parameters.get("id") ?? ""
        let fault = await state.fault(for: .poll)
        if case .rateLimited(let seconds) = fault {
            var response = SimulatorHTTPError(.rateLimited, "too many requests; retry after \(seconds) s").response
            response.headers[.retryAfter] = String(seconds)
            return response
        }
        guard let data = await state.poll(taskID: taskID, key: key) else {
            throw SimulatorHTTPError(.notFound, "task \(taskID.prefix(64)) not found for this API key")
        }
        let answer = TaskEnvelope(data: data).json(complete: true)
        if case .dropped = fault {
            var bytes: [UInt8] = []
            answer.render(into: &bytes)
            return cutOff(bytes, headers: [.contentType: "application/json; charset=utf-8"])
        }
        return jsonResponse(answer)
    }

    router.get("/files/:name") { _, context -> Response in
        let name = context.parameters.get("name") ?? ""
        guard let bytes = try await images.png(named: name) else {
            throw SimulatorHTTPError(.notFound, "no hosted file named \(name.prefix(64))")
        }
        let headers: HTTPFields = [.contentType: "image/png", .cacheControl: "public, max-age=31536000, immutable"]
        if case .dropped = await state.fault(for: .file) { return cutOff(bytes, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    router.get("/_simulator/ledger") { request, _ -> Response in
        let key = try await authenticate(request, state: state)
        let (entries, balance) = await state.ledger(for: key)
        let rows: [JSONOut] = entries.map { entry in
            .object([
                ("task_id", .optional(entry.taskID)), ("prompt", .string(entry.prompt)), ("n", .int(entry.n)),
                ("credits_charged", .int(entry.charged)), ("credits_refunded", .int(entry.refunded)),
                ("outcome", .string(entry.outcome)), ("at", .string(Timestamp(entry.at).iso8601Milliseconds)),
            ])
        }
        return jsonResponse(.object([("success", .bool(true)), ("balance", .int(balance)), ("entries", .array(rows))]))
    }
    return router
}

/// A 200 with `bytes`' full Content-Length announced but only half of them sent before the
/// connection is closed: what a client sees when a connection drops mid-transfer.
private func cutOff(_ bytes: [UInt8], headers: HTTPFields) -> Response {
    let half = ByteBuffer(bytes: bytes.prefix(bytes.count / 2))
    return Response(
        status: .ok, headers: headers,
        body: ResponseBody(contentLength: bytes.count) { writer in
            try await writer.write(half)
            throw CancellationError() // the server closes the connection mid-body
        })
}

/// The key from `Authorization: Bearer <key>`, if it is one this simulator knows.
private func authenticate(_ request: Request, state: SimulatorState) async throws -> String {
    guard let header = request.headers[.authorization], header.count > 7,
        header.prefix(7).lowercased() == "bearer "
    else {
        throw SimulatorHTTPError(.unauthorized, "missing API key; send the header Authorization: Bearer <YOUR_API_KEY>")
    }
    let key = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
    guard await state.isKnownKey(key) else {
        throw SimulatorHTTPError(
            .unauthorized, "invalid API key; check GPTIMG_API_KEY or create a key under Settings → API Keys")
    }
    return key
}

/// The request body, field by field, so a wrong type is a 400 that names the field.
func parseGenerateRequest(_ text: String) throws -> GenerateRequest {
    guard let object = JSONValue.parseObject(text) else {
        throw SimulatorHTTPError(
            .invalidRequest, "the body must be a JSON object with prompt, aspect_ratio, n and reference_images")
    }
    guard case .string(let prompt)? = object["prompt"] else {
        throw SimulatorHTTPError(
            .invalidRequest, object["prompt"] == nil ? "prompt is required" : "prompt must be a string", field: "prompt"
        )
    }
    var request = GenerateRequest(prompt: prompt)
    switch object["aspect_ratio"] {
    case nil, .null?: break
    case .string(let ratio)?: request.aspectRatio = ratio
    default:
        throw SimulatorHTTPError(
            .invalidRequest, "aspect_ratio must be a string such as \"16:9\"", field: "aspect_ratio")
    }
    switch object["n"] {
    case nil, .null?: break
    case .number(let literal)?:
        guard let n = Int(literal) else {
            throw SimulatorHTTPError(.invalidRequest, "n must be an integer between 1 and 4", field: "n")
        }
        request.n = n
    default: throw SimulatorHTTPError(.invalidRequest, "n must be an integer between 1 and 4", field: "n")
    }
    switch object["reference_images"] {
    case nil, .null?: break
    case .array(let values)?:
        request.referenceImages = try values.map { value in
            guard case .string(let url) = value else {
                throw SimulatorHTTPError(
                    .invalidRequest, "reference_images must be an array of https:// URL strings",
                    field: "reference_images")
            }
            return url
        }
    default:
        throw SimulatorHTTPError(
            .invalidRequest, "reference_images must be an array of https:// URL strings", field: "reference_images")
    }
    return request
}

func jsonResponse(_ value: JSONOut, status: HTTPResponse.Status = .ok) -> Response {
    var bytes: [UInt8] = []
    value.render(into: &bytes)
    return Response(
        status: status, headers: [.contentType: "application/json; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
}

// MARK: - Errors

/// An error answer in the shape `docs/api.md` documents.
struct SimulatorHTTPError: Error {
    var body: APIErrorBody

    init(_ code: APIErrorCode, _ message: String, field: String? = nil, required: Int? = nil, available: Int? = nil) {
        body = APIErrorBody(code: code, message: message, field: field, required: required, available: available)
    }

    var response: Response {
        let status = APIErrorCode(rawValue: body.error.code)?.httpStatus ?? 500
        return jsonResponse(body.json, status: HTTPResponse.Status(code: status))
    }
}

/// Every error leaves as JSON in the documented shape, the router's own 404 and 405 included.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as SimulatorHTTPError {
            return error.response
        } catch let error as HTTPError where error.status == .notFound {
            return SimulatorHTTPError(.notFound, "no such endpoint: \(request.method) \(request.uri.path)").response
        } catch let error as HTTPError where error.status == .methodNotAllowed {
            return SimulatorHTTPError(.invalidRequest, "\(request.method) is not allowed on \(request.uri.path)")
                .response
        } catch {
            return SimulatorHTTPError(.internalError, "unexpected server-side failure").response
        }
    }
}

/// A key in the query string has already leaked into logs: the request is refused even when the
/// key is valid (the seeds' security notes), before anything else is looked at.
struct KeyInQueryMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if request.uri.path.hasPrefix("/api/") {
            for (name, _) in request.uri.queryParameters
            where APIContract.keyQueryParameters.contains(
                name.removingPercentEncoding?.lowercased() ?? name.lowercased())
            {
                throw SimulatorHTTPError(
                    .unauthorized,
                    """
                    API key sent in the query string (?\(name.lowercased())=); it may already be in proxy logs: rotate \
                    it and send it only as Authorization: Bearer
                    """
                )
            }
        }
        return try await next(request, context)
    }
}
