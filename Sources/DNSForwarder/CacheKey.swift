// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine

/// What a cached answer is filed under: (name, type, class, DO, scope) — names compared without
/// case. The scope is the upstream group's (`UpstreamGroup.cacheScope`): an answer is shared only
/// by questions sent to the same upstreams (views with other rules never see it).
public struct CacheKey: Hashable, Sendable {
    public let name: DNSName
    public let type: RRType
    public let qclass: RRClass
    public let dnssecOK: Bool
    public let scope: UInt32
    /// A 64-bit hash of the key, the same whether computed from a `DNSName` or from packet bytes.
    /// Computed once: a cache miss files and looks up its key several times (the in-flight table,
    /// the shared cache's shard and index).
    public let fingerprint: UInt64

    public init(name: DNSName, type: RRType, qclass: RRClass = .IN, dnssecOK: Bool = false, scope: UInt32 = 0) {
        self.name = name
        self.type = type
        self.qclass = qclass
        self.dnssecOK = dnssecOK
        self.scope = scope
        fingerprint = name.wire.withUnsafeBytes {
            CacheKey.fingerprint(name: $0, 0, $0.count, type: type.rawValue, qclass: qclass.rawValue, dnssecOK: dnssecOK, scope: scope)
        }
    }

    /// The key of what `request` asks.
    init(_ request: ForwardRequest) {
        self.init(
            name: request.question.name, type: request.question.type, qclass: request.question.qclass, dnssecOK: request.dnssecOK,
            scope: request.upstreams.cacheScope)
    }

    /// `WireNameHash` of the name at `bytes[start..<end]` (lower-cased as it goes), then type,
    /// class, DO and scope.
    @inline(__always)
    public static func fingerprint(
        name bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, type: UInt16, qclass: UInt16, dnssecOK: Bool, scope: UInt32
    ) -> UInt64 {
        fingerprint(nameHash: WireNameHash.hash(bytes, start, end), type: type, qclass: qclass, dnssecOK: dnssecOK, scope: scope)
    }

    /// The fingerprint from the name's `WireNameHash` (as the fast path has it already). Keys that
    /// differ only in scope differ in the word mixed in, so their fingerprints differ (but for a
    /// 2^-64 chance): the worker cache, whose slots have no room for the scope, tells them apart
    /// by it; the shared cache also compares the scope itself.
    @inline(__always)
    public static func fingerprint(nameHash: UInt64, type: UInt16, qclass: UInt16, dnssecOK: Bool, scope: UInt32) -> UInt64 {
        WireNameHash.mix(nameHash, word: UInt64(type) | UInt64(qclass) << 16 | (dnssecOK ? 1 << 32 : 0) | UInt64(scope) << 33)
    }

    /// The fingerprint, fed to the hasher once (equal keys have equal fingerprints: both fold case).
    public func hash(into hasher: inout Hasher) { hasher.combine(fingerprint) }

    public static func == (l: CacheKey, r: CacheKey) -> Bool {
        l.fingerprint == r.fingerprint && l.type == r.type && l.qclass == r.qclass && l.dnssecOK == r.dnssecOK
            && l.scope == r.scope && l.name == r.name
    }

    /// Whether this key is the question at `bytes[start..<end]` (type, class, DO, scope given).
    @inline(__always)
    func matches(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, type: UInt16, dnssecOK: Bool, scope: UInt32) -> Bool {
        guard self.type.rawValue == type, qclass == .IN, self.dnssecOK == dnssecOK, self.scope == scope,
            name.wire.count == end - start
        else {
            return false
        }
        // Stored names keep the case they came with: compare both sides lowered.
        return name.wire.withUnsafeBytes { stored in
            for i in 0..<stored.count where asciiLower(stored[i]) != asciiLower(bytes[start + i]) { return false }
            return true
        }
    }
}

/// Encoded sections of a cached answer.
public struct WireBody: Sendable, Equatable {
    public var bytes: [UInt8]
    public var answerCount: UInt16
    public var authorityCount: UInt16
    /// Offsets (into `bytes`) of each record's TTL field, with the TTL stored.
    public var ttls: [(offset: Int, ttl: UInt32)]
    /// The question name, lower case, in wire form: a worker's cache checks a hit against it.
    public var name: [UInt8]

