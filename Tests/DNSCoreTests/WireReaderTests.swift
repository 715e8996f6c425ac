// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import DNSCore

@Suite struct WireReaderTests {
    /// RFC 1035 §4.1.4: F.ISI.ARPA at offset 20, FOO.F.ISI.ARPA as "FOO" + pointer to 20,
    /// ARPA as a pointer to 26, and the root.
    @Test func rfc1035Section4_1_4Compression() throws {
        var bytes = [UInt8](repeating: 0, count: 20)
        bytes += [1, 70, 3, 73, 83, 73, 4, 65, 82, 80, 65, 0]  // 20: F.ISI.ARPA
        bytes += [UInt8](repeating: 0, count: 8)  // 32..39
        bytes += [3, 70, 79, 79, 0xC0, 20]  // 40: FOO + pointer to 20
        bytes += [0xC0, 26]  // 46: pointer to ARPA at 26
        bytes += [0]  // 48: root
        var reader = WireReader(bytes, offset: 20)
        #expect(try reader.readName().text == "F.ISI.ARPA.")
        reader = WireReader(bytes, offset: 40)
        #expect(try reader.readName().text == "FOO.F.ISI.ARPA.")
        #expect(reader.offset == 46)
        #expect(try reader.readName().text == "ARPA.")
        #expect(reader.offset == 48)
        #expect(try reader.readName() == .root)
    }

    @Test func rejectsForwardPointer() {
        var p = PacketBuilder()
        p.header()
        p.raw([0xC0, 16, 0, 1, 0, 1, 0])  // points past itself
        #expect(throws: WireFormatError.badPointer(offset: 12)) { try Message(wire: p.bytes) }
    }

    @Test func rejectsPointerLoop() {
        var bytes = [UInt8](repeating: 0, count: 12)
        bytes += [1, 97, 0xC0, 12]  // a + pointer back to its own start: a.a.a…
        var reader = WireReader(bytes, offset: 12)
        #expect(throws: WireFormatError.badPointer(offset: 14)) { try reader.readName() }
        // Two pointers pointing at each other.
        bytes = [UInt8](repeating: 0, count: 12) + [0xC0, 14, 0xC0, 12]
        reader = WireReader(bytes, offset: 14)
        #expect(throws: WireFormatError.self) { try reader.readName() }
    }

    @Test func rejectsPointerIntoHeaderAndOutOfBounds() {
        var bytes = [UInt8](repeating: 0, count: 12) + [0xC0, 2]
        var reader = WireReader(bytes, offset: 12)
        #expect(throws: WireFormatError.badPointer(offset: 12)) { try reader.readName() }
        bytes = [UInt8](repeating: 0, count: 12) + [0xC0]
        reader = WireReader(bytes, offset: 12)
        #expect(throws: WireFormatError.truncated(offset: 12)) { try reader.readName() }
        bytes = [UInt8](repeating: 0, count: 12) + [5, 97, 98]
        reader = WireReader(bytes, offset: 12)
        #expect(throws: WireFormatError.truncated(offset: 12)) { try reader.readName() }
    }

    @Test func rejectsOverlongNameBuiltFromPointers() {
        // A chain of 63-octet labels each pointing back to the previous: 5 × 64 > 255.
        var bytes = [UInt8](repeating: 0, count: 12)
        bytes += [63] + [UInt8](repeating: 97, count: 63) + [0]
        var previous = 12
        for _ in 0..<4 {
            let here = bytes.count
            bytes += [63] + [UInt8](repeating: 98, count: 63) + [0xC0 | UInt8(previous >> 8), UInt8(previous & 0xFF)]
            previous = here
        }
        var reader = WireReader(bytes, offset: previous)
        #expect(throws: WireFormatError.nameTooLong(offset: 77)) { try reader.readName() }
    }

    @Test func rejectsExtendedLabelTypes() {
        let bytes = [UInt8](repeating: 0, count: 12) + [0x41, 0]
        var reader = WireReader(bytes, offset: 12)
        #expect(throws: WireFormatError.badLabelType(offset: 12)) { try reader.readName() }
    }

