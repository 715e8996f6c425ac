// SPDX-License-Identifier: Apache-2.0
import DNSCore

/// A record as read from a file, with where it came from (for validation messages).
public struct ParsedRecord: Sendable {
    public var record: ResourceRecord
    public var file: String
    public var line: Int
    public var column: Int
    /// Where in a file without lines the record is (`record set 3 (www.corp. A)`); nil for a zone file.
    public var place: String? = nil

    public init(record: ResourceRecord, file: String, line: Int, column: Int, place: String? = nil) {
        self.record = record
        self.file = file
        self.line = line
        self.column = column
        self.place = place
    }

    /// An error about this record, located where it was read.
    func error(_ message: String) -> ZoneFileError {
        ZoneFileError(file: file, line: line, column: column, place: place, message: message)
    }

    /// Where the record is, as messages that point back at it say it.
    var location: String { place.map { "\(file): \($0)" } ?? "\(file):\(line)" }
}

/// Reads RFC 1035 §5 master files: `$ORIGIN`, `$TTL` (RFC 2308 §4), `$INCLUDE`, `@`, relative names,
/// blank owners, class and TTL in either order, BIND TTL units, parentheses, comments, quoted
/// strings and `\#` generic RDATA. Collects every error instead of stopping at the first.
public struct ZoneFileParser {
    /// How deep `$INCLUDE` may nest.
    public static let maxIncludeDepth = 8

    /// Returns the bytes of a file; replaceable so tests can include from memory.
    public var readFile: (String) throws(FileReadError) -> [UInt8]
    /// Whether `$INCLUDE` is honoured (zone files from the operator's config are trusted).
    public var allowInclude: Bool

    public init(allowInclude: Bool = true, readFile: @escaping (String) throws(FileReadError) -> [UInt8] = readWholeFile) {
        self.allowInclude = allowInclude
        self.readFile = readFile
    }

    /// The outcome of reading one file and its includes.
    public struct Result: Sendable {
        public var records: [ParsedRecord] = []
        public var errors: [ZoneFileError] = []
    }

    /// The first absolute `$ORIGIN` of a file, used when the operator names no origin.
    public static func firstOrigin(in text: [UInt8]) -> DNSName? {
        var scanner = ZoneScanner(file: "", text: text)
        var tokens: [ZoneToken] = []
        var errors: [ZoneFileError] = []
        while let (leadingBlank, _) = scanner.next(&tokens, errors: &errors) {
            guard !leadingBlank, tokens.count == 2, tokens[0].string.uppercased() == "$ORIGIN" else { continue }
            return try? DNSName(parsingBytes: Array(tokens[1].bytes))
        }
        return nil
    }

    /// Parses `path`, relative names completing against `origin`.
    public func parse(file path: String, origin: DNSName) -> Result {
        var result = Result()
        result.errors = parse(file: path, origin: origin) { result.records.append($0) }
        return result
    }

    /// Parses `path`, handing each record to `record` as it is read (a large zone is never held twice:
    /// once as parsed records and again as the zone); returns the errors.
    public func parse(file path: String, origin: DNSName, record: (ParsedRecord) -> Void) -> [ZoneFileError] {
        var errors: [ZoneFileError] = []
        do {
            let bytes = try readFile(path)
            parse(text: bytes, file: path, origin: origin, errors: &errors, record: record, includeStack: [path])
        } catch {
            errors.append(ZoneFileError(file: path, line: 0, column: 0, message: "cannot read: \(error.reason)"))
        }
        return errors
    }

    /// Parses text already in memory (`file` names it in errors).
    public func parse(text: [UInt8], file: String, origin: DNSName) -> Result {
        var result = Result()
        var errors: [ZoneFileError] = []
        parse(text: text, file: file, origin: origin, errors: &errors, record: { result.records.append($0) }, includeStack: [file])
        result.errors = errors
        return result
    }

    private struct State {
        var origin: DNSName
        var defaultTTL: UInt32?
        var lastTTL: UInt32?
        var lastOwner: DNSName?
    }

