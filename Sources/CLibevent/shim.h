// SPDX-License-Identifier: Apache-2.0
// libevent's event-config.h defines _GNU_SOURCE; <sys/types.h> must come first or any Swift file
// importing both Glibc and EventIO fails to build (`fds_bits` not present in `fd_set`,
// apple/swift-system#229).
#ifndef VPCDNS_CLIBEVENT_SHIM_H
#define VPCDNS_CLIBEVENT_SHIM_H
#include <sys/types.h>
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <event2/http.h>
#include <event2/bufferevent_ssl.h>
#endif
