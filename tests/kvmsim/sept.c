// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsim software S-EPT: gfn -> (pfn, 4K or 2M) in an xarray. Everything
 * here runs under the VM's mmu_lock.
 */
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/pfn.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include "kvmsim.h"

static void *kvmsim_encode(u64 pfn, bool huge, bool shared)
{
	return xa_mk_value((pfn << 2) | (shared << 1) | huge);
}

/* The entry of @gfn from its xarray value @v (see struct kvmsim_vm.sept). */
void kvmsim_decode(u64 gfn, void *v, struct kvmsim_entry *e)
{
	unsigned long x = xa_to_value(v);

	e->gfn = gfn;
	e->pfn = x >> 2;
	e->shared = x & 2;
	e->huge = x & 1;
}

static bool kvmsim_kind_of(const struct kvmsim_entry *e,
			   enum kvmsim_kind kinds)
{
	return kinds & (e->shared ? KVMSIM_SHARED : KVMSIM_PRIVATE);
}

/**
 * kvmsim_sept_lookup() - find the entry mapping @gfn.
 * @vm:  the VM.
 * @gfn: guest frame.
 * @e:   out: the entry (its first gfn, which may be below @gfn).
 *
 * Return: true if @gfn is mapped.
 */
bool kvmsim_sept_lookup(struct kvmsim_vm *vm, u64 gfn, struct kvmsim_entry *e)
{
	u64 head = gfn & ~KVMSIM_HUGE_MASK;
	void *v;

	lockdep_assert_held(&vm->mmu_lock);
	v = xa_load(&vm->sept, gfn);
	if (v) {
		kvmsim_decode(gfn, v, e);
		return true;
	}
	if (head == gfn)
		return false;
	v = xa_load(&vm->sept, head);
	if (!v)
		return false;
	kvmsim_decode(head, v, e);
	return e->huge;
}

static void kvmsim_sept_count(struct kvmsim_vm *vm,
			      const struct kvmsim_entry *e, int delta)
{
	if (e->huge)
		vm->stats.mapped_2m += delta;
	else
		vm->stats.mapped_4k += delta;
	if (e->shared)
		vm->stats.mapped_shared += delta;
}

/*
 * An entry goes: a page of it that was freed while mapped is reported
 * now, at the latest.
 */
static void kvmsim_sept_unwatch(struct kvmsim_vm *vm,
				const struct kvmsim_entry *e)
{
	kvmsim_freewatch_map(e->pfn, e->huge, -1);
	if (kvmsim_freewatch_hit(e->pfn, e->huge ? KVMSIM_HUGE_PAGES : 1))
		kvmsim_violation(vm, KVMSIM_V_FREED, e->gfn,
				 "page freed while mapped");
}

static void kvmsim_sept_erase(struct kvmsim_vm *vm, u64 gfn)
{
	struct kvmsim_entry e;
	void *v = xa_erase(&vm->sept, gfn);

	if (!v)
		return;
	kvmsim_decode(gfn, v, &e);
	kvmsim_sept_count(vm, &e, -1);
	kvmsim_sept_unwatch(vm, &e);
}

/**
 * kvmsim_sept_map() - install an entry, replacing what maps its range.
 * @vm: the VM.
 * @e:  the entry; for 2M, @e->gfn and @e->pfn are 512-aligned.
 *
 * Return: 0 or -ENOMEM (then nothing new is mapped).
 */
int kvmsim_sept_map(struct kvmsim_vm *vm, const struct kvmsim_entry *e)
{
	u64 nr = e->huge ? KVMSIM_HUGE_PAGES : 1;
	void *old;

	lockdep_assert_held(&vm->mmu_lock);
	kvmsim_sept_zap(vm, e->gfn, e->gfn + nr, KVMSIM_ANY);
	if (kvmsim_freewatch_map(e->pfn, e->huge, 1))
		return -ENOMEM;
	old = xa_store(&vm->sept, e->gfn,
		       kvmsim_encode(e->pfn, e->huge, e->shared), GFP_KERNEL);
	if (xa_is_err(old)) {
		kvmsim_freewatch_map(e->pfn, e->huge, -1);
		return xa_err(old);
	}
	kvmsim_sept_count(vm, e, 1);
	return 0;
}

/**
 * kvmsim_sept_split() - demote the 2M entry straddling @gfn, if any, to
 *                       512 4K entries mapping the same pfns.
 * @vm:  the VM.
 * @gfn: an edge of a range; a 2M entry straddles it when it maps @gfn
 *	 and @gfn is not its first gfn.
 *
 * Return: 1 if an entry was demoted, 0 if none straddles, -ENOMEM (then
 * the 2M range is left unmapped, which is always safe).
 */
