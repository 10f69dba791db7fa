/// The version gptimg writes into a PNG's `Software`, sends as its User-Agent and reports with
/// `--version`.
public enum GptimgBuild {
    public static let version = "0.1.0"
}

/// One line for any error: gptimg's errors (`PNGError`, `CatalogError`, `FileError`…) describe
/// themselves as `CustomStringConvertible`; anything else is named by its type, never dumped
/// (a dump could carry a path, a body or a key).
public func describeError(_ error: any Error) -> String {
    switch error {
    case let error as any CustomStringConvertible: error.description
    default: "unexpected error (\(type(of: error)))"
    }
}
