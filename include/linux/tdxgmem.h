/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdxgmem: in-kernel API for the patched KVM (and for kvmsim, the test
 * module that plays KVM).
 *
 * Every symbol is EXPORT_SYMBOL_GPL, so KVM may symbol_get() them and not
 * depend on the module. The API is PFN-based: no struct page or folio
 * crosses it, and nothing is pinned for the consumer; the consumer's
 * safety rests on unmapping when told to (the callbacks below), exactly as
 * KVM's safety rests on guest_memfd invalidations upstream.
 *
 * Lock order (outermost first):
 *
 *   KVM slots_lock
 *     tdxgmem file invalidate lock (the inode's mapping->invalidate_lock)
 *       KVM mmu_lock (taken by the consumer inside the callbacks)
 *
 * tdxgmem_bind() and tdxgmem_unbind() take the invalidate lock for write and
 * may call the callbacks; call them with slots_lock (or nothing) held, never
 * with mmu_lock. tdxgmem_get_pfn(), tdxgmem_peek_pfn() and
 * tdxgmem_get_shared_pfn() take it shared;
 * call them without mmu_lock, like kvm_gmem_get_pfn().
 */
#ifndef _LINUX_TDXGMEM_H
#define _LINUX_TDXGMEM_H

#include <linux/bits.h>
#include <linux/types.h>

struct file;
struct tdxgmem_binding;

/**
 * enum tdxgmem_inval_reason - why a range is being invalidated.
 * @TDXGMEM_INVAL_PUNCH:     fallocate(PUNCH_HOLE): the pages will be freed.
 * @TDXGMEM_INVAL_TO_SHARED: conversion to shared: the pages stay, but are
 *                           no longer private.
 * @TDXGMEM_INVAL_UNBIND:    tdxgmem_unbind(): the pages stay in the file.
 * @TDXGMEM_INVAL_RELEASE:   the file is being released: every page of the
 *                           binding will be freed and the binding detached.
 * @TDXGMEM_INVAL_TO_PRIVATE: conversion to private: the consumer must unmap
 *                           its mappings of *shared* pages of the range
 *                           (tdxgmem_get_shared_pfn()); its private mappings
 *                           of the range stay valid and must be kept (a TDX
 *                           consumer would lose their contents). No split
 *                           precedes it: shared pages are offered at 4 KiB.
 *
 * For every other reason the consumer unmaps everything in the range. A
 * consumer that keeps private and shared mappings apart may also spare
 * its shared mappings for TO_SHARED (the pages stay) but must unmap its
 * private ones.
 */
enum tdxgmem_inval_reason {
	TDXGMEM_INVAL_PUNCH,
	TDXGMEM_INVAL_TO_SHARED,
	TDXGMEM_INVAL_UNBIND,
	TDXGMEM_INVAL_RELEASE,
	TDXGMEM_INVAL_TO_PRIVATE,
};

/**
 * struct tdxgmem_client_ops - callbacks into the consumer of a binding.
 * @split: demote every mapping larger than 4 KiB that straddles @start or
 *	@end (gfns; @end exclusive) to smaller mappings that do not, keeping
 *	them mapped, and make faults that looked up a pfn before this call
 *	retry, on any gfn whose huge block reaches into the range, even if
 *	they complete while the split drops its locks (KVM: the 1 GiB-aligned
 *	hull of the range in an mmu_invalidate bracket): their max_order may
 *	no longer hold, and a huge mapping installed after the split would
 *	straddle the edge again. (Faults that start later block in tdxgmem
 *	until the operation is over.) May fail with -ENOMEM, or -EIO when
 *	the consumer broke (KVM: a TDX demotion failed and the VM is
 *	bugged): the whole operation then fails, nothing changed, and the
 *	caller may retry.
 * @invalidate_begin: unmap every mapping of gfns [@start, @end) and keep
 *	faults in the range from completing (KVM: mmu_invalidate_begin +
 *	zap) until @invalidate_end.
 * @invalidate_end: the end of the invalidation begun for the same range.
 *	Returns 0, or a negative errno if some page of the range may still
 *	be mapped: tdxgmem then quarantines every page of the range (never
 *	frees or hands it out again; counted and reported as
 *	TDXGMEM_STATE_QUARANTINED) instead of risking a use-after-free.
 *
 * @flags: TDXGMEM_CLIENT_* flags.
 *
 * All three are called with the file's invalidate lock held for write, in
 * the order split (all bindings) -> invalidate_begin (all) ->
 * invalidate_end (all) -> tdxgmem changes or frees the pages. Ranges are
 * clipped to the binding. Callbacks may sleep and take mmu_lock; they must
 * not call back into tdxgmem. A conversion to private has no split (see
 * TDXGMEM_INVAL_TO_PRIVATE). No callback runs once tdxgmem_unbind() has
 * returned, and a binding does not pin its consumer: a consumer unbinds
 * before it tears down what its callbacks use (KVM: the VM's MMU).
 */
struct tdxgmem_client_ops {
	int (*split)(void *client, u64 start, u64 end);
	void (*invalidate_begin)(void *client, u64 start, u64 end,
				 enum tdxgmem_inval_reason reason);
	int (*invalidate_end)(void *client, u64 start, u64 end);
	unsigned int flags;
};

/*
 * TDXGMEM_CLIENT_TDX: the consumer hands private pages to the TDX module,
 * which may leave them in a state where a partial write through the
 * direct map poisons them (see "The direct map and TDX" below).
 */
#define TDXGMEM_CLIENT_TDX	BIT(0)

/*
 * TDXGMEM_CLIENT_INITIALIZES: the consumer writes every private page it
 * gets from tdxgmem_get_pfn() before its guest can read any of it (a TD:
 * TDH.MEM.PAGE.ADD writes it, TDG.MEM.PAGE.ACCEPT clears one AUG added),
 * so tdxgmem need not clear the page first. Where the page allocator does
 * not clear every page anyway (GET_CAPS TDXGMEM_FEATURE_SKIP_ZEROING:
 * init_on_alloc and init_on_free off), private pages populated for such a
 * consumer (its faults; fallocate() of a range only such consumers bind)
 * are not cleared. tdxgmem tracks them per page and clears one before
 * anybody else can read it: a look-up by a consumer without the flag, and
 * a conversion to shared, PRESERVE included (tdxgmem cannot tell which
 * pages the consumer wrote), the only way such a page reaches userspace
 * or tdxgmem_get_shared_pfn(). A consumer must not let its
 * guest read a page it got but did not write (a fault that is retried
 * before the write maps nothing).
 */
#define TDXGMEM_CLIENT_INITIALIZES	BIT(1)

/*
 * Errors of tdxgmem_get_pfn() / tdxgmem_peek_pfn() (kernel-doc in
 * module/binding.c): -EINVAL gfn outside the binding; -EPERM the page is
 * shared (turn it into a memory-fault exit); -EHWPOISON; -EIO the page is
 * quarantined; -ENOMEM; -ENODEV the file was released; peek only: -ENOENT
 * the page has no backing. tdxgmem_get_shared_pfn(): the same, with -EPERM
 * meaning the page is private. tdxgmem_bind(): -EINVAL, -EBUSY (overlap),
 * -EOPNOTSUPP (see "The direct map and TDX"), -ENOMEM.
 *
 * Memory failure: the kernel does not tell tdxgmem when it poisons a page
 * (tdxgmem pages are not in the page cache), so no callback announces it.
 * tdxgmem checks before each answer: a poisoned page gets -EHWPOISON, and
 * a max_order above 0 vouches that no page of the block is poisoned at
 * that moment (a failure memory_failure() has not finished handling may
 * be missed, as if the answer came just before it). A mapping made before
 * the failure stays until the next invalidation; the machine check of an
 * access goes to whoever accesses.
 */
bool tdxgmem_file_check(struct file *file);

/*
 * The direct map and TDX: who writes back, restores or resets what, and when.
 *
 * tdxgmem hands out private pages zeroed (but see
 * TDXGMEM_CLIENT_INITIALIZES) and written back from the cache.
 * For a TDXGMEM_F_NO_DIRECT_MAP file it takes a private page out of the
 * kernel direct map (writing it back first), and puts it back before
 * invalidate_begin() when the page is about to be freed or to become
 * shared (punch, release, conversion to shared). A page that stays private
 * (unbind, and every removal the consumer starts itself: memslot deletion,
 * VM teardown, a change of KVM's memory attributes) stays out of it.
 *
 * A TDX consumer (KVM on Linux 7.3) flushes a private page through the
 * direct map before TDH.MEM.PAGE.AUG and, on CPUs with the partial-write
 * erratum (X86_BUG_TDX_PW_MCE), resets every page it removes from a TD with
 * MOVDIR64B through it (tdx_quirk_reset_paddr()). It does both only where
 * the page is in the direct map: a page that is not holds no dirty line
 * (tdxgmem wrote it back, and nothing maps it since), and its reset is
 * tdxgmem's. A consumer says it is such a consumer with TDXGMEM_CLIENT_TDX
 * in its ops; tdxgmem then resets, on CPUs with the erratum, every private
 * page of a NO_DIRECT_MAP file it puts back in the direct map, after the
 * last invalidate_end() and before the page is freed or shared (a
 * conversion to shared with PRESERVE then yields zeroes, as the page's
 * contents were the TD's ciphertext anyway). Until then such a page may
 * hold lines a partial write would poison: on CPUs with the erratum,
 * tdxgmem_bind() refuses consumers without TDXGMEM_CLIENT_TDX on a
 * NO_DIRECT_MAP file a TDX consumer has bound (-EOPNOTSUPP). Files that
 * stay in the direct map need nothing from tdxgmem: the consumer reset
 * each page it removed.
 */

struct tdxgmem_binding *tdxgmem_bind(struct file *file, pgoff_t pgoff,
				     unsigned long npages, u64 base_gfn,
				     const struct tdxgmem_client_ops *ops,
				     void *client);
void tdxgmem_unbind(struct tdxgmem_binding *binding);

int tdxgmem_get_pfn(struct tdxgmem_binding *binding, u64 gfn,
		    unsigned long *pfn, int *max_order);
int tdxgmem_peek_pfn(struct tdxgmem_binding *binding, u64 gfn,
		     unsigned long *pfn, int *max_order);
int tdxgmem_get_shared_pfn(struct tdxgmem_binding *binding, u64 gfn,
			   unsigned long *pfn, int *max_order);

#endif /* _LINUX_TDXGMEM_H */
