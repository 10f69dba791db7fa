import Foundation
import PNGRaster

/// Photograph-like landscapes, deterministic from a prompt or a seed: a sky gradient with a sun
/// (or moon and stars) and its glow, drifting clouds, layered hills or mountains fading into
/// haze, sometimes a lake that mirrors the sky, then a vignette and per-pixel sensor grain.
///
/// The grain matters as much as the scene: smooth shapes alone compress far better than a
/// photograph, noise alone far worse. A clean sky over grainy, textured land makes a render of
/// about a megapixel 1-2 MB as a PNG at zlib's default level, like a real photo, which is what
/// the benchmarks and the API simulator need. Rendering is single-threaded (callers render
/// several images at once), takes about 50 ms a megapixel, and allocates only the pixels and a
/// few small low-resolution fields.
public struct ProceduralArt {
    /// Renders the landscape a prompt describes: the same prompt always gives the same pixels,
    /// and words such as "sunset", "night", "desert", "snow", "autumn", "forest" or "lake"
    /// choose the palette and scenery. `variation` tells apart images of one prompt (the
    /// images of one task); 0 is the prompt's own.
    public static func render(prompt: String, variation: UInt64 = 0, width: Int, height: Int) -> RGBAImage {
        let seed = Hash.fnv1a(prompt) ^ Hash.mix(variation)
        let lower = prompt.lowercased()
        let palette = Palette.all.first { palette in palette.keywords.contains { lower.contains($0) } }
        let wantsWater = ["lake", "sea", "ocean", "river", "water", "reflection"].contains { lower.contains($0) }
        return render(seed: seed, width: width, height: height, palette: palette, water: wantsWater ? true : nil)
    }

    /// Renders the landscape of `seed`. `palette` and `water` override what the seed would choose.
    static func render(seed: UInt64, width: Int, height: Int, palette: Palette? = nil, water: Bool? = nil) -> RGBAImage
    {
        precondition(width > 0 && height > 0 && width <= 16_384 && height <= 16_384, "size out of range")
        var random = SplitMix64(seed: seed)
        let scene = Scene(random: &random, width: width, height: height, palette: palette, water: water)
        var pixels = [UInt8](repeating: 255, count: width * height * 4)
        pixels.withUnsafeMutableBufferPointer { scene.draw(into: $0) }
        // The size was checked above and the buffer is width * height * 4 bytes.
        return try! RGBAImage(width: width, height: height, pixels: pixels)
    }

    // MARK: - Palettes

    typealias Colour = SIMD3<Float>

    /// The colours of one kind of scene, far hills first.
    struct Palette: Sendable {
        var name: String
        var keywords: [String]
        var skyTop: Colour
        var skyHorizon: Colour
        var sun: Colour
        var glow: Float
        var cloudLight: Colour
        var cloudShadow: Colour
        var haze: Colour
        var hills: [Colour]
        var water: Colour
        var night = false

