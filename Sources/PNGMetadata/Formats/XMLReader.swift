/// A small, namespace-aware XML 1.0 reader over UTF-8 bytes: the XML that XMP packets are made
/// of, and nothing that reaches outside the document.
///
/// It replaces Foundation's `XMLParser`, whose module links libxml2 and with it ICU and liblzma
/// into every process (a static hello-world with Foundation started in 2.0 ms here, 3.7 ms with
/// FoundationXML linked: hyperfine, 60 runs each, on probe binaries timed by hand, not by bench/),
/// and which crashed on hostile processing instructions on Linux. A pull reader: `next()` gives one
/// event at a time, so a caller stops when it has what it wants, and what it read before an error
/// stays read.
///
/// What it reads: elements with `xmlns` / `xmlns:p` declarations scoped per element (names come
/// back with their namespace URI, the `xml` prefix predefined), attributes in either quote,
/// character data, CDATA sections, the five predefined entities and character references, XML 1.0
/// line-end normalisation (`\r\n` and a lone `\r` become `\n`; `&#xD;` stays `\r`) and attribute
/// value normalisation. Comments and processing instructions (`<?xpacket …?>`, `<?xml …?>`) are
/// skipped. Not-well-formed input (a mismatched end tag, an unknown entity, a malformed
/// reference, a character XML cannot hold, `]]>` in text, a second root element) is an error.
///
/// Refused outright: document type declarations (`<!DOCTYPE`), so there are no external or
/// custom entities and no expansion bombs. Limits for hostile input: no recursion (an explicit
/// element stack), at most `maximumDepth` open elements, and time linear in the input.
///
/// A prefix that no declaration binds is a namespace error that, as in libxml2, does not stop
/// reading: the name comes back without a namespace, so it matches nothing namespaced.
struct XMLReader {
    /// An element or attribute name with its prefix resolved: `namespace` is the URI the prefix
    /// (or, for an unprefixed element, the default namespace) is bound to; nil for none.
    struct Name: Hashable, Sendable {
        var namespace: String?
        var local: String
    }

    struct Attribute: Equatable, Sendable {
        var name: Name
        var value: String
    }

    enum Event: Equatable, Sendable {
        /// A start tag (or an empty-element tag, followed at once by its `end`). Namespace
        /// declarations are not among the attributes.
        case start(Name, attributes: [Attribute])
        case end(Name)
        /// Character data, CDATA included, with references resolved; one element's text may come
        /// in several pieces (around comments, CDATA sections, child elements).
        case text(String)
    }

    /// Why reading stopped.
    struct Failure: Error, Equatable, Sendable {
        var reason: String
    }

    static let xmlNamespace = "http://www.w3.org/XML/1998/namespace"

    /// Open elements at most; one more is an error. XMP nests about 6 deep.
    static let maximumDepth = 256

    private struct OpenElement {
        /// The name as written, which the end tag must repeat.
        var qualifiedName: ArraySlice<UInt8>
        var name: Name
        /// Prefixes this element declared ("" for the default namespace), undone at its end.
        var declaredPrefixes: [String]
    }

    private let bytes: [UInt8]
    private var index = 0
    private var open: [OpenElement] = []
    /// Prefix ("" for the default namespace) to the URIs it is bound to, innermost last; an
    /// empty URI unbinds (`xmlns=""`). A dictionary, so a lookup costs the same at any depth.
    private var bindings: [String: [String]] = [:]
    private var rootSeen = false
    private var emptyElementPending = false
    private var failure: Failure?

