import Foundation
import GptimgSupport
import Testing

@testable import PNGMetadata

@Suite struct FormatParserTests {
    // MARK: - A1111 infotext: reading

    @Test func a1111Sample() throws {
        let info = try #require(GenerationInfoParser.parse(ForeignSamples.a1111))
        #expect(info.generator == .a1111)
        #expect(info.prompt?.hasPrefix("masterpiece, best quality, 1girl") == true)
        #expect(info.prompt?.hasSuffix("<lora:add_detail:0.6>") == true)
        #expect(info.negativePrompt == "(worst quality, low quality:1.4), bad anatomy, EasyNegative, watermark")
        #expect(info.parameter("Steps") == "28")
        #expect(info.parameter("Sampler") == "DPM++ 2M")
        #expect(info.parameter("CFG scale") == "7")
        #expect(info.parameter("Seed") == "1234567890")
        #expect(info.parameter("Size") == "512x768")
        #expect(info.parameter("Model") == "anything-v5-PrtRE")
        #expect(info.parameter("Hires upscaler") == "R-ESRGAN 4x+ Anime6B")
        #expect(info.parameter("Lora hashes") == "add_detail: 7c6bad76eb54")
        #expect(info.parameter("Version") == "v1.10.1")
        #expect(info.parameters.first?.key == "Steps")
        #expect(info.parameters.count == 16)
    }

