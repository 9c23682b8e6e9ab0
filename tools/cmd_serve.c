/*
 * cmd_serve.c — `frost serve`: runs frost-serve, the model server, with the same arguments.
 *
 * The server is an executable of its own (tools/serve/module.mk says why: its HTTP library
 * cannot be linked statically, and `frost` must stay static for its fresh-process start). It is
 * looked up beside this executable first, as `make` and `make install` place it, then on PATH.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cmd_serve(int argc, char **argv)
{
    char **args = calloc((size_t)argc + 2, sizeof *args);
    if (!args) {
        fprintf(stderr, "frost serve: out of memory\n");
        return CLI_FAIL;
    }
    char self[PATH_MAX], beside[PATH_MAX + 16];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    args[0] = "frost-serve";
    for (int i = 0; i < argc; i++)
        args[i + 1] = argv[i];
    fflush(NULL);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            slash[1] = '\0';
            snprintf(beside, sizeof beside, "%sfrost-serve", self);
            execv(beside, args);
        }
    }
    execvp("frost-serve", args);
    int err = errno;
    fprintf(stderr, "frost serve: cannot run frost-serve (looked beside %s and on PATH): %s\n",
            n > 0 ? self : "this executable", strerror(err));
    free(args);
    return CLI_FAIL;
}
