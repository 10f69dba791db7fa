import GptimgAPI
import NIOHTTP1
import Testing

@testable import GptimgClient

/// How the client reads the API's answers (with the project's one JSON reader): a malformed
/// answer's error names the first field that is wrong, as it did with Foundation's decoder.
@Suite struct ResponseDecodingTests {
    static let client = try! APIClient(baseURL: "https://gptimg.co", key: APIKey("canary-key")!)
    static let ids = #""id":"BBBBBBBBBBBBBBBBBBBBB","task_id":"gpt-image-2-BBBBBBBBBBBBBBBBBBBBB""#
    static let names = #""provider":"gpt-image-2","model":"gpt-image-2","type":"text-to-image""#

    static func decode(_ body: String, status: Int = 200) throws(ClientError) -> TaskData {
        try client.decodeTask(.init(status: status, headers: HTTPHeaders(), body: Array(body.utf8)), taskID: nil)
    }

    static func data(_ members: String) -> String {
        #"{"success":true,"data":{"# + ids + "," + names + "," + members + "}}"
    }

    @Test("a well-formed answer reads whole")
    func wellFormed() throws {
        let members = [
            #""status":"completed","media_url":null"#,
            #""images":[{"url":"https://f/x.png","content_type":"image/png"}],"error":null"#,
            #""created_at":"2026-11-21T10:00:00.000Z","updated_at":"2026-11-21T10:00:45.000Z""#,
        ]
        let task = try Self.decode(Self.data(members.joined(separator: ",")))
        #expect(task.status == .completed && task.type == .textToImage)
        #expect(task.images == [TaskData.Image(url: "https://f/x.png")])
        #expect(task.mediaURL == nil && task.error == nil)
        #expect(task.updatedAt == "2026-11-21T10:00:45.000Z")
        // Unknown members are ignored; optional ones may be left out.
        let minimal = try Self.decode(Self.data(#""status":"processing","images":[],"created_at":"x","extra":[1,{}]"#))
        #expect(minimal.updatedAt == nil && minimal.images.isEmpty)
    }

    // The messages Foundation's JSONDecoder gave through the client's old explanation of its
    // errors, for the same bodies (checked before the change); the root of a non-object body
    // is now named "the body".
    static let malformed: [(body: String, message: String)] = {
        let ids = ResponseDecodingTests.ids
        let names = ResponseDecodingTests.names
        let noNames: String = #"{"success":true,"data":{"# + ids + #","status":"completed","images":[{}]}}"#
        let failed: String = #""status":"failed","images":[],"created_at":"x""#
        let refused: String = #"{"success":false,"data":{"# + ids + "," + names + "," + failed + "}}"
        var cases: [(body: String, message: String)] = []
        cases.append((#"{"success":true,"data":{"task_id":42}}"#, "data.id is missing"))
        cases.append((noNames, "data.provider is missing"))
        cases.append(("not json", "the body is not JSON"))
        cases.append(("", "the body is not JSON"))
        cases.append(("[1]", "the body has the wrong type"))
        cases.append((data(#""status":"weird","images":[],"created_at":"x""#), "data.status has an unexpected value"))
        let noURL: String = #""status":"completed","images":[{"content_type":"image/png"}],"created_at":"x""#
        cases.append((data(noURL), "data.images[0].url is missing"))
        cases.append((#"{"success":"yes","data":{}}"#, "success has the wrong type"))
        let numberURL: String = #""status":"completed","media_url":5,"images":[],"created_at":"x""#
        cases.append((data(numberURL), "data.media_url has the wrong type"))
        let nullTime: String = #""status":"completed","images":[],"created_at":null"#
        cases.append((data(nullTime), "data.created_at has the wrong type"))
        let halfError: String = #""status":"completed","images":[],"error":{"code":"X"},"created_at":"x""#
        cases.append((data(halfError), "data.error.message is missing"))
        cases.append((data(#""status":"completed","images":{},"created_at":"x""#), "data.images has the wrong type"))
        cases.append((#"{"success":true,"data":[]}"#, "data has the wrong type"))
        cases.append((#"{"success":true}"#, "data is missing"))
        cases.append((refused, "success is false in a 200 answer"))
        return cases
    }()

    @Test(arguments: ResponseDecodingTests.malformed)
    func malformedAnswersNameTheirFirstWrongField(_ example: (body: String, message: String)) {
        #expect(throws: ClientError.malformedResponse(example.message)) { try Self.decode(example.body) }
    }

    @Test("an error answer's message, field and credits are read; a broken one is no error body")
    func errorBodies() {
        #expect(throws: ClientError.rejected(message: "prompt is required", field: "prompt")) {
            let error = #"{"code":"INVALID_REQUEST","message":"prompt is required","field":"prompt"}"#
            _ = try Self.decode(#"{"success":false,"error":"# + error + "}", status: 400)
        }
        #expect(throws: ClientError.insufficientCredits(required: 8, available: 3)) {
            let error = #"{"code":"INSUFFICIENT_CREDITS","message":"m"}"#
            _ = try Self.decode(#"{"success":false,"error":"# + error + #","required":8,"available":3}"#, status: 402)
        }
        #expect(throws: ClientError.serverError(status: 500, message: "no error body")) {
            try Self.decode(#"{"error":"flat"}"#, status: 500)
        }
        // A server that echoes the key never puts it in an error; the rest of its words stay.
        #expect(throws: ClientError.unauthorized(message: "bad key <redacted>")) {
            let error = #"{"code":"UNAUTHORIZED","message":"bad key canary-key"}"#
            _ = try Self.decode(#"{"success":false,"error":"# + error + "}", status: 401)
        }
    }

    @Test("a request goes out as the contract's JSON, in the seeds' key order")
    func requestBody() {
        let request = GenerateRequest(
            prompt: "a \"fox\"\n", aspectRatio: "16:9", n: 2, referenceImages: ["https://a/b.png"])
        let expected =
            #"{"prompt":"a \"fox\"\n","aspect_ratio":"16:9","n":2,"# + #""reference_images":["https://a/b.png"]}"#
        #expect(request.json.rendered == expected)
    }
}