        static let all: [Palette] = [
            Palette(
                name: "sunset", keywords: ["sunset", "dusk", "golden hour", "evening", "sunrise", "dawn"],
                skyTop: rgb(0x2B3A67), skyHorizon: rgb(0xF29E4C), sun: rgb(0xFFE3A3), glow: 0.9,
                cloudLight: rgb(0xF6B38A), cloudShadow: rgb(0x6B4E71), haze: rgb(0xC98B6B),
                hills: [rgb(0x8E5A6B), rgb(0x5E3F5C), rgb(0x3E2A45), rgb(0x2A1C2F), rgb(0x1A1220)],
                water: rgb(0x3B3556)),
            Palette(
                name: "night", keywords: ["night", "moon", "star", "midnight", "galaxy"],
                skyTop: rgb(0x060A1C), skyHorizon: rgb(0x1D2F5A), sun: rgb(0xE8EEFF), glow: 0.35,
                cloudLight: rgb(0x39476E), cloudShadow: rgb(0x141A30), haze: rgb(0x22315A),
                hills: [rgb(0x1E2A4A), rgb(0x16203A), rgb(0x10182C), rgb(0x0B1020), rgb(0x070A14)],
                water: rgb(0x0E1630), night: true),
            Palette(
                name: "desert", keywords: ["desert", "dune", "canyon", "sahara", "mesa"],
                skyTop: rgb(0x3C78C2), skyHorizon: rgb(0xD9E6EE), sun: rgb(0xFFF6DC), glow: 0.5,
                cloudLight: rgb(0xFFFFFF), cloudShadow: rgb(0xB9C3CF), haze: rgb(0xE3C9A8),
                hills: [rgb(0xD7A877), rgb(0xC98B55), rgb(0xB8733F), rgb(0xA45F33), rgb(0x8C4B27)],
                water: rgb(0x4F7FA3)),
            Palette(
                name: "alpine", keywords: ["snow", "winter", "alpine", "glacier", "ice", "mountain"],
                skyTop: rgb(0x1F5FA8), skyHorizon: rgb(0xC8DDF0), sun: rgb(0xFFFFF2), glow: 0.45,
                cloudLight: rgb(0xFFFFFF), cloudShadow: rgb(0xA9B8CA), haze: rgb(0xB7C9DC),
                hills: [rgb(0xE8EFF6), rgb(0x93A5B8), rgb(0x4F6B5E), rgb(0x2F4F3C), rgb(0x1D3526)],
                water: rgb(0x2E5C80)),
            Palette(
                name: "autumn", keywords: ["autumn", "fall", "october", "harvest"],
                skyTop: rgb(0x4A7DB5), skyHorizon: rgb(0xE2D6C0), sun: rgb(0xFFF0C8), glow: 0.6,
                cloudLight: rgb(0xFFF8EE), cloudShadow: rgb(0xA79C97), haze: rgb(0xC9B79C),
                hills: [rgb(0x9C8A6E), rgb(0xB5652E), rgb(0x9B3F1E), rgb(0x6E3A1B), rgb(0x3F2A16)],
                water: rgb(0x3D5E73)),
            Palette(
                name: "meadow", keywords: ["forest", "meadow", "spring", "green", "valley", "field", "hill"],
                skyTop: rgb(0x2F6DB5), skyHorizon: rgb(0xCFE3F2), sun: rgb(0xFFFBE6), glow: 0.5,
                cloudLight: rgb(0xFFFFFF), cloudShadow: rgb(0xAFBCCB), haze: rgb(0xA9C2CF),
                hills: [rgb(0x7E9AA6), rgb(0x5E8A5A), rgb(0x467A3C), rgb(0x33612B), rgb(0x22461D)],
                water: rgb(0x2F5F7A)),
        ]

        static func rgb(_ hex: UInt32) -> Colour {
            Colour(Float((hex >> 16) & 0xFF), Float((hex >> 8) & 0xFF), Float(hex & 0xFF)) / 255
        }
    }

    // MARK: - Scene

    /// Everything chosen from the seed, and the precomputed low-resolution fields the per-pixel
    /// loop samples.
    struct Scene {
        struct Layer {
            var colour: Colour
            /// 0 for the farthest layer, 1 for the nearest: how much haze and how much detail.
            var depth: Float
            var isWater: Bool
        }

        let width: Int
        let height: Int
        let seed: UInt64
        let palette: Palette
        let horizon: Float
        let sunX: Float
        let sunY: Float
        let sunRadius: Float
        let cloudCover: Float
        let grain: Float
        let chromaGrain: Float
        let vignette: Float
        let layers: [Layer]
        /// Row `i` holds the top edge (in pixels) of layer `i` for every column.
        let ridges: [Float]
        let clouds: Field
        let texture: Field
        let detail: Tile

