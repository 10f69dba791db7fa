import Foundation

/// A 64-bit DCT perceptual hash that agrees bit for bit with `imagehash.phash` (PyPI ImageHash,
/// over Pillow): Pillow's `convert('L')` luma (alpha ignored), Pillow's fixed-point Lanczos-3
/// resample to 32×32 (aspect thrown away), an unnormalised DCT-II on columns then rows, the 8×8
/// low frequencies (DC included) against their median, the first coefficient as the top bit.
/// Matching the published definition exactly is what lets a test use imagehash as the oracle.
/// Near-identical pictures differ in few bits: `distance` is the Hamming distance.
public struct PerceptualHash: Sendable, Hashable {
    /// The 64 bits, coefficient (0, 0) as the most significant.
    public let value: UInt64

    public init(value: UInt64) {
        self.value = value
    }

    /// SQLite stores a signed 64-bit integer: the same bits.
    public init(signed: Int64) {
        value = UInt64(bitPattern: signed)
    }

    public var signed: Int64 { Int64(bitPattern: value) }

    /// imagehash's `str(hash)`: 16 lowercase hex digits.
    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The number of bits that differ.
    public func distance(to other: PerceptualHash) -> Int { (value ^ other.value).nonzeroBitCount }

    /// The hash of PNG bytes in memory. The decode's memory (the RGBA pixels and their luma) is
    /// reserved from `budget` first, so hashing on every core stays within the decode budget.
    public init(
        pngData data: some ContiguousBytes, maxPixels: Int = RGBAImage.defaultMaxPixels, budget: DecodeBudget = .shared
    ) throws(RasterError) {
        let header = try PNGHeaderInfo(pngData: data)
        guard header.width > 0, header.height > 0, header.width * header.height <= maxPixels else {
            throw .tooLarge("\(header.width)×\(header.height) pixels is more than the \(maxPixels) allowed")
        }
        let cost = header.width * header.height * 5
        try budget.reserve(cost)
        defer { budget.release(cost) }
        let image = try RGBAImage(pngData: data, maxPixels: maxPixels)
        self.init(image: image)
    }

    /// The hash of decoded pixels.
    public init(image: RGBAImage) {
        let luma = Self.luma(image)
        let small = Self.resample(luma, width: image.width, height: image.height)
        self.init(value: Self.hashBits(small))
    }

    // MARK: - The steps

    /// Pillow's RGB → L: ITU-R 601 luma in 16.16 fixed point, alpha ignored (not composited).
    static func luma(_ image: RGBAImage) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: image.width * image.height)
        image.pixels.withUnsafeBufferPointer { pixels in
            for index in 0..<out.count {
                let red = UInt32(pixels[index * 4])
                let green = UInt32(pixels[index * 4 + 1])
                let blue = UInt32(pixels[index * 4 + 2])
                out[index] = UInt8((red * 19595 + green * 38470 + blue * 7471 + 0x8000) >> 16)
            }
        }
        return out
    }

    static let side = 32
    static let precisionBits = 22

    /// Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for LANCZOS: per output sample, the
    /// first input index, the count, and the fixed-point weights.
    static func coefficients(input: Int, output: Int) -> [(first: Int, weights: [Int64])] {
        func sinc(_ value: Double) -> Double {
            if value == 0 { return 1 }
            let scaled = value * Double.pi
            return sin(scaled) / scaled
        }
        func lanczos(_ value: Double) -> Double { value >= -3 && value < 3 ? sinc(value) * sinc(value / 3) : 0 }
        let scale = Double(input) / Double(output)
        let filterScale = max(scale, 1)
        let support = 3 * filterScale
        return (0..<output).map { index in
            let center = (Double(index) + 0.5) * scale
            let first = max(Int(center - support + 0.5), 0)
            let count = min(Int(center + support + 0.5), input) - first
            var weights = (0..<count).map { lanczos((Double($0 + first) - center + 0.5) / filterScale) }
            let total = weights.reduce(0, +)
            if total != 0 { weights = weights.map { $0 / total } }
            let unit = Double(1 << precisionBits)
            return (first, weights.map { Int64($0 < 0 ? -0.5 + $0 * unit : 0.5 + $0 * unit) })
        }
    }

    static func clip8(_ value: Int64) -> UInt8 {
        if value >= Int64(1) << (precisionBits + 8) { return 255 }
        if value <= 0 { return 0 }
        return UInt8(value >> precisionBits)
    }

    /// Pillow's two-pass resample to 32×32: horizontal over the rows the vertical pass reads,
    /// rounded to 8 bits, then vertical; a pass whose size does not change is skipped.
    static func resample(_ gray: [UInt8], width: Int, height: Int) -> [UInt8] {
        let horizontal = coefficients(input: width, output: side)
        let vertical = coefficients(input: height, output: side)
        let half = Int64(1) << (precisionBits - 1)
        var source = gray
        var sourceWidth = width
        var firstRow = 0
        if width != side {
            firstRow = vertical[0].first
            let lastRow = vertical[side - 1].first + vertical[side - 1].weights.count
            var strip = [UInt8](repeating: 0, count: (lastRow - firstRow) * side)
            gray.withUnsafeBufferPointer { pixels in
                for row in 0..<(lastRow - firstRow) {
                    let base = (row + firstRow) * width
                    for (column, tap) in horizontal.enumerated() {
                        var sum = half
                        for (offset, weight) in tap.weights.enumerated() {
                            sum += Int64(pixels[base + tap.first + offset]) * weight
                        }
                        strip[row * side + column] = clip8(sum)
                    }
                }
            }
            source = strip
            sourceWidth = side
        }
        if height == side { return source }
        var out = [UInt8](repeating: 0, count: side * side)
        for (row, tap) in vertical.enumerated() {
            for column in 0..<side {
                var sum = half
                for (offset, weight) in tap.weights.enumerated() {
                    sum += Int64(source[(tap.first - firstRow + offset) * sourceWidth + column]) * weight
                }
                out[row * side + column] = clip8(sum)
            }
        }
        return out
    }

    /// The first 8 rows of the unnormalised 32-point DCT-II matrix: 2·cos(πk(2n+1)/64).
    static let cosines: [Double] = (0..<8).flatMap { frequency in
        (0..<side).map { sample in 2 * cos(Double.pi * Double(frequency * (2 * sample + 1)) / Double(2 * side)) }
    }

    /// low = C8 · P · C8ᵀ; bit = coefficient > median (+ a tolerance, so a flat image's exact
    /// zeros do not become rounding noise); row-major, first coefficient most significant.
    static func hashBits(_ pixels: [UInt8]) -> UInt64 {
        // Columns first: tmp[k][x] = Σ_y C[k][y]·P[y][x].
        var columns = [Double](repeating: 0, count: 8 * side)
        for frequency in 0..<8 {
            for row in 0..<side {
                let weight = cosines[frequency * side + row]
                for column in 0..<side {
                    columns[frequency * side + column] += weight * Double(pixels[row * side + column])
                }
            }
        }
        var low = [Double](repeating: 0, count: 64)
        for row in 0..<8 {
            for frequency in 0..<8 {
                var sum = 0.0
                for column in 0..<side { sum += columns[row * side + column] * cosines[frequency * side + column] }
                low[row * 8 + frequency] = sum
            }
        }
        let sorted = low.sorted()
        let median = (sorted[31] + sorted[32]) / 2
        let tolerance = 1e-9 * (low.map { abs($0) }.max()! + 1)
        var value: UInt64 = 0
        for (index, coefficient) in low.enumerated() where coefficient > median + tolerance {
            value |= 1 << UInt64(63 - index)
        }
        return value
    }
}
