// SPDX-License-Identifier: GPL-2.0
/*
 * Backing store of tdxgmem files.
 *
 * A file is tracked in 512-page chunks (index = pgoff >> 9) in an xarray.
 * An absent chunk means: nothing populated, every page has the file's
 * initial attribute. A chunk whose pages are all wanted, that lies wholly
 * inside the file and is empty, is backed by one naturally aligned 2 MiB
 * block allocated without __GFP_COMP. The block stays one allocation, so
 * that a chunk nobody punched goes back to the allocator in one call, not
 * 512 (closing a populated file is 25-30x faster), until one of its pages
 * needs a life of its own: a reference of its own (user mapping, pin), a
 * punch of part of the chunk, or a free that keeps quarantined or poisoned
 * pages back. split_page() then makes it 512 order-0 pages, for
 * good. Otherwise, and when the 2 MiB block is not available, pages come
 * one by one (a "fallback" when 2 MiB was wanted). A file created for
 * 1 GiB backing first tries one naturally aligned 1 GiB range for a whole,
 * empty GiB (giga.c); its 512 chunks then share a struct tdxgmem_giga,
 * their pages each with a reference of their own (that is how the kernel
 * hands out such ranges), and they fall back to 2 MiB blocks, counted,
 * when it cannot be had. No allocation may call
 * the OOM killer, and all files together hold at most mem_limit_pct
 * percent of RAM: a file larger than RAM fails to populate with -ENOMEM
 * instead of taking the machine down.
 *
 * Pages are never on the LRU and never movable: nothing migrates them.
 *
 * Memory failure: the kernel marks a failed page PageHWPoison and, as the
 * page is neither on the LRU nor in the page cache, leaves it where it is
 * without telling its owner. tdxgmem notices the mark wherever the answer
 * depends on it (faults, get_pfn, conversion, QUERY), records it in the
 * chunk's hwpoison bitmap, and from then on never hands the page out, maps
 * it, touches its contents or puts it back into the direct map. Punch and
 * release free it like any page: the page allocator keeps poisoned order-0
 * pages for itself, so a block with a poisoned page is split before it is
 * freed. (A page poisoned between that check and the free is handled as
 * in any other high-order kernel allocation freed at that moment.)
 *
 * Locking (lock order, outermost first):
 *
 *   mmap_lock or the VMA lock (page faults)
 *     mapping->invalidate_lock ("the file's invalidate lock")
 *       tdxgmem_file.lock (chunk state)
 *         tdxgmem_pool_lock (pool.c: blocks put or taken)
 *       page table lock (a fault inserting its PTE)
 *
 * Every change of chunk state holds invalidate_lock (shared: allocation and
 * faults; exclusive: punch-hole, and later conversion) and tdxgmem_file.lock.
 * Holding invalidate_lock for write therefore freezes the state.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/memcontrol.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "directmap.h"
#include "giga.h"
#include "pool.h"
#include "store.h"
#include "tdxgmem_internal.h"
#include "tdxgmem_trace.h"
#include <uapi/linux/tdxgmem_netlink.h>

unsigned int tdxgmem_mem_limit_pct = 90;

static int tdxgmem_mem_limit_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, 100);
}

static const struct kernel_param_ops tdxgmem_mem_limit_ops = {
	.set	= tdxgmem_mem_limit_set,
	.get	= param_get_uint,
};
module_param_cb(mem_limit_pct, &tdxgmem_mem_limit_ops, &tdxgmem_mem_limit_pct,
		0644);
MODULE_PARM_DESC(mem_limit_pct,
		 "Percentage of RAM all tdxgmem files together may hold (1-100, default 90); beyond it allocation fails with -ENOMEM");

/* 2 MiB attempt: cheap, no retries, no compaction storms, no OOM killer. */
#define TDXGMEM_GFP_CHUNK	(GFP_HIGHUSER | __GFP_ACCOUNT | __GFP_NORETRY | \
				 __GFP_NOWARN)
/* 4 KiB pages: reclaim hard, but fail rather than OOM-kill. */
#define TDXGMEM_GFP_PAGE	(GFP_HIGHUSER | __GFP_ACCOUNT | \
				 __GFP_RETRY_MAYFAIL | __GFP_NOWARN)
/* Metadata: charged like the pages, never the OOM killer either. */
#define TDXGMEM_GFP_META	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | \
				 __GFP_NOWARN)

#define TDXGMEM_CHUNK_MASK	(TDXGMEM_CHUNK_PAGES - 1)

u64 tdxgmem_mem_limit_pages(void)
{
	return (u64)totalram_pages() * READ_ONCE(tdxgmem_mem_limit_pct) / 100;
}

/* Account @n pages of @f against the module-wide limit before allocating. */
static int tdxgmem_reserve(struct tdxgmem_file *f, unsigned long n)
{
	u64 limit = tdxgmem_mem_limit_pages();
	u64 held = atomic64_add_return(n, &tdxgmem_stats.pages);

	if (held > limit) {
		atomic64_sub(n, &tdxgmem_stats.pages);
		atomic64_inc(&tdxgmem_stats.limit_fails);
		tdxgmem_event_mem_limit(f, n, held - n, limit);
		return -ENOMEM;
	}
	return 0;
}

static void tdxgmem_unreserve(unsigned long n)
{
	atomic64_sub(n, &tdxgmem_stats.pages);
}

/* Pages of chunk @idx that lie inside the file: 512 except in the tail. */
static u32 tdxgmem_chunk_span(struct tdxgmem_file *f, unsigned long idx)
{
	pgoff_t first = (pgoff_t)idx << TDXGMEM_CHUNK_SHIFT;

	return min_t(pgoff_t, TDXGMEM_CHUNK_PAGES, f->nr_pages - first);
}

static struct page *tdxgmem_chunk_page(struct tdxgmem_chunk *c, u32 i)
{
	return c->bits.contig ? c->base + i : c->pages[i];
}

/* Each present chunk @c (index @idx) holding a page of [@start, @end). */
#define tdxgmem_for_each_chunk(f, idx, c, start, end)			\
	xa_for_each_range(&(f)->chunks, idx, c,				\
			  (start) >> TDXGMEM_CHUNK_SHIFT,		\
			  ((end) - 1) >> TDXGMEM_CHUNK_SHIFT)

/* Pages [*first, *last) of chunk @idx that lie in [@start, @end). */
static void tdxgmem_chunk_clip(unsigned long idx, pgoff_t start, pgoff_t end,
			       u32 *first, u32 *last)
{
	pgoff_t base = (pgoff_t)idx << TDXGMEM_CHUNK_SHIFT;

	*first = max(start, base) - base;
	*last = min_t(pgoff_t, end - base, TDXGMEM_CHUNK_PAGES);
}

/* First page of chunk @idx. */
static pgoff_t tdxgmem_chunk_pgoff(unsigned long idx)
{
	return (pgoff_t)idx << TDXGMEM_CHUNK_SHIFT;
}

/* @gfp for new backing: cleared by the allocator unless @uncleared. */
static gfp_t tdxgmem_gfp(gfp_t gfp, bool uncleared)
{
	return uncleared ? gfp : gfp | __GFP_ZERO;
}

/*
 * New backing [@first, @end) of @c: the allocator cleared it, unless
 * @uncleared; then its private pages are marked so (zeroing.c) and its
 * shared ones, which userspace may read at once, are cleared now.
 * Called with file.lock held, before the pages may leave the direct map.
 */
static void tdxgmem_chunk_new_pages(struct tdxgmem_file *f,
				    struct tdxgmem_chunk *c, u32 first,
				    u32 end, bool uncleared)
{
	unsigned long zeroed = 0, skipped = 0;
	u32 i;

	if (!uncleared) {
		atomic64_add(end - first, &tdxgmem_stats.zeroed_pages);
		return;
	}
	for (i = first; i < end; i++) {
		if (tdxgmem_bit_test(c->bits.private, i)) {
			tdxgmem_bits_assign(c->bits.uncleared, i, i + 1, true);
			skipped++;
		} else {
			clear_highpage(tdxgmem_chunk_page(c, i));
			zeroed++;
		}
	}
	c->bits.nr_uncleared += skipped;
	f->nr_uncleared += skipped;
	atomic64_add(zeroed, &tdxgmem_stats.zeroed_pages);
	atomic64_add(skipped, &tdxgmem_stats.zero_skipped_pages);
}

/* Page @i of @c is cleared now; it was uncleared. */
static void tdxgmem_chunk_cleared(struct tdxgmem_file *f,
				  struct tdxgmem_chunk *c, u32 i)
{
	tdxgmem_bits_assign(c->bits.uncleared, i, i + 1, false);
	c->bits.nr_uncleared--;
	f->nr_uncleared--;
	atomic64_inc(&tdxgmem_stats.zeroed_pages);
}

/* Pages cleared through one temporary mapping (64: 512 bytes of stack). */
#define TDXGMEM_CLEAR_RUN	64

/*
 * Record the populated pages of [@first, @last) of @c (chunk @idx of @f)
 * that memory failure has hit since tdxgmem last looked, and say so.
 * Called with file.lock held.
 */
static void tdxgmem_chunk_find_hwpoison(struct tdxgmem_file *f,
					unsigned long idx,
					struct tdxgmem_chunk *c, u32 first,
					u32 last)
{
	pgoff_t pg;
	u32 i;

	for (i = first; i < last; i++) {
		if (!tdxgmem_bit_test(c->bits.populated, i) ||
		    !PageHWPoison(tdxgmem_chunk_page(c, i)) ||
		    !tdxgmem_chunk_mark_hwpoison(&c->bits, i))
			continue;
		f->state_gen++;
		atomic64_inc(&tdxgmem_stats.hwpoison);
		pg = tdxgmem_chunk_pgoff(idx) + i;
		trace_tdxgmem_hwpoison(f->id, pg);
		tdxgmem_event_hwpoison(f, pg);
	}
}

