// SPDX-License-Identifier: Apache-2.0
// What the tests need from glibc that Swift's Glibc module hides behind _GNU_SOURCE.
#ifndef VPCDNS_TEST_SUPPORT_H
#define VPCDNS_TEST_SUPPORT_H

/// Writes the CPUs the calling thread may run on, in order, into `cpus` (at most `capacity`);
/// returns how many, or -1 with errno set.
int vpcdns_test_thread_cpus(int *cpus, int capacity);

/// Lets the calling thread run on `cpus[0..<count]` only. 0 or -1 with errno set.
int vpcdns_test_pin_thread(const int *cpus, int count);
#endif
