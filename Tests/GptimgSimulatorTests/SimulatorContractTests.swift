import Foundation
import GptimgAPI
import GptimgSimulator
import PNGMetadata
import PNGRaster
import Testing

/// The seeds' contract, checked over real HTTP on loopback: shapes, errors, credits.
@Suite struct SimulatorContractTests {
    /// `2026-04-22T00:12:03.456Z`
    static func isISOMilliseconds(_ text: String?) -> Bool {
        guard let text, text.count == 24 else { return false }
        let shape = Array("dddd-dd-ddTdd:dd:dd.dddZ")
        return zip(text, shape).allSatisfy { character, expected in
            expected == "d" ? character.isASCII && character.isNumber : character == expected
        }
    }

    // MARK: - Shapes

    @Test func submitAnswersWithTheSeedsShape() async throws {
        try await Simulator.testing().withRunning { sim async throws in
            let wire = Wire(baseURL: sim.baseURL)
            let answer = try await wire.generate(
                #"{"prompt":"A lighthouse on a cliff at sunset","aspect_ratio":"16:9","n":1}"#)
            #expect(answer.status == 200)
            #expect(answer.headers.first(name: "content-type")?.hasPrefix("application/json") == true)
            let json = try #require(answer.json)
            #expect(json.object?.keys == ["success", "data"])
            #expect(json["success"] == .bool(true))
            let data = try #require(json["data"])
            #expect(
                data.object?.keys == [
                    "id", "task_id", "status", "provider", "model", "type", "media_url", "images", "created_at",
                ])
            let id = try #require(data["id"]?.string)
            #expect(id.count == 21 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
            #expect(data["task_id"]?.string == "gpt-image-2-" + id)
            #expect(data["status"]?.string == "processing")
            #expect(data["provider"]?.string == "gpt-image-2")
            #expect(data["model"]?.string == "gpt-image-2")
            #expect(data["type"]?.string == "text-to-image")
            #expect(data["media_url"] == .null)
            #expect(data["images"] == .array([]))
            #expect(Self.isISOMilliseconds(data["created_at"]?.string))
        }
    }

