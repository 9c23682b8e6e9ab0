/*
 * err.c — the fr_err helpers (see err.h). No allocation: messages are truncated to the buffer.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int fr_fail(fr_err *e, int code, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        e->code = code;
        e->row1 = 0;
    }
    return code;
}

int fr_at_row(fr_err *e, uint64_t row)
{
    if (!e)
        return FR_EINVAL;
    e->row1 = row + 1;
    return e->code;
}

int fr_wrap(fr_err *e, const char *fmt, ...)
{
    if (!e)
        return FR_EINVAL;
    char prefix[256];
    char old[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    /* both parts are bounded strings; the message is cut at the buffer's end on purpose */
    size_t n = strnlen(prefix, sizeof prefix);
    if (n > sizeof e->msg - 3)
        n = sizeof e->msg - 3;
    memcpy(e->msg, prefix, n);
    memcpy(e->msg + n, ": ", 2);
    size_t m = strnlen(old, sizeof old - 1);
    if (m > sizeof e->msg - n - 3)
        m = sizeof e->msg - n - 3;
    memcpy(e->msg + n + 2, old, m);
    e->msg[n + 2 + m] = '\0';
    return e->code;
}

void fr_err_clear(fr_err *e)
{
    if (e) {
        e->code = 0;
        e->msg[0] = '\0';
        e->row1 = 0;
    }
}

#ifdef FROST_DEBUG
int fr_corrupt_at(fr_err *e, const char *file, int line, const char *fmt, ...)
{
    if (e) {
        char body[sizeof e->msg];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(body, sizeof body, fmt, ap);
        va_end(ap);
        snprintf(e->msg, sizeof e->msg, "%s [%s:%d]", body, file, line);
        e->code = FR_ECORRUPT;
        e->row1 = 0;
    }
    return FR_ECORRUPT;
}
#endif
