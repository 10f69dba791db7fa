import GptimgSupport

/// An XMP sidecar (`NAME.png.xmp` beside an image): what the user decided about the image, in
/// the properties digiKam, darktable, Lightroom and exiftool read — `xmp:Rating` (−1 = rejected),
/// `dc:subject` tags, `digiKam:PickLabel` — and, in gptimg's own namespace, what only gptimg
/// knows (the image's id, favourite, pick, collections with their positions, its catalog dates).
///
/// Reading takes any sidecar, ours or one another tool wrote or rewrote (exiftool splits the
/// properties into one `rdf:Description` per namespace, as elements, in single quotes): every
/// `rdf:Description` is merged, a property may be an attribute or an element, lists are
/// `rdf:Bag`/`rdf:Seq` items, and unknown properties are ignored. It goes through `XMLReader`
/// (no DOCTYPE, bounded depth, linear time); a sidecar is untrusted input like any file.
public struct XMPSidecar: Sendable, Hashable {
    /// An image's place in a collection.
    public struct Membership: Sendable, Hashable {
        public var name: String
        public var position: Int

        public init(name: String, position: Int) {
            self.name = name
            self.position = position
        }
    }

    // gptimg's own properties (nil when absent).
    public var id: Int64?
    public var sha256: String?
    public var generationID: Int64?
    public var favorite: Bool?
    /// −1 rejected, 0 neither, 1 picked.
    public var pick: Int?
    /// The stars gptimg last wrote (kept while the image is rejected: `xmp:Rating` is −1 then).
    public var ownRating: Int?
    /// The tags gptimg last wrote, to tell another tool's edit of `dc:subject` from ours.
    public var ownTags: [String]?
    public var collections: [Membership]?
    public var addedAt: String?
    public var createdAt: String?
    public var originalName: String?

    // The standard properties (nil when absent).
    /// `xmp:Rating`: −1 (rejected) or 0…5.
    public var rating: Int?
    /// `dc:subject`.
    public var subject: [String]?
    /// `digiKam:TagsList` (hierarchies with `/`).
    public var tagsList: [String]?
    /// `lr:hierarchicalSubject` (hierarchies with `|`).
    public var hierarchicalSubject: [String]?
    /// `digiKam:PickLabel`: 0 none, 1 rejected, 2 pending, 3 accepted.
    public var pickLabel: Int?

    public init() {}

    /// The namespace of gptimg's own properties: an identifier, never fetched; never changes.
    public static let namespace = "https://gptimg.dev/ns/sidecar/1.0/"
    /// At most this many bytes of a sidecar are read; a larger one is not ours and is ignored.
    public static let maximumBytes = 1 << 20
    /// At most this many tags and collections are taken from one sidecar.
    public static let maximumItems = 1000

    static let xmpNamespace = "http://ns.adobe.com/xap/1.0/"
    static let digiKamNamespace = "http://www.digikam.org/ns/1.0/"
    static let lightroomNamespace = "http://ns.adobe.com/lightroom/1.0/"

    // MARK: - What it means

    /// The stars to keep: `xmp:Rating` when it is 0…5 (another tool may have changed it), else
    /// the stars gptimg kept while the image was rejected.
    public var resolvedRating: Int? {
        if let rating, (0...5).contains(rating) { return rating }
        return ownRating.map { min(max($0, 0), 5) }
    }

    /// The pick: `xmp:Rating` −1 rejects (darktable, Bridge); a rating another tool set on an
    /// image gptimg had rejected (gptimg writes −1 for those) clears the reject; else gptimg's
    /// own, else digiKam's PickLabel (1 rejected, 3 accepted).
    public var resolvedPick: Int? {
        if rating == -1 { return -1 }
        if let pick {
            if pick == -1, let rating, rating >= 0 { return 0 }
            return min(max(pick, -1), 1)
        }
        switch pickLabel {
        case 1: return -1
        case 3: return 1
        case .some: return 0
        case nil: return nil
        }
    }

    /// The tags: `dc:subject` as other tools edit it, else digiKam's or Lightroom's hierarchies
    /// (their last level), else gptimg's own list. Nil when the sidecar names none of them.
    public var resolvedTags: [String]? {
        if let subject { return subject }
        if let tagsList { return tagsList.map { leaf($0, "/") } }
        if let hierarchicalSubject { return hierarchicalSubject.map { leaf($0, "|") } }
        return ownTags
    }

    private func leaf(_ path: String, _ separator: Character) -> String {
        path.split(separator: separator).last.map(String.init) ?? path
    }

    // MARK: - Writing

