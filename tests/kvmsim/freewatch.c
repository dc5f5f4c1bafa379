// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsim's "freed while mapped" check. A probe on the kernel's
 * mm_page_free tracepoint sees every block the page allocator takes back,
 * whatever its order and whoever frees it, and records those that hold a
 * page kvmsim still maps. It relies on nothing tdxgmem does with its pages
 * (reference counts, split_page()), so it holds whether tdxgmem frees 4 KiB
 * pages, whole 2 MiB blocks or 1 GiB ranges.
 *
 * tdxgmem keeps freed 2 MiB blocks and 1 GiB ranges in a pool for its
 * next files instead of giving them back (module/pool.c): no page-allocator
 * free, but the block is free all the same and may back another file at
 * once. A
 * second probe, of the same kind, on tdxgmem's exported tdxgmem_pool_put
 * tracepoint records those. A pooled block that the pool gives back later
 * is seen by mm_page_free again.
 *
 * Mapped pages are counted in three xarrays, one per level: 4K entries by
 * pfn, 2M entries by pfn / 512, 1G entries by pfn / 2^18. Writers hold
 * kvmsim_watch_lock (a mutex, taken inside the VMs' mmu_locks); the probes
 * only read them, under RCU, as they may run in any context. A hit stays
 * in a small table until the entry that maps the page is checked or goes:
 * then the VM that mapped it reports it, once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/xarray.h>

#include "kvmsim.h"
/*
 * The declarations of tdxgmem's tracepoints, for register_trace_*(); no
 * CREATE_TRACE_POINTS: tdxgmem's trace.c defines them and exports
 * tdxgmem_pool_put. TRACE_INCLUDE_PATH only matters to that definition.
 */
#include "module/tdxgmem_trace.h"

static DEFINE_MUTEX(kvmsim_watch_lock);
static DEFINE_XARRAY(kvmsim_watch_4k);
static DEFINE_XARRAY(kvmsim_watch_2m);
static DEFINE_XARRAY(kvmsim_watch_1g);

/* The watch of the entries of @order: 0, KVMSIM_ORDER_2M or _1G. */
static struct xarray *kvmsim_watch(unsigned int order)
{
	if (order == KVMSIM_ORDER_1G)
		return &kvmsim_watch_1g;
	if (order == KVMSIM_ORDER_2M)
		return &kvmsim_watch_2m;
	return &kvmsim_watch_4k;
}

/* Freed blocks that held mapped pages; the oldest are dropped when full. */
#define KVMSIM_FREED_MAX	64

struct kvmsim_freed {
	u64 pfn;
	u64 nr;
};

static DEFINE_SPINLOCK(kvmsim_freed_lock);
static struct kvmsim_freed kvmsim_freed[KVMSIM_FREED_MAX];
static unsigned int kvmsim_nr_freed;
static struct tracepoint *kvmsim_page_free_tp;

static void kvmsim_freed_add(u64 pfn, u64 nr)
{
	struct kvmsim_freed *last;
	unsigned long flags;

	spin_lock_irqsave(&kvmsim_freed_lock, flags);
	/* A 1 GiB range comes back a page at a time: one record for all. */
	last = kvmsim_nr_freed ? &kvmsim_freed[kvmsim_nr_freed - 1] : NULL;
	if (last && last->pfn + last->nr == pfn) {
		last->nr += nr;
		goto out;
	}
	if (kvmsim_nr_freed == KVMSIM_FREED_MAX) {
		memmove(kvmsim_freed, kvmsim_freed + 1,
			sizeof(kvmsim_freed[0]) * (KVMSIM_FREED_MAX - 1));
		kvmsim_nr_freed--;
	}
	kvmsim_freed[kvmsim_nr_freed++] = (struct kvmsim_freed){ pfn, nr };
out:
	spin_unlock_irqrestore(&kvmsim_freed_lock, flags);
}

/* Does an entry of @order map a page of [@pfn, @last]? */
static bool kvmsim_watched(unsigned int order, unsigned long pfn,
			   unsigned long last)
{
	unsigned long i = pfn >> order;

	return xa_find(kvmsim_watch(order), &i, last >> order, XA_PRESENT);
}

/* 2^@order pages from @pfn are free: record them if an entry maps one. */
static void kvmsim_freed_check(unsigned long pfn, unsigned int order)
{
	unsigned long last = pfn + (1UL << order) - 1;

	if (kvmsim_watched(0, pfn, last) ||
	    kvmsim_watched(KVMSIM_ORDER_2M, pfn, last) ||
	    kvmsim_watched(KVMSIM_ORDER_1G, pfn, last))
		kvmsim_freed_add(pfn, 1ULL << order);
}

static void kvmsim_page_free_probe(void *data, struct page *page,
				   unsigned int order)
{
	kvmsim_freed_check(page_to_pfn(page), order);
}

/* A block enters tdxgmem's pool: as freed as if the allocator took it. */
static void kvmsim_pool_put_probe(void *data, u64 pfn, unsigned int order)
{
	kvmsim_freed_check(pfn, order);
}

/**
 * kvmsim_freewatch_hit() - was a page of [@pfn, @pfn + @nr) freed while
 *                          kvmsim mapped it?
 * @pfn: first page of an entry.
 * @nr:  its pages.
 *
 * Each recorded free is reported once: it is dropped when found.
 *
 * Return: true if the page allocator took back one of the pages, or
 * tdxgmem pooled it, since the entry mapped them.
 */
bool kvmsim_freewatch_hit(u64 pfn, u64 nr)
{
	unsigned long flags;
	bool hit = false;
	unsigned int i;

	if (!READ_ONCE(kvmsim_nr_freed))
		return false;
	spin_lock_irqsave(&kvmsim_freed_lock, flags);
	for (i = 0; i < kvmsim_nr_freed; i++) {
		struct kvmsim_freed *f = &kvmsim_freed[i];

		if (f->pfn >= pfn + nr || pfn >= f->pfn + f->nr)
			continue;
		hit = true;
		memmove(f, f + 1, sizeof(*f) * (--kvmsim_nr_freed - i));
		i--;
	}
	spin_unlock_irqrestore(&kvmsim_freed_lock, flags);
	return hit;
}

static int kvmsim_watch_add(struct xarray *xa, unsigned long key, long delta)
{
	long n = xa_to_value(xa_load(xa, key) ?: xa_mk_value(0)) + delta;

	if (!n) {
		xa_erase(xa, key);
		return 0;
	}
	return xa_err(xa_store(xa, key, xa_mk_value(n), GFP_KERNEL));
}

/**
 * kvmsim_freewatch_map() - count an entry's pages as mapped, or no more.
 * @pfn:   first page (aligned to the entry's size).
 * @order: the entry's: 0, KVMSIM_ORDER_2M or KVMSIM_ORDER_1G.
 * @delta: 1 when the entry is installed, -1 when it goes.
 *
 * Return: 0 or -ENOMEM (then nothing changed).
 */
int kvmsim_freewatch_map(u64 pfn, unsigned int order, int delta)
{
	int ret;

	mutex_lock(&kvmsim_watch_lock);
	ret = kvmsim_watch_add(kvmsim_watch(order), pfn >> order, delta);
	mutex_unlock(&kvmsim_watch_lock);
	return ret;
}

static void kvmsim_find_page_free(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "mm_page_free"))
		kvmsim_page_free_tp = tp;
}

