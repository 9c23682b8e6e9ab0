/*
 * frost.c — the `frost` command: dispatches to a subcommand, and the helpers they share; owns
 * the process-wide rules for the standard streams.
 *
 * stdout carries results only, and a result that did not reach it is a failure: after every
 * command stdout is flushed and closed, and an error there (a full disk, a closed descriptor) is
 * exit status 1 with "frost CMD: write error on stdout: <strerror>". SIGPIPE keeps its default
 * action while results go to stdout: a consumer that stops reading early (`frost predict … |
 * head`) ends frost at once and silently, as it ends cat or seq, instead of frost scoring the
 * rest into a closed pipe (the shell sees status 141 only under `set -o pipefail`). Where the
 * results go to a file (-o, convert) writes report EPIPE instead (outfile.h, cli_output_open).
 *
 * A model named by URL runs the command in frost-remote, this CLI's dynamically linked twin
 * (run_twin says why), so that local paths never pay for libcurl.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "url.h"

static const char usage[] =
    "usage: frost <command> [options] [arguments]\n"
    "\n"
    "Load and score scikit-learn models stored as .frost files.\n"
    "\n"
    "commands:\n"
    "  convert IN OUT.frost    a scikit-learn pickle/joblib file into .frost, running nothing\n"
    "  inspect FILE            header, model, features, classes, metadata, chunks (--json)\n"
    "  diff A B                what changed between two models (--json)\n"
    "  verify FILE             check every checksum, tree and signature (exit 1 on damage)\n"
    "  keygen NAME             an Ed25519 key pair for signing: NAME.key, NAME.pub\n"
    "  sign FILE --key K.key   sign a .frost file (FROST_REQUIRE_SIGNATURE=K.pub requires it)\n"
    "  registry push|list|show|promote|rollback|gc   versions and aliases in a directory;\n"
    "                          ROOT/NAME@ALIAS opens one anywhere a model path is taken\n"
    "  predict MODEL [CSV|-]   score rows from a CSV file or stdin (--proba, -o OUT)\n"
    "  transform MODEL [CSV|-] run a model's preprocessing only (saved transformers)\n"
    "  serve MODEL...          an HTTP model server (Open Inference Protocol, /metrics)\n"
    "\n"
    "Run 'frost help <command>' or 'frost <command> --help' for a command's options.\n"
    "Exit status: 0 success, 1 refused/unsupported/damaged input or a failed write,\n"
    "2 usage error.\n";

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

int cli_take_all(const char *cmd, const char *name, int *argc, char **argv, cli_list *out)
{
    size_t nl = strlen(name);
    int kept = 0, i = 0;
    for (; i < *argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            break;
        const char *v = NULL;
        if (strcmp(a, name) == 0) {
            if (i + 1 == *argc) {
                fprintf(stderr, "frost %s: option %s needs a value\n", cmd, name);
                return CLI_USAGE;
            }
            v = argv[++i];
        } else if (strncmp(a, name, nl) == 0 && a[nl] == '=') {
            v = a + nl + 1;
        } else {
            argv[kept++] = argv[i];
            continue;
        }
        if (out->n == out->cap) {
            fprintf(stderr, "frost %s: option %s given more than %d times\n", cmd, name, out->cap);
            return CLI_USAGE;
        }
        out->v[out->n++] = v;
    }
    for (; i < *argc; i++)
        argv[kept++] = argv[i];
    *argc = kept;
    return CLI_OK;
}

const char *cli_model_name(const char *path, char *buf, size_t cap)
{
    return rt_url_kind_of(path) ? rt_url_display(path, buf, cap) : path;
}

int cli_error(const char *cmd, const char *what, int code, const char *detail)
{
    size_t n = strlen(what);
    if (detail && strncmp(detail, what, n) == 0 && detail[n] == ':')
        fprintf(stderr, "frost %s: %s\n", cmd, detail); /* it names `what` already */
    else if (detail && *detail)
        fprintf(stderr, "frost %s: %s: %s\n", cmd, what, detail);
    else
        fprintf(stderr, "frost %s: %s: %s\n", cmd, what, frost_strerror(code));
    return CLI_FAIL;
}

void cli_write_error(const char *cmd, const char *what, int err)
{
    fprintf(stderr, "frost%s%s: write error on %s: %s\n", cmd ? " " : "", cmd ? cmd : "", what,
            strerror(err ? err : EIO));
}

int cli_check_output(const char *cmd, const char *out, const char *in)
{
    if (!wr_out_is_input(out, in))
        return CLI_OK;
    if (strcmp(out, in) == 0)
        fprintf(stderr, "frost %s: %s is the input file; nothing was written\n", cmd, out);
    else
        fprintf(stderr, "frost %s: %s is the input file %s (the same file under another name); "
                        "nothing was written\n", cmd, out, in);
    return CLI_FAIL;
}

FILE *cli_output_open(const char *cmd, const char *path, wr_out *o)
{
    fr_err e = {0};
    if (wr_out_open(o, path, NULL, &e)) {
        fprintf(stderr, "frost %s: %s\n", cmd, e.msg);
        return NULL;
    }
    FILE *f = wr_out_file(o, &e);
    if (!f) {
        fprintf(stderr, "frost %s: %s\n", cmd, e.msg);
        wr_out_abort(o);
        return NULL;
    }
    /* the stream writes through stdio, where a FIFO whose reader left would raise SIGPIPE and
     * end frost without a word; the results do not go to stdout, so EPIPE is reported instead */
    if (o->direct)
        signal(SIGPIPE, SIG_IGN);
    return f;
}

