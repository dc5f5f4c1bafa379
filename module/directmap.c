// SPDX-License-Identifier: GPL-2.0
/*
 * Direct map: backend selection at load, and zap/restore of page ranges
 * (API and rules in directmap.h).
 *
 * Backends, in order of preference:
 *   exported  conftest found set_direct_map_valid_noflush() and
 *             flush_tlb_kernel_range() in Module.symvers (a kernel with
 *             patches/linux-<v>/ applied): called directly;
 *   resolved  directmap_resolve.c found and verified them (or the
 *             set_memory_np_noalias()/set_memory_p() pair) at load, unless
 *             the directmap_resolve module parameter forbids it;
 *   none      TDXGMEM_F_NO_DIRECT_MAP is refused with -EOPNOTSUPP.
 *
 * A whole, naturally aligned 2 MiB run is handed to CPA as one call, which
 * then rewrites the 2 MiB leaf in place instead of splitting it; the TLB is
 * flushed once per tdxgmem_dm_zap()/_restore() call, or once per batch.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cacheflush.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/page-flags.h>
#include <linux/set_memory.h>
#include <asm/pgtable_types.h>
#include <asm/tlbflush.h>

#include "directmap.h"
#include "tdxgmem_internal.h"

#if defined(HAVE_SET_DIRECT_MAP_VALID_NOFLUSH) && defined(HAVE_FLUSH_TLB_KERNEL_RANGE)
#define TDXGMEM_DM_EXPORTED 1
#endif

static bool tdxgmem_dm_allow_resolve = true;
module_param_named(directmap_resolve, tdxgmem_dm_allow_resolve, bool, 0444);
MODULE_PARM_DESC(directmap_resolve,
		 "Look up the kernel's direct-map helpers at load when the kernel does not export them (default Y; N: TDXGMEM_F_NO_DIRECT_MAP is refused on such kernels)");

static enum tdxgmem_directmap_mode tdxgmem_dm_mode = TDXGMEM_DIRECTMAP_NONE;
static struct tdxgmem_dm_resolved tdxgmem_dm_fns;

/*
 * Fault injection for the tests (debugfs tdxgmem/fail_directmap and
 * fail_directmap_skip): once the skip count of changes has gone through,
 * the next N changes fail as a CPA failure would, before touching
 * anything. Debian's kernels have no CONFIG_FAULT_INJECTION to build on.
 */
atomic_t tdxgmem_dm_fail_next = ATOMIC_INIT(0);
atomic_t tdxgmem_dm_fail_skip = ATOMIC_INIT(0);

static bool tdxgmem_dm_inject(void)
{
	if (!atomic_read(&tdxgmem_dm_fail_next) ||
	    atomic_add_unless(&tdxgmem_dm_fail_skip, -1, 0))
		return false;
	return atomic_add_unless(&tdxgmem_dm_fail_next, -1, 0);
}

/* Change [addr, addr + nr pages); *flushed: the backend already flushed. */
static int tdxgmem_dm_set(struct page *first, unsigned int nr, bool valid,
			  bool *flushed)
{
	unsigned long addr = (unsigned long)page_address(first);

	*flushed = false;
	if (tdxgmem_dm_inject())
		return -ENOMEM;
	switch (tdxgmem_dm_mode) {
#ifdef TDXGMEM_DM_EXPORTED
	case TDXGMEM_DIRECTMAP_EXPORTED:
		return set_direct_map_valid_noflush(first, nr, valid);
#endif
	case TDXGMEM_DIRECTMAP_RESOLVED:
		if (tdxgmem_dm_fns.valid_noflush)
			return tdxgmem_dm_fns.valid_noflush(first, nr, valid);
		*flushed = true;
		if (valid)
			return tdxgmem_dm_fns.set_p(addr, nr);
		return tdxgmem_dm_fns.set_np(addr, nr);
	default:
		return -EOPNOTSUPP;
	}
}

static void tdxgmem_dm_flush(unsigned long start, unsigned long end)
{
	switch (tdxgmem_dm_mode) {
#ifdef TDXGMEM_DM_EXPORTED
	case TDXGMEM_DIRECTMAP_EXPORTED:
		flush_tlb_kernel_range(start, end);
		break;
#endif
	case TDXGMEM_DIRECTMAP_RESOLVED:
		/* The set_memory_*() pair flushes inside each call. */
		if (!tdxgmem_dm_fns.flush_range)
			return;
		tdxgmem_dm_fns.flush_range(start, end);
		break;
	default:
		return;
	}
	atomic64_inc(&tdxgmem_stats.dm_tlb_flushes);
}

