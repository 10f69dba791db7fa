import PNGMetadata

/// Text chunks as other generators write them, built from their published shapes (A1111's
/// `create_infotext`, ComfyUI's `SaveImage`, InvokeAI's metadata, Fooocus's `meta_parser`,
/// NovelAI's downloads, exiftool/digiKam XMP). Chunk kinds follow the writers: Pillow's
/// `add_text` makes tEXt when the text is Latin-1 and iTXt otherwise; JSON writers escape
/// non-ASCII (`json.dumps`' default), so their chunks are ASCII tEXt.
enum ForeignSamples {
    static func tEXt(_ keyword: String, _ text: String, afterImageData: Bool = false) -> TextChunk {
        TextChunk(kind: .tEXt, keyword: keyword, text: text, encoding: .latin1, afterImageData: afterImageData)
    }

    static func iTXt(_ keyword: String, _ text: String, compressed: Bool = false) -> TextChunk {
        TextChunk(kind: .iTXt, keyword: keyword, text: text, compressed: compressed, encoding: .utf8)
    }

    static func zTXt(_ keyword: String, _ text: String) -> TextChunk {
        TextChunk(kind: .zTXt, keyword: keyword, text: text, compressed: true, encoding: .latin1)
    }

    // MARK: - AUTOMATIC1111 / Forge / SD.Next

    /// AUTOMATIC1111 1.10 txt2img with hires fix, a LoRA and an embedding (quoted hash lists).
    static let a1111Text = """
        masterpiece, best quality, 1girl, solo, long hair, looking at viewer, smile, (cherry blossoms:1.2), kimono, \
        outdoors, <lora:add_detail:0.6>
        Negative prompt: (worst quality, low quality:1.4), bad anatomy, EasyNegative, watermark
        Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1234567890, Size: 512x768, Model \
        hash: 7f96a1a9ca, Model: anything-v5-PrtRE, Denoising strength: 0.45, Clip skip: 2, Hires upscale: 2, Hires \
        steps: 15, Hires upscaler: R-ESRGAN 4x+ Anime6B, Lora hashes: "add_detail: 7c6bad76eb54", TI hashes: \
        "EasyNegative: c74b4e810b03", Version: v1.10.1
        """
    static let a1111 = [tEXt("parameters", a1111Text)]

    /// A1111 with a multi-line prompt and negative prompt, non-Latin-1 text (so iTXt), a
    /// quoted value holding commas, a colon and escaped quotes.
    static let a1111UnicodeText = """
        a cozy café at night, 東京, neon signs ✨
        rain on the window, "bokeh", Negative prompt: not a label mid-line
        Negative prompt: text, watermark
        lowres
        Steps: 30, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 42, Size: 832x1216, Model: juggernautXL_v9, \
        Wildcard prompt: "a {red|blue} car, studio: \\"1\\"", Version: v1.9.4
        """
    static let a1111Unicode = [iTXt("parameters", a1111UnicodeText)]

    /// Forge (Flux): the version starts with "f".
    static let forgeText = """
        a photo of an astronaut riding a horse on mars, cinematic lighting, 35mm
        Steps: 20, Sampler: Euler, Schedule type: Simple, CFG scale: 1, Distilled CFG Scale: 3.5, Seed: 2718281828, \
        Size: 896x1152, Model hash: 275ef623d3, Model: flux1-dev-bnb-nf4-v2, Version: \
        f2.0.1v1.10.1-previous-313-g8a042934, Module 1: ae, Module 2: clip_l, Module 3: t5xxl_fp16
        """
    static let forge = [tEXt("parameters", forgeText)]

    /// SD.Next (diffusers backend).
    static let sdNextText = """
        portrait of an old fisherman, weathered skin, dramatic light
        Negative prompt: cartoon, painting
        Steps: 25, Seed: 3141592653, Sampler: DPM++ 2M, CFG scale: 5.5, Size: 1024x1024, Parser: Full parser, Model: \
        sd_xl_base_1.0, Model hash: 31e35c80fc, Backend: Diffusers, App: SD.Next, Version: 82973c4, Pipeline: \
        StableDiffusionXLPipeline, Operations: txt2img
        """
    static let sdNext = [tEXt("parameters", sdNextText)]

    // MARK: - ComfyUI