/* Tests and benchmarks: scan for a 2 MiB answer every time (debugfs). */
bool tdxgmem_poison_scan_always;

/*
 * 1 + the count of memory failures on @page's node, or 0 where the kernel
 * does not count them (then every check scans).
 */
static unsigned long tdxgmem_mf_gen(struct page *page)
{
#ifdef HAVE_PGDAT_MF_STATS
	return READ_ONCE(NODE_DATA(page_to_nid(page))->mf_stats.total) + 1;
#else
	return 0;
#endif
}

/*
 * Find whether memory failure hit any page of contiguous chunk @c, before
 * a 2 MiB answer vouches for all of them and before the chunk is freed as
 * one block. The scan reads 512 struct pages, which would cost a 2 MiB
 * answer ten 4 KiB ones and double the cost of a free; it is made when the
 * block is allocated, and again only once a memory failure has been counted
 * on the chunk's node since a scan found it clean. The count is read before
 * the scan: a failure counted during it makes the next check scan again.
 * memory_failure() marks a page before it counts it, so a check may miss a
 * failure still in progress, exactly as one made just before that failure
 * would. Called with file.lock held.
 */
static void tdxgmem_chunk_vouch(struct tdxgmem_file *f, unsigned long idx,
				struct tdxgmem_chunk *c)
{
	unsigned long gen = tdxgmem_mf_gen(c->base);

	if (!IS_ENABLED(CONFIG_MEMORY_FAILURE))
		return;		/* PageHWPoison() is always false */
	if (gen && c->clean_gen == gen &&
	    !READ_ONCE(tdxgmem_poison_scan_always))
		return;
	atomic64_inc(&tdxgmem_stats.poison_scans);
	tdxgmem_chunk_find_hwpoison(f, idx, c, 0, TDXGMEM_CHUNK_PAGES);
	c->clean_gen = c->bits.nr_hwpoison ? 0 : gen;
}

/* Quarantine populated pages [@first, @last) of @c; returns how many. */
static unsigned long tdxgmem_chunk_quarantine(struct tdxgmem_file *f,
					      struct tdxgmem_chunk *c,
					      u32 first, u32 last)
{
	unsigned long n = 0;
	u32 i;

	for (i = first; i < last; i++) {
		if (!tdxgmem_bit_test(c->bits.populated, i) ||
		    tdxgmem_bit_test(c->bits.quarantined, i))
			continue;
		tdxgmem_bits_assign(c->bits.quarantined, i, i + 1, true);
		c->bits.nr_quarantined++;
		n++;
	}
	if (n)
		f->state_gen++;
	atomic64_add(n, &tdxgmem_stats.quarantined);
	return n;
}

/*
 * Does page @i of @c move in the zap or restore at hand? A NO_DIRECT_MAP
 * file keeps its populated private pages out of the direct map
 * (quarantined ones excepted: their state is not trusted). @only, if
 * given, names the pages whose attribute changes now: they are, or are
 * about to become, private, and only they move.
 */
static bool tdxgmem_dm_wanted(struct tdxgmem_file *f, struct tdxgmem_chunk *c,
			      u32 i, const u64 *only)
{
	if (!(f->flags & TDXGMEM_F_NO_DIRECT_MAP) ||
	    !tdxgmem_bit_test(c->bits.populated, i) ||
	    tdxgmem_bit_test(c->bits.quarantined, i))
		return false;
	return tdxgmem_bit_test(only ? only : c->bits.private, i);
}

/* Clear @n pages of @c, @at[] their indices, out of the direct map. */
static int tdxgmem_chunk_clear_run(struct tdxgmem_file *f,
				   struct tdxgmem_chunk *c, struct page **run,
				   const u32 *at, unsigned int n)
{
	unsigned int k;
	int ret;

	if (!n)
		return 0;
	ret = tdxgmem_clear_unmapped(run, n, tdxgmem_tdx_reset_needed(f));
	for (k = 0; !ret && k < n; k++)
		tdxgmem_chunk_cleared(f, c, at[k]);
	return ret;
}

/*
 * Clear the uncleared pages of [@first, @last) of @c before anybody but a
 * consumer that initializes them may read them. Poisoned and quarantined
 * pages are never read: they stay as they are. Private pages of a
 * NO_DIRECT_MAP file are out of the direct map: cleared through a
 * temporary mapping. Called with file.lock held.
 *
 * Return: 0, or -ENOMEM if a temporary mapping failed (what was cleared
 * stays so).
 */
static int tdxgmem_chunk_clear(struct tdxgmem_file *f,
			       struct tdxgmem_chunk *c, u32 first, u32 last)
{
	struct page *run[TDXGMEM_CLEAR_RUN];
	u32 at[TDXGMEM_CLEAR_RUN];
	unsigned int n = 0;
	struct page *page;
	int ret;
	u32 i;

	for (i = first; c->bits.nr_uncleared && i < last; i++) {
		if (!tdxgmem_bit_test(c->bits.uncleared, i) ||
		    tdxgmem_bit_test(c->bits.hwpoison, i) ||
		    tdxgmem_bit_test(c->bits.quarantined, i))
			continue;
		page = tdxgmem_chunk_page(c, i);
		if (!tdxgmem_dm_wanted(f, c, i, NULL)) {
			clear_highpage(page);
			tdxgmem_chunk_cleared(f, c, i);
			continue;
		}
		run[n] = page;
		at[n++] = i;
		if (n == TDXGMEM_CLEAR_RUN) {
			ret = tdxgmem_chunk_clear_run(f, c, run, at, n);
			if (ret)
				return ret;
			n = 0;
		}
	}
	return tdxgmem_chunk_clear_run(f, c, run, at, n);
}

/*
 * Add the pages of [@first, @last) of @c that tdxgmem_dm_wanted() names to
 * a zap or restore batch, in physically contiguous runs (a whole
 * contiguous private chunk is one 2 MiB run, so the direct map keeps its
 * 2 MiB leaf). A page zapped twice would be written back through an
 * address no longer mapped: callers name exactly the pages that move.
 * Poisoned pages are never restored; they stay out of the direct map, as
 * the kernel's own machine-check handling keeps them, and may be freed.
 *
 * A run whose state is unknown afterwards (-EIO: the change and its
 * rollback failed) is quarantined: never handed out or freed (DESIGN
 * section 5). A zap that was rolled back (-ENOMEM) leaves its pages as
 * they were, safe: with @stop the walk ends there, *@failed = the run's
 * first page, and the caller undoes or frees; without @stop the run is
 * quarantined as well (its pages stay private but mapped, which a
 * NO_DIRECT_MAP file must not hand out) and the walk goes on.
 * Called with file.lock held.
 *
 * Return: 0, or the first failed run's error (never -EHWPOISON).
 */
static int tdxgmem_chunk_dm(struct tdxgmem_file *f, unsigned long idx,
			    struct tdxgmem_chunk *c, u32 first, u32 last,
			    const u64 *only, bool stop,
			    struct tdxgmem_dm_batch *b, u32 *failed)
{
	pgoff_t base = tdxgmem_chunk_pgoff(idx);
	unsigned long n;
	u32 i, end;
	int ret, err = 0;

	for (i = first; i < last; i = end) {
		end = i + 1;
		if (!tdxgmem_dm_wanted(f, c, i, only))
			continue;
		while (c->bits.contig && end < last &&
		       tdxgmem_dm_wanted(f, c, end, only))
			end++;
		ret = tdxgmem_dm_batch_add(b, tdxgmem_chunk_page(c, i), end - i);
		if (ret == -EHWPOISON) {
			tdxgmem_chunk_find_hwpoison(f, idx, c, i, end);
			continue;
		}
		if (!ret)
			continue;
		tdxgmem_event_directmap(f, base + i, end - i, b->restore, ret);
		if (ret == -EIO || !stop) {
			n = tdxgmem_chunk_quarantine(f, c, i, end);
			trace_tdxgmem_quarantine(f->id, base + i, end - i, n,
						 TDXGMEM_QUARANTINE_DIRECTMAP,
						 ret);
			tdxgmem_event_quarantine(f, base + i, base + end, n,
						 TDXGMEM_QUARANTINE_DIRECTMAP,
						 ret);
		}
		if (!err) {
			err = ret;
			if (failed)
				*failed = i;
		}
		if (stop)
			break;
	}
	return err;
}

/*
 * Chunk @c stops sharing its GiB's 1 GiB range (part of it is freed, or it
 * goes to per-page tracking): the range is never mapped whole again.
 * Called with file.lock held.
 */
static void tdxgmem_chunk_put_giga(struct tdxgmem_chunk *c)
{
	struct tdxgmem_giga *g = c->giga;

	if (!g)
		return;
	c->giga = NULL;
	g->broken = true;
	if (!--g->users)
		kfree(g);
}

/*
 * Give every page of @c's unsplit block a reference of its own, before one
 * of them needs a lifetime of its own. Called with file.lock held.
 */
static void tdxgmem_chunk_split_block(struct tdxgmem_chunk *c)
{
	if (!c->block)
		return;
	split_page(c->base, TDXGMEM_CHUNK_SHIFT);
	c->block = false;
	atomic64_inc(&tdxgmem_stats.block_splits);
}

/*
 * Free [@first, @last) of @c (chunk @idx) as its one 2 MiB block, if that
 * is the whole chunk, still unsplit, and nothing in it must be kept back;
 * to the pool (pool.c) if it takes it.
 * The caller accounts for the pages. Called with file.lock held.
 *
 * Return: true if the block was freed.
 */
