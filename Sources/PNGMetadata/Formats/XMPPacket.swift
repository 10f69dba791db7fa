import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

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
    /// first entry, else the element's own text. Nil when there is none or the packet is not
    /// well-formed up to it.
    ///
    /// A packet with a document type declaration is refused outright: XMP has no use for one,
    /// and refusing it rules out external entities and entity expansion bombs whatever the
    /// XML parser's defaults are.
    public static func description(in xmp: String) -> String? {
        let lowered = xmp.lowercased()
        guard !lowered.contains("<!doctype"), !lowered.contains("<!entity") else { return nil }
        let parser = XMLParser(data: Data(withoutProcessingInstructions(xmp)))
        parser.shouldProcessNamespaces = true
        parser.shouldReportNamespacePrefixes = false
        parser.shouldResolveExternalEntities = false
        let reader = DescriptionReader()
        parser.delegate = reader
        _ = parser.parse()  // a later error does not undo what was read before it
        return reader.result
    }
}

extension XMPPacket {
    /// The packet's UTF-8 with every processing instruction (`<?…?>`, an unterminated one to
    /// the end) removed. FoundationXML on Linux crashes (strlen of NULL) when libxml2 reports a
    /// processing instruction without data, as hostile input can make it do (found by the
    /// fuzzer, `fuzz/crashes/`); a description never needs one (the `<?xpacket?>` wrapper is
    /// one), so none reaches the parser.
    static func withoutProcessingInstructions(_ xmp: String) -> [UInt8] {
        let bytes = Array(xmp.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "<"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "?") {
                var end = index + 2
                while end + 1 < bytes.count, !(bytes[end] == UInt8(ascii: "?") && bytes[end + 1] == UInt8(ascii: ">")) { end += 1 }
                index = end + 2  // past "?>", or past the end when there is none
                continue
            }
            output.append(bytes[index])
            index += 1
        }
        return output
    }
}

/// Collects `dc:description` while XMLParser walks the packet.
private final class DescriptionReader: NSObject, XMLParserDelegate {
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

    private func isDescription(_ name: String, _ namespace: String?) -> Bool {
        name == "description" && namespace == XMPPacket.dcNamespace
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        if isDescription(elementName, namespaceURI) {
            descriptionDepth += 1
        } else if descriptionDepth > 0, elementName == "li", namespaceURI == XMPPacket.rdfNamespace {
            inItem = true
            itemText = ""
            itemLanguage = attributeDict["xml:lang"]
        } else if elementName == "Description", namespaceURI == XMPPacket.rdfNamespace,
            attributeValue == nil, let value = attributeDict["dc:description"]
        {
            // The short form some writers use for simple values.
            attributeValue = value
        }
    }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
    ) {
        if isDescription(elementName, namespaceURI) {
            descriptionDepth = max(0, descriptionDepth - 1)
        } else if inItem, elementName == "li", namespaceURI == XMPPacket.rdfNamespace {
            inItem = false
            if itemLanguage?.lowercased() == "x-default", defaultItem == nil { defaultItem = itemText }
            if firstItem == nil { firstItem = itemText }
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        append(string)
    }

    func parser(_ parser: XMLParser, foundCDATA cdata: Data) {
        append(String(decoding: cdata, as: UTF8.self))
    }

    private func append(_ string: String) {
        if inItem {
            itemText += string
        } else if descriptionDepth > 0 {
            directText += string
        }
    }

    // Never fetch anything an entity points at.
    func parser(_ parser: XMLParser, resolveExternalEntityName name: String, systemID: String?) -> Data? {
        nil
    }
}
