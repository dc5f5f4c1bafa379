// SPDX-License-Identifier: GPL-2.0
/*
 * Pure logic of bindings: which file pages a binding covers, where they
 * sit in guest memory, and the largest order a consumer may map.
 */
#include "order.h"

/**
 * tdxgmem_geom_check() - validate a binding's geometry.
 * @g:          the binding.
 * @file_pages: size of the file in pages.
 *
 * Return: 0, or -EINVAL if the binding is empty, leaves the file, or
 * wraps the file index or gfn space.
 */
int tdxgmem_geom_check(const struct tdxgmem_geom *g, u64 file_pages)
{
	if (!g->npages || g->pgoff >= file_pages ||
	    g->npages > file_pages - g->pgoff ||
	    g->base_gfn + g->npages < g->base_gfn)
		return -EINVAL;
	return 0;
}

/**
 * tdxgmem_geom_overlap() - do two bindings cover a common file page?
 * @a: one binding.
 * @b: another binding of the same file.
 *
 * Return: true if they overlap in the file.
 */
bool tdxgmem_geom_overlap(const struct tdxgmem_geom *a,
			  const struct tdxgmem_geom *b)
{
	return a->pgoff < b->pgoff + b->npages &&
	       b->pgoff < a->pgoff + a->npages;
}

/**
 * tdxgmem_geom_gfn_to_index() - the file page behind a guest frame.
 * @g:     the binding.
 * @gfn:   guest frame number.
 * @index: result, the file page index.
 *
 * Return: false if @gfn is outside the binding.
 */
bool tdxgmem_geom_gfn_to_index(const struct tdxgmem_geom *g, u64 gfn,
			       u64 *index)
{
	if (gfn < g->base_gfn || gfn - g->base_gfn >= g->npages)
		return false;
	*index = g->pgoff + (gfn - g->base_gfn);
	return true;
}

/**
 * tdxgmem_geom_clip() - the gfns of file pages [@start, @end) in a binding.
 * @g:         the binding.
 * @start:     first file page.
 * @end:       one past the last file page.
 * @gfn_start: result, first gfn.
 * @gfn_end:   result, one past the last gfn.
 *
 * Return: false if the binding covers none of the pages.
 */
bool tdxgmem_geom_clip(const struct tdxgmem_geom *g, u64 start, u64 end,
		       u64 *gfn_start, u64 *gfn_end)
{
	u64 s = start > g->pgoff ? start : g->pgoff;
	u64 e = end < g->pgoff + g->npages ? end : g->pgoff + g->npages;

	if (s >= e)
		return false;
	*gfn_start = g->base_gfn + (s - g->pgoff);
	*gfn_end = g->base_gfn + (e - g->pgoff);
	return true;
}

/* Does the naturally aligned block of 2^@order pages around @index fit? */
static bool tdxgmem_order_fits(const struct tdxgmem_geom *g, u64 index,
			       int order)
{
	u64 mask = BIT_ULL(order) - 1;
	u64 first = index & ~mask;

	/*
	 * Its pfns are aligned to 2^@order at file indexes so aligned, so
	 * gfn == pfn modulo 2^@order exactly when base_gfn == pgoff modulo
	 * 2^@order; and the whole block must lie inside the binding.
	 */
	return !((g->base_gfn - g->pgoff) & mask) && first >= g->pgoff &&
	       first + BIT_ULL(order) <= g->pgoff + g->npages;
}

/**
 * tdxgmem_max_order() - largest order a consumer may map at file page @index.
 * @g:     the binding; @index must lie inside it.
 * @index: file page index.
 * @order: what the backing allows (the caller knows the chunk's state):
 *         TDXGMEM_GIGA_ORDER, the page's 1 GiB range is one contiguous,
 *         naturally aligned allocation, fully populated, all private, with
 *         no poisoned or quarantined page; TDXGMEM_HUGE_ORDER, the same
 *         holds for its 2 MiB chunk; else 0.
 *
 * The block must also fit the binding (tdxgmem_order_fits()); if the
 * 1 GiB block does not, its 2 MiB chunk may.
 *
 * Return: TDXGMEM_GIGA_ORDER, TDXGMEM_HUGE_ORDER or 0.
 */
int tdxgmem_max_order(const struct tdxgmem_geom *g, u64 index, int order)
{
	if (order >= TDXGMEM_GIGA_ORDER &&
	    tdxgmem_order_fits(g, index, TDXGMEM_GIGA_ORDER))
		return TDXGMEM_GIGA_ORDER;
	if (order >= TDXGMEM_HUGE_ORDER &&
	    tdxgmem_order_fits(g, index, TDXGMEM_HUGE_ORDER))
		return TDXGMEM_HUGE_ORDER;
	return 0;
}
