/*
 * url.h — which model paths are URLs, and how a URL is named in messages.
 *
 * A model path that begins with http://, https:// or s3:// (the scheme in any case, as RFC 3986
 * allows) names an object read over the network through libfrost_remote.so; anything else is a
 * file (a file really named "http:..." is reached as ./http:...).
 *
 * Messages never carry a credential: rt_url_display drops a URL's userinfo (user:password@) and
 * its query — a presigned URL's query holds its access key, signature and session token.
 * Shared by the runtime, the remote plugin and the CLI, so every message names a URL alike; the
 * CLI also asks whether it may load the plugin itself (the static frost may not).
 */
#ifndef FROST_RUNTIME_URL_H
#define FROST_RUNTIME_URL_H

#include <stddef.h>

typedef enum rt_url_kind {
    RT_URL_NONE = 0, /* a file path */
    RT_URL_HTTP = 1,
    RT_URL_HTTPS = 2,
    RT_URL_S3 = 3,
} rt_url_kind;

/* The kind of path: RT_URL_NONE for anything that is not one of the three schemes. */
rt_url_kind rt_url_kind_of(const char *path);

/* The URL as messages name it: scheme://host[:port]/path with no userinfo, and "?..." in place of
 * a query. Always NUL-terminated in buf (cut short with "..." when it does not fit); returns buf. */
const char *rt_url_display(const char *url, char *buf, size_t cap);

/* Whether this process can load the remote plugin: its C library is a shared object. A
 * statically linked program cannot (dlopen there would bring in a second C library). */
int rt_url_plugin_loadable(void);

#endif
