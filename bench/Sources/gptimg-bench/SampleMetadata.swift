import Foundation
import GptimgSimulator
import PNGMetadata

/// Prompts as people write them: mostly landscapes (what `ProceduralArt` draws), in English
/// with a few accented (Latin-1) and a few non-Latin prompts that need iTXt.
enum SamplePrompts {
    static let subjects = [
        "a misty alpine lake at sunrise with pine forest on the shore",
        "rolling green hills under a dramatic cloudy sky",
        "a desert canyon at golden hour, long shadows across the dunes",
        "snow-covered mountain range under a clear winter sky",
        "an autumn valley with a winding river and orange trees",
        "a quiet fishing village by the sea at dusk",
        "a starry night over a mountain lake, milky way reflection",
        "lavender fields in Provence at sunset",
        "a lighthouse on a rocky coast during a storm",
        "terraced rice fields in the morning fog",
        "a volcanic landscape with a glowing lava river at night",
        "an old stone bridge over a forest stream in spring",
        "a red barn in a wheat field, summer afternoon",
        "icebergs floating in a calm arctic sea under pastel clouds",
        "a lone tree on a hill at sunrise, soft fog in the valley",
        "a cosy cabin in a snowy pine forest with warm window light",
        "tall sea stacks on a black sand beach, overcast sky",
        "a meadow full of wildflowers beneath distant blue mountains",
        "a product photo of a ceramic coffee mug on a wooden table",
        "portrait of an elderly fisherman with a weathered face",
        "a cyberpunk street market at night, neon reflections on wet asphalt",
        "a watercolor map of an imaginary island kingdom",
    ]
    static let styles = [
        "photorealistic, 35mm film, natural light", "cinematic lighting, ultra detailed",
        "shot on a Fujifilm X-T4, 23mm, f/2", "oil painting in the style of the Hudson River School",
        "high dynamic range, wide angle", "soft pastel colors, dreamy atmosphere",
        "national geographic photo", "matte painting, concept art", "isometric illustration",
        "8k, sharp focus, volumetric light",
    ]
    static let latin1 = [
        "Château au bord d'un lac, brume matinale, lumière dorée",
        "Ein Bergsee im Herbst, Nebel über dem Wasser, Fotografie",
        "Un pueblo blanco en la montaña al atardecer, cielo naranja",
    ]
    static let unicode = [
        "富士山と桜、夕焼けの空、写真風",
        "雪山の湖、星空、長時間露光",
        "Горное озеро на рассвете, туман, фотореализм",
        "a sunset over the ocean 🌅 with palm trees 🌴",
        "日落时的长城，云海，超高清",
    ]

    static func prompt(_ random: inout SplitMix64) -> String {
        let roll = random.int(in: 0...99)
        if roll < 4 { return random.pick(unicode) }
        if roll < 8 { return random.pick(latin1) }
        var prompt = random.pick(subjects)
        prompt = prompt.prefix(1).uppercased() + prompt.dropFirst()
        if random.chance(75) { prompt += ", " + random.pick(styles) }
        if random.chance(20) { prompt += ", " + random.pick(styles) }
        if random.chance(10) {
            prompt +=
                ". The composition follows the rule of thirds with the horizon low in the frame; "
                + "keep the colours natural and avoid oversaturation."
        }
        return prompt
    }
}

/// Realistic generation metadata for one image, as gptimg and other generators write it.
struct SampleMetadata {
    let prompt: String
    let width: Int
    let height: Int

    var aspectRatio: String {
        switch (width, height) {
        case (1536, 1024): "3:2"
        case (1024, 1536): "2:3"
        case (1344, 768): "16:9"
        case (768, 1344): "9:16"
        case (1152, 896): "4:3"
        case (896, 1152): "3:4"
        case (let w, let h) where w == h: "1:1"
        default: "\(width):\(height)"
        }
    }

    // MARK: - gptimg

    func gptimg(_ random: inout SplitMix64) -> GptimgMetadata {
        let n = random.chance(60) ? 1 : random.int(in: 2...4)
        let imageToImage = random.chance(15)
        let taskID = Self.taskID(&random)
        let created = Date(timeIntervalSince1970: 1_767_225_600 + Double(random.int(in: 0...(120 * 86_400))))
        let completed = created.addingTimeInterval(Double(random.int(in: 18...140)))
        let tags = ["landscape", "wallpaper", "client-a", "draft", "favourite", "print", "moodboard"]
        return GptimgMetadata(
            prompt: prompt, aspectRatio: aspectRatio, n: n, index: random.int(in: 0...(n - 1)),
            type: imageToImage ? "image-to-image" : "text-to-image",
            referenceImages: imageToImage
                ? (0..<random.int(in: 1...3)).map { _ in
                    "https://files.gpt-image-2.example/uploads/\(Self.token(&random, 16)).png"
                }
                : [],
            taskID: taskID, rowID: Self.uuid(&random), provider: "gpt-image-2", model: "gpt-image-2",
            createdAt: created.formatted(.iso8601), completedAt: completed.formatted(.iso8601),
            parent: imageToImage && random.chance(50)
                ? .init(taskID: Self.taskID(&random), index: random.int(in: 0...3)) : nil,
            remoteURL: "https://files.gpt-image-2.example/outputs/\(taskID)/\(Self.token(&random, 12)).png",
            tags: (0..<random.int(in: 0...3)).map { _ in random.pick(tags) })
    }

