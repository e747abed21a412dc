// SHA-256 from the system's OpenSSL libcrypto (pkg-config libcrypto; Debian/Ubuntu libssl-dev), through the
// EVP interface OpenSSL 3 recommends. static inline wrappers keep the Swift side free of EVP's macros.
#ifndef WEIGHTBRIDGE_CLIBCRYPTO_SHIM_H
#define WEIGHTBRIDGE_CLIBCRYPTO_SHIM_H

#include <stddef.h>
#include <openssl/evp.h>

/// A context hashing SHA-256, or NULL when it cannot be made.
static inline EVP_MD_CTX *wb_sha256_new(void) {
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    if (context != NULL && EVP_DigestInit_ex(context, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(context);
        return NULL;
    }
    return context;
}

/// Hashes `count` more bytes; 1 on success.
static inline int wb_sha256_update(EVP_MD_CTX *context, const void *bytes, size_t count) {
    return EVP_DigestUpdate(context, bytes, count);
}

/// Writes the 32-byte digest to `out`; 1 on success.
static inline int wb_sha256_final(EVP_MD_CTX *context, unsigned char *out) {
    unsigned int length = 0;
    return EVP_DigestFinal_ex(context, out, &length) == 1 && length == 32;
}

static inline void wb_sha256_free(EVP_MD_CTX *context) { EVP_MD_CTX_free(context); }

#endif
