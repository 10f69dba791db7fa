import GptimgCatalog
import GptimgClient
import GptimgGeneration
import Testing

/// Where the typical latency that tunes polling comes from.
@Suite struct PollLatencyTests {
    @Test func theVariableWinsAndANonsenseValueIsRefusedWithTheFix() throws {
        try withLibrarySync { catalog throws in
            #expect(try PollLatency.typical(catalog: catalog, baseURL: "https://gptimg.co", override: "12.5") == 12.5)
            #expect(try PollLatency.typical(catalog: catalog, baseURL: "https://gptimg.co", override: nil) == 45)
            #expect(try PollLatency.typical(catalog: catalog, baseURL: "https://gptimg.co", override: "") == 45)
            for bad in ["soon", "0", "-3", "4000", "nan"] {
                #expect(
                    throws: PipelineError(
                        "GPTIMG_POLL_LATENCY \"\(bad)\" is not a number of seconds (such as 45); "
                            + "unset it to learn it from the library"
                    ),
                    "\(bad)"
                ) { try PollLatency.typical(catalog: catalog, baseURL: "https://gptimg.co", override: bad) }
            }
            #expect(try PollLatency.schedule(catalog: catalog, baseURL: "x", override: "9").typicalLatency == 9)
        }
    }

    @Test func theLibrarysHistoryAtThatAPITunesItWithinBounds() async throws {
        let api = SimulatedAPI()
        try await api.simulator(latency: 30).withRunning { sim async throws in
            try await withLibrary { catalog in
                let generator = api.generator(catalog, try client(sim.port), latency: 30)
                for index in 0..<3 { _ = try await generator.generate(.init(prompt: "history \(index)")) }
                let learned = try PollLatency.typical(
                    catalog: catalog, baseURL: "http://127.0.0.1:\(sim.port)", override: nil)
                #expect((29.9...34).contains(learned), "\(learned)")
                #expect(
                    try PollLatency.typical(catalog: catalog, baseURL: "https://elsewhere.example", override: nil) == 45
                )
                // A run started for this library and API polls on what it learnt, unless told.
                let run = try GenerationRun(catalog: catalog, client: try client(sim.port), pollLatency: nil)
                #expect(run.generator.schedule.typicalLatency == learned)
                let told = try GenerationRun(catalog: catalog, client: try client(sim.port), pollLatency: "12")
                #expect(told.generator.schedule.typicalLatency == 12)
                #expect(throws: PipelineError.self) {
                    try GenerationRun(catalog: catalog, client: try client(sim.port), pollLatency: "soon")
                }
            }
        }
    }
}
