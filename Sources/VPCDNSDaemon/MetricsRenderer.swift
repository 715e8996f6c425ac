// SPDX-License-Identifier: Apache-2.0
import DNSCore
import DNSEngine
import DNSForwarder
import Foundation

/// The Prometheus text exposition format (version 0.0.4) of every counter.
enum MetricsRenderer {
    static func render(
        workers: [WorkerMetrics], cache: ResponseCache, snapshot: Snapshot, reloadsOK: Int, reloadsFailed: Int,
        lastReload: Date, queryLogDropped: Int, aws: AWSSync.Stats? = nil
    ) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(String, Double)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, value) in samples {
                let number = value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
                out += "\(name)\(labels.isEmpty ? "" : "{\(labels)}") \(number)\n"
            }
        }
        func sum(_ pick: (WorkerMetrics) -> Int) -> Double { Double(workers.reduce(0) { $0 + pick($1) }) }

        family("vpcdnsd_queries_total", "counter", "Queries answered, by transport: Do53-UDP, Do53-TCP, DoT, DoH.",
            QueryContext.Transport.allCases.map { transport in
                ("transport=\"\(transport.label)\"", sum { $0.queries(over: transport) })
            })
        family("vpcdnsd_worker_queries_total", "counter", "Queries answered by each worker thread (see udp_steering).",
            workers.enumerated().map { i, worker in ("worker=\"\(i)\"", Double(worker.queries)) })
        family("vpcdnsd_responses_total", "counter", "Responses, by RCODE.",
            (0..<WorkerMetrics.rcodeCount).compactMap { code in
                let n = sum { $0.rcode(code) }
                return n > 0 || code <= 5 ? ("rcode=\"\(RCode(UInt16(code)))\"", n) : nil
            })
        family("vpcdnsd_rate_limited_total", "counter", "UDP queries response rate limiting did not answer: dropped, or slipped (an empty TC=1 reply).", [
            ("action=\"drop\"", sum { $0.rateLimitedDropped }),
            ("action=\"slip\"", sum { $0.rateLimitedSlipped }),
        ])
        let udp = workers.map { $0.udpServers.withLock { $0 } }
        family("vpcdnsd_udp_dropped_total", "counter",
            "UDP datagrams dropped unanswered: replies the socket's send buffer had no room for, queries longer than 4096 octets.", [
                ("reason=\"send_buffer_full\"", Double(udp.reduce(0) { $0 + $1.sendDrops })),
                ("reason=\"oversize\"", Double(udp.reduce(0) { $0 + $1.oversizeDrops })),
            ])
        family("vpcdnsd_udp_lone_reply_yields_total", "counter", "Times a worker gave up the CPU at the end of a loop turn in which it answered a lone datagram (udp_yield).",
            [("", Double(udp.reduce(0) { $0 + $1.yields }))])
        var typeSamples = WorkerMetrics.trackedTypes.enumerated().map { i, type in
            ("qtype=\"\(type)\"", sum { $0.type(i) })
        }
        typeSamples.append(("qtype=\"other\"", sum { $0.type(WorkerMetrics.trackedTypes.count) }))
        family("vpcdnsd_queries_by_type_total", "counter", "Queries, by QTYPE.", typeSamples)
        family("vpcdnsd_resolutions_total", "counter", "Responses, by how they were resolved.",
            WorkerMetrics.paths.enumerated().map { i, path in
                ("resolved_by=\"\(path.rawValue)\"", sum { $0.path(i) })
            })

        let forwarders = workers.map { $0.forwarder.withLock { $0 } }
        func fsum(_ pick: (ForwarderStats) -> Int) -> Double { Double(forwarders.reduce(0) { $0 + pick($1.stats) }) }
        family("vpcdnsd_cache_entries", "gauge", "Forwarded answers in the cache.", [("", Double(cache.count))])
        family("vpcdnsd_cache_bytes", "gauge", "Estimated bytes held by the cache.", [("", Double(cache.bytes))])
        family("vpcdnsd_cache_hits_total", "counter", "Forwarded queries answered from the cache.", [("", fsum(\.cacheHits))])
        family("vpcdnsd_cache_misses_total", "counter", "Forwarded queries not in the cache.", [("", fsum(\.cacheMisses))])
        family("vpcdnsd_cache_evictions_total", "counter", "Entries evicted to stay within the limits.",
            [("", Double(cache.evictions))])
        family("vpcdnsd_cache_stale_served_total", "counter", "Stale answers served (RFC 8767).", [("", fsum(\.staleServed))])
        family("vpcdnsd_upstream_queries_total", "counter", "Queries sent upstream (probes included), by transport.",
            QueryContext.Transport.allCases.map { transport in
                ("transport=\"\(transport.label)\"", fsum { $0.upstreamQueriesByTransport[transport.rawValue] })
            })
        let tls = workers.map { $0.tls.withLock { $0 } }
        family("vpcdnsd_upstream_tls_handshakes_total", "counter", "TLS handshakes with DoT and DoH upstreams, by whether a session was resumed.", [
            ("resumed=\"false\"", Double(tls.reduce(0) { $0 + $1.upstream.handshakes - $1.upstream.resumed })),
            ("resumed=\"true\"", Double(tls.reduce(0) { $0 + $1.upstream.resumed })),
        ])
        family("vpcdnsd_upstream_tls_failures_total", "counter",
            "DoT and DoH upstream connections that could not be made or authenticated (no plain DNS is sent instead).",
            [("", Double(tls.reduce(0) { $0 + $1.upstream.failures }))])
        family("vpcdnsd_tls_handshake_timeouts_total", "counter", "DoT and DoH clients cut off for not finishing the TLS handshake in tls.handshake_timeout.",
            [("", Double(tls.reduce(0) { $0 + $1.handshakesTimedOut }))])
        let rejected = workers.map { $0.rejectedConnections.withLock { $0 } }
        family("vpcdnsd_connections_rejected_total", "counter",
            "TCP, DoT and DoH connections closed as they were accepted because tcp.max_connections or tls.max_connections were open.", [
                ("transport=\"Do53-TCP\"", Double(rejected.reduce(0) { $0 + $1.tcp })),
                ("transport=\"DoT\"", Double(rejected.reduce(0) { $0 + $1.dot })),
                ("transport=\"DoH\"", Double(rejected.reduce(0) { $0 + $1.doh })),
            ])
        family("vpcdnsd_upstream_failures_total", "counter", "Upstream tries that timed out or failed.",
            [("", fsum(\.upstreamFailures))])
        family("vpcdnsd_upstream_ignored_replies_total", "counter", "Upstream replies with a wrong ID or question.",
            [("", fsum(\.ignoredReplies))])
        family("vpcdnsd_upstream_spoofing_retries_total", "counter",
            "UDP exchanges retried over TCP after many replies with a wrong ID or question.", [("", fsum(\.spoofingRetries))])
        family("vpcdnsd_upstream_tcp_retries_total", "counter", "UDP exchanges retried over TCP (truncated, or spoofing suspected).",
            [("", fsum(\.tcpRetries))])
        family("vpcdnsd_coalesced_queries_total", "counter", "Queries joined to an identical one in flight.",
            [("", fsum(\.coalesced))])
        family("vpcdnsd_upstream_in_flight", "gauge", "Upstream questions waiting for an answer.",
            [("", Double(forwarders.reduce(0) { $0 + $1.pending }))])

        out += "# HELP vpcdnsd_upstream_latency_seconds Time to an accepted upstream reply.\n"
        out += "# TYPE vpcdnsd_upstream_latency_seconds histogram\n"
        var cumulative = 0
        for (i, bound) in ForwarderStats.latencyBounds.enumerated() {
            cumulative += forwarders.reduce(0) { $0 + $1.stats.latencyBuckets[i] }
            out += "vpcdnsd_upstream_latency_seconds_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        cumulative += forwarders.reduce(0) { $0 + $1.stats.latencyBuckets[ForwarderStats.latencyBounds.count] }
        out += "vpcdnsd_upstream_latency_seconds_bucket{le=\"+Inf\"} \(cumulative)\n"
        out += "vpcdnsd_upstream_latency_seconds_sum \(forwarders.reduce(0.0) { $0 + $1.stats.latencySum })\n"
        out += "vpcdnsd_upstream_latency_seconds_count \(cumulative)\n"

        let down = forwarders.reduce(into: Set()) { $0.formUnion($1.down) }
        family("vpcdnsd_upstream_up", "gauge", "1 when no worker has the upstream marked down.",
            snapshot.upstreams.sorted { $0.description < $1.description }.map {
                ("upstream=\"\($0)\"", down.contains($0) ? 0 : 1)
            })
        family("vpcdnsd_reloads_total", "counter", "Reloads, by outcome.", [
            ("result=\"ok\"", Double(reloadsOK)), ("result=\"failed\"", Double(reloadsFailed)),
        ])
        family("vpcdnsd_last_reload_timestamp_seconds", "gauge", "When the last reload (or the start) ended.",
            [("", lastReload.timeIntervalSince1970.rounded())])
        family("vpcdnsd_zones", "gauge", "Private zones served.", [("", Double(snapshot.zoneCount))])
        family("vpcdnsd_records", "gauge", "Records in the private zones.", [("", Double(snapshot.recordCount))])
        family("vpcdnsd_endpoints", "gauge", "Interface endpoints declared.", [("", Double(snapshot.config.endpoints.count))])
        let checks = snapshot.health.checks.sorted { $0.key < $1.key }
        family("vpcdnsd_health_check_up", "gauge", "1 while the health check passes (invert applied).",
            checks.filter { snapshot.eniChecks[$0.key] == nil }.map { ("id=\"\(labelValue($0.key))\"", $0.value.isUp ? 1 : 0) })
        if !snapshot.eniChecks.isEmpty {
            family("vpcdnsd_endpoint_eni_up", "gauge", "1 while the ENI address answers endpoint_health's probe.",
                checks.compactMap { id, state in
                    snapshot.eniChecks[id].map { eni in
                        ("endpoint=\"\(labelValue(eni.endpoint))\",az=\"\(labelValue(eni.availabilityZone))\",address=\"\(labelValue(eni.address))\"",
                            state.isUp ? 1 : 0)
                    }
                })
        }
        family("vpcdnsd_query_log_dropped_total", "counter", "Query log lines dropped because the writer fell behind.",
            [("", Double(queryLogDropped))])
        if let aws {
            family("vpcdnsd_aws_sync_total", "counter",
                "AWS syncs, by result: changed, unchanged, rejected (did not load), or the failure's class.",
                aws.results.sorted { $0.key < $1.key }.map { ("result=\"\($0.key)\"", Double($0.value)) })
            family("vpcdnsd_aws_sync_last_success_timestamp_seconds", "gauge", "When a sync last read the whole inventory (0: never).",
                [("", aws.lastSuccess?.timeIntervalSince1970.rounded() ?? 0)])
            family("vpcdnsd_aws_endpoints", "gauge", "Interface endpoints served from the last sync a snapshot took.",
                [("", Double(aws.endpoints))])
            family("vpcdnsd_aws_hosted_zones", "gauge", "Private hosted zones served from that sync.", [("", Double(aws.zones))])
            family("vpcdnsd_aws_record_sets", "gauge", "Record sets of those zones.", [("", Double(aws.recordSets))])
        }
        return out
    }

    /// A Prometheus label value: backslash, double quote and newline escaped.
    static func labelValue(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