        init(random: inout SplitMix64, width: Int, height: Int, palette chosen: Palette?, water: Bool?) {
            self.width = width
            self.height = height
            seed = random.next()
            palette = chosen ?? Palette.all[Int(random.next() % UInt64(Palette.all.count))]
            let h = Float(height)
            let w = Float(width)
            horizon = h * random.float(in: 0.42...0.62)
            sunX = w * random.float(in: 0.15...0.85)
            sunY = horizon * random.float(in: palette.night ? 0.15...0.5 : 0.35...0.92)
            sunRadius = min(w, h) * random.float(in: 0.025...0.05)
            cloudCover = random.float(in: 0.36...0.62)
            let baseGrain = random.float(in: 4.2...5.0)
            chromaGrain = random.float(in: 1.6...2.2)
            vignette = random.float(in: 0.12...0.3)

            // Far hills sit on the horizon; nearer ones start lower and rise higher.
            let hasWater = water ?? (random.next() % 5 < 2)
            let waterAt = hasWater ? Int(random.next() % 2) + 2 : -1
            var layers: [Layer] = []
            var ridges: [Float] = []
            ridges.reserveCapacity(6 * width)
            let hills = palette.hills
            for index in 0..<hills.count {
                if index == waterAt {
                    let line = horizon + (h - horizon) * 0.1 + Float(index - 1) * (h - horizon) * 0.05
                    layers.append(Layer(colour: palette.water, depth: 0.5, isWater: true))
                    ridges += [Float](repeating: line, count: width)
                }
                let depth = Float(index) / Float(hills.count - 1)
                let base = horizon + (h - horizon) * (depth * depth * 0.8 + 0.03)
                let amplitude = h * (index == 0 ? random.float(in: 0.12...0.26) : random.float(in: 0.06...0.15))
                let period = w * (index == 0 ? random.float(in: 0.25...0.45) : random.float(in: 0.4...1.1))
                let ridged = index == 0 || (index == 1 && random.chance(50))
                let layerSeed = random.next()
                let offset = random.float(in: 0...1000)
                // Some nearer hills carry a line of conifers: a saw-tooth of uneven spikes.
                let trees = index >= 2 && !palette.name.hasPrefix("desert") && random.chance(45)
                let treeWidth = h * (0.01 + 0.02 * depth) * random.float(in: 0.8...1.3)
                let treeHeight = treeWidth * random.float(in: 2.4...3.6)
                for x in 0..<width {
                    let n = Noise.fbm1(Float(x) / period + offset, seed: layerSeed, octaves: 6)
                    // fbm clusters around 0.5: stretch it so hills rise and fall.
                    let stretched = min(max((n - 0.5) * 2.2 + 0.5, 0), 1)
                    let shape = ridged ? 1 - abs(stretched * 2 - 1) : stretched
                    var top = base - amplitude * shape
                    if trees {
                        let position = Float(x) / treeWidth
                        let tree = Int(position.rounded(.down))
                        let size = Float(Hash.mix(layerSeed ^ UInt64(bitPattern: Int64(tree))) >> 40) / Float(1 << 24)
                        let t = position - Float(tree)
                        top -= treeHeight * (0.45 + 0.55 * size) * max(0, 1 - abs(2 * t - 1) * 1.1)
                    }
                    ridges.append(top)
                }
                layers.append(Layer(colour: hills[index], depth: depth, isWater: false))
            }
            self.layers = layers
            self.ridges = ridges
            // Nearly all of a file's bytes are the foreground's grain, so the grain is scaled to
            // the share of the frame the land takes and to the image's size: files then stay
            // within 1-2 MB whatever the horizon, the mountains and the aspect ratio.
            var skyRows: Float = 0
            for x in 0..<width {
                var top = h
                for layer in 0..<layers.count { top = min(top, ridges[layer * width + x]) }
                skyRows += max(top, 0)
            }
            let landShare = max(0.2, 1 - skyRows / (w * h))
            let megapixels = w * h / 1_048_576
            grain = min(max(baseGrain * pow(0.55 / landShare, 1.1) * pow(1 / megapixels, 0.35), 3.2), 8)
            clouds = Field(
                width: width, height: height, cell: 8, period: max(w, h) * 0.45, stretch: 2.6, octaves: 5,
                seed: random.next())
            texture = Field(
                width: width, height: height, cell: 4, period: max(w, h) * 0.18, stretch: 1.3, octaves: 4,
                seed: random.next())
            detail = Tile(seed: random.next())
        }

        // MARK: Drawing

        func draw(into pixels: UnsafeMutableBufferPointer<UInt8>) {
            let w = Float(width)
            let h = Float(height)
            let centreX = w / 2
            let centreY = h / 2
            let inverseDiagonal = 1 / (centreX * centreX + centreY * centreY)
            ridges.withUnsafeBufferPointer { ridges in
                for y in 0..<height {
                    let fy = Float(y)
                    var pixel = y * width * 4
                    for x in 0..<width {
                        let fx = Float(x)
                        // The nearest layer whose top edge is above this pixel covers it.
                        var colour: Colour
                        var found = -1
                        var layerIndex = layers.count - 1
                        while layerIndex >= 0 {
                            if fy >= ridges[layerIndex * width + x] {
                                found = layerIndex
                                break
                            }
                            layerIndex -= 1
                        }
                        if found < 0 {
                            colour = sky(x: fx, y: fy, star: y * width + x)
                        } else if layers[found].isWater {
                            colour = water(x: fx, y: fy, line: ridges[found * width + x], layer: layers[found])
                        } else {
                            colour = land(x: fx, y: fy, ridge: ridges[found * width + x], layer: layers[found])
                        }
                        let dx = fx - centreX
                        let dy = fy - centreY
                        colour *= 1 - vignette * (dx * dx + dy * dy) * inverseDiagonal
                        // A clean sky and a grainy, detailed foreground, as in generated images
                        // and many photos. Deflate is also several times faster on that mix than
                        // on faint grain everywhere, whose many short matches make it search long
                        // hash chains.
                        let detailLevel: Float =
                            found < 0 ? 0 : (layers[found].isWater ? 0.8 : 0.75 + 0.45 * layers[found].depth)
                        store(colour, grain: detailLevel, at: pixel, index: y * width + x, into: pixels)
                        pixel += 4
                    }
                }
            }
        }

