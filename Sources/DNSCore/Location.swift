// SPDX-License-Identifier: Apache-2.0

/// LOC RDATA (RFC 1876): its 16 octets from the text form and back.
///
/// Text: `d1 [m1 [s1]] {N|S} d2 [m2 [s2]] {E|W} alt[m] [siz[m] [hp[m] [vp[m]]]]`, size and
/// precisions defaulting to 1 m, 10,000 m and 10 m. Wire: version 0, then size, horizontal and
/// vertical precision as a digit and a power of ten in centimetres, then latitude and longitude in
/// thousandths of an arc second offset by 2^31, and altitude in centimetres above 100,000 m below
/// the WGS 84 spheroid.
public enum Location {
    static let equator: UInt32 = 1 << 31
    static let altitudeBase: Int64 = 10_000_000

    /// The 16 octets of `fields` (the record's text fields), or a message saying what is wrong.
    public static func wire(_ fields: [String]) -> Result<[UInt8], LocationError> {
        var i = 0
        func next() -> String? { i < fields.count ? fields[i] : nil }
        func coordinate(_ positive: String, _ negative: String, max degrees: Int) -> Result<UInt32, LocationError> {
            guard let d = next().flatMap(Int.init), (0...degrees).contains(d) else { return .failure(.init("expected degrees")) }
            i += 1
            var minutes = 0
            var milli = 0
            if let m = next().flatMap(Int.init) {
                guard (0..<60).contains(m) else { return .failure(.init("minutes must be below 60")) }
                minutes = m
                i += 1
                if let text = next(), let s = Double(text) {
                    guard s >= 0, s < 60 else { return .failure(.init("seconds must be below 60")) }
                    milli = Int((s * 1000).rounded())
                    i += 1
                }
            }
            guard let hemisphere = next()?.uppercased(), hemisphere == positive || hemisphere == negative else {
                return .failure(.init("expected \(positive) or \(negative)"))
            }
            i += 1
            let offset = UInt32(((d * 60 + minutes) * 60) * 1000 + milli)
            return .success(hemisphere == positive ? equator + offset : equator - offset)
        }
        func meters(_ text: String) -> Double? {
            Double(text.hasSuffix("m") || text.hasSuffix("M") ? String(text.dropLast()) : text)
        }
        func precision(_ text: String?, default value: Double) -> Result<UInt8, LocationError> {
            guard let text else { return .success(encodePrecision(value)) }
            guard let m = meters(text), m >= 0, m <= 90_000_000 else { return .failure(.init("expected a size in metres, found \"\(text)\"")) }
            return .success(encodePrecision(m))
        }
        let latitude: UInt32
        let longitude: UInt32
        switch coordinate("N", "S", max: 90) {
        case .success(let v): latitude = v
        case .failure(let e): return .failure(e)
        }
        switch coordinate("E", "W", max: 180) {
        case .success(let v): longitude = v
        case .failure(let e): return .failure(e)
        }
        guard let altitudeText = next(), let altitude = meters(altitudeText), altitude >= -100_000, altitude <= 42_849_672.95 else {
            return .failure(.init("expected an altitude in metres"))
        }
        i += 1
        var sizes: [UInt8] = []
        for fallback in [1.0, 10_000, 10] {
            switch precision(next(), default: fallback) {
            case .success(let v): sizes.append(v)
            case .failure(let e): return .failure(e)
            }
            if next() != nil { i += 1 }
        }
        guard i >= fields.count else { return .failure(.init("unexpected \"\(fields[i])\" after the LOC data")) }
        let alt = UInt32(altitudeBase + Int64((altitude * 100).rounded()))
        var out: [UInt8] = [0] + sizes
        for v in [latitude, longitude, alt] { out += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        return .success(out)
    }

    /// The text form of 16 octets, as dig prints LOC, or nil when they are not LOC version 0.
    public static func text(_ bytes: ArraySlice<UInt8>) -> String? {
        let b = Array(bytes)
        guard b.count == 16, b[0] == 0, let size = decodePrecision(b[1]), let hp = decodePrecision(b[2]),
            let vp = decodePrecision(b[3])
        else { return nil }
        func u32(_ at: Int) -> UInt32 { UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3]) }
        func coordinate(_ v: UInt32, _ positive: String, _ negative: String) -> String {
            let offset = v >= equator ? v - equator : equator - v
            let milli = Int(offset % 1000)
            let seconds = Int(offset / 1000)
            let three = milli < 10 ? "00\(milli)" : milli < 100 ? "0\(milli)" : "\(milli)"
            return "\(seconds / 3600) \(seconds / 60 % 60) \(seconds % 60).\(three) \(v >= equator ? positive : negative)"
        }
        let cm = Int64(u32(12)) - altitudeBase
        let altitude = "\(cm < 0 ? "-" : "")\(abs(cm) / 100).\(abs(cm) % 100 < 10 ? "0" : "")\(abs(cm) % 100)m"
        return "\(coordinate(u32(4), "N", "S")) \(coordinate(u32(8), "E", "W")) \(altitude) \(metres(size)) \(metres(hp)) \(metres(vp))"
    }

    /// Centimetres as a digit and a power of ten (RFC 1876 §2), rounded down to what fits.
    static func encodePrecision(_ metres: Double) -> UInt8 {
        var cm = UInt64((metres * 100).rounded())
        var exponent: UInt8 = 0
        while cm >= 10 && exponent < 9 {
            cm /= 10
            exponent += 1
        }
        return UInt8(min(cm, 9)) << 4 | exponent
    }

    static func decodePrecision(_ octet: UInt8) -> UInt64? {
        let (digit, exponent) = (UInt64(octet >> 4), UInt64(octet & 0x0F))
        guard digit <= 9, exponent <= 9 else { return nil }
        var cm = digit
        for _ in 0..<exponent { cm *= 10 }
        return cm
    }

    static func metres(_ cm: UInt64) -> String {
        cm % 100 == 0 ? "\(cm / 100)m" : "\(cm / 100).\(cm % 100 < 10 ? "0" : "")\(cm % 100)m"
    }
}

public struct LocationError: Error, Equatable {
    public var message: String
    init(_ message: String) { self.message = message }
}
