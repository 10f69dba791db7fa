import GptimgSupport

/// XMP packets, the iTXt `XML:com.adobe.xmp` chunk photo managers (digiKam, Lightroom,
/// exiftool) read: writing a minimal one, and reading `dc:description` back from any.
public enum XMPPacket {
    /// The PNG keyword XMP lives under.
    public static let keyword = "XML:com.adobe.xmp"

    static let rdfNamespace = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    static let dcNamespace = "http://purl.org/dc/elements/1.1/"

    static let xmpNamespace = "http://ns.adobe.com/xap/1.0/"
    /// The IPTC Extension schema: `Iptc4xmpExt:DigitalSourceType`, `Iptc4xmpExt:AISystemUsed`.
    public static let iptcExtensionNamespace = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
    /// IPTC's digital source type for media made by a trained model (the full NewsCodes URI).
    public static let trainedAlgorithmicMedia =
        "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"

    /// The AI-provenance properties IPTC's guidance for generative AI and the EU AI Act's labelling
    /// expect on a generated image: the digital source type (`trainedAlgorithmicMedia`), the AI
    /// system that made it (`Iptc4xmpExt:AISystemUsed`, the model, when known) and the software
    /// agent (`xmp:CreatorTool`, gptimg). The one place these are chosen: the embedded packet,
    /// `meta strip --keep-provenance` and the XMP sidecars all take them from here.
    public static func provenance(model: String?, software: String = GptimgEmbedding.software) -> [XMPProperty] {
        var properties = [
            XMPProperty(prefix: "xmp", namespace: xmpNamespace, name: "CreatorTool", value: software),
            XMPProperty(
                prefix: "Iptc4xmpExt", namespace: iptcExtensionNamespace, name: "DigitalSourceType",
                value: trainedAlgorithmicMedia),
        ]
        if let model, !model.isEmpty {
            properties.append(
                XMPProperty(
                    prefix: "Iptc4xmpExt", namespace: iptcExtensionNamespace, name: "AISystemUsed", value: model))
        }
        return properties
    }

    /// A minimal, valid XMP packet with `dc:description` (an `rdf:Alt` with one `x-default`
    /// entry), `xmp:CreatorTool` and `xmp:CreateDate` (ISO 8601, as given).
    ///
    /// Text is escaped for XML (`& < > " '`, and `\r` as `&#xD;` so it survives line-end
    /// normalisation); characters XML 1.0 cannot hold at all (most C0 controls) are left out.
    public static func make(description: String, creatorTool: String, createDate: String) -> String {
        make(
            description: description, createDate: createDate,
            properties: [XMPProperty(prefix: "xmp", namespace: xmpNamespace, name: "CreatorTool", value: creatorTool)])
    }

    /// A packet with `dc:description` (when given), `xmp:CreateDate` (when given) and
    /// `properties` (simple values, such as `provenance(model:)`), each namespace declared once.
    public static func make(description: String?, createDate: String?, properties: [XMPProperty]) -> String {
        var all = properties
        if let createDate {
            all.append(XMPProperty(prefix: "xmp", namespace: xmpNamespace, name: "CreateDate", value: createDate))
        }
        var namespaces: [(prefix: String, uri: String)] = description == nil ? [] : [("dc", dcNamespace)]
        for property in all where !namespaces.contains(where: { $0.prefix == property.prefix }) {
            namespaces.append((property.prefix, property.namespace))
        }
        let declarations = namespaces.map { "\n    xmlns:\($0.prefix)=\"\($0.uri)\"" }.joined()
        var body = ""
        if let description {
            body += """
                   <dc:description>
                    <rdf:Alt>
                     <rdf:li xml:lang="x-default">\(MarkupText.escape(description))</rdf:li>
                    </rdf:Alt>
                   </dc:description>

                """
        }
        for property in all { body += "   " + property.element + "\n" }
        return """
            <?xpacket begin="\u{FEFF}" id="W5M0MpCehiHzreSzNTczkc9d"?>
            <x:xmpmeta xmlns:x="adobe:ns:meta/">
             <rdf:RDF xmlns:rdf="\(rdfNamespace)">
              <rdf:Description rdf:about=""\(declarations)>
            \(body)  </rdf:Description>
             </rdf:RDF>
            </x:xmpmeta>
            <?xpacket end="w"?>
            """
    }