static bool tdxgmem_dm_range_ok(struct page *first, unsigned int nr)
{
	unsigned long pfn = page_to_pfn(first);

	if (!nr || nr > INT_MAX || PageHighMem(first))
		return false;
	/* The whole range must be RAM the direct map covers. */
	return pfn_valid(pfn + nr - 1) && page_is_ram(pfn) &&
	       page_is_ram(pfn + nr - 1);
}

/* clflush the range, leaving poisoned pages alone. */
static void tdxgmem_dm_writeback(struct page *first, unsigned int nr)
{
	unsigned int i = 0, j;

	while (i < nr) {
		if (PageHWPoison(first + i)) {
			i++;
			continue;
		}
		for (j = i; j < nr && !PageHWPoison(first + j); j++)
			;
		clflush_cache_range(page_address(first + i),
				    (unsigned long)(j - i) << PAGE_SHIFT);
		i = j;
	}
}

/* Note a changed range in @b; a flushing backend counts its own flush. */
static void tdxgmem_dm_note(struct tdxgmem_dm_batch *b, struct page *first,
			    unsigned int nr, bool flushed)
{
	unsigned long start = (unsigned long)page_address(first);
	unsigned long end = start + ((unsigned long)nr << PAGE_SHIFT);

	if (flushed) {
		atomic64_inc(&tdxgmem_stats.dm_tlb_flushes);
		return;
	}
	if (!b->pending || start < b->start)
		b->start = start;
	if (!b->pending || end > b->end)
		b->end = end;
	b->pending = true;
}

/*
 * Map [first, first + nr) again, leaving pages marked HWPoison out (the
 * kernel never maps them again either). *@restored counts what came back;
 * @skipped, if not NULL, the poisoned pages left out.
 *
 * Return: 0, or -EIO if a part could not be mapped (its state is unknown).
 */
static int tdxgmem_dm_map_run(struct tdxgmem_dm_batch *b, struct page *first,
			      unsigned int nr, unsigned int *restored,
			      unsigned int *skipped)
{
	unsigned int i = 0, j;
	bool flushed;
	int ret, err = 0;

	*restored = 0;
	while (i < nr) {
		if (PageHWPoison(first + i)) {
			if (skipped)
				(*skipped)++;
			i++;
			continue;
		}
		for (j = i; j < nr && !PageHWPoison(first + j); j++)
			;
		ret = tdxgmem_dm_set(first + i, j - i, true, &flushed);
		tdxgmem_dm_note(b, first + i, j - i, flushed);
		if (ret) {
			atomic64_inc(&tdxgmem_stats.dm_failures);
			pr_err("direct map: mapping pfn %#lx+%u failed (%d): pages quarantined\n",
			       page_to_pfn(first + i), j - i, ret);
			err = -EIO;
		} else {
			*restored += j - i;
		}
		i = j;
	}
	return err;
}

static int tdxgmem_dm_zap_run(struct tdxgmem_dm_batch *b, struct page *first,
			      unsigned int nr)
{
	unsigned int restored;
	bool flushed;
	int ret;

	tdxgmem_dm_writeback(first, nr);
	ret = tdxgmem_dm_set(first, nr, false, &flushed);
	tdxgmem_dm_note(b, first, nr, flushed);
	if (!ret) {
		atomic64_add(nr, &tdxgmem_stats.dm_zapped_pages);
		return 0;
	}
	atomic64_inc(&tdxgmem_stats.dm_failures);
	/*
	 * Part of the run may be out: put it back as it was, poisoned pages
	 * excepted (they stay out, wherever they were).
	 */
	if (tdxgmem_dm_map_run(b, first, nr, &restored, NULL)) {
		pr_err("direct map: zap of pfn %#lx+%u failed (%d), so did its rollback\n",
		       page_to_pfn(first), nr, ret);
		return -EIO;
	}
	pr_warn_ratelimited("direct map: zap of pfn %#lx+%u failed (%d), rolled back\n",
			    page_to_pfn(first), nr, ret);
	/* -EIO is kept for "state unknown" (see directmap.h). */
	return ret == -EIO ? -ENOMEM : ret;
}

static int tdxgmem_dm_restore_run(struct tdxgmem_dm_batch *b,
				  struct page *first, unsigned int nr)
{
	unsigned int restored, skipped = 0;
	int err;