        @inline(__always)
        func sky(x: Float, y: Float, star pixel: Int?) -> Colour {
            let t = min(max(y / horizon, 0), 1)
            var colour = mix(palette.skyTop, palette.skyHorizon, t * t * (3 - 2 * t))
            let dx = x - sunX
            let dy = y - sunY
            let distance = (dx * dx + dy * dy).squareRoot()
            let glow =
                palette.glow
                * (0.55 * fastExp(-distance / (sunRadius * 2.2)) + 0.45 * fastExp(-distance / (sunRadius * 9)))
            colour += palette.sun * glow
            if palette.night, let pixel, Hash.mix(seed ^ UInt64(pixel) &* 0x9E37_79B9_7F4A_7C15) % 1400 == 0 {
                colour += Colour(repeating: Float(Hash.mix(UInt64(pixel)) % 100) / 140)
            }
            // The disk, with a soft edge, brighter than any glow around it.
            let disk = min(max((sunRadius - distance) / 1.5 + 0.5, 0), 1)
            colour = mix(colour, palette.sun * 0.35 + 0.68, disk)
            // Clouds in front of it: thinner towards the horizon.
            let density = clouds.sample(x: x, y: y)
            let coverage = smoothstep(cloudCover, cloudCover + 0.22, density) * (0.35 + 0.65 * (1 - t))
            if coverage > 0 {
                let lit = min(max((density - cloudCover) * 3.5, 0), 1)
                var cloud = mix(palette.cloudShadow, palette.cloudLight, 1 - lit * 0.6)
                cloud += palette.sun * glow * 0.5
                colour = mix(colour, cloud, coverage)
            }
            return colour
        }

        @inline(__always)
        func water(x: Float, y: Float, line: Float, layer: Layer) -> Colour {
            // The sky mirrored about the shore line, broken up by horizontal ripples.
            let ripple = (detail.sample(x: x * 0.25, y: y * 2.5) - 0.5) * 10
            let mirrored = horizon - 1 - (y - line) * 1.3 + ripple
            let reflection = sky(x: x + ripple * 2, y: min(max(mirrored, 0), horizon - 1), star: nil)
            let depth = min((y - line) / (Float(height) - line + 1), 1)
            return mix(reflection * 0.82, layer.colour, 0.25 + 0.45 * depth)
        }

        @inline(__always)
        func land(x: Float, y: Float, ridge: Float, layer: Layer) -> Colour {
            let below = y - ridge
            let broad = texture.sample(x: x * (0.6 + layer.depth), y: y * (0.6 + layer.depth) + ridge)
            let fine = detail.sample(x: x * (0.5 + layer.depth * 1.5), y: y * (0.5 + layer.depth * 1.5))
            var shade = 0.78 + (broad - 0.5) * (0.35 + 0.4 * layer.depth) + (fine - 0.5) * (0.1 + 0.35 * layer.depth)
            // The sun catches the crest; the ground darkens below it.
            shade += 0.22 * fastExp(-below / 6) * (1 - layer.depth * 0.5)
            shade -= 0.12 * min(below / (Float(height) * 0.25), 1) * layer.depth
            let colour = layer.colour * shade
            // Atmospheric perspective: far layers fade into the haze.
            let haze = (1 - layer.depth) * (1 - layer.depth) * 0.45
            return mix(colour, palette.haze, haze)
        }

