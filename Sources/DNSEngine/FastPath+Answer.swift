// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// Where a fast answer came from.
public enum FastSource: Sendable {
    case zone, endpoint
}

/// The type numbers the writer compares per query, as literals here: another module's constants
/// (`RRType.A`) are read through an accessor.
private enum QType {
    static let a: UInt16 = 1
    static let aaaa: UInt16 = 28
}

extension FastPath {
    /// Writes the answer to a plain query routed to a private zone straight into `out`: A and AAAA
    /// (own name or wildcard), NODATA and NXDOMAIN with the SOA. Returns its length and source, or
    /// nil for what the general path answers (other types, CNAMEs, zones with delegations, a
    /// `fallthrough` miss, an answer that would be truncated), which gives the same answer where
    /// this one answers (the tests compare the two).
    public func writeZoneAnswer(
        _ view: QuestionView, _ query: UnsafeRawBufferPointer, in route: ZoneRoute, limit: Int, rotation: Int,
        into out: UnsafeMutableRawBufferPointer
    ) -> (length: Int, source: FastSource)? {
        let zone = zones[Int(route.zone)]
        if zone.hasCuts { return nil }
        let apexLabel = Int(route.apexLabel)
        @inline(__always) func record(_ i: Int) -> Int? {
            i == apexLabel ? Int(route.apexRecord) : table.find(query, view.labelStart(i), view.nameEnd, hash: view.suffixHash(i))
        }
        // The name itself, else the closest encloser and its wildcard (RFC 4592 §3.3.1).
        var node: NodeInfo?
        var nodeRecord = -1
        if let own = record(0), case let info = table.value(at: own), info.zone == route.zone {
            nodeRecord = own
            node = info
        } else {
            for k in stride(from: 1, through: apexLabel, by: 1) {
                guard let encloser = record(k), case let info = table.value(at: encloser), info.zone == route.zone else { continue }
                if let wildcard = info.wildcard {
                    nodeRecord = Int(wildcard)
                    node = table.value(at: nodeRecord)
                }
                break
            }
            if node == nil && zone.fallThrough { return nil }
        }

        let qtype = view.qtype
        var rcode = RCode.noError
        var count = 0
        if let node {
            if node.generalOnly { return nil }
            if qtype == QType.a {
                count = Int(node.aCount)
            } else if qtype == QType.aaaa {
                count = Int(node.aaaaCount)
            } else if node.hasOther {
                return nil
            }
            if count == 0 && zone.strictNXDomain { rcode = .nxDomain }
        } else {
            rcode = .nxDomain
        }

        // Header, question, then the answer or the negative SOA.
        let questionEnd = view.questionEnd
        guard out.count >= questionEnd + 11 else { return nil }
        ResponseFlags.write(into: out, query: query, authoritative: true, rcode: rcode)
        out[4] = 0
        out[5] = 1
        UnsafeMutableRawBufferPointer(rebasing: out[12..<questionEnd])
            .copyMemory(from: UnsafeRawBufferPointer(rebasing: query[12..<questionEnd]))
        var w = questionEnd
        var authority = 0
        let ceiling = min(limit, out.count) - (view.edns ? EDNSRecord.size : 0)
        if let node, count > 0 {
            let isA = qtype == QType.a
            guard w + count * (12 + (isA ? 4 : 16)) <= ceiling else { return nil }  // would truncate
            let ttl = isA ? node.aTTL : node.aaaaTTL
            let payload = table.payloadStart(at: nodeRecord)
            let base = isA ? payload : payload + Int(node.aCount) * 4
            let first = count > 1 ? abs(rotation % count) : 0
            w = table.withArena {
                FastPath.writeAnswers(into: out, at: w, type: qtype, ttl: ttl, from: $0, base: base, first: first, count: count)
            }
        } else {
            let tailLength = Int(zone.tailLength)
            guard w + 2 + tailLength <= ceiling else { return nil }
            let pointer = 0xC000 | view.labelStart(apexLabel)
            out[w] = UInt8(pointer >> 8)
            out[w + 1] = UInt8(pointer & 0xFF)
            w += 2
            let start = Int(zone.tailStart)
            tails.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: out[w..<(w + tailLength)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[start..<(start + tailLength)]))
            }
            w += tailLength
            authority = 1
            count = 0
        }
        out[6] = UInt8(count >> 8)
        out[7] = UInt8(count & 0xFF)
        out[8] = 0
        out[9] = UInt8(authority)
        out[10] = 0
        out[11] = view.edns ? 1 : 0
        if view.edns { w = EDNSRecord.write(into: out, at: w, payload: udpPayloadSize, dnssecOK: view.dnssecOK) }
        return (w, zone.isEndpoint ? .endpoint : .zone)
    }

    /// Writes `count` A (`type` 1) or AAAA records whose owner is the question name, the addresses
    /// taken from `addresses` starting at octet `base` and rotated by `first`; returns the end.
    @inline(__always)
    private static func writeAnswers(
        into out: UnsafeMutableRawBufferPointer, at start: Int, type: UInt16, ttl: UInt32, from addresses: UnsafeRawBufferPointer,
        base: Int, first: Int, count: Int
    ) -> Int {
        let rdlength = type == QType.a ? 4 : 16
        var w = start
        for k in 0..<count {
            out[w] = 0xC0  // a pointer to the question name, at offset 12
            out[w + 1] = 0x0C
            out[w + 2] = UInt8(type >> 8)
            out[w + 3] = UInt8(type & 0xFF)
            out[w + 4] = 0
            out[w + 5] = 1  // class IN
            out[w + 6] = UInt8(truncatingIfNeeded: ttl >> 24)
            out[w + 7] = UInt8(truncatingIfNeeded: ttl >> 16)
            out[w + 8] = UInt8(truncatingIfNeeded: ttl >> 8)
            out[w + 9] = UInt8(truncatingIfNeeded: ttl)
            out[w + 10] = 0
            out[w + 11] = UInt8(rdlength)
            let from = base + ((first + k) % count) * rdlength
            UnsafeMutableRawBufferPointer(rebasing: out[(w + 12)..<(w + 12 + rdlength)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: addresses[from..<(from + rdlength)]))
            w += 12 + rdlength
        }
        return w
    }
}
