/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Removing private pages from the kernel direct map, and putting them back.
 *
 * Backends (picked once by tdxgmem_directmap_init(), see directmap.c):
 *   exported  the kernel exports set_direct_map_valid_noflush() and
 *             flush_tlb_kernel_range() to tdxgmem (patches/linux-<v>/);
 *   resolved  the same functions (or, where set_direct_map_valid_noflush()
 *             does not exist, set_memory_np_noalias()/set_memory_p()) are
 *             looked up at load time and verified (directmap_resolve.c);
 *   none      every call below fails with -EOPNOTSUPP.
 *
 * Rules for callers (the store):
 *   - Pass whole, naturally aligned 2 MiB runs whenever the memory is a
 *     2 MiB chunk: CPA then changes the direct map's 2 MiB leaf in place and
 *     never splits it. A partial run splits the leaf for good.
 *   - Zero the pages first if their contents must not survive; zap writes
 *     the range back from the cache (clflush) before removing it, so the
 *     page holds no dirty line when it leaves the direct map.
 *   - Restore before a page is freed, becomes shared, or is handed to code
 *     that touches it through the direct map (TDX page reset, clear_page).
 *   - All calls may sleep (CPA allocates page tables when it must split a
 *     larger leaf, and flushes with IPIs). Serialise calls on the same pages
 *     yourself; calls on different pages may run concurrently.
 *   - Pages must be lowmem RAM owned by the caller (no highmem on x86-64).
 */
#ifndef _TDXGMEM_DIRECTMAP_H
#define _TDXGMEM_DIRECTMAP_H

#include <linux/export.h>
#include <linux/module.h>
#include <linux/types.h>

struct page;

/*
 * The functions below take any page, so no module but tdxgmem may call
 * them, with one exception: test builds (make TESTS=1, never DKMS) export
 * them to tests/dmprobe, which drives them on pages of its own. Kernels
 * with EXPORT_SYMBOL_FOR_MODULES (6.18+) let only that module link to
 * them; on older ones they sit in the TDXGMEM_TESTS namespace, which a
 * module must import on purpose (TDXGMEM_DM_IMPORT()). Before 6.13 a
 * namespace is an identifier, later a string.
 */
#if !defined(TDXGMEM_TEST_EXPORTS)
#define TDXGMEM_DM_EXPORT(sym)
#elif defined(EXPORT_SYMBOL_FOR_MODULES)
#define TDXGMEM_DM_EXPORT(sym)	EXPORT_SYMBOL_FOR_MODULES(sym, "tdxgmem_dmprobe")
#define TDXGMEM_DM_IMPORT()
#else
#ifdef HAVE_MODULE_IMPORT_NS_IDENT
#define TDXGMEM_TEST_NS		TDXGMEM_TESTS
#else
#define TDXGMEM_TEST_NS		"TDXGMEM_TESTS"
#endif
#define TDXGMEM_DM_EXPORT(sym)	EXPORT_SYMBOL_NS_GPL(sym, TDXGMEM_TEST_NS)
#define TDXGMEM_DM_IMPORT()	MODULE_IMPORT_NS(TDXGMEM_TEST_NS)
#endif

/**
 * struct tdxgmem_dm_batch - several zaps (or restores) with one TLB flush.
 * @start:     lowest direct-map address changed so far (internal).
 * @end:       end of the highest direct-map range changed so far (internal).
 * @nr_pages:  pages changed so far (internal).
 * @restore:   true for a restore batch, false for a zap batch (internal).
 * @pending:   a change still waits for the commit's flush (internal).
 * @err:       first error returned by tdxgmem_dm_batch_add() (internal).
 *
 * Use on the stack: tdxgmem_dm_batch_begin(), any number of
 * tdxgmem_dm_batch_add(), then always tdxgmem_dm_batch_commit(), which
 * issues the single TLB flush for everything added. Between add and commit
 * a zapped page may still be reachable through a stale TLB entry on another
 * CPU: do not hand it out before the commit returned.
 */
struct tdxgmem_dm_batch {
	unsigned long start;
	unsigned long end;
	unsigned long nr_pages;
	bool restore;
	bool pending;
	int err;
};

/**
 * tdxgmem_dm_available() - can this kernel remove pages from the direct map?
 *
 * Return: true when a backend (exported or resolved) is in force, i.e. when
 * TDXGMEM_F_NO_DIRECT_MAP can be honoured.
 */
bool tdxgmem_dm_available(void);

