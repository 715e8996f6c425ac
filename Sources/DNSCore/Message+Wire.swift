// SPDX-License-Identifier: Apache-2.0

extension Message {
    /// Encodes the message with name compression.
    ///
    /// With `maxSize`, records that would pass it are left out: if an answer or authority record
    /// does not fit, TC is set, the part of its RRset already written is taken back (no partial
    /// RRsets, RFC 2181 §9, as NSD and Knot do) and nothing after it is written; additional records
    /// are simply dropped. The OPT record is always kept (RFC 6891 §7).
    /// - Returns: the bytes, never longer than `maxSize` unless the header, question and OPT alone are.
    public func encode(maxSize: Int = 65535) -> [UInt8] {
        // Most messages fit 512 octets; a bigger start would be a large allocation every time.
        var writer = WireWriter(capacity: min(maxSize, 512))
        var header = self.header
        header.questionCount = UInt16(truncatingIfNeeded: questions.count)
        writer.writeUInt16(header.id)
        writer.writeUInt16(header.flags)
        writer.writeUInt16(header.questionCount)
        writer.writeUInt16(0)
        writer.writeUInt16(0)
        writer.writeUInt16(0)
        for question in questions {
            writer.writeName(question.name)
            writer.writeUInt16(question.type.rawValue)
            writer.writeUInt16(question.qclass.rawValue)
        }
        let budget = maxSize - (edns?.wireSize ?? 0)
        var truncated = false
        var counts: [UInt16] = [0, 0, 0]
        let sections = [answers, authority, additional]
        outer: for (index, section) in sections.enumerated() {
            var rrsetStart = writer.mark()
            var rrsetWritten: UInt16 = 0
            for (position, record) in section.enumerated() {
                let mark = writer.mark()
                if position == 0 || section[position - 1].type != record.type || section[position - 1].name != record.name {
                    rrsetStart = mark
                    rrsetWritten = 0
                }
                writer.writeRecord(record)
                if writer.count > budget {
                    if index < 2 {
                        truncated = true
                        writer.rollback(to: rrsetStart)
                        counts[index] -= rrsetWritten
                    } else {
                        writer.rollback(to: mark)
                    }
                    break outer
                }
                counts[index] += 1
                rrsetWritten += 1
            }
        }
        if let edns {
            writer.writeUInt8(0)
            writer.writeUInt16(RRType.OPT.rawValue)
            writer.writeUInt16(edns.udpPayloadSize)
            writer.writeUInt32(edns.ttlField)
            writer.writeUInt16(UInt16(edns.wireSize - 11))
            for option in edns.options {
                writer.writeUInt16(option.code)
                writer.writeUInt16(UInt16(option.data.count))
                writer.writeBytes(option.data)
            }
            counts[2] += 1
        }
        if truncated { header.truncated = true }
        writer.setUInt16(header.flags, at: 2)
        writer.setUInt16(counts[0], at: 6)
        writer.setUInt16(counts[1], at: 8)
        writer.setUInt16(counts[2], at: 10)
        return writer.bytes
    }
}

extension WireWriter {
    /// Writes one record; RDLENGTH is filled in after the RDATA.
    /// - Returns: the offset of the record's TTL field.
    @discardableResult
    public mutating func writeRecord(_ record: ResourceRecord) -> Int {
        writeName(record.name)
        writeUInt16(record.type.rawValue)
        writeUInt16(record.rrClass.rawValue)
        let ttlOffset = count
        writeUInt32(record.ttl)
        let lengthOffset = count
        writeUInt16(0)
        writeRData(record.rdata)
        setUInt16(UInt16(truncatingIfNeeded: count - lengthOffset - 2), at: lengthOffset)
        return ttlOffset
    }

    /// Writes RDATA. Names are compressed only in the types of RFC 1035 (RFC 3597 §4).
    public mutating func writeRData(_ rdata: RData) {
        switch rdata {
        case .a(let address): writeBytes(address.array)
        case .aaaa(let address): writeBytes(address.array)
        case .ns(let name), .cname(let name), .ptr(let name): writeName(name)
        case .soa(let soa):
            writeName(soa.mname)
            writeName(soa.rname)
            writeUInt32(soa.serial)
            writeUInt32(soa.refresh)
            writeUInt32(soa.retry)
            writeUInt32(soa.expire)
            writeUInt32(soa.minimum)
        case .mx(let preference, let exchange):
            writeUInt16(preference)
            writeName(exchange)
        case .txt(let strings):
            for string in strings {
                writeUInt8(UInt8(truncatingIfNeeded: string.count))
                writeBytes(string.prefix(255))
            }
        case .srv(let priority, let weight, let port, let target):
            writeUInt16(priority)
            writeUInt16(weight)
            writeUInt16(port)
            writeName(target, compress: false)  // RFC 2782: no compression of the target
        case .caa(let flags, let tag, let value):
            writeUInt8(flags)
            writeUInt8(UInt8(truncatingIfNeeded: tag.count))
            writeBytes(tag)
            writeBytes(value)
        case .unknown(let bytes): writeBytes(bytes)
        }
    }
}
