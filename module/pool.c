// SPDX-License-Identifier: GPL-2.0
/*
 * A pool of freed 2 MiB blocks and 1 GiB ranges.
 *
 * Giving a block back to the page allocator visits each of its struct
 * pages (free_pages_prepare()), and so does allocating one; a 1 GiB range
 * goes back page by page. hugetlbfs pays none of it when a file is closed
 * and another populated: its pages go back to its own pool. tdxgmem keeps
 * the whole blocks and ranges it frees in a pool too, two lists per node,
 * and backs new chunks and GiBs from there first. Unlike hugetlbfs'
 * pages, pooled blocks are a cache the kernel gets back:
 *
 *  - under memory pressure, through a shrinker (they show in KReclaimable);
 *  - once the pool has gone unused for pool_idle_ms;
 *  - down to pool_max_pct of RAM when that is lowered (0: no pool);
 *  - when no 1 GiB range can be found (pooled blocks may be in the way);
 *  - at module unload.
 *
 * What may enter: a block charged to no memory cgroup (nothing a module
 * may call charges or uncharges a page, so a pooled block could not be
 * charged to its next file): store.c only offers those of files charged to
 * the root. Nothing enters where the kernel wipes memory as it is freed
 * (init_on_free): pooled blocks keep what their file held until reused,
 * and are cleared then (store.c).
 *
 * A pooled block is linked through its first page's lru; that page's
 * private holds what store.c's last poison scan of the block saw. Every
 * count is in 2 MiB units: a pooled GiB counts 512.
 *
 * Lock order: tdxgmem_file.lock, then tdxgmem_pool_lock (innermost; no
 * page is freed under it).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/nodemask.h>
#include <linux/page-flags.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/topology.h>
#include <linux/vmstat.h>
#include <linux/workqueue.h>

#include "giga.h"
#include "pool.h"
#include "range.h"
#include "tdxgmem_internal.h"
#include "tdxgmem_trace.h"

static unsigned int tdxgmem_pool_max_pct = 25;
static unsigned int tdxgmem_pool_idle_ms = 10000;

/* What a pool list holds: 2 MiB blocks, or 1 GiB ranges (giga.c). */
enum { TDXGMEM_POOL_CHUNK, TDXGMEM_POOL_GIGA, TDXGMEM_POOL_KINDS };

static const unsigned int tdxgmem_pool_order[TDXGMEM_POOL_KINDS] = {
	[TDXGMEM_POOL_CHUNK] = TDXGMEM_CHUNK_SHIFT,
	[TDXGMEM_POOL_GIGA] = TDXGMEM_GIGA_ORDER,
};

/* The pool of one node; sizes in 2 MiB units, as every pool count. */
struct tdxgmem_pool_node {
	struct list_head lists[TDXGMEM_POOL_KINDS];
	unsigned long nr;
};

static DEFINE_SPINLOCK(tdxgmem_pool_lock);
/* One per node (nr_node_ids); NULL while there is no pool. */
static struct tdxgmem_pool_node *tdxgmem_pool_nodes;
static unsigned long tdxgmem_pool_nr;	/* 2 MiB units pooled, all nodes */
static struct shrinker *tdxgmem_pool_shrinker;

static void tdxgmem_pool_idle(struct work_struct *work);
static DECLARE_DELAYED_WORK(tdxgmem_pool_idle_work, tdxgmem_pool_idle);
static unsigned long tdxgmem_pool_last_use;	/* jiffies: last put or take */

/* 2 MiB units the pool may hold: pool_max_pct of RAM. */
static unsigned long tdxgmem_pool_cap(void)
{
	return (u64)totalram_pages() * READ_ONCE(tdxgmem_pool_max_pct) / 100 >>
	       TDXGMEM_CHUNK_SHIFT;
}

/* 2 MiB units in a block of @kind. */
static unsigned long tdxgmem_pool_units(int kind)
{
	return 1UL << (tdxgmem_pool_order[kind] - TDXGMEM_CHUNK_SHIFT);
}

/* The list for blocks of @order, or -EINVAL. */
static int tdxgmem_pool_kind(unsigned int order)
{
	if (order == TDXGMEM_CHUNK_SHIFT)
		return TDXGMEM_POOL_CHUNK;
	if (order == TDXGMEM_GIGA_ORDER)
		return TDXGMEM_POOL_GIGA;
	return -EINVAL;
}

/* Does this boot let freed blocks wait in a pool? */
static bool tdxgmem_pool_allowed(void)
{
#ifdef HAVE_INIT_ON_FREE
	return !want_init_on_free();
#else
	return false;	/* cannot tell whether freed memory must be wiped */
#endif
}

