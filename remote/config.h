/*
 * config.h — a remote object's settings: the caller's (rt_remote_config, from
 * frost_open_options), else the environment's, else the defaults — resolved once, at open.
 *
 *   FROST_REMOTE_ATTEMPTS     tries per request, the first included (1..20; default 5)
 *   FROST_REMOTE_TIMEOUT      seconds a request may take, retries and back-off included
 *                             (0.1..3600, decimals allowed; default 15)
 *   FROST_REMOTE_CONNECTIONS  requests in flight at once (1..256; default 64)
 *   FROST_CACHE_DIR           where fetched headers and blocks are kept (unset: nowhere)
 *   FROST_CA_BUNDLE           the CA certificates TLS trusts (unset: the system's store)
 *
 * A malformed value is an error naming it, never a silent default.
 */
#ifndef FROST_REMOTE_CONFIG_H
#define FROST_REMOTE_CONFIG_H

#include "remote.h"

typedef struct rm_config {
    unsigned attempts;
    unsigned timeout_ms;
    unsigned connections;
    unsigned stall_s;          /* an attempt that receives nothing for this long is retried */
    char cache_dir[4096];      /* "" = no cache */
    char ca_bundle[4096];      /* "" = libcurl's default: the system's store */
} rm_config;

int rm_config_resolve(const rt_remote_config *in, rm_config *out, fr_err *e);

#endif
