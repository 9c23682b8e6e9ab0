/*
 * config.c — a remote object's settings (config.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define DEFAULT_ATTEMPTS 5u
#define DEFAULT_TIMEOUT_MS 15000u
#define DEFAULT_CONNECTIONS 64u

/* A whole number within [lo, hi], digits only. */
static int env_uint(const char *name, unsigned lo, unsigned hi, unsigned *out, fr_err *e)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return 0;
    unsigned long x = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9' || x > hi)
            return fr_fail(e, FR_EINVAL, "%s=%.40s: expected a whole number from %u to %u", name,
                           v, lo, hi);
        x = x * 10 + (unsigned long)(*p - '0');
    }
    if (x < lo || x > hi)
        return fr_fail(e, FR_EINVAL, "%s=%.40s: expected a whole number from %u to %u", name, v,
                       lo, hi);
    *out = (unsigned)x;
    return 0;
}

/* Seconds with up to three decimals ("15", "0.5"), as milliseconds within [lo, hi] — read by
 * hand so the locale's decimal separator does not matter. */
static int env_seconds(const char *name, unsigned lo_ms, unsigned hi_ms, unsigned *out, fr_err *e)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return 0;
    unsigned long ms = 0, scale = 1000;
    int digits = 0, dot = 0;
    for (const char *p = v; *p; p++) {
        if (*p == '.' && !dot) {
            dot = 1;
            continue;
        }
        if (*p < '0' || *p > '9' || (dot && scale == 1) || ms > hi_ms)
            goto bad;
        if (dot) {
            scale /= 10;
            ms += (unsigned long)(*p - '0') * scale;
        } else {
            ms = ms * 10 + (unsigned long)(*p - '0') * 1000;
        }
        digits++;
    }
    if (!digits || ms < lo_ms || ms > hi_ms)
        goto bad;
    *out = (unsigned)ms;
    return 0;
bad:
    return fr_fail(e, FR_EINVAL, "%s=%.40s: expected seconds from %g to %g", name, v,
                   lo_ms / 1000.0, hi_ms / 1000.0);
}

static int copy_path(const char *name, const char *v, char *out, size_t cap, fr_err *e)
{
    if (strlen(v) >= cap)
        return fr_fail(e, FR_EINVAL, "%s: path longer than %zu bytes", name, cap - 1);
    strcpy(out, v);
    return 0;
}

int rm_config_resolve(const rt_remote_config *in, rm_config *out, fr_err *e)
{
    memset(out, 0, sizeof *out);
    out->attempts = DEFAULT_ATTEMPTS;
    out->timeout_ms = DEFAULT_TIMEOUT_MS;
    out->connections = DEFAULT_CONNECTIONS;
    int rc;
    if ((rc = env_uint("FROST_REMOTE_ATTEMPTS", 1, 20, &out->attempts, e)) ||
        (rc = env_seconds("FROST_REMOTE_TIMEOUT", 100, 3600000, &out->timeout_ms, e)) ||
        (rc = env_uint("FROST_REMOTE_CONNECTIONS", 1, 256, &out->connections, e)))
        return rc;
    if (in->attempts)
        out->attempts = in->attempts < 20 ? in->attempts : 20;
    if (in->timeout_ms)
        out->timeout_ms = in->timeout_ms < 100 ? 100 : in->timeout_ms;
    if (in->connections)
        out->connections = in->connections < 256 ? in->connections : 256;
    /* a stalled transfer is given a quarter of the budget, so that a retry still fits */
    out->stall_s = out->timeout_ms / 4000 ? out->timeout_ms / 4000 : 1;
    const char *cache = in->cache_dir ? in->cache_dir : getenv("FROST_CACHE_DIR");
    if (cache && *cache && (rc = copy_path("FROST_CACHE_DIR", cache, out->cache_dir,
                                           sizeof out->cache_dir, e)))
        return rc;
    const char *ca = getenv("FROST_CA_BUNDLE");
    if (ca && *ca && (rc = copy_path("FROST_CA_BUNDLE", ca, out->ca_bundle, sizeof out->ca_bundle,
                                     e)))
        return rc;
    return 0;
}
