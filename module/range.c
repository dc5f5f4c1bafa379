// SPDX-License-Identifier: GPL-2.0
/*
 * Pure logic of tdxgmem, shared by the module and the userspace unit tests:
 * range validation (alignment, overflow, EOF clipping), per-chunk state and
 * mapping-order computation, and merging of TDXGMEM_QUERY extents.
 *
 * Only fixed-width types and errno values; no kernel-only calls.
 */
#include "range.h"

#define TDXGMEM_PAGE_MASK	(TDXGMEM_PAGE_SIZE - 1)

/**
 * tdxgmem_bit_test() - test bit @i of a chunk bitmap.
 * @map: bitmap of TDXGMEM_CHUNK_PAGES bits.
 * @i:   bit number, below TDXGMEM_CHUNK_PAGES.
 *
 * Return: the bit's value.
 */
bool tdxgmem_bit_test(const u64 *map, u32 i)
{
	return (map[i / 64] >> (i % 64)) & 1;
}

/**
 * tdxgmem_bits_assign() - set or clear bits [@first, @end) of a bitmap.
 * @map:   bitmap of TDXGMEM_CHUNK_PAGES bits.
 * @first: first bit.
 * @end:   one past the last bit, at most TDXGMEM_CHUNK_PAGES.
 * @val:   value to store.
 */
void tdxgmem_bits_assign(u64 *map, u32 first, u32 end, bool val)
{
	u32 i, next;

	/* A word at a time: whole chunks are assigned on every free. */
	for (i = first; i < end; i = next) {
		u32 lo = i % 64;
		u64 m;

		next = (i / 64 + 1) * 64;
		if (next > end)
			next = end;
		m = next - i == 64 ? ~0ULL : ((1ULL << (next - i)) - 1) << lo;
		if (val)
			map[i / 64] |= m;
		else
			map[i / 64] &= ~m;
	}
}

/**
 * tdxgmem_bits_count() - count set bits in [@first, @end) of a bitmap.
 * @map:   bitmap of TDXGMEM_CHUNK_PAGES bits.
 * @first: first bit.
 * @end:   one past the last bit, at most TDXGMEM_CHUNK_PAGES.
 *
 * Return: the number of set bits.
 */
u32 tdxgmem_bits_count(const u64 *map, u32 first, u32 end)
{
	u32 i, n = 0;

	for (i = first; i < end; i++)
		n += tdxgmem_bit_test(map, i);
	return n;
}

/**
 * tdxgmem_chunk_bits_init() - state of a chunk nobody has touched yet.
 * @b:       chunk state to initialise.
 * @private: the file's initial attribute.
 */
void tdxgmem_chunk_bits_init(struct tdxgmem_chunk_bits *b, bool private)
{
	u32 i;

	for (i = 0; i < TDXGMEM_CHUNK_WORDS; i++) {
		b->populated[i] = 0;
		b->private[i] = private ? ~0ULL : 0;
		b->quarantined[i] = 0;
		b->hwpoison[i] = 0;
		b->uncleared[i] = 0;
	}
	b->nr_populated = 0;
	b->nr_quarantined = 0;
	b->nr_hwpoison = 0;
	b->nr_uncleared = 0;
	b->contig = false;
}

/**
 * tdxgmem_chunk_bits_uniform() - is the chunk indistinguishable from an
 *                                absent one?
 * @b:       chunk state.
 * @private: the file's initial attribute.
 *
 * Return: true if nothing is populated and every page has the initial
 * attribute, so the chunk may be dropped from the file.
 */
bool tdxgmem_chunk_bits_uniform(const struct tdxgmem_chunk_bits *b,
				bool private)
{
	u64 want = private ? ~0ULL : 0;
	u32 i;

	if (b->nr_populated)
		return false;
	for (i = 0; i < TDXGMEM_CHUNK_WORDS; i++)
		if (b->private[i] != want)
			return false;
	return true;
}

/**
 * tdxgmem_chunk_huge_mappable() - may the whole chunk be mapped at 2 MiB?
 * @b: chunk state.
 *
 * Return: true if the chunk is one contiguous 2 MiB block, fully
 * populated, all private and with no quarantined or poisoned page.
 */
bool tdxgmem_chunk_huge_mappable(const struct tdxgmem_chunk_bits *b)
{
	u32 i;

	if (!b->contig || b->nr_populated != TDXGMEM_CHUNK_PAGES ||
	    b->nr_quarantined || b->nr_hwpoison)
		return false;
	for (i = 0; i < TDXGMEM_CHUNK_WORDS; i++)
		if (b->private[i] != ~0ULL)
			return false;
	return true;
}

