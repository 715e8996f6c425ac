// SPDX-License-Identifier: Apache-2.0
// Debian's OpenSSL 3, seen only by EventIO.
#ifndef VPCDNS_COPENSSL_SHIM_H
#define VPCDNS_COPENSSL_SHIM_H
#include <sys/types.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#endif
