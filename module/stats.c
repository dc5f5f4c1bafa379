// SPDX-License-Identifier: GPL-2.0
/*
 * The module-wide counters, named once for every view of them (debugfs
 * and netlink GET_STATS).
 */
#include <linux/kernel.h>
#include <linux/stddef.h>

#include "tdxgmem_internal.h"
#include <uapi/linux/tdxgmem_netlink.h>

struct tdxgmem_stats tdxgmem_stats;

#define TDXGMEM_STAT(field, attr) \
	{ #field, offsetof(struct tdxgmem_stats, field), attr }

const struct tdxgmem_stat_desc tdxgmem_stat_descs[] = {
	TDXGMEM_STAT(files, TDXGMEM_STAT_FILES),
	TDXGMEM_STAT(pages, TDXGMEM_STAT_PAGES),
	TDXGMEM_STAT(chunk_allocs, TDXGMEM_STAT_CHUNK_ALLOCS),
	TDXGMEM_STAT(page_allocs, TDXGMEM_STAT_PAGE_ALLOCS),
	TDXGMEM_STAT(fallbacks, TDXGMEM_STAT_FALLBACKS),
	TDXGMEM_STAT(frees, TDXGMEM_STAT_FREES),
	TDXGMEM_STAT(limit_fails, TDXGMEM_STAT_LIMIT_FAILS),
	TDXGMEM_STAT(bindings, TDXGMEM_STAT_BINDINGS),
	TDXGMEM_STAT(quarantined, TDXGMEM_STAT_QUARANTINED),
	TDXGMEM_STAT(hwpoison, TDXGMEM_STAT_HWPOISON),
	TDXGMEM_STAT(splits, TDXGMEM_STAT_SPLITS),
	TDXGMEM_STAT(invalidations, TDXGMEM_STAT_INVALIDATIONS),
	TDXGMEM_STAT(dm_zapped_pages, TDXGMEM_STAT_DM_ZAPPED_PAGES),
	TDXGMEM_STAT(dm_restored_pages, TDXGMEM_STAT_DM_RESTORED_PAGES),
	TDXGMEM_STAT(dm_tlb_flushes, TDXGMEM_STAT_DM_TLB_FLUSHES),
	TDXGMEM_STAT(dm_failures, TDXGMEM_STAT_DM_FAILURES),
	TDXGMEM_STAT(dm_poison_skipped, TDXGMEM_STAT_DM_POISON_SKIPPED),
	TDXGMEM_STAT(tdx_reset_pages, TDXGMEM_STAT_TDX_RESET_PAGES),
	TDXGMEM_STAT(poison_scans, TDXGMEM_STAT_POISON_SCANS),
	TDXGMEM_STAT(block_frees, TDXGMEM_STAT_BLOCK_FREES),
	TDXGMEM_STAT(block_splits, TDXGMEM_STAT_BLOCK_SPLITS),
	TDXGMEM_STAT(giga_allocs, TDXGMEM_STAT_GIGA_ALLOCS),
	TDXGMEM_STAT(giga_fallbacks, TDXGMEM_STAT_GIGA_FALLBACKS),
	TDXGMEM_STAT(giga_frees, TDXGMEM_STAT_GIGA_FREES),
	TDXGMEM_STAT(zeroed_pages, TDXGMEM_STAT_ZEROED_PAGES),
	TDXGMEM_STAT(zero_skipped_pages, TDXGMEM_STAT_ZERO_SKIPPED_PAGES),
	TDXGMEM_STAT(pool_blocks, TDXGMEM_STAT_POOL_BLOCKS),
	TDXGMEM_STAT(pool_puts, TDXGMEM_STAT_POOL_PUTS),
	TDXGMEM_STAT(pool_hits, TDXGMEM_STAT_POOL_HITS),
	TDXGMEM_STAT(pool_releases, TDXGMEM_STAT_POOL_RELEASES),
};

/* Every counter of struct tdxgmem_stats has a name and an attribute. */
static_assert(ARRAY_SIZE(tdxgmem_stat_descs) ==
	      sizeof(struct tdxgmem_stats) / sizeof(atomic64_t));
static_assert(ARRAY_SIZE(tdxgmem_stat_descs) == TDXGMEM_STAT_MAX - 1);

const unsigned int tdxgmem_nr_stats = ARRAY_SIZE(tdxgmem_stat_descs);

/**
 * tdxgmem_stat_read() - the current value of a counter.
 * @d: its descriptor, from tdxgmem_stat_descs[].
 *
 * Return: the value.
 */
s64 tdxgmem_stat_read(const struct tdxgmem_stat_desc *d)
{
	return atomic64_read((atomic64_t *)((char *)&tdxgmem_stats + d->offset));
}
