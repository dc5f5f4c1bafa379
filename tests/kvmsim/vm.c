// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsim VM fds: creation, bindings, the ioctls and release.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/bits.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/timekeeping.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kvmsim.h"

/* gfns stay below this, so that they fit xarray value entries. */
#define KVMSIM_GFN_LIMIT	BIT_ULL(52)

static bool kvmsim_zero(const u64 *r, unsigned int n)
{
	while (n--)
		if (r[n])
			return false;
	return true;
}

static long kvmsim_bind(struct kvmsim_vm *vm, struct kvmsim_bind *a)
{
	struct tdxgmem_binding *tb;
	struct kvmsim_binding *b, *o;
	struct file *file;
	long ret;

	if ((a->flags & ~(KVMSIM_BIND_TDX | KVMSIM_BIND_INITIALIZES)) ||
	    !kvmsim_zero(a->reserved, ARRAY_SIZE(a->reserved)) ||
	    a->base_gfn >= KVMSIM_GFN_LIMIT ||
	    a->npages > KVMSIM_GFN_LIMIT - a->base_gfn)
		return -EINVAL;
	list_for_each_entry(o, &vm->bindings, node)
		if (a->base_gfn < o->base_gfn + o->npages &&
		    o->base_gfn < a->base_gfn + a->npages)
			return -EEXIST;

	file = fget(a->fd);
	if (!file)
		return -EBADF;
	ret = -EINVAL;
	if (!tdxgmem_file_check(file))
		goto out;
	ret = -ENOMEM;
	b = kzalloc_obj(*b, GFP_KERNEL);
	if (!b)
		goto out;
	b->vm = vm;
	b->ino = file_inode(file)->i_ino;
	b->pgoff = a->pgoff;
	b->base_gfn = a->base_gfn;
	b->npages = a->npages;
	b->tdx = a->flags & KVMSIM_BIND_TDX;
	b->initializes = a->flags & KVMSIM_BIND_INITIALIZES;
	b->id = ++vm->next_id;
	tb = tdxgmem_bind(file, a->pgoff, a->npages, a->base_gfn,
			  &kvmsim_ops[b->tdx | b->initializes << 1], b);
	if (IS_ERR(tb)) {
		ret = PTR_ERR(tb);
		kfree(b);
		goto out;
	}
	b->tb = tb;
	list_add_tail(&b->node, &vm->bindings);
	a->id = b->id;
	ret = 0;
out:
	fput(file);
	return ret;
}

static void kvmsim_unbind_one(struct kvmsim_vm *vm, struct kvmsim_binding *b)
{
	u64 end = b->base_gfn + b->npages;

	tdxgmem_unbind(b->tb);
	list_del(&b->node);

	mutex_lock(&vm->mmu_lock);
	if (kvmsim_sept_any(vm, b->base_gfn, end, KVMSIM_ANY)) {
		kvmsim_violation(vm, KVMSIM_V_SURVIVED, b->base_gfn,
				 "mapping survived tdxgmem_unbind()");
		kvmsim_sept_zap(vm, b->base_gfn, end, KVMSIM_ANY);
	}
	mutex_unlock(&vm->mmu_lock);
	kfree(b);
}

static long kvmsim_unbind(struct kvmsim_vm *vm, struct kvmsim_unbind *a)
{
	struct kvmsim_binding *b;

	if (!kvmsim_zero(a->reserved, ARRAY_SIZE(a->reserved)))
		return -EINVAL;
	list_for_each_entry(b, &vm->bindings, node) {
		if (b->id == a->id) {
			kvmsim_unbind_one(vm, b);
			return 0;
		}
	}
	return -ENOENT;
}

static long kvmsim_lookup(struct kvmsim_vm *vm, struct kvmsim_lookup *a)
{
	struct kvmsim_entry e;
	long ret = 0;

	if (a->flags || a->level || a->pfn ||
	    !kvmsim_zero(a->reserved, ARRAY_SIZE(a->reserved)))
		return -EINVAL;
	mutex_lock(&vm->mmu_lock);
	if (kvmsim_sept_lookup(vm, a->gfn, &e)) {
		a->pfn = e.pfn + (a->gfn - e.gfn);
		a->level = kvmsim_order_level(e.order);
		a->flags = e.shared ? KVMSIM_FAULT_SHARED : 0;
	} else {
		ret = -ENOENT;
	}
	mutex_unlock(&vm->mmu_lock);
	return ret;
}

