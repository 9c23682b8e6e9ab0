/*
 * source.c — the input of a conversion. A regular file is mapped read-only with MAP_POPULATE:
 * the page tables are filled in one call rather than one fault per 4 KiB page (10–20 µs each on
 * the VMs frost is measured on), and nothing is copied, so the input adds no anonymous memory.
 * Anything that cannot be mapped (a pipe, /dev/stdin, a filesystem that refuses) is read whole,
 * and so is a source whose digest or signature is checked (a mapping would show the parser
 * whatever another writer puts in the file after the check).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frost.h"
#include "source.h"

static int read_all(int fd, cv_source *s, const char *path, fr_err *e)
{
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf)
            return fr_fail(e, FROST_ENOMEM, "out of memory reading %s", path);
        if (len == cap) {
            uint8_t *grown = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
            if (!grown) {
                free(buf);
                return fr_fail(e, FROST_ENOMEM, "out of memory reading %s", path);
            }
            buf = grown;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            free(buf);
            return fr_fail(e, FROST_EIO, "cannot read %s: %s", path, strerror(err));
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    s->buf = buf;
    s->data = buf;
    s->len = len;
    return 0;
}

int cv_source_open(const char *path, int private, cv_source *s, fr_err *e)
{
    memset(s, 0, sizeof *s);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fr_fail(e, FROST_EIO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    int rc;
    if (!private && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uint64_t)st.st_size <= SIZE_MAX) {
        void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (map != MAP_FAILED) {
            s->map = map;
            s->data = map;
            s->len = (size_t)st.st_size;
            close(fd);
            return 0;
        }
    }
    rc = read_all(fd, s, path, e);
    close(fd);
    return rc;
}

void cv_source_close(cv_source *s)
{
    if (s->map)
        munmap(s->map, s->len);
    free(s->buf);
    memset(s, 0, sizeof *s);
}
