import Testing

@testable import PNGMetadata

/// The one ComfyUI graph walk over both of the shapes a graph is saved in: the executed graph
/// (`prompt` chunk) and the editor's graph (`workflow` chunk).
@Suite("ComfyUI: one walk, two shapes")
struct ComfyUIGraphTests {
    /// A sampler conditioned on a combine of two encoders, one of whose texts comes from a
    /// string node, with its seed from an integer node: as ComfyUI executes it.
    static let apiGraph = #"""
        {"3": {"class_type": "KSampler", "inputs": {"seed": ["13", 0], "steps": 30, "cfg": 6.5, "sampler_name": "euler",
          "scheduler": "karras", "denoise": 1, "model": ["4", 0], "positive": ["12", 0], "negative": ["7", 0]}},
         "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "model.safetensors"}},
         "6": {"class_type": "CLIPTextEncode", "inputs": {"text": ["10", 0], "clip": ["4", 1]}},
         "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
         "8": {"class_type": "CLIPTextEncode", "inputs": {"text": "fog", "clip": ["4", 1]}},
         "10": {"class_type": "PrimitiveStringMultiline", "inputs": {"value": "a lighthouse at dusk"}},
         "12": {"class_type": "ConditioningCombine",
                "inputs": {"conditioning_1": ["6", 0], "conditioning_2": ["8", 0]}},
         "13": {"class_type": "PrimitiveInt", "inputs": {"value": 4242}}}
        """#

    /// The same graph as the editor saves it: the text and the seed are widgets turned into
    /// inputs, so the encoder and the sampler still hold their old values ("stale text", 1).
    static let workflow = #"""
        {"nodes": [
          {"id": 3, "type": "KSampler", "inputs": [{"name": "model", "type": "MODEL", "link": 1}, {"name": "positive",
            "type": "CONDITIONING", "link": 2}, {"name": "negative", "type": "CONDITIONING", "link": 3},
            {"name": "latent_image", "type": "LATENT", "link": null}, {"name": "seed", "type": "INT",
            "widget": {"name": "seed"}, "link": 4}], "widgets_values": [1, "fixed", 30, 6.5, "euler", "karras", 1]},
          {"id": 4, "type": "CheckpointLoaderSimple", "widgets_values": ["model.safetensors"]},
          {"id": 6, "type": "CLIPTextEncode", "inputs": [{"name": "clip", "type": "CLIP", "link": 5}, {"name": "text",
            "type": "STRING", "widget": {"name": "text"}, "link": 6}], "widgets_values": ["stale text"]},
          {"id": 7, "type": "CLIPTextEncode", "inputs": [{"name": "clip", "type": "CLIP", "link": 7}],
            "widgets_values": ["blurry"]},
          {"id": 8, "type": "CLIPTextEncode", "inputs": [], "widgets_values": ["fog"]},
          {"id": 10, "type": "PrimitiveNode", "widgets_values": ["a lighthouse at dusk"]},
          {"id": 12, "type": "ConditioningCombine", "inputs": [{"name": "conditioning_1", "type": "CONDITIONING",
            "link": 8}, {"name": "conditioning_2", "type": "CONDITIONING", "link": 9}]},
          {"id": 13, "type": "PrimitiveNode", "widgets_values": [4242, "fixed"]}],
         "links": [[1, 4, 0, 3, 0, "MODEL"], [2, 12, 0, 3, 1, "CONDITIONING"], [3, 7, 0, 3, 2, "CONDITIONING"],
                   [4, 13, 0, 3, 4, "INT"], [5, 4, 1, 6, 0, "CLIP"], [6, 10, 0, 6, 1, "STRING"],
                   [7, 4, 1, 7, 0, "CLIP"], [8, 6, 0, 12, 0, "CONDITIONING"], [9, 8, 0, 12, 1, "CONDITIONING"]]}
        """#

    @Test("one graph in both shapes reads the same: links win over the widgets they replaced")
    func bothShapesAgree() throws {
        let api = try #require(ComfyUIMetadata.parseAPIGraph(Self.apiGraph))
        let workflow = try #require(ComfyUIWorkflow.parse(Self.workflow))
        for info in [api, workflow] {
            #expect(info.generator == .comfyui)
            #expect(info.prompt == "a lighthouse at dusk\nfog")
            #expect(info.negativePrompt == "blurry")
            #expect(info.parameter("seed") == "4242")
            #expect(info.parameter("steps") == "30")
            #expect(info.parameter("cfg") == "6.5")
            #expect(info.parameter("sampler") == "euler")
            #expect(info.parameter("scheduler") == "karras")
            #expect(info.parameter("denoise") == "1")
            #expect(info.parameter("model") == "model.safetensors")
        }
        #expect(api.parameters.map(\.key) == workflow.parameters.map(\.key))
    }

    @Test("the editor's graph follows conditioning by its type, whatever the input is called")
    func conditioningByType() throws {
        let workflow = #"""
            {"nodes": [
              {"id": 1, "type": "KSampler", "inputs": [{"name": "positive", "type": "CONDITIONING", "link": 1}],
                "widgets_values": [5, 10, 7, "euler", "normal", 1]},
              {"id": 2, "type": "MyMixer", "inputs": [{"name": "first", "type": "CONDITIONING", "link": 2},
                {"name": "second", "type": "CONDITIONING", "link": 3}, {"name": "weight", "type": "FLOAT",
                "link": null}]},
              {"id": 3, "type": "CLIPTextEncode", "widgets_values": ["a cat"]},
              {"id": 4, "type": "CLIPTextEncode", "widgets_values": ["in the rain"]},
              {"id": 5, "type": "CLIPTextEncode", "title": "unused draft", "widgets_values": ["a dog"]}],
             "links": [[1, 2, 0, 1, 1, "CONDITIONING"], [2, 3, 0, 2, 0, "CONDITIONING"],
                       [3, 4, 0, 2, 1, "CONDITIONING"]]}
            """#
        let info = try #require(ComfyUIWorkflow.parse(workflow))
        #expect(info.prompt == "a cat\nin the rain")
        #expect(info.parameter("seed") == "5")
        #expect(info.parameter("steps") == "10")
        // The executed graph has no types: an input named like conditioning is followed…
        let named = #"""
            {"1": {"class_type": "KSampler", "inputs": {"seed": 5, "positive": ["2", 0]}},
             "2": {"class_type": "MyMixer", "inputs": {"conditioning_a": ["3", 0], "conditioning_b": ["4", 0]}},
             "3": {"class_type": "CLIPTextEncode", "inputs": {"text": "a cat"}},
             "4": {"class_type": "CLIPTextEncode", "inputs": {"text": "in the rain"}},
             "5": {"class_type": "CLIPTextEncode", "inputs": {"text": "a dog"}}}
            """#
        #expect(ComfyUIMetadata.parseAPIGraph(named)?.prompt == "a cat\nin the rain")
        // …any other input is not, and every encoder's text stands in.
        let unnamed = named.replacingOccurrences(of: "conditioning_", with: "c")
        #expect(ComfyUIMetadata.parseAPIGraph(unnamed)?.prompt == "a cat\nin the rain\na dog")
    }

    @Test("a custom sampler conditioned through a guider is the sampler in the editor's graph too")
    func guidedSamplerInTheEditorsGraph() throws {
        // Flux as the editor saves it: KSamplerSelect only names a sampler and is not one; the
        // sampler takes its conditioning through BasicGuider and FluxGuidance, and an encoder
        // that feeds nothing must not join the prompt.
        let workflow = #"""
            {"nodes": [
              {"id": 6, "type": "CLIPTextEncode", "widgets_values": ["a red fox in the snow"]},
              {"id": 7, "type": "CLIPTextEncode", "title": "an old idea", "widgets_values": ["a blue whale"]},
              {"id": 12, "type": "UNETLoader", "widgets_values": ["flux1-dev.safetensors", "default"]},
              {"id": 13, "type": "SamplerCustomAdvanced", "inputs": [{"name": "noise", "type": "NOISE", "link": 1},
                {"name": "guider", "type": "GUIDER", "link": 2}, {"name": "sampler", "type": "SAMPLER", "link": 3}]},
              {"id": 16, "type": "KSamplerSelect", "widgets_values": ["euler"]},
              {"id": 22, "type": "BasicGuider", "inputs": [{"name": "model", "type": "MODEL", "link": 4},
                {"name": "conditioning", "type": "CONDITIONING", "link": 5}]},
              {"id": 25, "type": "RandomNoise", "widgets_values": [219670278747233, "randomize"]},
              {"id": 26, "type": "FluxGuidance", "inputs": [{"name": "conditioning", "type": "CONDITIONING",
                "link": 6}], "widgets_values": [3.5]}],
             "links": [[1, 25, 0, 13, 0, "NOISE"], [2, 22, 0, 13, 1, "GUIDER"], [3, 16, 0, 13, 2, "SAMPLER"],
                       [4, 12, 0, 22, 0, "MODEL"], [5, 26, 0, 22, 1, "CONDITIONING"], [6, 6, 0, 26, 0, "CONDITIONING"]]}
            """#
        let info = try #require(ComfyUIWorkflow.parse(workflow))
        #expect(info.prompt == "a red fox in the snow")
        #expect(info.negativePrompt == nil)
        #expect(info.parameter("model") == "flux1-dev.safetensors")
    }

    @Test("every sampler's prompt is kept: a second pass's own prompt is the image's too, in both shapes")
    func everySamplersPrompt() throws {
        let api = #"""
            {"3": {"class_type": "KSampler", "inputs": {"seed": 7, "steps": 20, "positive": ["6", 0],
               "negative": ["7", 0], "latent_image": ["5", 0], "model": ["4", 0]}},
             "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "base.safetensors"}},
             "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 832, "height": 1216}},
             "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a lake at dawn"}},
             "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry"}},
             "10": {"class_type": "LatentUpscale", "inputs": {"samples": ["3", 0]}},
             "11": {"class_type": "CLIPTextEncode", "inputs": {"text": "mountains"}},
             "12": {"class_type": "KSampler", "inputs": {"seed": 8, "steps": 12, "positive": ["11", 0],
               "negative": ["7", 0], "latent_image": ["10", 0], "model": ["4", 0]}}}
            """#
        let workflow = #"""
            {"nodes": [
              {"id": 3, "type": "KSampler", "inputs": [{"name": "positive", "type": "CONDITIONING", "link": 1},
                {"name": "latent_image", "type": "LATENT", "link": 2}], "widgets_values": [7, "fixed", 20, 7, "euler",
                "normal", 1]},
              {"id": 5, "type": "EmptyLatentImage", "widgets_values": [832, 1216, 1]},
              {"id": 6, "type": "CLIPTextEncode", "widgets_values": ["a lake at dawn"]},
              {"id": 10, "type": "LatentUpscale", "inputs": [{"name": "samples", "type": "LATENT", "link": 3}]},
              {"id": 11, "type": "CLIPTextEncode", "widgets_values": ["mountains"]},
              {"id": 12, "type": "KSampler", "inputs": [{"name": "positive", "type": "CONDITIONING", "link": 4},
                {"name": "latent_image", "type": "LATENT", "link": 5}], "widgets_values": [8, "fixed", 12, 6, "euler",
                "normal", 0.5]}],
             "links": [[1, 6, 0, 3, 0, "CONDITIONING"], [2, 5, 0, 3, 1, "LATENT"], [3, 3, 0, 10, 0, "LATENT"],
                       [4, 11, 0, 12, 0, "CONDITIONING"], [5, 10, 0, 12, 1, "LATENT"]]}
            """#
        for info in [try #require(ComfyUIMetadata.parseAPIGraph(api)), try #require(ComfyUIWorkflow.parse(workflow))] {
            #expect(info.prompt == "a lake at dawn\nmountains")
            // The settings are the first pass's.
            #expect(info.parameter("seed") == "7")
            #expect(info.parameter("steps") == "20")
            #expect(info.imageToImage == nil, "a second pass over the first's latent is not image-to-image")
        }
        #expect(ComfyUIMetadata.parseAPIGraph(api)?.negativePrompt == "blurry", "the shared negative once")
    }

    @Test("a sampler that starts from a loaded image is image-to-image; a ControlNet's image is not")
    func imageToImage() throws {
        let img2img = #"""
            {"1": {"class_type": "LoadImage", "inputs": {"image": "photo.png"}},
             "2": {"class_type": "ImageScale", "inputs": {"image": ["1", 0], "width": 512, "height": 512}},
             "3": {"class_type": "VAEEncode", "inputs": {"pixels": ["2", 0], "vae": ["4", 2]}},
             "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd15.safetensors"}},
             "5": {"class_type": "KSampler", "inputs": {"seed": 1, "positive": ["6", 0], "latent_image": ["3", 0],
               "model": ["4", 0], "denoise": 0.55}},
             "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "as an oil painting"}}}
            """#
        let info = try #require(ComfyUIMetadata.parseAPIGraph(img2img))
        #expect(info.imageToImage == true)
        #expect(info.prompt == "as an oil painting")
        #expect(info.parameter("denoise") == "0.55")
        let controlNet = #"""
            {"1": {"class_type": "LoadImage", "inputs": {"image": "pose.png"}},
             "2": {"class_type": "ControlNetApply", "inputs": {"conditioning": ["6", 0], "image": ["1", 0],
               "control_net": ["8", 0], "strength": 1}},
             "5": {"class_type": "KSampler", "inputs": {"seed": 1, "positive": ["2", 0], "latent_image": ["7", 0]}},
             "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a dancer"}},
             "7": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512}},
             "8": {"class_type": "ControlNetLoader", "inputs": {"control_net_name": "openpose.safetensors"}}}
            """#
        let guided = try #require(ComfyUIMetadata.parseAPIGraph(controlNet))
        #expect(guided.prompt == "a dancer")
        #expect(guided.imageToImage == nil, "a ControlNet's image guides the conditioning; the latent is empty")
    }
}
