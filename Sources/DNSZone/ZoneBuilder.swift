// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// Checks parsed records and assembles an immutable `Zone`.
public enum ZoneBuilder {
    /// Route 53's SOA for a hosted zone without one of its own (TTL 900).
    public static func defaultSOA(origin: DNSName) -> RRSet {
        let soa = SOAData(
            mname: try! DNSName(parsing: "ns-1536.awsdns-00.co.uk."),
            rname: try! DNSName(parsing: "awsdns-hostmaster.amazon.com."), serial: 1, refresh: 7200, retry: 900,
            expire: 1_209_600, minimum: 86400)
        return RRSet(name: origin, type: .SOA, ttl: 900, rdatas: [.soa(soa)])
    }

    /// Route 53's four name servers (TTL 172800).
    public static func defaultNS(origin: DNSName) -> RRSet {
        let names = ["ns-1536.awsdns-00.co.uk.", "ns-0.awsdns-00.com.", "ns-1024.awsdns-00.org.", "ns-512.awsdns-00.net."]
        return RRSet(name: origin, type: .NS, ttl: 172_800, rdatas: names.map { .ns(try! DNSName(parsing: $0)) })
    }

    /// Builds a zone, or returns every problem found: data outside the origin, a CNAME beside other
    /// data (RFC 1034 §3.6.2, RFC 2181 §10.1), more than one CNAME or SOA, an SOA off the apex.
    /// A missing SOA or apex NS set gets the Route 53 defaults. Duplicate records are merged
    /// (RFC 2181 §5); an RRset keeps the TTL of its first record (RFC 2181 §5.2).
    public static func build(origin: DNSName, records: [ParsedRecord]) -> Result<Zone, ZoneFileErrors> {
        var errors: [ZoneFileError] = []
        var nodes: [DNSName: Zone.Node] = [origin: Zone.Node()]
        nodes.reserveCapacity(records.count + 1)
        // Where the first SOA and each CNAME came from, for messages about them.
        var firstSOA: ParsedRecord?
        var firstCNAME: [DNSName: ParsedRecord] = [:]
        func error(_ parsed: ParsedRecord, _ message: String) {
            errors.append(ZoneFileError(file: parsed.file, line: parsed.line, column: parsed.column, message: message))
        }
        for parsed in records {
            let rr = parsed.record
            guard rr.name.isSubdomain(of: origin) else {
                error(parsed, "\"\(rr.name.text)\" is outside the zone \"\(origin.text)\"")
                continue
            }
            if rr.type == .SOA {
                if rr.name != origin {
                    error(parsed, "SOA record at \"\(rr.name.text)\"; it belongs at the zone apex \"\(origin.text)\"")
                    continue
                }
                if let first = firstSOA {
                    error(parsed, "second SOA record; the first is at \(first.file):\(first.line)")
                    continue
                }
                firstSOA = parsed
            }
            if rr.type == .CNAME {
                if let first = firstCNAME[rr.name] {
                    if first.record.rdata != rr.rdata {
                        error(parsed, "second CNAME at \"\(rr.name.text)\"; the first is at \(first.file):\(first.line)")
                    }
                    continue
                }
                firstCNAME[rr.name] = parsed
            }
            // In place: one hash of the name, no copy of the node's RRsets.
            nodes[rr.name, default: Zone.Node()].rrsets.add(rr)
            // Every name between this one and the apex exists, at least as an empty non-terminal
            // (a child of the apex has none to add).
            guard rr.name.labelCount > origin.labelCount + 1 else { continue }
            var ancestor = rr.name.parent
            while let a = ancestor, a.isSubdomain(of: origin), nodes[a] == nil {
                nodes[a] = Zone.Node()
                ancestor = a.parent
            }
        }
        // RFC 1034 §3.6.2: a CNAME owner holds no other data (DNSSEC records aside, RFC 4035 §2.5).
        for (name, parsed) in firstCNAME {
            guard let node = nodes[name] else { continue }
            let others = node.rrsets.keys.filter { ![.CNAME, .RRSIG, .NSEC].contains($0) }
            if !others.isEmpty {
                let list = others.map(\.description).sorted().joined(separator: ", ")
                error(parsed, "CNAME at \"\(name.text)\" cannot coexist with other data (\(list)) (RFC 1034 §3.6.2)")
            }
            if name == origin, others.isEmpty {
                error(parsed, "CNAME at the zone apex \"\(name.text)\" is not allowed")
            }
        }
        if !errors.isEmpty {
            errors.sort { ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column) }
            return .failure(ZoneFileErrors(errors))
        }
        var apex = nodes[origin]!
        if apex.rrsets[.SOA] == nil { apex.rrsets[.SOA] = defaultSOA(origin: origin) }
        if apex.rrsets[.NS] == nil { apex.rrsets[.NS] = defaultNS(origin: origin) }
        nodes[origin] = apex
        var cuts: [DNSName: RRSet] = [:]
        for (name, node) in nodes where name != origin {
            if let ns = node.rrsets[.NS] { cuts[name] = ns }
        }
        return .success(Zone(origin: origin, soa: apex.rrsets[.SOA]!, nodes: nodes, cuts: cuts))
    }

    /// Reads a zone file and builds its zone: parse errors and validation errors together.
    public static func load(file path: String, origin: DNSName, parser: ZoneFileParser = ZoneFileParser())
        -> Result<Zone, ZoneFileErrors>
    {
        let parsed = parser.parse(file: path, origin: origin)
        let built = build(origin: origin, records: parsed.records)
        if parsed.errors.isEmpty { return built }
        var all = parsed.errors
        if case .failure(let more) = built { all += more.errors }
        all.sort { ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column) }
        return .failure(ZoneFileErrors(all))
    }
}

extension ZoneBuilder {
    /// A zone made from records the daemon synthesises (endpoints). Its SOA is Route 53's default;
    /// with `apexData` the SOA and NS are also served as records at the apex, as in a private hosted
    /// zone; without, the SOA only travels in negative answers (a single public name, or a CNAME owner).
    public static func synthesized(origin: DNSName, rrsets: [RRSet], apexData: Bool) -> Zone {
        var nodes: [DNSName: Zone.Node] = [origin: Zone.Node()]
        for set in rrsets {
            nodes[set.name, default: Zone.Node()].rrsets[set.type] = set
            var ancestor = set.name.parent
            while let a = ancestor, a.isSubdomain(of: origin), nodes[a] == nil {
                nodes[a] = Zone.Node()
                ancestor = a.parent
            }
        }
        let soa = defaultSOA(origin: origin)
        if apexData {
            nodes[origin]!.rrsets[.SOA] = soa
            nodes[origin]!.rrsets[.NS] = defaultNS(origin: origin)
        }
        return Zone(origin: origin, soa: soa, nodes: nodes, cuts: [:])
    }
}
