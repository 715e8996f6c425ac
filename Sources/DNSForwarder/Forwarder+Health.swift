// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine

/// An upstream marked down and the probe that will bring it back.
struct DownState {
    var since: Double
    var nextDelay: Double
    var probe: Cancellable?
}

extension Forwarder {
    /// Marks an upstream down (it failed a query) and starts probing it.
    func markDown(_ upstream: Upstream) {
        guard health[upstream] == nil else { return }
        health[upstream] = DownState(since: io.now, nextDelay: settings.probeInterval, probe: nil)
        scheduleProbe(upstream)
    }

    /// Takes an upstream back (it answered): `ordered` fails back to it at once.
    func markUp(_ upstream: Upstream) {
        guard let state = health.removeValue(forKey: upstream) else { return }
        state.probe?.cancel()
    }

    /// Stops probing upstreams the configuration no longer names (after a reload).
    public func retainHealth(for upstreams: Set<Upstream>) {
        for upstream in health.keys where !upstreams.contains(upstream) {
            health.removeValue(forKey: upstream)?.probe?.cancel()
        }
    }

    private func scheduleProbe(_ upstream: Upstream) {
        guard let delay = health[upstream]?.nextDelay else { return }
        health[upstream]?.probe = io.schedule(after: delay) { [unowned(unsafe) self] in self.probe(upstream) }
    }

    /// Asks the root NS of a down upstream; any well-formed response to our ID brings it back.
    private func probe(_ upstream: Upstream) {
        guard health[upstream] != nil else { return }
        let id = io.randomID()
        let question = Question(name: .root, type: .NS)
        stats.upstreamQueriesByTransport[upstream.queryTransport(overTCP: false).rawValue] += 1
        let exchange = io.exchange(
            upstreamQuery(id: id, question: question, dnssecOK: false), with: upstream, overTCP: false,
            timeout: settings.timeout,
            onMessage: { [unowned(unsafe) self] bytes in
                guard let message = try? Message(wire: bytes), message.header.isResponse,
                    message.header.id == id
                else { return false }
                self.markUp(upstream)
                return true
            },
            onFailure: { [unowned(unsafe) self] _ in
                guard let state = self.health[upstream] else { return }
                self.health[upstream]?.nextDelay = min(state.nextDelay * 2, self.settings.maxProbeInterval)
                self.scheduleProbe(upstream)
            })
        health[upstream]?.probe = exchange
    }
}