/**
 * kvmsim_freewatch_init() - find the tracepoint; at module load.
 *
 * Return: 0, or -ENOENT if the kernel has no mm_page_free tracepoint.
 */
int kvmsim_freewatch_init(void)
{
	for_each_kernel_tracepoint(kvmsim_find_page_free, NULL);
	if (!kvmsim_page_free_tp) {
		pr_err("no mm_page_free tracepoint: cannot check frees\n");
		return -ENOENT;
	}
	return 0;
}

/*
 * The probes are attached only while a VM exists, so that benchmarks of
 * other memory, run with kvmsim loaded, do not pay for them.
 */
static DEFINE_MUTEX(kvmsim_probe_lock);
static unsigned int kvmsim_probe_users;

static int kvmsim_probes_attach(void)
{
	int ret;

	ret = tracepoint_probe_register(kvmsim_page_free_tp,
					kvmsim_page_free_probe, NULL);
	if (ret)
		return ret;
	ret = register_trace_tdxgmem_pool_put(kvmsim_pool_put_probe, NULL);
	if (ret)
		tracepoint_probe_unregister(kvmsim_page_free_tp,
					    kvmsim_page_free_probe, NULL);
	return ret;
}

/**
 * kvmsim_freewatch_get() - attach the probes for a new VM.
 *
 * Return: 0 or the error of tracepoint_probe_register().
 */
int kvmsim_freewatch_get(void)
{
	int ret = 0;

	mutex_lock(&kvmsim_probe_lock);
	if (!kvmsim_probe_users)
		ret = kvmsim_probes_attach();
	if (!ret)
		kvmsim_probe_users++;
	mutex_unlock(&kvmsim_probe_lock);
	return ret;
}

/* A VM is gone, with all its entries; detach the probes after the last. */
void kvmsim_freewatch_put(void)
{
	mutex_lock(&kvmsim_probe_lock);
	if (!--kvmsim_probe_users) {
		unregister_trace_tdxgmem_pool_put(kvmsim_pool_put_probe, NULL);
		tracepoint_probe_unregister(kvmsim_page_free_tp,
					    kvmsim_page_free_probe, NULL);
		WARN_ON(!xa_empty(&kvmsim_watch_4k) ||
			!xa_empty(&kvmsim_watch_2m) ||
			!xa_empty(&kvmsim_watch_1g));
		spin_lock_irq(&kvmsim_freed_lock);
		kvmsim_nr_freed = 0;
		spin_unlock_irq(&kvmsim_freed_lock);
	}
	mutex_unlock(&kvmsim_probe_lock);
}

/* At module unload: no probe call may still be running. */
void kvmsim_freewatch_exit(void)
{
	tracepoint_synchronize_unregister();
}