static long kvmsim_keep_data(struct kvmsim_vm *vm, struct kvmsim_lookup *a)
{
	struct kvmsim_binding *b;
	unsigned long pfn;
	int order;
	long ret;

	if (a->flags || a->level || a->pfn ||
	    !kvmsim_zero(a->reserved, ARRAY_SIZE(a->reserved)))
		return -EINVAL;
	b = kvmsim_find_binding(vm, a->gfn);
	ret = b ? tdxgmem_peek_pfn(b->tb, a->gfn, &pfn, &order) : -ENOENT;
	if (!ret)
		kvmsim_written_add(b, a->gfn, pfn);
	return ret;
}

static long kvmsim_time_pfn(struct kvmsim_vm *vm, struct kvmsim_time_pfn *a)
{
	struct kvmsim_binding *b;
	unsigned long pfn;
	u64 t0;
	u32 i;
	int r = 0;

	if (!a->loops || a->loops > 1000000 || a->max_order || a->ns ||
	    !kvmsim_zero(a->reserved, ARRAY_SIZE(a->reserved)))
		return -EINVAL;
	b = kvmsim_find_binding(vm, a->gfn);
	if (!b)
		return -ENOENT;
	t0 = ktime_get_ns();
	for (i = 0; i < a->loops && !r; i++) {
		r = tdxgmem_get_pfn(b->tb, a->gfn, &pfn, &a->max_order);
		/* Every 1024 calls: a signal ends the loop, the CPU is shared. */
		if (!(i & 1023)) {
			if (signal_pending(current))
				r = -EINTR;
			cond_resched();
		}
	}
	a->ns = ktime_get_ns() - t0;
	return r;
}

static long kvmsim_set_fail(struct kvmsim_vm *vm, struct kvmsim_set_fail *a)
{
	if (a->pad || !kvmsim_zero(a->reserved, ARRAY_SIZE(a->reserved)))
		return -EINVAL;
	mutex_lock(&vm->mmu_lock);
	vm->split_fails = a->split_fails;
	vm->inval_end_fails = a->inval_end_fails;
	vm->inval_ignores = a->inval_ignores;
	mutex_unlock(&vm->mmu_lock);
	return 0;
}

union kvmsim_arg {
	struct kvmsim_bind bind;
	struct kvmsim_unbind unbind;
	struct kvmsim_fault fault;
	struct kvmsim_access access;
	struct kvmsim_lookup lookup;
	struct kvmsim_set_fail set_fail;
	struct kvmsim_stats stats;
	struct kvmsim_time_pfn time_pfn;
};

static long kvmsim_vm_do(struct kvmsim_vm *vm, unsigned int cmd,
			 union kvmsim_arg *a)
{
	switch (cmd) {
	case KVMSIM_BIND:
		return kvmsim_bind(vm, &a->bind);
	case KVMSIM_UNBIND:
		return kvmsim_unbind(vm, &a->unbind);
	case KVMSIM_FAULT:
		if (kvmsim_level_order(a->fault.level) < 0 || a->fault.max_order ||
		    a->fault.pfn ||
		    (a->fault.flags & ~(KVMSIM_FAULT_SHARED | KVMSIM_FAULT_RAW)) ||
		    ((a->fault.flags & KVMSIM_FAULT_SHARED) &&
		     (a->fault.flags & KVMSIM_FAULT_RAW)) ||
		    a->fault.pad ||
		    !kvmsim_zero(a->fault.reserved,
				 ARRAY_SIZE(a->fault.reserved)))
			return -EINVAL;
		return kvmsim_fault(vm, &a->fault);
	case KVMSIM_ACCESS:
		if (a->access.pad || a->access.write > 1 || !a->access.len ||
		    a->access.offset >= PAGE_SIZE ||
		    a->access.len > PAGE_SIZE - a->access.offset ||
		    !kvmsim_zero(a->access.reserved,
				 ARRAY_SIZE(a->access.reserved)))
			return -EINVAL;
		return kvmsim_access(vm, &a->access);
	case KVMSIM_LOOKUP:
		return kvmsim_lookup(vm, &a->lookup);
	case KVMSIM_KEEP_DATA:
		return kvmsim_keep_data(vm, &a->lookup);
	case KVMSIM_SET_FAIL:
		return kvmsim_set_fail(vm, &a->set_fail);
	case KVMSIM_TIME_PFN:
		return kvmsim_time_pfn(vm, &a->time_pfn);
	case KVMSIM_STATS:
		mutex_lock(&vm->mmu_lock);
		a->stats = vm->stats;
		mutex_unlock(&vm->mmu_lock);
		return 0;
	case KVMSIM_CHECK:
		kvmsim_check_all(vm, true);
		mutex_lock(&vm->mmu_lock);
		a->stats.violations = vm->stats.violations;
		mutex_unlock(&vm->mmu_lock);
		return min_t(u64, a->stats.violations, INT_MAX);
	default:
		return -ENOTTY;
	}
}

