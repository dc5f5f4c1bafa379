// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsim's struct tdxgmem_client_ops: split, invalidate_begin and
 * invalidate_end, as KVM's guest_memfd invalidation does them, with the
 * invariants that must hold at each step checked on the way.
 *
 * tdxgmem calls these with the file's invalidate lock held for write;
 * they take the VM's mmu_lock and never call back into tdxgmem.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/mutex.h>

#include "kvmsim.h"

/* Is [@start, @end) a non-empty range inside the binding? */
static void kvmsim_check_range(struct kvmsim_binding *b, u64 start, u64 end)
{
	if (start >= end || start < b->base_gfn ||
	    end > b->base_gfn + b->npages)
		kvmsim_violation(b->vm, KVMSIM_V_RANGE, start,
				 "callback range outside its binding");
}

static int kvmsim_split(void *client, u64 start, u64 end)
{
	struct kvmsim_binding *b = client;
	struct kvmsim_vm *vm = b->vm;
	int ret = 0, r;

	mutex_lock(&vm->mmu_lock);
	vm->stats.split_calls++;
	/*
	 * A fault that looked up its pfn and order before this call must
	 * retry: installed after the split, a huge mapping would straddle
	 * the edge again (KVM: mmu_invalidate_seq++ under mmu_lock).
	 */
	vm->inval_seq++;
	kvmsim_check_range(b, start, end);
	if (vm->split_fails) {
		vm->split_fails--;
		vm->stats.failed_injections++;
		ret = -ENOMEM;
		goto out;
	}
	/* 1G -> 2M, then 2M -> 4K where an edge is not 2M-aligned. */
	ret = kvmsim_sept_split(vm, start);
	r = kvmsim_sept_split(vm, end);
	if (r)
		ret = r;
out:
	kvmsim_check_edges(vm, start, end);
	mutex_unlock(&vm->mmu_lock);
	return ret;
}

/* A huge entry straddling @gfn at invalidate_begin: split was skipped. */
static void kvmsim_check_straddle(struct kvmsim_vm *vm, u64 gfn)
{
	struct kvmsim_entry e;

	if (kvmsim_sept_lookup(vm, gfn, &e) && e.gfn < gfn)
		kvmsim_violation(vm, KVMSIM_V_STRADDLE, gfn,
				 "huge mapping straddles an invalidation edge (no split first)");
}

static void kvmsim_invalidate_begin(void *client, u64 start, u64 end,
				    enum tdxgmem_inval_reason reason)
{
	struct kvmsim_binding *b = client;
	struct kvmsim_vm *vm = b->vm;

	mutex_lock(&vm->mmu_lock);
	vm->stats.invalidations++;
	if ((unsigned int)reason < ARRAY_SIZE(vm->stats.inval_reason))
		vm->stats.inval_reason[reason]++;
	kvmsim_check_range(b, start, end);

	/* KVM's mmu_invalidate_begin(). */
	if (!vm->inval_count++) {
		vm->inval_start = start;
		vm->inval_end = end;
	} else {
		vm->inval_start = min(vm->inval_start, start);
		vm->inval_end = max(vm->inval_end, end);
	}
	vm->inval_seq++;

	kvmsim_check_edges(vm, start, end);
	/*
	 * To private: only shared mappings go (always 4K: no split came
	 * first); private mappings and their data stay. To shared: private
	 * mappings go; kvmsim keeps its shared ones, as the contract allows.
	 */
	switch (reason) {
	case TDXGMEM_INVAL_TO_PRIVATE:
		b->inval_kinds = KVMSIM_SHARED;
		break;
	case TDXGMEM_INVAL_TO_SHARED:
		b->inval_kinds = KVMSIM_PRIVATE;
		break;
	default:
		b->inval_kinds = KVMSIM_ANY;
		break;
	}
	if (b->inval_kinds & KVMSIM_PRIVATE) {
		kvmsim_check_straddle(vm, start);
		kvmsim_check_straddle(vm, end);
	}
	if (vm->inval_ignores) {
		/* Injected: a consumer that keeps its mappings. */
		vm->inval_ignores--;
		vm->inval_ignoring++;
		vm->stats.failed_injections++;
		goto out;
	}
	/* KVM for a TD resets each private page it removes. */
	if (b->tdx && (b->inval_kinds & KVMSIM_PRIVATE))
		kvmsim_sept_reset(vm, start, end);
	kvmsim_sept_zap(vm, start, end, b->inval_kinds);

	if (reason != TDXGMEM_INVAL_UNBIND && (b->inval_kinds & KVMSIM_PRIVATE))
		kvmsim_written_clear(b, start, end);
out:
	mutex_unlock(&vm->mmu_lock);
}

static int kvmsim_invalidate_end(void *client, u64 start, u64 end)
{
	struct kvmsim_binding *b = client;
	struct kvmsim_vm *vm = b->vm;
	int ret = 0;

	mutex_lock(&vm->mmu_lock);
	kvmsim_check_range(b, start, end);
	if (vm->inval_ignoring)
		vm->inval_ignoring--;	/* injected: the mappings stay */
	else if (kvmsim_sept_any(vm, start, end, b->inval_kinds)) {
		kvmsim_violation(vm, KVMSIM_V_SURVIVED, start,
				 "mapping survived its invalidation");
		kvmsim_sept_zap(vm, start, end, b->inval_kinds);
	}
	if (vm->inval_count <= 0)
		kvmsim_violation(vm, KVMSIM_V_UNBALANCED, start,
				 "invalidate_end without invalidate_begin");
	else
		vm->inval_count--;
	vm->inval_seq++;
	if (vm->inval_end_fails) {
		vm->inval_end_fails--;
		vm->stats.failed_injections++;
		vm->stats.inval_end_errors++;
		ret = -EIO;
	}
	mutex_unlock(&vm->mmu_lock);
	return ret;
}

#define KVMSIM_OPS(f) {					\
	.split			= kvmsim_split,			\
	.invalidate_begin	= kvmsim_invalidate_begin,	\
	.invalidate_end		= kvmsim_invalidate_end,	\
	.flags			= (f),				\
}

/*
 * The same callbacks for every binding; the flags tell tdxgmem what kind of
 * consumer it is. Index: KVMSIM_BIND_TDX (1) | KVMSIM_BIND_INITIALIZES (2).
 */
const struct tdxgmem_client_ops kvmsim_ops[4] = {
	KVMSIM_OPS(0),
	KVMSIM_OPS(TDXGMEM_CLIENT_TDX),
	KVMSIM_OPS(TDXGMEM_CLIENT_INITIALIZES),
	KVMSIM_OPS(TDXGMEM_CLIENT_TDX | TDXGMEM_CLIENT_INITIALIZES),
};