/**
 * tdxgmem_chunk_mark_hwpoison() - note that memory failure hit page @i.
 * @b: chunk state.
 * @i: page index within the chunk; the page is populated.
 *
 * Return: true if the page was not known to be poisoned before.
 */
bool tdxgmem_chunk_mark_hwpoison(struct tdxgmem_chunk_bits *b, u32 i)
{
	if (!tdxgmem_bit_test(b->populated, i) ||
	    tdxgmem_bit_test(b->hwpoison, i))
		return false;
	tdxgmem_bits_assign(b->hwpoison, i, i + 1, true);
	b->nr_hwpoison++;
	return true;
}

/**
 * tdxgmem_chunk_unpopulate() - page @i lost its backing.
 * @b: chunk state.
 * @i: page index within the chunk; the page is populated.
 *
 * Its attribute stays; whatever was known about the old page goes with it.
 */
void tdxgmem_chunk_unpopulate(struct tdxgmem_chunk_bits *b, u32 i)
{
	if (!tdxgmem_bit_test(b->populated, i))
		return;
	tdxgmem_bits_assign(b->populated, i, i + 1, false);
	b->nr_populated--;
	if (tdxgmem_bit_test(b->hwpoison, i)) {
		tdxgmem_bits_assign(b->hwpoison, i, i + 1, false);
		b->nr_hwpoison--;
	}
	if (tdxgmem_bit_test(b->uncleared, i)) {
		tdxgmem_bits_assign(b->uncleared, i, i + 1, false);
		b->nr_uncleared--;
	}
}

/**
 * tdxgmem_chunk_page_info() - what TDXGMEM_QUERY reports for one page.
 * @b:       chunk state.
 * @i:       page index within the chunk.
 * @contig_log2: log2 of the contiguous backing if @b->contig: 21, or 30
 *           for a chunk of an intact 1 GiB range.
 * @huge_log2: log2 of the largest mapping of the whole chunk (21 or 30),
 *           0 if it may not be mapped whole; computed once per chunk.
 * @pi:      result.
 */
void tdxgmem_chunk_page_info(const struct tdxgmem_chunk_bits *b, u32 i,
			     u8 contig_log2, u8 huge_log2,
			     struct tdxgmem_page_info *pi)
{
	bool populated = tdxgmem_bit_test(b->populated, i);
	bool private = tdxgmem_bit_test(b->private, i);

	pi->state = (private ? TDXGMEM_STATE_PRIVATE : 0) |
		    (populated ? TDXGMEM_STATE_POPULATED : 0);
	pi->backing_log2 = 0;
	pi->map_log2 = 0;
	if (!populated)
		return;
	pi->backing_log2 = b->contig ? contig_log2 : TDXGMEM_PAGE_SHIFT;
	if (tdxgmem_bit_test(b->hwpoison, i))
		pi->state |= TDXGMEM_STATE_HWPOISON;
	if (tdxgmem_bit_test(b->quarantined, i))
		pi->state |= TDXGMEM_STATE_QUARANTINED;
	if (pi->state & (TDXGMEM_STATE_HWPOISON | TDXGMEM_STATE_QUARANTINED))
		return;
	if (huge_log2)
		pi->map_log2 = huge_log2;
	else if (private)
		pi->map_log2 = TDXGMEM_PAGE_SHIFT;
}

/**
 * tdxgmem_extent_add() - append a run of pages, merging with the last one.
 * @eb:     extent buffer.
 * @pgoff:  first page of the run.
 * @npages: pages in the run, non-zero.
 * @pi:     their common state.
 *
 * Return: false if the run neither merged nor fit; @eb is unchanged then.
 */
bool tdxgmem_extent_add(struct tdxgmem_extent_buf *eb, u64 pgoff, u64 npages,
			const struct tdxgmem_page_info *pi)
{
	u64 off = pgoff << TDXGMEM_PAGE_SHIFT;
	struct tdxgmem_extent *e;

	if (eb->nr) {
		e = &eb->ext[eb->nr - 1];
		if (e->offset + e->size == off && e->state == pi->state &&
		    e->backing_log2 == pi->backing_log2 &&
		    e->map_log2 == pi->map_log2) {
			e->size += npages << TDXGMEM_PAGE_SHIFT;
			return true;
		}
	}
	if (eb->nr == eb->cap)
		return false;
	e = &eb->ext[eb->nr++];
	e->offset = off;
	e->size = npages << TDXGMEM_PAGE_SHIFT;
	e->state = pi->state;
	e->backing_log2 = pi->backing_log2;
	e->map_log2 = pi->map_log2;
	e->pad[0] = 0;
	e->pad[1] = 0;
	e->reserved = 0;
	return true;
}

