/*
 * endian.h — little-endian reads and writes of on-disk integers and floats.
 *
 * Every on-disk number goes through these (memcpy, then a byte swap on big-endian hosts), never
 * through a cast of mapped bytes to a struct: alignment and byte order are the file's, not the
 * host's.
 */
#ifndef FROST_ENDIAN_H
#define FROST_ENDIAN_H

#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define FR_BSWAP16(x) __builtin_bswap16(x)
#define FR_BSWAP32(x) __builtin_bswap32(x)
#define FR_BSWAP64(x) __builtin_bswap64(x)
#else
#define FR_BSWAP16(x) (x)
#define FR_BSWAP32(x) (x)
#define FR_BSWAP64(x) (x)
#endif

static inline uint16_t fr_rd16(const void *p) { uint16_t v; memcpy(&v, p, 2); return FR_BSWAP16(v); }
static inline uint32_t fr_rd32(const void *p) { uint32_t v; memcpy(&v, p, 4); return FR_BSWAP32(v); }
static inline uint64_t fr_rd64(const void *p) { uint64_t v; memcpy(&v, p, 8); return FR_BSWAP64(v); }
static inline float fr_rdf32(const void *p) { uint32_t u = fr_rd32(p); float f; memcpy(&f, &u, 4); return f; }
static inline double fr_rdf64(const void *p) { uint64_t u = fr_rd64(p); double d; memcpy(&d, &u, 8); return d; }

static inline void fr_wr16(void *p, uint16_t v) { v = FR_BSWAP16(v); memcpy(p, &v, 2); }
static inline void fr_wr32(void *p, uint32_t v) { v = FR_BSWAP32(v); memcpy(p, &v, 4); }
static inline void fr_wr64(void *p, uint64_t v) { v = FR_BSWAP64(v); memcpy(p, &v, 8); }
static inline void fr_wrf32(void *p, float f) { uint32_t u; memcpy(&u, &f, 4); fr_wr32(p, u); }
static inline void fr_wrf64(void *p, double d) { uint64_t u; memcpy(&u, &d, 8); fr_wr64(p, u); }

/* Big-endian 64-bit, for xxHash's canonical form. */
static inline uint64_t fr_rdbe64(const void *p)
{
    const uint8_t *b = p;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | b[i];
    return v;
}
static inline void fr_wrbe64(void *p, uint64_t v)
{
    uint8_t *b = p;
    for (int i = 7; i >= 0; i--) {
        b[i] = (uint8_t)v;
        v >>= 8;
    }
}

#endif
