// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE
#include "vpcdns_socket.h"

#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

// Points each header at its slot: the whole buffer and address space to receive into, or the
// datagram and its destination to send.
static void prepare(struct mmsghdr *headers, struct iovec *vectors, vpcdns_datagram *slots, unsigned count,
                    int receiving) {
    memset(headers, 0, sizeof(headers[0]) * count);
    for (unsigned i = 0; i < count; i++) {
        vectors[i].iov_base = slots[i].data;
        vectors[i].iov_len = receiving ? slots[i].capacity : slots[i].length;
        headers[i].msg_hdr.msg_iov = &vectors[i];
        headers[i].msg_hdr.msg_iovlen = 1;
        headers[i].msg_hdr.msg_name = &slots[i].address;
        headers[i].msg_hdr.msg_namelen = receiving ? sizeof(slots[i].address) : slots[i].address_length;
    }
}

int vpcdns_recv_batch(int fd, vpcdns_datagram *slots, unsigned count) {
    struct mmsghdr headers[VPCDNS_MAX_BATCH];
    struct iovec vectors[VPCDNS_MAX_BATCH];
    if (count > VPCDNS_MAX_BATCH) count = VPCDNS_MAX_BATCH;
    prepare(headers, vectors, slots, count, 1);
    int n;
    do {
        n = recvmmsg(fd, headers, count, MSG_DONTWAIT, NULL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    for (int i = 0; i < n; i++) {
        // A datagram longer than the buffer is cut (MSG_TRUNC): report what we hold, and that it was cut.
        slots[i].length = headers[i].msg_len > slots[i].capacity ? slots[i].capacity : headers[i].msg_len;
        slots[i].truncated = (headers[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
        slots[i].address_length = headers[i].msg_hdr.msg_namelen;
    }
    return n;
}

int vpcdns_send_batch(int fd, vpcdns_datagram *slots, unsigned count) {
    struct mmsghdr headers[VPCDNS_MAX_BATCH];
    struct iovec vectors[VPCDNS_MAX_BATCH];
    if (count > VPCDNS_MAX_BATCH) count = VPCDNS_MAX_BATCH;
    prepare(headers, vectors, slots, count, 0);
    unsigned sent = 0;
    while (sent < count) {
        int n = sendmmsg(fd, headers + sent, count - sent, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            // One bad destination must not stop the rest: drop that datagram and go on.
            sent++;
            continue;
        }
        sent += (unsigned)n;
    }
    return (int)sent;
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


int vpcdns_malloc_trim(void) { return malloc_trim(0); }

int vpcdns_background_thread(void) {
    // On Linux a thread is a task: with its TID these set that thread alone. SCHED_IDLE runs it
    // only on a core nothing else wants; nice 19 is the fallback where that policy is refused.
    pid_t tid = (pid_t)syscall(SYS_gettid);
    struct sched_param param = { .sched_priority = 0 };
    if (sched_setscheduler(tid, SCHED_IDLE, &param) == 0) return 0;
    return setpriority(PRIO_PROCESS, (id_t)tid, 19);
}
