// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsim guest faults and guest data access, following KVM's guest_memfd
 * fault protocol: read the invalidation sequence, tdxgmem_get_pfn() (or
 * tdxgmem_get_shared_pfn() for a shared access) without mmu_lock, then
 * under mmu_lock retry if an invalidation ran or is running for the gfn,
 * else install.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "kvmsim.h"

#define KVMSIM_FAULT_TRIES	1000

/* The binding covering @gfn; VM lock held. */
struct kvmsim_binding *kvmsim_find_binding(struct kvmsim_vm *vm, u64 gfn)
{
	struct kvmsim_binding *b;

	lockdep_assert_held(&vm->lock);
	list_for_each_entry(b, &vm->bindings, node)
		if (gfn >= b->base_gfn && gfn - b->base_gfn < b->npages)
			return b;
	return NULL;
}

/* KVM's mmu_invalidate_retry_gfn(): must the fault start over? */
static bool kvmsim_fault_stale(struct kvmsim_vm *vm, unsigned long seq,
			       u64 gfn)
{
	if (vm->inval_count && gfn >= vm->inval_start && gfn < vm->inval_end)
		return true;
	return vm->inval_seq != seq;
}

/*
 * Is [@pfn, @pfn + @nr) one block the allocator could have handed out:
 * every pfn backed by a struct page, all in one zone? (Contiguity as far
 * as a page range shows it; that the file maps each gfn of a mapped entry
 * to its pfn is checked by kvmsim_check_all().)
 */
static bool kvmsim_one_block(u64 pfn, unsigned long nr)
{
	struct zone *zone;
	unsigned long i;

	if (!pfn_valid(pfn))
		return false;
	zone = page_zone(pfn_to_page(pfn));
	for (i = 1; i < nr; i++)
		if (!pfn_valid(pfn + i) || page_zone(pfn_to_page(pfn + i)) != zone)
			return false;
	return true;
}

/*
 * The order tdxgmem reported, checked against the guarantees of
 * tdxgmem_get_pfn() over the block of 2^max_order pages, as far as kvmsim
 * could map it (1G: reads 2^18 struct pages); a broken guarantee is a
 * violation and maps 4K.
 */
static int kvmsim_fault_order(struct kvmsim_vm *vm, struct kvmsim_binding *b,
			      u64 gfn, u64 pfn, int order)
{
	unsigned long nr;
	u64 head;

	if (order < 0) {
		kvmsim_violation(vm, KVMSIM_V_CONTRACT, gfn,
				 "get_pfn returned a negative max_order");
		return 0;
	}
	nr = 1UL << min(order, KVMSIM_ORDER_1G);
	if (nr == 1)
		return order;
	head = gfn & ~(u64)(nr - 1);
	if ((gfn ^ pfn) & (nr - 1)) {
		kvmsim_violation(vm, KVMSIM_V_CONGRUENCE, gfn,
				 "get_pfn max_order > 0 but gfn !~ pfn mod 2^max_order");
		return 0;
	}
	if (head < b->base_gfn || head + nr > b->base_gfn + b->npages) {
		kvmsim_violation(vm, KVMSIM_V_CONTRACT, gfn,
				 "get_pfn max_order > 0 past the binding");
		return 0;
	}
	if (!kvmsim_one_block(pfn & ~(u64)(nr - 1), nr)) {
		kvmsim_violation(vm, KVMSIM_V_CONTRACT, gfn,
				 "get_pfn max_order > 0 over pfns of no one block");
		return 0;
	}
	if (kvmsim_any_hwpoison(pfn & ~(u64)(nr - 1), nr)) {
		kvmsim_violation(vm, KVMSIM_V_HWPOISON, gfn,
				 "get_pfn max_order > 0 over a poisoned page");
		return 0;
	}
	return order;
}

/*
 * The order of the entry a fault maps: the largest level up to the one
 * asked that @order covers. KVM caps a TD's private mappings at 2M.
 */
static unsigned int kvmsim_fault_map_order(const struct kvmsim_binding *b,
					   u32 level, int order)
{
	int cap = kvmsim_level_order(level);

	if (b->tdx)
		cap = min(cap, KVMSIM_ORDER_2M);
	if (cap >= KVMSIM_ORDER_1G && order >= KVMSIM_ORDER_1G)
		return KVMSIM_ORDER_1G;
	if (cap >= KVMSIM_ORDER_2M && order >= KVMSIM_ORDER_2M)
		return KVMSIM_ORDER_2M;
	return 0;
}