    @Test func rejectsCountsBeyondThePacket() {
        var p = PacketBuilder()
        p.header(qd: 1, an: 2000)
        p.name("example.")
        p.u16(1)
        p.u16(1)
        #expect(throws: WireFormatError.self) { try Message(wire: p.bytes) }
        var q = PacketBuilder()
        q.header(qd: 0xFFFF)
        #expect(throws: WireFormatError.self) { try Message(wire: q.bytes) }
    }

    @Test func rejectsTruncatedAndMisfitRData() {
        var p = PacketBuilder()
        p.header(qd: 0, an: 1)
        p.name("a.example.")
        p.u16(RRType.A.rawValue)
        p.u16(1)
        p.u32(60)
        p.u16(4)
        p.raw([10, 0, 0])  // one short
        #expect(throws: WireFormatError.truncated(offset: p.bytes.count - 3)) { try Message(wire: p.bytes) }

        var q = PacketBuilder()
        q.header(qd: 0, an: 1)
        q.name("a.example.")
        q.u16(RRType.A.rawValue)
        q.u16(1)
        q.u32(60)
        q.u16(5)
        q.raw([10, 0, 0, 1, 9])  // A with 5 octets
        #expect(throws: WireFormatError.badRData(type: .A, offset: q.bytes.count - 5)) { try Message(wire: q.bytes) }

        var r = PacketBuilder()
        r.header(qd: 0, an: 1)
        r.name("a.example.")
        r.u16(RRType.MX.rawValue)
        r.u16(1)
        r.u32(60)
        r.u16(3)
        r.raw([0, 10, 5])  // MX whose name runs past RDLENGTH
        #expect(throws: WireFormatError.badRData(type: .MX, offset: r.bytes.count - 3)) { try Message(wire: r.bytes) }
    }

    /// RFC 6891 §6.1.1: one OPT, in the additional section, owned by the root.
    @Test func optPlacement() {
        func opt(_ p: inout PacketBuilder, owner: String = ".") {
            p.name(owner)
            p.u16(RRType.OPT.rawValue)
            p.u16(1232)
            p.u32(0)
            p.u16(0)
        }
        var two = PacketBuilder()
        two.header(qd: 0, ar: 2)
        opt(&two)
        opt(&two)
        #expect(throws: WireFormatError.multipleOPT) { try Message(wire: two.bytes) }
        var inAnswer = PacketBuilder()
        inAnswer.header(qd: 0, an: 1)
        opt(&inAnswer)
        #expect(throws: WireFormatError.misplacedOPT) { try Message(wire: inAnswer.bytes) }
        var named = PacketBuilder()
        named.header(qd: 0, ar: 1)
        opt(&named, owner: "x.")
        #expect(throws: WireFormatError.misplacedOPT) { try Message(wire: named.bytes) }
        var hugeOption = PacketBuilder()
        hugeOption.header(qd: 0, ar: 1)
        hugeOption.name(".")
        hugeOption.u16(RRType.OPT.rawValue)
        hugeOption.u16(1232)
        hugeOption.u32(0)
        hugeOption.u16(4)
        hugeOption.raw([0, 10, 0xFF, 0xFF])  // option claims 65535 octets
        #expect(throws: WireFormatError.badRData(type: .OPT, offset: hugeOption.bytes.count)) {
            try Message(wire: hugeOption.bytes)
        }
    }

    @Test func queryPreviewMatchesFullParse() throws {
        var p = PacketBuilder()
        p.header(id: 77, flags: 0x0120, qd: 1, ar: 0)
        p.name("WwW.Example.com.")
        p.u16(28)
        p.u16(1)
        let preview = try QueryPreview.parse(p.bytes)
        let message = try Message(wire: p.bytes)
        #expect(preview.id == 77)
        #expect(preview.qtype == .AAAA)
        #expect(preview.qclass == .IN)
        #expect(Array(p.bytes[preview.nameStart..<preview.nameEnd]) == message.questions[0].name.wire)
        #expect(preview.questionEnd == p.bytes.count)
        #expect(!preview.isResponse)
        #expect(throws: WireFormatError.self) { try QueryPreview.parse(Array(p.bytes.prefix(20))) }
        var compressed = PacketBuilder()
        compressed.header()
        compressed.raw([0xC0, 12, 0, 1, 0, 1])
        #expect(throws: WireFormatError.badPointer(offset: 12)) { try QueryPreview.parse(compressed.bytes) }
    }
}
