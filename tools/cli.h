/*
 * cli.h — what the frost subcommands share: argument parsing that takes options before or after
 * positionals, exit codes, and the error printer.
 *
 * Exit codes: 0 success; 1 the input was refused, unsupported or damaged, or an output could not
 * be written (always with a message on stderr); 2 the command line was wrong. stdout carries only
 * results.
 */
#ifndef FROST_CLI_H
#define FROST_CLI_H

#include <stdio.h>

#include "frost.h"
#include "outfile.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* The values of an option that may be given more than once (--meta K=V --meta K2=V2). */
typedef struct cli_list {
    const char **v;         /* the caller's array of cap entries */
    int n, cap;
} cli_list;

/* One option a subcommand accepts. takes_value: the next argument (or "=value") is its value. */
typedef struct cli_opt {
    const char *long_name;  /* "--proba" */
    const char *short_name; /* "-o" or NULL */
    int takes_value;
    const char **value;     /* where a value goes (takes_value) */
    int *flag;              /* set to 1 when present (!takes_value) */
} cli_opt;

/* Takes every occurrence of the repeatable option `name` ("--meta V", "--meta=V") out of argv
 * (up to a "--"), in order, into out; *argc shrinks accordingly. CLI_OK, or CLI_USAGE after
 * printing why (no value, or more than out->cap). Run before cli_parse. */
int cli_take_all(const char *cmd, const char *name, int *argc, char **argv, cli_list *out);

/* Splits argv (after the subcommand) into options and up to max_pos positionals. Returns CLI_OK,
 * or CLI_USAGE after printing what is wrong; *help is set for -h/--help. */
int cli_parse(const char *cmd, int argc, char **argv, cli_opt *opts, const char **pos,
              int max_pos, int *n_pos, int *help);

/* Prints "frost CMD: what: frost_errmsg" and returns CLI_FAIL (CLI_USAGE for FROST_EINVAL when
 * usage is set). */
int cli_error(const char *cmd, const char *what, int code, const char *detail);

/* Prints "frost CMD: write error on WHAT: strerror(err)" (cmd NULL: "frost: …"; err 0: EIO). */
void cli_write_error(const char *cmd, const char *what, int err);

/* CLI_FAIL after printing why when writing OUT would overwrite the input IN (the same name, a
 * hard link, or symbolic links to it); CLI_OK otherwise. Checked before anything is written. */
int cli_check_output(const char *cmd, const char *out, const char *in);

/* -o OUT: opened by the rules of outfile.h (a file replaced atomically, a device or FIFO written
 * directly) as a stream, or NULL after printing why. cli_output_close commits it when ok (else
 * gives it up, leaving OUT as it was) and returns CLI_OK, or CLI_FAIL after printing why. */
FILE *cli_output_open(const char *cmd, const char *path, wr_out *o);
int cli_output_close(const char *cmd, wr_out *o, int ok);

/* Public keys a command requires models to be signed by (--pub, FROST_REQUIRE_SIGNATURE). */
#define CLI_MAX_KEYS 32
typedef struct cli_keys {
    frost_public_key k[CLI_MAX_KEYS];
    size_t n;
} cli_keys;
/* Adds the key in a .pub file; what prefixes the message of a failure. */
int cli_keys_add_file(const char *cmd, cli_keys *keys, const char *path, const char *what);
/* Adds the keys FROST_REQUIRE_SIGNATURE=a.pub[:b.pub…] names (none when unset; set but
 * empty is a usage error, never a silent "no key"). */
int cli_keys_from_env(const char *cmd, cli_keys *keys);
/* frost_open as every command opens a model: with keys (and FROST_REQUIRE_SIGNATURE's) required.
 * opts may be NULL. CLI_OK, or a CLI code after printing "frost CMD: PATH: why". */
int cli_open_model(const char *cmd, const char *path, frost_open_options *opts, cli_keys *keys,
                   frost_model **out);
/* A model path as messages and output name it: a URL without its credentials (url.h), a file
 * path as given. buf (CLI_NAME_MAX bytes) may hold the result. */
#define CLI_NAME_MAX 512
const char *cli_model_name(const char *path, char *buf, size_t cap);

int cmd_inspect(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_registry(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_transform(int argc, char **argv);
int cmd_serve(int argc, char **argv); /* runs frost-serve (tools/serve/) */

#endif
