// SPDX-License-Identifier: Apache-2.0
// Debian's OpenSSL 3, seen only by EventIO. OpenSSL spells several calls as macros over
// SSL_ctrl, which Swift cannot import: they are wrapped here.
#ifndef VPCDNS_COPENSSL_SHIM_H
#define VPCDNS_COPENSSL_SHIM_H
#include <sys/types.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

static inline int vpcdns_ssl_set_sni(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}
static inline int vpcdns_ctx_set_min_tls12(SSL_CTX *ctx) {
    return (int)SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}
/// Client sessions are handed to the new-session callback and kept by their connection's owner.
static inline void vpcdns_ctx_client_sessions(SSL_CTX *ctx) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
}
static inline int vpcdns_ssl_set_app_data(SSL *ssl, void *data) { return SSL_set_ex_data(ssl, 0, data); }
static inline void *vpcdns_ssl_get_app_data(const SSL *ssl) { return SSL_get_ex_data(ssl, 0); }
#endif
