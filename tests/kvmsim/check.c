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

/* At most 512 pages of kvmsim_page_is_zero() at a time. */
static bool kvmsim_pages_are_zero(struct kvmsim_vm *vm, struct page **pages,
				  u64 pfn, unsigned long nr)
{
	unsigned long i;
	bool zero = true;
	void *va;

	for (i = 0; i < nr; i++)
		pages[i] = pfn_to_page(pfn + i);
	va = vmap(pages, nr, VM_MAP, PAGE_KERNEL);
	if (va) {
		zero = !memchr_inv(va, 0, nr << PAGE_SHIFT);
		vunmap(va);
		vm->stats.zero_checks += nr;
	}
	return zero;
}

/**
 * kvmsim_page_is_zero() - do @nr pages from @pfn read as zeroes?
 * @vm:  the VM (counters).
 * @pfn: first page.
 * @nr:  number of pages (a 1G entry's 2^18 at most, read 2M at a time).
 *
 * Reads through a temporary vmap(), never the direct map, which tdxgmem
 * may have removed for private pages. If vmap() fails, nothing is known
 * and the pages count as zero.
 *
 * Return: false if some byte is not zero.
 */
bool kvmsim_page_is_zero(struct kvmsim_vm *vm, u64 pfn, unsigned long nr)
{
	unsigned long done, n;
	struct page **pages;
	bool zero = true;

	pages = kmalloc_array(min(nr, KVMSIM_HUGE_PAGES), sizeof(*pages),
			      GFP_KERNEL);
	if (!pages)
		return true;
	for (done = 0; done < nr && zero; done += n) {
		n = min(nr - done, KVMSIM_HUGE_PAGES);
		zero = kvmsim_pages_are_zero(vm, pages, pfn + done, n);
		cond_resched();
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
	u64 nr = kvmsim_entry_pages(e);
	u64 i;

	if ((e->gfn | e->pfn) & (nr - 1))
		kvmsim_violation(vm, KVMSIM_V_CONGRUENCE, e->gfn,
				 "huge entry with gfn or pfn not aligned to its size");
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
	if (e->order && kvmsim_any_hwpoison(e->pfn, nr))
		kvmsim_violation(vm, KVMSIM_V_HWPOISON, e->gfn,
				 "huge entry over a poisoned page");
}

/**
 * kvmsim_check_entries() - check what needs no call into tdxgmem, for
 *                          the entries whose first gfn is in [@start, @end).
 * @vm:    the VM, mmu_lock held.
 * @start: first gfn.
 * @end:   one past the last gfn.
 *
 * Congruence and alignment of huge entries; mapped pages not freed; no
 * poisoned page under a huge entry.
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

/**
 * kvmsim_check_edges() - kvmsim_check_entries() around a callback's range.
 * @vm:    the VM, mmu_lock held.
 * @start: first gfn of the range.
 * @end:   one past its last gfn.
 *
 * The entries beginning in the range's 2M-aligned hull, and a 1G entry
 * that maps its first gfn but begins below the hull (looking at the whole
 * 1G hull would check every small entry of the GiB at each callback).
 */
void kvmsim_check_edges(struct kvmsim_vm *vm, u64 start, u64 end)
{
	u64 lo = start & ~KVMSIM_HUGE_MASK;
	struct kvmsim_entry e;

	if (kvmsim_sept_lookup(vm, lo, &e) && e.gfn < lo)
		kvmsim_check_entry(vm, &e);
	kvmsim_check_entries(vm, lo, (end | KVMSIM_HUGE_MASK) + 1);
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
	unsigned long cap = vm->stats.mapped_4k + vm->stats.mapped_2m +
			    vm->stats.mapped_1g;
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
	else if (order < (int)e->order)
		kvmsim_found(s, KVMSIM_V_ORDER, gfn,
			     "huge entry but peek max_order below its level");
}

/* Without mmu_lock: ask tdxgmem about every mapped gfn. */
static void kvmsim_peek_all(struct kvmsim_vm *vm, struct kvmsim_snapshot *s,
			    bool full)
{
	unsigned long i;
	u64 g;

	for (i = 0; i < s->nr; i++) {
		const struct kvmsim_entry *e = &s->e[i];
		u64 nr = kvmsim_entry_pages(e);

		if (nr == 1) {
			kvmsim_peek_one(vm, s, e, e->gfn);
		} else if (full) {
			/* Every pfn of the entry is the one tdxgmem has. */
			for (g = 0; g < nr; g++) {
				kvmsim_peek_one(vm, s, e, e->gfn + g);
				if (!(g & KVMSIM_HUGE_MASK))
					cond_resched();
			}
		} else {
			kvmsim_peek_one(vm, s, e, e->gfn);
			kvmsim_peek_one(vm, s, e, e->gfn + nr - 1);
		}
		cond_resched();
	}
}

/**
 * kvmsim_check_all() - check every invariant for every mapped gfn.
 * @vm:   the VM, its lock (slots_lock) held.
 * @full: peek every gfn of huge entries (else the first and the last).
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
