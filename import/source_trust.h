/*
 * source_trust.h — checks of a conversion's source bytes before they are parsed: an expected
 * SHA-256, a detached RSA-PSS signature (source_trust.c, on OpenSSL's libcrypto).
 */
#ifndef FROST_IMPORT_SOURCE_TRUST_H
#define FROST_IMPORT_SOURCE_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "frost.h"

/* 0 when SHA-256(data) is want; FROST_ESIGNATURE naming both digests otherwise. */
int cv_check_sha256(const uint8_t *data, size_t len, const uint8_t want[32], fr_err *e);

/* 0 when sig is an RSA-PSS signature (SHA-256, MGF1 with SHA-256, maximal salt: what python's
 * cryptography makes with padding.PSS(mgf=MGF1(SHA256()), salt_length=PSS.MAX_LENGTH)) of data
 * by the RSA public key in pem (PEM SubjectPublicKeyInfo). FROST_ESIGNATURE when it is not;
 * FROST_EFORMAT / FROST_EUNSUPPORTED for a key that is not PEM, or not RSA. */
int cv_check_rsa_pss(const uint8_t *data, size_t len, const uint8_t *sig, size_t sig_len,
                     const char *pem, size_t pem_len, fr_err *e);

#endif
