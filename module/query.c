// SPDX-License-Identifier: GPL-2.0
/*
 * TDXGMEM_QUERY: describe a range of a file as runs of equal state.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "store.h"
#include "tdxgmem_internal.h"

/* Extents filled per call at most; next_offset says where to go on. */
#define TDXGMEM_QUERY_MAX_EXTENTS	1024

/**
 * tdxgmem_query_ioctl() - TDXGMEM_QUERY on a tdxgmem file.
 * @f:    the file.
 * @argp: user pointer to struct tdxgmem_query.
 *
 * The state is snapshotted into a kernel buffer under the locks and copied
 * out after dropping them: the extents may live in a mapping of this very
 * file, whose fault path takes the same locks.
 *
 * Return: 0, -EFAULT, -EINVAL or -ENOMEM.
 */
long tdxgmem_query_ioctl(struct tdxgmem_file *f, void __user *argp)
{
	struct address_space *mapping = f->inode->i_mapping;
	struct tdxgmem_query q;
	struct tdxgmem_extent_buf eb = {};
	u64 start, end, next;
	long ret;

	if (copy_from_user(&q, argp, sizeof(q)))
		return -EFAULT;
	if (q.flags || memchr_inv(q.reserved, 0, sizeof(q.reserved)) ||
	    !q.nr_extents)
		return -EINVAL;
	ret = tdxgmem_range_query(q.offset, q.size, f->size, &start, &end);
	if (ret)
		return ret;

	eb.cap = min_t(u32, q.nr_extents, TDXGMEM_QUERY_MAX_EXTENTS);
	eb.ext = kvcalloc(eb.cap, sizeof(*eb.ext), GFP_KERNEL_ACCOUNT);
	if (!eb.ext)
		return -ENOMEM;

	filemap_invalidate_lock_shared(mapping);
	next = tdxgmem_store_describe(f, start, end, &eb);
	filemap_invalidate_unlock_shared(mapping);

	q.nr_extents = eb.nr;
	q.next_offset = next << PAGE_SHIFT;
	ret = 0;
	if (copy_to_user(u64_to_user_ptr(q.extents), eb.ext,
			 eb.nr * sizeof(*eb.ext)) ||
	    copy_to_user(argp, &q, sizeof(q)))
		ret = -EFAULT;
	kvfree(eb.ext);
	return ret;
}
