/*
 * layout.h — where each fixed field of a .frost file sits (FORMAT.md's offset tables), named
 * once for the reader, the writer and the tests; tests/stages/layers.sh holds these numbers
 * against the tables in FORMAT.md.
 */
#ifndef FROST_FORMAT_LAYOUT_H
#define FROST_FORMAT_LAYOUT_H

/* Superblock (offset 0, FMT_SUPERBLOCK_SIZE bytes) */
#define FMT_SB_MAGIC 0          /* 8 bytes */
#define FMT_SB_MAJOR 8          /* u16 */
#define FMT_SB_MINOR 10         /* u16 */
#define FMT_SB_FLAGS 12         /* u32 */
#define FMT_SB_BLOCK_SHIFT 16   /* u32 */
#define FMT_SB_SECTION_COUNT 20 /* u32 */
#define FMT_SB_HEADER_SIZE 24   /* u64 */
#define FMT_SB_DATA_SIZE 32     /* u64 */
#define FMT_SB_TRAILER_SIZE 40  /* u64 */
#define FMT_SB_FILE_SIZE 48     /* u64 */
#define FMT_SB_RESERVED 56      /* u64 */
#define FMT_SB_DIGEST 64        /* 16 bytes */
#define FMT_SB_READER 80        /* 32 bytes: zero in major 1; later majors name their reader */
#define FMT_SB_RESERVED2 112    /* 16 bytes, to the end of the superblock */
#define FMT_SUPERBLOCK_SIZE 128u

/* Section table entry (offset 128 + 32 × i) */
#define FMT_SE_TYPE 0     /* u32 */
#define FMT_SE_FLAGS 4    /* u32 */
#define FMT_SE_OFFSET 8   /* u64 */
#define FMT_SE_LENGTH 16  /* u64 */
#define FMT_SE_RESERVED 24 /* u64 */
#define FMT_SECTION_ENTRY 32u

/* Signature trailer, type 1 (Ed25519): at header_size + data_size, trailer_size bytes */
#define FMT_SIG_TYPE 0           /* u32 */
#define FMT_SIG_LENGTH 4         /* u32: bytes after these 8 */
#define FMT_SIG_PUBLIC_KEY 8     /* 32 bytes */
#define FMT_SIG_HEADER_HASH 40   /* 32 bytes, BLAKE2b-256 */
#define FMT_SIG_DATA_HASH 72     /* 32 bytes, BLAKE2b-256 */
#define FMT_SIG_SIGNATURE 104    /* 64 bytes, Ed25519 */
#define FMT_SIG_RECORD 168u

/* Footer (the last 32 bytes) */
#define FMT_FT_MAGIC 0       /* 8 bytes */
#define FMT_FT_HEADER_SIZE 8 /* u64 */
#define FMT_FT_FILE_SIZE 16  /* u64 */
#define FMT_FT_RESERVED 24   /* u64 */
#define FMT_FOOTER_SIZE 32u

/* BLOCKS entry (after the u32 count and u32 reserved) */
#define FMT_BE_OFFSET 0       /* u64 */
#define FMT_BE_STORED_SIZE 8  /* u32 */
#define FMT_BE_RAW_SIZE 12    /* u32 */
#define FMT_BE_CODEC 16       /* u8, then 3 reserved bytes and a reserved u32 */
#define FMT_BE_RESERVED 17    /* 7 bytes */
#define FMT_BE_CHECKSUM 24    /* 8 bytes, canonical XXH3-64 */
#define FMT_BLOCK_ENTRY 32u

/* CHUNKS entry */
#define FMT_CE_KIND 0         /* u32 */
#define FMT_CE_FIRST_BLOCK 4  /* u32 */
#define FMT_CE_BLOCK_COUNT 8  /* u32 */
#define FMT_CE_RESERVED 12    /* u32 */
#define FMT_CE_RAW_SIZE 16    /* u64 */
#define FMT_CHUNK_ENTRY 24u

/* ENSEMBLE tree record */
#define FMT_TR_TOP_OFFSET 0   /* u64 */
#define FMT_TR_TOP_SIZE 8     /* u32 */
#define FMT_TR_BODY_CHUNK 12  /* u32 */
#define FMT_TR_BODY_OFFSET 16 /* u64 */
#define FMT_TR_BODY_SIZE 24   /* u32 */
#define FMT_TR_RAW_COLUMN 28  /* u32 */
#define FMT_TR_N_SPLITS 32    /* u32 */
#define FMT_TR_N_LEAVES 36    /* u32 */
#define FMT_TREE_RECORD 40u

/* Split node (16 bytes) */
#define FMT_SN_THRESHOLD 0    /* f32 */
#define FMT_SN_WORD 4         /* u32: feature, flags */
#define FMT_SN_LEFT 8         /* u32 ref */
#define FMT_SN_RIGHT 12       /* u32 ref */
#define FMT_SPLIT_NODE 16u

/* Wide split node (24 bytes, format 1.3; a categorical one is followed by its category set) */
#define FMT_WN_THRESHOLD 0    /* f64 */
#define FMT_WN_WORD 8         /* u32: feature, flags */
#define FMT_WN_LEFT 12        /* u32 ref */
#define FMT_WN_RIGHT 16       /* u32 ref */
#define FMT_WN_RESERVED 20    /* u32 */
#define FMT_WIDE_SPLIT_NODE 24u

#endif
