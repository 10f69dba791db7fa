import Foundation
import GptimgCatalog
import Testing

/// Where the library is: `--library`, then `GPTIMG_LIBRARY`, then the config file's `library`,
/// then `$XDG_DATA_HOME/gptimg`, then `~/.local/share/gptimg`.
@Suite struct LibraryLocationTests {
    func resolve(
        _ option: String?, _ environment: [String: String], configured: String? = nil
    ) -> (path: String, source: LibraryLocation.Source) {
        let found = LibraryLocation.resolveWithSource(
            option: option, environment: environment, currentDirectory: "/work", homeDirectory: "/home/u",
            configured: configured)
        return (found.location.root.path, found.source)
    }

    @Test func eachRuleWinsOverTheOnesAfterIt() {
        let all = ["GPTIMG_LIBRARY": "/tmp/from-env", "XDG_DATA_HOME": "/xdg/data"]
        #expect(resolve("/tmp/opt", all, configured: "/cfg") == ("/tmp/opt", .option))
        #expect(resolve(nil, all, configured: "/cfg") == ("/tmp/from-env", .environment))
        #expect(resolve(nil, ["XDG_DATA_HOME": "/xdg/data"], configured: "/cfg") == ("/cfg", .config))
        #expect(resolve(nil, ["XDG_DATA_HOME": "/xdg/data"]) == ("/xdg/data/gptimg", .dataHome))
        #expect(resolve(nil, [:]) == ("/home/u/.local/share/gptimg", .dataHome))
    }

    @Test func emptyValuesAndARelativeDataHomeAreIgnored() {
        // An empty --library or variable counts as not given; the XDG spec says a relative
        // XDG_DATA_HOME is invalid and must be ignored.
        let environment = ["GPTIMG_LIBRARY": "", "XDG_DATA_HOME": "relative/data"]
        #expect(resolve("", environment, configured: "") == ("/home/u/.local/share/gptimg", .dataHome))
        #expect(resolve(nil, ["XDG_DATA_HOME": "/xdg/data/"]).path == "/xdg/data/gptimg")
    }

    @Test func relativePathsHaveTheirBase() {
        // The option and the variable are typed in a shell: from the current directory. The config
        // file is read from any folder: from the home directory, `~/` included.
        #expect(resolve("lib", [:]) == ("/work/lib", .option))
        #expect(resolve(nil, ["GPTIMG_LIBRARY": "lib"]) == ("/work/lib", .environment))
        #expect(resolve(nil, [:], configured: "Pictures/gptimg") == ("/home/u/Pictures/gptimg", .config))
        #expect(resolve(nil, [:], configured: "~/art") == ("/home/u/art", .config))
    }
}