/**
 * tdxgmem_chunk_describe() - describe pages [@pg, @end) of one chunk.
 * @b:       chunk state, or NULL for an absent chunk.
 * @private: the file's initial attribute (used when @b is NULL).
 * @pg:      first page (file index).
 * @end:     one past the last page; [@pg, @end) lies within one chunk
 *           (any range of absent chunks when @b is NULL).
 * @giga:    the chunk is backed by an intact 1 GiB range.
 * @giga_ok: that range may be mapped at 1 GiB now (the caller looked at
 *           all its chunks).
 * @eb:      extent buffer.
 *
 * Return: the first page not described: @end, or less if @eb filled up.
 */
u64 tdxgmem_chunk_describe(const struct tdxgmem_chunk_bits *b, bool private,
			   u64 pg, u64 end, bool giga, bool giga_ok,
			   struct tdxgmem_extent_buf *eb)
{
	struct tdxgmem_page_info pi;
	u8 huge_log2 = 0;

	if (!b) {
		pi.state = private ? TDXGMEM_STATE_PRIVATE : 0;
		pi.backing_log2 = 0;
		pi.map_log2 = 0;
		return tdxgmem_extent_add(eb, pg, end - pg, &pi) ? end : pg;
	}

	if (giga_ok)
		huge_log2 = TDXGMEM_GIGA_SHIFT;
	else if (tdxgmem_chunk_huge_mappable(b))
		huge_log2 = TDXGMEM_HUGE_SHIFT;
	for (; pg < end; pg++) {
		tdxgmem_chunk_page_info(b, pg % TDXGMEM_CHUNK_PAGES,
					giga ? TDXGMEM_GIGA_SHIFT :
					       TDXGMEM_HUGE_SHIFT,
					huge_log2, &pi);
		if (!tdxgmem_extent_add(eb, pg, 1, &pi))
			break;
	}
	return pg;
}

/**
 * tdxgmem_chunk_census() - add a present chunk's pages to a file's counts.
 * @b:    chunk state.
 * @span: pages of the chunk inside the file (512 but in the tail).
 * @nodm: the file is TDXGMEM_F_NO_DIRECT_MAP.
 * @cs:   counts to add to.
 *
 * A NO_DIRECT_MAP file keeps its populated private pages out of the
 * direct map, quarantined ones aside (their state is not trusted).
 */
void tdxgmem_chunk_census(const struct tdxgmem_chunk_bits *b, u32 span,
			  bool nodm, struct tdxgmem_census *cs)
{
	u32 w;

	for (w = 0; w * 64 < span; w++) {
		u64 in = span - w * 64 >= 64 ? ~0ULL :
			 (1ULL << (span - w * 64)) - 1;
		u64 priv = b->private[w] & in;

		cs->private += tdxgmem_popcount64(priv);
		if (nodm)
			cs->dm_removed += tdxgmem_popcount64(priv &
							     b->populated[w] &
							     ~b->quarantined[w]);
	}
	cs->populated += b->nr_populated;
	cs->quarantined += b->nr_quarantined;
	cs->hwpoison += b->nr_hwpoison;
	if (b->contig && b->nr_populated)
		cs->backing_2m++;
	else
		cs->backing_4k += b->nr_populated;
}

/**
 * tdxgmem_size_limit() - the largest size TDXGMEM_CREATE accepts.
 * @max_file_size: the max_file_size module parameter; 0 means no limit.
 *
 * File sizes are loff_t: whatever the parameter says, a file ends below
 * 2^63 bytes, on a page boundary.
 *
 * Return: the limit in bytes, page-aligned, at most TDXGMEM_SIZE_MAX.
 */
u64 tdxgmem_size_limit(u64 max_file_size)
{
	if (!max_file_size || max_file_size > TDXGMEM_SIZE_MAX)
		return TDXGMEM_SIZE_MAX;
	return max_file_size & ~TDXGMEM_PAGE_MASK;
}

