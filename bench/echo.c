// SPDX-License-Identifier: Apache-2.0
// The bench's floor: a UDP responder that does no DNS work. Two threads, each with its own
// SO_REUSEPORT socket, read datagrams in batches (recvmmsg), set the QR bit and send them back
// (sendmmsg), as the reference responder does and as vpcdnsd's workers do with
// udp_send: sendmmsg. What it costs per query is what the kernel costs per query with these calls;
// a server's CPU ratio to it is what its own work adds (vpcdnsd's io_uring sends, the default,
// cost the kernel less). Usage: echo ADDRESS PORT (IPv4).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { BATCH = 32, DATAGRAM = 4096, WORKERS = 2 };

static struct sockaddr_in address;

static int open_socket(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        perror("echo: socket");
        exit(1);
    }
    return fd;
}

static void *serve(void *arg) {
    int fd = *(int *)arg;
    int poller = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN};
    if (poller < 0 || epoll_ctl(poller, EPOLL_CTL_ADD, fd, &event) != 0) {
        perror("echo: epoll");
        exit(1);
    }
    static __thread unsigned char buffers[BATCH][DATAGRAM];
    static __thread struct sockaddr_in peers[BATCH];
    struct mmsghdr headers[BATCH];
    struct iovec vectors[BATCH];
    for (;;) {
        if (epoll_wait(poller, &event, 1, -1) < 1) continue;
        // Up to 8 batches per wake-up, as vpcdnsd reads them.
        for (int round = 0; round < 8; round++) {
            memset(headers, 0, sizeof headers);
            for (int i = 0; i < BATCH; i++) {
                vectors[i] = (struct iovec){.iov_base = buffers[i], .iov_len = DATAGRAM};
                headers[i].msg_hdr.msg_iov = &vectors[i];
                headers[i].msg_hdr.msg_iovlen = 1;
                headers[i].msg_hdr.msg_name = &peers[i];
                headers[i].msg_hdr.msg_namelen = sizeof peers[i];
            }
            int n = recvmmsg(fd, headers, BATCH, MSG_DONTWAIT, NULL);
            if (n <= 0) break;
            for (int i = 0; i < n; i++) {
                if (headers[i].msg_len >= 12) buffers[i][2] |= 0x80;  // QR: a response, same ID
                vectors[i].iov_len = headers[i].msg_len;
            }
            sendmmsg(fd, headers, (unsigned)n, MSG_DONTWAIT);
            if (n < BATCH) break;
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: echo ADDRESS PORT\n");
        return 2;
    }
    address.sin_family = AF_INET;
    address.sin_port = htons((unsigned short)atoi(argv[2]));
    if (inet_pton(AF_INET, argv[1], &address.sin_addr) != 1) {
        fprintf(stderr, "echo: not an IPv4 address: %s\n", argv[1]);
        return 2;
    }
    pthread_t threads[WORKERS];
    int sockets[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        sockets[i] = open_socket();
        pthread_create(&threads[i], NULL, serve, &sockets[i]);
    }
    pthread_join(threads[0], NULL);
    return 0;
}
