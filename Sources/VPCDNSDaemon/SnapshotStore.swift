// SPDX-License-Identifier: Apache-2.0
import Atomics
import Synchronization

/// Publishes the current `Snapshot` to the workers. A worker keeps its own reference and only
/// takes the lock when the generation number (one atomic load, no shared write) has moved: the
/// query path shares no lock and no reference count between workers.
public final class SnapshotStore: Sendable {
    private let generationCounter = ManagedAtomic<Int>(0)
    private let current: Mutex<Snapshot>

    public init(_ snapshot: Snapshot) {
        current = Mutex(snapshot)
    }

    /// Bumped on every publish.
    public var generation: Int { generationCounter.load(ordering: .acquiring) }

    /// The snapshot now in force.
    public func load() -> Snapshot { current.withLock { $0 } }

    /// Swaps in a new snapshot; workers pick it up before their next query.
    public func publish(_ snapshot: Snapshot) {
        current.withLock { $0 = snapshot }
        generationCounter.wrappingIncrement(ordering: .releasing)
    }
}
