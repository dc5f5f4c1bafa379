// SPDX-License-Identifier: GPL-2.0
/*
 * Clearing that consumers make unnecessary (TDXGMEM_CLIENT_INITIALIZES).
 *
 * A TD never reads what a page held before the TDX module added it, so
 * the host's clearing of its private pages is wasted work. tdxgmem skips
 * it only where that saves anything: where the page allocator does not
 * clear every page itself (init_on_alloc, init_on_free). Pages populated
 * uncleared are tracked per page (store.c) and cleared here before
 * anybody else can read them.
 */
#include <asm/cacheflush.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "store.h"
#include "tdxgmem_internal.h"

/**
 * tdxgmem_zeroing_skippable() - would skipping __GFP_ZERO leave pages
 *                               uncleared on this boot?
 *
 * Return: false where the allocator clears every page anyway, or where
 * this kernel does not let a module tell (then tdxgmem always clears).
 */
bool tdxgmem_zeroing_skippable(void)
{
#if defined(HAVE_INIT_ON_ALLOC) && defined(HAVE_INIT_ON_FREE)
	return !want_init_on_alloc(0) && !want_init_on_free();
#else
	return false;
#endif
}

/**
 * tdxgmem_clear_unmapped() - clear pages that are out of the direct map.
 * @pages: @n pages, none in the direct map, owned by the caller.
 * @n:     how many.
 * @reset: write them in whole cache lines (tdxgmem_tdx_reset_addr()): a
 *         TD may have left lines a partial write would poison.
 *
 * Through a temporary mapping, written back before it goes: a page out of
 * the direct map must hold no dirty line (include/linux/tdxgmem.h, "The
 * direct map and TDX").
 *
 * Return: 0, or -ENOMEM (nothing cleared).
 */
int tdxgmem_clear_unmapped(struct page **pages, unsigned int n, bool reset)
{
	char *p = vmap(pages, n, VM_MAP, PAGE_KERNEL);
	unsigned int i;

	if (!p)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (reset)
			tdxgmem_tdx_reset_addr(p + i * PAGE_SIZE);
		else
			clear_page(p + i * PAGE_SIZE);
	}
	clflush_cache_range(p, n * PAGE_SIZE);
	vunmap(p);
	return 0;
}
