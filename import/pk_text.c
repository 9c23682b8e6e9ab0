/*
 * pk_text.c — text as the pickle reader meets it: code points written as UTF-8, the Latin-1
 * bytes a str stands for, and names made printable for messages.
 *
 * A str in the graph is always UTF-8 as pickle decodes it: BINUNICODE bytes are checked by
 * format's fmt_utf8_valid_surrogatepass (the VM), and every other str is written by pk_utf8_put.
 */
#include "pk_internal.h"

#include <stdio.h>
#include <string.h>

size_t pk_utf8_put(char *d, uint32_t cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xc0 | cp >> 6);
        d[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xe0 | cp >> 12);
        d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        d[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    d[0] = (char)(0xf0 | cp >> 18);
    d[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    d[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    d[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* U+0080..U+00FF are the two-byte sequences led by C2 and C3; a str holds no other form of
 * them (see the head of this file). */
bool pk_latin1_from_utf8(const uint8_t *s, size_t n, uint8_t *d, size_t *len)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] < 0x80) {
            d[o++] = s[i++];
        } else if (s[i] >= 0xc2 && s[i] <= 0xc3 && i + 1 < n) {
            d[o++] = (uint8_t)((s[i] & 0x1f) << 6 | (s[i + 1] & 0x3f));
            i += 2;
        } else {
            return false;
        }
    }
    *len = o;
    return true;
}

void pk_printable(char *dst, size_t cap, const char *s, size_t n)
{
    size_t o = 0;
    if (cap == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char tmp[5];
        size_t tl;
        if (c >= 0x20 && c < 0x7f) {
            tmp[0] = (char)c;
            tl = 1;
        } else if (c >= 0x80) {
            /* keep UTF-8 names readable; junk bytes are harmless in a message */
            tmp[0] = (char)c;
            tl = 1;
        } else {
            snprintf(tmp, sizeof tmp, "\\x%02x", c);
            tl = 4;
        }
        if (o + tl + 4 >= cap) {
            memcpy(dst + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(dst + o, tmp, tl);
        o += tl;
    }
    dst[o] = '\0';
}