static long kvmsim_vm_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct kvmsim_vm *vm = file->private_data;
	void __user *argp = (void __user *)arg;
	unsigned int size = _IOC_SIZE(cmd);
	union kvmsim_arg *a;
	long ret;

	switch (cmd) {
	case KVMSIM_BIND: case KVMSIM_UNBIND: case KVMSIM_FAULT:
	case KVMSIM_ACCESS: case KVMSIM_LOOKUP: case KVMSIM_SET_FAIL:
	case KVMSIM_KEEP_DATA: case KVMSIM_TIME_PFN:
	case KVMSIM_STATS: case KVMSIM_CHECK:
		break;
	default:
		return -ENOTTY;
	}

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	ret = -EFAULT;
	if ((_IOC_DIR(cmd) & _IOC_WRITE) && copy_from_user(a, argp, size))
		goto out;

	mutex_lock(&vm->lock);
	ret = kvmsim_vm_do(vm, cmd, a);
	if (cmd != KVMSIM_CHECK)
		kvmsim_check_all(vm, false);
	mutex_unlock(&vm->lock);

	if (ret >= 0 && (_IOC_DIR(cmd) & _IOC_READ) &&
	    copy_to_user(argp, a, size))
		ret = -EFAULT;
out:
	kfree(a);
	return ret;
}

static int kvmsim_vm_release(struct inode *inode, struct file *file)
{
	struct kvmsim_vm *vm = file->private_data;
	struct kvmsim_binding *b, *tmp;

	mutex_lock(&vm->lock);
	list_for_each_entry_safe(b, tmp, &vm->bindings, node)
		kvmsim_unbind_one(vm, b);
	mutex_unlock(&vm->lock);

	mutex_lock(&vm->mmu_lock);
	if (vm->stats.violations)
		pr_err("VM closed with %llu violations\n", vm->stats.violations);
	kvmsim_sept_destroy(vm);
	mutex_unlock(&vm->mmu_lock);
	mutex_destroy(&vm->mmu_lock);
	mutex_destroy(&vm->lock);
	kfree(vm);
	kvmsim_freewatch_put();
	return 0;
}

static const struct file_operations kvmsim_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= kvmsim_vm_release,
	.unlocked_ioctl	= kvmsim_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

/* KVMSIM_CREATE_VM: returns the new VM fd or a negative errno. */
int kvmsim_create_vm(void)
{
	struct kvmsim_vm *vm;
	int fd;

	fd = kvmsim_freewatch_get();
	if (fd)
		return fd;
	vm = kzalloc_obj(*vm, GFP_KERNEL);
	if (!vm) {
		kvmsim_freewatch_put();
		return -ENOMEM;
	}
	mutex_init(&vm->lock);
	mutex_init(&vm->mmu_lock);
	INIT_LIST_HEAD(&vm->bindings);
	xa_init(&vm->sept);

	fd = anon_inode_getfd("kvmsim-vm", &kvmsim_vm_fops, vm,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		mutex_destroy(&vm->mmu_lock);
		mutex_destroy(&vm->lock);
		kfree(vm);
		kvmsim_freewatch_put();
	}
	return fd;
}
