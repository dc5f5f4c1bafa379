/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure logic of tdxgmem: range validation, per-chunk state and order
 * computation, extent merging. No kernel-only calls: also built in
 * userspace by tests/unit.
 */
#ifndef _TDXGMEM_RANGE_H
#define _TDXGMEM_RANGE_H

#include "compat.h"
#include <uapi/linux/tdxgmem.h>

#define TDXGMEM_PAGE_SHIFT	12
#define TDXGMEM_PAGE_SIZE	BIT_ULL(TDXGMEM_PAGE_SHIFT)
#define TDXGMEM_CHUNK_SHIFT	9	/* pages per chunk, log2 */
#define TDXGMEM_CHUNK_PAGES	BIT(TDXGMEM_CHUNK_SHIFT)
#define TDXGMEM_HUGE_SHIFT	(TDXGMEM_PAGE_SHIFT + TDXGMEM_CHUNK_SHIFT)
#define TDXGMEM_CHUNK_WORDS	(TDXGMEM_CHUNK_PAGES / 64)
/* A 1 GiB range: 512 chunks. */
#define TDXGMEM_GIGA_CHUNKS_SHIFT 9	/* chunks per GiB, log2 */
#define TDXGMEM_GIGA_CHUNKS	BIT(TDXGMEM_GIGA_CHUNKS_SHIFT)
#define TDXGMEM_GIGA_ORDER	(TDXGMEM_CHUNK_SHIFT + TDXGMEM_GIGA_CHUNKS_SHIFT)
#define TDXGMEM_GIGA_SHIFT	(TDXGMEM_PAGE_SHIFT + TDXGMEM_GIGA_ORDER)
/* Largest file: the last page-aligned size a loff_t can hold. */
#define TDXGMEM_SIZE_MAX	(BIT_ULL(63) - TDXGMEM_PAGE_SIZE)

/**
 * struct tdxgmem_chunk_bits - per-page state of one 512-page chunk.
 * @populated:    bit set: the page has backing memory.
 * @private:      bit set: the page is private (else shared). Kept for
 *                unpopulated pages and across punch-hole.
 * @quarantined:  bit set: a consumer could not unmap the page; it stays
 *                populated and is never freed or handed out again.
 * @hwpoison:     bit set: memory failure hit the populated page (found by
 *                tdxgmem, which is not told; see store.c). Cleared when the
 *                page leaves the file.
 * @uncleared:   bit set: the populated private page was never cleared by
 *                the host: populated for a consumer that initializes its
 *                pages (TDXGMEM_CLIENT_INITIALIZES); cleared before anybody
 *                else may read it (zeroing.c).
 * @nr_populated: number of bits set in @populated.
 * @nr_quarantined: number of bits set in @quarantined.
 * @nr_hwpoison:  number of bits set in @hwpoison.
 * @nr_uncleared: number of bits set in @uncleared.
 * @contig:       every populated page belongs to one naturally aligned,
 *                physically contiguous 2 MiB block, at its own index.
 */
struct tdxgmem_chunk_bits {
	u64 populated[TDXGMEM_CHUNK_WORDS];
	u64 private[TDXGMEM_CHUNK_WORDS];
	u64 quarantined[TDXGMEM_CHUNK_WORDS];
	u64 hwpoison[TDXGMEM_CHUNK_WORDS];
	u64 uncleared[TDXGMEM_CHUNK_WORDS];
	u32 nr_populated;
	u32 nr_quarantined;
	u32 nr_hwpoison;
	u32 nr_uncleared;
	bool contig;
};

/**
 * struct tdxgmem_page_info - what TDXGMEM_QUERY reports for one page.
 * @state:        TDXGMEM_STATE_* bits.
 * @backing_log2: 30 inside a 1 GiB range, 21 inside another contiguous
 *                chunk, 12 other populated, else 0.
 * @map_log2:     largest size a consumer may map now, log2 (30, 21, 12 or
 *                0).
 */
struct tdxgmem_page_info {
	u32 state;
	u8 backing_log2;
	u8 map_log2;
};

/**
 * struct tdxgmem_census - page counts of a file (netlink GET_FILE).
 * @populated:   pages with backing.
 * @private:     pages whose attribute is private, populated or not.
 * @quarantined: quarantined pages.
 * @hwpoison:    pages found poisoned.
 * @backing_2m:  chunks backed by one 2 MiB block.
 * @backing_4k:  populated pages outside such a block.
 * @dm_removed:  pages out of the direct map (NO_DIRECT_MAP files).
 */
struct tdxgmem_census {
	u64 populated;
	u64 private;
	u64 quarantined;
	u64 hwpoison;
	u64 backing_2m;
	u64 backing_4k;
	u64 dm_removed;
};

/**
 * struct tdxgmem_extent_buf - extents being filled for TDXGMEM_QUERY.
 * @ext: array of @cap entries.
 * @cap: capacity of @ext.
 * @nr:  entries filled so far.
 */
struct tdxgmem_extent_buf {
	struct tdxgmem_extent *ext;
	u32 cap;
	u32 nr;
};

bool tdxgmem_bit_test(const u64 *map, u32 i);
void tdxgmem_bits_assign(u64 *map, u32 first, u32 end, bool val);
u32 tdxgmem_bits_count(const u64 *map, u32 first, u32 end);

void tdxgmem_chunk_bits_init(struct tdxgmem_chunk_bits *b, bool private);
bool tdxgmem_chunk_bits_uniform(const struct tdxgmem_chunk_bits *b,
				bool private);
bool tdxgmem_chunk_huge_mappable(const struct tdxgmem_chunk_bits *b);
bool tdxgmem_chunk_mark_hwpoison(struct tdxgmem_chunk_bits *b, u32 i);
void tdxgmem_chunk_unpopulate(struct tdxgmem_chunk_bits *b, u32 i);
void tdxgmem_chunk_page_info(const struct tdxgmem_chunk_bits *b, u32 i,
			     u8 contig_log2, u8 huge_log2,
			     struct tdxgmem_page_info *pi);
bool tdxgmem_extent_add(struct tdxgmem_extent_buf *eb, u64 pgoff, u64 npages,
			const struct tdxgmem_page_info *pi);
void tdxgmem_chunk_census(const struct tdxgmem_chunk_bits *b, u32 span,
			  bool nodm, struct tdxgmem_census *cs);
u64 tdxgmem_chunk_describe(const struct tdxgmem_chunk_bits *b, bool private,
			   u64 pg, u64 end, bool giga, bool giga_ok,
			   struct tdxgmem_extent_buf *eb);

u64 tdxgmem_size_limit(u64 max_file_size);
int tdxgmem_check_size(u64 size, u64 max_size);
int tdxgmem_range_alloc(u64 off, u64 len, u64 fsize, u64 *start, u64 *end);
int tdxgmem_range_punch(u64 off, u64 len, u64 fsize, u64 *start, u64 *end);
int tdxgmem_attr_check(u64 attributes, u64 flags, const u64 *reserved, u32 nr);
int tdxgmem_range_query(u64 off, u64 len, u64 fsize, u64 *start, u64 *end);

#endif /* _TDXGMEM_RANGE_H */