	err = tdxgmem_dm_map_run(b, first, nr, &restored, &skipped);
	atomic64_add(restored, &tdxgmem_stats.dm_restored_pages);
	if (skipped) {
		atomic64_add(skipped, &tdxgmem_stats.dm_poison_skipped);
		pr_warn_ratelimited("direct map: %u poisoned page(s) in pfn %#lx+%u left unmapped\n",
				    skipped, page_to_pfn(first), nr);
		if (!err)
			err = -EHWPOISON;
	}
	return err;
}

bool tdxgmem_dm_available(void)
{
	return tdxgmem_dm_mode != TDXGMEM_DIRECTMAP_NONE;
}

TDXGMEM_DM_EXPORT(tdxgmem_dm_available);

void tdxgmem_dm_batch_begin(struct tdxgmem_dm_batch *b, bool restore)
{
	*b = (struct tdxgmem_dm_batch){ .restore = restore };
}

TDXGMEM_DM_EXPORT(tdxgmem_dm_batch_begin);

int tdxgmem_dm_batch_add(struct tdxgmem_dm_batch *b, struct page *first,
			 unsigned int nr)
{
	int ret;

	might_sleep();
	if (!tdxgmem_dm_available())
		ret = -EOPNOTSUPP;
	else if (!tdxgmem_dm_range_ok(first, nr))
		ret = -EINVAL;
	else if (b->restore)
		ret = tdxgmem_dm_restore_run(b, first, nr);
	else
		ret = tdxgmem_dm_zap_run(b, first, nr);
	if (!ret)
		b->nr_pages += nr;
	if (ret && !b->err)
		b->err = ret;
	return ret;
}

TDXGMEM_DM_EXPORT(tdxgmem_dm_batch_add);

int tdxgmem_dm_batch_commit(struct tdxgmem_dm_batch *b)
{
	if (b->pending)
		tdxgmem_dm_flush(b->start, b->end);
	b->pending = false;
	return b->err;
}

TDXGMEM_DM_EXPORT(tdxgmem_dm_batch_commit);

int tdxgmem_dm_zap(struct page *first, unsigned int nr)
{
	struct tdxgmem_dm_batch b;

	tdxgmem_dm_batch_begin(&b, false);
	tdxgmem_dm_batch_add(&b, first, nr);
	return tdxgmem_dm_batch_commit(&b);
}

TDXGMEM_DM_EXPORT(tdxgmem_dm_zap);

int tdxgmem_dm_restore(struct page *first, unsigned int nr)
{
	struct tdxgmem_dm_batch b;

	tdxgmem_dm_batch_begin(&b, true);
	tdxgmem_dm_batch_add(&b, first, nr);
	return tdxgmem_dm_batch_commit(&b);
}

TDXGMEM_DM_EXPORT(tdxgmem_dm_restore);

bool tdxgmem_dm_is_mapped(struct page *page, int *level)
{
	unsigned int lvl = PG_LEVEL_NONE;
	pte_t *pte;

	pte = lookup_address((unsigned long)page_address(page), &lvl);
	if (level)
		*level = pte ? lvl : PG_LEVEL_NONE;
	return pte && pte_present(*pte);
}

TDXGMEM_DM_EXPORT(tdxgmem_dm_is_mapped);

int tdxgmem_directmap_init(void)
{
	const char *how = "no backend";

	tdxgmem_dm_mode = TDXGMEM_DIRECTMAP_NONE;
#ifdef TDXGMEM_DM_EXPORTED
	tdxgmem_dm_mode = TDXGMEM_DIRECTMAP_EXPORTED;
	how = "set_direct_map_valid_noflush + flush_tlb_kernel_range, exported by the kernel";
#else
	if (!tdxgmem_dm_allow_resolve) {
		how = "resolution disabled by directmap_resolve=0";
	} else if (!tdxgmem_dm_resolve(&tdxgmem_dm_fns)) {
		tdxgmem_dm_mode = TDXGMEM_DIRECTMAP_RESOLVED;
		how = tdxgmem_dm_fns.how;
	} else {
		how = "helpers not found or failed verification";
	}
#endif
	pr_info("direct map backend: %s (%s)\n", tdxgmem_directmap_name(), how);
	return 0;
}

enum tdxgmem_directmap_mode tdxgmem_directmap_mode(void)
{
	return tdxgmem_dm_mode;
}

const char *tdxgmem_directmap_name(void)
{
	switch (tdxgmem_dm_mode) {
	case TDXGMEM_DIRECTMAP_EXPORTED:
		return "exported";
	case TDXGMEM_DIRECTMAP_RESOLVED:
		return "resolved";
	default:
		return "none";
	}
}