    @Test func a1111UnicodeMultiLineAndQuotedValues() throws {
        let info = try #require(GenerationInfoParser.parse(ForeignSamples.a1111Unicode))
        #expect(info.generator == .a1111)
        #expect(
            info.prompt
                == """
                a cozy café at night, 東京, neon signs ✨\nrain on the window, "bokeh", Negative prompt: not a label \
                mid-line
                """
        )
        #expect(info.negativePrompt == "text, watermark\nlowres")
        #expect(info.parameter("Wildcard prompt") == "a {red|blue} car, studio: \"1\"")
        #expect(info.parameter("Version") == "v1.9.4")
    }

    @Test func forgeAndSDNextAreA1111WithTheirVersion() throws {
        let forge = try #require(GenerationInfoParser.parse(ForeignSamples.forge))
        #expect(forge.generator == .a1111)
        #expect(forge.negativePrompt == nil)
        #expect(forge.prompt == "a photo of an astronaut riding a horse on mars, cinematic lighting, 35mm")
        #expect(forge.parameter("Version") == "f2.0.1v1.10.1-previous-313-g8a042934")
        #expect(forge.parameter("Distilled CFG Scale") == "3.5")
        #expect(forge.parameter("Module 3") == "t5xxl_fp16")

        let sdNext = try #require(GenerationInfoParser.parse(ForeignSamples.sdNext))
        #expect(sdNext.generator == .a1111)
        #expect(sdNext.negativePrompt == "cartoon, painting")
        #expect(sdNext.parameter("App") == "SD.Next")
        #expect(sdNext.parameter("Version") == "82973c4")
    }

    @Test func a1111SettingsLineNeedsThreePairs() throws {
        let parsed = try #require(A1111Infotext.parse("a cat\nSteps: 20, Seed: 1"))
        #expect(parsed.prompt == "a cat\nSteps: 20, Seed: 1")
        #expect(parsed.parameters.isEmpty)

        let three = try #require(A1111Infotext.parse("a cat\nSteps: 20, Seed: 1, Size: 512x512"))
        #expect(three.prompt == "a cat")
        #expect(three.parameters == [Parameter("Steps", "20"), Parameter("Seed", "1"), Parameter("Size", "512x512")])
    }

    @Test func a1111ParseFollowsPythonQuirks() throws {
        // Lines are stripped, CRLF included; a repeated key keeps its first place and last
        // value; empty values are dropped; a badly quoted value stays as written.
        let text =
            "  first line  \r\n\tsecond line\r\nNegative prompt:   neg\r\nAa: 1, Bb: , Cc: \"x\"y, Aa: 2, Dd: \"ok\""
        let parsed = try #require(A1111Infotext.parse(text))
        #expect(parsed.prompt == "first line\nsecond line")
        #expect(parsed.negativePrompt == "neg")
        #expect(parsed.parameters == [Parameter("Aa", "2"), Parameter("Cc", "\"x\"y"), Parameter("Dd", "ok")])
        #expect(A1111Infotext.parse("") == nil)
        #expect(A1111Infotext.parse(" \n\t ") == nil)
        let onlySettings = try #require(A1111Infotext.parse("Steps: 20, Sampler: Euler a, Seed: 1"))
        #expect(onlySettings.prompt == "")
        #expect(onlySettings.parameters.count == 3)
    }

    @Test func a1111ScannerMatchesPythonFindall() {
        // Expected values from Python: re.findall(re_param, line).
        let cases: [(String, [String])] = [
            ("Steps: 20, Sampler: Euler a, CFG scale: 7", ["Steps=20", "Sampler=Euler a", "CFG scale=7"]),
            ("garbage, Steps: 20, x: 1, Seed:3", ["Steps=20", "Seed=3"]),
            ("Lora hashes: \"a: 1, b: 2\", Version: v1", ["Lora hashes=\"a: 1, b: 2\"", "Version=v1"]),
            ("Kk: \"a\\\"b\", Ll: \"\"", ["Kk=\"a\\\"b\"", "Ll=\"\""]),
            ("Kk: \"open, Ll: 2", ["Kk=\"open", "Ll=2"]),
            // Keys need two characters.
            ("A: 1, B: 2, C: 3", []),
            ("a\"b: 1, ok:2, x/-: 3", ["ok=2", "x/-=3"]),
            ("Ünïcödé kéy: värde, 東京: 1, ab-c/d e: f", ["Ünïcödé kéy=värde", "東京=1", "ab-c/d e=f"]),
        ]
        for (line, expected) in cases {
            let found = A1111ParamScanner.matches(in: line).map { "\($0.key)=\($0.value)" }
            #expect(found == expected, "\(line)")
        }
    }

    @Test func a1111ScannerIsLinearOnHostileLines() {
        // A long run of key characters without a colon makes Python's regex quadratic.
        let hostile = String(repeating: "a", count: 2_000_000) + ", " + String(repeating: "word ", count: 200_000)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            #expect(A1111ParamScanner.matches(in: hostile).isEmpty)
            #expect(A1111Infotext.parse(hostile + "\nAa: 1, Bb: 2, Cc: 3")?.parameters.count == 3)
        }
        #expect(elapsed < .seconds(20))
    }

    // MARK: - A1111 infotext: writing and round trips

    @Test func a1111FormatMatchesCreateInfotext() {
        let text = A1111Infotext.format(
            prompt: "a fox", negativePrompt: "blurry",
            parameters: [
                Parameter("Model", "gpt-image-2"), Parameter("Aspect ratio", "16:9"), Parameter("Size", "1536x864"),
                Parameter("Type", "text-to-image"), Parameter("Image", "1 of 2"),
            ])
        #expect(
            text
                == """
                a fox\nNegative prompt: blurry\nModel: gpt-image-2, Aspect ratio: "16:9", Size: 1536x864, Type: \
                text-to-image, Image: 1 of 2
                """
        )
        // No negative prompt line when it is empty; the whole text is stripped.
        #expect(
            A1111Infotext.format(prompt: " a fox ", negativePrompt: "", parameters: [Parameter("Ab", "1")])
                == "a fox \nAb: 1")
    }

    @Test func a1111QuoteIsA1111Quote() {
        #expect(A1111Infotext.quote("Euler a") == "Euler a")
        #expect(A1111Infotext.quote("say \"hi\"") == "say \"hi\"")
        #expect(A1111Infotext.quote("a, b") == "\"a, b\"")
        #expect(A1111Infotext.quote("16:9") == "\"16:9\"")
        #expect(A1111Infotext.quote("l1\nl2\t\"q\" \\ é\u{01}") == "\"l1\\nl2\\t\\\"q\\\" \\\\ é\\u0001\"")
        #expect(A1111Infotext.unquote("\"a\\u00e9\\ud83c\\udfa8\"") == "aé🎨")
        #expect(A1111Infotext.unquote("\"broken") == "\"broken")
        #expect(A1111Infotext.unquote("\"raw\ttab\"") == "\"raw\ttab\"") // json.loads is strict
    }

    static let hostileValues: [String] = [
        "plain", "a, b, c", "key: value", "16:9", "say \"hi\"", "\"fully quoted\"", "back\\slash",
        "back\\slash, with comma", "trailing backslash\\", "line one\nline two", "tab\there", "emoji 🎨🦊, ok",
        "東京: 夜", "Negative prompt: inside a value", "", "  padded  ", "\"", "a\"b\"c, d",
        "https://example.com/a?b=c,d", "ends with comma,", "{\"json\": [1, 2]}", "\u{0085}next line", "cr\rlf",
    ]

    @Test(arguments: hostileValues)
    func a1111RoundTripsHostileValues(_ value: String) throws {
        let parameters = [
            Parameter("Model", "gpt-image-2"), Parameter("Hostile value", value), Parameter("Aspect ratio", "16:9"),
            Parameter("Image", "1 of 2"),
        ]
        let prompt = "a prompt with, commas: colons \"quotes\" \\ 🎨 and Negative prompt: mid-line\nsecond line"
        let negative = "no text, no watermark\nsecond: line"
        let text = A1111Infotext.format(prompt: prompt, negativePrompt: negative, parameters: parameters)
        let parsed = try #require(A1111Infotext.parse(text))
        #expect(parsed.prompt == prompt)
        #expect(parsed.negativePrompt == negative)
        #expect(parsed.parameters == parameters)
        #expect(A1111Infotext.validateStrict(text) == [])
    }

    @Test func a1111FormatSanitizesKeys() throws {
        #expect(A1111Infotext.sanitizedKey("Aspect ratio") == "Aspect ratio")
        #expect(A1111Infotext.sanitizedKey("Model: name") == "Model_ name")
        #expect(A1111Infotext.sanitizedKey(" -/x y ") == "x y")
        #expect(A1111Infotext.sanitizedKey("W") == nil)
        #expect(A1111Infotext.sanitizedKey("") == nil)
        let text = A1111Infotext.format(
            prompt: "p",
            parameters: [
                Parameter("a,b", "1"), Parameter("W", "2"), Parameter("c", "3"), Parameter("dd", "4"),
                Parameter("ee", "5"),
            ])
        let parsed = try #require(A1111Infotext.parse(text))
        #expect(parsed.parameters == [Parameter("a_b", "1"), Parameter("dd", "4"), Parameter("ee", "5")])
    }

    // MARK: - A1111 infotext: strict validation

    @Test func validateStrictAcceptsOurOutputAndA1111Samples() {
        let ours = A1111Infotext.format(
            prompt: "a fox",
            parameters: [
                Parameter("Model", "gpt-image-2"), Parameter("Aspect ratio", "16:9"), Parameter("Task", "t-1"),
            ])
        #expect(A1111Infotext.validateStrict(ours) == [])
        #expect(A1111Infotext.validateStrict(ForeignSamples.a1111Text) == [])
        #expect(A1111Infotext.validateStrict(ForeignSamples.a1111UnicodeText) == [])
        #expect(A1111Infotext.validateStrict(ForeignSamples.forgeText) == [])
    }

    @Test func validateStrictRejects() {
        let unquotedComma = "a fox\nModel: gpt-image-2, Tags: red, blue, Size: 1x1, Type: t"
        #expect(A1111Infotext.validateStrict(unquotedComma).contains { $0.contains("no Key: value pair") })
        let unquotedColon = "a fox\nModel: m, Aspect ratio: 16:9, Size: 1x1"
        #expect(A1111Infotext.validateStrict(unquotedColon).contains { $0.contains("contains ':' but is not quoted") })
        #expect(A1111Infotext.validateStrict("a fox\nSteps: 20, Seed: 1").contains { $0.contains("at least 3") })
        #expect(A1111Infotext.validateStrict("Steps: 20, Seed: 1, Size: 1x1").contains { $0.contains("no prompt") })
        #expect(
            A1111Infotext.validateStrict("Negative prompt: x\nSteps: 20, Seed: 1, Size: 1x1").contains {
                $0.contains("starts with the negative prompt")
            })
        #expect(A1111Infotext.validateStrict("a\nAa: 1, Bb: 2, Aa: 3").contains { $0.contains("more than once") })
        #expect(A1111Infotext.validateStrict("a\nAa: 1, Bb: , Cc: 3").contains { $0.contains("empty value") })
        #expect(
            A1111Infotext.validateStrict("a\nAa: 1, Bb: \"x\"y, Cc: 3").contains {
                $0.contains("no valid quoted string")
            })
        #expect(
            A1111Infotext.validateStrict("a\nAa: 1, Bb: 2, X: 3, Cc: 4").contains { $0.contains("no Key: value pair") })
        #expect(A1111Infotext.validateStrict("") == ["the text is empty"])
    }

    // MARK: - ComfyUI

    @Test func comfyUIPromptGraph() throws {
        let info = try #require(GenerationInfoParser.parse(ForeignSamples.comfyUIPrompt))
        #expect(info.generator == .comfyui)
        #expect(info.prompt == ForeignSamples.comfyUIPromptPositive)
        #expect(info.negativePrompt == "text, watermark")
        #expect(info.parameter("seed") == "156680208700286")
        #expect(info.parameter("steps") == "20")
        #expect(info.parameter("cfg") == "8.0")
        #expect(info.parameter("sampler") == "euler")
        #expect(info.parameter("scheduler") == "normal")
        #expect(info.parameter("denoise") == "1.0")
        #expect(info.parameter("model") == "v1-5-pruned-emaonly.safetensors")
        #expect(info.parameter("width") == "512")
    }

    @Test func comfyUIWorkflowOnly() throws {
        let info = try #require(GenerationInfoParser.parse(ForeignSamples.comfyUIWorkflowOnly))
        #expect(info.generator == .comfyui)
        #expect(info.prompt == ForeignSamples.comfyUIPromptPositive)
        #expect(info.negativePrompt == "text, watermark")
        #expect(info.parameter("seed") == "156680208700286")
        #expect(info.parameter("steps") == "20")
        #expect(info.parameter("cfg") == "8")
        #expect(info.parameter("sampler") == "euler")
        #expect(info.parameter("scheduler") == "normal")
        #expect(info.parameter("denoise") == "1")
        #expect(info.parameter("model") == "v1-5-pruned-emaonly.safetensors")
    }

    @Test func comfyUISDXLAdvancedSamplerLinkedTextAndLoRA() throws {
        let info = try #require(GenerationInfoParser.parse(ForeignSamples.comfyUISDXL))
        #expect(info.generator == .comfyui)
        #expect(info.prompt == "a lighthouse on a cliff at dusk, 光, volumetric fog")
        #expect(info.negativePrompt == "blurry, lowres")
        #expect(info.parameter("seed") == "721897303308196")
        #expect(info.parameter("steps") == "25")
        #expect(info.parameter("sampler") == "dpmpp_2m")
        #expect(info.parameter("scheduler") == "karras")
        #expect(info.parameter("model") == "sd_xl_base_1.0.safetensors")
        #expect(info.parameter("width") == "1024")
    }

    @Test func comfyUIFluxCustomSampler() throws {
        let info = try #require(GenerationInfoParser.parse(ForeignSamples.comfyUIFlux))
        #expect(info.prompt == "a red fox in the snow, photorealistic")
        #expect(info.negativePrompt == nil)
        #expect(info.parameter("seed") == "219670278747233")
        #expect(info.parameter("steps") == "20")
        #expect(info.parameter("sampler") == "euler")
        #expect(info.parameter("scheduler") == "simple")
        #expect(info.parameter("denoise") == "1")
        #expect(info.parameter("model") == "flux1-dev.safetensors")
    }

    @Test func comfyUIWithoutSamplerFallsBackToEncoders() throws {
        let graph = #"""
            {"1": {"class_type": "CLIPTextEncode", "inputs": {"text": "a cat", "clip": ["9", 1]}, "_meta": {"title": \#
            "Positive"}},
             "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "a dog"}},
             "3": {"class_type": "CLIPTextEncode", "inputs": {"text": "ugly"}, "_meta": {"title": "Negative Prompt"}},
             "9": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "model.safetensors"}}}
            """#
        let info = try #require(ComfyUIMetadata.parseAPIGraph(graph))
        #expect(info.prompt == "a cat\na dog")
        #expect(info.negativePrompt == "ugly")
        #expect(info.parameter("model") == "model.safetensors")
    }

    @Test func comfyUILinkCyclesAndLatticesTerminate() throws {
        // The positive text links in a cycle; the negative conditioning is a deep lattice of
        // ConditioningCombine nodes (2^200 paths if walked naively); the seed links to itself.
        var nodes: [String] = [
            #"""
            "1": {"class_type": "KSampler", "inputs": {"seed": ["1", 0], "steps": 20, "positive": ["2", 0], \#
            "negative": ["100", 0]}}
            """#,
            #""2": {"class_type": "CLIPTextEncode", "inputs": {"text": ["3", 0]}}"#,
            #""3": {"class_type": "StringNode", "inputs": {"text": ["4", 0]}}"#,
            #""4": {"class_type": "StringNode", "inputs": {"text": ["3", 0]}}"#,
        ]
        for level in 0..<200 {
            let a = 100 + 2 * level
            let next = (a + 2, a + 3)
            for id in [a, a + 1] {
                nodes.append(
                    #"""
                    "\#(id)": {"class_type": "ConditioningCombine", "inputs": {"conditioning_1": ["\#(next.0)", 0], \#
                    "conditioning_2": ["\#(next.1)", 0]}}
                    """#
                )
            }
        }
        let graph = "{" + nodes.joined(separator: ", ") + "}"
        let info = try #require(ComfyUIMetadata.parseAPIGraph(graph))
        #expect(info.generator == .comfyui)
        #expect(info.prompt == nil)
        #expect(info.negativePrompt == nil)
        #expect(info.parameter("steps") == "20")
        #expect(info.parameter("seed") == nil)
    }

    @Test func comfyUIHugeGraphsStayCheap() throws {
        // Thousands of samplers, each conditioned on a long chain that never reaches text, and
        // thousands of encoders whose text links down another long chain.
        var nodes: [String] = []
        for id in 0..<5_000 {
            nodes.append(
                #"""
                "s\#(id)": {"class_type": "KSampler", "inputs": {"seed": \#(id), "positive": ["c0", 0], "negative": \#
                ["c0", 0]}}
                """#
            )
        }
        for id in 0..<2_000 {
            nodes.append(
                #""c\#(id)": {"class_type": "ConditioningConcat", "inputs": {"conditioning_to": ["c\#(id + 1)", 0]}}"#)
            nodes.append(#""t\#(id)": {"class_type": "StringNode", "inputs": {"text": ["t\#(id + 1)", 0]}}"#)
        }
        let samplers = "{" + nodes.joined(separator: ", ") + "}"
        let encoders =
            "{"
            + (0..<5_000).map { #""e\#($0)": {"class_type": "CLIPTextEncode", "inputs": {"text": ["t0", 0]}}"# }
            .joined(separator: ", ") + ", " + nodes.suffix(4_000).joined(separator: ", ") + "}"
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            #expect(ComfyUIMetadata.parseAPIGraph(samplers)?.prompt == nil)
            #expect(ComfyUIMetadata.parseAPIGraph(encoders)?.prompt == nil)
        }
        #expect(elapsed < .seconds(20))
    }

    @Test func comfyUIWorkflowCycle() throws {
        let workflow = #"""
            {"nodes": [{"id": 1, "type": "KSampler", "inputs": [{"name": "positive", "type": "CONDITIONING", "link": \#
            1}], "widgets_values": [5, "fixed", 10, 7, "euler", "normal", 1]},
                       {"id": 2, "type": "ConditioningCombine", "inputs": [{"name": "conditioning_1", "type": \#
            "CONDITIONING", "link": 2}]},
                       {"id": 3, "type": "ConditioningCombine", "inputs": [{"name": "conditioning_1", "type": \#
            "CONDITIONING", "link": 3}]}],
             "links": [[1, 2, 0, 1, 1, "CONDITIONING"], [2, 3, 0, 2, 0, "CONDITIONING"], [3, 2, 0, 3, 0, \#
            "CONDITIONING"]]}
            """#
        let info = try #require(ComfyUIWorkflow.parse(workflow))
        #expect(info.prompt == nil)
        #expect(info.parameter("seed") == "5")
        #expect(info.parameter("steps") == "10")
    }

    @Test func comfyUIPlainTextPromptChunkIsNotComfyUI() {
        #expect(ComfyUIMetadata.parse([ForeignSamples.tEXt("prompt", "just a prompt")]) == nil)
        #expect(ComfyUIMetadata.parse([ForeignSamples.tEXt("prompt", #"{"a": 1}"#)]) == nil)
    }

    // MARK: - InvokeAI

    @Test func invokeAIv3() throws {
        let info = try #require(GenerationInfoParser.parse(ForeignSamples.invokeAIv3))
        #expect(info.generator == .invokeai)
        #expect(info.prompt == "landscape, misty mountains, golden hour, \"epic\" scale")
        #expect(info.negativePrompt == "low quality, blurry")
        #expect(info.parameter("model") == "amixx_3Prunedfp16")
        #expect(info.parameter("seed") == "356120443")
        #expect(info.parameter("steps") == "50")
        #expect(info.parameter("cfg_scale") == "7.5")
        #expect(info.parameter("scheduler") == "dpmpp_2m_sde_k")
        #expect(info.parameter("width") == "768")
        #expect(info.parameter("height") == "432")
        #expect(info.parameter("generation_mode") == "txt2img")
        #expect(info.parameter("vae") == "sd-vae-ft-mse")
    }

    @Test func invokeAIv5() throws {
        let info = try #require(GenerationInfoParser.parse(ForeignSamples.invokeAIv5))
        #expect(info.generator == .invokeai)
        #expect(info.prompt == "a watercolor painting of a koi pond, 錦鯉")
        #expect(info.negativePrompt == nil)
        #expect(info.parameter("model") == "Juggernaut XL v9")
        #expect(info.parameter("app_version") == "5.6.0")
    }

    @Test func invokeAISdMetadata() throws {
        let info = try #require(GenerationInfoParser.parse(ForeignSamples.invokeAISdMetadata))
        #expect(info.generator == .invokeai)
        #expect(info.prompt == "a fantasy castle on a hill, matte painting")
        #expect(info.negativePrompt == "lowres, blurry")
        #expect(info.parameter("model") == "stable-diffusion-1.5")
        #expect(info.parameter("seed") == "3257823006")
        #expect(info.parameter("sampler") == "k_lms")
        #expect(info.parameter("cfg_scale") == "7.5")
        #expect(info.parameter("width") == "768")
    }

    @Test func invokeAIDream() throws {
        let info = try #require(GenerationInfoParser.parse(ForeignSamples.invokeAIDream))
        #expect(info.generator == .invokeai)
        #expect(info.prompt == "an astronaut lounging in a tropical resort, vaporwave")
        #expect(info.negativePrompt == "cartoon")
        #expect(info.parameter("steps") == "50")
        #expect(info.parameter("seed") == "1234")
        #expect(info.parameter("width") == "512")
        #expect(info.parameter("height") == "512")
        #expect(info.parameter("cfg_scale") == "7.5")
        #expect(info.parameter("sampler") == "k_lms")

        let quoted = try #require(InvokeAIMetadata.parseDream(#""a "quoted" word" -s50 -S 7"#))
        #expect(quoted.prompt == "a \"quoted\" word")
        #expect(quoted.negativePrompt == nil)
        #expect(quoted.parameter("steps") == "50")
        #expect(quoted.parameter("seed") == "7")
    }

    @Test func invokeAIBracketedNegatives() {
        let split = InvokeAIMetadata.splitBracketedNegatives("a cat [dog] on a mat [blurry, [nested]] [unclosed")
        #expect(split.0 == "a cat on a mat [unclosed")
        #expect(split.1 == "dog, blurry, [nested]")
    }

    // MARK: - NovelAI

    @Test func novelAI() throws {
        let info = try #require(GenerationInfoParser.parse(ForeignSamples.novelAI))
        #expect(info.generator == .novelai)
        #expect(info.prompt?.hasPrefix("1girl, {{silver hair}}") == true)
        #expect(info.negativePrompt?.hasPrefix("nsfw, lowres, {bad}") == true)
        #expect(info.parameter("Source") == "Stable Diffusion XL C1E1DE52")
        #expect(info.parameter("steps") == "28")
        #expect(info.parameter("scale") == "5.0")
        #expect(info.parameter("seed") == "2210346394")
        #expect(info.parameter("sampler") == "k_euler_ancestral")
        #expect(info.parameter("width") == "832")
        #expect(info.parameter("height") == "1216")
        #expect(info.parameter("cfg_rescale") == "0.0")
    }

    @Test func novelAIv4() throws {
        let info = try #require(GenerationInfoParser.parse(ForeignSamples.novelAIv4))
        #expect(info.generator == .novelai)
        #expect(info.prompt == "2girls, park, autumn leaves, best quality, very aesthetic")
        #expect(info.negativePrompt?.hasPrefix("blurry, lowres") == true)
        #expect(info.parameter("Source") == "NovelAI Diffusion V4 4F49EC75")
        #expect(info.parameter("character 1") == "girl, blonde hair, yellow scarf")
        #expect(info.parameter("character 1 uc") == "hat")
        #expect(info.parameter("character 2") == "girl, black hair, red coat")
        #expect(info.parameter("character 2 uc") == nil)
        #expect(info.parameter("seed") == "3977382817")

        // V4 without Description or uc: the captions speak.
        let bare = try #require(
            NovelAIMetadata.parse([
                ForeignSamples.tEXt("Software", "NovelAI"),
                ForeignSamples.tEXt(
                    "Comment",
                    #"""
                    {"v4_prompt": {"caption": {"base_caption": "a castle"}}, "v4_negative_prompt": {"caption": \#
                    {"base_caption": "fog"}}}
                    """#
                ),
            ]))
        #expect(bare.prompt == "a castle")
        #expect(bare.negativePrompt == "fog")
    }

    // MARK: - Fooocus

    @Test func fooocus() throws {
        let info = try #require(GenerationInfoParser.parse(ForeignSamples.fooocus))
        #expect(info.generator == .fooocus)
        #expect(info.prompt == "a samurai in the rain, neon reflections")
        #expect(info.negativePrompt == "blurry")
        #expect(info.parameter("seed") == "5087912392371238164")
        #expect(info.parameter("base_model") == "juggernautXL_v8Rundiffusion")
        #expect(info.parameter("refiner_model") == nil) // "None"
        #expect(info.parameter("resolution") == "(1152, 896)")
        #expect(info.parameter("guidance_scale") == "4.0")
        #expect(info.parameter("sharpness") == "2.0")
        #expect(info.parameter("performance") == "Speed")
        #expect(info.parameter("styles") == "['Fooocus V2', 'Fooocus Cinematic', 'Fooocus Enhance', 'Fooocus Sharp']")
        #expect(info.parameter("loras") == #"[["sd_xl_offset_example-lora_1.0", 0.1, "4852686128"]]"#)
        #expect(info.parameter("version") == "Fooocus v2.5.5")
    }

    @Test func fooocusA1111Scheme() throws {
        let info = try #require(GenerationInfoParser.parse(ForeignSamples.fooocusA1111))
        #expect(info.generator == .fooocus)
        #expect(info.prompt == "a samurai in the rain, neon reflections")
        #expect(info.negativePrompt == "blurry")
        #expect(info.parameter("Version") == "Fooocus v2.5.5")
        #expect(info.parameter("ADM Guidance") == "(1.5, 0.8, 0.3)")
        #expect(info.parameter("Raw prompt") == nil)

        // Without the scheme chunk, the version alone says Fooocus.
        let versionOnly = try #require(
            GenerationInfoParser.parse([ForeignSamples.tEXt("parameters", ForeignSamples.fooocusA1111Text)]))
        #expect(versionOnly.generator == .fooocus)
    }

    @Test func fooocusLegacyTitleCase() throws {
        let info = try #require(GenerationInfoParser.parse(ForeignSamples.fooocusLegacy))
        #expect(info.generator == .fooocus)
        #expect(info.prompt == "a cat wearing a tiny wizard hat")
        #expect(info.negativePrompt == nil)
        #expect(info.parameter("Seed") == "1672352395113405446")
        #expect(info.parameter("Base Model") == "juggernautXL_version6Rundiffusion.safetensors")
        #expect(info.parameter("Guidance Scale") == "4.0")
        #expect(info.parameter("Version") == "v2.1.865")
    }

    @Test func foreignJSONParametersAreNotInfotext() throws {
        // A JSON `parameters` that is not Fooocus's is left to the standard chunks.
        let chunks = [
            ForeignSamples.tEXt("parameters", #"{"prompt": "x", "tool": "other"}"#), ForeignSamples.tEXt("Title", "T"),
        ]
        let info = try #require(GenerationInfoParser.parse(chunks))
        #expect(info.generator == .unknown)
        #expect(GenerationInfoParser.parse([ForeignSamples.tEXt("parameters", #"{"prompt": "x"}"#)]) == nil)
    }

    // MARK: - Standard keywords and XMP

    @Test func standardXMP() throws {
        let info = try #require(GenerationInfoParser.parse(ForeignSamples.standardXMP))
        #expect(info.generator == .unknown)
        #expect(info.prompt == ForeignSamples.xmpDescription)
    }

    @Test func standardText() throws {
        let info = try #require(GenerationInfoParser.parse(ForeignSamples.standardText))
        #expect(info.generator == .unknown)
        #expect(info.prompt == "Fishing boats at dusk, long exposure")
        #expect(info.parameter("Title") == "Harbour at dusk")
        #expect(info.parameter("Comment") == "Created with GIMP")
        #expect(info.parameter("Author") == "J. Doe")
        #expect(info.parameter("Software") == "GIMP 2.10.36")
        #expect(info.parameter("Creation Time") == "Sat, 09 Mar 2024 18:22:41 +0100")
    }

    @Test func standardNeedsSomethingDescriptive() throws {
        #expect(GenerationInfoParser.parse([]) == nil)
        #expect(
            GenerationInfoParser.parse([
                ForeignSamples.tEXt("Software", "GIMP"), ForeignSamples.tEXt("Creation Time", "now"),
            ]) == nil)
        #expect(GenerationInfoParser.parse([ForeignSamples.tEXt("Comment", #"{"json": true}"#)]) == nil)
        let comment = try #require(GenerationInfoParser.parse([ForeignSamples.tEXt("Comment", "a red bicycle")]))
        #expect(comment.prompt == "a red bicycle")
        #expect(comment.parameter("Comment") == nil)
    }

    @Test func xmpRoundTrip() throws {
        let description = "<&>\"' — café 東京 🎨\nsecond line\r\nthird\ttab ]]> &amp; literal"
        let packet = XMPPacket.make(
            description: description, creatorTool: "gptimg 1.0 <beta> & co", createDate: "2025-06-01T12:00:00Z")
        #expect(packet.hasPrefix("<?xpacket begin=\"\u{FEFF}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"))
        #expect(packet.hasSuffix("<?xpacket end=\"w\"?>"))
        #expect(packet.contains("<rdf:li xml:lang=\"x-default\">&lt;&amp;&gt;&quot;&apos;"))
        #expect(packet.contains("<xmp:CreatorTool>gptimg 1.0 &lt;beta&gt; &amp; co</xmp:CreatorTool>"))
        #expect(packet.contains("<xmp:CreateDate>2025-06-01T12:00:00Z</xmp:CreateDate>"))
        #expect(XMPPacket.description(in: packet) == description)
        // Characters XML cannot hold are left out rather than making the packet invalid.
        let control = XMPPacket.make(description: "bell\u{07} nul\u{00} ok", creatorTool: "t", createDate: "d")
        #expect(XMPPacket.description(in: control) == "bell nul ok")
        let empty = XMPPacket.make(description: "", creatorTool: "t", createDate: "d")
        #expect(XMPPacket.description(in: empty) == "")
    }

    @Test func xmpReaderVariants() {
        let direct = """
            <x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
            <rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description> plain text \
            </dc:description></rdf:Description>
            </rdf:RDF></x:xmpmeta>
            """
        #expect(XMPPacket.description(in: direct) == "plain text")
        let firstItem = """
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description \
            xmlns:d="http://purl.org/dc/elements/1.1/">
            <d:description><rdf:Alt><rdf:li xml:lang="fr">bonjour</rdf:li><rdf:li \
            xml:lang="de">hallo</rdf:li></rdf:Alt></d:description>
            </rdf:Description></rdf:RDF>
            """
        #expect(XMPPacket.description(in: firstItem) == "bonjour")
        let attribute = """
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description \
            xmlns:dc="http://purl.org/dc/elements/1.1/" dc:description="short form"/></rdf:RDF>
            """
        #expect(XMPPacket.description(in: attribute) == "short form")
        #expect(
            XMPPacket.description(in: "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"/>") == nil)
        #expect(XMPPacket.description(in: "not xml at all <<<") == nil)
        #expect(XMPPacket.description(in: "") == nil)
    }

    @Test func xmpNeverResolvesEntities() {
        let external = """
            <?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description \
            xmlns:dc="http://purl.org/dc/elements/1.1/">
            <dc:description><rdf:Alt><rdf:li \
            xml:lang="x-default">&secret;</rdf:li></rdf:Alt></dc:description></rdf:Description></rdf:RDF>
            """
        #expect(XMPPacket.description(in: external) == nil)
        let laughs = "<!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><l>&b;</l>"
        #expect(XMPPacket.description(in: laughs) == nil)
    }

    // MARK: - gptimg and precedence

    static let ours = GptimgMetadata(
        prompt: "a lighthouse, at dusk: \"oil\" painting", aspectRatio: "16:9", n: 2, index: 1,
        referenceImages: ["https://example.com/ref.png"], taskID: "gpt-image-2-abc123",
        createdAt: "2025-06-01T12:00:00Z",
        tags: ["sea", "dusk"])

    static func gptimgChunk(_ metadata: GptimgMetadata = ours) throws -> TextChunk {
        let json = try JSONEncoder().encode(metadata)
        return ForeignSamples.iTXt("gptimg", String(decoding: json, as: UTF8.self))
    }

    @Test func gptimgWinsOverEverything() throws {
        let infotext = A1111Infotext.format(prompt: "other prompt", parameters: Self.ours.generationParameters())
        let chunks =
            [
                ForeignSamples.iTXt("parameters", infotext), try Self.gptimgChunk(),
                ForeignSamples.iTXt("Description", "desc"),
            ]
            + ForeignSamples.comfyUIPrompt + ForeignSamples.novelAI
        let info = try #require(GenerationInfoParser.parse(chunks))
        #expect(info.generator == .gptimg)
        #expect(info.prompt == Self.ours.prompt)
        #expect(info.gptimg == Self.ours)
        #expect(info.parameter("Model") == "gpt-image-2")
        #expect(info.parameter("Aspect ratio") == "16:9")
        #expect(info.parameter("Type") == "text-to-image")
        #expect(info.parameter("Task") == "gpt-image-2-abc123")
        #expect(info.parameter("Image") == "2 of 2")
        #expect(info.parameter("References") == "https://example.com/ref.png")
        #expect(info.parameter("Tags") == "sea, dusk")
        // What we write as infotext passes our own strict check and reads back the same.
        #expect(A1111Infotext.validateStrict(infotext) == [])
        #expect(A1111Infotext.parse(infotext)?.parameters == Self.ours.generationParameters())
    }

    @Test func precedenceOrder() throws {
        let s = ForeignSamples.self
        #expect(GenerationInfoParser.parse(s.comfyUIPrompt + s.invokeAIv3 + s.a1111)?.generator == .comfyui)
        #expect(GenerationInfoParser.parse(s.invokeAIv3 + s.novelAI + s.a1111)?.generator == .invokeai)
        #expect(GenerationInfoParser.parse(s.novelAI + s.fooocus)?.generator == .novelai)
        #expect(GenerationInfoParser.parse(s.a1111 + s.standardText + s.standardXMP)?.generator == .a1111)
        #expect(
            GenerationInfoParser.parse(s.standardXMP + s.standardText)?.prompt == "Fishing boats at dusk, long exposure"
        )
    }

    @Test func malformedGptimgFallsThrough() throws {
        let cases = [
            #"{"schema": 1, "prompt": "x", "n": "two"}"#, // wrong type
            #"{"schema": 1, "prompt": "x""#, // truncated
            #"{"schema": 1}"#, // no prompt
            #"["not", "an", "object"]"#,
            String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000),
            "",
        ]
        for text in cases {
            let info = GenerationInfoParser.parse([ForeignSamples.iTXt("gptimg", text)] + ForeignSamples.a1111)
            #expect(info?.generator == .a1111, "\(text.prefix(40))")
        }
        // Other schema versions with missing optional fields still read.
        let minimal = try #require(
            GenerationInfoParser.parse([ForeignSamples.iTXt("gptimg", #"{"prompt": "just this"}"#)]))
        #expect(minimal.generator == .gptimg)
        #expect(minimal.parameter("Image") == "1 of 1")
    }

    // MARK: - Hostile input

    static let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
    static let deepObject = String(repeating: #"{"a":"#, count: 10_000) + "1" + String(repeating: "}", count: 10_000)

    static let malformedTexts: [String] = [
        "", " ", "{", "}", "[", "null", "true", "0", "\"string\"", "{\"3\": ", #"{"3": {"class_type": 5}}"#,
        #"{"3": {"class_type": "KSampler", "inputs": []}}"#,
        #"{"3": {"class_type": "KSampler", "inputs": {"positive": ["3"], "negative": [3, "x"], "seed": {}}}}"#,
        #"{"nodes": {}, "links": 5}"#, #"{"nodes": [1, "a", null, {"id": null}], "links": [[], [null], {"id": 1}]}"#,
        #"{"image": {"prompt": 5}}"#, #"{"image": []}"#, #"{"positive_prompt": 7, "model": [1]}"#,
        #"{"prompt": ["x"], "v4_prompt": "y"}"#, "\u{0}\u{1}\u{FFFD}", deep, deepObject,
        #"{"a": NaN, "b": -Infinity, "c": 1e999}"#, "\u{FEFF}{}",
        String(repeating: "\"", count: 1000), String(repeating: "Negative prompt:\n", count: 1000),
    ]

    static let keywords = [
        "gptimg", "prompt", "workflow", "invokeai_metadata", "sd-metadata", "Dream", "Comment", "Description",
        "parameters", "fooocus_scheme", "Title", XMPPacket.keyword,
    ]

    @Test(arguments: malformedTexts)
    func malformedInputNeverCrashes(_ text: String) {
        for keyword in Self.keywords {
            var chunks = [ForeignSamples.tEXt(keyword, text)]
            if keyword == "Comment" || keyword == "Description" {
                chunks.append(ForeignSamples.tEXt("Software", "NovelAI"))
            }
            if keyword == "parameters" { chunks.append(ForeignSamples.tEXt("fooocus_scheme", "fooocus")) }
            _ = GenerationInfoParser.parse(chunks)
        }
        _ = ComfyUIMetadata.parseAPIGraph(text)
        _ = ComfyUIWorkflow.parse(text)
        _ = InvokeAIMetadata.parseDream(text)
        _ = A1111Infotext.validateStrict(text)
        _ = XMPPacket.description(in: text)
    }

    @Test(arguments: ForeignSamples.all.map(\.name))
    func truncatedAndCorruptedSamplesNeverCrash(_ name: String) throws {
        let chunks = try #require(ForeignSamples.all.first { $0.name == name }?.chunks)
        #expect(GenerationInfoParser.parse(chunks) != nil)
        for index in chunks.indices {
            let scalars = Array(chunks[index].text.unicodeScalars)
            let stride = max(1, scalars.count / 60)
            for cut in Swift.stride(from: 0, to: scalars.count, by: stride) {
                var truncated = chunks
                truncated[index].text = PythonText.string(scalars[..<cut])
                _ = GenerationInfoParser.parse(truncated)
                // Corrupt one character instead: quotes, brackets and separators matter most.
                var corrupted = chunks
                var changed = scalars
                changed[cut] = ["\"", "[", "{", ",", ":", "\\", "\n", "]"][cut % 8]
                corrupted[index].text = PythonText.string(changed)
                _ = GenerationInfoParser.parse(corrupted)
            }
        }
    }

    @Test func deepJSONInAGraphIsNotAGraph() {
        // A graph holding a deep value is not a graph we can read; a deep value does not take
        // ComfyUI's place from the formats after it.
        let graph = #"{"3": {"class_type": "KSampler", "inputs": {"seed": "# + Self.deep + "}}}"
        #expect(ComfyUIMetadata.parseAPIGraph(graph) == nil)
        #expect(
            GenerationInfoParser.parse([ForeignSamples.tEXt("prompt", graph)] + ForeignSamples.a1111)?.generator
                == .a1111)
    }
}
