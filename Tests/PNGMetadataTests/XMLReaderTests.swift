import Foundation
import GptimgSupport
import TestSupport
import Testing

@testable import PNGMetadata

/// The XML reader behind `XMPPacket.description(in:)`: namespaces, text, references, errors,
/// hostile input, and packets as real XMP writers make them.
@Suite("XML reader")
struct XMLReaderTests {
    static let rdf = #"xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#""#
    static let dc = #"xmlns:dc="http://purl.org/dc/elements/1.1/""#

    /// A packet whose `dc:description` holds `content`, as element text.
    static func packet(_ content: String) -> String {
        "<rdf:RDF \(rdf)><rdf:Description \(dc)><dc:description>\(content)</dc:description></rdf:Description></rdf:RDF>"
    }

    /// Every event up to the end or the first error.
    static func events(_ xml: String) -> (events: [XMLReader.Event], failure: XMLReader.Failure?) {
        var reader = XMLReader(xml)
        var events: [XMLReader.Event] = []
        do {
            while let event = try reader.next() { events.append(event) }
            return (events, nil)
        } catch {
            return (events, error)
        }
    }

    static func name(_ namespace: String?, _ local: String) -> XMLReader.Name {
        XMLReader.Name(namespace: namespace, local: local)
    }

    // MARK: - The reader's events

