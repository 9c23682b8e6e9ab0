/*
 * store.h — the writing side of a model registry (REGISTRY.md): the lock a writer holds on one
 * model, and the few changes it makes, each one rename of a complete, synced file or directory
 * (git's lockfile and refs habits): a version directory, an alias file. A writer killed at any
 * point leaves every reference resolvable; what it leaves behind (its lock, temporary files) is
 * cleared by the next writer. Readers (runtime/registry.c) take no lock.
 */
#ifndef FROST_TOOLS_REGISTRY_STORE_H
#define FROST_TOOLS_REGISTRY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "registry.h"

/* One model of a registry: ROOT/NAME and its parts. */
typedef struct reg_model {
    char root[4096];
    char name[RT_REG_NAME_MAX + 1];
    char dir[4096];      /* ROOT/NAME */
    int lock_fd;         /* held lock (flock'ed lock file), or -1 */
    char lock_path[4096];
} reg_model;

/* ROOT/NAME checked (names: [A-Za-z0-9._-]) and its paths set; nothing is touched on disk.
 * create: make ROOT (and its marker) and ROOT/NAME as needed, refusing a non-empty ROOT that is
 * not a registry; otherwise both must exist. */
int reg_model_init(reg_model *m, const char *root, const char *name, int create, fr_err *e);

/* Takes ROOT/NAME/lock: created whole by link() of a synced file naming its owner (pid, host,
 * time) and held by flock, so a writer that died leaves a lock any later writer can tell is
 * stale (its flock is free) and remove. Waits up to wait_ms for a live owner, then fails naming
 * it. Then clears what dead writers left (temporary files and directories). *note gets a line
 * for the user when a stale lock was removed ("" otherwise). */
int reg_lock(reg_model *m, int wait_ms, char *note, size_t note_cap, fr_err *e);
/* Gives the lock up (unlink, then close: the flock ends last). Accepts a model not locked. */
void reg_unlock(reg_model *m);

/* The versions of the model, ascending, into v (at most cap; *n gets how many exist). */
int reg_versions(const reg_model *m, uint32_t *v, size_t cap, size_t *n, fr_err *e);
/* The alias names of the model into names (at most cap, sorted; *n how many). */
int reg_aliases(const reg_model *m, char (*names)[RT_REG_NAME_MAX + 1], size_t cap, size_t *n,
                fr_err *e);

/* Reads alias `alias`: 0 with *a filled; FR_EINVAL when it does not exist. */
int reg_alias_read(const reg_model *m, const char *alias, rt_alias *a, fr_err *e);
/* Points alias at version v (held lock), keeping its former target first in its history. */
int reg_alias_set(reg_model *m, const char *alias, uint32_t v, fr_err *e);
/* Replaces an alias with exactly a (rollback), atomically. */
int reg_alias_write(reg_model *m, const char *alias, const rt_alias *a, fr_err *e);

/* Reads version v's info file. */
int reg_info_read(const reg_model *m, uint32_t v, rt_version_info *info, fr_err *e);

/* Adds version `next` (held lock) from the model file src (its bytes are copied, synced, made
 * read-only; then check(copy, ctx) runs on the copy — the bytes that will be served — and only
 * when it passes is the version renamed into place). info's fields besides version, size,
 * sha256 and pushed_at are the caller's. */
int reg_version_add(reg_model *m, uint32_t next, const char *src, rt_version_info *info,
                    int (*check)(const char *copy, void *ctx, fr_err *e), void *ctx, fr_err *e);

/* Removes version v (held lock): renamed out of versions/ first, so no reader finds it half
 * removed. */
int reg_version_remove(reg_model *m, uint32_t v, fr_err *e);

/* The registry's models, sorted (at most cap). */
int reg_models(const char *root, char (*names)[RT_REG_NAME_MAX + 1], size_t cap, size_t *n,
               fr_err *e);

#endif