static bool tdxgmem_chunk_free_block(struct tdxgmem_file *f,
				     unsigned long idx,
				     struct tdxgmem_chunk *c, u32 first,
				     u32 last)
{
	if (!c->block || first || last != TDXGMEM_CHUNK_PAGES ||
	    c->bits.nr_quarantined)
		return false;
	tdxgmem_chunk_vouch(f, idx, c);
	if (c->bits.nr_hwpoison)
		return false;
	if (!tdxgmem_pool_put(c->base, TDXGMEM_CHUNK_SHIFT, c->clean_gen))
		__free_pages(c->base, TDXGMEM_CHUNK_SHIFT);
	c->block = false;
	tdxgmem_bits_assign(c->bits.populated, 0, TDXGMEM_CHUNK_PAGES, false);
	tdxgmem_bits_assign(c->bits.uncleared, 0, TDXGMEM_CHUNK_PAGES, false);
	c->bits.nr_populated = 0;
	c->bits.nr_uncleared = 0;
	atomic64_inc(&tdxgmem_stats.block_frees);
	return true;
}

/*
 * Free the populated pages of [@first, @last) of @c (chunk @idx) but the
 * quarantined ones. Called with file.lock held.
 *
 * Return: how many quarantined pages were kept.
 */
static unsigned long tdxgmem_chunk_free(struct tdxgmem_file *f,
					unsigned long idx,
					struct tdxgmem_chunk *c, u32 first,
					u32 last)
{
	unsigned long freed = 0, kept = 0;
	u32 i, uncleared = c->bits.nr_uncleared;

	f->state_gen++;
	tdxgmem_chunk_put_giga(c);
	if (tdxgmem_chunk_free_block(f, idx, c, first, last)) {
		freed = TDXGMEM_CHUNK_PAGES;
		goto out;
	}
	tdxgmem_chunk_split_block(c);
	/* A GiB freed whole (or pooled) left its other chunks empty. */
	for (i = first; c->bits.nr_populated && i < last; i++) {
		if (!tdxgmem_bit_test(c->bits.populated, i))
			continue;
		if (tdxgmem_bit_test(c->bits.quarantined, i)) {
			kept++;
			continue;
		}
		put_page(tdxgmem_chunk_page(c, i));
		if (c->pages)
			c->pages[i] = NULL;
		tdxgmem_chunk_unpopulate(&c->bits, i);
		freed++;
	}
out:
	f->nr_populated -= freed;
	f->nr_uncleared -= uncleared - c->bits.nr_uncleared;
	tdxgmem_unreserve(freed);
	atomic64_add(freed, &tdxgmem_stats.frees);
	return kept;
}

/*
 * Does chunk @c (index @idx) start an intact 1 GiB range that [@start,
 * @end) covers whole? Called with file.lock held.
 */
static bool tdxgmem_giga_spanned(struct tdxgmem_chunk *c, unsigned long idx,
				 pgoff_t start, pgoff_t end)
{
	return c->giga && !c->giga->broken && !(idx % TDXGMEM_GIGA_CHUNKS) &&
	       tdxgmem_chunk_pgoff(idx) >= start &&
	       tdxgmem_chunk_pgoff(idx + TDXGMEM_GIGA_CHUNKS) <= end;
}

/*
 * Free the GiB of chunks [@idx, @idx + 512) as its one 1 GiB range, if
 * @idx starts an intact range, [@start, @end) covers it, no page of it
 * must be kept back (quarantined) and none was ever given a reference
 * that may outlive the file (a user mapping, then a pin or a pipe): the
 * kernel frees a contiguous range in batches (on 7.3), not as 262144
 * single frees, and 6.12's free_contig_range() warns about a page still
 * in use. A poisoned page is kept back by the allocator's own check, as
 * in any order-0 free. The chunks are left empty, not trimmed. Called
 * with file.lock held.
 *
 * Return: true if the range was freed.
 */
static bool tdxgmem_giga_free_whole(struct tdxgmem_file *f, unsigned long idx,
				    struct tdxgmem_chunk *c, pgoff_t start,
				    pgoff_t end)
{
#ifdef HAVE_FREE_CONTIG_RANGE
	struct tdxgmem_giga *g = c->giga;
	struct tdxgmem_chunk *cc;
	bool poisoned = false;
	unsigned long k;

	if (!tdxgmem_giga_spanned(c, idx, start, end) || g->referenced)
		return false;
	for (k = 0; k < TDXGMEM_GIGA_CHUNKS; k++) {
		cc = xa_load(&f->chunks, idx + k);
		if (!cc || cc->giga != g || cc->bits.nr_quarantined ||
		    cc->bits.nr_populated != TDXGMEM_CHUNK_PAGES)
			return false;
		poisoned |= cc->bits.nr_hwpoison;
	}
	/* The pool rescans nothing: a range with a poisoned page is freed. */
	if (poisoned || !tdxgmem_pool_put(g->base, TDXGMEM_GIGA_ORDER, 0))
		tdxgmem_giga_free(g->base);
	for (k = 0; k < TDXGMEM_GIGA_CHUNKS; k++) {
		cc = xa_load(&f->chunks, idx + k);
		tdxgmem_chunk_put_giga(cc);
		tdxgmem_bits_assign(cc->bits.populated, 0, TDXGMEM_CHUNK_PAGES,
				    false);
		tdxgmem_bits_assign(cc->bits.hwpoison, 0, TDXGMEM_CHUNK_PAGES,
				    false);
		tdxgmem_bits_assign(cc->bits.uncleared, 0, TDXGMEM_CHUNK_PAGES,
				    false);
		f->nr_uncleared -= cc->bits.nr_uncleared;
		cc->bits.nr_populated = 0;
		cc->bits.nr_hwpoison = 0;
		cc->bits.nr_uncleared = 0;
		cc->bits.contig = false;
		cc->base = NULL;
	}
	f->state_gen++;
	f->nr_populated -= TDXGMEM_GIGA_PAGES;
	tdxgmem_unreserve(TDXGMEM_GIGA_PAGES);
	atomic64_add(TDXGMEM_GIGA_PAGES, &tdxgmem_stats.frees);
	atomic64_inc(&tdxgmem_stats.giga_frees);
	return true;
#else
	return false;
#endif
}

/* Look up chunk @idx, creating it. Called with file.lock held. */
static struct tdxgmem_chunk *tdxgmem_chunk_get(struct tdxgmem_file *f,
					       unsigned long idx)
{
	struct tdxgmem_chunk *c = xa_load(&f->chunks, idx);
	int ret;

	if (c)
		return c;
	c = kzalloc_obj(*c, TDXGMEM_GFP_META);
	if (!c)
		return ERR_PTR(-ENOMEM);
	tdxgmem_chunk_bits_init(&c->bits, f->init_private);
	ret = xa_err(xa_store(&f->chunks, idx, c, TDXGMEM_GFP_META));
	if (ret) {
		kfree(c);
		return ERR_PTR(ret);
	}
	return c;
}

/*
 * Restore the invariants of an empty chunk, and drop a chunk that says no
 * more than an absent one. Called with file.lock held.
 */
static void tdxgmem_chunk_trim(struct tdxgmem_file *f, unsigned long idx,
			       struct tdxgmem_chunk *c)
{
	if (c->bits.nr_populated)
		return;
	tdxgmem_chunk_put_giga(c);
	kfree(c->pages);
	c->pages = NULL;
	c->base = NULL;
	c->bits.contig = false;
	c->block = false;
	if (tdxgmem_chunk_bits_uniform(&c->bits, f->init_private)) {
		xa_erase(&f->chunks, idx);
		kfree(c);
	}
}

/*
 * Is @f charged to no memory cgroup but the root? Only then may it get
 * memory that cannot be charged: 1 GiB ranges (giga.c) and pooled blocks
 * (pool.c).
 */
static bool tdxgmem_file_uncharged(struct tdxgmem_file *f)
{
	return !f->memcg || !parent_mem_cgroup(f->memcg);
}

/*
 * A pooled block of 2^@order pages for new backing of @f, cleared unless
 * @uncleared (pooled blocks hold what their last file left); @gen set to
 * what its last poison scan saw. Called with file.lock held.
 */
static struct page *tdxgmem_pooled(struct tdxgmem_file *f, unsigned int order,
				   bool uncleared, unsigned long *gen)
{
	struct page *page;
	unsigned long i;

	if (!tdxgmem_file_uncharged(f))
		return NULL;
	page = tdxgmem_pool_get(f->nid, order, gen);
	for (i = 0; page && !uncleared && i < BIT(order); i++) {
		clear_highpage(page + i);
		if (!(i % TDXGMEM_CHUNK_PAGES))
			cond_resched();
	}
	return page;
}

/* Back a whole, empty chunk @c (index @idx) with one 2 MiB block. */
static bool tdxgmem_chunk_fill_huge(struct tdxgmem_file *f, unsigned long idx,
				    struct tdxgmem_chunk *c, bool uncleared)
{
	unsigned long gen = 0;
	struct page *page;

	if (tdxgmem_reserve(f, TDXGMEM_CHUNK_PAGES))
		return false;
	page = tdxgmem_pooled(f, TDXGMEM_CHUNK_SHIFT, uncleared, &gen);
	if (!page)
		page = alloc_pages_node(f->nid,
					tdxgmem_gfp(TDXGMEM_GFP_CHUNK, uncleared),
					TDXGMEM_CHUNK_SHIFT);
	if (!page) {
		tdxgmem_unreserve(TDXGMEM_CHUNK_PAGES);
		return false;
	}
	c->base = page;
	c->block = true;
	c->clean_gen = gen;
	c->bits.contig = true;
	tdxgmem_bits_assign(c->bits.populated, 0, TDXGMEM_CHUNK_PAGES, true);
	c->bits.nr_populated = TDXGMEM_CHUNK_PAGES;
	f->nr_populated += TDXGMEM_CHUNK_PAGES;
	tdxgmem_chunk_new_pages(f, c, 0, TDXGMEM_CHUNK_PAGES, uncleared);
	atomic64_inc(&tdxgmem_stats.chunk_allocs);
	/* Scanned once now: later answers and the free need not. */
	tdxgmem_chunk_vouch(f, idx, c);
	return true;
}