    private func parse(
        text: [UInt8], file: String, origin: DNSName, errors allErrors: inout [ZoneFileError],
        record: (ParsedRecord) -> Void, includeStack: [String], inheriting parent: State? = nil
    ) {
        var scanner = ZoneScanner(file: file, text: text)
        // An included file starts with the includer's TTL defaults but its own origin and no owner.
        var state = State(origin: origin, defaultTTL: parent?.defaultTTL, lastTTL: parent?.lastTTL)
        // This file's errors; an included file's go straight to `allErrors`.
        var errors: [ZoneFileError] = []
        defer { allErrors += errors }
        func fail(_ message: String, _ token: ZoneToken?, _ entry: ZoneEntry) {
            errors.append(
                ZoneFileError(file: file, line: token?.line ?? entry.line, column: token?.column ?? 0, message: message))
        }
        var entry = ZoneEntry(tokens: [], leadingBlank: false, line: 0)
        while let (leadingBlank, line) = scanner.next(&entry.tokens, errors: &errors) {
            entry.leadingBlank = leadingBlank
            entry.line = line
            let first = entry.tokens[0]
            if !entry.leadingBlank && !first.quoted && first.bytes.first == UInt8(ascii: "$") {
                directive(
                    entry, file: file, state: &state, errors: &allErrors, record: record, includeStack: includeStack,
                    fail: fail)
                continue
            }
            var index = 0
            let owner: DNSName
            if entry.leadingBlank {
                guard let last = state.lastOwner else {
                    fail("a record with a blank owner needs a previous owner", first, entry)
                    continue
                }
                owner = last
            } else {
                do {
                    owner = try parseName(first, origin: state.origin)
                } catch {
                    fail("invalid owner name \"\(first.string)\": \(describe(error))", first, entry)
                    continue
                }
                index = 1
                state.lastOwner = owner
            }
            var ttl: UInt32?
            var rrClass: RRClass?
            var failed = false
            while index < entry.tokens.count, index < (entry.leadingBlank ? 2 : 3) {
                let token = entry.tokens[index]
                if rrClass == nil, !token.quoted, let c = RRClass(mnemonicBytes: token.bytes) {
                    rrClass = c
                } else if ttl == nil, !token.quoted, let first = token.bytes.first, first >= 48 && first <= 57 {
                    guard let value = ZoneText.ttl(bytes: token.bytes) else {
                        fail("expected a TTL, found \"\(token.string)\"", token, entry)
                        failed = true
                        break
                    }
                    guard value <= UInt64(ZoneText.maxTTL) else {
                        fail("TTL \(value) exceeds \(ZoneText.maxTTL) (RFC 2181 §8)", token, entry)
                        failed = true
                        break
                    }
                    ttl = UInt32(value)
                } else {
                    break
                }
                index += 1
            }
            if failed { continue }
            guard index < entry.tokens.count else {
                fail("expected a record type after the owner, found the end of the record", entry.tokens.last, entry)
                continue
            }
            let typeToken = entry.tokens[index]
            guard !typeToken.quoted, let type = RRType(mnemonicBytes: typeToken.bytes) else {
                fail("expected a record type, found \"\(typeToken.string)\"", typeToken, entry)
                continue
            }
            if type == .OPT || type.isMetaType {
                fail("\(type) is not a type a zone can hold", typeToken, entry)
                continue
            }
            if let rrClass, rrClass != .IN {
                fail("only class IN is served, found \(rrClass)", entry.tokens[index - 1], entry)
                continue
            }
            var parser = RDataParser(
                type: type, tokens: entry.tokens[(index + 1)...], origin: state.origin, typeToken: typeToken)
            let rdata: RData
            do {
                rdata = try parser.parse()
            } catch {
                fail(error.message, error.token, entry)
                continue
            }
            // TTL: explicit, else $TTL, else the last explicit TTL (RFC 1035 §5.1), else for the SOA its
            // MINIMUM (what BIND does for files written before RFC 2308).
            var resolvedTTL = ttl ?? state.defaultTTL ?? state.lastTTL
            if resolvedTTL == nil, case .soa(let soa) = rdata { resolvedTTL = min(soa.minimum, ZoneText.maxTTL) }
            guard let finalTTL = resolvedTTL else {
                fail("no TTL given and no $TTL in force", typeToken, entry)
                continue
            }
            if ttl != nil { state.lastTTL = ttl }
            if state.lastTTL == nil { state.lastTTL = finalTTL }
            record(
                ParsedRecord(
                    record: ResourceRecord(name: owner, type: type, ttl: finalTTL, rdata: rdata), file: file,
                    line: entry.line, column: entry.leadingBlank ? typeToken.column : first.column))
        }
    }

    private func directive(
        _ entry: ZoneEntry, file: String, state: inout State, errors: inout [ZoneFileError], record: (ParsedRecord) -> Void,
        includeStack: [String], fail: (String, ZoneToken?, ZoneEntry) -> Void
    ) {
        let keyword = entry.tokens[0]
        let args = entry.tokens.dropFirst()
        switch keyword.string.uppercased() {
        case "$ORIGIN":
            guard args.count == 1, let token = args.first else {
                fail("$ORIGIN takes exactly one name", keyword, entry)
                return
            }
            do {
                state.origin = try parseName(token, origin: state.origin)
            } catch {
                fail("invalid $ORIGIN \"\(token.string)\": \(describe(error))", token, entry)
            }
        case "$TTL":
            guard args.count == 1, let token = args.first else {
                fail("$TTL takes exactly one TTL", keyword, entry)
                return
            }
            guard let value = ZoneText.ttl(token.string) else {
                fail("expected a TTL, found \"\(token.string)\"", token, entry)
                return
            }
            guard value <= UInt64(ZoneText.maxTTL) else {
                fail("TTL \(value) exceeds \(ZoneText.maxTTL) (RFC 2181 §8)", token, entry)
                return
            }
            state.defaultTTL = UInt32(value)
        case "$INCLUDE":
            guard allowInclude else {
                fail("$INCLUDE is not allowed here", keyword, entry)
                return
            }
            guard (1...2).contains(args.count), let pathToken = args.first else {
                fail("$INCLUDE takes a file name and an optional origin", keyword, entry)
                return
            }
            var includeOrigin = state.origin
            if args.count == 2 {
                let originToken = args[args.startIndex + 1]
                do {
                    includeOrigin = try parseName(originToken, origin: state.origin)
                } catch {
                    fail("invalid $INCLUDE origin \"\(originToken.string)\": \(describe(error))", originToken, entry)
                    return
                }
            }
            let path = resolvePath(pathToken.string, against: directoryOf(file))
            guard !includeStack.contains(path) else {
                fail("$INCLUDE cycle: \"\(path)\" is already being read", pathToken, entry)
                return
            }
            guard includeStack.count < ZoneFileParser.maxIncludeDepth else {
                fail("$INCLUDE nested deeper than \(ZoneFileParser.maxIncludeDepth) files", pathToken, entry)
                return
            }
            do {
                let bytes = try readFile(path)
                // RFC 1035 §5.1: the included file does not change the including file's origin.
                parse(
                    text: bytes, file: path, origin: includeOrigin, errors: &errors, record: record,
                    includeStack: includeStack + [path], inheriting: state)
            } catch {
                fail("cannot read $INCLUDE file: \(error.reason)", pathToken, entry)
            }
        default:
            fail("unknown directive \"\(keyword.string)\"", keyword, entry)
        }
    }
}
