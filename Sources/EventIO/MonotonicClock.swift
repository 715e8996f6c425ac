// SPDX-License-Identifier: Apache-2.0
import Glibc

/// CLOCK_MONOTONIC in seconds: for deadlines and durations, never for wall-clock time.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
