/*
 * sign.c — the writing side of signatures (FORMAT.md "Signature trailer"): Ed25519 key pairs
 * written as key files (a secret key readable by its owner alone, never overwriting a key that
 * exists), and signing a .frost file: the same file with the trailer flag, the trailer and file
 * sizes and a new header digest in its superblock, the data region unchanged byte for byte, and
 * a trailer that signs both regions' BLAKE2b digests. The result replaces the output atomically
 * (outfile.c); re-signing replaces the trailer.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "format.h"
#include "frost.h"
#include "keys.h"
#include "outfile.h"

static int failed(fr_err *e)
{
    rt_set_thread_error(e);
    return e->code;
}

FROST_API int frost_secret_key_load(const char *path, frost_secret_key *out)
{
    fr_err e = {0};
    if (!out)
        return FROST_EINVAL;
    int rc = rt_key_read(path, 1, out->bytes, &e);
    if (!rc && ((rc = rt_crypto_init(&e)) == 0)) {
        /* the second half of libsodium's secret key is the public key: a damaged file whose
         * halves disagree would sign with a key nobody can verify */
        uint8_t pk[32];
        crypto_sign_ed25519_sk_to_pk(pk, out->bytes);
        uint8_t seed[32], pk2[32], sk2[64];
        crypto_sign_ed25519_sk_to_seed(seed, out->bytes);
        crypto_sign_seed_keypair(pk2, sk2, seed);
        if (sodium_memcmp(pk, pk2, 32) != 0)
            rc = fr_fail(&e, FR_EFORMAT, "%s: its public half does not belong to its secret half "
                         "(the file is damaged)", path);
        sodium_memzero(seed, sizeof seed);
        sodium_memzero(sk2, sizeof sk2);
    }
    if (rc) {
        sodium_memzero(out->bytes, sizeof out->bytes);
        return failed(&e);
    }
    return 0;
}

FROST_API int frost_secret_key_public(const frost_secret_key *key, frost_public_key *out)
{
    if (!key || !out)
        return FROST_EINVAL;
    crypto_sign_ed25519_sk_to_pk(out->bytes, key->bytes);
    return 0;
}

/* A key file created whole or not at all, and never over an existing file: the text goes to a
 * temporary file (mode `mode`, synced), which is then linked to its name — link fails when the
 * name exists — and the directory is synced. */
static int write_new_file(const char *path, const char *text, size_t len, mode_t mode, fr_err *e)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp)
        return fr_fail(e, FR_ENOMEM, "out of memory");
    snprintf(tmp, n + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp); /* 0600 */
    if (fd < 0) {
        int err = errno;
        free(tmp);
        return fr_fail(e, FR_EIO, "cannot write %s: %s", path, strerror(err));
    }
    int rc = 0;
    if (mode != 0600) {
        mode_t mask = umask(0);
        umask(mask);
        if (fchmod(fd, mode & ~mask) != 0)
            rc = fr_fail(e, FR_EIO, "cannot write %s: %s", path, strerror(errno));
    }
    for (size_t done = 0; !rc && done < len;) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            rc = fr_fail(e, FR_EIO, "write error on %s: %s", path, strerror(w < 0 ? errno : ENOSPC));
        else
            done += (size_t)w;
    }
    if (!rc && fsync(fd) != 0)
        rc = fr_fail(e, FR_EIO, "write error on %s: %s", path, strerror(errno));
    if (close(fd) != 0 && !rc)
        rc = fr_fail(e, FR_EIO, "write error on %s: %s", path, strerror(errno));
    if (!rc && link(tmp, path) != 0)
        rc = errno == EEXIST ? fr_fail(e, FR_EREFUSED, "%s exists: refusing to overwrite a key "
                                       "(remove it first if you mean to replace it)", path)
                             : fr_fail(e, FR_EIO, "cannot write %s: %s", path, strerror(errno));
    unlink(tmp);
    free(tmp);
    if (!rc) {
        char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
        if (slash)
            *(slash == dir ? slash + 1 : slash) = '\0';
        int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        free(dir);
    }
    return rc;
}