/* Switch a chunk to per-page tracking before a 4 KiB page joins it. */
static int tdxgmem_chunk_ensure_array(struct tdxgmem_chunk *c)
{
	struct page **pages;
	u32 i;

	if (c->pages)
		return 0;
	pages = kcalloc(TDXGMEM_CHUNK_PAGES, sizeof(*pages), TDXGMEM_GFP_META);
	if (!pages)
		return -ENOMEM;
	if (c->bits.contig) {
		tdxgmem_chunk_put_giga(c);
		tdxgmem_chunk_split_block(c);
		for (i = 0; i < TDXGMEM_CHUNK_PAGES; i++)
			if (tdxgmem_bit_test(c->bits.populated, i))
				pages[i] = c->base + i;
		c->base = NULL;
		c->bits.contig = false;
	}
	c->pages = pages;
	return 0;
}

static int tdxgmem_chunk_fill_page(struct tdxgmem_file *f,
				   struct tdxgmem_chunk *c, u32 i,
				   bool uncleared)
{
	struct page *page;
	int ret;

	ret = tdxgmem_chunk_ensure_array(c);
	if (ret)
		return ret;
	ret = tdxgmem_reserve(f, 1);
	if (ret)
		return ret;
	page = alloc_pages_node(f->nid, tdxgmem_gfp(TDXGMEM_GFP_PAGE, uncleared),
				0);
	if (!page) {
		tdxgmem_unreserve(1);
		return -ENOMEM;
	}
	c->pages[i] = page;
	tdxgmem_bits_assign(c->bits.populated, i, i + 1, true);
	c->bits.nr_populated++;
	f->nr_populated++;
	tdxgmem_chunk_new_pages(f, c, i, i + 1, uncleared);
	atomic64_inc(&tdxgmem_stats.page_allocs);
	return 0;
}

/*
 * A zap of new pages failed at file page @bad: put back into the direct
 * map what went out of [@from, @bad) before it, so that the pages can be
 * freed (a page that fails to come back is quarantined and kept).
 * Called with file.lock held.
 */
static void tdxgmem_fill_unzap(struct tdxgmem_file *f, pgoff_t from,
			       pgoff_t bad)
{
	struct tdxgmem_dm_batch rb;
	struct tdxgmem_chunk *c;
	unsigned long idx;
	u32 first, last;

	if (from >= bad)
		return;
	tdxgmem_dm_batch_begin(&rb, true);
	tdxgmem_for_each_chunk(f, idx, c, from, bad) {
		tdxgmem_chunk_clip(idx, from, bad, &first, &last);
		tdxgmem_chunk_dm(f, idx, c, first, last, NULL, false, &rb, NULL);
	}
	tdxgmem_dm_batch_commit(&rb);
}

/*
 * Take the private pages of new chunk @c (index @idx) out of the direct
 * map; on failure, put back what went out and free the chunk.
 * Called with file.lock held.
 */
static int tdxgmem_fill_zap_chunk(struct tdxgmem_file *f, unsigned long idx,
				  struct tdxgmem_chunk *c,
				  struct tdxgmem_dm_batch *b)
{
	u32 failed = 0;
	int ret;

	ret = tdxgmem_chunk_dm(f, idx, c, 0, TDXGMEM_CHUNK_PAGES, NULL, true,
			       b, &failed);
	if (ret) {
		tdxgmem_fill_unzap(f, tdxgmem_chunk_pgoff(idx),
				   tdxgmem_chunk_pgoff(idx) + failed);
		tdxgmem_chunk_free(f, idx, c, 0, TDXGMEM_CHUNK_PAGES);
	}
	return ret;
}

/*
 * The 1 GiB range chunk @c (index @idx) shares, if it is intact, @idx is
 * the first chunk of its GiB, [@start, @end) covers the GiB, and every
 * page of it is populated, private, neither quarantined nor poisoned (so
 * all of it moves in a zap or restore); else NULL. Called with file.lock
 * held.
 */
static struct tdxgmem_giga *tdxgmem_giga_whole(struct tdxgmem_file *f,
					       unsigned long idx,
					       struct tdxgmem_chunk *c,
					       pgoff_t start, pgoff_t end)
{
	struct tdxgmem_giga *g = c->giga;
	struct tdxgmem_chunk *cc;
	unsigned long k;

	if (!tdxgmem_giga_spanned(c, idx, start, end))
		return NULL;
	for (k = 0; k < TDXGMEM_GIGA_CHUNKS; k++) {
		cc = xa_load(&f->chunks, idx + k);
		if (!cc || cc->giga != g ||
		    !tdxgmem_chunk_huge_mappable(&cc->bits))
			return NULL;
	}
	return g;
}

/*
 * Zap or restore the GiB of chunks [@first, @first + 512), which
 * tdxgmem_giga_whole() accepted, as one run: a 1 GiB leaf of the direct
 * map stays whole (2 MiB runs would split it). A failure is handled as
 * tdxgmem_chunk_dm() handles a failed run. Called with file.lock held.
 *
 * Return: 0, or the error (never -EHWPOISON).
 */
static int tdxgmem_giga_dm(struct tdxgmem_file *f, unsigned long first,
			   struct tdxgmem_giga *g, bool stop,
			   struct tdxgmem_dm_batch *b)
{
	pgoff_t pg = tdxgmem_chunk_pgoff(first);
	struct tdxgmem_chunk *c;
	unsigned long k, n = 0;
	int ret;

	ret = tdxgmem_dm_batch_add(b, g->base, TDXGMEM_GIGA_PAGES);
	if (!ret)
		return 0;
	for (k = 0; k < TDXGMEM_GIGA_CHUNKS; k++) {
		c = xa_load(&f->chunks, first + k);
		if (ret == -EHWPOISON)
			tdxgmem_chunk_find_hwpoison(f, first + k, c, 0,
						    TDXGMEM_CHUNK_PAGES);
		else if (ret == -EIO || !stop)
			n += tdxgmem_chunk_quarantine(f, c, 0,
						      TDXGMEM_CHUNK_PAGES);
	}
	if (ret == -EHWPOISON)
		return 0;
	tdxgmem_event_directmap(f, pg, TDXGMEM_GIGA_PAGES, b->restore, ret);
	if (ret == -EIO || !stop) {
		trace_tdxgmem_quarantine(f->id, pg, TDXGMEM_GIGA_PAGES, n,
					 TDXGMEM_QUARANTINE_DIRECTMAP, ret);
		tdxgmem_event_quarantine(f, pg, pg + TDXGMEM_GIGA_PAGES, n,
					 TDXGMEM_QUARANTINE_DIRECTMAP, ret);
	}
	return ret;
}

/*
 * Take the private pages of a GiB just backed (chunks [@first, @first +
 * 512)) out of the direct map: in one run when all of them are private;
 * on failure, put back what went out and free the GiB.
 * Called with file.lock held.
 */
static int tdxgmem_giga_zap_new(struct tdxgmem_file *f, unsigned long first,
				struct tdxgmem_dm_batch *b)
{
	struct tdxgmem_chunk *c = xa_load(&f->chunks, first);
	pgoff_t pg = tdxgmem_chunk_pgoff(first);
	struct tdxgmem_giga *g;
	unsigned long k;
	u32 failed = 0;
	int ret = 0;

	if (!(f->flags & TDXGMEM_F_NO_DIRECT_MAP))
		return 0;
	g = tdxgmem_giga_whole(f, first, c, pg,
			       pg + TDXGMEM_GIGA_PAGES);
	if (g) {
		ret = tdxgmem_giga_dm(f, first, g, true, b);
	} else {
		for (k = 0; k < TDXGMEM_GIGA_CHUNKS && !ret; k++) {
			c = xa_load(&f->chunks, first + k);
			ret = tdxgmem_chunk_dm(f, first + k, c, 0,
					       TDXGMEM_CHUNK_PAGES, NULL, true,
					       b, &failed);
		}
		if (ret)
			tdxgmem_fill_unzap(f, pg, tdxgmem_chunk_pgoff(first + k - 1) +
					   failed);
	}
	for (k = 0; ret && k < TDXGMEM_GIGA_CHUNKS; k++) {
		c = xa_load(&f->chunks, first + k);
		tdxgmem_chunk_free(f, first + k, c, 0, TDXGMEM_CHUNK_PAGES);
		tdxgmem_chunk_trim(f, first + k, c);
	}
	return ret;
}

/*
 * May GiB @first (its first chunk's index) get a 1 GiB range? The file
 * asked for them, the GiB lies wholly inside the file, and none of it is
 * populated. Called with file.lock held.
 */
static bool tdxgmem_giga_wanted(struct tdxgmem_file *f, unsigned long first)
{
	unsigned long idx = first;
	struct tdxgmem_chunk *c;

	if (!f->giga ||
	    tdxgmem_chunk_pgoff(first + TDXGMEM_GIGA_CHUNKS) > f->nr_pages)
		return false;
	xa_for_each_range(&f->chunks, idx, c, first,
			  first + TDXGMEM_GIGA_CHUNKS - 1)
		if (c->bits.nr_populated)
			return false;
	return true;
}

