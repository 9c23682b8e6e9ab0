# remote/: libfrost_remote.so, the plugin through which libfrost reads models by URL (HTTP(S),
# S3) — ranged GETs over libcurl's multi interface, SigV4, the object's pin, retries and the
# disk cache. libfrost loads it with dlopen the first time a URL is opened (runtime/remote.h,
# remote_link.c), so nothing else links libcurl. On format/ (its error type, the header digest)
# and runtime/'s I/O seam types and url.c; nothing below calls into it.
REMOTE_SRCS += remote/plugin.c remote/fetch.c remote/http.c remote/s3.c remote/config.c \
               remote/cache.c
