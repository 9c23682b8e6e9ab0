/*
 * signature.c — the reading side of signatures (FORMAT.md "Signature trailer"): key files, the
 * check frost_open makes when keys are required (before any block is used), and the data-region
 * pass of frost_verify (zero padding, the signed data digest). libsodium does the cryptography:
 * BLAKE2b for the digests, Ed25519 for the signature, its constant-time compare and base64.
 *
 * What a valid signature proves: the header region is the one signed, byte for byte (a BLAKE2b
 * digest, checked at open); the data region is the one signed (its digest, checked by
 * frost_verify, which reads it all); every block used later is checked against its XXH3 checksum
 * in that authenticated header, as for any file.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "internal.h"
#include "keys.h"

/* Key files are two short lines; anything longer is not one. */
#define KEY_FILE_MAX 1024

static const char *const key_headers[] = {RT_PUBLIC_KEY_HEADER, RT_SECRET_KEY_HEADER};
static const size_t key_sizes[] = {32, 64};

int rt_key_parse(const char *text, size_t len, int secret, uint8_t *out, const char *path,
                 fr_err *e)
{
    const char *what = secret ? "secret" : "public";
    const char *head = key_headers[secret];
    size_t hl = strlen(head);
    if (len < hl + 1 || memcmp(text, head, hl) != 0 || text[hl] != '\n')
        return fr_fail(e, FR_EFORMAT, "%s is not a frost %s key file (its first line must be "
                       "\"%s\")", path, what, head);
    const char *b64 = text + hl + 1, *end = text + len;
    const char *nl = memchr(b64, '\n', (size_t)(end - b64));
    const char *b64_end = nl ? nl : end;
    if (nl && nl + 1 != end)
        return fr_fail(e, FR_EFORMAT, "%s: a %s key file has two lines; more follow the key",
                       path, what);
    uint8_t buf[64];
    size_t got = 0;
    const char *stop = NULL;
    if (sodium_base642bin(buf, sizeof buf, b64, (size_t)(b64_end - b64), NULL, &got, &stop,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        stop != b64_end || got != key_sizes[secret]) {
        sodium_memzero(buf, sizeof buf);
        return fr_fail(e, FR_EFORMAT, "%s: the second line is not a %zu-byte %s key in base64 "
                       "(the file is damaged or truncated)", path, key_sizes[secret], what);
    }
    memcpy(out, buf, key_sizes[secret]);
    sodium_memzero(buf, sizeof buf);
    return 0;
}

int rt_key_read(const char *path, int secret, uint8_t *out, fr_err *e)
{
    if (!path || !out)
        return fr_fail(e, FR_EINVAL, "no key file named");
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return fr_fail(e, FR_EIO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    int rc = 0;
    char text[KEY_FILE_MAX + 1];
    size_t n = 0;
    if (fstat(fd, &st) != 0) {
        rc = fr_fail(e, FR_EIO, "cannot stat %s: %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        rc = fr_fail(e, FR_EFORMAT, "%s is not a regular file", path);
    } else if (secret && (st.st_mode & 077)) {
        /* as ssh refuses an id_ed25519 others can read: the key may already be exposed */
        rc = fr_fail(e, FR_EREFUSED, "%s has permissions %04o: a secret key must be readable by "
                     "its owner only (chmod 600 %s)", path, (unsigned)(st.st_mode & 07777), path);
    } else {
        rc = rt_read_small(fd, text, KEY_FILE_MAX, &n, path, e);
        if (rc == FR_ELIMIT)
            rc = fr_fail(e, FR_EFORMAT, "%s is larger than a key file (%d bytes)", path,
                         KEY_FILE_MAX);
    }
    close(fd);
    if (!rc)
        rc = rt_key_parse(text, n, secret, out, path, e);
    sodium_memzero(text, sizeof text);
    return rc;
}

FROST_API int frost_public_key_load(const char *path, frost_public_key *out)
{
    fr_err e = {0};
    int rc = rt_key_read(path, 0, out ? out->bytes : NULL, &e);
    if (rc)
        rt_set_thread_error(&e);
    return rc;
}

FROST_API void frost_key_id(const frost_public_key *key, char out[17])
{
    if (!out)
        return;
    out[0] = '\0';
    if (key)
        for (int i = 0; i < 8; i++)
            snprintf(out + 2 * i, 3, "%02x", key->bytes[i]);
}

static void key_id(const uint8_t *pk, char out[17])
{
    frost_key_id((const frost_public_key *)(const void *)pk, out);
}

int rt_crypto_init(fr_err *e)
{
    /* thread-safe and idempotent (libsodium's own lock); picks the fastest implementations */
    if (sodium_init() < 0)
        return fr_fail(e, FR_EUNSUPPORTED, "libsodium cannot be initialised");
    return 0;
}

/* The trailer read and its record decoded. */
static int read_trailer(frost_model *m, fmt_sig *sig, fr_err *e)
{
    const fmt_header *h = &m->h;
    uint8_t t[FMT_SIG_RECORD];
    uint64_t at = h->header_size + h->data_size;
    size_t len = h->trailer_size < sizeof t ? (size_t)h->trailer_size : sizeof t;
    if (m->remote) { /* a URL: through its reads (set up before this is called) */
        rt_req r = {.offset = at, .len = len, .dst = t};
        int rc = rt_io_read(&m->io, &r, 1, &m->counters, e);
        if (rc)
            return rc;
    } else {
        for (size_t done = 0; done < len;) {
            ssize_t n = pread(m->fd, t + done, len - done, (off_t)(at + done));
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return fr_fail(e, FR_EIO, "cannot read the signature trailer: %s",
                               strerror(errno));
            if (n == 0)
                return fr_fail(e, FR_ETRUNCATED, "the file ends inside its signature trailer");
            done += (size_t)n;
        }
    }
    if (h->trailer_size != FMT_SIG_RECORD) {
        /* the head says which record type it is; only Ed25519's size is known */
        uint32_t type = fr_rd32(t + FMT_SIG_TYPE);
        if (type != FMT_SIG_ED25519)
            return fr_fail(e, FR_ESIGNATURE, "signed with a record of type %u, which this frost "
                           "cannot verify (it knows type %u, Ed25519)", type, FMT_SIG_ED25519);
        return fr_fail(e, FR_ESIGNATURE, "signature trailer: an Ed25519 record is %u bytes, "
                       "this one %llu (damaged)", FMT_SIG_RECORD,
                       (unsigned long long)h->trailer_size);
    }
    int rc = fmt_sig_parse(t, len, sig, e);
    if (rc) { /* a malformed or unknown trailer cannot vouch for the file */
        char inner[sizeof e->msg];
        memcpy(inner, e->msg, sizeof inner);
        return fr_fail(e, FR_ESIGNATURE, "tampered signature: %s", inner);
    }
    return 0;
}

/* The signature checked against the header in memory, under the key it names. */
static int check_signature(frost_model *m, fmt_sig *sig, fr_err *e)
{
    const fmt_header *h = &m->h;
    int rc = rt_crypto_init(e);
    if (rc)
        return rc;
    if (!(h->flags & 1u))
        return fr_fail(e, FR_ESIGNATURE, "unsigned: the file carries no signature");
    if ((rc = read_trailer(m, sig, e)))
        return rc;
    uint8_t msg[FMT_SIG_MESSAGE_LEN];
    fmt_sig_message(sig, msg);
    char id[17];
    key_id(sig->public_key, id);
    if (crypto_sign_verify_detached(sig->signature, msg, sizeof msg, sig->public_key) != 0)
        return fr_fail(e, FR_ESIGNATURE, "tampered signature: the signature by key %s does not "
                       "verify (the trailer was changed or damaged after signing)", id);
    uint8_t hh[32];
    crypto_generichash(hh, sizeof hh, m->header_buf, m->header_len, NULL, 0);
    if (sodium_memcmp(hh, sig->header_hash, sizeof hh) != 0)
        return fr_fail(e, FR_ESIGNATURE, "tampered header: it is not the header key %s signed "
                       "(changed after signing)", id);
    memcpy(m->sig_key, sig->public_key, 32);
    memcpy(m->sig_data_hash, sig->data_hash, 32);
    m->sig_checked = 1;
    return 0;
}

int rt_signature_require(frost_model *m, const frost_public_key *keys, size_t n, fr_err *e)
{
    if (!keys)
        return fr_fail(e, FR_EINVAL, "frost_open: n_required_keys without required_keys");
    char id[17];
    fmt_sig sig;
    int rc = check_signature(m, &sig, e);
    if (rc) {
        if (!(m->h.flags & 1u)) {
            key_id(keys[0].bytes, id);
            return fr_fail(e, FR_ESIGNATURE, "unsigned: the file carries no signature, and one "
                           "by %s%s is required", n > 1 ? "one of the keys " : "key ", id);
        }
        return rc;
    }
    for (size_t i = 0; i < n; i++)
        if (sodium_memcmp(keys[i].bytes, sig.public_key, 32) == 0)
            return 0;
    char want[17];
    key_id(sig.public_key, id);
    key_id(keys[0].bytes, want);
    m->sig_checked = 0;
    if (n == 1)
        return fr_fail(e, FR_ESIGNATURE, "wrong key: signed by key %s, not by the required key %s",
                       id, want);
    return fr_fail(e, FR_ESIGNATURE, "wrong key: signed by key %s, not by any of the %zu required "
                   "keys (%s, …)", id, n, want);
}

FROST_API int frost_signature_info_get(frost_model *m, frost_signature_info *out)
{
    if (!m || !out || out->size < sizeof out->size)
        return FROST_EINVAL;
    fr_err e = {0};
    fmt_sig sig;
    frost_signature_info i;
    memset(&i, 0, sizeof i);
    i.size = out->size < sizeof i ? out->size : sizeof i;
    i.present = (m->h.flags & 1u) != 0;
    int rc = i.present ? check_signature(m, &sig, &e) : 0;
    if (!rc && i.present) {
        i.verified = 1;
        memcpy(i.key.bytes, sig.public_key, 32);
    }
    memcpy(out, &i, i.size);
    return rc ? rt_set_error(m, &e) : 0;
}

int rt_verify_data_region(frost_model *m, fr_err *e)
{
    const fmt_header *h = &m->h;
    const uint64_t start = h->header_size, end = h->header_size + h->data_size;
    /* one pass in order; over a URL each read is a round trip, so they are as large as the
     * plugin's largest range (8 MiB) */
    const size_t piece = m->remote ? (size_t)8 << 20 : (size_t)1 << 20;
    const size_t cap = h->data_size < piece ? (size_t)h->data_size + 1 : piece;
    uint8_t *buf = fr_malloc(m->alloc, cap);
    if (!buf)
        return fr_fail(e, FR_ENOMEM, "out of memory");
    crypto_generichash_state st;
    if (m->sig_checked)
        crypto_generichash_init(&st, NULL, 0, 32);
    int rc = 0;
    uint32_t next_block = 0; /* blocks lie in file order (FORMAT.md CHUNKS) */
    uint64_t block_end = start;
    for (uint64_t at = start; at < end && !rc;) {
        size_t len = end - at < cap ? (size_t)(end - at) : cap;
        rt_req r = {.offset = at, .len = (uint32_t)len, .dst = buf};
        if ((rc = rt_io_read(&m->io, &r, 1, &m->counters, e)))
            break;
        if (m->sig_checked)
            crypto_generichash_update(&st, buf, len);
        /* every byte outside the blocks is padding, which must be zero */
        for (uint64_t p = at; p < at + len && !rc;) {
            while (next_block < h->n_blocks && p >= block_end) {
                fmt_block b = fmt_block_at(h, next_block);
                if (p < b.offset)
                    break;
                block_end = b.offset + b.stored_size;
                next_block++;
            }
            if (p < block_end) {
                p = block_end;
                continue;
            }
            uint64_t stop = next_block < h->n_blocks ? fmt_block_at(h, next_block).offset : end;
            if (stop > at + len)
                stop = at + len;
            for (uint64_t q = p; q < stop; q++)
                if (buf[q - at]) {
                    rc = FR_CORRUPT(e, "byte %llu is not zero: it lies between blocks, in padding "
                                    "(FORMAT.md: padding is zero)", (unsigned long long)q);
                    break;
                }
            p = stop;
        }
        at += len;
    }
    fr_free(m->alloc, buf);
    if (rc || !m->sig_checked)
        return rc;
    uint8_t dh[32];
    crypto_generichash_final(&st, dh, sizeof dh);
    if (sodium_memcmp(dh, m->sig_data_hash, sizeof dh) != 0) {
        char id[17];
        key_id(m->sig_key, id);
        return fr_fail(e, FR_ESIGNATURE, "tampered data: the data region is not the one key %s "
                       "signed (a block was replaced by one with the same checksum)", id);
    }
    return 0;
}