/*
 * Back the 512 empty chunks of GiB @first with one 1 GiB range, for a file
 * charged to no memory cgroup but the root: such a range cannot be
 * charged (giga.c). Called with file.lock held and the file's memcg
 * active.
 *
 * Return: 1 if backed; 0 if not, counted as a fallback, nothing changed;
 * or the direct map's error (nothing of the GiB stays populated but
 * pages quarantined because their direct-map state is unknown).
 */
static int tdxgmem_giga_fill(struct tdxgmem_file *f, unsigned long first,
			     bool uncleared, struct tdxgmem_dm_batch *b)
{
	struct tdxgmem_chunk *c;
	struct tdxgmem_giga *g;
	unsigned long k, gen;
	struct page *page;
	int ret;

	if (!tdxgmem_file_uncharged(f) ||
	    tdxgmem_reserve(f, TDXGMEM_GIGA_PAGES))
		goto fallback;
	g = kzalloc_obj(*g, TDXGMEM_GFP_META);
	if (!g)
		goto unreserve;
	/* Every chunk exists first: nothing can fail once the range does. */
	for (k = 0; k < TDXGMEM_GIGA_CHUNKS; k++)
		if (IS_ERR(tdxgmem_chunk_get(f, first + k)))
			goto trim;
	page = tdxgmem_pooled(f, TDXGMEM_GIGA_ORDER, uncleared, &gen);
	if (!page)
		page = tdxgmem_giga_alloc(f->nid, uncleared);
	if (!page)
		goto trim;
	g->base = page;
	for (k = 0; k < TDXGMEM_GIGA_CHUNKS; k++) {
		c = xa_load(&f->chunks, first + k);
		kfree(c->pages);	/* an empty chunk has none; be sure */
		c->pages = NULL;
		c->base = page + k * TDXGMEM_CHUNK_PAGES;
		c->giga = g;
		g->users++;
		c->clean_gen = 0;
		c->bits.contig = true;
		tdxgmem_bits_assign(c->bits.populated, 0, TDXGMEM_CHUNK_PAGES,
				    true);
		c->bits.nr_populated = TDXGMEM_CHUNK_PAGES;
		tdxgmem_chunk_new_pages(f, c, 0, TDXGMEM_CHUNK_PAGES,
					uncleared);
		/* Scanned once now, as a 2 MiB block. */
		tdxgmem_chunk_vouch(f, first + k, c);
	}
	f->nr_populated += TDXGMEM_GIGA_PAGES;
	atomic64_inc(&tdxgmem_stats.giga_allocs);
	ret = tdxgmem_giga_zap_new(f, first, b);
	trace_tdxgmem_populate(f->id, tdxgmem_chunk_pgoff(first),
			       TDXGMEM_GIGA_PAGES, TDXGMEM_GIGA_ORDER, ret);
	return ret ? ret : 1;

trim:
	for (k = 0; k < TDXGMEM_GIGA_CHUNKS; k++) {
		c = xa_load(&f->chunks, first + k);
		if (c)
			tdxgmem_chunk_trim(f, first + k, c);
	}
	kfree(g);
unreserve:
	tdxgmem_unreserve(TDXGMEM_GIGA_PAGES);
fallback:
	atomic64_inc(&tdxgmem_stats.giga_fallbacks);
	return 0;
}

/*
 * May the GiB of chunk @c (index @idx) be mapped at 1 GiB? Its 1 GiB range
 * is intact and each of its 512 chunks may be mapped at 2 MiB, vouched for
 * poison. The answer is kept until the file's state or the node's count
 * of memory failures changes. Called with file.lock held.
 */
static bool tdxgmem_giga_mappable(struct tdxgmem_file *f, unsigned long idx,
				  struct tdxgmem_chunk *c)
{
	unsigned long first = idx & ~(TDXGMEM_GIGA_CHUNKS - 1);
	struct tdxgmem_giga *g = c->giga;
	struct tdxgmem_chunk *cc;
	unsigned long k, mf;

	if (!g || g->broken)
		return false;
	mf = tdxgmem_mf_gen(g->base);
	if (g->seen_gen == f->state_gen + 1 && mf && g->seen_mf == mf &&
	    !READ_ONCE(tdxgmem_poison_scan_always))
		return g->mappable;
	g->mappable = false;
	for (k = 0; k < TDXGMEM_GIGA_CHUNKS; k++) {
		cc = xa_load(&f->chunks, first + k);
		if (!cc || cc->giga != g ||
		    !tdxgmem_chunk_huge_mappable(&cc->bits))
			goto out;
		tdxgmem_chunk_vouch(f, first + k, cc);
		if (cc->bits.nr_hwpoison)
			goto out;
	}
	g->mappable = true;
out:
	/* After the vouches: a poisoned page they found bumped state_gen. */
	g->seen_gen = f->state_gen + 1;
	g->seen_mf = mf;
	return g->mappable;
}

/*
 * Populate pages [@first, @end) of chunk @idx. @order: how much the caller
 * is happy to have populated around them: TDXGMEM_GIGA_ORDER, their whole
 * GiB (a 1 GiB range may be used); TDXGMEM_CHUNK_SHIFT, their whole chunk
 * (a 2 MiB block may be used); 0, just them. @initializes: for consumers
 * that initialize private pages: those may stay uncleared
 * (tdxgmem_zeroing_skippable()).
 * Called with file.lock held and the file's memcg active.
 */
static int tdxgmem_chunk_fill(struct tdxgmem_file *f, unsigned long idx,
			      u32 first, u32 end, int order, bool initializes)
{
	bool uncleared = initializes && tdxgmem_zeroing_skippable();
	unsigned long gfirst = idx & ~(TDXGMEM_GIGA_CHUNKS - 1);
	struct tdxgmem_dm_batch b;
	struct tdxgmem_chunk *c;
	bool added = false;
	int ret = 0;
	u32 i;

	f->state_gen++;
	/*
	 * New private pages of a NO_DIRECT_MAP file leave the direct map. If
	 * that fails the population fails: pages the kernel put back are
	 * freed again, pages in an unknown state are quarantined.
	 */
	tdxgmem_dm_batch_begin(&b, false);
	if (order >= TDXGMEM_GIGA_ORDER && tdxgmem_giga_wanted(f, gfirst)) {
		ret = tdxgmem_giga_fill(f, gfirst, uncleared, &b);
		if (ret) {
			tdxgmem_dm_batch_commit(&b);
			return ret < 0 ? ret : 0;
		}
	}

	c = tdxgmem_chunk_get(f, idx);
	if (IS_ERR(c)) {
		tdxgmem_dm_batch_commit(&b);
		return PTR_ERR(c);
	}
	if (order >= TDXGMEM_CHUNK_SHIFT && f->huge && !c->bits.nr_populated &&
	    tdxgmem_chunk_span(f, idx) == TDXGMEM_CHUNK_PAGES) {
		if (tdxgmem_chunk_fill_huge(f, idx, c, uncleared)) {
			ret = tdxgmem_fill_zap_chunk(f, idx, c, &b);
			trace_tdxgmem_populate(f->id, tdxgmem_chunk_pgoff(idx),
					       TDXGMEM_CHUNK_PAGES,
					       TDXGMEM_CHUNK_SHIFT, ret);
			goto out;
		}
		atomic64_inc(&tdxgmem_stats.fallbacks);
	}

	for (i = first; i < end; i++) {
		if (tdxgmem_bit_test(c->bits.populated, i))
			continue;
		added = true;
		ret = tdxgmem_chunk_fill_page(f, c, i, uncleared);
		if (ret)
			break;
		ret = tdxgmem_chunk_dm(f, idx, c, i, i + 1, NULL, true, &b,
				       NULL);
		if (ret) {
			tdxgmem_chunk_free(f, idx, c, i, i + 1);
			break;
		}
	}
	if (added)
		trace_tdxgmem_populate(f->id, tdxgmem_chunk_pgoff(idx) + first,
				       end - first, 0, ret);
out:
	tdxgmem_chunk_trim(f, idx, c);
	tdxgmem_dm_batch_commit(&b);
	return ret;
}

/**
 * tdxgmem_store_init() - set up the empty store of a new file.
 * @f: the file; its other fields are already set.
 */
void tdxgmem_store_init(struct tdxgmem_file *f)
{
	mutex_init(&f->lock);
	xa_init(&f->chunks);
	f->nr_populated = 0;
}

/**
 * tdxgmem_store_destroy() - release all backing of a file being freed.
 * @f: the file; nobody else can reach it any more.
 */
void tdxgmem_store_destroy(struct tdxgmem_file *f)
{
	struct tdxgmem_chunk *c;
	unsigned long idx;

	xa_for_each(&f->chunks, idx, c) {
		/*
		 * Quarantined pages may still be mapped: never freed, and
		 * they stay counted in the pages held (mem_limit_pct).
		 */
		if (!tdxgmem_giga_free_whole(f, idx, c, 0, f->nr_pages))
			tdxgmem_chunk_free(f, idx, c, 0, TDXGMEM_CHUNK_PAGES);
		kfree(c->pages);
		kfree(c);
		cond_resched();
	}
	xa_destroy(&f->chunks);
	f->nr_populated = 0;
	mutex_destroy(&f->lock);
}

/**
 * tdxgmem_store_populate() - allocate zeroed backing for [@start, @end).
 * @f:     the file.
 * @start: first page.
 * @end:   one past the last page, at most f->nr_pages.
 * @initializes: only consumers that initialize private pages bind the
 *         range: those may stay uncleared.
 *
 * Called with the invalidate lock held shared. Pages already populated
 * stay; on error what was allocated so far stays too (as upstream gmem).
 *
 * Return: 0, -ENOMEM (also when mem_limit_pct is reached) or -EINTR.
 */
