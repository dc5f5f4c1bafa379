// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsim invariant checks. A violation is counted (struct kvmsim_stats)
 * and logged in one line; never WARN or BUG, so a VM run reports it
 * through the counters instead of a splat.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "kvmsim.h"

#define KVMSIM_CHECK_TRIES	5

void kvmsim_violation(struct kvmsim_vm *vm, enum kvmsim_violation kind,
		      u64 gfn, const char *what)
{
	lockdep_assert_held(&vm->mmu_lock);
	vm->stats.violations++;
	vm->stats.violation[kind]++;
	pr_err_ratelimited("violation: %s at gfn %#llx\n", what, gfn);
}

/**
 * kvmsim_page_is_zero() - do @nr pages from @pfn read as zeroes?
 * @vm:  the VM (counters).
 * @pfn: first page.
 * @nr:  number of pages, at most 512.
 *
 * Reads through a temporary vmap(), never the direct map, which tdxgmem
 * may have removed for private pages. If vmap() fails, nothing is known
 * and the pages count as zero.
 *
 * Return: false if some byte is not zero.
 */
bool kvmsim_page_is_zero(struct kvmsim_vm *vm, u64 pfn, unsigned long nr)
{
	struct page **pages;
	unsigned long i;
	bool zero = true;
	void *va;

	pages = kmalloc_array(nr, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return true;
	for (i = 0; i < nr; i++)
		pages[i] = pfn_to_page(pfn + i);
	va = vmap(pages, nr, VM_MAP, PAGE_KERNEL);
	if (va) {
		zero = !memchr_inv(va, 0, nr << PAGE_SHIFT);
		vunmap(va);
		vm->stats.zero_checks += nr;
	}
	kfree(pages);
	return zero;
}

/**
 * kvmsim_any_hwpoison() - did memory failure hit a page of [@pfn, @pfn + @nr)?
 * @pfn: first page.
 * @nr:  number of pages.
 *
 * Return: true if some page is PageHWPoison (invalid pfns are not).
 */
bool kvmsim_any_hwpoison(u64 pfn, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		if (pfn_valid(pfn + i) && PageHWPoison(pfn_to_page(pfn + i)))
			return true;
	return false;
}

static void kvmsim_check_entry(struct kvmsim_vm *vm,
			       const struct kvmsim_entry *e)
{
	u64 nr = e->huge ? KVMSIM_HUGE_PAGES : 1;
	u64 i;

	if (e->huge && ((e->gfn | e->pfn) & KVMSIM_HUGE_MASK))
		kvmsim_violation(vm, KVMSIM_V_CONGRUENCE, e->gfn,
				 "2M entry with gfn or pfn not 512-aligned");
	for (i = 0; i < nr; i++) {
		if (!pfn_valid(e->pfn + i)) {
			kvmsim_violation(vm, KVMSIM_V_FREED, e->gfn + i,
					 "mapped pfn has no page");
			return;
		}
	}
	if (kvmsim_freewatch_hit(e->pfn, nr)) {
		kvmsim_violation(vm, KVMSIM_V_FREED, e->gfn,
				 "mapped page was freed");
		return;
	}
	if (e->huge && kvmsim_any_hwpoison(e->pfn, nr))
		kvmsim_violation(vm, KVMSIM_V_HWPOISON, e->gfn,
				 "2M entry over a poisoned page");
}

/**
 * kvmsim_check_entries() - check what needs no call into tdxgmem, for
 *                          the entries whose first gfn is in [@start, @end).
 * @vm:    the VM, mmu_lock held.
 * @start: first gfn.
 * @end:   one past the last gfn.
 *
 * Congruence and alignment of 2M entries; mapped pages not freed; no
 * poisoned page under a 2M entry.
 */
void kvmsim_check_entries(struct kvmsim_vm *vm, u64 start, u64 end)
{
	struct kvmsim_entry e;
	unsigned long idx;
	void *v;

	lockdep_assert_held(&vm->mmu_lock);
	if (start >= end)
		return;
	xa_for_each_range(&vm->sept, idx, v, start, end - 1) {
		kvmsim_decode(idx, v, &e);
		kvmsim_check_entry(vm, &e);
	}
}

/* A violation found without mmu_lock, committed if the snapshot held. */
struct kvmsim_found {
	enum kvmsim_violation kind;
	u64 gfn;
	const char *what;
};

struct kvmsim_snapshot {
	struct kvmsim_entry *e;
	unsigned long nr;
	struct kvmsim_found found[16];
	unsigned int nr_found;
	unsigned long extra;	/* found but not recorded in @found */
};

static void kvmsim_found(struct kvmsim_snapshot *s, enum kvmsim_violation kind,
			 u64 gfn, const char *what)
{
	if (s->nr_found < ARRAY_SIZE(s->found))
		s->found[s->nr_found++] = (struct kvmsim_found){ kind, gfn, what };
	else
		s->extra++;
}

/* Under mmu_lock: copy the S-EPT. */
static int kvmsim_snapshot(struct kvmsim_vm *vm, struct kvmsim_snapshot *s)
{
	unsigned long cap = vm->stats.mapped_4k + vm->stats.mapped_2m;
	unsigned long idx;
	void *v;

	s->nr = 0;
	s->nr_found = 0;
	s->extra = 0;
	s->e = kvmalloc_array(max(cap, 1UL), sizeof(*s->e), GFP_KERNEL);
	if (!s->e)
		return -ENOMEM;
	xa_for_each(&vm->sept, idx, v) {
		if (s->nr == cap)
			break;
		kvmsim_decode(idx, v, &s->e[s->nr++]);
	}
	return 0;
}

static void kvmsim_peek_one(struct kvmsim_vm *vm, struct kvmsim_snapshot *s,
			    const struct kvmsim_entry *e, u64 gfn)
{
	struct kvmsim_binding *b = kvmsim_find_binding(vm, gfn);
	u64 want = e->pfn + (gfn - e->gfn);
	unsigned long pfn;
	int order, r;

	if (!b) {
		kvmsim_found(s, KVMSIM_V_SURVIVED, gfn,
			     "mapping outlived its binding");
		return;
	}
	/* The page is mapped, hence populated: nothing is allocated. */
	if (e->shared) {
		r = tdxgmem_get_shared_pfn(b->tb, gfn, &pfn, &order);
		if (r) {
			kvmsim_found(s, KVMSIM_V_NOT_SHARED, gfn,
				     "shared mapping of a page not shared");
			return;
		}
	} else {
		r = tdxgmem_peek_pfn(b->tb, gfn, &pfn, &order);
		if (r) {
			kvmsim_found(s, KVMSIM_V_NOT_PRIVATE, gfn,
				     "mapped gfn not private and populated (peek fails)");
			return;
		}
	}
	if (pfn != want)
		kvmsim_found(s, KVMSIM_V_MISMATCH, gfn,
			     "peek returns another pfn than mapped");
	else if (e->huge && order < 9)
		kvmsim_found(s, KVMSIM_V_ORDER, gfn,
			     "2M entry but peek max_order < 9");
}

/* Without mmu_lock: ask tdxgmem about every mapped gfn. */
static void kvmsim_peek_all(struct kvmsim_vm *vm, struct kvmsim_snapshot *s,
			    bool full)
{
	unsigned long i;
	u64 g;

	for (i = 0; i < s->nr; i++) {
		const struct kvmsim_entry *e = &s->e[i];

		if (!e->huge) {
			kvmsim_peek_one(vm, s, e, e->gfn);
		} else if (full) {
			for (g = 0; g < KVMSIM_HUGE_PAGES; g++)
				kvmsim_peek_one(vm, s, e, e->gfn + g);
		} else {
			kvmsim_peek_one(vm, s, e, e->gfn);
			kvmsim_peek_one(vm, s, e, e->gfn + KVMSIM_HUGE_MASK);
		}
		cond_resched();
	}
}

/**
 * kvmsim_check_all() - check every invariant for every mapped gfn.
 * @vm:   the VM, its lock (slots_lock) held.
 * @full: peek every gfn of 2M entries (else the first and the last).
 *
 * tdxgmem_peek_pfn() (tdxgmem_get_shared_pfn() for shared mappings) may
 * not be called under mmu_lock, so this copies the S-EPT, asks without
 * mmu_lock and keeps the answers only if no invalidation ran meanwhile
 * (KVM's mmu_invalidate_seq protocol).
 */
void kvmsim_check_all(struct kvmsim_vm *vm, bool full)
{
	struct kvmsim_snapshot s;
	unsigned long seq, i;
	int tries;

	lockdep_assert_held(&vm->lock);
	for (tries = 0; tries < KVMSIM_CHECK_TRIES; tries++) {
		mutex_lock(&vm->mmu_lock);
		kvmsim_check_entries(vm, 0, ULONG_MAX);
		seq = vm->inval_seq;
		if (kvmsim_snapshot(vm, &s)) {
			mutex_unlock(&vm->mmu_lock);
			return;
		}
		mutex_unlock(&vm->mmu_lock);

		kvmsim_peek_all(vm, &s, full);

		mutex_lock(&vm->mmu_lock);
		if (seq == vm->inval_seq && !vm->inval_count) {
			for (i = 0; i < s.nr_found; i++)
				kvmsim_violation(vm, s.found[i].kind,
						 s.found[i].gfn, s.found[i].what);
			vm->stats.violations += s.extra;
			tries = KVMSIM_CHECK_TRIES;
		}
		mutex_unlock(&vm->mmu_lock);
		kvfree(s.e);
	}
}
