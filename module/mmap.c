// SPDX-License-Identifier: GPL-2.0
/*
 * mmap() of tdxgmem files: shared pages only, through the ordinary
 * page-backed fault path (vmf->page), so GUP, read(2)/write(2) into the
 * buffer, O_DIRECT and vmsplice work as on any shared file mapping.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>

#include "store.h"
#include "tdxgmem_internal.h"

static vm_fault_t tdxgmem_fault(struct vm_fault *vmf)
{
	struct file *file = vmf->vma->vm_file;
	struct tdxgmem_file *f = file->private_data;
	struct address_space *mapping = file->f_mapping;
	struct page *page;

	if (vmf->pgoff >= f->nr_pages)
		return VM_FAULT_SIGBUS;

	/* Shared: a punch (exclusive) cannot free the page under us. */
	filemap_invalidate_lock_shared(mapping);
	page = tdxgmem_store_get_shared(f, vmf->pgoff);
	if (IS_ERR(page)) {
		filemap_invalidate_unlock_shared(mapping);
		/*
		 * Private page: SIGBUS, as upstream gmem. -ENOMEM: SIGBUS
		 * too, as hugetlbfs does; VM_FAULT_OOM would only make the
		 * fault retry forever or wake the OOM killer.
		 */
		return VM_FAULT_SIGBUS;
	}
	/*
	 * Locked until the core has installed the PTE: tdxgmem_invalidate()
	 * waits for that before it zaps, so no PTE outlives a punch.
	 */
	lock_page(page);
	filemap_invalidate_unlock_shared(mapping);

	vmf->page = page;
	return VM_FAULT_LOCKED;
}

static const struct vm_operations_struct tdxgmem_vm_ops = {
	.fault	= tdxgmem_fault,
};

/**
 * tdxgmem_mmap() - mmap a tdxgmem file.
 * @file: the file.
 * @vma:  the new mapping.
 *
 * Return: 0; -ENODEV without TDXGMEM_F_MMAP; -EINVAL unless MAP_SHARED.
 */
int tdxgmem_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct tdxgmem_file *f = file->private_data;

	if (!(f->flags & TDXGMEM_F_MMAP))
		return -ENODEV;
	if ((vma->vm_flags & (VM_SHARED | VM_MAYSHARE)) !=
	    (VM_SHARED | VM_MAYSHARE))
		return -EINVAL;

	vm_flags_set(vma, VM_DONTEXPAND);
	vma->vm_ops = &tdxgmem_vm_ops;
	return 0;
}
