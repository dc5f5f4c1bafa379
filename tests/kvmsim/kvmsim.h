/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmsim internal declarations: a VM with a software S-EPT, bound to
 * tdxgmem files through include/linux/tdxgmem.h.
 *
 * Locks, outermost first (as KVM; see include/linux/tdxgmem.h):
 *
 *   kvmsim_vm.lock      plays slots_lock: serialises the VM's ioctls and
 *                       protects the binding list
 *     tdxgmem invalidate lock (taken by tdxgmem)
 *       kvmsim_vm.mmu_lock  plays mmu_lock: the S-EPT, the invalidation
 *                       state and the counters
 *
 * mmu_lock is a mutex, so the S-EPT may allocate and vmap() under it.
 */
#ifndef _TDXGMEM_KVMSIM_H
#define _TDXGMEM_KVMSIM_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/types.h>
#include <linux/xarray.h>
#include <linux/tdxgmem.h>

#include "kvmsim_uapi.h"

#ifndef HAVE_KZALLOC_OBJ
/* 7.x's typed allocator, for older kernels (conftest probe kzalloc_obj). */
#define kzalloc_obj(obj, gfp)	kzalloc(sizeof(obj), gfp)
#endif

/* S-EPT levels by order: 4K (0), 2M (9) and 1G (18) entries. */
#define KVMSIM_ORDER_2M		9
#define KVMSIM_ORDER_1G		18

#define KVMSIM_HUGE_PAGES	512UL
#define KVMSIM_HUGE_MASK	(KVMSIM_HUGE_PAGES - 1)

struct kvmsim_vm;

/* Which entries kvmsim_sept_zap() and kvmsim_sept_any() see. */
enum kvmsim_kind {
	KVMSIM_PRIVATE = 1 << 0,
	KVMSIM_SHARED = 1 << 1,
	KVMSIM_ANY = KVMSIM_PRIVATE | KVMSIM_SHARED,
};

/**
 * struct kvmsim_binding - one KVMSIM_BIND; the tdxgmem client.
 * @vm:       owner.
 * @tb:       tdxgmem's binding.
 * @id:       id given to userspace.
 * @ino:      inode number of the file (identifies its pages in written.c).
 * @pgoff:    first file page.
 * @base_gfn: first gfn.
 * @npages:   number of gfns.
 * @node:     in kvmsim_vm.bindings.
 * @inval_kinds: the kinds of mapping the invalidation in progress removes
 *            (a conversion to private: shared ones; to shared: private
 *            ones); under mmu_lock.
 * @tdx:      KVMSIM_BIND_TDX: plays KVM for a TD, which maps private
 *            pages at 2M at most.
 * @initializes: KVMSIM_BIND_INITIALIZES: writes each private page it maps.
 */
struct kvmsim_binding {
	struct kvmsim_vm *vm;
	struct tdxgmem_binding *tb;
	u64 id;
	unsigned long ino;
	u64 pgoff;
	u64 base_gfn;
	u64 npages;
	struct list_head node;
	enum kvmsim_kind inval_kinds;
	bool tdx;
	bool initializes;
};

/**
 * struct kvmsim_vm - one simulated VM (the VM fd's private_data).
 * @lock:           slots_lock; see the top of this file.
 * @bindings:       struct kvmsim_binding list, under @lock.
 * @next_id:        next binding id, under @lock.
 * @mmu_lock:       mmu_lock.
 * @sept:           gfn -> xa_mk_value(pfn << 3 | shared << 2 | order / 9); a
 *                  2M or 1G entry is stored at its first (aligned) gfn only.
 * @inval_seq:      bumped by every split, invalidate_begin and _end.
 * @inval_count:    invalidations in progress.
 * @inval_start:    union of the ranges in progress, start.
 * @inval_end:      ... end (exclusive).
 * @split_fails:    injected failures pending.
 * @inval_end_fails: injected failures pending.
 * @inval_ignores:  invalidations still to ignore (injected).
 * @inval_ignoring: ignored invalidate_begin callbacks whose end is to come.
 * @stats:          counters; under @mmu_lock.
 */
struct kvmsim_vm {
	struct mutex lock;		/* slots_lock */
	struct list_head bindings;
	u64 next_id;