/*
 * Zeroed on first hand-out: every page of @e that kvmsim has not written
 * itself must read as zeroes.
 */
static void kvmsim_fault_check_zero(struct kvmsim_vm *vm,
				    const struct kvmsim_binding *b,
				    const struct kvmsim_entry *e)
{
	unsigned long nr = kvmsim_entry_pages(e);
	unsigned long i = 0, run;

	while (i < nr) {
		if (kvmsim_written_has(b, e->gfn + i, e->pfn + i)) {
			i++;
			continue;
		}
		for (run = 1; i + run < nr; run++)
			if (kvmsim_written_has(b, e->gfn + i + run,
					       e->pfn + i + run))
				break;
		if (!kvmsim_page_is_zero(vm, e->pfn + i, run))
			kvmsim_violation(vm, KVMSIM_V_NOT_ZERO, e->gfn + i,
					 "page handed out not zeroed");
		i += run;
	}
}

/* Write zeroes to @nr pages from @pfn, at @gfn of @b, 512 at a time. */
static int kvmsim_init_pages(struct kvmsim_vm *vm,
			     const struct kvmsim_binding *b, u64 gfn, u64 pfn,
			     unsigned long nr)
{
	struct page **pages;
	unsigned long done, n, i;
	void *va;

	if (!nr)
		return 0;
	pages = kmalloc_array(min(nr, KVMSIM_HUGE_PAGES), sizeof(*pages),
			      GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (done = 0; done < nr; done += n) {
		n = min(nr - done, KVMSIM_HUGE_PAGES);
		for (i = 0; i < n; i++)
			pages[i] = pfn_to_page(pfn + done + i);
		va = vmap(pages, n, VM_MAP, PAGE_KERNEL);
		if (!va) {
			kfree(pages);
			return -ENOMEM;
		}
		memset(va, 0, n << PAGE_SHIFT);
		vunmap(va);
		vm->stats.initialized += n;
		cond_resched();
	}
	kfree(pages);
	/* Zeroes now, whatever kvmsim wrote there before. */
	kvmsim_written_clear(b, gfn, gfn + nr);
	return 0;
}

/*
 * KVMSIM_BIND_INITIALIZES, before @e is installed: write every page of it
 * that no private entry maps to the same pfn now, as a TD's AUG does;
 * pages such an entry maps keep their contents (a promotion).
 */
static int kvmsim_fault_init(struct kvmsim_vm *vm,
			     const struct kvmsim_binding *b,
			     const struct kvmsim_entry *e)
{
	u64 end = e->gfn + kvmsim_entry_pages(e), gfn = e->gfn;
	struct kvmsim_entry old;
	unsigned long idx;
	void *v;
	int r;

	xa_for_each_range(&vm->sept, idx, v, e->gfn, end - 1) {
		kvmsim_decode(idx, v, &old);
		if (old.shared || old.pfn != e->pfn + (idx - e->gfn))
			continue;
		r = kvmsim_init_pages(vm, b, gfn, e->pfn + (gfn - e->gfn),
				      idx - gfn);
		if (r)
			return r;
		gfn = idx + kvmsim_entry_pages(&old);
	}
	return kvmsim_init_pages(vm, b, gfn, e->pfn + (gfn - e->gfn),
				 end - gfn);
}

/* Under mmu_lock, the fault still valid: map @gfn -> @pfn. */
static int kvmsim_fault_install(struct kvmsim_vm *vm, struct kvmsim_binding *b,
				struct kvmsim_fault *f, u64 pfn, int order)
{
	bool shared = f->flags & KVMSIM_FAULT_SHARED;
	struct kvmsim_entry e, old;
	u64 gfn = f->gfn;
	int r;

	if (shared && order) {
		kvmsim_violation(vm, KVMSIM_V_CONTRACT, gfn,
				 "get_shared_pfn returned a max_order above 0");
		order = 0;
	}
	order = kvmsim_fault_order(vm, b, gfn, pfn, order);
	e.order = kvmsim_fault_map_order(b, f->level, order);
	e.shared = shared;
	e.gfn = gfn & ~(kvmsim_entry_pages(&e) - 1);
	e.pfn = pfn - (gfn - e.gfn);

	if (kvmsim_sept_lookup(vm, gfn, &old)) {
		if (old.pfn + (gfn - old.gfn) != pfn) {
			kvmsim_violation(vm, KVMSIM_V_STALE, gfn,
					 "get_pfn changed the pfn of a mapped gfn");
		} else if (old.shared != shared) {
			kvmsim_violation(vm, KVMSIM_V_STALE, gfn,
					 "a mapped gfn changed kind without an invalidation");
		} else if (old.order >= e.order) {
			/* Already mapped, as KVM's spurious fault. */
			e = old;
			goto out;
		}
	}

	/*
	 * Shared pages may hold what userspace wrote through mmap(). A
	 * consumer that initializes private pages may get them uncleared;
	 * KVMSIM_FAULT_RAW leaves them so.
	 */
	if (!shared && !b->initializes) {
		kvmsim_fault_check_zero(vm, b, &e);
	} else if (!shared && !(f->flags & KVMSIM_FAULT_RAW)) {
		r = kvmsim_fault_init(vm, b, &e);
		if (r)
			return r;
	}
	r = kvmsim_sept_map(vm, &e);
	if (r)
		return r;
	kvmsim_check_entries(vm, e.gfn, e.gfn + 1);
out:
	vm->stats.faults++;
	f->pfn = e.pfn + (gfn - e.gfn);
	f->level = kvmsim_order_level(e.order);
	f->max_order = order;
	return 0;
}

/**
 * kvmsim_fault() - KVMSIM_FAULT.
 * @vm: the VM, its lock held.
 * @f:  in: gfn and level; out: pfn, level and max_order.
 *
 * Return: 0 or a negative errno (see struct kvmsim_fault).
 */
long kvmsim_fault(struct kvmsim_vm *vm, struct kvmsim_fault *f)
{
	struct kvmsim_binding *b;
	unsigned long seq, pfn;
	int tries, order, r;

	b = kvmsim_find_binding(vm, f->gfn);
	if (!b)
		return -ENOENT;
	if ((f->flags & KVMSIM_FAULT_RAW) && !b->initializes)
		return -EINVAL;

	for (tries = 0; tries < KVMSIM_FAULT_TRIES; tries++) {
		mutex_lock(&vm->mmu_lock);
		seq = vm->inval_seq;
		mutex_unlock(&vm->mmu_lock);

		if (f->flags & KVMSIM_FAULT_SHARED)
			r = tdxgmem_get_shared_pfn(b->tb, f->gfn, &pfn, &order);
		else
			r = tdxgmem_get_pfn(b->tb, f->gfn, &pfn, &order);
		if (r)
			return r;

		mutex_lock(&vm->mmu_lock);
		if (!kvmsim_fault_stale(vm, seq, f->gfn)) {
			r = kvmsim_fault_install(vm, b, f, pfn, order);
			mutex_unlock(&vm->mmu_lock);
			return r;
		}
		vm->stats.retries++;
		mutex_unlock(&vm->mmu_lock);
		cond_resched();
	}
	return -EAGAIN;
}

/**
 * kvmsim_access() - KVMSIM_ACCESS: copy guest data of a mapped gfn.
 * @vm: the VM, its lock held.
 * @a:  the request, checked by the caller.
 *
 * The page is reached through a temporary vmap(), not the direct map.
 * User memory is copied outside mmu_lock (a user fault may need locks
 * that rank above it).
 *
 * Return: 0, -ENOENT not mapped, -EFAULT, -ENOMEM.
 */
long kvmsim_access(struct kvmsim_vm *vm, struct kvmsim_access *a)
{
	void __user *ubuf = u64_to_user_ptr(a->buf);
	struct kvmsim_binding *b = kvmsim_find_binding(vm, a->gfn);
	struct kvmsim_entry e;
	struct page *page;
	long ret = 0;
	void *buf, *va;
	u64 pfn;

	buf = kmalloc(a->len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (a->write && copy_from_user(buf, ubuf, a->len)) {
		ret = -EFAULT;
		goto out;
	}

	mutex_lock(&vm->mmu_lock);
	if (!b || !kvmsim_sept_lookup(vm, a->gfn, &e)) {
		ret = -ENOENT;
		goto unlock;
	}
	pfn = e.pfn + (a->gfn - e.gfn);
	page = pfn_to_page(pfn);
	va = vmap(&page, 1, VM_MAP, PAGE_KERNEL);
	if (!va) {
		ret = -ENOMEM;
		goto unlock;
	}
	if (a->write) {
		memcpy(va + a->offset, buf, a->len);
		kvmsim_written_add(b, a->gfn, pfn);
	} else {
		memcpy(buf, va + a->offset, a->len);
	}
	vunmap(va);
unlock:
	mutex_unlock(&vm->mmu_lock);
	if (!ret && !a->write && copy_to_user(ubuf, buf, a->len))
		ret = -EFAULT;
out:
	kfree(buf);
	return ret;
}