/* "HEADER\nBASE64\n" for n key bytes. */
static size_t key_text(char *out, size_t cap, const char *header, const uint8_t *key, size_t n)
{
    int head = snprintf(out, cap, "%s\n", header);
    sodium_bin2base64(out + head, cap - (size_t)head, key, n, sodium_base64_VARIANT_ORIGINAL);
    size_t len = strlen(out);
    out[len++] = '\n';
    out[len] = '\0';
    return len;
}

FROST_API int frost_keygen(const char *name, frost_public_key *pub_out)
{
    fr_err e = {0};
    if (!name || !*name) {
        fr_fail(&e, FR_EINVAL, "frost_keygen: no name");
        return failed(&e);
    }
    int rc = rt_crypto_init(&e);
    if (rc)
        return failed(&e);
    size_t n = strlen(name);
    char *key_path = malloc(n + 5), *pub_path = malloc(n + 5);
    if (!key_path || !pub_path) {
        free(key_path);
        free(pub_path);
        fr_fail(&e, FR_ENOMEM, "out of memory");
        return failed(&e);
    }
    snprintf(key_path, n + 5, "%s.key", name);
    snprintf(pub_path, n + 5, "%s.pub", name);
    struct stat st;
    uint8_t pk[32], sk[64];
    char text[256];
    if (lstat(key_path, &st) == 0 || lstat(pub_path, &st) == 0) {
        rc = fr_fail(&e, FR_EREFUSED, "%s exists: refusing to overwrite a key (remove it first "
                     "if you mean to replace it)",
                     lstat(key_path, &st) == 0 ? key_path : pub_path);
        goto done;
    }
    crypto_sign_keypair(pk, sk);
    size_t len = key_text(text, sizeof text, RT_SECRET_KEY_HEADER, sk, sizeof sk);
    if ((rc = write_new_file(key_path, text, len, 0600, &e)))
        goto done;
    len = key_text(text, sizeof text, RT_PUBLIC_KEY_HEADER, pk, sizeof pk);
    if ((rc = write_new_file(pub_path, text, len, 0644, &e))) {
        unlink(key_path); /* made a moment ago, used by nothing: no half a pair is left */
        goto done;
    }
    if (pub_out)
        memcpy(pub_out->bytes, pk, sizeof pk);
done:
    sodium_memzero(sk, sizeof sk);
    sodium_memzero(text, sizeof text);
    free(key_path);
    free(pub_path);
    return rc ? failed(&e) : 0;
}

