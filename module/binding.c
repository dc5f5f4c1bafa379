// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM-facing API (include/linux/tdxgmem.h): bindings of file ranges to
 * guest frames, pfn + max_order look-ups, and the split/invalidate
 * callbacks that run before tdxgmem changes anything a consumer may map.
 *
 * Lock order: KVM slots_lock -> the file's invalidate lock
 * (mapping->invalidate_lock) -> tdxgmem_file.lock, and KVM mmu_lock inside
 * the callbacks. A binding's fields are fixed but @detached, which changes
 * with the invalidate lock held for write.
 *
 * A binding holds a reference on its struct tdxgmem_file, not on the
 * struct file: when userspace closes the last fd, the consumer is told
 * (TDXGMEM_INVAL_RELEASE), the binding is detached, and the tdxgmem_file
 * (with its inode, hence the invalidate lock) stays until tdxgmem_unbind().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kallsyms.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "order.h"
#include "store.h"
#include "tdxgmem_internal.h"
#include "tdxgmem_trace.h"
#include <uapi/linux/tdxgmem_netlink.h>

/**
 * struct tdxgmem_binding - a range of a tdxgmem file bound to guest frames.
 * @node:     in tdxgmem_file.bindings.
 * @f:        the file (a reference is held).
 * @geom:     file pages and the gfns they appear at.
 * @ops:      the consumer's callbacks.
 * @client:   their first argument.
 * @detached: the file was released; look-ups fail with -ENODEV.
 * @pid:      thread group that bound (a reference), for netlink.
 * @comm:     its command name.
 * @consumer: the module holding @ops' callbacks.
 */
struct tdxgmem_binding {
	struct list_head node;
	struct tdxgmem_file *f;
	struct tdxgmem_geom geom;
	const struct tdxgmem_client_ops *ops;
	void *client;
	bool detached;
	struct pid *pid;
	char comm[TASK_COMM_LEN];
	char consumer[MODULE_NAME_LEN];
};

static void tdxgmem_file_free(struct kref *ref)
{
	struct tdxgmem_file *f = container_of(ref, struct tdxgmem_file, ref);

	iput(f->inode);
	kfree(f);
}

/* Drop a reference on @f (the open file's or a binding's). */
void tdxgmem_file_put(struct tdxgmem_file *f)
{
	kref_put(&f->ref, tdxgmem_file_free);
}

/**
 * tdxgmem_file_check() - is @file a tdxgmem file?
 * @file: any file, or NULL.
 *
 * Return: true if @file was made by TDXGMEM_CREATE.
 */
bool tdxgmem_file_check(struct file *file)
{
	return file && file->f_op == &tdxgmem_file_fops;
}
EXPORT_SYMBOL_GPL(tdxgmem_file_check);

/**
 * tdxgmem_bindings_split() - ask every consumer to split around a range.
 * @f:     the file.
 * @start: first file page of the range about to change.
 * @end:   one past the last.
 *
 * Called with the invalidate lock held for write, before anything changes.
 *
 * Return: 0, or the first consumer's error (the operation must then fail
 * with nothing changed; splits already done are harmless).
 */
