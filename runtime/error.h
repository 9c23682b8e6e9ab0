/*
 * error.h — where a failed call without a handle leaves its detail (frost_errmsg(NULL)): the
 * runtime's frost_open, and the builder and converter above it, all record it here.
 */
#ifndef FROST_RUNTIME_ERROR_H
#define FROST_RUNTIME_ERROR_H

#include "err.h"

/* Records the detail of a failed call that had no handle, for this thread. */
void rt_set_thread_error(const fr_err *e);

#endif
