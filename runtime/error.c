/*
 * error.c — error names, the last failure on each handle and the per-thread one for calls
 * without a handle. A thread that just got an error code from a call on a model shared by
 * several threads must read that call's detail, not another thread's later failure: each thread
 * keeps its own last failure (with the model's serial number, never reused, so a model opened
 * later at the same address is not confused with it), and the handle keeps the last of all
 * threads for a reader that had none. frost_errmsg returns a thread-local copy.
 */
#include <pthread.h>
#include <string.h>

#include "internal.h"

static _Thread_local char tls_call_msg[sizeof(((fr_err *)0)->msg)];
static _Thread_local char tls_copy[sizeof(((fr_err *)0)->msg)];
static _Thread_local fr_err tls_err;         /* this thread's last failure on a model */
static _Thread_local uint64_t tls_err_model; /* that model's serial; 0 = none */

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
    tls_err = *e;
    tls_err_model = m->serial;
    return e->code;
}

/* The failure frost_errmsg / frost_error_row describe: this thread's last on m, else m's last. */
static void last_error(const frost_model *m, fr_err *out)
{
    if (m->serial == tls_err_model) {
        *out = tls_err;
        return;
    }
    frost_model *mm = (frost_model *)m; /* the lock is not part of the logical state */
    pthread_mutex_lock(&mm->err_lock);
    *out = m->err;
    pthread_mutex_unlock(&mm->err_lock);
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
    fr_err e;
    last_error(m, &e);
    memcpy(tls_copy, e.msg, sizeof tls_copy);
    tls_copy[sizeof tls_copy - 1] = '\0';
    return tls_copy;
}

FROST_API int64_t frost_error_row(const frost_model *m)
{
    if (!m)
        return -1;
    fr_err e;
    last_error(m, &e);
    return e.row1 ? (int64_t)(e.row1 - 1) : -1;
}
