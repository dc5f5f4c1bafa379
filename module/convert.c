// SPDX-License-Identifier: GPL-2.0
/*
 * TDXGMEM_SET_ATTRIBUTES: in-place shared <-> private conversion.
 *
 * Everything happens under the file's invalidate lock held for write, so
 * no fault (userspace or consumer) can run concurrently; a consumer fault
 * that raced ahead retries through its invalidation sequence.
 *
 * To shared: check (quarantined pages refuse) -> consumers split around
 * the range (may fail: nothing changed) -> consumers and userspace unmap ->
 * zero unless PRESERVE -> mark shared.
 * To private: userspace and consumers unmap the range's shared mappings
 * (TDXGMEM_INVAL_TO_PRIVATE; consumers keep their private mappings, and
 * have no huge shared ones to split) -> a page a consumer failed to unmap
 * refuses (-EIO), a page still referenced elsewhere (a pin, I/O in
 * flight) fails the call with -EAGAIN -> zero unless PRESERVE -> mark
 * private.
 * All or nothing: every check precedes the first change of state.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/uaccess.h>

#include "store.h"
#include "tdxgmem_internal.h"
#include "tdxgmem_trace.h"

static int tdxgmem_to_shared(struct tdxgmem_file *f, pgoff_t start,
			     pgoff_t end, bool zero, pgoff_t *bad)
{
	unsigned long nr;
	int ret;

	ret = tdxgmem_store_convert_prepare(f, start, end, false, false, bad, &nr);
	if (ret || !nr)
		return ret;
	ret = tdxgmem_invalidate(f, start, end, TDXGMEM_INVAL_TO_SHARED);
	if (ret)
		return ret;
	/*
	 * A consumer that failed to unmap got pages quarantined: refuse, and
	 * take the rest back out of the direct map (they stay private).
	 */
	ret = tdxgmem_store_convert_prepare(f, start, end, false, false, bad, &nr);
	if (ret) {
		tdxgmem_store_dm(f, start, end, false);
		return ret;
	}
	return tdxgmem_store_convert_commit(f, start, end, false, zero, bad);
}

static int tdxgmem_to_private(struct tdxgmem_file *f, pgoff_t start,
			      pgoff_t end, bool zero, pgoff_t *bad)
{
	unsigned long nr;
	int ret;

	ret = tdxgmem_store_convert_prepare(f, start, end, true, false, bad, &nr);
	if (ret || !nr)
		return ret;
	tdxgmem_invalidate(f, start, end, TDXGMEM_INVAL_TO_PRIVATE);
	ret = tdxgmem_store_convert_prepare(f, start, end, true, true, bad, &nr);
	if (ret)
		return ret;
	return tdxgmem_store_convert_commit(f, start, end, true, zero, bad);
}

/**
 * tdxgmem_convert_ioctl() - TDXGMEM_SET_ATTRIBUTES.
 * @f:    the file.
 * @argp: struct tdxgmem_attributes in userspace.
 *
 * Return: 0; -EFAULT; -EINVAL bad request or range; -EAGAIN a page is
 * referenced elsewhere (error_offset says which); -EIO a page is
 * quarantined (error_offset says which); -ENOMEM (also: the kernel could
 * not take a NO_DIRECT_MAP file's pages out of the direct map); -EINTR
 * the caller was killed before anything changed.
 */
long tdxgmem_convert_ioctl(struct tdxgmem_file *f, void __user *argp)
{
	struct address_space *mapping = f->inode->i_mapping;
	struct tdxgmem_attributes a;
	pgoff_t bad = 0;
	u64 start, end;
	bool private;
	int ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	ret = tdxgmem_attr_check(a.attributes, a.flags, a.reserved,
				 ARRAY_SIZE(a.reserved));
	if (ret)
		return ret;
	ret = tdxgmem_range_alloc(a.offset, a.size, f->size, &start, &end);
	if (ret)
		return ret;
	private = a.attributes & TDXGMEM_ATTR_PRIVATE;

	filemap_invalidate_lock(mapping);
	if (private)
		ret = tdxgmem_to_private(f, start, end,
					 !(a.flags & TDXGMEM_CONVERT_PRESERVE), &bad);
	else
		ret = tdxgmem_to_shared(f, start, end,
					!(a.flags & TDXGMEM_CONVERT_PRESERVE), &bad);
	if (ret)
		tdxgmem_store_convert_abort(f, start, end);
	filemap_invalidate_unlock(mapping);
	trace_tdxgmem_convert(f->id, start, end - start, private,
			      a.flags & TDXGMEM_CONVERT_PRESERVE, ret,
			      ret ? bad : 0);

	if (ret == -EAGAIN || ret == -EIO) {
		a.error_offset = (u64)bad << PAGE_SHIFT;
		if (copy_to_user(argp, &a, sizeof(a)))
			return -EFAULT;
	}
	return ret;
}
