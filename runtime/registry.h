/*
 * registry.h — the reading side of a model registry (REGISTRY.md): a directory of named models,
 * each with immutable numbered versions and aliases that point at one, written by `frost registry`
 * (tools/registry/) and read by anything that opens a model. frost_open resolves
 * `ROOT/NAME@ALIAS` and `ROOT/NAME@VERSION` here, without a lock: writers replace whole files
 * and directories by rename, so a reader sees a version or an alias either as it was or as it
 * is, never half written.
 *
 * The alias and version-info files are parsed as hostile input (tests/fuzz/fuzz_registry.c):
 * bounded, every line checked, a clear error naming what is wrong.
 */
#ifndef FROST_RUNTIME_REGISTRY_H
#define FROST_RUNTIME_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* The marker that makes a directory a registry root, and its content. */
#define RT_REG_MARKER "frost-registry"
#define RT_REG_MARKER_TEXT "frost registry 1\n"
/* Names of models and aliases: [A-Za-z0-9._-], 1 to 64 bytes, not starting with '.'. */
#define RT_REG_NAME_MAX 64
/* An alias file keeps this many earlier targets (rollback history). */
#define RT_REG_HISTORY_MAX 64
/* Alias and info files larger than this are damaged. */
#define RT_REG_FILE_MAX 8192
/* Versions are 1 .. RT_REG_VERSION_MAX. */
#define RT_REG_VERSION_MAX 999999999u

/* Whether s is a valid model or alias name (alias: also not all digits, which would read as a
 * version). */
int rt_reg_name_ok(const char *s, size_t n, int alias);

/* An alias file: "frost alias 1", "target V T", then up to RT_REG_HISTORY_MAX "was V T" lines,
 * newest first (V a version, T seconds since 1970 when the alias came to point at it). */
typedef struct rt_alias {
    uint32_t target;
    int64_t since;
    uint32_t n_was;
    uint32_t was[RT_REG_HISTORY_MAX];
    int64_t was_since[RT_REG_HISTORY_MAX];
} rt_alias;
int rt_alias_parse(const char *text, size_t len, rt_alias *out, fr_err *e);
/* The file's text for a (NUL-terminated in buf; its length, or 0 when cap is too small). */
size_t rt_alias_format(const rt_alias *a, char *buf, size_t cap);

/* A version's info file: "frost version 1", then lines "KEY VALUE" (KEY: [a-z0-9_]{1,32}):
 * "version V", "pushed_at T", "size N",
 * "sha256 HEX" (each once, all required) and optional "source TEXT", "signed_by KEYID";
 * unknown keys of the same shape are skipped (a newer frost may add some). */
typedef struct rt_version_info {
    uint32_t version;
    int64_t pushed_at;
    uint64_t size;
    char sha256[65];
    char source[1024];   /* "" when absent */
    char signed_by[17];  /* "" when absent */
} rt_version_info;
int rt_version_info_parse(const char *text, size_t len, rt_version_info *out, fr_err *e);

/* Reads a whole small file (at most RT_REG_FILE_MAX bytes) into buf (cap > RT_REG_FILE_MAX). */
int rt_reg_read_file(const char *path, char *buf, size_t cap, size_t *len, fr_err *e);

/* The newest version of ROOT/NAME (the directory ROOT/NAME/versions listed), 0 when it has
 * none. Allocates nothing (getdents64 into a stack buffer). */
int rt_reg_latest(const char *model_dir, uint32_t *out, fr_err *e);

/* If ref is a registry reference (ROOT/NAME@ALIAS or ROOT/NAME@VERSION, and no file of that
 * name exists), the path of the version's model.frost into out and 1; 0 when ref is a plain
 * path (out untouched); a negative FR_E* code naming what does not resolve. *version gets the
 * version resolved (may be NULL). */
int rt_reg_resolve(const char *ref, char *out, size_t cap, uint32_t *version, fr_err *e);

#endif