        /// Writes one pixel with sensor grain: correlated luminance noise plus weaker chroma
        /// noise, both roughly Gaussian (sums of uniform bytes).
        @inline(__always)
        func store(
            _ colour: Colour, grain level: Float, at offset: Int, index: Int,
            into pixels: UnsafeMutableBufferPointer<UInt8>
        ) {
            let bits = Hash.mix(seed &+ UInt64(index) &* 0xD1B5_4A32_D192_ED03)
            let b0 = Float(bits & 0xFF)
            let b1 = Float((bits >> 8) & 0xFF)
            let b2 = Float((bits >> 16) & 0xFF)
            let luma = (b0 + b1 + b2 - 382.5) * (grain * level / 128)
            let chroma =
                Colour(
                    Float((bits >> 24) & 0xFF), Float((bits >> 32) & 0xFF), Float((bits >> 40) & 0xFF)
                ) - 127.5
            let value = colour * 255 + luma + chroma * (chromaGrain * level / 73.9)
            pixels[offset] = Self.byte(value.x)
            pixels[offset + 1] = Self.byte(value.y)
            pixels[offset + 2] = Self.byte(value.z)
        }

        @inline(__always)
        static func byte(_ value: Float) -> UInt8 {
            UInt8(min(max(value + 0.5, 0), 255))
        }
    }

    // MARK: - Noise

    /// Smooth fractal noise computed once on a coarse grid and bilinearly interpolated: large
    /// structures cost a few thousand noise evaluations instead of one per pixel per octave.
    struct Field {
        let columns: Int
        let rows: Int
        let cell: Float
        let values: [Float]

        init(width: Int, height: Int, cell: Int, period: Float, stretch: Float, octaves: Int, seed: UInt64) {
            columns = width / cell + 3
            rows = height / cell + 3
            self.cell = Float(cell)
            var values = [Float]()
            values.reserveCapacity(columns * rows)
            for row in 0..<rows {
                for column in 0..<columns {
                    let x = Float(column * cell) / (period * stretch)
                    let y = Float(row * cell) / period
                    values.append(Noise.fbm2(x, y, seed: seed, octaves: octaves))
                }
            }
            self.values = values
        }

        @inline(__always)
        func sample(x: Float, y: Float) -> Float {
            let gx = min(max(x / cell, 0), Float(columns - 2))
            let gy = min(max(y / cell, 0), Float(rows - 2))
            let ix = Int(gx)
            let iy = Int(gy)
            let fx = gx - Float(ix)
            let fy = gy - Float(iy)
            return values.withUnsafeBufferPointer { v in
                let i = iy * columns + ix
                let top = v[i] + (v[i + 1] - v[i]) * fx
                let bottom = v[i + columns] + (v[i + columns + 1] - v[i + columns]) * fx
                return top + (bottom - top) * fy
            }
        }
    }

    /// A 256x256 tile of fine, wrapping noise (periods of 4 to 32 pixels) for surface texture.
    struct Tile {
        static let size = 256
        let values: [Float]

        init(seed: UInt64) {
            var values = [Float]()
            values.reserveCapacity(Self.size * Self.size)
            for y in 0..<Self.size {
                for x in 0..<Self.size {
                    var sum: Float = 0
                    var amplitude: Float = 0.5
                    var cells = 8
                    for octave in 0..<4 {
                        let scale = Float(Self.size) / Float(cells)
                        sum +=
                            amplitude
                            * Noise.value2(
                                Float(x) / scale, Float(y) / scale, seed: seed &+ UInt64(octave), wrap: cells)
                        amplitude *= 0.5
                        cells *= 2
                    }
                    values.append(sum / 0.9375)
                }
            }
            self.values = values
        }

        @inline(__always)
        func sample(x: Float, y: Float) -> Float {
            let ix = Int(max(x, 0)) & (Self.size - 1)
            let iy = Int(max(y, 0)) & (Self.size - 1)
            return values.withUnsafeBufferPointer { $0[iy * Self.size + ix] }
        }
    }

