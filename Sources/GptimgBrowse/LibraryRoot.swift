/// cli.md's order for finding the library: `--library PATH`, then `GPTIMG_LIBRARY`, then
/// `./Library`; a relative path is taken from the current directory. `LibraryLocation` and the
/// `gptimg` front both start from this path.
package enum LibraryRoot {
    package static func path(option: String?, variable: String?) -> String {
        if let option, !option.isEmpty { return option }
        if let variable, !variable.isEmpty { return variable }
        return "Library"
    }
}
