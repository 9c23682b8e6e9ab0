/*
 * frost.c — the `frost` command: dispatches to a subcommand, and the helpers they share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: frost <command> [options] [arguments]\n"
    "\n"
    "Load and score scikit-learn models stored as .frost files.\n"
    "\n"
    "commands:\n"
    "  convert IN OUT.frost    a scikit-learn pickle/joblib file into .frost, running nothing\n"
    "  inspect FILE            header, model, features, classes, metadata, chunks (--json)\n"
    "  verify FILE             check every checksum and every tree (exit 1 on damage)\n"
    "  predict MODEL [CSV|-]   score rows from a CSV file or stdin (--proba, -o OUT)\n"
    "  transform MODEL [CSV|-] run a model's preprocessing only (saved transformers)\n"
    "\n"
    "Run 'frost <command> --help' for a command's options.\n"
    "Exit status: 0 success, 1 refused/unsupported/damaged input, 2 usage error.\n";

int cli_parse(const char *cmd, int argc, char **argv, cli_opt *opts, const char **pos,
              int max_pos, int *n_pos, int *help)
{
    *n_pos = 0;
    *help = 0;
    int only_pos = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            *help = 1;
            return CLI_OK;
        }
        if (!only_pos && a[0] == '-' && a[1] != '\0') {
            const char *eq = strchr(a, '=');
            size_t name_len = eq && a[1] == '-' ? (size_t)(eq - a) : strlen(a);
            cli_opt *o = NULL;
            for (cli_opt *p = opts; p && p->long_name; p++)
                if ((strlen(p->long_name) == name_len && strncmp(p->long_name, a, name_len) == 0) ||
                    (p->short_name && strcmp(p->short_name, a) == 0))
                    o = p;
            if (!o) {
                fprintf(stderr, "frost %s: unknown option '%s' (see 'frost %s --help')\n", cmd,
                        a, cmd);
                return CLI_USAGE;
            }
            if (!o->takes_value) {
                if (eq && a[1] == '-') {
                    fprintf(stderr, "frost %s: option %s takes no value\n", cmd, o->long_name);
                    return CLI_USAGE;
                }
                *o->flag = 1;
            } else if (eq && a[1] == '-') {
                *o->value = eq + 1;
            } else if (i + 1 < argc) {
                *o->value = argv[++i];
            } else {
                fprintf(stderr, "frost %s: option %s needs a value\n", cmd, o->long_name);
                return CLI_USAGE;
            }
            continue;
        }
        if (*n_pos == max_pos) {
            fprintf(stderr, "frost %s: unexpected argument '%s' (see 'frost %s --help')\n", cmd,
                    a, cmd);
            return CLI_USAGE;
        }
        pos[(*n_pos)++] = a;
    }
    return CLI_OK;
}

int cli_error(const char *cmd, const char *what, int code, const char *detail)
{
    if (detail && *detail)
        fprintf(stderr, "frost %s: %s: %s\n", cmd, what, detail);
    else
        fprintf(stderr, "frost %s: %s: %s\n", cmd, what, frost_strerror(code));
    return CLI_FAIL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("frost %s\n", FROST_VERSION_STRING);
        return CLI_OK;
    }
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } cmds[] = {
        {"convert", cmd_convert},
        {"inspect", cmd_inspect},
        {"verify", cmd_verify},
        {"predict", cmd_predict},
        {"transform", cmd_transform},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(cmd, cmds[i].name) == 0)
            return cmds[i].run(argc - 2, argv + 2);
    fprintf(stderr, "frost: unknown command '%s'\n\n%s", cmd, usage);
    return CLI_USAGE;
}
