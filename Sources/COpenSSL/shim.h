// The OpenSSL shim: only what Swift cannot call directly. OpenSSL defines these as
// function-like macros, or builds them from one (SSL_OP_BIT), so Swift's importer does
// not see them. Plain integer constants (TLS1_2_VERSION, SSL_VERIFY_PEER,
// SSL_MODE_RELEASE_BUFFERS, SSL_SESS_CACHE_OFF, SSL_TLSEXT_ERR_OK ...) and real
// functions (SSL_CTX_set_options, SSL_set1_host) are used from Swift as they are. The
// one exception, SHA256_*, is wrapped for its deprecation only (see below).
// Every wrapper is `static inline`, prefixed `vh_`, with an explicit return type.
#ifndef VIDEOHOOKD_COPENSSL_SHIM_H
#define VIDEOHOOKD_COPENSSL_SHIM_H

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

static inline long vh_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}
static inline long vh_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_max_proto_version(ctx, version);
}
static inline long vh_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}
static inline void vh_SSL_CTX_set_read_ahead(SSL_CTX *ctx, int yes) {
    SSL_CTX_set_read_ahead(ctx, yes);
}
static inline long vh_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}
static inline long vh_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}
static inline long vh_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) {
    return SSL_CTX_set1_groups_list(ctx, list);
}
// EVP_EC_gen is a macro over the variadic EVP_PKEY_Q_keygen, which Swift cannot call.
static inline EVP_PKEY *vh_EVP_EC_gen(const char *curve) {
    return EVP_EC_gen(curve);
}
static inline long vh_BIO_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}
static inline long vh_BIO_set_mem_eof_return(BIO *bio, int value) {
    return BIO_set_mem_eof_return(bio, value);
}

// SSL_OP_* are SSL_OP_BIT(n), a function-like macro with a cast to uint64_t: Swift does
// not import a constant built from a function-like macro.
static inline uint64_t vh_SSL_OP_NO_COMPRESSION(void) { return SSL_OP_NO_COMPRESSION; }
static inline uint64_t vh_SSL_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }
static inline uint64_t vh_SSL_OP_CIPHER_SERVER_PREFERENCE(void) { return SSL_OP_CIPHER_SERVER_PREFERENCE; }
static inline uint64_t vh_SSL_OP_IGNORE_UNEXPECTED_EOF(void) { return SSL_OP_IGNORE_UNEXPECTED_EOF; }

// SHA-256's own functions, deprecated in OpenSSL 3 in favour of EVP, whose context is
// opaque. SHA256_CTX is the one state that can be read and set again (its fields are
// read and written from Swift): a resumed upload continues the whole file's digest from
// the state recorded with its last part (Hashing's SHA256Midstate). They run the same
// block function as EVP (SHA-NI, AVX2). Called through here because Swift would warn of
// the deprecation at every call, in every build; this module is a system module, whose
// own warnings are not shown.
static inline int vh_SHA256_Init(SHA256_CTX *context) {
    return SHA256_Init(context);
}
static inline int vh_SHA256_Update(SHA256_CTX *context, const void *data, size_t length) {
    return SHA256_Update(context, data, length);
}
static inline int vh_SHA256_Final(unsigned char *digest, SHA256_CTX *context) {
    return SHA256_Final(digest, context);
}

#endif
