/// XMP packets, the iTXt `XML:com.adobe.xmp` chunk photo managers (digiKam, Lightroom,
/// exiftool) read: writing a minimal one, and reading `dc:description` back from any.
public enum XMPPacket {
    /// The PNG keyword XMP lives under.
    public static let keyword = "XML:com.adobe.xmp"

    static let rdfNamespace = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    static let dcNamespace = "http://purl.org/dc/elements/1.1/"

    /// A minimal, valid XMP packet with `dc:description` (an `rdf:Alt` with one `x-default`
    /// entry), `xmp:CreatorTool` and `xmp:CreateDate` (ISO 8601, as given).
    ///
    /// Text is escaped for XML (`& < > " '`, and `\r` as `&#xD;` so it survives line-end
    /// normalisation); characters XML 1.0 cannot hold at all (most C0 controls) are left out.
    public static func make(description: String, creatorTool: String, createDate: String) -> String {
        """
        <?xpacket begin="\u{FEFF}" id="W5M0MpCehiHzreSzNTczkc9d"?>
        <x:xmpmeta xmlns:x="adobe:ns:meta/">
         <rdf:RDF xmlns:rdf="\(rdfNamespace)">
          <rdf:Description rdf:about=""
            xmlns:dc="\(dcNamespace)"
            xmlns:xmp="http://ns.adobe.com/xap/1.0/">
           <dc:description>
            <rdf:Alt>
             <rdf:li xml:lang="x-default">\(escape(description))</rdf:li>
            </rdf:Alt>
           </dc:description>
           <xmp:CreatorTool>\(escape(creatorTool))</xmp:CreatorTool>
           <xmp:CreateDate>\(escape(createDate))</xmp:CreateDate>
          </rdf:Description>
         </rdf:RDF>
        </x:xmpmeta>
        <?xpacket end="w"?>
        """
    }

    /// `text` as XML character data or attribute value.
    static func escape(_ text: String) -> String { MarkupText.escape(text) }

    /// The `dc:description` of an XMP packet: the `x-default` entry of its `rdf:Alt`, else the
    /// first entry, else the element's own text, else the short form `rdf:Description
    /// dc:description="…"`. Nil when there is none or the packet is not well-formed up to it.
    /// Elements and attributes are matched by namespace URI, whatever their prefixes.
    ///
    /// A packet with a document type declaration is refused outright: XMP has no use for one,
    /// and refusing it rules out external entities and entity expansion bombs. (`XMLReader`
    /// does not read DTDs either; this refuses one anywhere, even after the description.)
    public static func description(in xmp: String) -> String? {
        let bytes = Array(xmp.utf8)
        guard !containsIgnoringASCIICase(bytes, "<!doctype"), !containsIgnoringASCIICase(bytes, "<!entity") else {
            return nil
        }
        var reader = XMLReader(bytes)
        var collector = DescriptionCollector()
        // A later error does not undo what was read before it.
        while let event = try? reader.next() { collector.take(event) }
        return collector.result
    }

    /// Whether `bytes` contain `lowercased` (ASCII letters in lower case), in any ASCII case.
    private static func containsIgnoringASCIICase(_ bytes: [UInt8], _ lowercased: StaticString) -> Bool {
        lowercased.withUTF8Buffer { needle in
            guard let first = needle.first, bytes.count >= needle.count else { return false }
            for start in 0...(bytes.count - needle.count) where bytes[start] == first {
                let matches = needle.indices.allSatisfy { offset in
                    let byte = bytes[start + offset]
                    return (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                        ? byte | 0x20 == needle[offset] : byte == needle[offset]
                }
                if matches { return true }
            }
            return false
        }
    }
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
                descriptionDepth = max(0, descriptionDepth - 1)
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