    @Test("events: namespaces resolved, declarations left out, empty elements closed, text joined by nothing")
    func eventSequence() {
        let (events, failure) = Self.events(
            """
            <?xml version='1.0'?><a:r xmlns:a='urn:a' xmlns='urn:d' a:k="v" k='w'><e/>t<!-- c --><![CDATA[<x>]]></a:r>
            """
        )
        #expect(failure == nil)
        #expect(
            events == [
                .start(
                    Self.name("urn:a", "r"),
                    attributes: [
                        .init(name: Self.name("urn:a", "k"), value: "v"),
                        .init(name: Self.name(nil, "k"), value: "w"), // the default namespace is for elements only
                    ]),
                .start(Self.name("urn:d", "e"), attributes: []), .end(Self.name("urn:d", "e")),
                .text("t"), .text("<x>"), .end(Self.name("urn:a", "r")),
            ])
    }

    @Test("declarations are scoped to their element: shadowed inside, gone after it")
    func namespaceScope() {
        let (events, failure) = Self.events(
            "<r xmlns:p='urn:1'><a xmlns:p='urn:2'><p:x/></a><p:y/><b xmlns:q='urn:3'/><q:z/><c xmlns=''><d/></c></r>")
        #expect(failure == nil)
        let starts = events.compactMap { if case .start(let name, _) = $0 { name } else { nil } }
        #expect(
            starts == [
                Self.name(nil, "r"), Self.name(nil, "a"), Self.name("urn:2", "x"), Self.name("urn:1", "y"),
                Self.name(nil, "b"),
                Self.name(nil, "z"), // q is no longer bound: no namespace, as libxml2 does, and reading goes on
                Self.name(nil, "c"), Self.name(nil, "d"),
            ])
        let xmlLang = Self.events("<r xml:lang='fr'/>").events.first
        #expect(
            xmlLang
                == .start(
                    Self.name(nil, "r"),
                    attributes: [.init(name: Self.name(XMLReader.xmlNamespace, "lang"), value: "fr")]))
    }

    @Test("line ends: \\r\\n and a lone \\r become \\n in text and CDATA, a space in attributes; references are kept")
    func lineEnds() {
        let (events, failure) = Self.events(
            "<r a='1\r\n2\r3\n4\t5&#xD;&#xA;&#9;'>a\r\nb\rc&#xD;d&#13;<![CDATA[e\r\nf\rg]]></r>")
        #expect(failure == nil)
        #expect(
            events.first
                == .start(Self.name(nil, "r"), attributes: [.init(name: Self.name(nil, "a"), value: "1 2 3 4 5\r\n\t")])
        )
        #expect(events.dropFirst().dropLast() == [.text("a\nb\nc\rd\r"), .text("e\nf\ng")])
    }

    @Test("references: the five entities, decimal and hex, anything past the BMP")
    func references() {
        let (events, failure) = Self.events("<r>&lt;&gt;&amp;&apos;&quot;&#65;&#x42;&#x63;&#x1F3A8;&#128512;&#xe9;</r>")
        #expect(failure == nil)
        #expect(events.dropFirst().first == .text("<>&'\"ABc🎨😀é"))
    }

    static let notWellFormedInputs: [String] = [
        "", "   ", "text", "<r>", "<r></s>", "<r><a></r></a>", "<r/><s/>", "<r/>text", "text<r/>", "<r>&bogus;</r>",
        "<r>&amp</r>", "<r>&;</r>", "<r>&#;</r>", "<r>&#x;</r>", "<r>&#xG;</r>", "<r>&#X41;</r>", "<r>&#0;</r>",
        "<r>&#7;</r>", "<r>&#xD800;</r>", "<r>&#xFFFE;</r>", "<r>&#x110000;</r>", "<r>&#99999999999999999999;</r>",
        "<r>a]]>b</r>", "<r>\u{07}</r>", "<r>\u{FFFF}</r>", "<r a='1' a='2'/>",
        "<r xmlns:p='u' xmlns:q='u' p:a='1' q:a='2'/>",
        "<r a=1/>", "<r a='<'/>", "<r a='x/>", "<ra='1'/>", "<r a/>", "<1r/>", "<r:/>", "<:r/>", "<a:b:c/>",
        "<r xmlns:='u'/>",
        "<r><!-- a -- b --></r>", "<r><!-- open</r>", "<r><![CDATA[open</r>", "<![CDATA[x]]><r/>", "<? x?><r/>", "<?x",
        "<?x?",
        "<!DOCTYPE r><r/>", "<r><!ELEMENT r ANY></r>", "</r>", "<r></r >x", "<", "<r", "<r a='1'", "<r></",
    ]

    @Test("not well-formed input is an error", arguments: notWellFormedInputs)
    func notWellFormed(_ xml: String) {
        let failure = Self.events(xml).failure
        #expect(failure != nil)
        // It stays failed.
        var reader = XMLReader(xml)
        while (try? reader.next()) != nil {}
        #expect(throws: XMLReader.Failure.self) { try reader.next() }
    }

    static let wellFormedInputs: [String] = [
        "<r/>", "\u{FEFF}<r/>", " \n<r/>\r\n ", "<?xml version='1.0' encoding='UTF-8'?><r/>", "<r></r >",
        "<r a = \"1\"\n\tb='2' />",
        "<r><!----></r>", "<r><![CDATA[]]></r>", "<r><![CDATA[]]]]></r>", "<r>]]</r>", "<r>]></r>",
        "<?a?><!--c--><r/><?b c?><!--d-->",
        "<é:r xmlns:é='u' é:ü='1'/>", "<_r-.1 />", "<r xmlns:xml='http://www.w3.org/XML/1998/namespace'/>",
    ]

    @Test("well-formed input reads to the end", arguments: wellFormedInputs)
    func wellFormed(_ xml: String) {
        let failure = Self.events(xml).failure
        #expect(failure == nil, "\(failure?.reason ?? "")")
    }

    // MARK: - dc:description, matched by namespace

    @Test("another prefix, or the default namespace, bound to the dc namespace")
    func otherPrefix() {
        let purl = "http://purl.org/dc/elements/1.1/"
        let rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
        let elements =
            "<rdf:RDF \(Self.rdf)><rdf:Description xmlns:elements='\(purl)'>"
            + "<elements:description>x</elements:description></rdf:Description></rdf:RDF>"
        #expect(XMPPacket.description(in: elements) == "x")
        #expect(XMPPacket.description(in: "<description xmlns='\(purl)'> y </description>") == "y")
        // The RDF namespace under another prefix too, and the short form with another prefix.
        let items =
            "<R:RDF xmlns:R='\(rdf)'><R:Description xmlns:d='\(purl)'><d:description><R:Alt>"
            + "<R:li xml:lang='x-default'>z</R:li></R:Alt></d:description></R:Description></R:RDF>"
        #expect(XMPPacket.description(in: items) == "z")
        let short = "<R:RDF xmlns:R='\(rdf)'><R:Description xmlns:d='\(purl)' d:description='short'/></R:RDF>"
        #expect(XMPPacket.description(in: short) == "short")
    }

    @Test("dc:description in another namespace, or in none, is not the description")
    func wrongNamespace() {
        let elsewhere =
            """
            <rdf:RDF \(Self.rdf)><rdf:Description xmlns:dc='http://example.com/not-dc/'><dc:description>\
            no</dc:description></rdf:Description></rdf:RDF>
            """
        #expect(XMPPacket.description(in: elsewhere) == nil)
        #expect(XMPPacket.description(in: "<r><dc:description>unbound</dc:description></r>") == nil)
        #expect(XMPPacket.description(in: "<description>no namespace</description>") == nil)
        let attribute =
            "<rdf:RDF \(Self.rdf)><rdf:Description xmlns:dc='http://example.com/' dc:description='no'/></rdf:RDF>"
        #expect(XMPPacket.description(in: attribute) == nil)
        // rdf:li and rdf:Description must be RDF's: a look-alike `li` is just text around it.
        let fakeItems =
            """
            <r \(Self.dc) xmlns:rdf='urn:fake'><dc:description><rdf:li xml:lang='x-default'>a</rdf:li> \
            b</dc:description></r>
            """
        #expect(XMPPacket.description(in: fakeItems) == "a b")
        // A wrong one first, then the real one: the real one.
        let both =
            """
            <r xmlns:dc='urn:other' xmlns:d='http://purl.org/dc/elements/1.1/'><dc:description>wrong</dc:description>\
            <d:description>right</d:description></r>
            """
        #expect(XMPPacket.description(in: both) == "right")
    }

    @Test("CDATA sections, alone and mixed with text")
    func cdata() {
        #expect(XMPPacket.description(in: Self.packet("<![CDATA[a <b> & c]]>")) == "a <b> & c")
        #expect(
            XMPPacket.description(
                in: Self.packet(
                    "<rdf:Alt><rdf:li xml:lang='x-default'>x <![CDATA[<&>]]> y<![CDATA[]]></rdf:li></rdf:Alt>"))
                == "x <&> y")
        #expect(XMPPacket.description(in: Self.packet("<![CDATA[no end")) == nil)
    }

    @Test("entities and character references, &#xD; as \\r; an unknown one stops reading")
    func entitiesAndReferences() {
        let item =
            """
            <rdf:Alt><rdf:li xml:lang='x-default'>&lt;a&gt; &amp; &quot;b&quot; &apos;c&apos; &#39;&#x41;&#66; \
            café&#xD;&#xa;next&#13;line &#x1F3A8;</rdf:li></rdf:Alt>
            """
        #expect(XMPPacket.description(in: Self.packet(item)) == "<a> & \"b\" 'c' 'AB café\r\nnext\rline 🎨")
        // An unknown entity in the item: the item never ends, so there is no description.
        #expect(
            XMPPacket.description(
                in: Self.packet("<rdf:Alt><rdf:li xml:lang='x-default'>a &nbsp; b</rdf:li></rdf:Alt>")) == nil)
        #expect(XMPPacket.description(in: Self.packet("<rdf:Alt><rdf:li>a &#xZZ; b</rdf:li></rdf:Alt>")) == nil)
        // As element text, what came before the bad reference was read and counts.
        #expect(XMPPacket.description(in: Self.packet("before &unknown; after")) == "before")
    }

    @Test("comments and processing instructions inside the description are skipped")
    func commentsAndProcessingInstructions() {
        let item =
            """
            <rdf:Alt><!-- c --><rdf:li xml:lang='x-default'>a<!-- <rdf:li>not</rdf:li> -->b<?pi \
            data?>c<?pi?></rdf:li></rdf:Alt>
            """
        #expect(XMPPacket.description(in: Self.packet(item)) == "abc")
        #expect(XMPPacket.description(in: Self.packet(" x <!-- y --> z <?q?>")) == "x  z")
    }

    @Test("an error after the description does not undo it; one before it leaves none")
    func errorAfterDescription() {
        let good =
            """
            <rdf:RDF \(Self.rdf)><rdf:Description \(Self.dc)><dc:description><rdf:Alt><rdf:li \
            xml:lang='x-default'>kept</rdf:li></rdf:Alt></dc:description>
            """
        #expect(XMPPacket.description(in: good + "</rdf:Descriptio></rdf:RDF>") == "kept")
        #expect(XMPPacket.description(in: good + "</rdf:Description></rdf:RDF></x:xmpmeta>") == "kept")
        #expect(XMPPacket.description(in: good + "<xmp:Rating>&bogus;</xmp:Rating>") == "kept")
        #expect(XMPPacket.description(in: good) == "kept") // truncated
        let broken = "<rdf:RDF \(Self.rdf)><rdf:Description \(Self.dc)><dc:title></dc:titel>"
        #expect(
            XMPPacket.description(in: broken + "<dc:description>late</dc:description></rdf:Description></rdf:RDF>")
                == nil)
        // Mismatched inside the item: the item never ends.
        #expect(
            XMPPacket.description(in: Self.packet("<rdf:Alt><rdf:li xml:lang='x-default'>x</rdf:Alt></rdf:li>")) == nil)
    }

    @Test("x-default wins over earlier items, whatever case it is written in")
    func defaultItem() {
        let items = "<rdf:Alt><rdf:li xml:lang='de'>eins</rdf:li><rdf:li xml:lang='X-Default'>one</rdf:li></rdf:Alt>"
        #expect(XMPPacket.description(in: Self.packet(items)) == "one")
    }

    // MARK: - Hostile input

    @Test("100,000 nested elements: reading stops at the depth limit, after its 256 levels; up to the limit is read")
    func deepNesting() {
        let depth = 100_000
        let deep = String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        // The reader stops at the limit, with the events of the first 256 levels and no more.
        let (events, failure) = Self.events(deep)
        #expect(failure?.reason.contains("nested more than \(XMLReader.maximumDepth) deep") == true)
        #expect(events.count == XMLReader.maximumDepth)
        // Up to the limit is fine.
        let limit = XMLReader.maximumDepth - 1
        let nested =
            "<r \(Self.dc)>" + String(repeating: "<a>", count: limit - 1) + "<dc:description>deep</dc:description>"
            + String(repeating: "</a>", count: limit - 1) + "</r>"
        #expect(XMPPacket.description(in: nested) == "deep")
        let tooDeep =
            "<r \(Self.dc)>" + String(repeating: "<a>", count: limit) + "<dc:description>deep</dc:description>"
        #expect(XMPPacket.description(in: tooDeep) == nil)
    }

    /// Sized for a debug build (about 0.1 s each there, a few ms optimised): anything quadratic
    /// in these would take minutes.
    @Test("large hostile inputs read in linear time")
    func linearTime() {
        let count = 20_000
        let inputs = [
            // Many declarations, each looked up by many names.
            "<r " + (0..<count).map { "xmlns:p\($0)='urn:\($0)'" }.joined(separator: " ") + ">"
                + String(repeating: "<p7:a q:b='1'/>", count: count) + "</r>",
            // Many attributes, and a duplicate at the end.
            "<r " + (0..<count).map { "a\($0)='1'" }.joined(separator: " ") + " a0='2'/>",
            // Long text, references, comments, CDATA.
            Self.packet(String(repeating: "text &amp; &#x41; <!-- c --><![CDATA[d]]> ", count: count)),
            // Unterminated constructs that scan to the end.
            "<r><!--" + String(repeating: "- ", count: count), "<r>" + String(repeating: "<?p ?", count: count),
            "<r>" + String(repeating: "<![CDATA[", count: count), "<r a='" + String(repeating: "&amp;", count: count),
            String(repeating: "<a:b xmlns:a='u'>", count: 255) + String(repeating: "<a:b/>", count: count),
        ]
        for input in inputs {
            let start = ContinuousClock.now
            _ = XMPPacket.description(in: input)
            #expect(ContinuousClock.now - start < .seconds(3), "\(input.prefix(40))")
        }
    }

    // MARK: - What real writers produce

    /// As exiftool 12 writes it (`exiftool -XMP-dc:Description=… -XMP-dc:Description-de=…`):
    /// single quotes, `x:xmptk`, `rdf:about`, one `rdf:Description` per namespace, `&#39;`,
    /// a raw carriage return, the byte order mark in `begin`, and `end='r'`.
    static let exiftoolPacket = """
        <?xpacket begin='\u{FEFF}' id='W5M0MpCehiHzreSzNTczkc9d'?>
        <x:xmpmeta xmlns:x='adobe:ns:meta/' x:xmptk='Image::ExifTool 12.57'>
        <rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>

         <rdf:Description rdf:about=''
          xmlns:dc='http://purl.org/dc/elements/1.1/'>
          <dc:creator>
           <rdf:Seq>
            <rdf:li>J. Doe</rdf:li>
           </rdf:Seq>
          </dc:creator>
          <dc:description>
           <rdf:Alt>
            <rdf:li xml:lang='de'>Leuchtturm</rdf:li>
            <rdf:li xml:lang='x-default'>A lighthouse &amp; &lt;waves&gt;, &quot;dusk&quot; &#39;oil&#39;\r
        second line – café 🎨</rdf:li>
           </rdf:Alt>
          </dc:description>
          <dc:title>
           <rdf:Alt>
            <rdf:li xml:lang='x-default'>Harbour</rdf:li>
           </rdf:Alt>
          </dc:title>
         </rdf:Description>

         <rdf:Description rdf:about=''
          xmlns:xmp='http://ns.adobe.com/xap/1.0/'>
          <xmp:CreatorTool>GIMP 2.10</xmp:CreatorTool>
          <xmp:Rating>3</xmp:Rating>
         </rdf:Description>

         <rdf:Description rdf:about=''
          xmlns:photoshop='http://ns.adobe.com/photoshop/1.0/'>
          <photoshop:Headline>Not the description</photoshop:Headline>
         </rdf:Description>
        </rdf:RDF>
        </x:xmpmeta>
        <?xpacket end='r'?>
        """

    @Test("an exiftool-style packet")
    func exiftoolStyle() {
        #expect(
            XMPPacket.description(in: Self.exiftoolPacket)
                == "A lighthouse & <waves>, \"dusk\" 'oil'\nsecond line – café 🎨")
    }

    /// As Adobe's XMP toolkit writes the short form, with whitespace padding after the packet.
    @Test("an Adobe-style packet with the short form and padding")
    func adobeStyle() {
        let packet = """
            <?xpacket begin="\u{FEFF}" id="W5M0MpCehiHzreSzNTczkc9d"?>
            <x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 9.1-c001 79.1462899, 2023/06/25-20:01:55 \
                   ">
               <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
                  <rdf:Description rdf:about=""
                        xmlns:xmp="http://ns.adobe.com/xap/1.0/"
                        xmlns:dc="http://purl.org/dc/elements/1.1/"
                        xmp:CreatorTool="Adobe Photoshop 25.0"
                        dc:format="image/png"
                        dc:description="Short&#xA;form &amp; more"/>
               </rdf:RDF>
            </x:xmpmeta>
            \(String(repeating: String(repeating: " ", count: 99) + "\n", count: 20))<?xpacket end="w"?>
            """
        #expect(XMPPacket.description(in: packet) == "Short\nform & more")
    }

    @Test("exiftool writes dc:description into a PNG; we read it back")
    func exiftoolInterop() async throws {
        let directory = PNGFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("exiftool.png").path
        try AtomicFile.write(PNGFixtures.image(), to: path, durable: false)
        let description = "A \"lighthouse\" & <waves> 's' ]]> — 灯台 🌅\nsecond line"
        let result = try await ProcessRunner.run([
            "exiftool", "-q", "-overwrite_original", "-charset", "utf8", "-XMP-dc:Description=\(description)",
            "-XMP-dc:Description-de=Leuchtturm", "-XMP-dc:Title=Harbour", "-XMP-xmp:CreatorTool=exiftool", path,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try PNGMetadataReader.read(contentsOf: path)
        let packet = try #require(report.textChunks.text(for: XMPPacket.keyword))
        #expect(packet.contains("Image::ExifTool"))
        #expect(XMPPacket.description(in: packet) == description)
        #expect(report.generation?.prompt == description)
    }
}