    enum Noise {
        /// Value noise in [0, 1) on an integer lattice, smoothly interpolated; `wrap` > 0 makes
        /// it periodic.
        static func value2(_ x: Float, _ y: Float, seed: UInt64, wrap: Int = 0) -> Float {
            let x0 = Int(x.rounded(.down))
            let y0 = Int(y.rounded(.down))
            let fx = x - Float(x0)
            let fy = y - Float(y0)
            func lattice(_ ix: Int, _ iy: Int) -> Float {
                let wx = wrap > 0 ? ((ix % wrap) + wrap) % wrap : ix
                let wy = wrap > 0 ? ((iy % wrap) + wrap) % wrap : iy
                let h = Hash.mix(
                    seed ^ (UInt64(bitPattern: Int64(wx)) &* 0x9E37_79B9_7F4A_7C15)
                        ^ (UInt64(bitPattern: Int64(wy)) &* 0xC2B2_AE3D_27D4_EB4F))
                return Float(h >> 40) / Float(1 << 24)
            }
            let sx = fx * fx * (3 - 2 * fx)
            let sy = fy * fy * (3 - 2 * fy)
            let top = lattice(x0, y0) + (lattice(x0 + 1, y0) - lattice(x0, y0)) * sx
            let bottom = lattice(x0, y0 + 1) + (lattice(x0 + 1, y0 + 1) - lattice(x0, y0 + 1)) * sx
            return top + (bottom - top) * sy
        }

        static func value1(_ x: Float, seed: UInt64) -> Float {
            let x0 = Int(x.rounded(.down))
            let f = x - Float(x0)
            let a =
                Float(Hash.mix(seed ^ UInt64(bitPattern: Int64(x0)) &* 0x9E37_79B9_7F4A_7C15) >> 40) / Float(1 << 24)
            let b =
                Float(Hash.mix(seed ^ UInt64(bitPattern: Int64(x0 + 1)) &* 0x9E37_79B9_7F4A_7C15) >> 40)
                / Float(1 << 24)
            return a + (b - a) * (f * f * (3 - 2 * f))
        }

        /// Fractal sums, normalised to about [0, 1).
        static func fbm1(_ x: Float, seed: UInt64, octaves: Int) -> Float {
            var sum: Float = 0
            var amplitude: Float = 0.5
            var frequency: Float = 1
            var total: Float = 0
            for octave in 0..<octaves {
                sum += amplitude * value1(x * frequency, seed: seed &+ UInt64(octave))
                total += amplitude
                amplitude *= 0.5
                frequency *= 2.03
            }
            return sum / total
        }

        static func fbm2(_ x: Float, _ y: Float, seed: UInt64, octaves: Int) -> Float {
            var sum: Float = 0
            var amplitude: Float = 0.5
            var frequency: Float = 1
            var total: Float = 0
            for octave in 0..<octaves {
                sum += amplitude * value2(x * frequency, y * frequency, seed: seed &+ UInt64(octave))
                total += amplitude
                amplitude *= 0.5
                frequency *= 2.03
            }
            return sum / total
        }
    }
}

// MARK: - Helpers

@inline(__always)
private func mix(_ a: SIMD3<Float>, _ b: SIMD3<Float>, _ t: Float) -> SIMD3<Float> {
    a + (b - a) * t
}

@inline(__always)
private func smoothstep(_ edge0: Float, _ edge1: Float, _ x: Float) -> Float {
    let t = min(max((x - edge0) / (edge1 - edge0), 0), 1)
    return t * t * (3 - 2 * t)
}

/// exp(x) for x <= 0, to about 1e-3 relative error: enough for glows, and far cheaper than libm
/// in the per-pixel loop.
@inline(__always)
private func fastExp(_ x: Float) -> Float {
    if x < -20 { return 0 }
    var y = 1 + x / 256
    y *= y
    y *= y
    y *= y
    y *= y
    y *= y
    y *= y
    y *= y
    y *= y
    return y
}

/// SplitMix64 (Steele, Lea and Flood): a tiny, fast, deterministic generator for choices.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Hash.mix(state)
    }

    /// A uniform Float in `range`.
    public mutating func float(in range: ClosedRange<Float>) -> Float {
        range.lowerBound + (range.upperBound - range.lowerBound) * (Float(next() >> 40) / Float(1 << 24))
    }

    /// A uniform Int in `range` (modulo bias is irrelevant at these sizes).
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    /// An element of `items`, which must not be empty.
    public mutating func pick<T>(_ items: [T]) -> T {
        items[Int(next() % UInt64(items.count))]
    }

    /// True with probability `percent` / 100.
    public mutating func chance(_ percent: Int) -> Bool {
        next() % 100 < UInt64(percent)
    }
}

public enum Hash {
    /// SplitMix64's finaliser: a strong 64-bit mix, also used as a counter-based hash.
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// FNV-1a over the UTF-8 bytes, then mixed: a stable seed from a string.
    public static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return mix(hash)
    }
}
