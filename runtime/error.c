/*
 * error.c — error names, the per-handle last-error message and the per-thread one for calls
 * without a handle. frost_errmsg returns a thread-local copy so a message read on one thread is
 * never overwritten by a failure on another.
 */
#include <pthread.h>
#include <string.h>

#include "internal.h"

static _Thread_local char tls_call_msg[sizeof(((fr_err *)0)->msg)];
static _Thread_local char tls_copy[sizeof(((fr_err *)0)->msg)];

FROST_API const char *frost_strerror(int code)
{
    switch (code) {
    case FROST_OK: return "success";
    case FROST_EINVAL: return "invalid argument";
    case FROST_ENOMEM: return "out of memory";
    case FROST_EIO: return "input/output error";
    case FROST_ECORRUPT: return "damaged file";
    case FROST_EVERSION: return "file needs a newer frost";
    case FROST_EUNSUPPORTED: return "not supported";
    case FROST_EREFUSED: return "refused as unsafe";
    case FROST_ETRUNCATED: return "truncated input";
    case FROST_EFORMAT: return "malformed input";
    case FROST_ESCHEMA: return "input does not match the model's features";
    case FROST_ELIMIT: return "exceeds a safety limit";
    default: return "unknown error";
    }
}

int rt_set_error(frost_model *m, const fr_err *e)
{
    pthread_mutex_lock(&m->err_lock);
    m->err = *e;
    pthread_mutex_unlock(&m->err_lock);
    return e->code;
}

void rt_set_thread_error(const fr_err *e)
{
    memcpy(tls_call_msg, e->msg, sizeof tls_call_msg);
    tls_call_msg[sizeof tls_call_msg - 1] = '\0';
}

FROST_API const char *frost_errmsg(const frost_model *m)
{
    if (!m)
        return tls_call_msg;
    frost_model *mm = (frost_model *)m; /* the lock is not part of the logical state */
    pthread_mutex_lock(&mm->err_lock);
    memcpy(tls_copy, m->err.msg, sizeof tls_copy);
    pthread_mutex_unlock(&mm->err_lock);
    tls_copy[sizeof tls_copy - 1] = '\0';
    return tls_copy;
}
