// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSZone

/// Answers queries from raw bytes: checks them, applies `allow_query`, and answers names in the
/// private zones authoritatively. Immutable: a reload builds a new engine.
public final class QueryEngine: Sendable {
    public let zones: ZoneSet
    public let zoneOptions: [DNSName: ZoneOptions]
    public let accessControl: AccessControlList
    public let forwarding: ForwardingRules
    /// The allocation-free path for the common queries.
    public let fastPath: FastPath
    /// Our EDNS UDP payload size (RFC 6891 §6.2.5; 1232 avoids fragmentation, DNS flag day 2020).
    public let udpPayloadSize: UInt16
    /// Origins of the zones synthesised from endpoints.
    public let endpointOrigins: Set<DNSName>
    /// Health of the checks routed record sets name.
    public let health: HealthStatus
    /// The Region latency, geolocation and geoproximity records are chosen for.
    public let region: AWSRegion?
    /// Which of an endpoint's ENIs a client's AZ is answered with first, or alone.
    public let affinity: EndpointAffinity
    /// CNAME hops followed inside the private zones before giving up.
    public static let maxCNAMEChain = 12

    public init(
        zones: ZoneSet, zoneOptions: [DNSName: ZoneOptions] = [:], accessControl: AccessControlList = .privateNetworks,
        forwarding: ForwardingRules = ForwardingRules(), endpointOrigins: Set<DNSName> = [], udpPayloadSize: UInt16 = 1232,
        health: HealthStatus = HealthStatus(), region: AWSRegion? = nil, affinity: EndpointAffinity = .off
    ) {
        self.zones = zones
        self.health = health
        self.region = region
        self.affinity = affinity
        self.fastPath = FastPath(
            zoneSet: zones, options: zoneOptions, rules: forwarding, accessControl: accessControl,
            endpointOrigins: endpointOrigins, udpPayloadSize: udpPayloadSize)
        self.forwarding = forwarding
        self.zoneOptions = zoneOptions
        self.accessControl = accessControl
        self.udpPayloadSize = udpPayloadSize
        self.endpointOrigins = endpointOrigins
    }

    /// Whether this engine is what `init` would build from these (the zones the very same objects,
    /// in any order): a reload that changed none of them keeps it.
    public func isBuilt(
        from zones: [Zone], zoneOptions: [DNSName: ZoneOptions], accessControl: AccessControlList,
        forwarding: ForwardingRules, endpointOrigins: Set<DNSName>, udpPayloadSize: UInt16 = 1232,
        health: HealthStatus = HealthStatus(), region: AWSRegion? = nil, affinity: EndpointAffinity = .off
    ) -> Bool {
        let held = self.zones.all
        return self.udpPayloadSize == udpPayloadSize && self.health === health && self.region == region
            && self.affinity.sameSettings(as: affinity) && held.count == zones.count
            && Set(held.map(ObjectIdentifier.init)) == Set(zones.map(ObjectIdentifier.init))
            && self.zoneOptions == zoneOptions && self.accessControl.allowed == accessControl.allowed
            && self.forwarding == forwarding && self.endpointOrigins == endpointOrigins
    }

