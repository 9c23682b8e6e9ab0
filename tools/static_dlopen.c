/*
 * static_dlopen.c — the static frost never loads a shared object.
 *
 * frost is one static executable (Makefile): a dlopen there would bring a second C library into
 * the process. A URL is handed to frost-remote, the dynamically linked twin, before any model is
 * opened (frost.c), and the runtime refuses to load its remote plugin in a static process
 * (rt_url_plugin_loadable), so the plugin loader is never reached here. The static link binds
 * that loader's one dlopen call to this refusal (-Wl,--wrap=dlopen) rather than to glibc's static
 * dlopen, so that no path can ever lead there — and glibc's link-time warning about static
 * dlopen does not concern this program.
 */
#include <stddef.h>

void *__wrap_dlopen(const char *file, int mode);

void *__wrap_dlopen(const char *file, int mode)
{
    (void)file;
    (void)mode;
    return NULL;
}
