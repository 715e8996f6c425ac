// SPDX-License-Identifier: Apache-2.0
import CSocketBatch

/// `count` datagram slots, each with a buffer of `bufferSize` bytes, and the C batch over them
/// (`vpcdns_batch`: message headers set up once), to receive into or to send from. Pages of the
/// buffers the kernel never writes stay untouched: large buffers cost address space, not memory.
struct DatagramSlots: ~Copyable {
    let slots: UnsafeMutablePointer<vpcdns_datagram>
    let batch: OpaquePointer
    let count: Int
    private let buffers: UnsafeMutableRawPointer

    init(count: Int, bufferSize: Int) {
        self.count = min(count, Int(VPCDNS_MAX_BATCH))
        slots = .allocate(capacity: self.count)
        buffers = .allocate(byteCount: self.count * bufferSize, alignment: 16)
        for i in 0..<self.count {
            (slots + i).initialize(to: vpcdns_datagram())
            slots[i].data = (buffers + i * bufferSize).assumingMemoryBound(to: UInt8.self)
            slots[i].capacity = bufferSize
        }
        guard let batch = vpcdns_batch_create(slots, UInt32(self.count)) else { fatalError("out of memory for a datagram batch") }
        self.batch = batch
    }

    deinit {
        vpcdns_batch_destroy(batch)
        slots.deallocate()
        buffers.deallocate()
    }
}
