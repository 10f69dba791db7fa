import ArgumentParser
import Foundation
import GptimgCatalog
import GptimgClient
import GptimgConfig
import GptimgExport
import GptimgGeneration
import GptimgSupport
import PNGMetadata

/// A command body's error, with the exit status it ends with, on its way to the one place that
/// renders errors (`GptimgCommand.execute`): a `gptimg: …` line, or with `--json` one JSON
/// object, `{"error":{"code":…,"message":…}}`, on stderr. The same status either way.
struct FailedCommand: Error {
    let error: any Error
    var status: Int32 = 1
}

/// The `code` of a JSON error: a stable word per kind of failure (docs/errors.md lists them),
/// so a script can tell "no library" from "no such image" without reading the message.
enum ErrorCode {
    static func of(_ error: any Error) -> String {
        switch error {
        case let error as FailedCommand: return of(error.error)
        case let error as CatalogError: return of(error)
        case let error as ClientError: return of(error)
        case let error as ExportError: return error == .interrupted ? "interrupted" : "export"
        case is ConfigError: return "config"
        case is PipelineError: return "invalid_batch"
        case is PNGError, is FileError: return "file"
        case is ValidationError: return "usage"
        default: return "error"
        }
    }

    static func of(_ error: CatalogError) -> String {
        switch error {
        case .noLibrary: "no_library"
        case .database: "catalog"
        case .file: "file"
        case .invalidID, .ambiguousID, .generationNotImage, .imageNotGeneration: "invalid_id"
        case .noSuchImage, .noSuchGeneration, .noSuchCollection: "not_found"
        case .collectionExists: "exists"
        case .invalidName, .invalidRating, .invalidArgument: "invalid_value"
        case .query: "invalid_query"
        case .selection: "usage"
        case .newerSchema: "newer_catalog"
        case .damaged: "damaged_catalog"
        case .readOnly: "read_only"
        case .diskFull: "disk_full"
        case .backupFailed, .rebuildFailed: "catalog"
        case .alreadySubmitted: "already_submitted"
        }
    }

    static func of(_ error: ClientError) -> String {
        switch error {
        case .invalidRequest, .rejected: "invalid_request"
        case .missingKey, .keyFileReadableByOthers, .keyFileWithoutKey: "no_key"
        case .invalidBaseURL, .insecureBaseURL: "invalid_base_url"
        case .unauthorized: "unauthorized"
        case .insufficientCredits: "insufficient_credits"
        case .notFound: "not_found"
        case .rateLimited: "rate_limited"
        case .serverError, .redirected, .malformedResponse: "api"
        case .transport, .timedOut, .download: "network"
        }
    }
}

/// Rendering a failure, as text or JSON.
enum ErrorRendering {
    /// Whether the command line asks for JSON: `--json` before any `--` (after it, words are
    /// arguments). Decided from the words, so that a command that failed to parse, and every
    /// command added later, answers in JSON too.
    static func wantsJSON(_ arguments: [String]) -> Bool {
        arguments.prefix { $0 != "--" }.contains("--json")
    }

    /// `{"error":{"code":…,"message":…}}` and its line break, escaped as every JSON line.
    static func json(code: String, message: String) -> [UInt8] {
        var bytes: [UInt8] = []
        JSONOut.object([
            ("error", .object([("code", .string(code)), ("message", .string(message))])),
            ("schema_version", .int(OutputSchema.version)),
        ]).render(into: &bytes)
        return TerminalText.escapeJSON(bytes) + [0x0A]
    }

    /// Writes `message` as the command's error: one JSON object, or `gptimg: message` (red on a
    /// terminal that wants colour).
    static func write(code: String, message: String, json: Bool, context: GptimgContext) {
        if json {
            context.streams.write(Self.json(code: code, message: message), to: .error)
        } else {
            let line = context.style(.error).paint("gptimg: " + TerminalText.escape(message), .red)
            context.streams.write(Array((line + "\n").utf8), to: .error)
        }
    }
}
