import GptimgAPI
import GptimgGeneration
import Testing

@testable import GptimgCatalog

/// `rerun` of what the library holds: a shape the API does not take becomes the nearest it does.
@Suite("Derived requests")
struct DerivedRequestTests {
    @Test("the nearest of the 13 ratios, on a log scale")
    func nearestRatio() {
        #expect(AspectRatio.nearest(to: "13:19") == .portrait2x3) // ComfyUI's 832×1216
        #expect(AspectRatio.nearest(to: "19:13") == .landscape3x2)
        #expect(AspectRatio.nearest(to: "7:4") == .wide16x9)
        #expect(AspectRatio.nearest(to: "1:1") == .square)
        #expect(AspectRatio.nearest(to: "100:1") == .ultrawide21x9)
        #expect(AspectRatio.nearest(to: "1:100") == .ultratall9x21)
        for bad in ["", "0:1", "1:0", "a:b", "1:2:3", "-1:2"] { #expect(AspectRatio.nearest(to: bad) == nil, "\(bad)") }
    }

    @Test("rerun keeps a supported ratio, takes the nearest for another, and says so once")
    func rerunShape() {
        func source(_ aspect: String) -> GenerationRecord {
            GenerationRecord(
                status: .completed, type: "text-to-image", prompt: "a tall ship", aspectRatio: aspect, n: 1,
                source: .import, createdAt: "2026-12-01T00:00:00Z", updatedAt: "2026-12-01T00:00:00Z")
        }
        #expect(DerivedRequest.rerun(of: source("13:19")).aspectRatio == "2:3")
        #expect(
            DerivedRequest.rerunNotice(of: source("13:19"))
                == "13:19 is not one of the API's aspect ratios: using the nearest, 2:3 (--aspect chooses another)")
        #expect(DerivedRequest.rerun(of: source("13:19"), aspect: "1:1").aspectRatio == "1:1")
        #expect(DerivedRequest.rerunNotice(of: source("13:19"), aspect: "1:1") == nil)
        #expect(DerivedRequest.rerun(of: source("4:5")).aspectRatio == "4:5")
        #expect(DerivedRequest.rerunNotice(of: source("4:5")) == nil)
    }
}
