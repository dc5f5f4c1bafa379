// SPDX-License-Identifier: GPL-2.0
/*
 * The pages kvmsim has written through KVMSIM_ACCESS, by file page (inode
 * number, page offset) -> pfn written. Any other page tdxgmem hands out
 * must read as zeroes. Keyed by file page, not by gfn or VM: data written
 * through one binding stays in the file for the next one. Entries go when
 * tdxgmem invalidates the pages for a punch, a conversion to shared or a
 * release; an entry whose pfn is not the one handed out is ignored (the
 * page was replaced while nobody was bound).
 */
#include <linux/xarray.h>

#include "kvmsim.h"

static DEFINE_XARRAY(kvmsim_written);

static unsigned long kvmsim_written_key(const struct kvmsim_binding *b,
					u64 gfn)
{
	return ((unsigned long)b->ino << 32) |
	       (u32)(b->pgoff + (gfn - b->base_gfn));
}

/* Has kvmsim written @pfn, the page now at @gfn of @b? */
bool kvmsim_written_has(const struct kvmsim_binding *b, u64 gfn, u64 pfn)
{
	return xa_load(&kvmsim_written, kvmsim_written_key(b, gfn)) ==
	       xa_mk_value(pfn);
}

/* Remember that kvmsim wrote @pfn, at @gfn of @b. Best effort. */
void kvmsim_written_add(const struct kvmsim_binding *b, u64 gfn, u64 pfn)
{
	xa_store(&kvmsim_written, kvmsim_written_key(b, gfn), xa_mk_value(pfn),
		 GFP_KERNEL);
}

/* The pages at gfns [@start, @end) of @b are freed or become shared. */
void kvmsim_written_clear(const struct kvmsim_binding *b, u64 start, u64 end)
{
	unsigned long key;
	void *v;

	if (start >= end)
		return;
	xa_for_each_range(&kvmsim_written, key, v,
			  kvmsim_written_key(b, start),
			  kvmsim_written_key(b, end - 1))
		xa_erase(&kvmsim_written, key);
}

void kvmsim_written_exit(void)
{
	xa_destroy(&kvmsim_written);
}