    /// `bytes` as UTF-8 (invalid sequences in text come out as U+FFFD); a leading byte order
    /// mark is skipped.
    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    }

    init(_ text: String) { self.init(Array(text.utf8)) }

    /// The next event; nil at the end of a well-formed document. After an error, every call
    /// throws it again.
    mutating func next() throws(Failure) -> Event? {
        if let failure { throw failure }
        do {
            return try readEvent()
        } catch {
            failure = error
            throw error
        }
    }

    // MARK: - Events

    private mutating func readEvent() throws(Failure) -> Event? {
        if emptyElementPending {
            emptyElementPending = false
            return .end(closeElement())
        }
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "<") else {
                if open.isEmpty {
                    try skipWhitespaceOutsideRoot()
                    continue
                }
                return .text(try readCharacterData())
            }
            if has("</") { return .end(try readEndTag()) }
            if has("<?") {
                try skipProcessingInstruction()
            } else if has("<!--") {
                try skipComment()
            } else if has("<![CDATA[") {
                guard !open.isEmpty else { throw fail("CDATA section outside the root element") }
                let text = try readCDATA()
                if !text.isEmpty { return .text(text) }
            } else if has("<!") {
                throw fail("document type and other declarations are not supported")
            } else {
                return try readStartTag()
            }
        }
        if let element = open.last {
            throw fail("the input ends inside <\(String(decoding: element.qualifiedName, as: UTF8.self))>")
        }
        if !rootSeen { throw fail("no root element") }
        return nil
    }

    private mutating func readStartTag() throws(Failure) -> Event {
        index += 1 // "<"
        let qualifiedName = try readName()
        var rawAttributes: [(name: ArraySlice<UInt8>, value: String)] = []
        var empty = false
        while true {
            let spaced = skipWhitespace()
            guard index < bytes.count else { throw fail("the input ends inside a start tag") }
            if bytes[index] == UInt8(ascii: ">") {
                index += 1
                break
            }
            if has("/>") {
                index += 2
                empty = true
                break
            }
            guard spaced else { throw fail("expected whitespace, `>` or `/>` in a start tag") }
            let name = try readName()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
                throw fail("expected `=` after an attribute name")
            }
            index += 1
            skipWhitespace()
            rawAttributes.append((name, try readAttributeValue()))
        }
        if open.isEmpty && rootSeen {
            throw fail("content after the root element")
        }
        guard open.count < Self.maximumDepth else {
            throw fail("elements nested more than \(Self.maximumDepth) deep")
        }
        if rawAttributes.count > 1 {
            var seen = Set<ArraySlice<UInt8>>()
            for attribute in rawAttributes where !seen.insert(attribute.name).inserted {
                throw fail("attribute \(String(decoding: attribute.name, as: UTF8.self)) given twice")
            }
        }

        // Declarations first: they apply to the element's own name and attributes.
        var declared: [String] = []
        var attributes: [Attribute] = []
        var others: [(name: ArraySlice<UInt8>, value: String)] = []
        for attribute in rawAttributes {
            let name = attribute.name
            if name.elementsEqual("xmlns".utf8) {
                declared.append("")
                bindings["", default: []].append(attribute.value)
            } else if name.starts(with: "xmlns:".utf8) {
                let prefix = String(decoding: name.dropFirst(6), as: UTF8.self)
                guard !prefix.isEmpty, !prefix.contains(":") else {
                    throw fail("malformed namespace declaration \(String(decoding: name, as: UTF8.self))")
                }
                // `xml` and `xmlns` are bound for good; redeclaring them changes nothing.
                if prefix == "xml" || prefix == "xmlns" { continue }
                declared.append(prefix)
                bindings[prefix, default: []].append(attribute.value)
            } else {
                others.append(attribute)
            }
        }
        let elementName = try resolve(qualifiedName, isElement: true)
        for attribute in others {
            attributes.append(Attribute(name: try resolve(attribute.name, isElement: false), value: attribute.value))
        }
        if attributes.count > 1, Set(attributes.map(\.name)).count != attributes.count {
            throw fail("two attributes with the same namespace and name")
        }

        open.append(OpenElement(qualifiedName: qualifiedName, name: elementName, declaredPrefixes: declared))
        rootSeen = true
        emptyElementPending = empty
        return .start(elementName, attributes: attributes)
    }

    private mutating func readEndTag() throws(Failure) -> Name {
        index += 2 // "</"
        let qualifiedName = try readName()
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ">") else {
            throw fail("expected `>` to end an end tag")
        }
        index += 1
        guard let element = open.last, element.qualifiedName.elementsEqual(qualifiedName) else {
            throw fail("end tag </\(String(decoding: qualifiedName, as: UTF8.self))> does not match its start tag")
        }
        return closeElement()
    }

    private mutating func closeElement() -> Name {
        let element = open.removeLast()
        for prefix in element.declaredPrefixes { bindings[prefix]?.removeLast() }
        return element.name
    }

    // MARK: - Names and namespaces

    private static func isNameStart(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"),
            UInt8(ascii: ":"), 0x80...:
            true
        default: false
        }
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."): true
        default: Self.isNameStart(byte)
        }
    }

    /// An XML name. Non-ASCII bytes are accepted as name characters without checking which
    /// characters they encode: lenient, and harmless, since names are only ever compared.
    private mutating func readName() throws(Failure) -> ArraySlice<UInt8> {
        let start = index
        guard index < bytes.count, Self.isNameStart(bytes[index]) else { throw fail("expected a name") }
        index += 1
        while index < bytes.count, Self.isNameByte(bytes[index]) { index += 1 }
        return bytes[start..<index]
    }

    /// `prefix:local` or `local`, with the prefix resolved.
    private func resolve(_ qualifiedName: ArraySlice<UInt8>, isElement: Bool) throws(Failure) -> Name {
        let parts = qualifiedName.split(separator: UInt8(ascii: ":"), maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.allSatisfy({ !$0.isEmpty }), parts.count <= 2 else {
            throw fail("malformed qualified name \(String(decoding: qualifiedName, as: UTF8.self))")
        }
        let local = String(decoding: parts[parts.count - 1], as: UTF8.self)
        guard parts.count == 2 else {
            // The default namespace applies to elements, never to attributes.
            return Name(namespace: isElement ? boundNamespace("") : nil, local: local)
        }
        let prefix = String(decoding: parts[0], as: UTF8.self)
        if prefix == "xml" { return Name(namespace: Self.xmlNamespace, local: local) }
        return Name(namespace: boundNamespace(prefix), local: local)
    }

    private func boundNamespace(_ prefix: String) -> String? {
        guard let uri = bindings[prefix]?.last, !uri.isEmpty else { return nil }
        return uri
    }

    // MARK: - Text

    /// Character data up to the next `<` or the end. An error inside it comes after the text
    /// before it, as SAX parsers report it: text before a bad reference still counts.
    private mutating func readCharacterData() throws(Failure) -> String {
        var text: [UInt8] = []
        do {
            try readCharacterData(into: &text)
        } catch {
            if text.isEmpty { throw error }
            failure = error // the next call throws it
        }
        return String(decoding: text, as: UTF8.self)
    }

    private mutating func readCharacterData(into text: inout [UInt8]) throws(Failure) {
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "<"):
                return
            case UInt8(ascii: "&"):
                try readReference(into: &text)
                continue
            case UInt8(ascii: "\r"):
                text.append(UInt8(ascii: "\n"))
                if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "]") where has("]]>"):
                throw fail("`]]>` in character data")
            default:
                try checkCharacter()
                text.append(byte)
            }
            index += 1
        }
    }

    /// A CDATA section's text, all or nothing: one without its `]]>` runs to the end of the
    /// input, so nothing in it can be told apart from markup.
    private mutating func readCDATA() throws(Failure) -> String {
        index += 9 // "<![CDATA["
        var text: [UInt8] = []
        while index < bytes.count {
            if has("]]>") {
                index += 3
                return String(decoding: text, as: UTF8.self)
            }
            if bytes[index] == UInt8(ascii: "\r") {
                text.append(UInt8(ascii: "\n"))
                if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") { index += 1 }
            } else {
                try checkCharacter()
                text.append(bytes[index])
            }
            index += 1
        }
        throw fail("unterminated CDATA section")
    }

    /// A quoted attribute value, normalised: references resolved, each literal tab, line feed,
    /// carriage return or `\r\n` turned into one space (a referenced one is kept).
    private mutating func readAttributeValue() throws(Failure) -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
            throw fail("expected a quoted attribute value")
        }
        let quote = bytes[index]
        index += 1
        var value: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case quote:
                index += 1
                return String(decoding: value, as: UTF8.self)
            case UInt8(ascii: "<"):
                throw fail("`<` in an attribute value")
            case UInt8(ascii: "&"):
                try readReference(into: &value)
                continue
            case UInt8(ascii: "\r"):
                value.append(UInt8(ascii: " "))
                if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "\n"), UInt8(ascii: "\t"):
                value.append(UInt8(ascii: " "))
            default:
                try checkCharacter()
                value.append(byte)
            }
            index += 1
        }
        throw fail("unterminated attribute value")
    }

    /// `&name;` (one of the five predefined entities), `&#decimal;` or `&#xhex;`, appended as
    /// UTF-8; the index ends past the `;`.
    private mutating func readReference(into output: inout [UInt8]) throws(Failure) {
        index += 1 // "&"
        if index < bytes.count, bytes[index] == UInt8(ascii: "#") {
            index += 1
            let hex = index < bytes.count && bytes[index] == UInt8(ascii: "x")
            if hex { index += 1 }
            var value: UInt32 = 0
            var digits = 0
            while index < bytes.count, let digit = Self.digit(bytes[index], hex: hex) {
                value = value * (hex ? 16 : 10) + digit
                digits += 1
                index += 1
                // Past U+10FFFF already: stop before the number can overflow.
                if value > 0x10FFFF { break }
            }
            guard digits > 0, index < bytes.count, bytes[index] == UInt8(ascii: ";"),
                let scalar = Unicode.Scalar(value), Self.isXMLCharacter(scalar)
            else {
                throw fail("malformed character reference")
            }
            index += 1
            UTF8.encode(scalar) { output.append($0) }
            return
        }
        let nameStart = index
        while index < bytes.count, Self.isNameByte(bytes[index]) { index += 1 }
        let name = bytes[nameStart..<index]
        let replacement: UInt8? =
            switch String(decoding: name, as: UTF8.self) {
            case "lt": UInt8(ascii: "<")
            case "gt": UInt8(ascii: ">")
            case "amp": UInt8(ascii: "&")
            case "apos": UInt8(ascii: "'")
            case "quot": UInt8(ascii: "\"")
            default: nil
            }
        guard let replacement, index < bytes.count, bytes[index] == UInt8(ascii: ";") else {
            throw fail("unknown entity or malformed reference")
        }
        index += 1
        output.append(replacement)
    }

    private static func digit(_ byte: UInt8, hex: Bool) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// XML 1.0's `Char`: tab, line feed, carriage return and everything from U+0020 except
    /// U+FFFE and U+FFFF (surrogates are not scalars).
    static func isXMLCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D, 0x20...0xFFFD, 0x10000...: true
        default: false
        }
    }

    /// Fails on a byte at the index that starts a character XML cannot hold: a C0 control other
    /// than tab, line feed and carriage return, or U+FFFE / U+FFFF (EF BF BE / EF BF BF).
    private func checkCharacter() throws(Failure) {
        let byte = bytes[index]
        if byte < 0x20, byte != 0x09, byte != 0x0A, byte != 0x0D {
            throw fail("a control character XML cannot hold")
        }
        if byte == 0xEF, index + 2 < bytes.count, bytes[index + 1] == 0xBF, bytes[index + 2] >= 0xBE {
            throw fail("U+FFFE or U+FFFF, which XML cannot hold")
        }
    }

    // MARK: - Skipped markup

    /// `<?target …?>`: a target name, then `?>` or whitespace and anything up to `?>`.
    private mutating func skipProcessingInstruction() throws(Failure) {
        index += 2 // "<?"
        _ = try readName()
        if has("?>") {
            index += 2
            return
        }
        guard skipWhitespace() else { throw fail("expected whitespace after a processing instruction's target") }
        while index < bytes.count {
            if has("?>") {
                index += 2
                return
            }
            try checkCharacter()
            index += 1
        }
        throw fail("unterminated processing instruction")
    }

    /// `<!-- … -->`, where the text must not contain `--`.
    private mutating func skipComment() throws(Failure) {
        index += 4 // "<!--"
        while index < bytes.count {
            if has("--") {
                guard has("-->") else { throw fail("`--` inside a comment") }
                index += 3
                return
            }
            try checkCharacter()
            index += 1
        }
        throw fail("unterminated comment")
    }

    private mutating func skipWhitespaceOutsideRoot() throws(Failure) {
        while index < bytes.count, bytes[index] != UInt8(ascii: "<") {
            guard Self.isWhitespace(bytes[index]) else {
                throw fail(rootSeen ? "text after the root element" : "text before the root element")
            }
            index += 1
        }
    }

    // MARK: - Helpers

    /// Skips XML white space; whether there was any.
    @discardableResult
    private mutating func skipWhitespace() -> Bool {
        let start = index
        while index < bytes.count, Self.isWhitespace(bytes[index]) { index += 1 }
        return index > start
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// Whether the input continues with `literal` at the index.
    private func has(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        return literal.withUTF8Buffer { bytes[index..<(index + count)].elementsEqual($0) }
    }

    private func fail(_ reason: String) -> Failure {
        Failure(reason: reason)
    }
}
