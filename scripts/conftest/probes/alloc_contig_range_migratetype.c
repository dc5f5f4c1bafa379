// SPDX-License-Identifier: GPL-2.0
/*
 * alloc_contig_range() takes a migratetype (before acr_flags_t replaced
 * it; both are plain integers to the compiler, so tell them apart by
 * ACR_FLAGS_NONE, which came with the flags).
 */
#include <linux/gfp.h>
#include <linux/mmzone.h>

#ifdef ACR_FLAGS_NONE
#error "alloc_contig_range() takes acr_flags_t"
#endif

int probe_contig_range(unsigned long pfn);
int probe_contig_range(unsigned long pfn)
{
	return alloc_contig_range_noprof(pfn, pfn + 1, MIGRATE_MOVABLE,
					 GFP_KERNEL);
}