    /// The `dc:description` of an XMP packet: the `x-default` entry of its `rdf:Alt`, else the
    /// first entry, else the element's own text, else the short form `rdf:Description
    /// dc:description="…"`. Nil when there is none or the packet is not well-formed up to it.
    /// Elements and attributes are matched by namespace URI, whatever their prefixes.
    ///
    /// `XMLReader` refuses a document type declaration where it meets one (XMP has no use for
    /// one), so no entity is ever defined, fetched or expanded.
    public static func description(in xmp: String) -> String? {
        var reader = XMLReader(xmp)
        var collector = DescriptionCollector()
        // A later error does not undo what was read before it.
        while let event = try? reader.next() { collector.take(event) }
        return collector.result
    }
}

/// One simple XMP property (a text value) under its namespace.
public struct XMPProperty: Sendable, Hashable {
    /// The prefix the packet declares for `namespace` (`xmp`, `Iptc4xmpExt`).
    public var prefix: String
    public var namespace: String
    public var name: String
    public var value: String

    public init(prefix: String, namespace: String, name: String, value: String) {
        self.prefix = prefix
        self.namespace = namespace
        self.name = name
        self.value = value
    }

    /// `<prefix:name>value</prefix:name>`, the value escaped for XML (inside an
    /// `rdf:Description` that declares `prefix`).
    public var element: String { "<\(prefix):\(name)>\(MarkupText.escape(value))</\(prefix):\(name)>" }
}

/// Collects `dc:description` from `XMLReader`'s events.
private struct DescriptionCollector {
    private static let description = XMLReader.Name(namespace: XMPPacket.dcNamespace, local: "description")
    private static let item = XMLReader.Name(namespace: XMPPacket.rdfNamespace, local: "li")
    private static let rdfDescription = XMLReader.Name(namespace: XMPPacket.rdfNamespace, local: "Description")
    private static let language = XMLReader.Name(namespace: XMLReader.xmlNamespace, local: "lang")

    private var descriptionDepth = 0
    private var inItem = false
    private var itemLanguage: String?
    private var itemText = ""
    private var directText = ""
    private var defaultItem: String?
    private var firstItem: String?
    private var attributeValue: String?

    var result: String? {
        if let defaultItem { return defaultItem }
        if let firstItem { return firstItem }
        let direct = PythonText.strip(directText)
        if !direct.isEmpty { return direct }
        return attributeValue
    }

    mutating func take(_ event: XMLReader.Event) {
        switch event {
        case .start(let name, let attributes):
            if name == Self.description {
                descriptionDepth += 1
            } else if descriptionDepth > 0, name == Self.item {
                inItem = true
                itemText = ""
                itemLanguage = attributes.first { $0.name == Self.language }?.value
            } else if name == Self.rdfDescription, attributeValue == nil,
                let value = attributes.first(where: { $0.name == Self.description })?.value
            {
                // The short form some writers use for simple values.
                attributeValue = value
            }
        case .end(let name):
            if name == Self.description {
                descriptionDepth -= 1 // XMLReader pairs every end with its start
            } else if inItem, name == Self.item {
                inItem = false
                if itemLanguage?.lowercased() == "x-default", defaultItem == nil { defaultItem = itemText }
                if firstItem == nil { firstItem = itemText }
            }
        case .text(let text):
            if inItem {
                itemText += text
            } else if descriptionDepth > 0 {
                directText += text
            }
        }
    }
}
