/*
 * outfile.h — the one way frost writes a file (frost_builder_write, hence `frost convert`, and
 * `frost predict/transform -o`), so that no run ever destroys what the user had:
 *
 *  - PATH is a regular file or does not exist: the output goes to a temporary file beside it,
 *    which is synced and renamed over PATH only on commit (then the directory is synced). A
 *    failure or an abort leaves PATH as it was and no temporary file. A replaced file keeps its
 *    permission bits (and, where allowed, its owner); a new one gets what open(O_CREAT, 0666)
 *    would give (the umask, default ACLs).
 *  - PATH is a symbolic link (or a chain of them): it stays a link; the file it leads to is
 *    written by the rules here (a dangling link's target is created).
 *  - PATH is not a regular file (a device such as /dev/null, a FIFO, a socket): it is written
 *    directly, without a temporary file, rename, truncation or unlink. /dev/stdout, /dev/stderr,
 *    /dev/fd/N and /proc/self/fd/N write to the process's own descriptor N (a duplicate), so
 *    they keep its offset and append mode whatever N is open on.
 *
 * Every failure is FROST_EIO (FROST_ENOMEM for memory) with a message naming the path and
 * strerror ("write error on out.csv: No space left on device"). Writes to a FIFO or socket never
 * raise SIGPIPE through wr_out_write: a reader that went away is the error EPIPE.
 *
 * Ownership: an wr_out owns its descriptor, its stream (wr_out_file) and its temporary file from
 * wr_out_open until wr_out_commit or wr_out_abort, exactly one of which must follow a successful
 * open. Not thread-safe: one writer per wr_out.
 */
#ifndef FROST_WRITER_OUTFILE_H
#define FROST_WRITER_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

#include "alloc.h"
#include "err.h"

typedef struct wr_out {
    int fd;        /* where the bytes go: the temporary file, or PATH's own file; -1 once closed */
    int direct;    /* 1: fd is PATH's own (non-regular) file: no temporary file, no rename */
    char *path;    /* PATH as the caller named it, for messages */
    char *target;  /* the regular file to create or replace (links resolved); NULL if direct */
    char *tmp;     /* the temporary file beside target; NULL if direct */
    FILE *file;    /* the stream wr_out_file made on fd, or NULL */
    const fr_allocator *alloc; /* the names' memory; NULL = malloc */
} wr_out;

/* Opens PATH for writing by the rules above; the names o keeps are allocated with a (NULL:
 * malloc; a must outlive o). A FIFO's open waits for a reader, as a shell redirection does.
 * On failure nothing was created and o needs no cleanup. */
int wr_out_open(wr_out *o, const char *path, const fr_allocator *a, fr_err *e);

/* Writes all len bytes (resuming short writes and EINTR). */
int wr_out_write(wr_out *o, const void *buf, size_t len, fr_err *e);

/* A stdio stream on the output for callers that print (fileno works on it). The stream belongs
 * to o: wr_out_commit flushes and closes it, wr_out_abort discards it; never fclose it. */
FILE *wr_out_file(wr_out *o, fr_err *e);

/* Finishes the output: flushes the stream, syncs and closes the file, renames it over the
 * target and syncs the directory. On failure the target is untouched, the temporary file is
 * removed and o is released just as by wr_out_abort. */
int wr_out_commit(wr_out *o, fr_err *e);

/* Gives the output up: closes it and removes the temporary file; PATH is as before the open.
 * Bytes already written to a device or FIFO cannot be taken back. Accepts a closed o. */
void wr_out_abort(wr_out *o);

/* 1 when writing out_path would write the file in_path names: the same regular file, reached
 * by the same name, a hard link, or symbolic links. 0 otherwise (also when either does not
 * exist, or the shared file is a device or FIFO, which writing does not destroy). */
int wr_out_is_input(const char *out_path, const char *in_path);

#endif