    /// ComfyUI's default graph as `SaveImage` writes it (`json.dumps`, ASCII-escaped), with
    /// the editor graph next to it.
    static let comfyUIPromptText = #"""
        {"3": {"inputs": {"seed": 156680208700286, "steps": 20, "cfg": 8.0, "sampler_name": "euler", "scheduler": \#
        "normal", "denoise": 1.0, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": \#
        ["5", 0]}, "class_type": "KSampler", "_meta": {"title": "KSampler"}}, "4": {"inputs": {"ckpt_name": \#
        "v1-5-pruned-emaonly.safetensors"}, "class_type": "CheckpointLoaderSimple", "_meta": {"title": "Load \#
        Checkpoint"}}, "5": {"inputs": {"width": 512, "height": 512, "batch_size": 1}, "class_type": \#
        "EmptyLatentImage", "_meta": {"title": "Empty Latent Image"}}, "6": {"inputs": {"text": "beautiful scenery \#
        nature glass bottle landscape, , purple galaxy bottle, caf\u00e9 \"sign\"\nsecond line", "clip": ["4", 1]}, \#
        "class_type": "CLIPTextEncode", "_meta": {"title": "CLIP Text Encode (Prompt)"}}, "7": {"inputs": {"text": \#
        "text, watermark", "clip": ["4", 1]}, "class_type": "CLIPTextEncode", "_meta": {"title": "CLIP Text Encode \#
        (Prompt)"}}, "8": {"inputs": {"samples": ["3", 0], "vae": ["4", 2]}, "class_type": "VAEDecode", "_meta": \#
        {"title": "VAE Decode"}}, "9": {"inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}, "class_type": \#
        "SaveImage", "_meta": {"title": "Save Image"}}}
        """#
    static let comfyUIPromptPositive =
        "beautiful scenery nature glass bottle landscape, , purple galaxy bottle, café \"sign\"\nsecond line"

    /// The editor graph of the same default workflow.
    static let comfyUIWorkflowText = #"""
        {"last_node_id": 9, "last_link_id": 9, "nodes": [{"id": 7, "type": "CLIPTextEncode", "pos": [413, 389], \#
        "size": {"0": 425.27801513671875, "1": 180.6060791015625}, "flags": {}, "order": 3, "mode": 0, "inputs": \#
        [{"name": "clip", "type": "CLIP", "link": 5}], "outputs": [{"name": "CONDITIONING", "type": "CONDITIONING", \#
        "links": [6], "slot_index": 0}], "properties": {"Node name for S&R": "CLIPTextEncode"}, "widgets_values": \#
        ["text, watermark"]}, {"id": 6, "type": "CLIPTextEncode", "pos": [415, 186], "size": {"0": \#
        422.84503173828125, "1": 164.31304931640625}, "flags": {}, "order": 2, "mode": 0, "inputs": [{"name": "clip", \#
        "type": "CLIP", "link": 3}], "outputs": [{"name": "CONDITIONING", "type": "CONDITIONING", "links": [4], \#
        "slot_index": 0}], "properties": {"Node name for S&R": "CLIPTextEncode"}, "widgets_values": ["beautiful \#
        scenery nature glass bottle landscape, , purple galaxy bottle, caf\u00e9 \"sign\"\nsecond line"]}, {"id": 5, \#
        "type": "EmptyLatentImage", "pos": [473, 609], "size": {"0": 315, "1": 106}, "flags": {}, "order": 0, "mode": \#
        0, "outputs": [{"name": "LATENT", "type": "LATENT", "links": [2], "slot_index": 0}], "properties": {"Node \#
        name for S&R": "EmptyLatentImage"}, "widgets_values": [512, 512, 1]}, {"id": 3, "type": "KSampler", "pos": \#
        [863, 186], "size": {"0": 315, "1": 262}, "flags": {}, "order": 4, "mode": 0, "inputs": [{"name": "model", \#
        "type": "MODEL", "link": 1}, {"name": "positive", "type": "CONDITIONING", "link": 4}, {"name": "negative", \#
        "type": "CONDITIONING", "link": 6}, {"name": "latent_image", "type": "LATENT", "link": 2}], "outputs": \#
        [{"name": "LATENT", "type": "LATENT", "links": [7], "slot_index": 0}], "properties": {"Node name for S&R": \#
        "KSampler"}, "widgets_values": [156680208700286, "randomize", 20, 8, "euler", "normal", 1]}, {"id": 8, \#
        "type": "VAEDecode", "pos": [1209, 188], "size": {"0": 210, "1": 46}, "flags": {}, "order": 5, "mode": 0, \#
        "inputs": [{"name": "samples", "type": "LATENT", "link": 7}, {"name": "vae", "type": "VAE", "link": 8}], \#
        "outputs": [{"name": "IMAGE", "type": "IMAGE", "links": [9], "slot_index": 0}], "properties": {"Node name for \#
        S&R": "VAEDecode"}}, {"id": 9, "type": "SaveImage", "pos": [1451, 189], "size": {"0": 210, "1": 58}, "flags": \#
        {}, "order": 6, "mode": 0, "inputs": [{"name": "images", "type": "IMAGE", "link": 9}], "properties": {}, \#
        "widgets_values": ["ComfyUI"]}, {"id": 4, "type": "CheckpointLoaderSimple", "pos": [26, 474], "size": {"0": \#
        315, "1": 98}, "flags": {}, "order": 1, "mode": 0, "outputs": [{"name": "MODEL", "type": "MODEL", "links": \#
        [1], "slot_index": 0}, {"name": "CLIP", "type": "CLIP", "links": [3, 5], "slot_index": 1}, {"name": "VAE", \#
        "type": "VAE", "links": [8], "slot_index": 2}], "properties": {"Node name for S&R": \#
        "CheckpointLoaderSimple"}, "widgets_values": ["v1-5-pruned-emaonly.safetensors"]}], "links": [[1, 4, 0, 3, 0, \#
        "MODEL"], [2, 5, 0, 3, 3, "LATENT"], [3, 4, 1, 6, 0, "CLIP"], [4, 6, 0, 3, 1, "CONDITIONING"], [5, 4, 1, 7, \#
        0, "CLIP"], [6, 7, 0, 3, 2, "CONDITIONING"], [7, 3, 0, 8, 0, "LATENT"], [8, 4, 2, 8, 1, "VAE"], [9, 8, 0, 9, \#
        0, "IMAGE"]], "groups": [], "config": {}, "extra": {"ds": {"scale": 1, "offset": [0, 0]}}, "version": 0.4}
        """#

    static let comfyUIPrompt = [tEXt("prompt", comfyUIPromptText), tEXt("workflow", comfyUIWorkflowText)]
    static let comfyUIWorkflowOnly = [tEXt("workflow", comfyUIWorkflowText)]

    /// SDXL base with KSamplerAdvanced (`noise_seed`), CLIPTextEncodeSDXL (`text_g`/`text_l`),
    /// a LoRA between the checkpoint and the sampler, and the positive text coming from a
    /// primitive string node through a link.
    static let comfyUISDXLText = #"""
        {"4": {"inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}, "class_type": "CheckpointLoaderSimple", \#
        "_meta": {"title": "Load Checkpoint - BASE"}}, "5": {"inputs": {"width": 1024, "height": 1024, "batch_size": \#
        1}, "class_type": "EmptyLatentImage", "_meta": {"title": "Empty Latent Image"}}, "10": {"inputs": \#
        {"add_noise": "enable", "noise_seed": 721897303308196, "steps": 25, "cfg": 8, "sampler_name": "dpmpp_2m", \#
        "scheduler": "karras", "start_at_step": 0, "end_at_step": 20, "return_with_leftover_noise": "enable", \#
        "model": ["20", 0], "positive": ["75", 0], "negative": ["82", 0], "latent_image": ["5", 0]}, "class_type": \#
        "KSamplerAdvanced", "_meta": {"title": "KSampler (Advanced) - BASE"}}, "20": {"inputs": {"lora_name": \#
        "sdxl_detail.safetensors", "strength_model": 0.8, "strength_clip": 0.8, "model": ["4", 0], "clip": ["4", 1]}, \#
        "class_type": "LoraLoader", "_meta": {"title": "Load LoRA"}}, "75": {"inputs": {"width": 4096, "height": \#
        4096, "crop_w": 0, "crop_h": 0, "target_width": 4096, "target_height": 4096, "text_g": ["90", 0], "text_l": \#
        ["90", 0], "clip": ["20", 1]}, "class_type": "CLIPTextEncodeSDXL", "_meta": {"title": "CLIPTextEncodeSDXL"}}, \#
        "82": {"inputs": {"width": 4096, "height": 4096, "crop_w": 0, "crop_h": 0, "target_width": 4096, \#
        "target_height": 4096, "text_g": "blurry, lowres", "text_l": "blurry, lowres", "clip": ["20", 1]}, \#
        "class_type": "CLIPTextEncodeSDXL", "_meta": {"title": "CLIPTextEncodeSDXL"}}, "90": {"inputs": {"value": "a \#
        lighthouse on a cliff at dusk, \u5149, volumetric fog"}, "class_type": "PrimitiveStringMultiline", "_meta": \#
        {"title": "Positive"}}, "17": {"inputs": {"samples": ["10", 0], "vae": ["4", 2]}, "class_type": "VAEDecode", \#
        "_meta": {"title": "VAE Decode"}}, "19": {"inputs": {"filename_prefix": "sdxl", "images": ["17", 0]}, \#
        "class_type": "SaveImage", "_meta": {"title": "Save Image"}}}
        """#
    static let comfyUISDXL = [tEXt("prompt", comfyUISDXLText)]

    /// Flux: SamplerCustomAdvanced with its settings on linked nodes (RandomNoise,
    /// KSamplerSelect, BasicScheduler, BasicGuider) and a FluxGuidance node in between.
    static let comfyUIFluxText = #"""
        {"6": {"inputs": {"text": "a red fox in the snow, photorealistic", "clip": ["11", 0]}, "class_type": \#
        "CLIPTextEncode", "_meta": {"title": "CLIP Text Encode (Positive Prompt)"}}, "8": {"inputs": {"samples": \#
        ["13", 0], "vae": ["10", 0]}, "class_type": "VAEDecode", "_meta": {"title": "VAE Decode"}}, "9": {"inputs": \#
        {"filename_prefix": "flux", "images": ["8", 0]}, "class_type": "SaveImage", "_meta": {"title": "Save \#
        Image"}}, "10": {"inputs": {"vae_name": "ae.safetensors"}, "class_type": "VAELoader", "_meta": {"title": \#
        "Load VAE"}}, "11": {"inputs": {"clip_name1": "t5xxl_fp16.safetensors", "clip_name2": "clip_l.safetensors", \#
        "type": "flux"}, "class_type": "DualCLIPLoader", "_meta": {"title": "DualCLIPLoader"}}, "12": {"inputs": \#
        {"unet_name": "flux1-dev.safetensors", "weight_dtype": "default"}, "class_type": "UNETLoader", "_meta": \#
        {"title": "Load Diffusion Model"}}, "13": {"inputs": {"noise": ["25", 0], "guider": ["22", 0], "sampler": \#
        ["16", 0], "sigmas": ["17", 0], "latent_image": ["27", 0]}, "class_type": "SamplerCustomAdvanced", "_meta": \#
        {"title": "SamplerCustomAdvanced"}}, "16": {"inputs": {"sampler_name": "euler"}, "class_type": \#
        "KSamplerSelect", "_meta": {"title": "KSamplerSelect"}}, "17": {"inputs": {"scheduler": "simple", "steps": \#
        20, "denoise": 1, "model": ["30", 0]}, "class_type": "BasicScheduler", "_meta": {"title": "BasicScheduler"}}, \#
        "22": {"inputs": {"model": ["30", 0], "conditioning": ["26", 0]}, "class_type": "BasicGuider", "_meta": \#
        {"title": "BasicGuider"}}, "25": {"inputs": {"noise_seed": 219670278747233}, "class_type": "RandomNoise", \#
        "_meta": {"title": "RandomNoise"}}, "26": {"inputs": {"guidance": 3.5, "conditioning": ["6", 0]}, \#
        "class_type": "FluxGuidance", "_meta": {"title": "FluxGuidance"}}, "27": {"inputs": {"width": 1024, "height": \#
        1024, "batch_size": 1}, "class_type": "EmptySD3LatentImage", "_meta": {"title": "EmptySD3LatentImage"}}, \#
        "30": {"inputs": {"max_shift": 1.15, "base_shift": 0.5, "width": 1024, "height": 1024, "model": ["12", 0]}, \#
        "class_type": "ModelSamplingFlux", "_meta": {"title": "ModelSamplingFlux"}}}
        """#
    static let comfyUIFlux = [tEXt("prompt", comfyUIFluxText)]

    // MARK: - InvokeAI

    /// InvokeAI 3.3 (`model_name`).
    static let invokeAIv3Text = #"""
        {"app_version": "3.3.0post3", "generation_mode": "txt2img", "positive_prompt": "landscape, misty mountains, \#
        golden hour, \"epic\" scale", "negative_prompt": "low quality, blurry", "width": 768, "height": 432, "seed": \#
        356120443, "rand_device": "cpu", "cfg_scale": 7.5, "steps": 50, "scheduler": "dpmpp_2m_sde_k", "clip_skip": \#
        0, "model": {"model_name": "amixx_3Prunedfp16", "base_model": "sd-1", "model_type": "main"}, "controlnets": \#
        [], "ipAdapters": [], "t2iAdapters": [], "loras": [], "vae": {"model_name": "sd-vae-ft-mse", "base_model": \#
        "sd-1"}}
        """#
    static let invokeAIv3 = [tEXt("invokeai_metadata", invokeAIv3Text)]

    /// InvokeAI 5 (`model` with `name` and `key`), next to its graph and workflow chunks.
    static let invokeAIv5Text = #"""
        {"generation_mode": "sdxl_txt2img", "positive_prompt": "a watercolor painting of a koi pond, \u9326\u9bc9", \#
        "negative_prompt": "", "width": 1024, "height": 1024, "seed": 1844674407, "rand_device": "cpu", "cfg_scale": \#
        6, "cfg_rescale_multiplier": 0, "steps": 30, "scheduler": "euler_a", "model": {"key": \#
        "4b2b0b4e-4b27-4c6d-9b8b-2a7e0a36ac1f", "hash": "blake3:8a1c4a0cc1fa0ed1f0a1b1f9d0e3f5d1a9c7b3e2f4d6a8c0e2f4a6\#
        c8e0a2c4e6", "name": "Juggernaut XL v9", "base": "sdxl", "type": "main"}, "positive_style_prompt": "a \#
        watercolor painting of a koi pond", "negative_style_prompt": "", "app_version": "5.6.0"}
        """#
    static let invokeAIv5 = [
        tEXt("invokeai_metadata", invokeAIv5Text),
        tEXt("invokeai_graph", #"{"id": "sdxl_graph:Fh3zIoG2jF", "nodes": {}, "edges": []}"#),
    ]

    /// InvokeAI 2.3: `sd-metadata` JSON with a weighted prompt list, and the `Dream` line.
    static let invokeAISdMetadataText = #"""
        {"model": "stable diffusion", "model_weights": "stable-diffusion-1.5", "model_hash": \#
        "cc6cb27103417325ff94f52b7a5d2dde45a7515b25c255d8e396c90014281516", "app_id": "invoke-ai/InvokeAI", \#
        "app_version": "2.3.5", "image": {"prompt": [{"prompt": "a fantasy castle on a hill, matte painting [lowres, \#
        blurry]", "weight": 1.0}], "steps": 50, "cfg_scale": 7.5, "threshold": 0, "perlin": 0, "height": 512, \#
        "width": 768, "seed": 3257823006, "seamless": false, "hires_fix": false, "type": "txt2img", "postprocessing": \#
        null, "sampler": "k_lms", "variations": []}}
        """#
    static let invokeAISdMetadata = [
        tEXt(
            "Dream",
            #"""
            "a fantasy castle on a hill, matte painting [lowres, blurry]" -s 50 -S 3257823006 -W 768 -H 512 -C 7.5 -A \#
            k_lms
            """#
        ),
        tEXt("sd-metadata", invokeAISdMetadataText),
    ]

    /// InvokeAI 1.x (lstein/stable-diffusion): the `Dream` command line only.
    static let invokeAIDream = [
        tEXt(
            "Dream",
            #"""
            "an astronaut lounging in a tropical resort, vaporwave [cartoon]" -s 50 -S 1234 -W 512 -H 512 -C 7.5 -A \#
            k_lms
            """#
        )
    ]

    // MARK: - NovelAI

    /// NovelAI Diffusion V3 (SDXL-based) download.
    static let novelAICommentText = #"""
        {"prompt": "1girl, {{silver hair}}, red eyes, school uniform, cherry blossoms, best quality, amazing quality, \#
        very aesthetic, absurdres", "steps": 28, "height": 1216, "width": 832, "scale": 5.0, "uncond_scale": 1.0, \#
        "cfg_rescale": 0.0, "seed": 2210346394, "n_samples": 1, "hide_debug_overlay": false, "noise_schedule": \#
        "native", "legacy_v3_extend": false, "reference_information_extracted": 1.0, "reference_strength": 0.6, \#
        "sampler": "k_euler_ancestral", "controlnet_strength": 1.0, "controlnet_model": null, "dynamic_thresholding": \#
        false, "dynamic_thresholding_percentile": 0.999, "dynamic_thresholding_mimic_scale": 10.0, "sm": false, \#
        "sm_dyn": false, "skip_cfg_below_sigma": 0.0, "lora_unet_weights": null, "lora_clip_weights": null, "uc": \#
        "nsfw, lowres, {bad}, error, fewer, extra, missing, worst quality, jpeg artifacts, bad quality, watermark, \#
        unfinished, displeasing, chromatic aberration, signature, extra digits, artistic error, username, scan, \#
        [abstract]", "request_type": "PromptGenerateRequest", "signed_hash": \#
        "Kd3YHvE8uV3nC0cQ0sxl2m1qLz6hY8bW1pZr8bQ0aQkY1sW3cKx2g6yT1vN0rM9mB4xH7jQ2lF5pD8sA3wE6Cg=="}
        """#
    static let novelAI = [
        tEXt("Title", "NovelAI generated image"),
        tEXt(
            "Description",
            """
            1girl, {{silver hair}}, red eyes, school uniform, cherry blossoms, best quality, amazing quality, very \
            aesthetic, absurdres
            """
        ),
        tEXt("Software", "NovelAI"),
        tEXt("Source", "Stable Diffusion XL C1E1DE52"),
        tEXt("Generation time", "2.9361612796783447"),
        tEXt("Comment", novelAICommentText),
    ]

    /// NovelAI Diffusion V4 with two character prompts.
    static let novelAIv4CommentText = #"""
        {"prompt": "2girls, park, autumn leaves, best quality, very aesthetic", "steps": 23, "height": 1216, "width": \#
        832, "scale": 5.0, "uncond_scale": 0.0, "cfg_rescale": 0.0, "seed": 3977382817, "n_samples": 1, \#
        "hide_debug_overlay": false, "noise_schedule": "karras", "legacy_v3_extend": false, \#
        "reference_information_extracted_multiple": [], "reference_strength_multiple": [], "sampler": \#
        "k_euler_ancestral", "controlnet_strength": 1.0, "controlnet_model": null, "dynamic_thresholding": false, \#
        "dynamic_thresholding_percentile": 0.999, "dynamic_thresholding_mimic_scale": 10.0, "sm": false, "sm_dyn": \#
        false, "skip_cfg_above_sigma": null, "skip_cfg_below_sigma": 0.0, "lora_unet_weights": null, \#
        "lora_clip_weights": null, "deliberate_euler_ancestral_bug": false, "prefer_brownian": true, \#
        "cfg_sched_eligibility": "enable_for_post_summer_samplers", "explike_fine_detail": false, \#
        "minimize_sigma_inf": false, "uncond_per_vibe": true, "wonky_vibe_correlation": true, "version": 1, \#
        "v4_prompt": {"caption": {"base_caption": "2girls, park, autumn leaves, best quality, very aesthetic", \#
        "char_captions": [{"char_caption": "girl, blonde hair, yellow scarf", "centers": [{"x": 0.3, "y": 0.5}]}, \#
        {"char_caption": "girl, black hair, red coat", "centers": [{"x": 0.7, "y": 0.5}]}]}, "use_coords": true, \#
        "use_order": true}, "v4_negative_prompt": {"caption": {"base_caption": "blurry, lowres, error, worst quality, \#
        bad quality, jpeg artifacts, very displeasing", "char_captions": [{"char_caption": "hat", "centers": [{"x": \#
        0.3, "y": 0.5}]}, {"char_caption": "", "centers": [{"x": 0.7, "y": 0.5}]}]}, "legacy_uc": false}, "uc": \#
        "blurry, lowres, error, worst quality, bad quality, jpeg artifacts, very displeasing", "request_type": \#
        "PromptGenerateRequest", "signed_hash": "f1oT6hB9Q2nX0b4mJ7kR3vC8zL5yW1aP6sD9gH2jK4lZ7xN0cV3bM8qE5rT1uI6oA=="}
        """#
    static let novelAIv4 = [
        tEXt("Title", "NovelAI generated image"),
        tEXt("Description", "2girls, park, autumn leaves, best quality, very aesthetic"),
        tEXt("Software", "NovelAI"),
        tEXt("Source", "NovelAI Diffusion V4 4F49EC75"),
        tEXt("Generation time", "6.512"),
        tEXt("Comment", novelAIv4CommentText),
    ]

    // MARK: - Fooocus

    /// Fooocus 2.5 in its own scheme: sorted JSON in `parameters`, the scheme in its own chunk.
    static let fooocusText = #"""
        {"adm_guidance": "(1.5, 0.8, 0.3)", "base_model": "juggernautXL_v8Rundiffusion", "base_model_hash": \#
        "aeb7e9e689", "clip_skip": 2, "full_negative_prompt": ["(worst quality, low quality, normal quality, lowres, \#
        low details, oversaturated, undersaturated, overexposed, underexposed, grayscale, bw, bad photo, bad \#
        photography, bad art:1.4), (watermark, signature, text font, username, error, logo, words, letters, digits, \#
        autograph, trademark, name:1.2), (blur, blurry, grainy), morbid, ugly, asymmetrical, mutated malformed, \#
        mutilated, poorly lit, bad shadow, draft, cropped, out of frame, cut off, censored, jpeg artifacts, out of \#
        focus, glitch, duplicate, (airbrushed, cartoon, anime, semi-realistic, cgi, render, blender, digital art, \#
        manga, amateur:1.3), (3D ,3D Game, 3D Game Scene, 3D Character:1.1), (bad hands, bad anatomy, bad body, bad \#
        face, bad teeth, bad arms, bad legs, deformities:1.3)", "blurry"], "full_prompt": ["cinematic still a samurai \#
        in the rain, neon reflections . emotional, harmonious, vignette, highly detailed, high budget, bokeh, \#
        cinemascope, moody, epic, gorgeous, film grain, grainy", "a samurai in the rain, neon reflections, intricate, \#
        elegant, highly detailed, sharp focus, dramatic light"], "guidance_scale": 4.0, "loras": \#
        [["sd_xl_offset_example-lora_1.0", 0.1, "4852686128"]], "metadata_scheme": "fooocus", "negative_prompt": \#
        "blurry", "performance": "Speed", "prompt": "a samurai in the rain, neon reflections", "prompt_expansion": "a \#
        samurai in the rain, neon reflections, intricate, elegant, highly detailed, sharp focus, dramatic light", \#
        "refiner_model": "None", "refiner_switch": 0.5, "resolution": "(1152, 896)", "sampler": "dpmpp_2m_sde_gpu", \#
        "scheduler": "karras", "seed": "5087912392371238164", "sharpness": 2.0, "steps": 30, "styles": "['Fooocus \#
        V2', 'Fooocus Cinematic', 'Fooocus Enhance', 'Fooocus Sharp']", "vae": "Default (model)", "version": "Fooocus \#
        v2.5.5"}
        """#
    static let fooocus = [tEXt("parameters", fooocusText), tEXt("fooocus_scheme", "fooocus")]

    /// Fooocus in its "a1111" scheme: infotext with the raw prompts as settings.
    static let fooocusA1111Text = """
        cinematic still a samurai in the rain, neon reflections . emotional, harmonious, vignette, a samurai in the \
        rain, neon reflections, intricate, elegant, highly detailed
        Negative prompt: (worst quality, low quality, normal quality:1.4), blurry
        Steps: 30, Sampler: DPM++ 2M SDE Karras, Seed: 5087912392371238164, Size: 1152x896, CFG scale: 4.0, Sharpness: \
        2.0, ADM Guidance: "(1.5, 0.8, 0.3)", Model: juggernautXL_v8Rundiffusion, Model hash: aeb7e9e689, Performance: \
        Speed, Scheduler: karras, VAE: Default (model), Raw prompt: "a samurai in the rain, neon reflections", Raw \
        negative prompt: blurry, Version: Fooocus v2.5.5
        """
    static let fooocusA1111 = [tEXt("parameters", fooocusA1111Text), tEXt("fooocus_scheme", "a1111")]

    /// An older Fooocus log entry, Title Case labels as the UI shows them.
    static let fooocusLegacyText = #"""
        {"Prompt": "a cat wearing a tiny wizard hat", "Negative Prompt": "", "Fooocus V2 Expansion": "a cat wearing a \#
        tiny wizard hat, magical, glowing, intricate", "Styles": "['Fooocus V2', 'Fooocus Enhance', 'Fooocus \#
        Sharp']", "Performance": "Quality", "Resolution": "(1024, 1024)", "Sharpness": 2.0, "Guidance Scale": 4.0, \#
        "ADM Guidance": "(1.5, 0.8, 0.3)", "Base Model": "juggernautXL_version6Rundiffusion.safetensors", "Refiner \#
        Model": "None", "Refiner Switch": 0.5, "Sampler": "dpmpp_2m_sde_gpu", "Scheduler": "karras", "Seed": \#
        1672352395113405446, "Version": "v2.1.865"}
        """#
    static let fooocusLegacy = [tEXt("parameters", fooocusLegacyText)]

    // MARK: - Standard keywords and XMP

    /// An XMP packet as exiftool/digiKam write it: two languages, entities, other properties.
    static let xmpText = """
        <?xpacket begin="\u{FEFF}" id="W5M0MpCehiHzreSzNTczkc9d"?>
        <x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
         <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
          <rdf:Description rdf:about=""
            xmlns:dc="http://purl.org/dc/elements/1.1/"
            xmlns:xmp="http://ns.adobe.com/xap/1.0/"
            xmp:CreatorTool="digiKam-8.2.0"
            xmp:CreateDate="2024-03-09T18:22:41+01:00">
           <dc:title>
            <rdf:Alt>
             <rdf:li xml:lang="x-default">Harbour at dusk</rdf:li>
            </rdf:Alt>
           </dc:title>
           <dc:description>
            <rdf:Alt>
             <rdf:li xml:lang="de-DE">Hafen bei D\u{00E4}mmerung</rdf:li>
             <rdf:li xml:lang="x-default">Fishing boats &amp; cranes at dusk, &quot;golden&quot; light &lt;HDR&gt; \
        \u{2013} caf\u{00E9} &#x1F3A8;</rdf:li>
            </rdf:Alt>
           </dc:description>
           <dc:subject>
            <rdf:Bag>
             <rdf:li>harbour</rdf:li>
             <rdf:li>boats</rdf:li>
            </rdf:Bag>
           </dc:subject>
          </rdf:Description>
         </rdf:RDF>
        </x:xmpmeta>
        <?xpacket end="w"?>
        """
    static let xmpDescription = "Fishing boats & cranes at dusk, \"golden\" light <HDR> \u{2013} café 🎨"
    static let standardXMP = [iTXt(XMPPacket.keyword, xmpText)]

    /// What GIMP and photo tools leave behind: the PNG spec's own keywords.
    static let standardText = [
        tEXt("Title", "Harbour at dusk"),
        iTXt("Description", "Fishing boats at dusk, long exposure"),
        tEXt("Author", "J. Doe"),
        tEXt("Comment", "Created with GIMP"),
        tEXt("Creation Time", "Sat, 09 Mar 2024 18:22:41 +0100"),
        tEXt("Software", "GIMP 2.10.36"),
    ]

    /// Every sample, by name, for tests that run all of them.
    static let all: [(name: String, chunks: [TextChunk])] = [
        ("a1111", a1111), ("a1111Unicode", a1111Unicode), ("forge", forge), ("sdNext", sdNext),
        ("comfyUIPrompt", comfyUIPrompt), ("comfyUIWorkflowOnly", comfyUIWorkflowOnly),
        ("comfyUISDXL", comfyUISDXL), ("comfyUIFlux", comfyUIFlux), ("invokeAIv3", invokeAIv3),
        ("invokeAIv5", invokeAIv5), ("invokeAISdMetadata", invokeAISdMetadata),
        ("invokeAIDream", invokeAIDream), ("novelAI", novelAI), ("novelAIv4", novelAIv4),
        ("fooocus", fooocus), ("fooocusA1111", fooocusA1111), ("fooocusLegacy", fooocusLegacy),
        ("standardXMP", standardXMP), ("standardText", standardText),
    ]
}