	struct mutex mmu_lock;		/* mmu_lock */
	struct xarray sept;
	unsigned long inval_seq;
	long inval_count;
	u64 inval_start;
	u64 inval_end;
	u32 split_fails;
	u32 inval_end_fails;
	u32 inval_ignores;
	u32 inval_ignoring;
	struct kvmsim_stats stats;
};

/**
 * struct kvmsim_entry - a decoded S-EPT entry.
 * @gfn:    first gfn mapped (aligned to the entry's size).
 * @pfn:    first pfn.
 * @order:  0 (4K), KVMSIM_ORDER_2M or KVMSIM_ORDER_1G.
 * @shared: maps a shared page (always 4K).
 */
struct kvmsim_entry {
	u64 gfn;
	u64 pfn;
	unsigned int order;
	bool shared;
};

/* Pages an entry maps. */
static inline u64 kvmsim_entry_pages(const struct kvmsim_entry *e)
{
	return 1ULL << e->order;
}

/* The order of a KVMSIM_LEVEL_* value, or -1 if it is none. */
static inline int kvmsim_level_order(u32 level)
{
	switch (level) {
	case KVMSIM_LEVEL_4K:
		return 0;
	case KVMSIM_LEVEL_2M:
		return KVMSIM_ORDER_2M;
	case KVMSIM_LEVEL_1G:
		return KVMSIM_ORDER_1G;
	default:
		return -1;
	}
}

/* The KVMSIM_LEVEL_* of an entry's order: its size's log2. */
static inline u32 kvmsim_order_level(unsigned int order)
{
	return KVMSIM_LEVEL_4K + order;
}

/* vm.c */
int kvmsim_create_vm(void);

/* fault.c */
long kvmsim_fault(struct kvmsim_vm *vm, struct kvmsim_fault *f);
long kvmsim_access(struct kvmsim_vm *vm, struct kvmsim_access *a);
struct kvmsim_binding *kvmsim_find_binding(struct kvmsim_vm *vm, u64 gfn);

/* sept.c, all under mmu_lock */
void kvmsim_decode(u64 gfn, void *v, struct kvmsim_entry *e);
bool kvmsim_sept_lookup(struct kvmsim_vm *vm, u64 gfn, struct kvmsim_entry *e);
void kvmsim_sept_reset(struct kvmsim_vm *vm, u64 start, u64 end);
int kvmsim_sept_map(struct kvmsim_vm *vm, const struct kvmsim_entry *e);
int kvmsim_sept_split(struct kvmsim_vm *vm, u64 gfn);
void kvmsim_sept_zap(struct kvmsim_vm *vm, u64 start, u64 end,
		     enum kvmsim_kind kinds);
bool kvmsim_sept_any(struct kvmsim_vm *vm, u64 start, u64 end,
		     enum kvmsim_kind kinds);
void kvmsim_sept_destroy(struct kvmsim_vm *vm);

/* freewatch.c */
int kvmsim_freewatch_init(void);
void kvmsim_freewatch_exit(void);
int kvmsim_freewatch_get(void);
void kvmsim_freewatch_put(void);
int kvmsim_freewatch_map(u64 pfn, unsigned int order, int delta);
bool kvmsim_freewatch_hit(u64 pfn, u64 nr);

/* written.c */
bool kvmsim_written_has(const struct kvmsim_binding *b, u64 gfn, u64 pfn);
void kvmsim_written_add(const struct kvmsim_binding *b, u64 gfn, u64 pfn);
void kvmsim_written_clear(const struct kvmsim_binding *b, u64 start, u64 end);
void kvmsim_written_exit(void);

/* callbacks.c */
extern const struct tdxgmem_client_ops kvmsim_ops[4];

/* check.c */
void kvmsim_violation(struct kvmsim_vm *vm, enum kvmsim_violation kind,
		      u64 gfn, const char *what);
bool kvmsim_page_is_zero(struct kvmsim_vm *vm, u64 pfn, unsigned long nr);
bool kvmsim_any_hwpoison(u64 pfn, unsigned long nr);
void kvmsim_check_entries(struct kvmsim_vm *vm, u64 start, u64 end);
void kvmsim_check_edges(struct kvmsim_vm *vm, u64 start, u64 end);
void kvmsim_check_all(struct kvmsim_vm *vm, bool full);

#endif /* _TDXGMEM_KVMSIM_H */
