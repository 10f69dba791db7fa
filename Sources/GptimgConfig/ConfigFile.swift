import Foundation
import GptimgAPI
import GptimgSupport
import TOMLKit

/// A config file that cannot be used: one line naming the file, the line and what is valid.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// The keys of `config.toml`, each with its valid values: the one list `config set`, the
/// reader and the error lines use.
public enum ConfigKey: String, CaseIterable, Sendable {
    case library, baseURL = "base_url", aspect, n, tags, concurrency, pollLatency = "poll_latency"
    case batchCreditCap = "batch_credit_cap", monthlyBudget = "monthly_budget"
    case backupsKept = "backups_kept"

    public static let listed = allCases.map(\.rawValue).joined(separator: ", ")

    /// What a value of this key may be (error lines and `config list` say it).
    public var valid: String {
        switch self {
        case .library: "a folder path (absolute, ~/…, or relative to the home directory)"
        case .baseURL: "an http:// or https:// URL"
        case .aspect: "one of \(AspectRatio.listed)"
        case .n: "a whole number from 1 to 4"
        case .tags: "a list of tags, e.g. [\"portfolio\", \"2026\"] (config set takes them comma-separated)"
        case .concurrency: "a whole number from 1 to 64"
        case .pollLatency: "seconds, a number above 0 and at most 3600"
        case .batchCreditCap, .monthlyBudget: "a whole number of credits, 0 or more"
        case .backupsKept: "a whole number of snapshots from 1 to 1000"
        }
    }

    /// The value checked, or nil when it is not valid for this key.
    func check(_ value: any TOMLValueConvertible) -> ConfigValue? {
        switch self {
        case .library:
            guard let text = value.string, !text.isEmpty, !text.contains("\0") else { return nil }
            return .string(text)
        case .baseURL:
            guard let text = value.string, let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""),
                url.host != nil
            else { return nil }
            return .string(text)
        case .aspect:
            guard let text = value.string, AspectRatio(rawValue: text) != nil else { return nil }
            return .string(text)
        case .n: return value.int.flatMap { (1...4).contains($0) ? .int($0) : nil }
        case .concurrency: return value.int.flatMap { (1...64).contains($0) ? .int($0) : nil }
        case .batchCreditCap, .monthlyBudget: return value.int.flatMap { $0 >= 0 ? .int($0) : nil }
        case .backupsKept: return value.int.flatMap { (1...1000).contains($0) ? .int($0) : nil }
        case .pollLatency:
            // An integer is a number of seconds too (`poll_latency = 2`).
            guard let seconds = value.double ?? value.int.map(Double.init), seconds > 0, seconds <= 3600 else {
                return nil
            }
            return .double(seconds)
        case .tags:
            guard let array = value.array else { return nil }
            var tags: [String] = []
            for element in array {
                guard let tag = element.string, !tag.isEmpty, !tag.contains("\0") else { return nil }
                tags.append(tag)
            }
            return .strings(tags)
        }
    }

    /// The TOML text of `config set KEY TEXT`'s value, or nil when it is not valid.
    func encode(_ text: String) -> String? {
        let encoded: String
        switch self {
        case .library, .baseURL, .aspect: encoded = Self.quoted(text)
        case .n, .concurrency, .batchCreditCap, .monthlyBudget, .backupsKept:
            guard let number = Int(text) else { return nil }
            encoded = String(number)
        case .pollLatency:
            guard let number = Double(text), number.isFinite else { return nil }
            encoded = String(number)
        case .tags:
            let tags = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            encoded = "[" + tags.map(Self.quoted).joined(separator: ", ") + "]"
        }
        // The same check as the reader's, on the value as TOML will read it back.
        guard let table = try? TOMLTable(string: "v = " + encoded), let value = table["v"], check(value) != nil else {
            return nil
        }
        return encoded
    }

    /// A TOML basic string: `"…"` with `\\`, `\"` and control characters escaped.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\u%04X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// A checked value of the config file.
public enum ConfigValue: Sendable, Equatable, CustomStringConvertible {
    case string(String), int(Int), double(Double), strings([String])

    /// As `config get` prints it (tags comma-separated, as `config set` takes them).
    public var description: String {
        switch self {
        case .string(let text): text
        case .int(let number): String(number)
        case .double(let number): String(number)
        case .strings(let list): list.joined(separator: ", ")
        }
    }
}

/// The defaults the config file gives (each nil when it does not set it). Commands take a flag,
/// then the environment, then these, then their built-in default.
public struct Settings: Sendable, Equatable {
    public var values: [ConfigKey: ConfigValue] = [:]

    public init(values: [ConfigKey: ConfigValue] = [:]) { self.values = values }

    public var library: String? { string(.library) }
    public var baseURL: String? { string(.baseURL) }
    public var aspect: String? { string(.aspect) }
    public var n: Int? { int(.n) }
    public var tags: [String]? { if case .strings(let tags) = values[.tags] { tags } else { nil } }
    public var concurrency: Int? { int(.concurrency) }
    public var pollLatency: Double? { if case .double(let seconds) = values[.pollLatency] { seconds } else { nil } }
    public var batchCreditCap: Int? { int(.batchCreditCap) }
    public var monthlyBudget: Int? { int(.monthlyBudget) }
    /// How many catalog snapshots `backups/` keeps.
    public var backupsKept: Int? { int(.backupsKept) }

