// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE
#include "vpcdns_socket.h"

#include <errno.h>
#include <linux/filter.h>
#include <liburing.h>
#include <malloc.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

struct vpcdns_batch {
    vpcdns_datagram *slots;
    unsigned count;
    /// Headers a receive filled in (their address lengths need resetting before the next one).
    unsigned used;
    struct mmsghdr headers[VPCDNS_MAX_BATCH];
    struct iovec vectors[VPCDNS_MAX_BATCH];
    /// Set by vpcdns_batch_send_through_uring: sends go through `ring`.
    int uring;
    struct io_uring ring;
};

vpcdns_batch *vpcdns_batch_create(vpcdns_datagram *slots, unsigned count) {
    if (count > VPCDNS_MAX_BATCH) count = VPCDNS_MAX_BATCH;
    vpcdns_batch *batch = calloc(1, sizeof(*batch));
    if (batch == NULL) return NULL;
    batch->slots = slots;
    batch->count = count;
    // Each header points at its slot once: buffer and address space (to receive into, whole), or
    // datagram and destination (to send, lengths set per send).
    for (unsigned i = 0; i < count; i++) {
        batch->vectors[i].iov_base = slots[i].data;
        batch->vectors[i].iov_len = slots[i].capacity;
        batch->headers[i].msg_hdr.msg_iov = &batch->vectors[i];
        batch->headers[i].msg_hdr.msg_iovlen = 1;
        batch->headers[i].msg_hdr.msg_name = &slots[i].address;
        batch->headers[i].msg_hdr.msg_namelen = sizeof(slots[i].address);
    }
    return batch;
}

void vpcdns_batch_destroy(vpcdns_batch *batch) {
    if (batch->uring) io_uring_queue_exit(&batch->ring);
    free(batch);
}

/// A ring with room for a whole batch. IORING_SETUP_SUBMIT_ALL (Linux 5.18) keeps submitting past
/// a request that fails to start, as sendmmsg's caller goes past a bad destination; older kernels
/// refuse the flag, and get a ring without it.
static int uring_create(struct io_uring *ring) {
    int result = io_uring_queue_init(VPCDNS_MAX_BATCH, ring, IORING_SETUP_SUBMIT_ALL);
    if (result == -EINVAL) result = io_uring_queue_init(VPCDNS_MAX_BATCH, ring, 0);
    if (result < 0) {
        errno = -result;
        return -1;
    }
    return 0;
}

int vpcdns_uring_available(void) {
    struct io_uring ring;
    if (uring_create(&ring) != 0) return -1;
    io_uring_queue_exit(&ring);
    return 0;
}

int vpcdns_batch_send_through_uring(vpcdns_batch *batch) {
    if (batch->uring == 1) return 0;
    if (batch->uring == -1) {  // taken out of use after a failed submission
        errno = EIO;
        return -1;
    }
    if (uring_create(&batch->ring) != 0) return -1;
    batch->uring = 1;
    return 0;
}

/// The smallest batch sent through the ring. A lone datagram has no "between" for the ring to
/// save, and sendmmsg costs less to enter: at low rates, where batches hold one, the ring cost
/// about a microsecond of median latency (docs/design-notes.md).
#define VPCDNS_URING_MIN 2

/// Whether a send's error loses only that datagram (the caller goes on), not the socket's room.
static int lost_to_full_buffer(int error) { return error == EAGAIN || error == EWOULDBLOCK; }

/// sendmmsg from slot `from` up to `count`: how many went (see vpcdns_batch_send).
static unsigned mmsg_send(int fd, vpcdns_batch *batch, unsigned from, unsigned count) {
    unsigned sent = from;
    while (sent < count) {
        int n = sendmmsg(fd, batch->headers + sent, count - sent, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (lost_to_full_buffer(errno)) break;
            // One bad destination must not stop the rest: drop that datagram and go on.
            sent++;
            continue;
        }
        sent += (unsigned)n;
    }
    return sent - from;
}