    /// The sidecar as gptimg writes it: one `rdf:Description`, exiftool-, digiKam- and
    /// darktable-readable, with a rejected image written as `xmp:Rating="-1"` plus
    /// `digiKam:PickLabel="1"` and its stars kept in `gptimg:rating`.
    public func rendered(creatorTool: String) -> String {
        var attributes: [(String, String)] = []
        let stars = ownRating ?? rating ?? 0
        attributes.append(("xmp:Rating", pick == -1 ? "-1" : String(stars)))
        attributes.append(("xmp:CreatorTool", creatorTool))
        if let pick, pick != 0 { attributes.append(("digiKam:PickLabel", pick == 1 ? "3" : "1")) }
        if let id { attributes.append(("gptimg:id", String(id))) }
        if let sha256 { attributes.append(("gptimg:sha256", sha256)) }
        if let generationID { attributes.append(("gptimg:generation", String(generationID))) }
        attributes.append(("gptimg:rating", String(stars)))
        attributes.append(("gptimg:favorite", favorite == true ? "True" : "False"))
        attributes.append(("gptimg:pick", pick == 1 ? "picked" : pick == -1 ? "rejected" : "none"))
        if let addedAt { attributes.append(("gptimg:addedAt", addedAt)) }
        if let createdAt { attributes.append(("gptimg:createdAt", createdAt)) }
        var out = """
            <?xpacket begin="\u{FEFF}" id="W5M0MpCehiHzreSzNTczkc9d"?>
            <x:xmpmeta xmlns:x="adobe:ns:meta/">
             <rdf:RDF xmlns:rdf="\(XMPPacket.rdfNamespace)">
              <rdf:Description rdf:about=""
                xmlns:xmp="\(Self.xmpNamespace)"
                xmlns:dc="\(XMPPacket.dcNamespace)"
                xmlns:digiKam="\(Self.digiKamNamespace)"
                xmlns:lr="\(Self.lightroomNamespace)"
                xmlns:gptimg="\(Self.namespace)"
            """
        for (name, value) in attributes { out += "\n    \(name)=\"\(MarkupText.escape(value))\"" }
        out += ">\n"
        let tags = ownTags ?? subject ?? []
        func list(_ element: String, _ kind: String, _ items: [String]) {
            out += "   <\(element)><rdf:\(kind)>"
            for item in items { out += "<rdf:li>\(MarkupText.escape(item))</rdf:li>" }
            out += "</rdf:\(kind)></\(element)>\n"
        }
        list("dc:subject", "Bag", tags)
        list("digiKam:TagsList", "Seq", tags)
        list("lr:hierarchicalSubject", "Bag", tags)
        list("gptimg:tags", "Bag", tags)
        if let originalName {
            out += "   <gptimg:originalName>\(MarkupText.escape(originalName))</gptimg:originalName>\n"
        }
        out += "   <gptimg:collections><rdf:Bag>"
        for member in collections ?? [] {
            out += "\n    <rdf:li rdf:parseType=\"Resource\"><gptimg:name>\(MarkupText.escape(member.name))"
            out += "</gptimg:name><gptimg:position>\(member.position)</gptimg:position></rdf:li>"
        }
        out += "</rdf:Bag></gptimg:collections>\n"
        out += "  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>\n"
        return out
    }

    // MARK: - Reading

    /// Reads a sidecar. Nil when it is not XMP at all (not well-formed before any property, or
    /// no `rdf:RDF`); what was read before a later error is kept, as with any XMP here.
    public static func parse(_ bytes: [UInt8]) -> XMPSidecar? {
        guard bytes.count <= maximumBytes else { return nil }
        var reader = XMLReader(bytes)
        var collector = SidecarCollector()
        while let event = try? reader.next() { collector.take(event) }
        return collector.sawRDF ? collector.sidecar : nil
    }
}

/// Collects a sidecar's properties from `XMLReader`'s events.
private struct SidecarCollector {
    typealias Name = XMLReader.Name
    static let rdf = XMPPacket.rdfNamespace
    static let description = Name(namespace: rdf, local: "Description")
    static let item = Name(namespace: rdf, local: "li")
    static let rdfRoot = Name(namespace: rdf, local: "RDF")
    static let memberName = Name(namespace: XMPSidecar.namespace, local: "name")
    static let memberPosition = Name(namespace: XMPSidecar.namespace, local: "position")

    var sidecar = XMPSidecar()
    var sawRDF = false
    private var stack: [Name] = []
    /// The property being read (a child of `rdf:Description`), its text and its list items.
    private var property: Name?
    private var propertyDepth = 0
    private var text = ""
    private var items: [String] = []
    private var isList = false
    private var itemText: String?
    private var member: (name: String?, position: Int?)?
    private var memberField: Name?
    private var members: [XMPSidecar.Membership] = []

