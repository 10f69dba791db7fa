import GptimgSupport

// The API's bodies as JSON, both ways, in one place: the client reads answers and writes
// requests with these, the simulator writes answers with them. Members are read in the order
// the types declare them, so a malformed answer's error names its first wrong field.

extension TaskEnvelope {
    /// `{"success": true, "data": {...}}`; throws the path of the first value that does not fit.
    public init(json: JSONReader) throws(JSONShapeError) {
        success = try json.bool("success")
        data = try TaskData(json: json.required("data"))
    }

    /// The answer of a submit (`complete: false`: no `error` nor `updated_at`, as in the seeds'
    /// example) or of a poll.
    public func json(complete: Bool) -> JSONOut {
        .object([("success", .bool(success)), ("data", data.json(complete: complete))])
    }
}

extension TaskData {
    public init(json: JSONReader) throws(JSONShapeError) {
        id = try json.string("id")
        taskID = try json.string("task_id")
        status = try json.required("status").asCase()
        provider = try json.string("provider")
        model = try json.string("model")
        type = try json.required("type").asCase()
        mediaURL = try json.optionalString("media_url")
        images = try json.required("images").asArray().map { (image) throws(JSONShapeError) in
            Image(url: try image.string("url"), contentType: try image.string("content_type"))
        }
        error = try json.optional("error").map { (failure) throws(JSONShapeError) in
            Failure(code: try failure.string("code"), message: try failure.string("message"))
        }
        createdAt = try json.string("created_at")
        updatedAt = try json.optionalString("updated_at")
    }

    /// `data` in the seeds' key order; `error` and `updated_at` only when `complete`.
    public func json(complete: Bool) -> JSONOut {
        var members: [(String, JSONOut)] = [
            ("id", .string(id)), ("task_id", .string(taskID)), ("status", .string(status.rawValue)),
            ("provider", .string(provider)), ("model", .string(model)), ("type", .string(type.rawValue)),
            ("media_url", .optional(mediaURL)),
            (
                "images",
                .array(images.map { .object([("url", .string($0.url)), ("content_type", .string($0.contentType))]) })
            ),
        ]
        if complete {
            let failure = error.map { JSONOut.object([("code", .string($0.code)), ("message", .string($0.message))]) }
            members.append(("error", failure ?? .null))
        }
        members.append(("created_at", .string(createdAt)))
        if complete { members.append(("updated_at", .optional(updatedAt))) }
        return .object(members)
    }
}

extension APIErrorBody {
    public init(json: JSONReader) throws(JSONShapeError) {
        success = try json.bool("success")
        let detail = try json.required("error")
        error = Detail(
            code: try detail.string("code"), message: try detail.string("message"),
            field: try detail.optionalString("field"))
        required = try json.optionalInt("required")
        available = try json.optionalInt("available")
    }

    /// `{"success": false, "error": {"code", "message", "field"?}, "required"?, "available"?}`.
    public var json: JSONOut {
        var detail: [(String, JSONOut)] = [("code", .string(error.code)), ("message", .string(error.message))]
        if let field = error.field { detail.append(("field", .string(field))) }
        var members: [(String, JSONOut)] = [("success", .bool(success)), ("error", .object(detail))]
        if let required { members.append(("required", .int(required))) }
        if let available { members.append(("available", .int(available))) }
        return .object(members)
    }
}
