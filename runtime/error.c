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

#include "error.h"
#include "internal.h"

/* The layers below return FR_E* codes and use FORMAT.md's numbers, which the public API passes
 * on unchanged: they must be the same numbers. */
#define SAME(a, b) ((int)(a) == (int)(b))
_Static_assert(SAME(FROST_OK, FR_OK) && SAME(FROST_EINVAL, FR_EINVAL) &&
                   SAME(FROST_ENOMEM, FR_ENOMEM) && SAME(FROST_EIO, FR_EIO) &&
                   SAME(FROST_ECORRUPT, FR_ECORRUPT) && SAME(FROST_EVERSION, FR_EVERSION) &&
                   SAME(FROST_EUNSUPPORTED, FR_EUNSUPPORTED) &&
                   SAME(FROST_EREFUSED, FR_EREFUSED) && SAME(FROST_ETRUNCATED, FR_ETRUNCATED) &&
                   SAME(FROST_EFORMAT, FR_EFORMAT) && SAME(FROST_ESCHEMA, FR_ESCHEMA) &&
                   SAME(FROST_ELIMIT, FR_ELIMIT) && SAME(FROST_ESIGNATURE, FR_ESIGNATURE),
               "frost.h error codes differ from format/err.h's");
_Static_assert(SAME(FROST_TASK_CLASSIFIER, FMT_TASK_CLASSIFIER) &&
                   SAME(FROST_TASK_REGRESSOR, FMT_TASK_REGRESSOR) &&
                   SAME(FROST_ENSEMBLE_MEAN, FMT_ENS_MEAN) &&
                   SAME(FROST_ENSEMBLE_BOOSTED, FMT_ENS_BOOSTED) &&
                   SAME(FROST_LINK_IDENTITY, FMT_LINK_IDENTITY) &&
                   SAME(FROST_LINK_LOGISTIC, FMT_LINK_LOGISTIC) &&
                   SAME(FROST_LINK_SOFTMAX, FMT_LINK_SOFTMAX) &&
                   SAME(FROST_ENSEMBLE_ISOLATION, FMT_ENS_ISOLATION) &&
                   SAME(FROST_LINK_EXP, FMT_LINK_EXP) &&
                   SAME(FROST_LINK_SOFTMAX_NORM, FMT_LINK_SOFTMAX_NORM) &&
                   SAME(FROST_LABEL_INT, FMT_LABEL_INT) && SAME(FROST_LABEL_FLOAT, FMT_LABEL_FLOAT) &&
                   SAME(FROST_LABEL_STR, FMT_LABEL_STR) && SAME(FROST_LABEL_BOOL, FMT_LABEL_BOOL) &&
                   SAME(FROST_INPUT_NUMERIC, FMT_SLOT_NUM) &&
                   SAME(FROST_INPUT_STRING, FMT_SLOT_STR) && SAME(FROST_INPUT_UNUSED, FMT_SLOT_UNUSED) &&
                   SAME(FROST_META_STRING, FMT_META_STRING) &&
                   SAME(FROST_META_NUMBER, FMT_META_NUMBER) && SAME(FROST_META_BOOL, FMT_META_BOOL),
               "frost.h enums differ from FORMAT.md's numbers in format.h");
#undef SAME

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
    case FROST_ESIGNATURE: return "signature missing, by another key, or not matching the file";
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