int kvmsim_sept_split(struct kvmsim_vm *vm, u64 gfn)
{
	struct kvmsim_entry e, small;
	u64 i;
	void *old;

	lockdep_assert_held(&vm->mmu_lock);
	if (!(gfn & KVMSIM_HUGE_MASK) || !kvmsim_sept_lookup(vm, gfn, &e) ||
	    !e.huge)
		return 0;

	small = (struct kvmsim_entry){ .shared = e.shared };
	for (i = 0; i < KVMSIM_HUGE_PAGES; i++)
		if (kvmsim_freewatch_map(e.pfn + i, false, 1))
			goto unwatch;
	for (i = 1; i < KVMSIM_HUGE_PAGES; i++) {
		old = xa_store(&vm->sept, e.gfn + i,
			       kvmsim_encode(e.pfn + i, false, e.shared),
			       GFP_KERNEL);
		if (xa_is_err(old))
			goto fail;
		kvmsim_sept_count(vm, &small, 1);
	}
	xa_store(&vm->sept, e.gfn, kvmsim_encode(e.pfn, false, e.shared),
		 GFP_KERNEL);
	kvmsim_sept_count(vm, &e, -1);
	kvmsim_sept_count(vm, &small, 1);
	kvmsim_freewatch_map(e.pfn, true, -1);
	return 1;

unwatch:
	/* 4K watches 0 .. i - 1 were added, no entry was stored. */
	while (i--)
		kvmsim_freewatch_map(e.pfn + i, false, -1);
	kvmsim_sept_zap(vm, e.gfn, e.gfn + KVMSIM_HUGE_PAGES, KVMSIM_ANY);
	return -ENOMEM;

fail:
	/*
	 * Entries 1 .. i - 1 are 4K ones now, and the zap unwatches them
	 * (and the 2M entry); the 4K watches of the others are dropped here.
	 */
	kvmsim_freewatch_map(e.pfn, false, -1);
	for (; i < KVMSIM_HUGE_PAGES; i++)
		kvmsim_freewatch_map(e.pfn + i, false, -1);
	kvmsim_sept_zap(vm, e.gfn, e.gfn + KVMSIM_HUGE_PAGES, KVMSIM_ANY);
	return -ENOMEM;
}

/* First index whose entry may map a gfn >= @start. */
static u64 kvmsim_scan_start(u64 start)
{
	return start & ~KVMSIM_HUGE_MASK;
}

static bool kvmsim_overlaps(const struct kvmsim_entry *e, u64 start, u64 end)
{
	u64 nr = e->huge ? KVMSIM_HUGE_PAGES : 1;

	return e->gfn < end && e->gfn + nr > start;
}

/**
 * kvmsim_sept_zap() - unmap every entry of @kinds overlapping [@start, @end).
 * @vm:    the VM.
 * @start: first gfn.
 * @end:   one past the last gfn.
 * @kinds: private and/or shared entries.
 *
 * A 2M entry only partly inside the range is unmapped whole.
 */
void kvmsim_sept_zap(struct kvmsim_vm *vm, u64 start, u64 end,
		     enum kvmsim_kind kinds)
{
	struct kvmsim_entry e;
	unsigned long idx;
	void *v;

	lockdep_assert_held(&vm->mmu_lock);
	if (start >= end)
		return;
	xa_for_each_range(&vm->sept, idx, v, kvmsim_scan_start(start), end - 1) {
		kvmsim_decode(idx, v, &e);
		if (kvmsim_overlaps(&e, start, end) && kvmsim_kind_of(&e, kinds))
			kvmsim_sept_erase(vm, idx);
	}
}

/* As kernel_page_present(), which modules cannot call. */
static bool kvmsim_direct_mapped(unsigned long pfn)
{
	unsigned int level;
	pte_t *pte;

	pte = lookup_address((unsigned long)__va(PFN_PHYS(pfn)), &level);
	return pte && pte_present(*pte);
}

/**
 * kvmsim_sept_reset() - write every private page mapped in [@start, @end)
 *                       that is in the kernel direct map through it.
 * @vm:    the VM.
 * @start: first gfn.
 * @end:   one past the last gfn.
 *
 * Models the patched tdx_quirk_reset_paddr(): MOVDIR64B of zeroes at
 * __va() of each page KVM removes from a TD, a whole 2M entry at once, but
 * only of pages in the direct map; tdxgmem resets the others when it puts
 * them back (include/linux/tdxgmem.h, "The direct map and TDX").
 */
void kvmsim_sept_reset(struct kvmsim_vm *vm, u64 start, u64 end)
{
	struct kvmsim_entry e;
	unsigned long idx;
	u64 i, nr;
	void *v;

	lockdep_assert_held(&vm->mmu_lock);
	if (start >= end)
		return;
	xa_for_each_range(&vm->sept, idx, v, kvmsim_scan_start(start), end - 1) {
		kvmsim_decode(idx, v, &e);
		if (!kvmsim_overlaps(&e, start, end) || e.shared)
			continue;
		nr = e.huge ? KVMSIM_HUGE_PAGES : 1;
		for (i = 0; i < nr; i++) {
			if (!kvmsim_direct_mapped(e.pfn + i)) {
				vm->stats.reset_skipped++;
				continue;
			}
			memset(__va(PFN_PHYS(e.pfn + i)), 0, PAGE_SIZE);
			vm->stats.resets++;
		}
	}
}

/* Is any gfn of [@start, @end) mapped by an entry of @kinds? */
bool kvmsim_sept_any(struct kvmsim_vm *vm, u64 start, u64 end,
		     enum kvmsim_kind kinds)
{
	struct kvmsim_entry e;
	unsigned long idx;
	void *v;

	lockdep_assert_held(&vm->mmu_lock);
	if (start >= end)
		return false;
	xa_for_each_range(&vm->sept, idx, v, kvmsim_scan_start(start), end - 1) {
		kvmsim_decode(idx, v, &e);
		if (kvmsim_overlaps(&e, start, end) && kvmsim_kind_of(&e, kinds))
			return true;
	}
	return false;
}

void kvmsim_sept_destroy(struct kvmsim_vm *vm)
{
	kvmsim_sept_zap(vm, 0, ULONG_MAX, KVMSIM_ANY);
	xa_destroy(&vm->sept);
	vm->stats.mapped_4k = 0;
	vm->stats.mapped_2m = 0;
	vm->stats.mapped_shared = 0;
}
