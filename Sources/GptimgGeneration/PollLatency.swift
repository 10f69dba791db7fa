import GptimgCatalog
import GptimgClient

/// Seconds a task usually takes, which tunes polling (`PollSchedule`). The client does not
/// know the library, so this lives with the pipeline that has both.
public enum PollLatency {
    /// `GPTIMG_POLL_LATENCY` (`override`) when set, else the median of the library's recent
    /// tasks at this API (whole-second timestamps, so at least 1 s), else the API's typical 45 s.
    public static func typical(catalog: Catalog, baseURL: String, override text: String?) throws -> Double {
        if let text, !text.isEmpty {
            guard let seconds = Double(text), seconds > 0, seconds <= 3600 else {
                throw PipelineError(
                    "GPTIMG_POLL_LATENCY \"\(text.prefix(20))\" is not a number of seconds (such as 45); "
                        + "unset it to learn it from the library")
            }
            return seconds
        }
        return try catalog.typicalLatency(baseURL: baseURL).map { min(600, max(1, $0)) } ?? 45
    }

    /// The schedule for `catalog`'s tasks at `baseURL`.
    public static func schedule(catalog: Catalog, baseURL: String, override text: String?) throws -> PollSchedule {
        PollSchedule(typicalLatency: try typical(catalog: catalog, baseURL: baseURL, override: text))
    }
}
