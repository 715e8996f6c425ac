// SPDX-License-Identifier: Apache-2.0
// Batched datagram I/O (recvmmsg/sendmmsg) behind plain structs, so Swift never needs _GNU_SOURCE
// (which the Glibc module is not built with) to see struct mmsghdr.
#ifndef VPCDNS_SOCKET_H
#define VPCDNS_SOCKET_H
#include <stddef.h>
#include <sys/socket.h>

/// One datagram slot: the caller owns `data`.
typedef struct vpcdns_datagram {
    unsigned char *data;
    size_t capacity;
    size_t length;
    /// Set by vpcdns_recv_batch when the datagram was longer than `capacity` and was cut (MSG_TRUNC).
    int truncated;
    struct sockaddr_storage address;
    socklen_t address_length;
} vpcdns_datagram;

/// Most slots one call handles.
#define VPCDNS_MAX_BATCH 64

/// Receives up to `count` datagrams without blocking. Returns how many (>= 1), 0 when none is
/// waiting, or -1 with errno set.
int vpcdns_recv_batch(int fd, vpcdns_datagram *slots, unsigned count);

/// Sends `count` datagrams. Returns how many were sent (the rest would block or failed), or -1 with
/// errno set when none was.
int vpcdns_send_batch(int fd, vpcdns_datagram *slots, unsigned count);

/// The errno of the calling thread (Swift's `errno` is fine too; this keeps C callers symmetric).
int vpcdns_errno(void);

/// Enables SO_REUSEPORT and, for AF_INET6, IPV6_V6ONLY. Returns 0 or -1 with errno set.
int vpcdns_socket_options(int fd, int family, int reuse_port);



/// Sets the receive buffer to `bytes` (past net.core.rmem_max when privileged). 0 or -1.
int vpcdns_receive_buffer(int fd, int bytes);

/// Returns freed heap memory to the system (glibc malloc_trim(0)); 1 if memory was released.
int vpcdns_malloc_trim(void);

/// Makes the calling thread yield the CPU to the rest (nice 19): for reload building and freeing,
/// which must not take time from the workers. 0 or -1 with errno set.
int vpcdns_background_thread(void);
#endif
