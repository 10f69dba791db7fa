import Testing

@testable import PNGMetadata

/// Foreign files that say they were made from another image are read as image-to-image.
@Suite("Foreign image-to-image")
struct ImageToImageTests {
    @Test(
        "InvokeAI's generation_mode names an image-to-image generation",
        arguments: [
            ("img2img", true), ("sdxl_img2img", true), ("inpaint", true), ("outpaint", true), ("txt2img", false),
            ("sdxl_txt2img", false),
        ])
    func invokeAIMode(mode: String, fromAnImage: Bool) throws {
        let text = #"{"positive_prompt": "a fox", "generation_mode": "\#(mode)", "seed": 1}"#
        let info = try #require(InvokeAIMetadata.parseMetadata(text))
        #expect((info.imageToImage == true) == fromAnImage, "\(mode)")
    }
}
