// SPDX-License-Identifier: Apache-2.0
// Compiler hints Swift cannot spell: a prefetch. Static inline, so Swift inlines it at the call.
#ifndef VPCDNS_HINTS_H
#define VPCDNS_HINTS_H

/// Starts loading the cache line at `address` for reading; never faults, whatever the address.
static inline __attribute__((always_inline)) void vpcdns_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