int tdxgmem_store_populate(struct tdxgmem_file *f, pgoff_t start, pgoff_t end,
			   bool initializes)
{
	struct mem_cgroup *old = set_active_memcg(f->memcg);
	pgoff_t pg, next;
	int ret = 0;

	for (pg = start; pg < end; pg = next) {
		unsigned long idx = pg >> TDXGMEM_CHUNK_SHIFT;
		u32 first = pg & TDXGMEM_CHUNK_MASK;
		pgoff_t gib = round_down(pg, TDXGMEM_GIGA_PAGES);
		int order = 0;

		next = min_t(pgoff_t, (pgoff_t)(idx + 1) << TDXGMEM_CHUNK_SHIFT,
			     end);
		/* Whatever [@start, @end) wholly covers may be backed whole. */
		if (gib >= start && end - gib >= TDXGMEM_GIGA_PAGES)
			order = TDXGMEM_GIGA_ORDER;
		else if (next - pg == TDXGMEM_CHUNK_PAGES)
			order = TDXGMEM_CHUNK_SHIFT;
		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		mutex_lock(&f->lock);
		ret = tdxgmem_chunk_fill(f, idx, first, first + (next - pg),
					 order, initializes);
		mutex_unlock(&f->lock);
		if (ret)
			break;
		cond_resched();
	}
	set_active_memcg(old);
	return ret;
}

/*
 * The shared page @index, populated if needed; with a reference taken if
 * @get (which makes it a page of its own: its block is split).
 */
static struct page *tdxgmem_store_shared(struct tdxgmem_file *f,
					 pgoff_t index, bool get)
{
	unsigned long idx = index >> TDXGMEM_CHUNK_SHIFT;
	u32 i = index & TDXGMEM_CHUNK_MASK;
	struct tdxgmem_chunk *c;
	struct page *page;
	bool private;
	int ret;

	mutex_lock(&f->lock);
	c = xa_load(&f->chunks, idx);
	private = c ? tdxgmem_bit_test(c->bits.private, i) : f->init_private;
	if (private) {
		page = ERR_PTR(-EPERM);
		goto out;
	}
	if (!c || !tdxgmem_bit_test(c->bits.populated, i)) {
		struct mem_cgroup *old = set_active_memcg(f->memcg);

		ret = tdxgmem_chunk_fill(f, idx, i, i + 1, TDXGMEM_GIGA_ORDER,
					 false);
		set_active_memcg(old);
		if (ret) {
			page = ERR_PTR(ret);
			goto out;
		}
		c = xa_load(&f->chunks, idx);
	}
	if (tdxgmem_bit_test(c->bits.quarantined, i)) {
		page = ERR_PTR(-EIO);
		goto out;
	}
	tdxgmem_chunk_find_hwpoison(f, idx, c, i, i + 1);
	if (tdxgmem_bit_test(c->bits.hwpoison, i)) {
		page = ERR_PTR(-EHWPOISON);
		goto out;
	}
	page = tdxgmem_chunk_page(c, i);
	if (get) {	/* the page may outlive the chunk: one of its own */
		tdxgmem_chunk_split_block(c);
		if (c->giga)
			c->giga->referenced = true;
		get_page(page);
	}
out:
	mutex_unlock(&f->lock);
	return page;
}

/**
 * tdxgmem_store_get_shared() - the page to map for a userspace fault.
 * @f:     the file.
 * @index: page index, below f->nr_pages.
 *
 * Populates the page if needed (its whole chunk at 2 MiB if the chunk is
 * empty). Called with the invalidate lock held shared.
 *
 * Return: the page with a reference taken, ERR_PTR(-EPERM) for a private
 * page, ERR_PTR(-EIO) for a quarantined one, ERR_PTR(-EHWPOISON) for a
 * poisoned one, or ERR_PTR(-ENOMEM).
 */
struct page *tdxgmem_store_get_shared(struct tdxgmem_file *f, pgoff_t index)
{
	return tdxgmem_store_shared(f, index, true);
}

/**
 * tdxgmem_store_shared_pfn() - a shared page for a consumer (KVM).
 * @f:     the file.
 * @index: page index, below f->nr_pages.
 * @pfn:   result: the page's pfn.
 *
 * As tdxgmem_store_get_shared(), without a reference: the page stays until
 * the consumer's invalidate_begin() for it, so its block need not be split.
 *
 * Return: 0 or the errors of tdxgmem_store_get_shared().
 */
int tdxgmem_store_shared_pfn(struct tdxgmem_file *f, pgoff_t index,
			     unsigned long *pfn)
{
	struct page *page = tdxgmem_store_shared(f, index, false);

	if (IS_ERR(page))
		return PTR_ERR(page);
	*pfn = page_to_pfn(page);
	return 0;
}

/**
 * tdxgmem_store_punch() - drop the backing of [@start, @end).
 * @f:     the file.
 * @start: first page.
 * @end:   one past the last page, at most f->nr_pages.
 *
 * Attributes stay. Called with the invalidate lock held for write, after
 * tdxgmem_invalidate() of the range. A page still referenced elsewhere (a
 * pipe after vmsplice, an I/O in flight) is freed when that reference goes.
 * Quarantined pages stay (a consumer failed to unmap them, or their direct
 * map could not be restored).
 *
 * Return: 0, or -EIO if quarantined pages were kept.
 */
int tdxgmem_store_punch(struct tdxgmem_file *f, pgoff_t start, pgoff_t end)
{
	unsigned long idx, k, kept = 0;
	struct tdxgmem_chunk *c;
	u32 first, last;

	lockdep_assert_held_write(&f->inode->i_mapping->invalidate_lock);
	tdxgmem_for_each_chunk(f, idx, c, start, end) {
		tdxgmem_chunk_clip(idx, start, end, &first, &last);
		mutex_lock(&f->lock);
		if (tdxgmem_giga_free_whole(f, idx, c, start, end)) {
			/* Trims @c too; on after the GiB. */
			for (k = TDXGMEM_GIGA_CHUNKS; k--; )
				tdxgmem_chunk_trim(f, idx + k,
						   xa_load(&f->chunks, idx + k));
			idx += TDXGMEM_GIGA_CHUNKS - 1;
		} else {
			kept += tdxgmem_chunk_free(f, idx, c, first, last);
			tdxgmem_chunk_trim(f, idx, c);
		}
		mutex_unlock(&f->lock);
		cond_resched();
	}
	return kept ? -EIO : 0;
}

/*
 * Clear what a consumer that does not initialize private pages may map of
 * an answer of @order for page @i of chunk @idx (@c): the page, its chunk,
 * or its GiB. Called with file.lock held.
 */
static int tdxgmem_clear_answer(struct tdxgmem_file *f, unsigned long idx,
				struct tdxgmem_chunk *c, u32 i, int order)
{
	unsigned long first = idx & ~(TDXGMEM_GIGA_CHUNKS - 1), k;
	int ret;

	if (order < TDXGMEM_CHUNK_SHIFT)
		return tdxgmem_chunk_clear(f, c, i, i + 1);
	if (order < TDXGMEM_GIGA_ORDER)
		return tdxgmem_chunk_clear(f, c, 0, TDXGMEM_CHUNK_PAGES);
	for (k = 0; k < TDXGMEM_GIGA_CHUNKS; k++) {
		ret = tdxgmem_chunk_clear(f, xa_load(&f->chunks, first + k), 0,
					  TDXGMEM_CHUNK_PAGES);
		if (ret)
			return ret;
		cond_resched();
	}
	return 0;
}

/**
 * tdxgmem_store_get_pfn() - a private page for a consumer (KVM).
 * @f:       the file.
 * @index:   page index, below f->nr_pages.
 * @alloc:   populate the page (its whole chunk at 2 MiB if the chunk is
 *           empty, its whole GiB at 1 GiB if that is empty and the file
 *           asked for 1 GiB backing) if it has no backing yet.
 * @initializes: the consumer initializes private pages: they may be
 *           populated uncleared, and are handed to it as they are; for
 *           any other consumer every uncleared page of the answer's block
 *           is cleared first.
 * @pfn:     result: the page's pfn.
 * @order:   result: what the backing allows: TDXGMEM_GIGA_ORDER if the
 *           page's GiB may be mapped at 1 GiB as a whole
 *           (tdxgmem_giga_mappable()), TDXGMEM_CHUNK_SHIFT if its chunk
 *           may be at 2 MiB (tdxgmem_chunk_huge_mappable()), else 0.
 *
 * Called with the invalidate lock held (shared is enough): the answer holds
 * until the lock is dropped; consumers learn of later changes through the
 * invalidation callbacks.
 *
 * Return: 0; -EPERM the page is shared; -EIO it is quarantined; -EHWPOISON
 * memory failure hit it; -ENOENT no backing and !@alloc; -ENOMEM (also: an
 * uncleared page could not be cleared).
 */