int cli_output_close(const char *cmd, wr_out *o, int ok)
{
    if (!ok) {
        wr_out_abort(o);
        return CLI_FAIL;
    }
    fr_err e = {0};
    if (wr_out_commit(o, &e)) {
        fprintf(stderr, "frost %s: %s\n", cmd, e.msg);
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* A closed standard descriptor would be handed to the next open(): the model, or an output
 * file whose bytes would then mix with what is printed. Each is held on /dev/null instead,
 * read-only, so that writing to a closed stdout still fails (EBADF) and is reported. */
static void hold_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int n = open("/dev/null", O_RDONLY);
            if (n >= 0 && n != fd) {
                dup2(n, fd);
                close(n);
            }
        }
}

/* The end of every command: stdout flushed and closed, a failure there reported (once: a
 * command that already failed has said why). */
static int finish(const char *cmd, int status)
{
    errno = 0;
    int failed = fflush(stdout) != 0;
    int err = failed ? errno : 0;
    failed |= ferror(stdout) != 0;
    if (fclose(stdout) != 0 && !failed) {
        failed = 1;
        err = errno;
    }
    if (failed && status == CLI_OK) {
        cli_write_error(cmd, "stdout", err);
        status = CLI_FAIL;
    }
    return status;
}

static const struct {
    const char *name;
    int (*run)(int, char **);
} cmds[] = {
    {"convert", cmd_convert},
    {"inspect", cmd_inspect},
    {"verify", cmd_verify},
    {"keygen", cmd_keygen},
    {"sign", cmd_sign},
    {"registry", cmd_registry},
    {"diff", cmd_diff},
    {"predict", cmd_predict},
    {"transform", cmd_transform},
    {"serve", cmd_serve},
};

static int (*find_cmd(const char *name))(int, char **)
{
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(name, cmds[i].name) == 0)
            return cmds[i].run;
    return NULL;
}

/* `frost help [COMMAND]`: the general usage, or exactly what `frost COMMAND --help` prints. */
static int help(int argc, char **argv)
{
    if (argc == 0) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    int (*run)(int, char **) = argc == 1 ? find_cmd(argv[0]) : NULL;
    if (!run) {
        if (argc == 1)
            fprintf(stderr, "frost help: unknown command '%s'\n\n%s", argv[0], usage);
        else
            fprintf(stderr, "frost help: one command at most\n\n%s", usage);
        return CLI_USAGE;
    }
    char help_flag[] = "--help";
    char *args[] = {help_flag, NULL};
    return run(1, args);
}

/* Whether an argument is a URL, alone or as the value of NAME=VALUE or --option=VALUE. */
static int names_url(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        if (rt_url_kind_of(argv[i]) || (eq && rt_url_kind_of(eq + 1)))
            return 1;
    }
    return 0;
}

/* A URL is read through libfrost_remote.so and libcurl, which this static executable can
 * neither link (Debian ships no static archives of several of libcurl's libraries) nor load
 * (static_dlopen.c); and a dynamically linked frost would pay the loader's ~13 ms for libcurl's
 * 30-odd libraries on every start, local files included. So the command runs in frost-remote —
 * the same CLI linked against libfrost.so, installed beside frost — with the same arguments, as
 * git hands https remotes to git-remote-https. Returns only when it cannot be run. */
static int run_twin(char **argv)
{
    char self[4096], twin[4096 + 16];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    char *slash = n > 0 ? memrchr(self, '/', (size_t)n) : NULL;
    if (!slash) {
        fprintf(stderr, "frost: a URL is read by frost-remote, but where this program lies is "
                        "unknown (/proc/self/exe: %s)\n", n < 0 ? strerror(errno) : "no path");
        return CLI_FAIL;
    }
    *slash = '\0';
    snprintf(twin, sizeof twin, "%s/frost-remote", self);
    execv(twin, argv);
    fprintf(stderr, "frost: a URL is read by %s, which cannot be run: %s\n", twin,
            strerror(errno));
    return CLI_FAIL;
}

int main(int argc, char **argv)
{
    hold_std_fds();
    /* Text for stdout (help, inspect, verify) is held whole until finish() flushes it: a write
     * that fails midway through a fputs leaves glibc's stream with EIO in errno by the time it
     * is reported, not the write's own error (ENOSPC on a full disk, EBADF when closed). */
    static char out_buf[1 << 16];
    if (!isatty(STDOUT_FILENO))
        setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf);
    if (names_url(argc, argv) && !rt_url_plugin_loadable())
        return run_twin(argv);
    if (argc < 2) {
        fputs(usage, stderr);
        return CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        fputs(usage, stdout);
        return finish(NULL, CLI_OK);
    }
    if (strcmp(cmd, "help") == 0)
        return finish("help", help(argc - 2, argv + 2));
    if (strcmp(cmd, "--version") == 0) {
        printf("frost %s\n", FROST_VERSION_STRING);
        return finish(NULL, CLI_OK);
    }
    int (*run)(int, char **) = find_cmd(cmd);
    if (run)
        return finish(cmd, run(argc - 2, argv + 2));
    fprintf(stderr, "frost: unknown command '%s'\n\n%s", cmd, usage);
    return CLI_USAGE;
}