static int read_at(int fd, uint8_t *dst, size_t len, uint64_t off, const char *path, fr_err *e)
{
    for (size_t done = 0; done < len;) {
        ssize_t n = pread(fd, dst + done, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fr_fail(e, FR_EIO, "cannot read %s: %s", path, strerror(errno));
        if (n == 0)
            return fr_fail(e, FR_ETRUNCATED, "%s ends at offset %llu (truncated)", path,
                           (unsigned long long)(off + done));
        done += (size_t)n;
    }
    return 0;
}

/* The header region of in_path, validated as a reader validates it; *hbuf is malloc'd. */
static int read_header(int fd, const char *path, uint8_t **hbuf, fmt_header *h, fr_err *e)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return fr_fail(e, FR_EIO, "cannot stat %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fr_fail(e, FR_EINVAL, "%s is not a regular file", path);
    uint64_t size = (uint64_t)st.st_size, hs;
    uint8_t sb[FMT_SUPERBLOCK_SIZE], footer[FMT_FOOTER_SIZE];
    int rc;
    if (size < FMT_SUPERBLOCK_SIZE + FMT_FOOTER_SIZE)
        return fr_fail(e, FR_ETRUNCATED, "%s is too short for a .frost file", path);
    if ((rc = read_at(fd, sb, sizeof sb, 0, path, e)) ||
        (rc = fmt_peek_header_size(sb, sizeof sb, &hs, e)))
        return rc;
    if (hs + FMT_FOOTER_SIZE > size)
        return fr_fail(e, FR_ETRUNCATED, "%s ends inside its header (truncated)", path);
    *hbuf = malloc((size_t)hs);
    if (!*hbuf)
        return fr_fail(e, FR_ENOMEM, "out of memory for a %llu-byte header",
                       (unsigned long long)hs);
    if ((rc = read_at(fd, *hbuf, (size_t)hs, 0, path, e)) ||
        (rc = read_at(fd, footer, sizeof footer, size - FMT_FOOTER_SIZE, path, e)))
        return rc;
    return fmt_header_parse(*hbuf, (size_t)hs, size, footer, NULL, h, e);
}

/* Writes the signed file: the new header, the data region copied (and hashed) as it is, the
 * trailer, the footer. */
static int write_signed(int in, const char *in_path, uint8_t *hbuf, const fmt_header *h,
                        const frost_secret_key *key, wr_out *out, fr_err *e)
{
    const uint64_t file_size = h->header_size + h->data_size + FMT_SIG_RECORD + FMT_FOOTER_SIZE;
    fr_wr32(hbuf + FMT_SB_FLAGS, h->flags | 1u);
    fr_wr64(hbuf + FMT_SB_TRAILER_SIZE, FMT_SIG_RECORD);
    fr_wr64(hbuf + FMT_SB_FILE_SIZE, file_size);
    fmt_seal_digest(hbuf, h->header_size);
    fmt_sig sig;
    crypto_sign_ed25519_sk_to_pk(sig.public_key, key->bytes);
    crypto_generichash(sig.header_hash, 32, hbuf, (size_t)h->header_size, NULL, 0);
    int rc = wr_out_write(out, hbuf, (size_t)h->header_size, e);
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    const size_t cap = 1u << 20;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return fr_fail(e, FR_ENOMEM, "out of memory");
    for (uint64_t at = h->header_size; !rc && at < h->header_size + h->data_size;) {
        uint64_t left = h->header_size + h->data_size - at;
        size_t len = left < cap ? (size_t)left : cap;
        rc = read_at(in, buf, len, at, in_path, e);
        if (!rc) {
            crypto_generichash_update(&st, buf, len);
            rc = wr_out_write(out, buf, len, e);
        }
        at += len;
    }
    free(buf);
    crypto_generichash_final(&st, sig.data_hash, 32);
    uint8_t msg[FMT_SIG_MESSAGE_LEN], tail[FMT_SIG_RECORD + FMT_FOOTER_SIZE] = {0};
    fmt_sig_message(&sig, msg);
    crypto_sign_detached(sig.signature, NULL, msg, sizeof msg, key->bytes);
    fmt_sig_write(&sig, tail);
    memcpy(tail + FMT_SIG_RECORD + FMT_FT_MAGIC, fmt_end_magic, 8);
    fr_wr64(tail + FMT_SIG_RECORD + FMT_FT_HEADER_SIZE, h->header_size);
    fr_wr64(tail + FMT_SIG_RECORD + FMT_FT_FILE_SIZE, file_size);
    return rc ? rc : wr_out_write(out, tail, sizeof tail, e);
}

FROST_API int frost_sign(const char *in_path, const char *out_path, const frost_secret_key *key)
{
    fr_err e = {0};
    if (!in_path || !key) {
        fr_fail(&e, FR_EINVAL, "frost_sign: NULL argument");
        return failed(&e);
    }
    if (!out_path)
        out_path = in_path;
    int rc = rt_crypto_init(&e);
    if (rc)
        return failed(&e);
    int in = open(in_path, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        fr_fail(&e, FR_EIO, "cannot open %s: %s", in_path, strerror(errno));
        return failed(&e);
    }
    uint8_t *hbuf = NULL;
    fmt_header h;
    memset(&h, 0, sizeof h);
    wr_out out;
    if ((rc = read_header(in, in_path, &hbuf, &h, &e)) == 0 &&
        (rc = wr_out_open(&out, out_path, NULL, &e)) == 0) {
        rc = write_signed(in, in_path, hbuf, &h, key, &out, &e);
        if (rc)
            wr_out_abort(&out);
        else
            rc = wr_out_commit(&out, &e);
    }
    fmt_header_free(&h);
    free(hbuf);
    close(in);
    return rc ? failed(&e) : 0;
}
