/*
 * source_trust.c — the checks a conversion makes on its source before a byte of it is parsed
 * (the seed's practices: a model_hash.txt SHA-256, a detached RSA-PSS signature made with
 * python's cryptography package). Both run over the exact bytes the converter then reads, so a
 * file swapped between the check and the parse cannot slip through. OpenSSL's libcrypto does the
 * cryptography; nothing here is hand-written. The importer alone links it: libfrost never does.
 */
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <string.h>

#include "source_trust.h"

/* OpenSSL's own reason for the last failure, for the message ("" when it gave none). */
static const char *ssl_reason(char *buf, size_t cap)
{
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (!code) {
        buf[0] = '\0';
        return buf;
    }
    ERR_error_string_n(code, buf, cap);
    return buf;
}

static void hex32(const uint8_t *p, char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

int cv_check_sha256(const uint8_t *data, size_t len, const uint8_t want[32], fr_err *e)
{
    uint8_t got[EVP_MAX_MD_SIZE];
    unsigned got_len = 0;
    if (!EVP_Digest(data, len, got, &got_len, EVP_sha256(), NULL) || got_len != 32) {
        char why[256];
        return fr_fail(e, FROST_ENOMEM, "cannot compute SHA-256: %s", ssl_reason(why, sizeof why));
    }
    if (CRYPTO_memcmp(got, want, 32) != 0) {
        char g[65], w[65];
        hex32(got, g);
        hex32(want, w);
        return fr_fail(e, FROST_ESIGNATURE, "SHA-256 of the source is %s, expected %s: the file "
                       "is not the one the hash was taken of; nothing was parsed", g, w);
    }
    return 0;
}

/* The PEM public key, which must be RSA (the seed's rsa.generate_private_key). */
static EVP_PKEY *read_rsa_key(const char *pem, size_t pem_len, fr_err *e)
{
    if (pem_len > (size_t)1 << 20) {
        fr_fail(e, FROST_ELIMIT, "the public key is %zu bytes, more than a PEM key can be",
                pem_len);
        return NULL;
    }
    BIO *bio = BIO_new_mem_buf(pem, (int)pem_len);
    if (!bio) {
        fr_fail(e, FROST_ENOMEM, "out of memory");
        return NULL;
    }
    EVP_PKEY *key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    char why[256];
    if (!key) {
        fr_fail(e, FROST_EFORMAT, "the public key is not a PEM public key (\"-----BEGIN PUBLIC "
                "KEY-----\"): %s", ssl_reason(why, sizeof why));
        return NULL;
    }
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
        fr_fail(e, FROST_EUNSUPPORTED, "the public key is %s, not RSA (RSA-PSS signatures)",
                OBJ_nid2sn(EVP_PKEY_get_base_id(key)));
        EVP_PKEY_free(key);
        return NULL;
    }
    return key;
}

int cv_check_rsa_pss(const uint8_t *data, size_t len, const uint8_t *sig, size_t sig_len,
                     const char *pem, size_t pem_len, fr_err *e)
{
    EVP_PKEY *key = read_rsa_key(pem, pem_len, e);
    if (!key)
        return e ? e->code : FROST_EFORMAT;
    int rc = 0;
    char why[256];
    size_t want_len = (size_t)EVP_PKEY_get_size(key);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    if (!md) {
        rc = fr_fail(e, FROST_ENOMEM, "out of memory");
        goto free_key;
    }
    if (sig_len != want_len) {
        rc = fr_fail(e, FROST_ESIGNATURE, "the source signature is %zu bytes; a signature by this "
                     "%d-bit RSA key is %zu bytes: it was not made with this key", sig_len,
                     EVP_PKEY_get_bits(key), want_len);
        goto free_md;
    }
    /* the seed's padding: PSS with MGF1(SHA-256), salt_length=PSS.MAX_LENGTH, over SHA-256; the
     * salt must have that maximal length (RSA_PSS_SALTLEN_MAX), not merely be recoverable */
    if (EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, key) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_MAX) != 1) {
        rc = fr_fail(e, FROST_EUNSUPPORTED, "cannot set up RSA-PSS verification: %s",
                     ssl_reason(why, sizeof why));
        goto free_md;
    }
    int ok = EVP_DigestVerify(md, sig, sig_len, data, len);
    if (ok != 1) {
        ERR_clear_error();
        rc = fr_fail(e, FROST_ESIGNATURE, "the source signature does not verify with the given "
                     "public key (RSA-PSS, SHA-256, MGF1, maximal salt): the file was changed "
                     "after signing, or signed by another key; nothing was parsed");
    }
free_md:
    EVP_MD_CTX_free(md);
free_key:
    EVP_PKEY_free(key);
    return rc;
}