    @Test func referencesMakeAnImageToImageTask() async throws {
        try await Simulator.testing().withRunning { sim async throws in
            let answer = try await Wire(baseURL: sim.baseURL).generate(
                #"""
                {"prompt":"Restyle as watercolor","reference_images":["https://example.com/portrait.jpg"],\#
                "aspect_ratio":"3:4","n":2}
                """#
            )
            #expect(answer.status == 200)
            #expect(answer.json?["data"]?["type"]?.string == "image-to-image")
        }
    }

    @Test func defaultsAreSquareAndOneImage() async throws {
        try await Simulator.testing().withRunning { sim async throws in
            let wire = Wire(baseURL: sim.baseURL)
            let taskID = try #require(
                try await wire.generate(#"{"prompt":"a red apple"}"#).json?["data"]?["task_id"]?.string)
            let data = try #require(try await wire.task(taskID).json?["data"])
            #expect(data["images"]?.array?.count == 1)
            let url = try #require(data["media_url"]?.string)
            let png = try await wire.get(url).body
            let header = try PNGHeaderInfo(pngData: png)
            #expect(header.width == 1024 && header.height == 1024)
            #expect(try await wire.balance() == 998)
        }
    }

    @Test func pollingGoesFromProcessingToCompletedWhenTheLatencyHasPassed() async throws {
        let clock = ManualClock()
        try await Simulator.testing(latency: 45, clock: clock).withRunning { sim async throws in
            let wire = Wire(baseURL: sim.baseURL)
            let submitted = try #require(
                try await wire.generate(#"{"prompt":"ceramic cup, top-down","n":2}"#).json?["data"])
            let taskID = try #require(submitted["task_id"]?.string)

            clock.advance(44.9)
            let waiting = try #require(try await wire.task(taskID).json?["data"])
            #expect(
                waiting.object?.keys == [
                    "id", "task_id", "status", "provider", "model", "type", "media_url", "images", "error",
                    "created_at", "updated_at",
                ])
            #expect(waiting["status"]?.string == "processing")
            #expect(waiting["images"] == .array([]))
            #expect(waiting["media_url"] == .null)
            #expect(waiting["error"] == .null)

            clock.advance(0.2)
            let done = try #require(try await wire.task(taskID).json?["data"])
            #expect(done["status"]?.string == "completed")
            #expect(done["id"] == submitted["id"])
            #expect(done["created_at"] == submitted["created_at"])
            #expect(Self.isISOMilliseconds(done["updated_at"]?.string))
            #expect(done["error"] == .null)
            let images = try #require(done["images"]?.array)
            #expect(images.count == 2)
            #expect(done["media_url"] == images[0]["url"])
            for image in images {
                #expect(image.object?.keys == ["url", "content_type"])
                #expect(image["content_type"]?.string == "image/png")
                #expect(image["url"]?.string?.hasPrefix(sim.baseURL + "/files/") == true)
            }
            #expect(images[0]["url"] != images[1]["url"])
        }
    }

    @Test func jitterSpreadsCompletionAcrossLatencyPlusOrMinusJitter() async throws {
        let clock = ManualClock()
        try await Simulator.testing(latency: 45, jitter: 10, clock: clock).withRunning { sim async throws in
            let wire = Wire(baseURL: sim.baseURL)
            var pending: [String] = []
            for index in 0..<30 {
                pending.append(
                    try #require(try await wire.generate(#"{"prompt":"p\#(index)"}"#).json?["data"]?["task_id"]?.string)
                )
            }
            var completedAt: [Double] = []
            var elapsed = 0.0
            while !pending.isEmpty, elapsed <= 60 {
                var still: [String] = []
                for taskID in pending {
                    let status = try await wire.task(taskID).json?["data"]?["status"]?.string
                    if status == "completed" { completedAt.append(elapsed) } else { still.append(taskID) }
                }
                pending = still
                clock.advance(1)
                elapsed += 1
            }
            #expect(pending.isEmpty)
            #expect(completedAt.allSatisfy { (35...56).contains($0) })
            #expect(Set(completedAt).count > 5, "latencies should spread, got \(completedAt)")
        }
    }

    // MARK: - Images

    @Test func hostedFilesArePNGsSizedByAspectRatioAndDifferPerImage() async throws {
        try await Simulator.testing().withRunning { sim async throws in
            let wire = Wire(baseURL: sim.baseURL)
            for (ratio, width, height) in [("3:2", 1536, 1024), ("9:16", 768, 1360), ("21:9", 1568, 672)] {
                let taskID = try #require(
                    try await wire.generate(#"{"prompt":"misty forest lake at dawn","aspect_ratio":"\#(ratio)","n":2}"#)
                        .json?["data"]?["task_id"]?.string)
                let urls = try #require(try await wire.task(taskID).json?["data"]?["images"]?.array).compactMap {
                    $0["url"]?.string
                }
                let first = try await wire.get(urls[0])
                let second = try await wire.get(urls[1])
                #expect(first.status == 200)
                #expect(first.headers.first(name: "content-type") == "image/png")
                let header = try PNGHeaderInfo(pngData: first.body)
                #expect(header.width == width && header.height == height, "\(ratio)")
                #expect(first.body != second.body)
                // Compresses like a photograph: 1–2 MB at about a megapixel.
                #expect((700_000...2_400_000).contains(first.body.count), "\(ratio): \(first.body.count) bytes")
                // The same file twice is the same bytes.
                #expect(try await wire.get(urls[0]).body == first.body)
            }
        }
    }

    @Test func filesExistOnlyOnceTheirTaskHasCompleted() async throws {
        let clock = ManualClock()
        try await Simulator.testing(latency: 30, clock: clock).withRunning { sim async throws in
            let wire = Wire(baseURL: sim.baseURL)
            let id = try #require(try await wire.generate(#"{"prompt":"dunes"}"#).json?["data"]?["id"]?.string)
            #expect(try await wire.get("/files/\(id)-0.png").status == 404)
            clock.advance(31)
            #expect(try await wire.get("/files/\(id)-0.png").status == 200)
            #expect(try await wire.get("/files/\(id)-1.png").status == 404)
            #expect(try await wire.get("/files/nothing.png").status == 404)
            #expect(try await wire.get("/files/..%2F..%2Fetc%2Fpasswd").status == 404)
        }
    }

    @Test func imageToImageVisiblyFollowsTheSimulatorsOwnReference() async throws {
        try await Simulator.testing().withRunning { sim async throws in
            let wire = Wire(baseURL: sim.baseURL)
            func firstImage(_ body: String) async throws -> (url: String, image: RGBAImage) {
                let taskID = try #require(try await wire.generate(body).json?["data"]?["task_id"]?.string)
                let url = try #require(try await wire.task(taskID).json?["data"]?["media_url"]?.string)
                return (url, try RGBAImage(pngData: try await wire.get(url).body))
            }
            let source = try await firstImage(#"{"prompt":"snowy mountains at night"}"#)
            let variant = try await firstImage(#"{"prompt":"desert at noon","reference_images":["\#(source.url)"]}"#)
            let unrelated = try await firstImage(#"{"prompt":"desert at noon"}"#)
            let toVariant = meanDifference(source.image, variant.image)
            let toUnrelated = meanDifference(source.image, unrelated.image)
            #expect(toVariant < toUnrelated * 0.6, "variant \(toVariant) vs unrelated \(toUnrelated)")
        }
    }

    // MARK: - Validation (400)

    @Test(arguments: [
        (#"{"prompt":""}"#, "prompt", "empty"),
        (#"{"prompt":"   "}"#, "prompt", "empty"),
        (#"{"aspect_ratio":"1:1"}"#, "prompt", "required"),
        (#"{"prompt":42}"#, "prompt", "string"),
        (#"{"prompt":"x","aspect_ratio":"7:5"}"#, "aspect_ratio", "16:9"),
        (#"{"prompt":"x","aspect_ratio":1}"#, "aspect_ratio", "string"),
        (#"{"prompt":"x","n":0}"#, "n", "between 1 and 4"),
        (#"{"prompt":"x","n":5}"#, "n", "between 1 and 4"),
        (#"{"prompt":"x","n":1.5}"#, "n", "integer"),
        (#"{"prompt":"x","n":"2"}"#, "n", "integer"),
        (
            #"""
            {"prompt":"x","reference_images":["https://a.example/1.png","https://a.example/2.png",\#
            "https://a.example/3.png","https://a.example/4.png","https://a.example/5.png"]}
            """#,
            "reference_images", "at most 4"
        ),
        (#"{"prompt":"x","reference_images":["http://example.com/a.png"]}"#, "reference_images", "https://"),
        (#"{"prompt":"x","reference_images":["data:image/png;base64,iVBORw0KGgo="]}"#, "reference_images", "data:"),
        (
            #"""
            {"prompt":"x","reference_images":["iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwG\#
            A60e6kgAAAABJRU5ErkJggg=="]}
            """#,
            "reference_images", "base64"
        ),
        (#"{"prompt":"x","reference_images":["ftp://example.com/a.png"]}"#, "reference_images", "https://"),
        (#"{"prompt":"x","reference_images":"https://example.com/a.png"}"#, "reference_images", "array"),
        (#"{"prompt":"x","reference_images":[7]}"#, "reference_images", "array"),
    ])
    func invalidBodiesAre400NamingTheFieldAndChargeNothing(body: String, field: String, words: String) async throws {
        try await Simulator.testing(credits: 10).withRunning { sim async throws in
            let wire = Wire(baseURL: sim.baseURL)
            let answer = try await wire.generate(body)
            #expect(answer.status == 400)
            let json = try #require(answer.json)
            #expect(json["success"] == .bool(false))
            #expect(json["error"]?["code"]?.string == "INVALID_REQUEST")
            #expect(json["error"]?["field"]?.string == field)
            let message = try #require(json["error"]?["message"]?.string)
            #expect(message.contains(field))
            #expect(message.contains(words), "\(message)")
            #expect(try await wire.balance() == 10)
        }
    }

    @Test func aBodyThatIsNotJSONIs400() async throws {
        try await Simulator.testing().withRunning { sim async throws in
            let answer = try await Wire(baseURL: sim.baseURL).generate("prompt=hello")
            #expect(answer.status == 400)
            #expect(answer.json?["error"]?["code"]?.string == "INVALID_REQUEST")
        }
    }

    @Test func aBodyThatIsNotDeclaredJSONIs400() async throws {
        try await Simulator.testing(credits: 10).withRunning { sim async throws in
            let wire = Wire(baseURL: sim.baseURL)
            let answer = try await wire.post(
                "/api/v1/images/generate", #"{"prompt":"x"}"#,
                headers: [("Content-Type", "application/x-www-form-urlencoded")])
            #expect(answer.status == 400)
            #expect(answer.json?["error"]?["message"]?.string?.contains("application/json") == true)
            #expect(try await wire.balance() == 10)
        }
    }

    @Test func theSimulatorTakesItsOwnLoopbackFilesAsReferencesButNoOtherHTTP() async throws {
        try await Simulator.testing().withRunning { sim async throws in
            let wire = Wire(baseURL: sim.baseURL)
            #expect(
                try await wire.generate(#"{"prompt":"x","reference_images":["http://127.0.0.1:9/files/a-0.png"]}"#)
                    .status == 200)
            #expect(
                try await wire.generate(#"{"prompt":"x","reference_images":["http://localhost/files/a-0.png"]}"#).status
                    == 200)
            #expect(
                try await wire.generate(#"{"prompt":"x","reference_images":["http://127.0.0.1.evil.example/a.png"]}"#)
                    .status == 400)
            #expect(
                try await wire.generate(#"{"prompt":"x","reference_images":["http://10.0.0.1/a.png"]}"#).status == 400)
        }
    }

    // MARK: - Authentication (401)

    @Test func missingOrUnknownKeysAre401() async throws {
        try await Simulator.testing(credits: 10).withRunning { sim async throws in
            let wire = Wire(baseURL: sim.baseURL)
            for key: String? in [nil, "not-a-key", ""] {
                let answer = try await wire.generate(#"{"prompt":"x"}"#, key: .some(key))
                #expect(answer.status == 401)
                #expect(answer.json?["error"]?["code"]?.string == "UNAUTHORIZED")
                #expect(answer.json?["error"]?["message"]?.string?.contains("key") == true)
                #expect(answer.text.contains("not-a-key") == false, "an error must not echo the key")
            }
            let basic = try await wire.post(
                "/api/v1/images/generate", #"{"prompt":"x"}"#, key: .some(nil),
                headers: [("Authorization", "Basic c2ltOmtleQ==")])
            #expect(basic.status == 401)
            #expect(try await wire.task("gpt-image-2-AAAAAAAAAAAAAAAAAAAAA", key: .some(nil)).status == 401)
            #expect(try await wire.balance() == 10)
        }
    }

    @Test(arguments: ["api_key", "apikey", "key", "token", "access_token", "API_KEY"])
    func aKeyInTheQueryStringIsRefusedEvenWhenValid(parameter: String) async throws {
        try await Simulator.testing(credits: 10).withRunning { sim async throws in
            let wire = Wire(baseURL: sim.baseURL)
            let key = SimulatorConfiguration.defaultKey
            let submit = try await wire.post("/api/v1/images/generate?\(parameter)=\(key)", #"{"prompt":"x"}"#)
            #expect(submit.status == 401)
            #expect(submit.json?["error"]?["code"]?.string == "UNAUTHORIZED")
            #expect(submit.json?["error"]?["message"]?.string?.contains("rotate") == true)
            #expect(submit.text.contains(key) == false)
            let taskID = try #require(try await wire.generate(#"{"prompt":"x"}"#).json?["data"]?["task_id"]?.string)
            #expect(try await wire.get("/api/v1/images/task/\(taskID)?\(parameter)=\(key)").status == 401)
            #expect(try await wire.balance() == 8) // only the clean submission was charged
        }
    }

    // MARK: - Credits (402, refunds, concurrency)

    @Test func creditsAreChargedTwoPerImage() async throws {
        try await Simulator.testing(credits: 20).withRunning { sim async throws in
            let wire = Wire(baseURL: sim.baseURL)
            #expect(try await wire.generate(#"{"prompt":"a","n":3}"#).status == 200)
            #expect(try await wire.balance() == 14)
            #expect(try await wire.generate(#"{"prompt":"b","n":4}"#).status == 200)
            #expect(try await wire.balance() == 6)
        }
    }

    @Test func aBalanceBelowTwoTimesNIs402WithRequiredAndAvailable() async throws {
        try await Simulator.testing(credits: 5).withRunning { sim async throws in
            let wire = Wire(baseURL: sim.baseURL)
            #expect(try await wire.generate(#"{"prompt":"a","n":2}"#).status == 200)
            let answer = try await wire.generate(#"{"prompt":"b","n":1}"#)
            #expect(answer.status == 402)
            let json = try #require(answer.json)
            #expect(json["error"]?["code"]?.string == "INSUFFICIENT_CREDITS")
            #expect(json["required"] == .number("2"))
            #expect(json["available"] == .number("1"))
            #expect(json["error"]?["message"]?.string?.contains("2") == true)
            #expect(try await wire.balance() == 1)
        }
    }

    @Test func aFailedTaskIsRefundedInFull() async throws {
        try await Simulator.testing(credits: 100, failRate: 1).withRunning { sim async throws in
            let wire = Wire(baseURL: sim.baseURL)
            let taskID = try #require(
                try await wire.generate(#"{"prompt":"x","n":3}"#).json?["data"]?["task_id"]?.string)
            let data = try #require(try await wire.task(taskID).json?["data"])
            #expect(data["status"]?.string == "failed")
            #expect(data["images"] == .array([]))
            #expect(data["media_url"] == .null)
            #expect(data["error"]?["code"]?.string == "GENERATION_FAILED")
            #expect(data["error"]?["message"]?.string?.isEmpty == false)
            #expect(try await wire.balance() == 100)
            let entry = try #require(try await wire.get("/_simulator/ledger").json?["entries"]?[0])
            #expect(entry["credits_charged"] == .number("6"))
            #expect(entry["credits_refunded"] == .number("6"))
        }
    }

    @Test func aFailureIsChargedUntilItSettles() async throws {
        let clock = ManualClock()
        try await Simulator.testing(credits: 100, latency: 10, failRate: 1, clock: clock).withRunning {
            sim async throws in
            let wire = Wire(baseURL: sim.baseURL)
            let taskID = try #require(
                try await wire.generate(#"{"prompt":"x","n":2}"#).json?["data"]?["task_id"]?.string)
            #expect(try await wire.balance() == 96)
            clock.advance(11)
            #expect(try await wire.task(taskID).json?["data"]?["status"]?.string == "failed")
            #expect(try await wire.balance() == 100)
        }
    }

    @Test func a500RefundsTheCharge() async throws {
        try await Simulator.testing(credits: 10, errorRate: 1).withRunning { sim async throws in
            let wire = Wire(baseURL: sim.baseURL)
            let answer = try await wire.generate(#"{"prompt":"x","n":2}"#)
            #expect(answer.status == 500)
            #expect(answer.json?["error"]?["code"]?.string == "INTERNAL_ERROR")
            #expect(answer.json?["error"]?["message"]?.string?.contains("refunded") == true)
            #expect(try await wire.balance() == 10)
            let entry = try #require(try await wire.get("/_simulator/ledger").json?["entries"]?[0])
            #expect(entry["credits_charged"] == .number("4"))
            #expect(entry["credits_refunded"] == .number("4"))
            #expect(entry["task_id"] == .null)
        }
    }

    @Test func fiftyParallelSubmitsAgainstABalanceForTenAcceptExactlyTen() async throws {
        try await Simulator.testing(credits: 20).withRunning { sim async throws in
            let wire = Wire(baseURL: sim.baseURL)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<50 {
                    group.addTask { try await wire.generate(#"{"prompt":"race \#(index)"}"#).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 10)
            #expect(statuses.filter { $0 == 402 }.count == 40)
            #expect(try await wire.balance() == 0)
        }
    }

    // MARK: - Isolation and routing (404)

    @Test func oneKeyNeverSeesAnothersTasks() async throws {
        try await Simulator.testing(keys: ["alice-key", "bob-key"]).withRunning { sim async throws in
            let alice = Wire(baseURL: sim.baseURL, key: "alice-key")
            let bob = Wire(baseURL: sim.baseURL, key: "bob-key")
            let taskID = try #require(
                try await alice.generate(#"{"prompt":"alice's secret"}"#).json?["data"]?["task_id"]?.string)
            #expect(try await alice.task(taskID).status == 200)
            let peek = try await bob.task(taskID)
            #expect(peek.status == 404)
            #expect(peek.json?["error"]?["code"]?.string == "NOT_FOUND")
            #expect(peek.text.contains("secret") == false)
            // Balances are separate too.
            #expect(try await alice.balance() == 998)
            #expect(try await bob.balance() == 1000)
            #expect(try await bob.get("/_simulator/ledger").json?["entries"] == .array([]))
        }
    }

    @Test func unknownTasksAndRoutesAre404InTheErrorShape() async throws {
        try await Simulator.testing().withRunning { sim async throws in
            let wire = Wire(baseURL: sim.baseURL)
            for path in [
                "/api/v1/images/task/gpt-image-2-AAAAAAAAAAAAAAAAAAAAA", "/api/v1/images/task/nope", "/api/v2/anything",
            ] {
                let answer = try await wire.get(path)
                #expect(answer.status == 404, "\(path)")
                #expect(answer.json?["success"] == .bool(false))
                #expect(answer.json?["error"]?["code"]?.string == "NOT_FOUND")
            }
            // The row id is not a task id: poll with data.task_id.
            let id = try #require(try await wire.generate(#"{"prompt":"x"}"#).json?["data"]?["id"]?.string)
            #expect(try await wire.task(id).status == 404)
        }
    }

    // MARK: - Load

    @Test func twoHundredConcurrentPollersAllFinishWithoutError() async throws {
        let clock = ManualClock()
        try await Simulator.testing(credits: 400, latency: 5, clock: clock).withRunning { sim async throws in
            let wire = Wire(baseURL: sim.baseURL)
            let outcomes = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for index in 0..<200 {
                    group.addTask {
                        let taskID = try #require(
                            try await wire.generate(#"{"prompt":"poller \#(index)"}"#).json?["data"]?["task_id"]?.string
                        )
                        var polls = 0
                        while polls < 1000 {
                            let answer = try await wire.task(taskID)
                            polls += 1
                            guard answer.status == 200 else { return (answer.status, nil) }
                            let status = answer.json?["data"]?["status"]?.string
                            if status != "processing" { return (polls, status) }
                            clock.advance(0.01) // 200 pollers move time on together
                            await Task.yield()
                        }
                        return (polls, nil)
                    }
                }
                return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
            }
            #expect(outcomes.count == 200)
            #expect(outcomes.allSatisfy { $0.1 == "completed" })
        }
    }
}

/// Mean absolute difference of two same-sized images' RGB, 0–255.
func meanDifference(_ a: RGBAImage, _ b: RGBAImage) -> Double {
    precondition(a.width == b.width && a.height == b.height)
    var total = 0
    for offset in stride(from: 0, to: a.pixels.count, by: 4) {
        for channel in 0..<3 { total += abs(Int(a.pixels[offset + channel]) - Int(b.pixels[offset + channel])) }
    }
    return Double(total) / Double(a.width * a.height * 3)
}