    static func taskID(_ random: inout SplitMix64) -> String {
        "gpt-image-2-" + token(&random, 21)
    }

    static func token(_ random: inout SplitMix64, _ count: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<count).map { _ in random.pick(alphabet) })
    }

    static func uuid(_ random: inout SplitMix64) -> String {
        let hex = (0..<2).map { _ in String(random.next(), radix: 16) }.map {
            String(repeating: "0", count: 16 - $0.count) + $0
        }.joined()
        let c = Array(hex)
        return [c[0..<8], c[8..<12], c[12..<16], c[16..<20], c[20..<32]].map { String($0) }.joined(separator: "-")
    }

    // MARK: - Other generators

    static let negatives = [
        """
        lowres, bad anatomy, bad hands, text, error, missing fingers, cropped, worst quality, low quality, jpeg \
        artifacts, signature, watermark, blurry
        """,
        "(worst quality:1.4), (low quality:1.4), monochrome, deformed, disfigured",
        "cartoon, painting, illustration, 3d render, oversaturated",
        "",
    ]
    static let checkpoints = [
        ("sd_xl_base_1.0", "31e35c80fc"), ("juggernautXL_v9Rdphoto2Lightning", "c9e3e68f89"),
        ("realisticVisionV60B1_v51VAE", "15012c538f"), ("dreamshaperXL_turboDpmppSDE", "4726d3bab1"),
        ("ponyDiffusionV6XL", "67ab2fd8ec"),
    ]
    static let samplers = ["DPM++ 2M", "Euler a", "DPM++ SDE", "DPM++ 2M SDE", "UniPC", "DDIM"]

    /// AUTOMATIC1111 / Forge infotext in `parameters` (tEXt, or iTXt when the prompt is not Latin-1).
    func a1111(_ random: inout SplitMix64) -> TextChunk {
        let (model, hash) = random.pick(Self.checkpoints)
        var positive = prompt
        if random.chance(30) { positive = "(masterpiece:1.2), best quality, " + positive }
        if random.chance(25) { positive += " <lora:add_detail:0.6>" }
        let negative = random.pick(Self.negatives)
        var settings = [
            "Steps: \(random.int(in: 20...40))", "Sampler: \(random.pick(Self.samplers))", "Schedule type: Karras",
            "CFG scale: \(random.int(in: 3...9)).\(random.pick([0, 5]))", "Seed: \(random.int(in: 0...4_294_967_295))",
            "Size: \(width)x\(height)", "Model hash: \(hash)", "Model: \(model)",
        ]
        if random.chance(40) {
            settings += [
                "Denoising strength: 0.\(random.int(in: 25...55))", "Hires upscale: 1.5", "Hires steps: 12",
                "Hires upscaler: 4x-UltraSharp",
            ]
        }
        if positive.contains("<lora:") { settings.append("Lora hashes: \"add_detail: 7c6bad76eb54\"") }
        settings.append("Version: \(random.pick(["v1.10.1", "v1.9.4", "f2.0.1v1.10.1-previous-313-g8a042934"]))")
        var text = positive
        if !negative.isEmpty { text += "\nNegative prompt: " + negative }
        text += "\n" + settings.joined(separator: ", ")
        return TextChunk(kind: .tEXt, keyword: "parameters", text: text)
    }

    /// ComfyUI's `prompt` (the API graph) and `workflow` (the editor's graph), as tEXt.
    func comfyUI(_ random: inout SplitMix64) -> [TextChunk] {
        let seed = random.int(in: 0...999_999_999_999)
        let steps = random.int(in: 20...35)
        let cfg = Double(random.int(in: 30...80)) / 10
        let sampler = random.pick(["euler", "euler_ancestral", "dpmpp_2m", "dpmpp_2m_sde", "dpmpp_sde"])
        let scheduler = random.pick(["normal", "karras", "exponential", "sgm_uniform"])
        let checkpoint = random.pick(Self.checkpoints).0 + ".safetensors"
        let negative = random.pick(Self.negatives)
        let graph: [String: Any] = [
            "3": [
                "inputs": [
                    "seed": seed, "steps": steps, "cfg": cfg, "sampler_name": sampler, "scheduler": scheduler,
                    "denoise": 1, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0],
                    "latent_image": ["5", 0],
                ] as [String: Any],
                "class_type": "KSampler", "_meta": ["title": "KSampler"],
            ] as [String: Any],
            "4": [
                "inputs": ["ckpt_name": checkpoint], "class_type": "CheckpointLoaderSimple",
                "_meta": ["title": "Load Checkpoint"],
            ],
            "5": [
                "inputs": ["width": width, "height": height, "batch_size": 1], "class_type": "EmptyLatentImage",
                "_meta": ["title": "Empty Latent Image"],
            ],
            "6": [
                "inputs": ["text": prompt, "clip": ["4", 1]] as [String: Any], "class_type": "CLIPTextEncode",
                "_meta": ["title": "CLIP Text Encode (Prompt)"],
            ],
            "7": [
                "inputs": ["text": negative, "clip": ["4", 1]] as [String: Any], "class_type": "CLIPTextEncode",
                "_meta": ["title": "CLIP Text Encode (Prompt)"],
            ],
            "8": [
                "inputs": ["samples": ["3", 0], "vae": ["4", 2]], "class_type": "VAEDecode",
                "_meta": ["title": "VAE Decode"],
            ],
            "9": [
                "inputs": ["filename_prefix": "ComfyUI", "images": ["8", 0]] as [String: Any],
                "class_type": "SaveImage", "_meta": ["title": "Save Image"],
            ],
        ]
        func node(
            _ id: Int, _ type: String, _ x: Int, _ y: Int, inputs: [[String: Any]], outputs: [[String: Any]],
            widgets: [Any]
        ) -> [String: Any] {
            [
                "id": id, "type": type, "pos": [x, y], "size": [315, 262], "flags": [String: Any](), "order": id,
                "mode": 0,
                "inputs": inputs, "outputs": outputs, "properties": ["Node name for S&R": type],
                "widgets_values": widgets,
            ]
        }
        func slot(_ name: String, _ type: String, link: Int?) -> [String: Any] {
            ["name": name, "type": type, "link": link as Any? ?? NSNull()]
        }
        func output(_ name: String, _ type: String, links: [Int], slot: Int) -> [String: Any] {
            ["name": name, "type": type, "links": links, "slot_index": slot]
        }
        let nodes: [[String: Any]] = [
            node(
                3, "KSampler", 863, 186,
                inputs: [
                    slot("model", "MODEL", link: 1), slot("positive", "CONDITIONING", link: 4),
                    slot("negative", "CONDITIONING", link: 6), slot("latent_image", "LATENT", link: 2),
                ],
                outputs: [output("LATENT", "LATENT", links: [7], slot: 0)],
                widgets: [seed, "randomize", steps, cfg, sampler, scheduler, 1]),
            node(
                4, "CheckpointLoaderSimple", 26, 474, inputs: [],
                outputs: [
                    output("MODEL", "MODEL", links: [1], slot: 0), output("CLIP", "CLIP", links: [3, 5], slot: 1),
                    output("VAE", "VAE", links: [8], slot: 2),
                ], widgets: [checkpoint]),
            node(
                5, "EmptyLatentImage", 473, 609, inputs: [], outputs: [output("LATENT", "LATENT", links: [2], slot: 0)],
                widgets: [width, height, 1]),
            node(
                6, "CLIPTextEncode", 415, 186, inputs: [slot("clip", "CLIP", link: 3)],
                outputs: [output("CONDITIONING", "CONDITIONING", links: [4], slot: 0)], widgets: [prompt]),
            node(
                7, "CLIPTextEncode", 413, 389, inputs: [slot("clip", "CLIP", link: 5)],
                outputs: [output("CONDITIONING", "CONDITIONING", links: [6], slot: 0)], widgets: [negative]),
            node(
                8, "VAEDecode", 1209, 188, inputs: [slot("samples", "LATENT", link: 7), slot("vae", "VAE", link: 8)],
                outputs: [output("IMAGE", "IMAGE", links: [9], slot: 0)], widgets: []),
            node(
                9, "SaveImage", 1451, 189, inputs: [slot("images", "IMAGE", link: 9)], outputs: [], widgets: ["ComfyUI"]
            ),
        ]
        let workflow: [String: Any] = [
            "last_node_id": 9, "last_link_id": 9, "nodes": nodes,
            "links": [
                [1, 4, 0, 3, 0, "MODEL"], [2, 5, 0, 3, 3, "LATENT"], [3, 4, 1, 6, 0, "CLIP"],
                [4, 6, 0, 3, 1, "CONDITIONING"],
                [5, 4, 1, 7, 0, "CLIP"], [6, 7, 0, 3, 2, "CONDITIONING"], [7, 3, 0, 8, 0, "LATENT"],
                [8, 4, 2, 8, 1, "VAE"], [9, 8, 0, 9, 0, "IMAGE"],
            ],
            "groups": [Any](), "config": [String: Any](), "extra": ["ds": ["scale": 1, "offset": [0, 0]]],
            "version": 0.4,
        ]
        return [
            TextChunk(kind: .tEXt, keyword: "prompt", text: Self.json(graph)),
            TextChunk(kind: .tEXt, keyword: "workflow", text: Self.json(workflow)),
        ]
    }

    /// InvokeAI's `invokeai_metadata` JSON.
    func invokeAI(_ random: inout SplitMix64) -> TextChunk {
        let metadata: [String: Any] = [
            "generation_mode": "sdxl_txt2img", "positive_prompt": prompt,
            "negative_prompt": random.pick(Self.negatives),
            "width": width, "height": height, "seed": random.int(in: 0...4_294_967_295), "rand_device": "cpu",
            "cfg_scale": 7.5, "cfg_rescale_multiplier": 0, "steps": random.int(in: 20...50), "scheduler": "dpmpp_2m_k",
            "model": [
                "key": Self.uuid(&random), "hash": "blake3:" + Self.token(&random, 32).lowercased(),
                "name": "Juggernaut XL v9", "base": "sdxl", "type": "main",
            ],
            "positive_style_prompt": "", "negative_style_prompt": "", "app_version": "4.2.9",
        ]
        return TextChunk(kind: .tEXt, keyword: "invokeai_metadata", text: Self.json(metadata))
    }

    /// NovelAI: standard chunks plus a `Comment` JSON (compressed here, as zTXt).
    func novelAI(_ random: inout SplitMix64) -> [TextChunk] {
        let seed = random.int(in: 0...4_294_967_295)
        let comment: [String: Any] = [
            "prompt": prompt, "steps": 28, "height": height, "width": width, "scale": 5.0, "uncond_scale": 1.0,
            "cfg_rescale": 0.0, "seed": seed, "n_samples": 1, "noise_schedule": "native",
            "sampler": "k_euler_ancestral",
            "uc": "lowres, artistic error, scan artifacts, worst quality, bad quality",
            "request_type": "PromptGenerateRequest",
        ]
        return [
            TextChunk(kind: .tEXt, keyword: "Title", text: "NovelAI generated image"),
            TextChunk(kind: .iTXt, keyword: "Description", text: prompt),
            TextChunk(kind: .tEXt, keyword: "Software", text: "NovelAI"),
            TextChunk(kind: .tEXt, keyword: "Source", text: "NovelAI Diffusion V3 4BDE2A90"),
            TextChunk(kind: .tEXt, keyword: "Generation time", text: "4.\(random.int(in: 0...9))"),
            TextChunk(kind: .zTXt, keyword: "Comment", text: Self.json(comment), compressed: true),
        ]
    }

    /// Only the standard chunks a photo manager writes: a Title, a compressed Description, a
    /// zTXt Comment and an XMP packet.
    func standard(_ random: inout SplitMix64) -> [TextChunk] {
        let description = prompt.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(
            of: "<", with: "&lt;")
        let xmp = """
            <?xpacket begin="\u{FEFF}" id="W5M0MpCehiHzreSzNTczkc9d"?>
            <x:xmpmeta xmlns:x="adobe:ns:meta/">
             <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
              <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" \
            xmlns:xmp="http://ns.adobe.com/xap/1.0/">
               <dc:description><rdf:Alt><rdf:li xml:lang="x-default">\(description)</rdf:li></rdf:Alt></dc:description>
               <xmp:CreatorTool>digiKam-8.2.0</xmp:CreatorTool>
               <xmp:Rating>\(random.int(in: 0...5))</xmp:Rating>
              </rdf:Description>
             </rdf:RDF>
            </x:xmpmeta>
            <?xpacket end="w"?>
            """
        return [
            TextChunk(kind: .tEXt, keyword: "Title", text: "Untitled \(random.int(in: 1...999))"),
            TextChunk(kind: .iTXt, keyword: "Description", text: prompt, compressed: true, languageTag: "en"),
            TextChunk(kind: .iTXt, keyword: "XML:com.adobe.xmp", text: xmp),
            TextChunk(
                kind: .zTXt, keyword: "Comment",
                text: "Exported from a photo library; original file IMG_\(random.int(in: 1000...9999)).HEIC",
                compressed: true),
        ]
    }

    static func json(_ value: Any) -> String {
        // Sorted keys keep the bytes deterministic.
        let data = try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
