import PNGMetadata

/// The API's 21-character ids (`kUtpnus8fXpDKkuEjayG3`) and task ids (`gpt-image-2-<id>`).
public enum APIIdentifier {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(APIContract.idLength)
        for _ in 0..<APIContract.idLength { bytes.append(alphabet.randomElement(using: &generator)!) }
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public static func taskID(for id: String) -> String { APIContract.taskIDPrefix + id }

    /// Whether `text` has the shape of a task id: the prefix and 21 id characters (the one
    /// definition, shared with files' metadata: `ValueShape.isTaskID`).
    public static func isTaskID(_ text: String) -> Bool { ValueShape.isTaskID(text) }
}