    init(bytes: [UInt8], answerCount: UInt16, authorityCount: UInt16, ttls: [(offset: Int, ttl: UInt32)], name: [UInt8]) {
        self.name = name
        self.bytes = bytes
        self.answerCount = answerCount
        self.authorityCount = authorityCount
        self.ttls = ttls
    }

    public static func == (l: WireBody, r: WireBody) -> Bool {
        l.bytes == r.bytes && l.answerCount == r.answerCount && l.authorityCount == r.authorityCount
    }

    /// Encodes `answers` and `authority` after a question for `question`, noting each TTL's place.
    init?(question: Question, answers: [ResourceRecord], authority: [ResourceRecord]) {
        var writer = WireWriter()
        for _ in 0..<6 { writer.writeUInt16(0) }
        writer.writeName(question.name)
        writer.writeUInt16(question.type.rawValue)
        writer.writeUInt16(question.qclass.rawValue)
        let questionEnd = writer.count
        var ttls: [(offset: Int, ttl: UInt32)] = []
        ttls.reserveCapacity(answers.count + authority.count)
        for record in answers { ttls.append((offset: writer.writeRecord(record) - questionEnd, ttl: record.ttl)) }
        for record in authority { ttls.append((offset: writer.writeRecord(record) - questionEnd, ttl: record.ttl)) }
        // Pointers must stay inside what a response can hold (they never reach past 0x3FFF).
        guard writer.count <= 65535 else { return nil }
        bytes = Array(writer.bytes[questionEnd...])
        answerCount = UInt16(answers.count)
        authorityCount = UInt16(authority.count)
        self.ttls = ttls
        name = question.name.wire.map(asciiLower)
    }
}

/// A `WireBody` in one allocation its `CachedAnswer` owns: the question name (lower case), the
/// bytes, then (offset, TTL) pairs as two `UInt32`s each. Copying it copies a pointer and counts,
/// never a reference: workers serving the same entry write nothing to memory they share (no
/// reference counts bouncing between cores), and a worker's cache keeps a copy in its slot, so a
/// hit reads the slot and this allocation, nothing else.
public struct PackedWire: @unchecked Sendable {
    let base: UnsafeRawPointer
    private let count: UInt16
    public let answerCount: UInt16
    public let authorityCount: UInt16
    private let pairs: UInt16
    let nameLength: UInt8

    public var byteCount: Int { Int(count) }
    var ttlCount: Int { Int(pairs) }

    /// Where the (offset, TTL) pairs start: after the name and the bytes, 4-aligned.
    private var ttlStart: Int { PackedWire.ttlStart(nameLength: Int(nameLength), byteCount: Int(count)) }

    private static func ttlStart(nameLength: Int, byteCount: Int) -> Int { (nameLength + byteCount + 3) & ~3 }

    /// Copies `body` into a new allocation; `deallocate()` frees it. A name longer than 255 octets
    /// (none is) would be left out, and the entry then never match in a worker's cache.
    init(copying body: WireBody) {
        let name = body.name.count <= 255 ? body.name : []
        nameLength = UInt8(name.count)
        count = UInt16(body.bytes.count)  // WireBody keeps a whole message within 65535 octets
        answerCount = body.answerCount
        authorityCount = body.authorityCount
        pairs = UInt16(body.ttls.count)
        let ttlStart = PackedWire.ttlStart(nameLength: name.count, byteCount: body.bytes.count)
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(1, ttlStart + 8 * body.ttls.count), alignment: 8)
        name.withUnsafeBytes { if let from = $0.baseAddress { memory.copyMemory(from: from, byteCount: $0.count) } }
        body.bytes.withUnsafeBytes { if let from = $0.baseAddress { (memory + name.count).copyMemory(from: from, byteCount: $0.count) } }
        base = UnsafeRawPointer(memory)
        for (i, entry) in body.ttls.enumerated() {
            memory.storeBytes(of: UInt32(entry.offset), toByteOffset: ttlStart + 8 * i, as: UInt32.self)
            memory.storeBytes(of: entry.ttl, toByteOffset: ttlStart + 8 * i + 4, as: UInt32.self)
        }
    }

    func deallocate() { UnsafeMutableRawPointer(mutating: base).deallocate() }

    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base + Int(nameLength), count: byteCount) }

    /// The question name and the bytes after it: names are compared against its start, and a word
    /// at a time may read on into the bytes.
    var nameAndBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: Int(nameLength) + byteCount) }

    /// Where the `i`th record's TTL sits in `bytes`, and the TTL stored.
    func ttl(_ i: Int) -> (offset: Int, ttl: UInt32) {
        let at = ttlStart + 8 * i
        return (Int(base.loadUnaligned(fromByteOffset: at, as: UInt32.self)), base.loadUnaligned(fromByteOffset: at + 4, as: UInt32.self))
    }

    var body: WireBody {
        WireBody(
            bytes: Array(bytes), answerCount: answerCount, authorityCount: authorityCount, ttls: (0..<ttlCount).map(ttl),
            name: Array(UnsafeRawBufferPointer(start: base, count: Int(nameLength))))
    }
}

