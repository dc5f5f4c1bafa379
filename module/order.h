/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure logic of bindings: gfn <-> file index arithmetic and the largest
 * order a consumer may map. No kernel-only calls: also built in userspace
 * by tests/unit.
 */
#ifndef _TDXGMEM_ORDER_H
#define _TDXGMEM_ORDER_H

#include "range.h"

/* The huge order tdxgmem reports: one 2 MiB chunk. */
#define TDXGMEM_HUGE_ORDER	TDXGMEM_CHUNK_SHIFT

/**
 * struct tdxgmem_geom - where a binding puts file pages in guest memory.
 * @pgoff:    first file page bound.
 * @npages:   number of pages bound.
 * @base_gfn: guest frame of @pgoff.
 */
struct tdxgmem_geom {
	u64 pgoff;
	u64 npages;
	u64 base_gfn;
};

int tdxgmem_geom_check(const struct tdxgmem_geom *g, u64 file_pages);
bool tdxgmem_geom_overlap(const struct tdxgmem_geom *a,
			  const struct tdxgmem_geom *b);
bool tdxgmem_geom_gfn_to_index(const struct tdxgmem_geom *g, u64 gfn,
			       u64 *index);
bool tdxgmem_geom_clip(const struct tdxgmem_geom *g, u64 start, u64 end,
		       u64 *gfn_start, u64 *gfn_end);
int tdxgmem_max_order(const struct tdxgmem_geom *g, u64 index, int order);

#endif /* _TDXGMEM_ORDER_H */
