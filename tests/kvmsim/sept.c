// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsim software S-EPT: gfn -> (pfn, 4K, 2M or 1G) in an xarray.
 * Everything here runs under the VM's mmu_lock.
 */
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/pfn.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include "kvmsim.h"

static void *kvmsim_encode(const struct kvmsim_entry *e)
{
	return xa_mk_value((e->pfn << 3) | ((unsigned long)e->shared << 2) |
			   e->order / KVMSIM_ORDER_2M);
}

/* The entry of @gfn from its xarray value @v (see struct kvmsim_vm.sept). */
void kvmsim_decode(u64 gfn, void *v, struct kvmsim_entry *e)
{
	unsigned long x = xa_to_value(v);

	e->gfn = gfn;
	e->pfn = x >> 3;
	e->shared = x & 4;
	e->order = (x & 3) * KVMSIM_ORDER_2M;
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
 * An entry is stored at its first gfn, aligned to its size: the one that
 * maps @gfn, if any, is at @gfn aligned down to 4K, 2M or 1G.
 *
 * Return: true if @gfn is mapped.
 */
bool kvmsim_sept_lookup(struct kvmsim_vm *vm, u64 gfn, struct kvmsim_entry *e)
{
	unsigned int order;
	u64 head;
	void *v;

	lockdep_assert_held(&vm->mmu_lock);
	for (order = 0; order <= KVMSIM_ORDER_1G; order += KVMSIM_ORDER_2M) {
		head = gfn & ~((1ULL << order) - 1);
		v = xa_load(&vm->sept, head);
		if (!v)
			continue;
		kvmsim_decode(head, v, e);
		if (gfn < head + kvmsim_entry_pages(e))
			return true;
	}
	return false;
}

/* The entry that maps @gfn and begins below it, if any. */
static bool kvmsim_sept_straddling(struct kvmsim_vm *vm, u64 gfn,
				   struct kvmsim_entry *e)
{
	return kvmsim_sept_lookup(vm, gfn, e) && e->gfn < gfn;
}

static void kvmsim_sept_count(struct kvmsim_vm *vm,
			      const struct kvmsim_entry *e, int delta)
{
	if (e->order == KVMSIM_ORDER_1G)
		vm->stats.mapped_1g += delta;
	else if (e->order == KVMSIM_ORDER_2M)
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
	kvmsim_freewatch_map(e->pfn, e->order, -1);
	if (kvmsim_freewatch_hit(e->pfn, kvmsim_entry_pages(e)))
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
 * @e:  the entry; @e->gfn and @e->pfn are aligned to its size.
 *
 * Return: 0 or -ENOMEM (then nothing new is mapped).
 */
int kvmsim_sept_map(struct kvmsim_vm *vm, const struct kvmsim_entry *e)
{
	void *old;

	lockdep_assert_held(&vm->mmu_lock);
	kvmsim_sept_zap(vm, e->gfn, e->gfn + kvmsim_entry_pages(e), KVMSIM_ANY);
	if (kvmsim_freewatch_map(e->pfn, e->order, 1))
		return -ENOMEM;
	old = xa_store(&vm->sept, e->gfn, kvmsim_encode(e), GFP_KERNEL);
	if (xa_is_err(old)) {
		kvmsim_freewatch_map(e->pfn, e->order, -1);
		return xa_err(old);
	}
	kvmsim_sept_count(vm, e, 1);
	return 0;
}

/*
 * Demote the 2M or 1G entry @e to 512 entries of the level below, mapping
 * the same pfns. On -ENOMEM its range is left unmapped, which is always
 * safe.
 */
static int kvmsim_sept_demote(struct kvmsim_vm *vm,
			      const struct kvmsim_entry *e)
{
	struct kvmsim_entry small = {
		.order = e->order - KVMSIM_ORDER_2M,
		.shared = e->shared,
	};
	u64 step = kvmsim_entry_pages(&small);
	u64 i;
	void *old;

	for (i = 0; i < KVMSIM_HUGE_PAGES; i++)
		if (kvmsim_freewatch_map(e->pfn + i * step, small.order, 1))
			goto unwatch;
	for (i = 1; i < KVMSIM_HUGE_PAGES; i++) {
		small.gfn = e->gfn + i * step;
		small.pfn = e->pfn + i * step;
		old = xa_store(&vm->sept, small.gfn, kvmsim_encode(&small),
			       GFP_KERNEL);
		if (xa_is_err(old))
			goto fail;
		kvmsim_sept_count(vm, &small, 1);
	}
	/* Replaces the index that holds @e: allocates nothing. */
	small.gfn = e->gfn;
	small.pfn = e->pfn;
	xa_store(&vm->sept, e->gfn, kvmsim_encode(&small), GFP_KERNEL);
	kvmsim_sept_count(vm, e, -1);
	kvmsim_sept_count(vm, &small, 1);
	kvmsim_freewatch_map(e->pfn, e->order, -1);
	return 0;

unwatch:
	/* Small watches 0 .. i - 1 were added, no entry was stored. */
	while (i--)
		kvmsim_freewatch_map(e->pfn + i * step, small.order, -1);
	kvmsim_sept_zap(vm, e->gfn, e->gfn + kvmsim_entry_pages(e), KVMSIM_ANY);
	return -ENOMEM;

fail:
	/*
	 * Entries 1 .. i - 1 are small ones now, and the zap unwatches them
	 * (and @e); the small watches of the others are dropped here.
	 */
	kvmsim_freewatch_map(e->pfn, small.order, -1);
	for (; i < KVMSIM_HUGE_PAGES; i++)
		kvmsim_freewatch_map(e->pfn + i * step, small.order, -1);
	kvmsim_sept_zap(vm, e->gfn, e->gfn + kvmsim_entry_pages(e), KVMSIM_ANY);
	return -ENOMEM;
}

/**
 * kvmsim_sept_split() - demote the entries straddling @gfn until none does.
 * @vm:  the VM.
 * @gfn: an edge of a range; an entry straddles it when it maps @gfn and
 *	 @gfn is not its first gfn.
 *
 * A 1G entry becomes 2M entries; if @gfn is not 2M-aligned, the 2M one
 * that maps it then becomes 4K entries. Counted in the VM's splits_1g and
 * splits.
 *
 * Return: 0, or -ENOMEM (then the range of the entry that could not be
 * demoted is left unmapped, which is always safe).
 */
int kvmsim_sept_split(struct kvmsim_vm *vm, u64 gfn)
{
	struct kvmsim_entry e;
	int r;

	lockdep_assert_held(&vm->mmu_lock);
	while (kvmsim_sept_straddling(vm, gfn, &e)) {
		r = kvmsim_sept_demote(vm, &e);
		if (r)
			return r;
		if (e.order == KVMSIM_ORDER_1G)
			vm->stats.splits_1g++;
		else
			vm->stats.splits++;
	}
	return 0;
}

/**
 * kvmsim_sept_zap() - unmap every entry of @kinds overlapping [@start, @end).
 * @vm:    the VM.
 * @start: first gfn.
 * @end:   one past the last gfn.
 * @kinds: private and/or shared entries.
 *
 * A huge entry only partly inside the range is unmapped whole.
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
	if (kvmsim_sept_straddling(vm, start, &e) && kvmsim_kind_of(&e, kinds))
		kvmsim_sept_erase(vm, e.gfn);
	xa_for_each_range(&vm->sept, idx, v, start, end - 1) {
		kvmsim_decode(idx, v, &e);
		if (kvmsim_kind_of(&e, kinds))
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

static void kvmsim_sept_reset_entry(struct kvmsim_vm *vm,
				    const struct kvmsim_entry *e)
{
	u64 i;

	if (e->shared)
		return;
	for (i = 0; i < kvmsim_entry_pages(e); i++) {
		if (!kvmsim_direct_mapped(e->pfn + i)) {
			vm->stats.reset_skipped++;
			continue;
		}
		memset(__va(PFN_PHYS(e->pfn + i)), 0, PAGE_SIZE);
		vm->stats.resets++;
	}
}

/**
 * kvmsim_sept_reset() - write every private page mapped in [@start, @end)
 *                       that is in the kernel direct map through it.
 * @vm:    the VM.
 * @start: first gfn.
 * @end:   one past the last gfn.
 *
 * Models the patched tdx_quirk_reset_paddr(): MOVDIR64B of zeroes at
 * __va() of each page KVM removes from a TD, a whole huge entry at once,
 * but only of pages in the direct map; tdxgmem resets the others when it
 * puts them back (include/linux/tdxgmem.h, "The direct map and TDX").
 */
void kvmsim_sept_reset(struct kvmsim_vm *vm, u64 start, u64 end)
{
	struct kvmsim_entry e;
	unsigned long idx;
	void *v;

	lockdep_assert_held(&vm->mmu_lock);
	if (start >= end)
		return;
	if (kvmsim_sept_straddling(vm, start, &e))
		kvmsim_sept_reset_entry(vm, &e);
	xa_for_each_range(&vm->sept, idx, v, start, end - 1) {
		kvmsim_decode(idx, v, &e);
		kvmsim_sept_reset_entry(vm, &e);
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
	if (kvmsim_sept_straddling(vm, start, &e) && kvmsim_kind_of(&e, kinds))
		return true;
	xa_for_each_range(&vm->sept, idx, v, start, end - 1) {
		kvmsim_decode(idx, v, &e);
		if (kvmsim_kind_of(&e, kinds))
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
	vm->stats.mapped_1g = 0;
	vm->stats.mapped_shared = 0;
}