/// One cached upstream answer, already scrubbed to the query's chain (no out-of-bailiwick data).
/// Immutable and shared: a cache hit costs one reference, not a copy of every section.
public final class CachedAnswer: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case positive
        /// NXDOMAIN or NODATA (RFC 2308), with the SOA in `authority`.
        case negative
        /// A SERVFAIL remembered briefly so a failing name does not hammer the upstreams.
        case failure
    }

    // What a cache hit reads comes first, so that it shares the object's first cache line.
    /// The answer and authority sections as encoded after a question of the cached name's length
    /// (compression pointers into that question stay valid for any spelling of the name), and where
    /// each TTL sits in them: served by copying and patching, without building a message.
    public let packed: PackedWire?
    /// Monotonic time of storing.
    public let storedAt: Double
    public let rcode: RCode
    /// Seconds the entry is fresh.
    public let ttl: UInt32
    public let kind: Kind
    public let answers: [ResourceRecord]
    public let authority: [ResourceRecord]
    /// `packed` as arrays (for tests and the slow paths).
    public var wire: WireBody? { packed?.body }

    public init(
        kind: Kind, rcode: RCode, answers: [ResourceRecord], authority: [ResourceRecord], storedAt: Double, ttl: UInt32,
        wire: WireBody? = nil
    ) {
        packed = wire.map(PackedWire.init(copying:))
        self.kind = kind
        self.rcode = rcode
        self.answers = answers
        self.authority = authority
        self.storedAt = storedAt
        self.ttl = ttl
    }

    deinit { packed?.deallocate() }

    public static func == (l: CachedAnswer, r: CachedAnswer) -> Bool {
        l.kind == r.kind && l.rcode == r.rcode && l.answers == r.answers && l.authority == r.authority
            && l.storedAt == r.storedAt && l.ttl == r.ttl && l.wire == r.wire
    }

    /// The same answer with its wire form attached.
    func withWire(_ wire: WireBody?) -> CachedAnswer {
        CachedAnswer(kind: kind, rcode: rcode, answers: answers, authority: authority, storedAt: storedAt, ttl: ttl, wire: wire)
    }

    /// A rough count of the bytes the entry holds, for the cache's byte budget.
    var estimatedBytes: Int {
        let records = answers + authority
        return 96 + (packed.map { 16 + Int($0.nameLength) + $0.byteCount + 8 * $0.ttlCount } ?? 0) + records.reduce(0) { total, record in
            total + 48 + record.name.wire.count + rdataSize(record.rdata)
        }
    }

    /// The records with TTLs counted down by the time spent in the cache (RFC 1035 §7.4 / RFC 2181 §8);
    /// a stale answer carries `staleTTL` (RFC 8767 §4: 30 seconds).
    func aged(at now: Double, staleTTL: UInt32? = nil) -> (answers: [ResourceRecord], authority: [ResourceRecord]) {
        let elapsed = UInt32(max(0, min(Double(UInt32.max), now - storedAt)))
        func age(_ record: ResourceRecord) -> ResourceRecord {
            var copy = record
            copy.ttl = staleTTL ?? (record.ttl > elapsed ? record.ttl - elapsed : 0)
            return copy
        }
        return (answers.map(age), authority.map(age))
    }
}

private func rdataSize(_ rdata: RData) -> Int {
    switch rdata {
    case .a: 4
    case .aaaa: 16
    case .ns(let n), .cname(let n), .ptr(let n): n.wire.count
    case .soa(let s): s.mname.wire.count + s.rname.wire.count + 20
    case .mx(_, let n): 2 + n.wire.count
    case .txt(let strings): strings.reduce(0) { $0 + 1 + $1.count }
    case .srv(_, _, _, let n): 6 + n.wire.count
    case .caa(_, let tag, let value): 2 + tag.count + value.count
    case .unknown(let bytes): bytes.count
    }
}
