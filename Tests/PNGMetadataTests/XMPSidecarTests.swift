import Foundation
import Testing

@testable import PNGMetadata

/// XMP sidecars: ours read back exactly, exiftool's rewritten shape read, hostile ones refused.
@Suite("XMP sidecars")
struct XMPSidecarTests {
    @Test func whatWeWriteReadsBackTheSame() throws {
        var sidecar = XMPSidecar()
        sidecar.id = 17
        sidecar.sha256 = String(repeating: "ab", count: 32)
        sidecar.generationID = 4
        sidecar.ownRating = 3
        sidecar.favorite = true
        sidecar.pick = -1
        sidecar.ownTags = ["night sky", "a & b", "\"quoted\" <tag>"]
        sidecar.collections = [.init(name: "Trip", position: 3), .init(name: "Favourites & more", position: 1)]
        sidecar.addedAt = "2026-11-21T10:15:30Z"
        sidecar.originalName = "/home/me/dir with 'quotes'\nand a line.png"
        let text = sidecar.rendered(creatorTool: "gptimg test")
        // Rejected: -1 for other tools, the stars kept in ours.
        #expect(text.contains("xmp:Rating=\"-1\"") && text.contains("gptimg:rating=\"3\""))
        #expect(text.contains("digiKam:PickLabel=\"1\""))
        let read = try #require(XMPSidecar.parse(Array(text.utf8)))
        #expect(read.id == 17 && read.generationID == 4 && read.sha256 == sidecar.sha256)
        #expect(read.resolvedRating == 3 && read.resolvedPick == -1 && read.favorite == true)
        #expect(read.resolvedTags == sidecar.ownTags && read.subject == sidecar.ownTags)
        #expect(read.collections == sidecar.collections)
        #expect(read.addedAt == sidecar.addedAt && read.originalName == sidecar.originalName)
    }

    @Test func exiftoolsRewrittenShapeIsRead() throws {
        // As exiftool 12.57 rewrites a sidecar: one Description per namespace, elements, single quotes.
        let text = """
            <?xpacket begin='\u{FEFF}' id='W5M0MpCehiHzreSzNTczkc9d'?>
            <x:xmpmeta xmlns:x='adobe:ns:meta/' x:xmptk='Image::ExifTool 12.57'>
            <rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>
             <rdf:Description rdf:about='' xmlns:dc='http://purl.org/dc/elements/1.1/'>
              <dc:subject><rdf:Bag><rdf:li>night sky</rdf:li><rdf:li>from exiftool</rdf:li></rdf:Bag></dc:subject>
             </rdf:Description>
             <rdf:Description rdf:about='' xmlns:gptimg='\(XMPSidecar.namespace)'>
              <gptimg:collections>
               <rdf:Bag>
                <rdf:li rdf:parseType='Resource'>
                 <gptimg:name>Favourites &amp; more</gptimg:name>
                 <gptimg:position>1</gptimg:position>
                </rdf:li>
               </rdf:Bag>
              </gptimg:collections>
              <gptimg:favorite>True</gptimg:favorite>
              <gptimg:id>17</gptimg:id>
              <gptimg:pick>rejected</gptimg:pick>
              <gptimg:rating>4</gptimg:rating>
              <gptimg:tags><rdf:Bag><rdf:li>night sky</rdf:li></rdf:Bag></gptimg:tags>
             </rdf:Description>
             <rdf:Description rdf:about='' xmlns:xmp='http://ns.adobe.com/xap/1.0/'>
              <xmp:Rating>2</xmp:Rating>
             </rdf:Description>
            </rdf:RDF>
            </x:xmpmeta>
            <?xpacket end='w'?>
            """
        let read = try #require(XMPSidecar.parse(Array(text.utf8)))
        #expect(read.id == 17 && read.favorite == true)
        // Another tool rated the image gptimg had rejected: its rating wins and the reject is cleared.
        #expect(read.resolvedRating == 2 && read.resolvedPick == 0)
        #expect(read.resolvedTags == ["night sky", "from exiftool"] && read.ownTags == ["night sky"])
        #expect(read.collections == [.init(name: "Favourites & more", position: 1)])
    }

    @Test func anotherToolsSidecarAndHostileOnes() {
        let darktable = """
            <x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
            <rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="-1"/>
            </rdf:RDF></x:xmpmeta>
            """
        let rejected = XMPSidecar.parse(Array(darktable.utf8))
        #expect(rejected?.resolvedPick == -1 && rejected?.resolvedRating == nil && rejected?.id == nil)
        let emptyBag = """
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description>
            <dc:subject xmlns:dc="http://purl.org/dc/elements/1.1/"><rdf:Bag/></dc:subject></rdf:Description></rdf:RDF>
            """
        #expect(XMPSidecar.parse(Array(emptyBag.utf8))?.resolvedTags == [])
        // A rating out of range, an id that is not one: ignored.
        let odd = """
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description
             xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:g="\(XMPSidecar.namespace)"
             xmp:Rating="99" g:id="-3"/></rdf:RDF>
            """
        let oddRead = XMPSidecar.parse(Array(odd.utf8))
        #expect(oddRead?.rating == nil && oddRead?.id == nil)
        // No entities: a DOCTYPE stops reading before anything.
        let entity = """
            <!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>
            """
        #expect(XMPSidecar.parse(Array(entity.utf8)) == nil)
        #expect(XMPSidecar.parse(Array("not xml at all".utf8)) == nil)
        #expect(XMPSidecar.parse([UInt8](repeating: 0x20, count: XMPSidecar.maximumBytes + 1)) == nil)
    }
}