/// Submits sends of slots 0..<count, slot i on `fds[i]` (or `fd` when `fds` is NULL), in one
/// io_uring_enter, and reaps them. A UDP send completes while it is submitted (MSG_DONTWAIT: a full
/// buffer completes with EAGAIN rather than waiting), so its completion is in the ring when the
/// call returns: reaping them takes no further system call, nothing is left in flight, and the
/// slots may be reused. Each slot's result (bytes, or -errno) goes to `results[i]`; returns how
/// many were submitted (the rest are the caller's to send another way, and the ring is taken out
/// of use: requests it did not take would go out later, from slots reused by then).
///
/// Why not sendmmsg or a send each: on loopback each datagram sent wakes its receiver, and the
/// kernel offers the CPU after every datagram (cond_resched), so a woken receiver on the same core
/// takes it mid-batch, again and again. Submitted together, the batch is sent before the thread
/// can be switched out (once, on the way back from the system call).
static unsigned uring_submit_sends(vpcdns_batch *batch, int fd, const int *fds, int *results, unsigned count) {
    struct io_uring *ring = &batch->ring;
    for (unsigned i = 0; i < count; i++) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
        if (sqe == NULL) {  // cannot happen with a ring a batch long, emptied by every call
            count = i;
            break;
        }
        io_uring_prep_sendmsg(sqe, fds ? fds[i] : fd, &batch->headers[i].msg_hdr, MSG_DONTWAIT);
        io_uring_sqe_set_data64(sqe, i);
    }
    int submitted;
    do {
        submitted = io_uring_submit(ring);
    } while (submitted == -EINTR);
    if (submitted < 0) submitted = 0;
    if ((unsigned)submitted < count) batch->uring = -1;
    for (int reaped = 0; reaped < submitted; reaped++) {
        struct io_uring_cqe *cqe;
        int waited;
        do {
            waited = io_uring_wait_cqe(ring, &cqe);
        } while (waited == -EINTR);
        if (waited < 0) {
            batch->uring = -1;
            break;
        }
        unsigned slot = (unsigned)io_uring_cqe_get_data64(cqe);
        if (slot < count) results[slot] = cqe->res;
        io_uring_cqe_seen(ring, cqe);
    }
    return (unsigned)submitted;
}

/// The io_uring path of vpcdns_batch_send (headers already set up).
static int uring_send(int fd, vpcdns_batch *batch, unsigned count) {
    int results[VPCDNS_MAX_BATCH];
    for (unsigned i = 0; i < count; i++) results[i] = -EAGAIN;  // unreaped: not known to have gone
    unsigned submitted = uring_submit_sends(batch, fd, NULL, results, count);
    int gone = 0;
    for (unsigned i = 0; i < submitted; i++) {
        if (!lost_to_full_buffer(-results[i])) gone++;
    }
    if (submitted < count) gone += (int)mmsg_send(fd, batch, submitted, count);
    return gone;
}

int vpcdns_batch_receive(int fd, vpcdns_batch *batch) {
    // The kernel wrote the address length of each datagram last received; the rest are as set.
    for (unsigned i = 0; i < batch->used; i++) batch->headers[i].msg_hdr.msg_namelen = sizeof(batch->slots[i].address);
    batch->used = 0;
    int n;
    do {
        n = recvmmsg(fd, batch->headers, batch->count, MSG_DONTWAIT, NULL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    batch->used = (unsigned)n;
    for (int i = 0; i < n; i++) {
        vpcdns_datagram *slot = &batch->slots[i];
        // A datagram longer than the buffer is cut (MSG_TRUNC): report what we hold, and that it was cut.
        slot->length = batch->headers[i].msg_len > slot->capacity ? slot->capacity : batch->headers[i].msg_len;
        slot->truncated = (batch->headers[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
        slot->address_length = batch->headers[i].msg_hdr.msg_namelen;
    }
    return n;
}

int vpcdns_batch_send(int fd, vpcdns_batch *batch, unsigned count) {
    if (count > batch->count) count = batch->count;
    for (unsigned i = 0; i < count; i++) {
        batch->vectors[i].iov_len = batch->slots[i].length;
        batch->headers[i].msg_hdr.msg_namelen = batch->slots[i].address_length;
    }
    if (batch->uring == 1 && count >= VPCDNS_URING_MIN) return uring_send(fd, batch, count);
    return (int)mmsg_send(fd, batch, 0, count);
}

int vpcdns_batch_send_each(vpcdns_batch *batch, const int *fds, int *results, unsigned count) {
    if (count > batch->count) count = batch->count;
    for (unsigned i = 0; i < count; i++) {
        batch->vectors[i].iov_len = batch->slots[i].length;
        batch->headers[i].msg_hdr.msg_namelen = 0;  // connected: the socket's own peer
        results[i] = -EAGAIN;
    }
    unsigned from = 0;
    if (batch->uring == 1 && count >= VPCDNS_URING_MIN) from = uring_submit_sends(batch, -1, fds, results, count);
    for (unsigned i = from; i < count; i++) {
        ssize_t n;
        do {
            n = sendmsg(fds[i], &batch->headers[i].msg_hdr, MSG_DONTWAIT);
        } while (n < 0 && errno == EINTR);
        results[i] = n < 0 ? -errno : (int)n;
    }
    return 0;
}

int vpcdns_errno(void) { return errno; }

int vpcdns_receive_buffer(int fd, int bytes) {
    // SO_RCVBUFFORCE passes net.core.rmem_max when we may (root, CAP_NET_ADMIN); else ask politely.
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) == 0) return 0;
    return setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
}

int vpcdns_socket_options(int fd, int family, int reuse_port) {
    int one = 1;
    if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) return -1;
    if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) return -1;
    return 0;
}

