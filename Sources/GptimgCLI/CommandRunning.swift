import ArgumentParser
import GptimgSupport
import PNGMetadata

/// Runs a command's body with an `Output` on the context's streams: the results so far are
/// written, then any error goes to the one place errors are rendered (`GptimgCommand.execute`:
/// one `gptimg: …` line, or a JSON object with `--json`) and ends the command with exit code 1.
func runCatalogCommand(_ context: GptimgContext, _ body: (Output) throws -> Void) throws {
    let output = Output(context)
    do {
        try body(output)
        output.flush()
    } catch {
        throw commandFailure(error, output)
    }
}

/// The same for async bodies.
func runCatalogCommand(_ context: GptimgContext, _ body: (Output) async throws -> Void) async throws {
    let output = Output(context)
    do {
        try await body(output)
        output.flush()
    } catch {
        throw commandFailure(error, output)
    }
}

/// What a failed command body ends with, after the results so far: an exit code passes
/// through, anything else is a `FailedCommand` for `execute` to render (exit code 1).
private func commandFailure(_ error: any Error, _ output: Output) -> any Error {
    output.progress?.clear()
    output.flush()
    if error is ExitCode || error is FailedCommand { return error }
    return FailedCommand(error: error)
}