/* Only a block charged to no memory cgroup may be pooled. */
static bool tdxgmem_pool_uncharged(struct page *page)
{
#ifdef CONFIG_MEMCG
	return !READ_ONCE(page->memcg_data);
#else
	return true;
#endif
}

static unsigned long tdxgmem_pool_idle_jiffies(void)
{
	return msecs_to_jiffies(READ_ONCE(tdxgmem_pool_idle_ms));
}

/*
 * Blocks were put or taken: the pool is not idle. Called for every block,
 * so it only notes the time and arms the timer if it is not; the timer
 * re-arms itself until pool_idle_ms have passed since the last use.
 */
static void tdxgmem_pool_used(void)
{
	WRITE_ONCE(tdxgmem_pool_last_use, jiffies);
	if (!delayed_work_pending(&tdxgmem_pool_idle_work))
		queue_delayed_work(system_unbound_wq, &tdxgmem_pool_idle_work,
				   tdxgmem_pool_idle_jiffies());
}

/*
 * Unlink a block of @kind from node @nid's pool. Called with
 * tdxgmem_pool_lock held.
 */
static struct page *tdxgmem_pool_take(int nid, int kind)
{
	struct tdxgmem_pool_node *pn = &tdxgmem_pool_nodes[nid];
	unsigned long units = tdxgmem_pool_units(kind);
	struct page *page;

	page = list_first_entry_or_null(&pn->lists[kind], struct page, lru);
	if (!page)
		return NULL;
	list_del_init(&page->lru);
	pn->nr -= units;
	tdxgmem_pool_nr -= units;
	atomic64_sub(units, &tdxgmem_stats.pool_blocks);
	return page;
}

/* A block of @kind left the pool: no longer reclaimable memory. */
static void tdxgmem_pool_unaccount(struct page *page, int kind)
{
	set_page_private(page, 0);
	mod_node_page_state(page_pgdat(page), NR_KERNEL_MISC_RECLAIMABLE,
			    -(1L << tdxgmem_pool_order[kind]));
}

/*
 * Give a block that left the pool back to the page allocator. A 2 MiB
 * block with a page memory failure hit while it was pooled is freed page
 * by page: only an order-0 free makes the page allocator keep such a page
 * back (a 1 GiB range is freed page by page anyway).
 */
static void tdxgmem_pool_free(struct page *page, int kind)
{
	unsigned int i;

	tdxgmem_pool_unaccount(page, kind);
	atomic64_add(tdxgmem_pool_units(kind), &tdxgmem_stats.pool_releases);
	if (kind == TDXGMEM_POOL_GIGA) {
		tdxgmem_giga_free(page);
		return;
	}
	if (IS_ENABLED(CONFIG_MEMORY_FAILURE)) {
		for (i = 0; i < TDXGMEM_CHUNK_PAGES; i++)
			if (PageHWPoison(page + i))
				break;
		if (i < TDXGMEM_CHUNK_PAGES) {
			split_page(page, TDXGMEM_CHUNK_SHIFT);
			for (i = 0; i < TDXGMEM_CHUNK_PAGES; i++)
				__free_page(page + i);
			return;
		}
	}
	__free_pages(page, TDXGMEM_CHUNK_SHIFT);
}

/*
 * Unlink a block from node @nid, or from any node if it is NUMA_NO_NODE:
 * a 2 MiB block if there is one, else a 1 GiB range. Called with
 * tdxgmem_pool_lock held.
 */
static struct page *tdxgmem_pool_take_any(int nid, int *kind)
{
	struct page *page = NULL;
	int k, n;

	for (k = 0; k < TDXGMEM_POOL_KINDS; k++) {
		if (nid != NUMA_NO_NODE)
			page = tdxgmem_pool_take(nid, k);
		for (n = 0; nid == NUMA_NO_NODE && !page && n < nr_node_ids;
		     n++)
			page = tdxgmem_pool_take(n, k);
		if (page) {
			*kind = k;
			return page;
		}
	}
	return NULL;
}

/*
 * Give back blocks of node @nid (NUMA_NO_NODE: any) while the pool holds
 * more than @keep 2 MiB units, until @nr units are given back.
 *
 * Return: how many 2 MiB units were given back.
 */
static unsigned long tdxgmem_pool_release(int nid, unsigned long nr,
					  unsigned long keep)
{
	unsigned long done = 0;
	struct page *page;
	int kind;

	while (done < nr) {
		page = NULL;
		spin_lock(&tdxgmem_pool_lock);
		if (tdxgmem_pool_nodes && tdxgmem_pool_nr > keep)
			page = tdxgmem_pool_take_any(nid, &kind);
		spin_unlock(&tdxgmem_pool_lock);
		if (!page)
			break;
		tdxgmem_pool_free(page, kind);
		done += tdxgmem_pool_units(kind);
		cond_resched();
	}
	return done;
}

