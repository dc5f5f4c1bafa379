// SPDX-License-Identifier: GPL-2.0
/*
 * The tdxgmem file type: file operations, fallocate and invalidation.
 *
 * The file's invalidate lock (DESIGN.md section 4) is its inode's
 * mapping->invalidate_lock. Lock order: invalidate_lock -> chunk lock
 * (tdxgmem_file.lock); see store.c for the full order. Every state change
 * that takes backing away is: invalidate_lock for write ->
 * tdxgmem_invalidate() -> change or free the pages.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/falloc.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/mnt_idmapping.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "store.h"
#include "tdxgmem_internal.h"

/**
 * tdxgmem_invalidate() - make [@start, @end) unreachable by everybody
 *                        before its backing changes.
 * @f:      the file.
 * @start:  first page.
 * @end:    one past the last page.
 * @reason: what the caller is about to do to the pages.
 *
 * Called with the invalidate lock held for write. The order is DESIGN.md
 * section 4's: consumers split huge mappings around the range (which may
 * fail: then nothing has changed), the direct map of a NO_DIRECT_MAP file's
 * private pages comes back (not for UNBIND: the pages stay private),
 * userspace mappings are zapped, consumers unmap the range (pages they
 * fail to unmap are quarantined), and pages a TD may have held are reset.
 * A conversion to private (TO_PRIVATE) neither splits nor restores: only
 * shared mappings go, and consumers map shared pages at 4 KiB only.
 *
 * Return: 0, or a consumer's split error (-ENOMEM).
 */
int tdxgmem_invalidate(struct tdxgmem_file *f, pgoff_t start, pgoff_t end,
		       enum tdxgmem_inval_reason reason)
{
	bool to_private = reason == TDXGMEM_INVAL_TO_PRIVATE;
	bool restore;
	int ret;

	lockdep_assert_held_write(&f->inode->i_mapping->invalidate_lock);
	if (start >= end)
		return 0;
	ret = to_private ? 0 : tdxgmem_bindings_split(f, start, end);
	if (ret)
		return ret;
	/*
	 * Pages about to be freed or shared get their direct map back before
	 * consumers unmap them (TDX resets removed pages through it), and a
	 * reset once no TD holds them any more (tdx_reset.c).
	 */
	restore = reason != TDXGMEM_INVAL_UNBIND && !to_private;
	if (restore)
		tdxgmem_store_dm(f, start, end, true);
	tdxgmem_unmap_user(f, start, end);
	tdxgmem_bindings_invalidate(f, start, end, reason);
	if (restore)
		tdxgmem_store_tdx_reset(f, start, end);
	return 0;
}

/**
 * tdxgmem_unmap_user() - zap [@start, @end) from every process.
 * @f:     the file.
 * @start: first page.
 * @end:   one past the last page.
 *
 * Called with the invalidate lock held for write, so no fault can map the
 * pages again until it is dropped.
 */
void tdxgmem_unmap_user(struct tdxgmem_file *f, pgoff_t start, pgoff_t end)
{
	lockdep_assert_held_write(&f->inode->i_mapping->invalidate_lock);
	unmap_mapping_pages(f->inode->i_mapping, start, end - start, false);
}

static long tdxgmem_allocate(struct tdxgmem_file *f, loff_t offset, loff_t len)
{
	struct address_space *mapping = f->inode->i_mapping;
	u64 start, end;
	int ret;

	ret = tdxgmem_range_alloc(offset, len, f->size, &start, &end);
	if (ret)
		return ret;

	filemap_invalidate_lock_shared(mapping);
	ret = tdxgmem_store_populate(f, start, end,
				     tdxgmem_bindings_initialize(f, start, end));
	filemap_invalidate_unlock_shared(mapping);
	return ret;
}

