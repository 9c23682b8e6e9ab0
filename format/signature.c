/*
 * signature.c — the signature trailer's bytes (FORMAT.md "Signature trailer"): its one record
 * type (Ed25519 over a domain string, the signer's key, and BLAKE2b-256 digests of the header and
 * the data region), read, written, and the message it signs. No cryptography here: format/ links
 * lz4 and xxHash only; the runtime verifies and the writer signs (both with libsodium).
 */
#include <string.h>
#include <xxhash.h>

#include "format.h"

const uint8_t fmt_sig_domain[FMT_SIG_DOMAIN_LEN] = "frost signature";

int fmt_sig_parse(const uint8_t *t, size_t len, fmt_sig *out, fr_err *e)
{
    memset(out, 0, sizeof *out);
    if (len < 8)
        return FR_CORRUPT(e, "signature trailer: %zu bytes, fewer than its 8-byte head", len);
    uint32_t type = fr_rd32(t + FMT_SIG_TYPE), length = fr_rd32(t + FMT_SIG_LENGTH);
    if ((uint64_t)length + 8 != len)
        return FR_CORRUPT(e, "signature trailer: its record says %u bytes follow its head, the "
                          "trailer holds %zu", length, len - 8);
    if (type != FMT_SIG_ED25519)
        return fr_fail(e, FR_EUNSUPPORTED, "signature trailer of type %u, which this frost does "
                       "not know (it verifies type %u, Ed25519)", type, FMT_SIG_ED25519);
    if (len != FMT_SIG_RECORD)
        return FR_CORRUPT(e, "signature trailer: an Ed25519 record is %u bytes, not %zu",
                          FMT_SIG_RECORD, len);
    memcpy(out->public_key, t + FMT_SIG_PUBLIC_KEY, 32);
    memcpy(out->header_hash, t + FMT_SIG_HEADER_HASH, 32);
    memcpy(out->data_hash, t + FMT_SIG_DATA_HASH, 32);
    memcpy(out->signature, t + FMT_SIG_SIGNATURE, 64);
    return 0;
}

void fmt_sig_write(const fmt_sig *s, uint8_t out[FMT_SIG_RECORD])
{
    fr_wr32(out + FMT_SIG_TYPE, FMT_SIG_ED25519);
    fr_wr32(out + FMT_SIG_LENGTH, FMT_SIG_RECORD - 8);
    memcpy(out + FMT_SIG_PUBLIC_KEY, s->public_key, 32);
    memcpy(out + FMT_SIG_HEADER_HASH, s->header_hash, 32);
    memcpy(out + FMT_SIG_DATA_HASH, s->data_hash, 32);
    memcpy(out + FMT_SIG_SIGNATURE, s->signature, 64);
}

void fmt_sig_message(const fmt_sig *s, uint8_t msg[FMT_SIG_MESSAGE_LEN])
{
    uint8_t rec[FMT_SIG_RECORD];
    fmt_sig_write(s, rec);
    memcpy(msg, fmt_sig_domain, FMT_SIG_DOMAIN_LEN);
    memcpy(msg + FMT_SIG_DOMAIN_LEN, rec, FMT_SIG_SIGNATURE);
}

void fmt_seal_digest(uint8_t *header, uint64_t header_size)
{
    memset(header + FMT_SB_DIGEST, 0, 16);
    XXH128_canonical_t canon;
    XXH128_canonicalFromHash(&canon, XXH3_128bits(header, (size_t)header_size));
    memcpy(header + FMT_SB_DIGEST, canon.digest, 16);
}
