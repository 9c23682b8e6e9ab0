/*
 * io_req.h — one read of the I/O seam: what the loader asks of every backend (io_uring, pread,
 * and the remote plugin, which is built apart from libfrost and sees this header alone of the
 * runtime's).
 */
#ifndef FROST_RUNTIME_IO_REQ_H
#define FROST_RUNTIME_IO_REQ_H

#include <stdint.h>

/* One read: len bytes at file offset into dst. done counts bytes already read (short reads are
 * resumed from there). */
typedef struct rt_req {
    uint64_t offset;
    uint32_t len;
    uint32_t done;
    uint8_t *dst;
} rt_req;

#endif
