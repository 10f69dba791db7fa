import Foundation

/// The 13 aspect ratios the API accepts, and the pixel size each renders at.
public enum AspectRatio: String, Sendable, CaseIterable {
    case square = "1:1"
    case wide16x9 = "16:9", tall9x16 = "9:16"
    case landscape4x3 = "4:3", portrait3x4 = "3:4"
    case landscape3x2 = "3:2", portrait2x3 = "2:3"
    case landscape5x4 = "5:4", portrait4x5 = "4:5"
    case wide2x1 = "2:1", tall1x2 = "1:2"
    case ultrawide21x9 = "21:9", ultratall9x21 = "9:21"

    public static let `default` = AspectRatio.square

    /// The listed values, in the seeds' order, for error messages and `--help`.
    public static let listed = allCases.map(\.rawValue).joined(separator: ", ")

    /// Width and height over the ratio's terms.
    public var terms: (width: Int, height: Int) {
        let parts = rawValue.split(separator: ":").map { Int($0)! }
        return (parts[0], parts[1])
    }

    /// The supported ratio nearest to `text` ("W:H", such as a foreign image's "13:19"), by the
    /// ratio of its sides on a log scale (so 2:1 and 1:2 are as far from 1:1); nil when `text` is
    /// not W:H in positive numbers.
    public static func nearest(to text: String) -> AspectRatio? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let width = Double(parts[0]), let height = Double(parts[1]), width > 0, height > 0,
            width.isFinite, height.isFinite
        else { return nil }
        let wanted = log(width / height)
        return allCases.min { a, b in
            abs(a.logRatio - wanted) < abs(b.logRatio - wanted)
        }
    }

    private var logRatio: Double { log(Double(terms.width) / Double(terms.height)) }

    /// gpt-image's own sizes for 1:1, 3:2 and 2:3; for the others, the size of about one
    /// megapixel (1024²) with each side rounded to the nearest multiple of 16.
    public var pixelSize: (width: Int, height: Int) {
        switch self {
        case .square: return (1024, 1024)
        case .landscape3x2: return (1536, 1024)
        case .portrait2x3: return (1024, 1536)
        default:
            let (a, b) = terms
            let area = 1024.0 * 1024.0
            let width = (area * Double(a) / Double(b)).squareRoot()
            let height = width * Double(b) / Double(a)
            func round16(_ value: Double) -> Int { Int((value / 16).rounded()) * 16 }
            return (round16(width), round16(height))
        }
    }
}
