/*
 * keys.h — key files and the signature checks of the reading side (signature.c), shared with
 * the writer, which signs and writes keys in the same text format.
 *
 * A key file is two lines: "frost ed25519 public key" (or "… secret key") and the key in
 * standard base64 (32 bytes for a public key; 64 for a secret key: libsodium's seed and public
 * key). A secret key file must not be readable by group or others.
 */
#ifndef FROST_RUNTIME_KEYS_H
#define FROST_RUNTIME_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* The first lines of the two kinds of key file (without their newline). */
#define RT_PUBLIC_KEY_HEADER "frost ed25519 public key"
#define RT_SECRET_KEY_HEADER "frost ed25519 secret key"

/* Decodes a key file's text (secret: 64 bytes into out, else 32); path names it in messages.
 * FR_EFORMAT naming what is wrong. */
int rt_key_parse(const char *text, size_t len, int secret, uint8_t *out, const char *path,
                 fr_err *e);
/* Reads and decodes a key file: FR_EIO, FR_EFORMAT, or FR_EREFUSED for a secret key file that
 * group or others may read. */
int rt_key_read(const char *path, int secret, uint8_t *out, fr_err *e);

/* sodium_init, once per process (thread-safe). */
int rt_crypto_init(fr_err *e);

#endif