static long tdxgmem_punch_hole(struct tdxgmem_file *f, loff_t offset,
			       loff_t len)
{
	struct address_space *mapping = f->inode->i_mapping;
	u64 start, end;
	int ret;

	ret = tdxgmem_range_punch(offset, len, f->size, &start, &end);
	if (ret || start == end)
		return ret;

	filemap_invalidate_lock(mapping);
	ret = tdxgmem_invalidate(f, start, end, TDXGMEM_INVAL_PUNCH);
	if (!ret)
		ret = tdxgmem_store_punch(f, start, end);
	filemap_invalidate_unlock(mapping);
	return ret;
}

static long tdxgmem_fallocate(struct file *file, int mode, loff_t offset,
			      loff_t len)
{
	struct tdxgmem_file *f = file->private_data;
	long ret;

	if (mode == FALLOC_FL_KEEP_SIZE)
		ret = tdxgmem_allocate(f, offset, len);
	else if (mode == (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE))
		ret = tdxgmem_punch_hole(f, offset, len);
	else
		return -EOPNOTSUPP;
	/* mtime and ctime tell a change, as for guest_memfd. */
	if (!ret)
		file_modified(file);
	return ret;
}

static long tdxgmem_file_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	struct tdxgmem_file *f = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case TDXGMEM_QUERY:
		return tdxgmem_query_ioctl(f, argp);
	case TDXGMEM_SET_ATTRIBUTES:
		return tdxgmem_convert_ioctl(f, argp);
	default:
		return -ENOTTY;
	}
}

/*
 * Last reference to the open file: no fd or mapping reaches it any more.
 * Consumers are told and detached, then the backing goes; the
 * tdxgmem_file itself stays while detached bindings point at it.
 */
static int tdxgmem_file_release(struct inode *inode, struct file *file)
{
	struct tdxgmem_file *f = file->private_data;

	/* No new netlink reader; those holding a reference see ->released. */
	tdxgmem_files_del(f);
	/* Direct map back before consumers unmap and the pages are freed. */
	filemap_invalidate_lock(inode->i_mapping);
	f->released = true;
	tdxgmem_store_dm(f, 0, f->nr_pages, true);
	tdxgmem_bindings_release(f);
	tdxgmem_store_tdx_reset(f, 0, f->nr_pages);
	filemap_invalidate_unlock(inode->i_mapping);
	tdxgmem_store_destroy(f);
	if (f->id)
		tdxgmem_event_file(f, false);
	mem_cgroup_put(f->memcg);
	put_pid(f->pid);
	atomic64_dec(&tdxgmem_stats.files);
	tdxgmem_file_put(f);
	return 0;
}

/* The id netlink and the tracepoints know the file by. */
static void tdxgmem_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct tdxgmem_file *f = file->private_data;

	seq_printf(m, "tdxgmem_id:\t%llu\n", f->id);
}

/*
 * Size, mode, owner and times are not the caller's to set: the size is
 * fixed for life. -EINVAL, as guest_memfd answers (6.12's anon inodes
 * would truncate, 7.x's answer -EOPNOTSUPP).
 */
static int tdxgmem_setattr(struct mnt_idmap *idmap, struct dentry *dentry,
			   struct iattr *attr)
{
	return -EINVAL;
}

/* A regular file to stat(2), as guest_memfd (7.x's anon inodes hide it). */
static int tdxgmem_getattr(struct mnt_idmap *idmap, const struct path *path,
			   struct kstat *stat, u32 request_mask,
			   unsigned int query_flags)
{
	generic_fillattr(&nop_mnt_idmap, request_mask, d_inode(path->dentry),
			 stat);
	return 0;
}

const struct inode_operations tdxgmem_file_iops = {
	.setattr	= tdxgmem_setattr,
	.getattr	= tdxgmem_getattr,
};

/* No read/write/llseek: read(2), write(2), pread(2) and pwrite(2) fail. */
const struct file_operations tdxgmem_file_fops = {
	.owner		= THIS_MODULE,
	.release	= tdxgmem_file_release,
	.fallocate	= tdxgmem_fallocate,
	.mmap		= tdxgmem_mmap,
	.unlocked_ioctl	= tdxgmem_file_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.show_fdinfo	= tdxgmem_show_fdinfo,
};