/**
 * tdxgmem_check_size() - validate TDXGMEM_CREATE's size.
 * @size:     requested size in bytes.
 * @max_size: largest size allowed (tdxgmem_size_limit()).
 *
 * Return: 0, or -EINVAL if @size is zero, unaligned or above @max_size.
 */
int tdxgmem_check_size(u64 size, u64 max_size)
{
	if (!size || (size & TDXGMEM_PAGE_MASK) || size > max_size)
		return -EINVAL;
	return 0;
}

/* Common checks: page-aligned, non-zero and no u64 overflow of off + len. */
static int tdxgmem_range_basic(u64 off, u64 len)
{
	if (!len || ((off | len) & TDXGMEM_PAGE_MASK))
		return -EINVAL;
	return 0;
}

/**
 * tdxgmem_range_alloc() - validate an allocating fallocate().
 * @off:   byte offset.
 * @len:   byte length.
 * @fsize: file size (page-aligned).
 * @start: out: first page.
 * @end:   out: one past the last page.
 *
 * Return: 0, or -EINVAL if unaligned, empty or not wholly inside the file.
 */
int tdxgmem_range_alloc(u64 off, u64 len, u64 fsize, u64 *start, u64 *end)
{
	if (tdxgmem_range_basic(off, len))
		return -EINVAL;
	if (off > fsize || len > fsize - off)
		return -EINVAL;
	*start = off >> TDXGMEM_PAGE_SHIFT;
	*end = (off + len) >> TDXGMEM_PAGE_SHIFT;
	return 0;
}

/**
 * tdxgmem_range_punch() - validate a punch-hole fallocate().
 * @off:   byte offset.
 * @len:   byte length.
 * @fsize: file size (page-aligned).
 * @start: out: first page.
 * @end:   out: one past the last page; @start == @end: nothing to do.
 *
 * The range is clipped at EOF, as for upstream guest_memfd.
 *
 * Return: 0, or -EINVAL if unaligned, empty or off + len overflows.
 */
int tdxgmem_range_punch(u64 off, u64 len, u64 fsize, u64 *start, u64 *end)
{
	if (tdxgmem_range_basic(off, len) || off + len < off)
		return -EINVAL;
	if (off >= fsize) {
		*start = fsize >> TDXGMEM_PAGE_SHIFT;
		*end = *start;
		return 0;
	}
	*start = off >> TDXGMEM_PAGE_SHIFT;
	*end = (len > fsize - off ? fsize : off + len) >> TDXGMEM_PAGE_SHIFT;
	return 0;
}

/**
 * tdxgmem_range_query() - validate TDXGMEM_QUERY's range.
 * @off:   byte offset.
 * @len:   byte length; clipped at EOF (any larger value means "to EOF").
 * @fsize: file size (page-aligned).
 * @start: out: first page.
 * @end:   out: one past the last page.
 *
 * Return: 0, or -EINVAL if unaligned, empty or @off is at/after EOF.
 */
int tdxgmem_range_query(u64 off, u64 len, u64 fsize, u64 *start, u64 *end)
{
	if (tdxgmem_range_basic(off, len) || off >= fsize)
		return -EINVAL;
	*start = off >> TDXGMEM_PAGE_SHIFT;
	*end = (len > fsize - off ? fsize : off + len) >> TDXGMEM_PAGE_SHIFT;
	return 0;
}

/**
 * tdxgmem_attr_check() - validate TDXGMEM_SET_ATTRIBUTES' request.
 * @attributes: 0 (shared) or TDXGMEM_ATTR_PRIVATE.
 * @flags:      0, TDXGMEM_CONVERT_ZERO or TDXGMEM_CONVERT_PRESERVE.
 * @reserved:   reserved words, all zero.
 * @nr:         number of @reserved words.
 *
 * Return: 0 or -EINVAL.
 */
int tdxgmem_attr_check(u64 attributes, u64 flags, const u64 *reserved, u32 nr)
{
	u32 i;

	if (attributes & ~TDXGMEM_ATTR_PRIVATE)
		return -EINVAL;
	if (flags & ~(TDXGMEM_CONVERT_ZERO | TDXGMEM_CONVERT_PRESERVE) ||
	    flags == (TDXGMEM_CONVERT_ZERO | TDXGMEM_CONVERT_PRESERVE))
		return -EINVAL;
	for (i = 0; i < nr; i++)
		if (reserved[i])
			return -EINVAL;
	return 0;
}
