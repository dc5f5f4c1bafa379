/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Backing store of a tdxgmem file: 512-page chunks in an xarray.
 */
#ifndef _TDXGMEM_STORE_H
#define _TDXGMEM_STORE_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>

#include "range.h"

struct inode;
struct mem_cgroup;
struct page;
struct pid;

/**
 * struct tdxgmem_chunk - backing of pages [idx * 512, idx * 512 + 512).
 * @bits:  populated/private bitmaps and the contiguity flag.
 * @base:  if @bits.contig: first page of the 2 MiB block; page i of the
 *         chunk is @base + i.
 * @pages: if populated and not contiguous: per-page backing.
 * @clean_gen: 1 + the count of memory failures on @base's node when a scan
 *         last found no page of the contiguous chunk poisoned; 0: none did.
 * @block: if @bits.contig: the 2 MiB block is still one order-9 allocation,
 *         all 512 pages populated: only @base holds a reference (the
 *         others' refcounts are 0) and it is freed as a whole; false once
 *         split_page() gave each page its own.
 *
 * @giga:  if @bits.contig: the 1 GiB range @base lies in, if it came
 *         from one (see giga.h); NULL otherwise.
 *
 * nr_populated == 0 implies !contig, !block, @base == NULL, @pages ==
 * NULL and @giga == NULL.
 */
struct tdxgmem_chunk {
	struct tdxgmem_chunk_bits bits;
	struct page *base;
	struct page **pages;
	unsigned long clean_gen;
	bool block;
	struct tdxgmem_giga *giga;
};

/**
 * struct tdxgmem_file - one tdxgmem file (file->private_data).
 * @inode:        the file's own anon inode.
 * @size:         size in bytes, fixed.
 * @nr_pages:     size in pages.
 * @flags:        TDXGMEM_F_* from create.
 * @huge:         try 2 MiB blocks (huge_page_size_log2 0, 21 or 30).
 * @giga:         try 1 GiB ranges first (huge_page_size_log2 30).
 * @init_private: pages start private (no TDXGMEM_F_INIT_SHARED).
 * @nid:          preferred node, or NUMA_NO_NODE.
 * @memcg:        memcg of the creator; allocations are charged to it.
 * @lock:         protects @chunks and every chunk's state.
 * @chunks:       struct tdxgmem_chunk by chunk index; absent = untouched.
 * @nr_populated: pages this file holds.
 * @nr_uncleared: of them, pages never cleared (chunk bits @uncleared).
 * @state_gen:    bumped under @lock by every change of a chunk's state
 *                (what struct tdxgmem_giga caches is checked against it).
 * @bindings:     struct tdxgmem_binding of consumers; changed with the
 *                invalidate lock held for write, read with it held.
 * @ref:          one for the open file, one per binding (a binding may
 *                outlive the file, detached), one per netlink request
 *                looking at it; the last put frees @f and drops the inode
 *                reference @f holds.
 * @id:           the file's id (netlink, tracepoints, fdinfo); 0 until
 *                it is registered (files.c).
 * @uid:          effective uid of the creator.
 * @pid:          thread group of the creator (a reference), or NULL.
 * @comm:         the creator's command name.
 * @tdx_bound:    a TDXGMEM_CLIENT_TDX consumer has bound the file (ever);
 *                set with the invalidate lock held for write.
 * @released:     ->release() has begun taking the file apart; set with
 *                the invalidate lock held for write. Netlink readers
 *                check it under the invalidate lock.
 */
struct tdxgmem_file {
	struct inode *inode;
	u64 size;
	pgoff_t nr_pages;
	u64 flags;
	bool huge;
	bool giga;
	bool init_private;
	int nid;
	struct mem_cgroup *memcg;
	struct mutex lock;	/* see store.c for the lock order */
	struct xarray chunks;
	unsigned long nr_populated;
	unsigned long nr_uncleared;
	u64 state_gen;
	struct list_head bindings;
	struct kref ref;
	u64 id;
	kuid_t uid;
	struct pid *pid;
	char comm[TASK_COMM_LEN];
	bool tdx_bound;
	bool released;
};

void tdxgmem_store_init(struct tdxgmem_file *f);
void tdxgmem_store_destroy(struct tdxgmem_file *f);
int tdxgmem_store_populate(struct tdxgmem_file *f, pgoff_t start, pgoff_t end,
			   bool initializes);
struct page *tdxgmem_store_get_shared(struct tdxgmem_file *f, pgoff_t index);
int tdxgmem_store_shared_pfn(struct tdxgmem_file *f, pgoff_t index,
			     unsigned long *pfn);
int tdxgmem_store_punch(struct tdxgmem_file *f, pgoff_t start, pgoff_t end);
int tdxgmem_store_get_pfn(struct tdxgmem_file *f, pgoff_t index, bool alloc,
			  bool initializes, unsigned long *pfn, int *order);
int tdxgmem_store_convert_prepare(struct tdxgmem_file *f, pgoff_t start,
				  pgoff_t end, bool private, bool check_pins,
				  pgoff_t *bad, unsigned long *nr);
void tdxgmem_store_convert_abort(struct tdxgmem_file *f, pgoff_t start,
				 pgoff_t end);
int tdxgmem_store_convert_commit(struct tdxgmem_file *f, pgoff_t start,
				 pgoff_t end, bool private, bool zero,
				 pgoff_t *bad);
void tdxgmem_store_tdx_reset(struct tdxgmem_file *f, pgoff_t start,
			     pgoff_t end);
void tdxgmem_store_dm(struct tdxgmem_file *f, pgoff_t start, pgoff_t end,
		      bool restore);
unsigned long tdxgmem_store_quarantine(struct tdxgmem_file *f, pgoff_t start,
				       pgoff_t end);
u64 tdxgmem_store_describe(struct tdxgmem_file *f, pgoff_t start, pgoff_t end,
			   struct tdxgmem_extent_buf *eb);
void tdxgmem_store_census(struct tdxgmem_file *f, struct tdxgmem_census *cs);

#endif /* _TDXGMEM_STORE_H */
