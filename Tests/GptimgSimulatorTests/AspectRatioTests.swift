import GptimgAPI
import PNGMetadata
import Testing

@Suite struct AspectRatioTests {
    @Test func sizesAreAboutAMegapixelInMultiplesOf16() {
        #expect(AspectRatio.allCases.count == 13)
        #expect(AspectRatio.square.pixelSize == (1024, 1024))
        #expect(AspectRatio.landscape3x2.pixelSize == (1536, 1024))
        #expect(AspectRatio.portrait2x3.pixelSize == (1024, 1536))
        for ratio in AspectRatio.allCases {
            let (width, height) = ratio.pixelSize
            #expect(width % 16 == 0 && height % 16 == 0)
            let (a, b) = ratio.terms
            #expect(abs(Double(width) / Double(height) - Double(a) / Double(b)) < 0.03, "\(ratio.rawValue)")
            #expect((900_000...1_600_000).contains(width * height), "\(ratio.rawValue)")
        }
        #expect(AspectRatio.wide16x9.pixelSize == (1360, 768))
    }

    /// Files are checked against the same 13 (PNGMetadata sits below the API contract and keeps
    /// its own list), and against the same task id shape.
    @Test func filesKnowTheSameRatiosAndTaskIDsAsTheContract() {
        #expect(ValueShape.apiAspectRatios == AspectRatio.allCases.map(\.rawValue))
        for ratio in AspectRatio.allCases { #expect(ValueShape.isAspectRatio(ratio.rawValue)) }
        #expect(ValueShape.isTaskID(APIIdentifier.taskID(for: APIIdentifier.random())))
    }
}
