// SPDX-License-Identifier: GPL-2.0
/*
 * Where 1 GiB ranges come from.
 *
 * The buddy allocator stops at 4 MiB; a naturally aligned 1 GiB range
 * comes from the contiguous-range allocator, which migrates what is
 * movable out of a candidate range and hands it over as order-0 pages,
 * each with a reference, cleared if asked (__GFP_ZERO). What a kernel exports
 * decides how (conftest, never the version):
 *
 *   alloc_contig_pages()   finds and allocates a range itself;
 *   alloc_contig_range()   allocates a given range: tdxgmem looks for
 *                          candidates the way alloc_contig_pages() does;
 *   neither                no 1 GiB backing (GET_CAPS.page_sizes says so).
 *
 * The allocation cannot be charged to a memory cgroup (nothing a module
 * may call charges a range); store.c only asks for one for files charged
 * to the root cgroup.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/topology.h>

#include "giga.h"
#include "pool.h"

/* No retry loops, no OOM killer: a failed range falls back to 2 MiB. */
#define TDXGMEM_GFP_GIGA	(GFP_HIGHUSER | __GFP_NOWARN)

#if defined(HAVE_ALLOC_CONTIG_PAGES_NOPROF)
#define TDXGMEM_HAVE_GIGA 1

static struct page *tdxgmem_giga_contig(int nid, gfp_t gfp)
{
	return alloc_contig_pages_noprof(TDXGMEM_GIGA_PAGES, gfp, nid, NULL);
}

#elif defined(HAVE_ALLOC_CONTIG_RANGE_NOPROF) && \
	defined(HAVE_ALLOC_CONTIG_RANGE_MIGRATETYPE) && \
	defined(HAVE_PFN_TO_ONLINE_PAGE)
#define TDXGMEM_HAVE_GIGA 1

/*
 * Can [@start, @start + 1 GiB) be tried? All of it online RAM in @zone,
 * nothing reserved, no hugetlb page (as alloc_contig_pages() checks).
 * alloc_contig_range() itself fails a range it cannot empty.
 */
static bool tdxgmem_giga_candidate(struct zone *zone, unsigned long start)
{
	unsigned long pfn;

	for (pfn = start; pfn < start + TDXGMEM_GIGA_PAGES; pfn++) {
		struct page *page = pfn_to_online_page(pfn);

		if (!page || page_zone(page) != zone || PageReserved(page) ||
		    PageHuge(page))
			return false;
	}
	return true;
}

static struct page *tdxgmem_giga_search_node(int nid, gfp_t gfp)
{
	pg_data_t *pgdat = NODE_DATA(nid);
	int z;

	/* The zones GFP_HIGHUSER may use, highest first, as the allocator. */
	for (z = gfp_zone(TDXGMEM_GFP_GIGA); z >= 0; z--) {
		struct zone *zone = &pgdat->node_zones[z];
		unsigned long pfn;

		if (!populated_zone(zone))
			continue;
		for (pfn = ALIGN(zone->zone_start_pfn, TDXGMEM_GIGA_PAGES);
		     zone_spans_pfn(zone, pfn + TDXGMEM_GIGA_PAGES - 1);
		     pfn += TDXGMEM_GIGA_PAGES) {
			if (!tdxgmem_giga_candidate(zone, pfn))
				continue;
			if (!alloc_contig_range_noprof(pfn,
						       pfn + TDXGMEM_GIGA_PAGES,
						       MIGRATE_MOVABLE, gfp))
				return pfn_to_page(pfn);
			cond_resched();
		}
	}
	return NULL;
}

/* The preferred node first, then the others, as alloc_pages_node(). */
static struct page *tdxgmem_giga_contig(int nid, gfp_t gfp)
{
	struct page *page = tdxgmem_giga_search_node(nid, gfp);
	int n;

	for_each_online_node(n) {
		if (page || n == nid)
			continue;
		page = tdxgmem_giga_search_node(n, gfp);
	}
	return page;
}

#else
#define TDXGMEM_HAVE_GIGA 0

static struct page *tdxgmem_giga_contig(int nid, gfp_t gfp)
{
	return NULL;
}
#endif

/**
 * tdxgmem_giga_supported() - can this kernel give tdxgmem 1 GiB ranges?
 *
 * Return: true if files may ask for 1 GiB backing (huge_page_size_log2 30).
 */
bool tdxgmem_giga_supported(void)
{
	return TDXGMEM_HAVE_GIGA;
}

/**
 * tdxgmem_giga_free() - give back a range tdxgmem_giga_alloc() gave.
 * @page: its first page; each of its pages holds its one reference.
 *
 * Page by page: a poisoned page stays out of the page allocator.
 */
void tdxgmem_giga_free(struct page *page)
{
#ifdef HAVE_FREE_CONTIG_RANGE
	free_contig_range(page_to_pfn(page), TDXGMEM_GIGA_PAGES);
#else
	WARN_ON_ONCE(1);	/* no range was ever handed out */
#endif
}

/**
 * tdxgmem_giga_alloc() - allocate a naturally aligned 1 GiB range.
 * @nid: preferred node, or NUMA_NO_NODE.
 * @uncleared: the caller does not need it cleared (the allocator may
 *	       still clear it: init_on_alloc).
 *
 * May sleep for long: it migrates what is in the way.
 *
 * Return: the first of 2^18 order-0 pages, each with one reference, or
 * NULL; not charged to any memory cgroup.
 */
struct page *tdxgmem_giga_alloc(int nid, bool uncleared)
{
	gfp_t gfp = TDXGMEM_GFP_GIGA | (uncleared ? 0 : __GFP_ZERO);
	struct page *page;

	might_sleep();
	if (nid == NUMA_NO_NODE)
		nid = numa_mem_id();
	page = tdxgmem_giga_contig(nid, gfp);
	/* Pooled blocks cannot be moved out of the way: give them back. */
	if (!page && tdxgmem_pool_release_all())
		page = tdxgmem_giga_contig(nid, gfp);
	return page;
}