    private func string(_ key: ConfigKey) -> String? { if case .string(let text) = values[key] { text } else { nil } }
    private func int(_ key: ConfigKey) -> Int? { if case .int(let number) = values[key] { number } else { nil } }
}

/// `$XDG_CONFIG_HOME/gptimg/config.toml`: read with TOMLKit, edited line by line so the user's
/// comments and layout survive `config set` and `config unset` (TOMLKit's writer would drop the
/// comments and reorder the keys). The file is flat: `key = value` lines, no tables.
public struct ConfigFile: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// The file's text; "" when there is none (no file means no defaults, not an error).
    public func text() throws(ConfigError) -> String {
        guard FileManager.default.fileExists(atPath: path) else { return "" }
        do {
            let bytes = try AtomicFile.read(path, maxBytes: 1 << 20)
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw ConfigError("\(path): not UTF-8 text; a config file is TOML")
            }
            return text
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError("\(path): \(error)")
        }
    }

    /// The settings the file gives.
    public func load() throws(ConfigError) -> Settings { try parse(text()) }

    /// The settings `text` gives, or the first problem as one line: `FILE:LINE: …`.
    public func parse(_ text: String) throws(ConfigError) -> Settings {
        if text.isEmpty { return Settings() }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            var message = error.description
            if let colon = message.range(of: ": "), message.hasPrefix("Error while parsing") {
                message = String(message[colon.upperBound...])
            }
            throw ConfigError("\(path):\(error.source.begin.line): \(message)")
        } catch {
            throw ConfigError("\(path): \(error)")
        }
        var settings = Settings()
        // In file order, so the first problem reported is the first one in the file.
        for name in table.keys.sorted(by: { line(of: $0, in: text) ?? .max < line(of: $1, in: text) ?? .max }) {
            let at = line(of: name, in: text).map { ":\($0)" } ?? ""
            guard let key = ConfigKey(rawValue: name) else {
                throw ConfigError("\(path)\(at): unknown key '\(name)': the keys are \(ConfigKey.listed)")
            }
            guard let value = table[name], let checked = key.check(value) else {
                throw ConfigError("\(path)\(at): bad value for \(name): use \(key.valid)")
            }
            settings.values[key] = checked
        }
        return settings
    }

    /// Sets `key` to `text` (as `config set` takes it), keeping every other line; written
    /// atomically, the folder made (0700) when missing.
    public func set(_ key: ConfigKey, to text: String) throws(ConfigError) {
        guard let encoded = key.encode(text) else {
            throw ConfigError("'\(text)' is not a valid \(key.rawValue): use \(key.valid)")
        }
        var lines = try self.text().components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        let line = "\(key.rawValue) = \(encoded)"
        if let index = Self.lineIndex(of: key.rawValue, in: lines) {
            lines[index] = line + Self.trailingComment(lines[index])
        } else {
            lines.append(line)
        }
        try write(lines)
    }

    /// Removes `key`'s line (nothing happens when the file does not set it).
    public func unset(_ key: String) throws(ConfigError) {
        var lines = try self.text().components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        guard let index = Self.lineIndex(of: key, in: lines) else { return }
        lines.remove(at: index)
        try write(lines)
    }

    /// Checks the new text as the reader will, then replaces the file in one rename.
    private func write(_ lines: [String]) throws(ConfigError) {
        let text = lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
        _ = try parse(text)
        let folder = AtomicFile.parentDirectory(of: path)
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try AtomicFile.write(Array(text.utf8), to: path, durable: true, mode: 0o600)
        } catch {
            throw ConfigError("\(path): cannot write it: \(error)")
        }
    }

    /// The 1-based line where `key` is set, found by a scan of the text (TOMLKit gives no
    /// positions for keys).
    func line(of key: String, in text: String) -> Int? {
        Self.lineIndex(of: key, in: text.components(separatedBy: "\n")).map { $0 + 1 }
    }

    static func lineIndex(of key: String, in lines: [String]) -> Int? {
        lines.firstIndex { line in
            var rest = Substring(line).drop { $0 == " " || $0 == "\t" }
            for quote in ["\"", "'"] where rest.hasPrefix(quote + key + quote) {
                rest = rest.dropFirst(key.count + 2)
                return rest.drop { $0 == " " || $0 == "\t" }.hasPrefix("=")
            }
            guard rest.hasPrefix(key) else { return false }
            return rest.dropFirst(key.count).drop { $0 == " " || $0 == "\t" }.hasPrefix("=")
        }
    }

    /// A line's `# comment` after its value, kept by `set` (a `#` inside a quoted value is not one).
    static func trailingComment(_ line: String) -> String {
        var quote: Character?
        var escaped = false
        for (offset, character) in line.enumerated() {
            if escaped {
                escaped = false
                continue
            }
            if character == "\\" && quote == "\"" {
                escaped = true
            } else if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "#" {
                let start = line.index(line.startIndex, offsetBy: offset)
                return "  " + line[start...]
            }
        }
        return ""
    }
}
