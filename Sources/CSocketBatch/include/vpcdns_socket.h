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
    /// Set by vpcdns_batch_receive when the datagram was longer than `capacity` and was cut (MSG_TRUNC).
    int truncated;
    struct sockaddr_storage address;
    socklen_t address_length;
} vpcdns_datagram;

/// Most slots one call handles.
#define VPCDNS_MAX_BATCH 64

/// Datagram slots with their message headers set up once, to receive into or to send from.
typedef struct vpcdns_batch vpcdns_batch;

/// A batch over `slots[0..<count]` (at most VPCDNS_MAX_BATCH), or NULL without memory. The slots'
/// buffers and addresses must stay where they are for the batch's life.
vpcdns_batch *vpcdns_batch_create(vpcdns_datagram *slots, unsigned count);

void vpcdns_batch_destroy(vpcdns_batch *batch);

/// Reads up to the batch's count of datagrams without blocking: how many (0 when none is waiting),
/// or -1 with errno set. Fills each slot's length, truncated flag and address.
int vpcdns_batch_receive(int fd, vpcdns_batch *batch);

/// Sends slots 0..<count (each its length, to its address) without blocking: how many went (a
/// datagram the kernel refused for its destination counts as gone; one that found the socket
/// buffer full does not).
int vpcdns_batch_send(int fd, vpcdns_batch *batch, unsigned count);

/// Sends slot i (its length) on the connected socket `fds[i]`, for i in 0..<count, without
/// blocking, and writes each one's result to `results[i]`: the bytes sent, or -errno. Through the
/// batch's ring when it has one (one io_uring_enter for them all), else a sendmsg each. Returns 0.
int vpcdns_batch_send_each(vpcdns_batch *batch, const int *fds, int *results, unsigned count);

/// From now on, vpcdns_batch_send and vpcdns_batch_send_each submit the batch's datagrams to an io_uring ring of the batch's
/// own, in one io_uring_enter, instead of calling sendmmsg. 0, or -1 with errno set (ENOSYS: no
/// io_uring in this kernel; EPERM: turned off by kernel.io_uring_disabled or a seccomp filter;
/// ENOMEM); on failure the batch keeps sending with sendmmsg. Call it on the thread that sends.
int vpcdns_batch_send_through_uring(vpcdns_batch *batch);

/// Whether this process may create an io_uring ring: 0, or -1 with errno set as above.
int vpcdns_uring_available(void);

int vpcdns_errno(void);

/// Enables SO_REUSEPORT and, for AF_INET6, IPV6_V6ONLY. Returns 0 or -1 with errno set.
int vpcdns_socket_options(int fd, int family, int reuse_port);


/// Makes the SO_REUSEPORT group of `fd` (sockets numbered in the order they were bound) hand each
/// datagram to socket k mod `sockets`, where k is the rank in `cpus` (`count` of them) of the CPU
/// that received it: the receiving CPU's worker, with no hop to another core. Replaces the kernel's
/// 4-tuple hash for the whole group. 0 or -1 with errno set.
int vpcdns_steer_by_cpu(int fd, unsigned sockets, const int *cpus, int count);

/// Writes the CPUs the calling thread may run on, ascending, to `cpus` (at most `capacity`).
/// Their count, or -1 with errno set.
int vpcdns_thread_cpus(int *cpus, int capacity);

/// Lets the calling thread run only on the `count` CPUs in `cpus`. 0 or -1 with errno set.
int vpcdns_pin_thread(const int *cpus, int count);

/// Sets the receive buffer to `bytes` (past net.core.rmem_max when privileged). 0 or -1.
int vpcdns_receive_buffer(int fd, int bytes);

/// Returns freed heap memory to the system (glibc malloc_trim(0)); 1 if memory was released.
int vpcdns_malloc_trim(void);

/// Makes the calling thread yield the CPU to the rest (SCHED_IDLE, else nice 19): for reload
/// building and freeing, which must not take time from the workers. 0 or -1 with errno set.
int vpcdns_background_thread(void);

/// The calling thread's kernel id (what `top -H` shows).
int vpcdns_thread_id(void);

/// Seconds thread `tid` of this process has run, and its state now ('R' runnable, 'S' asleep, ...),
/// from /proc/self/task/TID. 0, or -1 with errno set.
int vpcdns_thread_sched(int tid, double *running, char *state);

/// Puts thread `tid` of this process back to SCHED_OTHER at nice 0 (see vpcdns_background_thread).
/// 0 or -1 with errno set (EPERM without CAP_SYS_NICE and with an RLIMIT_NICE under 20).
int vpcdns_foreground_thread(int tid);

/// Raises RLIMIT_NICE to 20 so that, once privileges are dropped, a background thread may still be
/// put back to normal priority. 0 or -1 with errno set.
int vpcdns_allow_normal_priority(void);

/// Names the calling thread for ps, top and /proc (the kernel keeps 15 bytes; longer is cut).
/// 0, or an error number.
int vpcdns_name_thread(const char *name);

/// Fills `buffer` with `length` octets from getrandom(2), retrying after a signal. 0, or -1 with
/// errno set (ENOSYS before Linux 3.17).
int vpcdns_random(void *buffer, size_t length);
#endif