int tdxgmem_store_get_pfn(struct tdxgmem_file *f, pgoff_t index, bool alloc,
			  bool initializes, unsigned long *pfn, int *order)
{
	unsigned long idx = index >> TDXGMEM_CHUNK_SHIFT;
	u32 i = index & TDXGMEM_CHUNK_MASK;
	struct tdxgmem_chunk *c;
	int ret = 0;

	mutex_lock(&f->lock);
	c = xa_load(&f->chunks, idx);
	if (!(c ? tdxgmem_bit_test(c->bits.private, i) : f->init_private)) {
		ret = -EPERM;
		goto out;
	}
	if (!c || !tdxgmem_bit_test(c->bits.populated, i)) {
		struct mem_cgroup *old;

		if (!alloc) {
			ret = -ENOENT;
			goto out;
		}
		old = set_active_memcg(f->memcg);
		ret = tdxgmem_chunk_fill(f, idx, i, i + 1, TDXGMEM_GIGA_ORDER,
					 initializes);
		set_active_memcg(old);
		if (ret)
			goto out;
		c = xa_load(&f->chunks, idx);
	}
	if (tdxgmem_bit_test(c->bits.quarantined, i)) {
		ret = -EIO;
		goto out;
	}
	tdxgmem_chunk_find_hwpoison(f, idx, c, i, i + 1);
	if (tdxgmem_bit_test(c->bits.hwpoison, i)) {
		ret = -EHWPOISON;
		goto out;
	}
	*pfn = page_to_pfn(tdxgmem_chunk_page(c, i));
	/* A 2 MiB answer vouches for every page of the chunk. */
	if (tdxgmem_chunk_huge_mappable(&c->bits))
		tdxgmem_chunk_vouch(f, idx, c);
	*order = 0;
	if (tdxgmem_giga_mappable(f, idx, c))
		*order = TDXGMEM_GIGA_ORDER;
	else if (tdxgmem_chunk_huge_mappable(&c->bits))
		*order = TDXGMEM_CHUNK_SHIFT;
	if (!initializes && f->nr_uncleared)
		ret = tdxgmem_clear_answer(f, idx, c, i, *order);
out:
	mutex_unlock(&f->lock);
	return ret;
}

/**
 * tdxgmem_store_quarantine() - keep [@start, @end) away from everybody.
 * @f:     the file.
 * @start: first page.
 * @end:   one past the last page, at most f->nr_pages.
 *
 * A consumer could not unmap these pages: they stay populated, are never
 * freed (not even when the file goes) and are never handed out again.
 * Called with the invalidate lock held for write.
 *
 * Return: the number of pages newly quarantined.
 */
unsigned long tdxgmem_store_quarantine(struct tdxgmem_file *f, pgoff_t start,
				       pgoff_t end)
{
	struct tdxgmem_chunk *c;
	unsigned long idx, n = 0;
	u32 first, last;

	lockdep_assert_held_write(&f->inode->i_mapping->invalidate_lock);
	mutex_lock(&f->lock);
	tdxgmem_for_each_chunk(f, idx, c, start, end) {
		tdxgmem_chunk_clip(idx, start, end, &first, &last);
		n += tdxgmem_chunk_quarantine(f, c, first, last);
	}
	mutex_unlock(&f->lock);
	return n;
}

/**
 * tdxgmem_store_dm() - zap or restore the direct map of [@start, @end).
 * @f:       the file; nothing to do unless it is TDXGMEM_F_NO_DIRECT_MAP.
 * @start:   first page.
 * @end:     one past the last page, at most f->nr_pages.
 * @restore: put the populated private pages back (before they are freed
 *           or become shared); else take them out (after they became
 *           private).
 *
 * One TLB flush for the whole call. Pages whose change fails are
 * quarantined (a private page left in the direct map is not handed out
 * either). Called with the invalidate lock held for write.
 */
void tdxgmem_store_dm(struct tdxgmem_file *f, pgoff_t start, pgoff_t end,
		      bool restore)
{
	struct tdxgmem_dm_batch b;
	struct tdxgmem_chunk *c;
	unsigned long idx;
	u32 first, last;

	if (!(f->flags & TDXGMEM_F_NO_DIRECT_MAP) || start >= end)
		return;
	lockdep_assert_held_write(&f->inode->i_mapping->invalidate_lock);
	tdxgmem_dm_batch_begin(&b, restore);
	mutex_lock(&f->lock);
	tdxgmem_for_each_chunk(f, idx, c, start, end) {
		struct tdxgmem_giga *g = tdxgmem_giga_whole(f, idx, c, start,
							    end);

		if (g) {	/* the GiB in one run; on after it */
			tdxgmem_giga_dm(f, idx, g, false, &b);
			idx += TDXGMEM_GIGA_CHUNKS - 1;
			continue;
		}
		tdxgmem_chunk_clip(idx, start, end, &first, &last);
		tdxgmem_chunk_dm(f, idx, c, first, last, NULL, false, &b, NULL);
		cond_resched();
	}
	mutex_unlock(&f->lock);
	tdxgmem_dm_batch_commit(&b);
}

/**
 * tdxgmem_store_tdx_reset() - reset the private pages of [@start, @end)
 *                             that a TD may have held.
 * @f:     the file; nothing to do unless tdxgmem_tdx_reset_needed().
 * @start: first page.
 * @end:   one past the last page, at most f->nr_pages.
 *
 * Call after tdxgmem_store_dm() restored the range and every consumer's
 * invalidate_end() returned, before the pages are freed or become shared.
 * Pages tdxgmem_store_dm() did not restore (quarantined, poisoned) are
 * left alone. Called with the invalidate lock held for write.
 */
void tdxgmem_store_tdx_reset(struct tdxgmem_file *f, pgoff_t start,
			     pgoff_t end)
{
	struct tdxgmem_chunk *c;
	unsigned long idx, n = 0;
	u32 first, last, i;

	if (!tdxgmem_tdx_reset_needed(f) || start >= end)
		return;
	lockdep_assert_held_write(&f->inode->i_mapping->invalidate_lock);
	mutex_lock(&f->lock);
	tdxgmem_for_each_chunk(f, idx, c, start, end) {
		tdxgmem_chunk_clip(idx, start, end, &first, &last);
		for (i = first; i < last; i++) {
			struct page *page = tdxgmem_chunk_page(c, i);

			if (!tdxgmem_dm_wanted(f, c, i, NULL) ||
			    PageHWPoison(page))
				continue;
			tdxgmem_tdx_reset_page(page);
			n++;
		}
		cond_resched();
	}
	mutex_unlock(&f->lock);
	atomic64_add(n, &tdxgmem_stats.tdx_reset_pages);
}

/*
 * Check pages [@first, @last) of @c for a conversion to @private; count
 * those that change in *@nr and note the first that cannot in *@bad.
 */
static int tdxgmem_chunk_convert_check(struct tdxgmem_chunk *c, pgoff_t base,
				       u32 first, u32 last, bool private,
				       bool check_pins, pgoff_t *bad,
				       unsigned long *nr)
{
	u32 i;

	for (i = first; i < last; i++) {
		struct page *page;

		if (tdxgmem_bit_test(c->bits.private, i) == private)
			continue;
		(*nr)++;
		if (!tdxgmem_bit_test(c->bits.populated, i))
			continue;
		*bad = base + i;
		if (tdxgmem_bit_test(c->bits.quarantined, i))
			return -EIO;
		page = tdxgmem_chunk_page(c, i);
		/*
		 * Only our own reference may remain once unmapped. Nobody
		 * else can hold one in an unsplit block: a reference is
		 * only ever taken after tdxgmem_chunk_split_block().
		 */
		if (check_pins && !c->block && page_ref_count(page) != 1)
			return -EAGAIN;
	}
	return 0;
}