/**
 * tdxgmem_pool_put() - keep a freed block in the pool.
 * @page:  first page of the block: an order-9 block, not split, or a
 *         1 GiB range of order-0 pages (giga.c). In the direct map, with
 *         no page known to be poisoned. One charged to a memory cgroup is
 *         refused.
 * @order: TDXGMEM_CHUNK_SHIFT or TDXGMEM_GIGA_ORDER.
 * @gen:   what the block's last poison scan saw (store.c, clean_gen).
 *
 * Return: true if the pool took it; false if the caller must free it
 * (no pool, or the pool is full).
 */
bool tdxgmem_pool_put(struct page *page, unsigned int order,
		      unsigned long gen)
{
	int kind = tdxgmem_pool_kind(order), nid = page_to_nid(page);
	unsigned long units;
	bool taken = false;

	if (kind < 0 || !tdxgmem_pool_allowed() ||
	    !tdxgmem_pool_uncharged(page))
		return false;
	units = tdxgmem_pool_units(kind);
	spin_lock(&tdxgmem_pool_lock);
	if (tdxgmem_pool_nodes && tdxgmem_pool_nr + units <= tdxgmem_pool_cap()) {
		set_page_private(page, gen);
		list_add(&page->lru, &tdxgmem_pool_nodes[nid].lists[kind]);
		tdxgmem_pool_nodes[nid].nr += units;
		tdxgmem_pool_nr += units;
		atomic64_add(units, &tdxgmem_stats.pool_blocks);
		/* Before anybody may take it: kvmsim's freewatch sees this. */
		trace_tdxgmem_pool_put(page_to_pfn(page), order);
		taken = true;
	}
	spin_unlock(&tdxgmem_pool_lock);
	if (!taken)
		return false;
	mod_node_page_state(NODE_DATA(nid), NR_KERNEL_MISC_RECLAIMABLE,
			    1L << order);
	atomic64_add(units, &tdxgmem_stats.pool_puts);
	tdxgmem_pool_used();
	return true;
}

/**
 * tdxgmem_pool_get() - take a pooled block for new backing.
 * @nid:   the node wanted, or NUMA_NO_NODE for the local one.
 * @order: TDXGMEM_CHUNK_SHIFT or TDXGMEM_GIGA_ORDER.
 * @gen:   set to what the block's last poison scan saw.
 *
 * The block still holds what its last file left in it.
 *
 * Return: the block as tdxgmem_pool_put() took it, or NULL.
 */
struct page *tdxgmem_pool_get(int nid, unsigned int order, unsigned long *gen)
{
	int kind = tdxgmem_pool_kind(order);
	struct page *page;

	if (nid == NUMA_NO_NODE)
		nid = numa_mem_id();
	/* Racy peek: a block pooled meanwhile is merely not used this time. */
	if (kind < 0 || !data_race(tdxgmem_pool_nr))
		return NULL;
	spin_lock(&tdxgmem_pool_lock);
	page = tdxgmem_pool_nodes ? tdxgmem_pool_take(nid, kind) : NULL;
	spin_unlock(&tdxgmem_pool_lock);
	if (!page)
		return NULL;
	*gen = page_private(page);
	tdxgmem_pool_unaccount(page, kind);
	atomic64_add(tdxgmem_pool_units(kind), &tdxgmem_stats.pool_hits);
	tdxgmem_pool_used();
	return page;
}

/**
 * tdxgmem_pool_release_all() - give every pooled block back.
 *
 * Return: true if there was any.
 */
bool tdxgmem_pool_release_all(void)
{
	return tdxgmem_pool_release(NUMA_NO_NODE, ULONG_MAX, 0);
}

static void tdxgmem_pool_idle(struct work_struct *work)
{
	unsigned long due = READ_ONCE(tdxgmem_pool_last_use) +
			    tdxgmem_pool_idle_jiffies();

	if (time_before(jiffies, due)) {
		queue_delayed_work(system_unbound_wq, &tdxgmem_pool_idle_work,
				   due - jiffies);
		return;
	}
	tdxgmem_pool_release_all();
}

/* Counted in pages, as the page cache is, so reclaim weighs them alike. */
static unsigned long tdxgmem_pool_count(struct shrinker *s,
					struct shrink_control *sc)
{
	unsigned long nr;

	spin_lock(&tdxgmem_pool_lock);
	nr = tdxgmem_pool_nodes ? tdxgmem_pool_nodes[sc->nid].nr : 0;
	spin_unlock(&tdxgmem_pool_lock);
	return nr ? nr << TDXGMEM_CHUNK_SHIFT : SHRINK_EMPTY;
}

