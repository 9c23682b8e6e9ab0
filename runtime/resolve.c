/*
 * resolve.c — frost_resolve, the public face of rt_reg_resolve (registry.c): a server resolves
 * its references again to notice a promote or a rollback. Apart from registry.c because it sets
 * the thread's error (error.c): the CLI links registry.c's internals statically beside
 * libfrost.so (frost-remote), and must not take a second copy of the error state with them.
 */
#include <stdio.h>

#include "error.h"
#include "internal.h"
#include "registry.h"
#include "url.h"

FROST_API int frost_resolve(const char *ref, char *path, size_t cap, uint64_t *version)
{
    fr_err e = {0};
    uint32_t v = 0;
    int rc;
    if (version)
        *version = 0;
    if (!ref || !path || !cap) {
        rc = fr_fail(&e, FR_EINVAL, "frost_resolve: NULL argument");
    } else {
        rc = rt_url_kind_of(ref) ? 0 : rt_reg_resolve(ref, path, cap, &v, &e);
        if (rc == 0 && (size_t)snprintf(path, cap, "%s", ref) >= cap)
            rc = fr_fail(&e, FR_ELIMIT, "%s: path too long (%zu bytes of room)", ref, cap);
        else if (rc == 1 && version)
            *version = v;
        if (rc == 1)
            rc = 0;
    }
    if (rc) {
        if (path && cap)
            path[0] = '\0';
        rt_set_thread_error(&e);
    }
    return rc;
}