    /// Answers one query. `route` is where the pipeline already routed it (a plain query that the
    /// fast writers declined); without it the question is routed here.
    public func respond(to bytes: [UInt8], context: QueryContext, route routed: Route? = nil) -> QueryOutcome {
        // Too short for a header, or a response: never answer (RFC 1035 §4.1.1; avoids reflection loops).
        guard bytes.count >= Header.size, bytes[2] & 0x80 == 0 else { return .drop }
        let id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        let queryFlags = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
        let preview = try? QueryPreview.parse(bytes)

        guard accessControl.allows(context.clientAddress) else {
            return .reply(errorReply(id: id, flags: queryFlags, rcode: .refused, bytes: bytes, preview: preview))
        }
        let query: Message
        do {
            query = try Message(wire: bytes)
        } catch {
            return .reply(errorReply(id: id, flags: queryFlags, rcode: .formErr, bytes: bytes, preview: nil))
        }
        guard query.header.opcode == .query else {
            return .reply(errorReply(id: id, flags: queryFlags, rcode: .notImp, bytes: bytes, preview: preview))
        }
        guard query.questions.count == 1, query.answers.isEmpty, query.authority.isEmpty else {
            return .reply(errorReply(id: id, flags: queryFlags, rcode: .formErr, bytes: bytes, preview: nil))
        }
        var response = Message(header: responseHeader(for: query.header), questions: query.questions)
        if let edns = query.edns {
            response.edns = EDNS(udpPayloadSize: udpPayloadSize, dnssecOK: edns.dnssecOK)
            // RFC 6891 §6.1.3: we speak version 0 only.
            if edns.version > 0 {
                response.rcode = .badVers
                return .reply(response.encode(maxSize: sizeLimit(query, context)))
            }
        }
        let question = query.questions[0]
        if question.qclass != .IN || question.type == .AXFR || question.type == .IXFR {
            response.rcode = .refused
            return .reply(response.encode(maxSize: sizeLimit(query, context)))
        }
        if question.type == .OPT || (question.type.isMetaType && question.type != .ANY) {
            response.rcode = .formErr
            return .reply(response.encode(maxSize: sizeLimit(query, context)))
        }
        let limit = sizeLimit(query, context)
        switch routed ?? fastPath.route(question.name) {
        case .refuse:
            response.rcode = .refused
            return .reply(response.encode(maxSize: limit))
        case .forward(let group):
            guard let upstreams = fastPath.upstreams(group) else {
                response.rcode = .refused
                return .reply(response.encode(maxSize: limit))
            }
            return .forward(ForwardRequest(query: query, question: question, upstreams: upstreams, prefix: [], sizeLimit: limit))
        case .zone(let zone):
            let clientAZ = affinity.availabilityZone(of: context.clientAddress)
            switch answerAuthoritatively(question, in: zone, into: &response, rotation: context.rotation, clientAZ: clientAZ) {
            case .done:
                return .reply(response.encode(maxSize: limit))
            case .continueUpstream(let name, let group, let alias):
                let next = Question(name: name, type: question.type, qclass: question.qclass)
                var request = ForwardRequest(
                    query: query, question: next, upstreams: group, prefix: response.answers, sizeLimit: limit)
                request.alias = alias
                return .forward(request)
            }
        }
    }

    /// Where a name missing from a `fallthrough` zone goes: a rule's upstreams or the default ones.
    func fallthroughGroup(_ name: DNSName) -> UpstreamGroup? {
        if let (_, action) = forwarding.match(name), case .forward(let group) = action { return group }
        return forwarding.defaultGroup
    }

    /// The largest response the client can take (RFC 1035 §4.2.1, RFC 6891 §6.2.5).
    func sizeLimit(_ query: Message, _ context: QueryContext) -> Int {
        if context.transport.isStream { return 65535 }
        guard let edns = query.edns else { return 512 }
        return max(512, Int(min(edns.udpPayloadSize, udpPayloadSize)))
    }

    /// QR set, opcode, RD and CD copied, RA set (we are a resolver), the rest clear.
    func responseHeader(for query: Header) -> Header {
        var header = Header(id: query.id)
        header.isResponse = true
        header.opcode = query.opcode
        header.recursionDesired = query.recursionDesired
        header.checkingDisabled = query.checkingDisabled
        header.recursionAvailable = true
        return header
    }

    /// A reply with no records: the question is echoed when it could be read.
    func errorReply(id: UInt16, flags: UInt16, rcode: RCode, bytes: [UInt8], preview: QueryPreview?) -> [UInt8] {
        var header = Header(id: id, flags: flags & (0x7800 | Header.Flag.rd | Header.Flag.cd))
        header.isResponse = true
        header.recursionAvailable = true
        header.rcodeLow = UInt8(rcode.rawValue & 0x0F)
        var out = [UInt8]()
        out.reserveCapacity(Header.size + 64)
        out += [UInt8(id >> 8), UInt8(id & 0xFF), UInt8(header.flags >> 8), UInt8(header.flags & 0xFF)]
        if let preview, preview.questionCount == 1 {
            out += [0, 1, 0, 0, 0, 0, 0, 0]
            out += bytes[preview.nameStart..<preview.questionEnd]
        } else {
            out += [0, 0, 0, 0, 0, 0, 0, 0]
        }
        return out
    }
}