/* Check (and set up) every chunk of a conversion; file.lock held. */
static int tdxgmem_convert_walk(struct tdxgmem_file *f, pgoff_t start,
				pgoff_t end, bool private, bool check_pins,
				pgoff_t *bad, unsigned long *nr)
{
	unsigned long idx, last_idx = (end - 1) >> TDXGMEM_CHUNK_SHIFT;
	struct tdxgmem_chunk *c;
	u32 first, last;
	int ret = 0;

	*nr = 0;
	for (idx = start >> TDXGMEM_CHUNK_SHIFT; idx <= last_idx; idx++) {
		/* Absent chunks already @private need nothing: skip them. */
		c = f->init_private == private ?
		    xa_find(&f->chunks, &idx, last_idx, XA_PRESENT) :
		    tdxgmem_chunk_get(f, idx);
		if (!c)
			break;
		if (IS_ERR(c)) {
			ret = PTR_ERR(c);
			break;
		}
		tdxgmem_chunk_clip(idx, start, end, &first, &last);
		ret = tdxgmem_chunk_convert_check(c, (pgoff_t)idx << TDXGMEM_CHUNK_SHIFT,
						  first, last, private,
						  check_pins, bad, nr);
		if (ret)
			break;
		/*
		 * A sparse range can have many thousands of chunks to set up;
		 * nothing has changed yet, so a killed caller can stop here.
		 */
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	return ret;
}

/**
 * tdxgmem_store_convert_prepare() - can [@start, @end) become @private?
 * @f:          the file.
 * @start:      first page.
 * @end:        one past the last page, at most f->nr_pages.
 * @private:    the attribute wanted.
 * @check_pins: fail pages referenced by anybody but tdxgmem (pins, I/O);
 *              meaningful once userspace mappings are gone. References
 *              the kernel drops when asked (per-CPU mlock batches) are
 *              drained first.
 * @bad:        out: with -EAGAIN or -EIO, the first page that cannot change.
 * @nr:         out: how many pages would change.
 *
 * Also sets up the chunk state tdxgmem_store_convert_commit() will need
 * (charged to the file's memcg, as all its memory), so that the commit
 * can only fail in the direct map. Changes nothing visible; if the
 * conversion does not go ahead, tdxgmem_store_convert_abort() drops that
 * state again. Called with the invalidate lock held for write.
 *
 * Return: 0; -EAGAIN a page is referenced elsewhere; -EIO a page is
 * quarantined; -ENOMEM; -EINTR a fatal signal is pending.
 */
int tdxgmem_store_convert_prepare(struct tdxgmem_file *f, pgoff_t start,
				  pgoff_t end, bool private, bool check_pins,
				  pgoff_t *bad, unsigned long *nr)
{
	struct mem_cgroup *old;
	int ret;

	lockdep_assert_held_write(&f->inode->i_mapping->invalidate_lock);
	old = set_active_memcg(f->memcg);
	mutex_lock(&f->lock);
	ret = tdxgmem_convert_walk(f, start, end, private, check_pins, bad, nr);
	mutex_unlock(&f->lock);
	/* The kernel's own references go when asked; look again then. */
	if (ret == -EAGAIN) {
		tdxgmem_drain_lru_caches();
		mutex_lock(&f->lock);
		ret = tdxgmem_convert_walk(f, start, end, private, check_pins,
					   bad, nr);
		mutex_unlock(&f->lock);
	}
	set_active_memcg(old);
	return ret;
}

/**
 * tdxgmem_store_convert_abort() - a conversion of [@start, @end) failed.
 * @f:     the file.
 * @start: first page.
 * @end:   one past the last page.
 *
 * Drops the chunk state tdxgmem_store_convert_prepare() set up that says
 * nothing an absent chunk would not. Called with the invalidate lock held
 * for write.
 */
void tdxgmem_store_convert_abort(struct tdxgmem_file *f, pgoff_t start,
				 pgoff_t end)
{
	struct tdxgmem_chunk *c;
	unsigned long idx;

	lockdep_assert_held_write(&f->inode->i_mapping->invalidate_lock);
	mutex_lock(&f->lock);
	tdxgmem_for_each_chunk(f, idx, c, start, end) {
		tdxgmem_chunk_trim(f, idx, c);
		cond_resched();
	}
	mutex_unlock(&f->lock);
}

/* Pages of [@first, @last) of @c whose attribute is not @private yet. */
static void tdxgmem_chunk_changing(struct tdxgmem_chunk *c, u32 first,
				   u32 last, bool private, u64 *changing)
{
	u32 i;

	memset(changing, 0, TDXGMEM_CHUNK_WORDS * sizeof(*changing));
	for (i = first; i < last; i++)
		if (tdxgmem_bit_test(c->bits.private, i) != private)
			tdxgmem_bits_assign(changing, i, i + 1, true);
}

/*
 * Take the populated pages of [@start, @end) that are about to become
 * private out of the direct map, all or nothing: if a zap fails, the
 * pages this call took out come back, and the error is returned with
 * *@bad = the first page of the failed run. Pages whose state became
 * unknown (a rollback failed too) are quarantined: -EIO. Called with
 * file.lock held, zeroing done, before any attribute changes.
 */
static int tdxgmem_convert_zap(struct tdxgmem_file *f, pgoff_t start,
			       pgoff_t end, pgoff_t *bad)
{
	u64 changing[TDXGMEM_CHUNK_WORDS];
	struct tdxgmem_dm_batch b;
	struct tdxgmem_chunk *c;
	unsigned long idx, fidx = 0;
	u32 first, last, failed = 0;
	int ret = 0;

	tdxgmem_dm_batch_begin(&b, false);
	tdxgmem_for_each_chunk(f, idx, c, start, end) {
		tdxgmem_chunk_clip(idx, start, end, &first, &last);
		tdxgmem_chunk_changing(c, first, last, true, changing);
		ret = tdxgmem_chunk_dm(f, idx, c, first, last, changing, true,
				       &b, &failed);
		if (ret) {
			fidx = idx;
			break;
		}
		cond_resched();
	}
	tdxgmem_dm_batch_commit(&b);
	if (!ret)
		return 0;
	*bad = ((pgoff_t)fidx << TDXGMEM_CHUNK_SHIFT) + failed;

	/* Undo what came before the failed run; it stays shared. */
	tdxgmem_dm_batch_begin(&b, true);
	tdxgmem_for_each_chunk(f, idx, c, start, end) {
		if (idx > fidx)
			break;
		tdxgmem_chunk_clip(idx, start, end, &first, &last);
		if (idx == fidx)
			last = failed;
		tdxgmem_chunk_changing(c, first, last, true, changing);
		if (tdxgmem_chunk_dm(f, idx, c, first, last, changing, false,
				     &b, NULL))
			ret = -EIO;
		cond_resched();
	}
	tdxgmem_dm_batch_commit(&b);
	return ret;
}

/**
 * tdxgmem_store_convert_commit() - make [@start, @end) @private.
 * @f:       the file.
 * @start:   first page.
 * @end:     one past the last page.
 * @private: the new attribute.
 * @zero:    clear the contents of populated pages that change.
 * @bad:     out: with -EIO, the first page quarantined.
 *
 * Follows a successful tdxgmem_store_convert_prepare() under the same hold
 * of the invalidate lock (for write), and the invalidation of the range.
 * To private, a NO_DIRECT_MAP file's pages leave the direct map first;
 * that alone can fail, and then no attribute changes (the contents of the
 * pages are zeroed already if @zero).
 *
 * Return: 0; the direct map's error (-ENOMEM): nothing changed state;
 * -EIO: nothing changed state but pages whose direct-map state is unknown
 * now, which are quarantined.
 */
int tdxgmem_store_convert_commit(struct tdxgmem_file *f, pgoff_t start,
				 pgoff_t end, bool private, bool zero,
				 pgoff_t *bad)
{
	struct tdxgmem_chunk *c;
	unsigned long idx;
	u32 first, last, i;
	int ret = 0;

	lockdep_assert_held_write(&f->inode->i_mapping->invalidate_lock);
	mutex_lock(&f->lock);
	/*
	 * Through the direct map, so before the pages may leave it (to
	 * shared, the invalidation put them back). A page never cleared
	 * (only a private one may be) is cleared even with PRESERVE: what it
	 * holds is not the consumer's.
	 */
	tdxgmem_for_each_chunk(f, idx, c, start, end) {
		tdxgmem_chunk_clip(idx, start, end, &first, &last);
		tdxgmem_chunk_find_hwpoison(f, idx, c, first, last);
		for (i = first; i < last; i++) {
			bool uncleared = tdxgmem_bit_test(c->bits.uncleared, i);

			/* A poisoned page is never read or written again. */
			if (tdxgmem_bit_test(c->bits.private, i) == private ||
			    !tdxgmem_bit_test(c->bits.populated, i) ||
			    tdxgmem_bit_test(c->bits.hwpoison, i))
				continue;
			if (zero || uncleared)
				clear_highpage(tdxgmem_chunk_page(c, i));
			if (uncleared)
				tdxgmem_chunk_cleared(f, c, i);
		}
		cond_resched();
	}
	if (private && (f->flags & TDXGMEM_F_NO_DIRECT_MAP)) {
		ret = tdxgmem_convert_zap(f, start, end, bad);
		if (ret)
			goto out;
	}
	f->state_gen++;
	tdxgmem_for_each_chunk(f, idx, c, start, end) {
		tdxgmem_chunk_clip(idx, start, end, &first, &last);
		tdxgmem_bits_assign(c->bits.private, first, last, private);
		tdxgmem_chunk_trim(f, idx, c);
	}
out:
	mutex_unlock(&f->lock);
	return ret;
}

/**
 * tdxgmem_store_describe() - fill TDXGMEM_QUERY extents for [@start, @end).
 * @f:     the file.
 * @start: first page.
 * @end:   one past the last page, at most f->nr_pages.
 * @eb:    extent buffer.
 *
 * Return: the first page not described (@end when all of it was).
 */
u64 tdxgmem_store_describe(struct tdxgmem_file *f, pgoff_t start, pgoff_t end,
			   struct tdxgmem_extent_buf *eb)
{
	pgoff_t pg = start;

	mutex_lock(&f->lock);
	while (pg < end) {
		unsigned long idx = pg >> TDXGMEM_CHUNK_SHIFT;
		pgoff_t cend = min_t(pgoff_t,
				     (pgoff_t)(idx + 1) << TDXGMEM_CHUNK_SHIFT,
				     end);
		struct tdxgmem_chunk *c = xa_load(&f->chunks, idx);
		unsigned long next_idx = idx;
		pgoff_t next;

		/*
		 * Absent chunks up to the next present one are one run: a
		 * sparse file of any size answers in one step.
		 */
		if (!c) {
			if (xa_find_after(&f->chunks, &next_idx,
					  (end - 1) >> TDXGMEM_CHUNK_SHIFT,
					  XA_PRESENT))
				cend = (pgoff_t)next_idx << TDXGMEM_CHUNK_SHIFT;
			else
				cend = end;
		}
		/* The whole chunk: one poisoned page lowers its map_log2. */
		if (c)
			tdxgmem_chunk_find_hwpoison(f, idx, c, 0,
						    TDXGMEM_CHUNK_PAGES);
		next = tdxgmem_chunk_describe(c ? &c->bits : NULL,
					      f->init_private, pg, cend,
					      c && c->giga && !c->giga->broken,
					      c && tdxgmem_giga_mappable(f, idx, c),
					      eb);
		if (next != cend) {
			pg = next;
			break;
		}
		pg = next;
		cond_resched();
	}
	mutex_unlock(&f->lock);
	return pg;
}

/**
 * tdxgmem_store_census() - count a file's pages by state and backing.
 * @f:  the file.
 * @cs: result.
 *
 * Takes file.lock for the walk: a consistent snapshot.
 */
void tdxgmem_store_census(struct tdxgmem_file *f, struct tdxgmem_census *cs)
{
	bool nodm = f->flags & TDXGMEM_F_NO_DIRECT_MAP;
	struct tdxgmem_chunk *c;
	unsigned long idx;

	memset(cs, 0, sizeof(*cs));
	/* Absent chunks keep the initial attribute; present ones count theirs. */
	if (f->init_private)
		cs->private = f->nr_pages;
	mutex_lock(&f->lock);
	xa_for_each(&f->chunks, idx, c) {
		u32 span = tdxgmem_chunk_span(f, idx);

		if (f->init_private)
			cs->private -= span;
		tdxgmem_chunk_census(&c->bits, span, nodm, cs);
		cond_resched();
	}
	mutex_unlock(&f->lock);
}