/**
 * tdxgmem_dm_zap() - remove pages from the kernel direct map.
 * @first: first page of a physically contiguous range.
 * @nr:    number of pages; 512 naturally aligned pages keep the 2 MiB leaf.
 *
 * Writes the range back from the cache (clflush through the direct map;
 * pages marked HWPoison are not touched), clears it from the direct map and
 * flushes the kernel TLB once for the whole call.
 *
 * Context: process context, may sleep.
 * Return:
 * * 0 - the whole range is out of the direct map.
 * * -EOPNOTSUPP - no backend (see tdxgmem_dm_available()); nothing changed.
 * * -EINVAL - @nr is 0 or the range is not in the direct map; nothing changed.
 * * -ENOMEM (or another CPA error, never -EIO) - the change failed and was
 *   rolled back: the range is in the direct map again as before the call,
 *   but for pages marked HWPoison, which stay out. The pages are safe to
 *   free, but must not be handed out as "not in the direct map".
 * * -EIO - the change failed and so did the rollback: the state of the range
 *   is unknown. Quarantine the pages: never free them, never hand them out.
 */
int tdxgmem_dm_zap(struct page *first, unsigned int nr);

/**
 * tdxgmem_dm_restore() - put pages back into the kernel direct map.
 * @first: first page of a physically contiguous range.
 * @nr:    number of pages.
 *
 * Maps the range again and flushes the kernel TLB once for the whole call.
 * A page marked HWPoison is never mapped again: it is skipped (and counted
 * in dm_poison_skipped); the pages around it are restored.
 *
 * Context: process context, may sleep.
 * Return:
 * * 0 - the whole range is in the direct map.
 * * -EHWPOISON - every page but the poisoned ones is in the direct map; the
 *   poisoned pages stay out and must never be freed to the page allocator
 *   or handed out.
 * * -EOPNOTSUPP - no backend; nothing changed.
 * * -EINVAL - @nr is 0 or the range is not in the direct map; nothing changed.
 * * -EIO - some pages could not be mapped again (CPA failed to split a
 *   leaf): quarantine the whole range, never free it, never hand it out.
 */
int tdxgmem_dm_restore(struct page *first, unsigned int nr);

/**
 * tdxgmem_dm_batch_begin() - start a batch of zaps or restores.
 * @b:       the batch, usually on the caller's stack.
 * @restore: false to zap, true to restore.
 */
void tdxgmem_dm_batch_begin(struct tdxgmem_dm_batch *b, bool restore);

/**
 * tdxgmem_dm_batch_add() - zap or restore one contiguous run in a batch.
 * @b:     a batch started with tdxgmem_dm_batch_begin().
 * @first: first page of a physically contiguous range.
 * @nr:    number of pages.
 *
 * Same semantics and return values as tdxgmem_dm_zap() or
 * tdxgmem_dm_restore() for this run, except that the TLB flush is left to
 * tdxgmem_dm_batch_commit(). A failed run does not affect runs added
 * before it: they stay changed (the caller decides whether to undo them
 * with a restore batch).
 *
 * Context: process context, may sleep.
 * Return: as tdxgmem_dm_zap() / tdxgmem_dm_restore() for this run.
 */
int tdxgmem_dm_batch_add(struct tdxgmem_dm_batch *b, struct page *first,
			 unsigned int nr);

/**
 * tdxgmem_dm_batch_commit() - flush the kernel TLB once for a whole batch.
 * @b: the batch; must be called even when an add failed.
 *
 * Context: process context, may sleep.
 * Return: the first error of any tdxgmem_dm_batch_add() of the batch, or 0.
 */
int tdxgmem_dm_batch_commit(struct tdxgmem_dm_batch *b);

/**
 * tdxgmem_dm_is_mapped() - is a page present in the kernel direct map?
 * @page: the page.
 * @level: if not NULL, set to the direct map's leaf level for the page
 *         (PG_LEVEL_4K, PG_LEVEL_2M, PG_LEVEL_1G), or PG_LEVEL_NONE.
 *
 * Reads the kernel page table; meant for checks and tests.
 *
 * Return: true if the direct-map entry of @page is present.
 */
bool tdxgmem_dm_is_mapped(struct page *page, int *level);

#ifndef HAVE_FLUSH_TLB_KERNEL_RANGE_DECL
/*
 * 7.x declares it only for built-in code (asm/tlbflush.h: #ifndef MODULE);
 * the function and its prototype are the same as in every kernel since 2.6.
 */
void flush_tlb_kernel_range(unsigned long start, unsigned long end);
#endif

/* directmap_resolve.c: the resolved backend (internal to directmap.c). */
struct tdxgmem_dm_resolved {
	int (*valid_noflush)(struct page *page, unsigned int nr, bool valid);
	void (*flush_range)(unsigned long start, unsigned long end);
	int (*set_np)(unsigned long addr, int numpages);
	int (*set_p)(unsigned long addr, int numpages);
	const char *how;
};

int tdxgmem_dm_resolve(struct tdxgmem_dm_resolved *r);

#endif /* _TDXGMEM_DIRECTMAP_H */