    mutating func take(_ event: XMLReader.Event) {
        switch event {
        case .start(let name, let attributes):
            if name == Self.rdfRoot { sawRDF = true }
            if name == Self.description, property == nil {
                for attribute in attributes { simple(attribute.name, attribute.value) }
            } else if property == nil, stack.last == Self.description {
                property = name
                propertyDepth = stack.count
                text = ""
                items = []
                isList = false
                members = []
            } else if property != nil, name.namespace == Self.rdf, ["Bag", "Seq", "Alt"].contains(name.local) {
                isList = true
            } else if property != nil, name == Self.item {
                isList = true
                itemText = ""
                if property == Name(namespace: XMPSidecar.namespace, local: "collections") {
                    member = (nil, nil)
                    for attribute in attributes { memberValue(attribute.name, attribute.value) }
                }
            } else if member != nil, name == Self.memberName || name == Self.memberPosition {
                memberField = name
                itemText = ""
            }
            stack.append(name)
        case .end(let name):
            stack.removeLast()
            if let field = memberField, name == field {
                memberValue(field, itemText ?? "")
                memberField = nil
                itemText = ""
            } else if property != nil, name == Self.item {
                if let member {
                    if let memberName = member.name, members.count < XMPSidecar.maximumItems {
                        members.append(.init(name: memberName, position: member.position ?? members.count))
                    }
                    self.member = nil
                } else if let itemText, items.count < XMPSidecar.maximumItems {
                    items.append(itemText)
                }
                itemText = nil
            } else if let property, name == property, stack.count == propertyDepth {
                if property == Name(namespace: XMPSidecar.namespace, local: "collections") {
                    sidecar.collections = members
                } else if isList {
                    list(property, items)
                } else {
                    simple(property, text)
                }
                self.property = nil
            }
        case .text(let piece):
            if itemText != nil {
                itemText! += piece
            } else if property != nil {
                text += piece
            }
        }
    }

    private mutating func memberValue(_ name: Name, _ value: String) {
        guard member != nil else { return }
        if name == Self.memberName {
            member!.name = value
        } else if name == Self.memberPosition {
            member!.position = Int(value.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    private mutating func list(_ name: Name, _ values: [String]) {
        let cleaned = values.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        switch (name.namespace, name.local) {
        case (XMPPacket.dcNamespace, "subject"): sidecar.subject = cleaned
        case (XMPSidecar.digiKamNamespace, "TagsList"): sidecar.tagsList = cleaned
        case (XMPSidecar.lightroomNamespace, "hierarchicalSubject"): sidecar.hierarchicalSubject = cleaned
        case (XMPSidecar.namespace, "tags"): sidecar.ownTags = cleaned
        default: break
        }
    }

    private mutating func simple(_ name: Name, _ raw: String) {
        let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        switch (name.namespace, name.local) {
        case (XMPSidecar.xmpNamespace, "Rating"):
            // XMP allows a real number; tools write whole ones.
            if let number = Double(value), number.isFinite, (-1...5).contains(number) {
                sidecar.rating = number < 0 ? -1 : Int(number.rounded())
            }
        case (XMPSidecar.digiKamNamespace, "PickLabel"): sidecar.pickLabel = Int(value)
        case (XMPSidecar.namespace, "id"): sidecar.id = Int64(value).flatMap { $0 > 0 ? $0 : nil }
        case (XMPSidecar.namespace, "generation"): sidecar.generationID = Int64(value).flatMap { $0 > 0 ? $0 : nil }
        case (XMPSidecar.namespace, "sha256"):
            let hex = value.lowercased()
            if hex.utf8.count == 64, hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) {
                sidecar.sha256 = hex
            }
        case (XMPSidecar.namespace, "rating"):
            sidecar.ownRating = Int(value).flatMap { (0...5).contains($0) ? $0 : nil }
        case (XMPSidecar.namespace, "favorite"):
            switch value.lowercased() {
            case "true", "1": sidecar.favorite = true
            case "false", "0": sidecar.favorite = false
            default: break
            }
        case (XMPSidecar.namespace, "pick"):
            switch value.lowercased() {
            case "picked": sidecar.pick = 1
            case "rejected": sidecar.pick = -1
            case "none": sidecar.pick = 0
            default: break
            }
        case (XMPSidecar.namespace, "addedAt"): sidecar.addedAt = value
        case (XMPSidecar.namespace, "createdAt"): sidecar.createdAt = value
        case (XMPSidecar.namespace, "originalName"): sidecar.originalName = raw
        default: break
        }
    }
}
