// SPDX-License-Identifier: GPL-2.0
/*
 * TDXGMEM_CREATE: validate the request and make a tdxgmem file.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/memcontrol.h>
#include <linux/nodemask.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "giga.h"
#include "store.h"
#include "tdxgmem_internal.h"

#ifndef HAVE_ANON_INODE_CREATE_GETFILE
#error "tdxgmem needs anon_inode_create_getfile() (Linux 6.6 or later)"
#endif

/**
 * tdxgmem_supported_flags() - TDXGMEM_F_* bits TDXGMEM_CREATE accepts.
 *
 * Return: the flags; NO_DIRECT_MAP only when a direct-map backend exists.
 */
u64 tdxgmem_supported_flags(void)
{
	u64 flags = TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED;

	if (tdxgmem_directmap_mode() != TDXGMEM_DIRECTMAP_NONE)
		flags |= TDXGMEM_F_NO_DIRECT_MAP;
	return flags;
}

static int tdxgmem_create_check(const struct tdxgmem_create *req)
{
	if (memchr_inv(req->pad, 0, sizeof(req->pad)) ||
	    memchr_inv(req->reserved, 0, sizeof(req->reserved)))
		return -EINVAL;
	if (tdxgmem_check_size(req->size,
			       tdxgmem_size_limit(READ_ONCE(tdxgmem_max_file_size))))
		return -EINVAL;
	if (req->flags & ~TDXGMEM_F_ALL)
		return -EINVAL;
	/* As upstream guest_memfd: shared-at-birth only makes sense mapped. */
	if ((req->flags & TDXGMEM_F_INIT_SHARED) &&
	    !(req->flags & TDXGMEM_F_MMAP))
		return -EINVAL;
	switch (req->huge_page_size_log2) {
	case 0:
	case PAGE_SHIFT:
	case PMD_SHIFT:
	case TDXGMEM_GIGA_SHIFT:
		break;
	default:
		return -EINVAL;
	}
	if (req->numa_node != NUMA_NO_NODE &&
	    (req->numa_node < 0 || req->numa_node >= MAX_NUMNODES ||
	     !node_online(req->numa_node)))
		return -EINVAL;
	/* Known, valid, but not possible on this kernel. */
	if (req->flags & ~tdxgmem_supported_flags())
		return -EOPNOTSUPP;
	if (req->huge_page_size_log2 == TDXGMEM_GIGA_SHIFT &&
	    !tdxgmem_giga_supported())
		return -EOPNOTSUPP;
	return 0;
}

static struct file *tdxgmem_file_create(const struct tdxgmem_create *req)
{
	struct tdxgmem_file *f;
	struct inode *inode;
	struct file *file;

	f = kzalloc_obj(*f, GFP_KERNEL_ACCOUNT);
	if (!f)
		return ERR_PTR(-ENOMEM);
	f->size = req->size;
	f->nr_pages = req->size >> PAGE_SHIFT;
	f->flags = req->flags;
	f->huge = req->huge_page_size_log2 != PAGE_SHIFT;
	f->giga = req->huge_page_size_log2 == TDXGMEM_GIGA_SHIFT;
	f->init_private = !(req->flags & TDXGMEM_F_INIT_SHARED);
	f->nid = req->numa_node;
	tdxgmem_store_init(f);
	INIT_LIST_HEAD(&f->bindings);
	kref_init(&f->ref);

	/* Own inode and address_space per file, LSM-initialised. */
	file = anon_inode_create_getfile("[tdxgmem]", &tdxgmem_file_fops, f,
					 O_RDWR, NULL);
	if (IS_ERR(file)) {
		kfree(f);
		return file;
	}
	inode = file_inode(file);
	/* f outlives the file while detached bindings use its lock. */
	ihold(inode);
	f->inode = inode;

	/* vfs_fallocate() only serves regular files and block devices. */
	inode->i_mode |= S_IFREG;
	inode->i_op = &tdxgmem_file_iops;
	inode->i_blkbits = PAGE_SHIFT;
	i_size_write(inode, req->size);
	/* Pages are never in the page cache; say so anyway for the mm. */
	mapping_set_gfp_mask(inode->i_mapping, GFP_HIGHUSER);
	mapping_set_unevictable(inode->i_mapping);
#ifdef HAVE_MAPPING_SET_INACCESSIBLE
	mapping_set_inaccessible(inode->i_mapping);
#endif
	file->f_flags |= O_LARGEFILE;
	/* Let pread/pwrite reach vfs_read/vfs_write and fail with -EINVAL. */
	file->f_mode |= FMODE_PREAD | FMODE_PWRITE;

	/*
	 * Charge every later allocation to the creator's memcg, whoever
	 * faults or fallocates (set_active_memcg() + __GFP_ACCOUNT).
	 */
	f->memcg = get_mem_cgroup_from_mm(current->mm);
	return file;
}

/**
 * tdxgmem_create_ioctl() - TDXGMEM_CREATE on /dev/tdxgmem.
 * @argp: user pointer to struct tdxgmem_create.
 *
 * Return: a new fd (O_RDWR | O_CLOEXEC), or -EFAULT, -EINVAL, -EOPNOTSUPP,
 * -EMFILE, -ENFILE, -ENOMEM.
 */
long tdxgmem_create_ioctl(void __user *argp)
{
	struct tdxgmem_create req;
	struct file *file;
	int fd, ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	ret = tdxgmem_create_check(&req);
	if (ret)
		return ret;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	file = tdxgmem_file_create(&req);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	atomic64_inc(&tdxgmem_stats.files);
	/* Visible to netlink once complete; release undoes all of it. */
	ret = tdxgmem_files_add(file->private_data);
	if (ret) {
		put_unused_fd(fd);
		fput(file);
		return ret;
	}
	tdxgmem_event_file(file->private_data, true);
	fd_install(fd, file);
	return fd;
}