int vpcdns_steer_by_cpu(int fd, unsigned sockets, const int *cpus, int count) {
    if (sockets == 0 || count < 0) { errno = EINVAL; return -1; }
    // The k-th of `cpus` goes to socket k mod `sockets`, so a cpuset like {3, 7} still spreads
    // over two workers. A CPU not listed (another process's sender on loopback, an interrupt
    // elsewhere) goes to socket cpu mod `sockets`.
    enum { most = (BPF_MAXINSNS - 3) / 2 };
    struct sock_filter code[3 + 2 * most];
    unsigned n = 0;
    code[n++] = (struct sock_filter){ BPF_LD | BPF_W | BPF_ABS, 0, 0, (unsigned)(SKF_AD_OFF + SKF_AD_CPU) };
    for (int k = 0; k < count && k < most; k++) {
        // if A == cpu: return k mod sockets (the next instruction); else skip it.
        code[n++] = (struct sock_filter){ BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (unsigned)cpus[k] };
        code[n++] = (struct sock_filter){ BPF_RET | BPF_K, 0, 0, (unsigned)k % sockets };
    }
    code[n++] = (struct sock_filter){ BPF_ALU | BPF_MOD | BPF_K, 0, 0, sockets };
    code[n++] = (struct sock_filter){ BPF_RET | BPF_A, 0, 0, 0 };
    struct sock_fprog program = { .len = (unsigned short)n, .filter = code };
    return setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &program, sizeof program);
}

int vpcdns_thread_cpus(int *cpus, int capacity) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return -1;
    int n = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && n < capacity; cpu++) {
        if (CPU_ISSET(cpu, &set)) cpus[n++] = cpu;
    }
    return n;
}

int vpcdns_pin_thread(const int *cpus, int count) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < count; i++) {
        if (cpus[i] < 0 || cpus[i] >= CPU_SETSIZE) { errno = EINVAL; return -1; }
        CPU_SET(cpus[i], &set);
    }
    // On Linux, pid 0 is the calling thread, not the whole process.
    return sched_setaffinity(0, sizeof set, &set);
}

int vpcdns_malloc_trim(void) { return malloc_trim(0); }

int vpcdns_background_thread(void) {
    // On Linux a thread is a task: with its TID these set that thread alone. SCHED_IDLE runs it
    // only on a core nothing else wants; nice 19 is the fallback where that policy is refused.
    pid_t tid = (pid_t)syscall(SYS_gettid);
    struct sched_param param = { .sched_priority = 0 };
    if (sched_setscheduler(tid, SCHED_IDLE, &param) == 0) return 0;
    return setpriority(PRIO_PROCESS, (id_t)tid, 19);
}

int vpcdns_thread_id(void) { return (int)syscall(SYS_gettid); }

int vpcdns_thread_sched(int tid, double *running, char *state) {
    // schedstat: nanoseconds on a CPU first. (Its second figure, time spent runnable, is only
    // brought up to date when the thread next gets a CPU: a starved thread's does not grow.)
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/schedstat", tid);
    FILE *file = fopen(path, "re");
    if (file == NULL) return -1;
    unsigned long long ran = 0;
    int fields = fscanf(file, "%llu", &ran);
    fclose(file);
    // stat: "tid (name) S ...": the state follows the last ')', as the name may hold one.
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    file = fopen(path, "re");
    if (file == NULL) return -1;
    char line[512];
    char *read = fgets(line, sizeof line, file);
    fclose(file);
    char *end = read ? strrchr(line, ')') : NULL;
    if (fields != 1 || end == NULL || end[1] != ' ' || end[2] == 0) {
        errno = EINVAL;
        return -1;
    }
    *running = (double)ran / 1e9;
    *state = end[2];
    return 0;
}

int vpcdns_foreground_thread(int tid) {
    // Leaving SCHED_IDLE, like lowering a nice value, takes CAP_SYS_NICE or an RLIMIT_NICE of 20.
    struct sched_param param = { .sched_priority = 0 };
    if (sched_setscheduler(tid, SCHED_OTHER, &param) != 0) return -1;
    return setpriority(PRIO_PROCESS, (id_t)tid, 0);
}

int vpcdns_allow_normal_priority(void) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NICE, &limit) != 0) return -1;
    if (limit.rlim_cur >= 20) return 0;
    if (limit.rlim_max < 20) limit.rlim_max = 20;
    limit.rlim_cur = 20;
    return setrlimit(RLIMIT_NICE, &limit);
}

int vpcdns_name_thread(const char *name) {
    char shortened[16];
    strncpy(shortened, name, sizeof shortened - 1);
    shortened[sizeof shortened - 1] = 0;
    return pthread_setname_np(pthread_self(), shortened);
}

int vpcdns_random(void *buffer, size_t length) {
    size_t filled = 0;
    while (filled < length) {
        ssize_t n = getrandom((unsigned char *)buffer + filled, length - filled, 0);
        if (n > 0) {
            filled += (size_t)n;
        } else if (n < 0 && errno != EINTR) {
            return -1;
        }
    }
    return 0;
}
