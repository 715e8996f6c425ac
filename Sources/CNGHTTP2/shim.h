// SPDX-License-Identifier: Apache-2.0
// Debian's nghttp2 (libnghttp2-dev), for DNS over HTTPS over HTTP/2: seen only by EventIO.
#ifndef VPCDNS_CNGHTTP2_SHIM_H
#define VPCDNS_CNGHTTP2_SHIM_H
#include <sys/types.h>
#include <nghttp2/nghttp2.h>
#endif
