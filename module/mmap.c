// SPDX-License-Identifier: GPL-2.0
/*
 * mmap() of tdxgmem files: shared pages only, mapped by the fault with
 * vm_insert_page(): ordinary refcounted struct-page PTEs, so GUP,
 * read(2)/write(2) into the buffer, O_DIRECT and vmsplice work as on any
 * shared file mapping.
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
	vm_fault_t ret;
	int err;

	if (vmf->pgoff >= f->nr_pages)
		return VM_FAULT_SIGBUS;

	/*
	 * The PTE goes in under the invalidate lock: a punch or a conversion
	 * (which hold it for write) either runs first or finds the PTE and
	 * zaps it. Handing the page to the core instead (vmf->page) would
	 * also let the core's hwpoison path take it for a page-cache page.
	 */
	filemap_invalidate_lock_shared(mapping);
	page = tdxgmem_store_get_shared(f, vmf->pgoff);
	if (IS_ERR(page)) {
		/*
		 * Private page: SIGBUS, as upstream gmem. -ENOMEM: SIGBUS
		 * too, as hugetlbfs does; VM_FAULT_OOM would only make the
		 * fault retry forever or wake the OOM killer.
		 */
		ret = PTR_ERR(page) == -EHWPOISON ? VM_FAULT_HWPOISON :
						    VM_FAULT_SIGBUS;
		goto out;
	}
	/* -EBUSY: another thread's fault mapped it first. */
	err = vm_insert_page(vmf->vma, vmf->address, page);
	put_page(page);
	ret = (!err || err == -EBUSY) ? VM_FAULT_NOPAGE : vmf_error(err);
out:
	filemap_invalidate_unlock_shared(mapping);
	return ret;
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

	/* Ordinary struct-page PTEs (GUP works), inserted by the fault. */
	vm_flags_set(vma, VM_DONTEXPAND | VM_MIXEDMAP);
	vma->vm_ops = &tdxgmem_vm_ops;
	return 0;
}
