import Foundation
import GptimgCatalog
import Testing

@Suite struct LibraryLocationTests {
    @Test func optionWinsOverEnvironmentWhichWinsOverDefault() {
        let environment = ["GPTIMG_LIBRARY": "/tmp/from-env"]
        #expect(
            LibraryLocation.resolve(option: "/tmp/opt", environment: environment, currentDirectory: "/work").root.path
                == "/tmp/opt")
        #expect(
            LibraryLocation.resolve(option: nil, environment: environment, currentDirectory: "/work").root.path
                == "/tmp/from-env")
        #expect(
            LibraryLocation.resolve(option: nil, environment: [:], currentDirectory: "/work").root.path
                == "/work/Library")
        #expect(
            LibraryLocation.resolve(option: "lib", environment: [:], currentDirectory: "/work").root.path == "/work/lib"
        )
    }
}
