import CPNG
import Foundation
import GptimgSupport

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

    /// The hash of PNG bytes in memory. Rows stream from libpng through the luma conversion and
    /// the horizontal resampling pass (`cpng_decode_luma_columns`), so the whole image is never
    /// held (but for an interlaced one, decoded whole); the memory it takes is reserved from
    /// `budget` first, so hashing on every core stays within the decode budget.
    public init(
        pngData data: some ContiguousBytes, maxPixels: Int = RGBAImage.defaultMaxPixels, budget: DecodeBudget = .shared
    ) throws(RasterError) {
        let result = data.withUnsafeBytes { buffer in
            Result { () throws(RasterError) -> PerceptualHash in
                try PerceptualHash(
                    input: cpng_input(
                        data: buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), size: buffer.count, fd: -1),
                    maxPixels: maxPixels, budget: budget
                ) { () throws(RasterError) in try RGBAImage(pngData: data, maxPixels: maxPixels) }
            }
        }
        self = try result.get()
    }

    /// The hash of the PNG file at `path`, read through a window (neither the file nor the image
    /// is held whole). Only a regular file is read (a FIFO would block). Blocking.
    public init(
        contentsOfFile path: String, maxPixels: Int = RGBAImage.defaultMaxPixels, budget: DecodeBudget = .shared
    ) throws(RasterError) {
        let descriptor = try RasterError.openRegularFile(path)
        defer { close(descriptor) }
        try self.init(input: cpng_input(data: nil, size: 0, fd: descriptor), maxPixels: maxPixels, budget: budget) {
            () throws(RasterError) in try RGBAImage(contentsOf: URL(fileURLWithPath: path), maxPixels: maxPixels)
        }
    }

    private init(
        input: cpng_input, maxPixels: Int, budget: DecodeBudget, whole: () throws(RasterError) -> RGBAImage
    ) throws(RasterError) {
        var input = input
        var message = [CChar](repeating: 0, count: 512)
        let limit = UInt64(max(0, maxPixels))
        var header = try RasterError.inspect(&input, limit: limit)
        let (width, height) = (Int(header.width), Int(header.height))
        guard width > 0, height > 0 else { throw .tooLarge("\(width)×\(height) pixels cannot be hashed") }
        if header.interlaced != 0 {
            // Adam7 completes no row before its last pass: the image is decoded whole.
            let cost = width * height * 5
            try budget.reserve(cost)
            defer { budget.release(cost) }
            self.init(image: try whole())
            return
        }
        // Pillow skips a pass whose size does not change: identity taps give the same bytes.
        let horizontal =
            width == Self.side
            ? (0..<Self.side).map { (first: $0, weights: [Int64(1) << Self.precisionBits]) }
            : Self.coefficients(input: width, output: Self.side)
        let vertical = Self.coefficients(input: height, output: Self.side)
        let firstRow = height == Self.side ? 0 : vertical[0].first
        let lastRow =
            height == Self.side ? height : vertical[Self.side - 1].first + vertical[Self.side - 1].weights.count
        let stride = horizontal.map(\.weights.count).max() ?? 1
        var firsts = horizontal.map { Int32($0.first) }
        var counts = horizontal.map { Int32($0.weights.count) }
        var weights = [Int64](repeating: 0, count: Self.side * stride)
        for (column, tap) in horizontal.enumerated() {
            for (offset, weight) in tap.weights.enumerated() { weights[column * stride + offset] = weight }
        }
        var strip = [UInt8](repeating: 0, count: (lastRow - firstRow) * Self.side)
        let cost = Int(clamping: cpng_luma_columns_memory(&header)) + strip.count + weights.count * 8
        try budget.reserve(cost)
        defer { budget.release(cost) }
        let decoded = strip.withUnsafeMutableBufferPointer { out in
            message.withUnsafeMutableBufferPointer { errbuf in
                cpng_decode_luma_columns(
                    &input, limit, UInt32(Self.side), &firsts, &counts, &weights, UInt32(stride),
                    Int32(Self.precisionBits), UInt32(firstRow), UInt32(lastRow - firstRow), out.baseAddress,
                    errbuf.baseAddress, errbuf.count)
            }
        }
        guard decoded == CPNG_OK else { throw RasterError(status: decoded, message: String(cStringBuffer: message)) }
        let small = height == Self.side ? strip : Self.verticalPass(strip, firstRow: firstRow, taps: vertical)
        self.init(value: Self.hashBits(small))
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
        // After the horizontal pass (or without one, at a width of `side`), rows are `side` wide.
        var source = gray
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
        }
        if height == side { return source }
        return verticalPass(source, firstRow: firstRow, taps: vertical)
    }

    /// Pillow's vertical pass over rows of `side` samples that start at row `firstRow`.
    static func verticalPass(_ rows: [UInt8], firstRow: Int, taps: [(first: Int, weights: [Int64])]) -> [UInt8] {
        let half = Int64(1) << (precisionBits - 1)
        var out = [UInt8](repeating: 0, count: side * side)
        for (row, tap) in taps.enumerated() {
            for column in 0..<side {
                var sum = half
                for (offset, weight) in tap.weights.enumerated() {
                    sum += Int64(rows[(tap.first - firstRow + offset) * side + column]) * weight
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
