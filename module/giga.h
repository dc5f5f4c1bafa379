/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 1 GiB backing: naturally aligned, physically contiguous ranges from the
 * kernel's contiguous-range allocator, each backing 512 chunks of a file.
 */
#ifndef _TDXGMEM_GIGA_H
#define _TDXGMEM_GIGA_H

#include <linux/types.h>

#include "range.h"

struct page;

#define TDXGMEM_GIGA_PAGES	BIT(TDXGMEM_GIGA_ORDER)

/**
 * struct tdxgmem_giga - one 1 GiB range and the chunks it backs.
 * @base:     first page; chunk k of the range is backed by
 *            @base + k * 512.
 * @users:    chunks that point here; the last one to go frees this.
 * @broken:   a chunk of the range was freed or split off: the range is
 *            never mapped at 1 GiB again.
 * @referenced: a page of the range was given a reference of its own (a
 *            user mapping), which may outlive the file: the range is freed
 *            page by page, each page when its last reference goes.
 * @seen_gen: 1 + the file's state_gen when @mappable was computed, 0 if
 *            never; any change of a chunk's state bumps state_gen.
 * @seen_mf:  the memory-failure generation of that computation.
 * @mappable: all 512 chunks were 2 MiB mappable then.
 *
 * Protected by the file's lock, like the chunks.
 */
struct tdxgmem_giga {
	struct page *base;
	unsigned int users;
	bool broken;
	bool referenced;
	u64 seen_gen;
	unsigned long seen_mf;
	bool mappable;
};

bool tdxgmem_giga_supported(void);
struct page *tdxgmem_giga_alloc(int nid, bool uncleared);
void tdxgmem_giga_free(struct page *page);

#endif /* _TDXGMEM_GIGA_H */