int tdxgmem_bindings_split(struct tdxgmem_file *f, pgoff_t start, pgoff_t end)
{
	struct tdxgmem_binding *b;
	u64 gs, ge;
	int ret;

	lockdep_assert_held_write(&f->inode->i_mapping->invalidate_lock);
	list_for_each_entry(b, &f->bindings, node) {
		if (!tdxgmem_geom_clip(&b->geom, start, end, &gs, &ge))
			continue;
		atomic64_inc(&tdxgmem_stats.splits);
		ret = b->ops->split(b->client, gs, ge);
		trace_tdxgmem_split(f->id, gs, ge, ret);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * tdxgmem_bindings_initialize() - may [@start, @end) be populated for
 *                                 consumers that initialize private pages?
 * @f:     the file.
 * @start: first file page.
 * @end:   one past the last.
 *
 * Called with the invalidate lock held (shared is enough).
 *
 * Return: true if some binding covers part of the range and every one
 * that does has TDXGMEM_CLIENT_INITIALIZES. A page left uncleared is
 * cleared anyway before anybody else may read it: this only decides where
 * clearing is likely to be wasted.
 */
bool tdxgmem_bindings_initialize(struct tdxgmem_file *f, pgoff_t start,
				 pgoff_t end)
{
	struct tdxgmem_binding *b;
	bool any = false;
	u64 gs, ge;

	lockdep_assert_held(&f->inode->i_mapping->invalidate_lock);
	list_for_each_entry(b, &f->bindings, node) {
		if (!tdxgmem_geom_clip(&b->geom, start, end, &gs, &ge))
			continue;
		if (!(b->ops->flags & TDXGMEM_CLIENT_INITIALIZES))
			return false;
		any = true;
	}
	return any;
}

/* Quarantine what @b could not unmap of file pages [@start, @end). */
static void tdxgmem_binding_failed(struct tdxgmem_binding *b, pgoff_t start,
				   pgoff_t end, int err)
{
	u64 s = max_t(u64, start, b->geom.pgoff);
	u64 e = min_t(u64, end, b->geom.pgoff + b->geom.npages);
	unsigned long n;

	n = tdxgmem_store_quarantine(b->f, s, e);
	trace_tdxgmem_quarantine(b->f->id, s, e - s, n,
				 TDXGMEM_QUARANTINE_CONSUMER, err);
	tdxgmem_event_quarantine(b->f, s, e, n, TDXGMEM_QUARANTINE_CONSUMER,
				 err);
	pr_err_ratelimited("consumer failed to unmap pages [%llu, %llu) (%d): %lu quarantined\n",
			   s, e, err, n);
}

/**
 * tdxgmem_bindings_invalidate() - make every consumer unmap a range.
 * @f:      the file.
 * @start:  first file page.
 * @end:    one past the last.
 * @reason: what is about to happen to the pages.
 *
 * invalidate_begin for every binding that covers part of the range, then
 * invalidate_end for each; pages a consumer could not unmap are
 * quarantined. Called with the invalidate lock held for write, after
 * tdxgmem_bindings_split() succeeded.
 */
void tdxgmem_bindings_invalidate(struct tdxgmem_file *f, pgoff_t start,
				 pgoff_t end, enum tdxgmem_inval_reason reason)
{
	struct tdxgmem_binding *b;
	u64 gs, ge;
	int ret;

	lockdep_assert_held_write(&f->inode->i_mapping->invalidate_lock);
	list_for_each_entry(b, &f->bindings, node) {
		if (!tdxgmem_geom_clip(&b->geom, start, end, &gs, &ge))
			continue;
		atomic64_inc(&tdxgmem_stats.invalidations);
		b->ops->invalidate_begin(b->client, gs, ge, reason);
	}
	list_for_each_entry(b, &f->bindings, node) {
		if (!tdxgmem_geom_clip(&b->geom, start, end, &gs, &ge))
			continue;
		ret = b->ops->invalidate_end(b->client, gs, ge);
		trace_tdxgmem_invalidate(f->id, gs, ge, reason, ret);
		if (ret)
			tdxgmem_binding_failed(b, start, end, ret);
	}
}

/*
 * Invalidate all of @b and take it off the file. A whole binding needs no
 * split: no mapping may cross its edges (tdxgmem_max_order()).
 */
static void tdxgmem_binding_detach(struct tdxgmem_binding *b,
				   enum tdxgmem_inval_reason reason)
{
	u64 gs = b->geom.base_gfn, ge = gs + b->geom.npages;
	u64 start = b->geom.pgoff, end = start + b->geom.npages;
	int ret;

	atomic64_inc(&tdxgmem_stats.invalidations);
	b->ops->invalidate_begin(b->client, gs, ge, reason);
	ret = b->ops->invalidate_end(b->client, gs, ge);
	trace_tdxgmem_invalidate(b->f->id, gs, ge, reason, ret);
	if (ret)
		tdxgmem_binding_failed(b, start, end, ret);
	list_del_init(&b->node);
	b->detached = true;
}

/**
 * tdxgmem_bindings_release() - tell every consumer the file is going away.
 * @f: the file, from its ->release().
 *
 * Each binding is invalidated as a whole (TDXGMEM_INVAL_RELEASE) and
 * detached; the consumer still owns it and must tdxgmem_unbind() it.
 * Called with the invalidate lock held for write.
 */
void tdxgmem_bindings_release(struct tdxgmem_file *f)
{
	struct tdxgmem_binding *b, *tmp;

	lockdep_assert_held_write(&f->inode->i_mapping->invalidate_lock);
	list_for_each_entry_safe(b, tmp, &f->bindings, node)
		tdxgmem_binding_detach(b, TDXGMEM_INVAL_RELEASE);
}

/*
 * The module holding the consumer's callbacks, as kallsyms names it
 * ("name [module]"; built-in code has no module part). Nothing of the
 * address is kept.
 */
static void tdxgmem_consumer_name(const struct tdxgmem_client_ops *ops,
				  char *name, size_t len)
{
	char sym[KSYM_NAME_LEN + MODULE_NAME_LEN + 8];
	char *mod, *end;

	snprintf(sym, sizeof(sym), "%ps", ops->invalidate_begin);
	mod = strchr(sym, '[');
	end = mod ? strchr(mod, ']') : NULL;
	if (end) {
		*end = '\0';
		strscpy(name, mod + 1, len);
	} else {
		/* "0x..." when kallsyms cannot tell: say nothing of it. */
		strscpy(name, strncmp(sym, "0x", 2) ? "vmlinux" : "unknown", len);
	}
}

/**
 * tdxgmem_bindings_report() - tell about each binding of a file.
 * @f:   the file.
 * @fn:  called for each binding; a non-zero return stops the walk. NULL:
 *       only count.
 * @arg: its first argument.
 *
 * Called with the invalidate lock held (shared is enough).
 *
 * Return: the number of bindings visited, or @fn's error.
 */
int tdxgmem_bindings_report(struct tdxgmem_file *f,
			    int (*fn)(void *arg,
				      const struct tdxgmem_binding_info *bi),
			    void *arg)
{
	struct tdxgmem_binding_info bi;
	struct tdxgmem_binding *b;
	int n = 0, ret;

	lockdep_assert_held(&f->inode->i_mapping->invalidate_lock);
	list_for_each_entry(b, &f->bindings, node) {
		n++;
		if (!fn)
			continue;
		bi = (struct tdxgmem_binding_info){
			.consumer = b->consumer, .pid = b->pid, .comm = b->comm,
			.pgoff = b->geom.pgoff, .npages = b->geom.npages,
			.base_gfn = b->geom.base_gfn,
		};
		ret = fn(arg, &bi);
		if (ret)
			return ret;
	}
	return n;
}

/*
 * May this binding join @f? Not over another one (-EBUSY), and, on a CPU
 * with the TDX partial-write erratum, not as a consumer that writes private
 * pages without resetting them first, on a NO_DIRECT_MAP file a TD has
 * bound (-EOPNOTSUPP): a page the TD gave back is reset only when it comes
 * back into the direct map (tdx_reset.c), and a partial write before that
 * poisons it. Called with the invalidate lock held for write.
 */
static int tdxgmem_bind_check(struct tdxgmem_file *f,
			      const struct tdxgmem_client_ops *ops,
			      const struct tdxgmem_geom *geom)
{
	struct tdxgmem_binding *other;

	list_for_each_entry(other, &f->bindings, node)
		if (tdxgmem_geom_overlap(&other->geom, geom))
			return -EBUSY;
	if (!(ops->flags & TDXGMEM_CLIENT_TDX) && tdxgmem_tdx_reset_needed(f))
		return -EOPNOTSUPP;
	return 0;
}

/**
 * tdxgmem_bind() - bind file pages to guest frames for a consumer.
 * @file:     a tdxgmem file; the caller holds a reference for the call.
 * @pgoff:    first file page.
 * @npages:   number of pages, non-zero.
 * @base_gfn: guest frame at which @pgoff appears.
 * @ops:      the consumer's callbacks, all three set, and its
 *            TDXGMEM_CLIENT_* flags; must stay valid until tdxgmem_unbind().
 * @client:   first argument of every callback.
 *
 * Pages are looked up (and allocated) at tdxgmem_get_pfn() time, not here.
 * A binding with base_gfn != pgoff modulo 512 works, but only at 4 KiB.
 * The binding does not keep the file open; see tdxgmem_unbind().
 *
 * Context: process context; takes the file's invalidate lock for write.
 * Return: the binding, or ERR_PTR(-EINVAL) (not a tdxgmem file, empty,
 * outside the file, wrapping, missing callbacks or unknown flags),
 * ERR_PTR(-EOPNOTSUPP) (a consumer without TDXGMEM_CLIENT_TDX, on a
 * NO_DIRECT_MAP file a TDX consumer bound, on a CPU with the TDX
 * partial-write erratum), ERR_PTR(-EBUSY)
 * (overlaps another binding of the file), ERR_PTR(-ENOMEM).
 */
struct tdxgmem_binding *tdxgmem_bind(struct file *file, pgoff_t pgoff,
				     unsigned long npages, u64 base_gfn,
				     const struct tdxgmem_client_ops *ops,
				     void *client)
{
	struct tdxgmem_geom geom = {
		.pgoff = pgoff, .npages = npages, .base_gfn = base_gfn,
	};
	struct address_space *mapping;
	struct tdxgmem_binding *b;
	struct tdxgmem_file *f;
	int err;

	if (!tdxgmem_file_check(file) || !ops || !ops->split ||
	    !ops->invalidate_begin || !ops->invalidate_end ||
	    (ops->flags & ~(TDXGMEM_CLIENT_TDX | TDXGMEM_CLIENT_INITIALIZES)))
		return ERR_PTR(-EINVAL);
	f = file->private_data;
	if (tdxgmem_geom_check(&geom, f->nr_pages))
		return ERR_PTR(-EINVAL);

	b = kzalloc_obj(*b, GFP_KERNEL_ACCOUNT);
	if (!b)
		return ERR_PTR(-ENOMEM);
	b->f = f;
	b->geom = geom;
	b->ops = ops;
	b->client = client;
	b->pid = get_task_pid(current, PIDTYPE_TGID);
	get_task_comm(b->comm, current);
	tdxgmem_consumer_name(ops, b->consumer, sizeof(b->consumer));

	mapping = f->inode->i_mapping;
	filemap_invalidate_lock(mapping);
	err = tdxgmem_bind_check(f, ops, &geom);
	if (err) {
		filemap_invalidate_unlock(mapping);
		put_pid(b->pid);
		kfree(b);
		return ERR_PTR(err);
	}
	kref_get(&f->ref);
	list_add_tail(&b->node, &f->bindings);
	/* Sticky: a TD may leave pages that need a reset (tdx_reset.c). */
	if (ops->flags & TDXGMEM_CLIENT_TDX)
		f->tdx_bound = true;
	filemap_invalidate_unlock(mapping);
	atomic64_inc(&tdxgmem_stats.bindings);
	return b;
}
EXPORT_SYMBOL_GPL(tdxgmem_bind);

/**
 * tdxgmem_unbind() - end a binding.
 * @binding: from tdxgmem_bind(); NULL or an error pointer is ignored.
 *
 * If the file is still open, the consumer is first told to unmap the whole
 * binding (TDXGMEM_INVAL_UNBIND); the pages stay in the file. After a file
 * release (the binding was detached then) this only frees the binding.
 *
 * Context: process context; takes the file's invalidate lock for write.
 */
void tdxgmem_unbind(struct tdxgmem_binding *binding)
{
	struct tdxgmem_file *f;

	if (IS_ERR_OR_NULL(binding))
		return;
	f = binding->f;
	filemap_invalidate_lock(f->inode->i_mapping);
	if (!binding->detached)
		tdxgmem_binding_detach(binding, TDXGMEM_INVAL_UNBIND);
	filemap_invalidate_unlock(f->inode->i_mapping);
	atomic64_dec(&tdxgmem_stats.bindings);
	put_pid(binding->pid);
	kfree(binding);
	tdxgmem_file_put(f);
}
EXPORT_SYMBOL_GPL(tdxgmem_unbind);

static int tdxgmem_binding_pfn(struct tdxgmem_binding *b, u64 gfn,
			       enum tdxgmem_lookup what, unsigned long *pfn,
			       int *max_order)
{
	struct address_space *mapping = b->f->inode->i_mapping;
	unsigned long p = 0;
	int ret, order = 0;
	u64 index;

	if (!tdxgmem_geom_gfn_to_index(&b->geom, gfn, &index)) {
		ret = -EINVAL;
		goto out;
	}

	filemap_invalidate_lock_shared(mapping);
	if (b->detached) {
		ret = -ENODEV;
	} else if (what == TDXGMEM_LOOKUP_SHARED) {
		/*
		 * No reference: like a private page, a shared one stays
		 * until the consumer's invalidate_begin() for it.
		 */
		ret = tdxgmem_store_shared_pfn(b->f, index, &p);
	} else {
		ret = tdxgmem_store_get_pfn(b->f, index,
					    what == TDXGMEM_LOOKUP_PRIVATE,
					    b->ops->flags &
					    TDXGMEM_CLIENT_INITIALIZES,
					    &p, &order);
	}
	filemap_invalidate_unlock_shared(mapping);
	if (!ret) {
		*pfn = p;
		order = tdxgmem_max_order(&b->geom, index, order);
		*max_order = order;
	}
out:
	trace_tdxgmem_get_pfn(b->f->id, gfn, what, p, order, ret);
	return ret;
}

/**
 * tdxgmem_get_pfn() - the private page behind a guest frame, allocating it.
 * @binding:   from tdxgmem_bind().
 * @gfn:       guest frame inside the binding.
 * @pfn:       result: the page frame of @gfn.
 * @max_order: result: 0; 9 when the naturally aligned 2^9 pages around
 *             @gfn may be mapped as one (KVM aligns gfn and pfn down); 18
 *             when the naturally aligned 2^18 pages (1 GiB) may (files
 *             created with huge_page_size_log2 30).
 *
 * For the naturally aligned range of 2^@max_order pages containing @pfn,
 * tdxgmem guarantees: physically contiguous, wholly inside the binding,
 * all private, zeroed before their first hand-out (to a consumer without
 * TDXGMEM_CLIENT_INITIALIZES: before its first look-up), gfn == pfn modulo
 * 2^@max_order, none poisoned or quarantined. The answer stays true until
 * the consumer's invalidate_begin() for the range; nothing is pinned.
 * An empty 2 MiB chunk is populated whole, so later faults can map 2 MiB
 * (an empty GiB of a file with 1 GiB backing: that GiB).
 *
 * Context: process context, without mmu_lock; takes the file's invalidate
 * lock shared and may sleep to allocate.
 * Return: 0; -EINVAL @gfn outside the binding; -EPERM the page is shared
 * (the consumer turns this into a memory-fault exit); -EHWPOISON; -EIO
 * quarantined; -ENOMEM; -ENODEV the file was released.
 */
int tdxgmem_get_pfn(struct tdxgmem_binding *binding, u64 gfn,
		    unsigned long *pfn, int *max_order)
{
	return tdxgmem_binding_pfn(binding, gfn, TDXGMEM_LOOKUP_PRIVATE, pfn,
				   max_order);
}
EXPORT_SYMBOL_GPL(tdxgmem_get_pfn);

/**
 * tdxgmem_peek_pfn() - like tdxgmem_get_pfn(), never allocating.
 * @binding:   from tdxgmem_bind().
 * @gfn:       guest frame inside the binding.
 * @pfn:       result: the page frame of @gfn.
 * @max_order: result: as for tdxgmem_get_pfn().
 *
 * For consumer paths that must not allocate, such as KVM's recovery of
 * huge mappings without a fault.
 *
 * Context: process context, without mmu_lock.
 * Return: as tdxgmem_get_pfn(), and -ENOENT if the page has no backing.
 */
int tdxgmem_peek_pfn(struct tdxgmem_binding *binding, u64 gfn,
		     unsigned long *pfn, int *max_order)
{
	return tdxgmem_binding_pfn(binding, gfn, TDXGMEM_LOOKUP_PEEK, pfn,
				   max_order);
}
EXPORT_SYMBOL_GPL(tdxgmem_peek_pfn);

/**
 * tdxgmem_get_shared_pfn() - the shared page behind a guest frame.
 * @binding:   from tdxgmem_bind().
 * @gfn:       guest frame inside the binding.
 * @pfn:       result: the page frame of @gfn.
 * @max_order: result: always 0; shared pages are offered at 4 KiB.
 *
 * The page userspace sees through mmap() of the file at the same offset:
 * a consumer that maps shared guest memory from here needs no second copy
 * of it. Allocates (zeroed) backing if the page has none. The answer stays
 * true until the consumer's invalidate_begin() for the gfn (punch-hole,
 * conversion to private with TDXGMEM_INVAL_TO_PRIVATE, unbind, release);
 * nothing is pinned, and a mapping the consumer holds never makes a
 * conversion fail.
 *
 * Context: process context, without mmu_lock; takes the file's invalidate
 * lock shared and may sleep to allocate.
 * Return: 0; -EINVAL @gfn outside the binding; -EPERM the page is private
 * (the consumer turns this into a memory-fault exit); -EHWPOISON; -EIO
 * quarantined; -ENOMEM; -ENODEV the file was released.
 */
int tdxgmem_get_shared_pfn(struct tdxgmem_binding *binding, u64 gfn,
			   unsigned long *pfn, int *max_order)
{
	return tdxgmem_binding_pfn(binding, gfn, TDXGMEM_LOOKUP_SHARED, pfn,
				   max_order);
}
EXPORT_SYMBOL_GPL(tdxgmem_get_shared_pfn);
