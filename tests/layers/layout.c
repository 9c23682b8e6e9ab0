/*
 * layout.c — prints where format/layout.h places each fixed field, one line per field as
 * "TABLE OFFSET FIELD" (and "TABLE size N"), for check_layout.py to hold against the offset
 * tables of format/FORMAT.md. Built with format/ alone.
 */
#include <stdio.h>

#include "layout.h"

#define ROW(table, name, field) printf("%s %u %s\n", table, (unsigned)(name), field)
#define SIZE(table, name) printf("%s size %u\n", table, (unsigned)(name))

int main(void)
{
    ROW("Superblock", FMT_SB_MAGIC, "magic");
    ROW("Superblock", FMT_SB_MAJOR, "major");
    ROW("Superblock", FMT_SB_MINOR, "minor");
    ROW("Superblock", FMT_SB_FLAGS, "flags");
    ROW("Superblock", FMT_SB_BLOCK_SHIFT, "block_shift");
    ROW("Superblock", FMT_SB_SECTION_COUNT, "section_count");
    ROW("Superblock", FMT_SB_HEADER_SIZE, "header_size");
    ROW("Superblock", FMT_SB_DATA_SIZE, "data_size");
    ROW("Superblock", FMT_SB_TRAILER_SIZE, "trailer_size");
    ROW("Superblock", FMT_SB_FILE_SIZE, "file_size");
    ROW("Superblock", FMT_SB_RESERVED, "reserved");
    ROW("Superblock", FMT_SB_DIGEST, "header_digest");
    ROW("Superblock", FMT_SB_READER, "reader");
    ROW("Superblock", FMT_SB_RESERVED2, "reserved");
    SIZE("Superblock", FMT_SUPERBLOCK_SIZE);
    ROW("Section table", FMT_SE_TYPE, "type");
    ROW("Section table", FMT_SE_FLAGS, "flags");
    ROW("Section table", FMT_SE_OFFSET, "offset");
    ROW("Section table", FMT_SE_LENGTH, "length");
    ROW("Section table", FMT_SE_RESERVED, "reserved");
    SIZE("Section table", FMT_SECTION_ENTRY);
    ROW("BLOCKS", FMT_BE_OFFSET, "offset");
    ROW("BLOCKS", FMT_BE_STORED_SIZE, "stored_size");
    ROW("BLOCKS", FMT_BE_RAW_SIZE, "raw_size");
    ROW("BLOCKS", FMT_BE_CODEC, "codec");
    ROW("BLOCKS", FMT_BE_RESERVED, "reserved");
    ROW("BLOCKS", FMT_BE_CHECKSUM, "checksum");
    SIZE("BLOCKS", FMT_BLOCK_ENTRY);
    ROW("CHUNKS", FMT_CE_KIND, "kind");
    ROW("CHUNKS", FMT_CE_FIRST_BLOCK, "first_block");
    ROW("CHUNKS", FMT_CE_BLOCK_COUNT, "block_count");
    ROW("CHUNKS", FMT_CE_RESERVED, "reserved");
    ROW("CHUNKS", FMT_CE_RAW_SIZE, "raw_size");
    SIZE("CHUNKS", FMT_CHUNK_ENTRY);
    ROW("Tree record", FMT_TR_TOP_OFFSET, "top_offset");
    ROW("Tree record", FMT_TR_TOP_SIZE, "top_size");
    ROW("Tree record", FMT_TR_BODY_CHUNK, "body_chunk");
    ROW("Tree record", FMT_TR_BODY_OFFSET, "body_offset");
    ROW("Tree record", FMT_TR_BODY_SIZE, "body_size");
    ROW("Tree record", FMT_TR_RAW_COLUMN, "raw_column");
    ROW("Tree record", FMT_TR_N_SPLITS, "n_splits");
    ROW("Tree record", FMT_TR_N_LEAVES, "n_leaves");
    SIZE("Tree record", FMT_TREE_RECORD);
    ROW("Split node", FMT_SN_THRESHOLD, "threshold");
    ROW("Split node", FMT_SN_WORD, "bits 0–23 feature index");
    ROW("Split node", FMT_SN_LEFT, "left");
    ROW("Split node", FMT_SN_RIGHT, "right");
    SIZE("Split node", FMT_SPLIT_NODE);
    ROW("Wide split node", FMT_WN_THRESHOLD, "threshold");
    ROW("Wide split node", FMT_WN_WORD, "bits 0–23 feature index");
    ROW("Wide split node", FMT_WN_LEFT, "left");
    ROW("Wide split node", FMT_WN_RIGHT, "right");
    ROW("Wide split node", FMT_WN_RESERVED, "reserved");
    SIZE("Wide split node", FMT_WIDE_SPLIT_NODE);
    ROW("Footer", FMT_FT_MAGIC, "end magic");
    ROW("Footer", FMT_FT_HEADER_SIZE, "header_size");
    ROW("Footer", FMT_FT_FILE_SIZE, "file_size");
    ROW("Footer", FMT_FT_RESERVED, "reserved");
    SIZE("Footer", FMT_FOOTER_SIZE);
    ROW("Signature trailer", FMT_SIG_TYPE, "type");
    ROW("Signature trailer", FMT_SIG_LENGTH, "length");
    ROW("Signature trailer", FMT_SIG_PUBLIC_KEY, "public_key");
    ROW("Signature trailer", FMT_SIG_HEADER_HASH, "header_hash");
    ROW("Signature trailer", FMT_SIG_DATA_HASH, "data_hash");
    ROW("Signature trailer", FMT_SIG_SIGNATURE, "signature");
    SIZE("Signature trailer", FMT_SIG_RECORD);
    return 0;
}