static unsigned long tdxgmem_pool_scan(struct shrinker *s,
				       struct shrink_control *sc)
{
	unsigned long nr = DIV_ROUND_UP(sc->nr_to_scan, TDXGMEM_CHUNK_PAGES);
	unsigned long done = tdxgmem_pool_release(sc->nid, nr, 0);

	sc->nr_scanned = done << TDXGMEM_CHUNK_SHIFT;
	return done ? done << TDXGMEM_CHUNK_SHIFT : SHRINK_STOP;
}

static int tdxgmem_pool_max_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_uint_minmax(val, kp, 0, 100);

	if (!ret)
		tdxgmem_pool_release(NUMA_NO_NODE, ULONG_MAX,
				     tdxgmem_pool_cap());
	return ret;
}

static const struct kernel_param_ops tdxgmem_pool_max_ops = {
	.set	= tdxgmem_pool_max_set,
	.get	= param_get_uint,
};
module_param_cb(pool_max_pct, &tdxgmem_pool_max_ops, &tdxgmem_pool_max_pct,
		0644);
MODULE_PARM_DESC(pool_max_pct,
		 "Percentage of RAM that freed 2 MiB blocks may keep in tdxgmem's pool for reuse (0-100, default 25; 0: no pool)");

static int tdxgmem_pool_idle_set(const char *val,
				 const struct kernel_param *kp)
{
	int ret = param_set_uint_minmax(val, kp, 1, 3600000);
	bool pooled;

	if (ret)
		return ret;
	/* Racy peek: a put meanwhile arms the timer itself. */
	pooled = data_race(tdxgmem_pool_nr);
	/* A timer armed with the old value fires now, re-arms with the new. */
	if (pooled || delayed_work_pending(&tdxgmem_pool_idle_work))
		mod_delayed_work(system_unbound_wq, &tdxgmem_pool_idle_work, 0);
	return 0;
}

static const struct kernel_param_ops tdxgmem_pool_idle_ops = {
	.set	= tdxgmem_pool_idle_set,
	.get	= param_get_uint,
};
module_param_cb(pool_idle_ms, &tdxgmem_pool_idle_ops, &tdxgmem_pool_idle_ms,
		0644);
MODULE_PARM_DESC(pool_idle_ms,
		 "Milliseconds without use after which tdxgmem's pool gives every block back (1-3600000, default 10000)");

/**
 * tdxgmem_pool_init() - set up the pool; at module load.
 *
 * Return: 0 or -ENOMEM.
 */
int tdxgmem_pool_init(void)
{
	struct tdxgmem_pool_node *nodes;
	int n;

	nodes = kcalloc(nr_node_ids, sizeof(*nodes), GFP_KERNEL);
	if (!nodes)
		return -ENOMEM;
	for (n = 0; n < nr_node_ids; n++) {
		INIT_LIST_HEAD(&nodes[n].lists[TDXGMEM_POOL_CHUNK]);
		INIT_LIST_HEAD(&nodes[n].lists[TDXGMEM_POOL_GIGA]);
	}
	tdxgmem_pool_shrinker = shrinker_alloc(SHRINKER_NUMA_AWARE,
					       "tdxgmem-pool");
	if (!tdxgmem_pool_shrinker) {
		kfree(nodes);
		return -ENOMEM;
	}
	tdxgmem_pool_shrinker->count_objects = tdxgmem_pool_count;
	tdxgmem_pool_shrinker->scan_objects = tdxgmem_pool_scan;
	tdxgmem_pool_shrinker->batch = TDXGMEM_CHUNK_PAGES;
	/* Nothing to rebuild: reclaim may take half the pool each pass. */
	tdxgmem_pool_shrinker->seeks = 0;
	spin_lock(&tdxgmem_pool_lock);
	tdxgmem_pool_nodes = nodes;
	spin_unlock(&tdxgmem_pool_lock);
	shrinker_register(tdxgmem_pool_shrinker);
	return 0;
}

/* At module unload, once no file is left: give everything back. */
void tdxgmem_pool_exit(void)
{
	struct tdxgmem_pool_node *nodes;

	shrinker_free(tdxgmem_pool_shrinker);
	cancel_delayed_work_sync(&tdxgmem_pool_idle_work);
	tdxgmem_pool_release_all();
	spin_lock(&tdxgmem_pool_lock);
	nodes = tdxgmem_pool_nodes;
	tdxgmem_pool_nodes = NULL;
	spin_unlock(&tdxgmem_pool_lock);
	kfree(nodes);
}
