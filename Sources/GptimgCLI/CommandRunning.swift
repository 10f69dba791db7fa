import ArgumentParser
import GptimgSupport
import PNGMetadata

/// Runs a command's body with an `Output` on the context's streams: any error becomes one line
/// on stderr (`gptimg: …`) and exit code 1.
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

/// What a failed command body ends with: an exit code passes through (after the results so
/// far), anything else becomes one `gptimg: …` line and exit code 1.
private func commandFailure(_ error: any Error, _ output: Output) -> ExitCode {
    if let exit = error as? ExitCode {
        output.flush()
        return exit
    }
    output.error(describeError(error))
    return ExitCode(1)
}
