// SPDX-License-Identifier: GPL-2.0
/*
 * mmap() of tdxgmem files: shared pages only. The fault inserts the PTE
 * itself, under the file's invalidate lock, so a punch or a conversion
 * (which hold it for write) either runs first or finds the PTE and zaps
 * it. The PTE is an ordinary refcounted struct-page PTE: GUP,
 * read(2)/write(2) into the buffer, O_DIRECT and vmsplice work as on any
 * shared file mapping.
 *
 * Where the kernel exports vmf_insert_page_mkwrite() (6.15+), the VMA is
 * an ordinary shared file mapping, as guest_memfd's: mlock() and
 * MAP_LOCKED lock it, mremap() grows it, MADV_DODUMP and MADV_GUARD_*
 * work. Older kernels (6.12) only offer vm_insert_page(), which maps into
 * VM_MIXEDMAP VMAs alone, and the kernel treats those as special: mlock()
 * and MAP_LOCKED do not lock them (and populate them whole, even with
 * MLOCK_ONFAULT), MADV_DODUMP is refused. Handing the page to the core
 * instead (vmf->page) would not do: without VM_FAULT_LOCKED a punch can
 * run between the look-up and the PTE, which then maps a page the file
 * no longer holds; with it, the core's hwpoison path takes the page for
 * page cache and dereferences its NULL folio->mapping.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>

#include "store.h"
#include "tdxgmem_internal.h"

/* Map @page at the fault's address; an existing PTE (a racing thread) is fine. */
static vm_fault_t tdxgmem_insert(struct vm_fault *vmf, struct page *page)
{
#ifdef HAVE_VMF_INSERT_PAGE_MKWRITE
	return vmf_insert_page_mkwrite(vmf, page, false);
#else
	int err = vm_insert_page(vmf->vma, vmf->address, page);

	return (!err || err == -EBUSY) ? VM_FAULT_NOPAGE : vmf_error(err);
#endif
}

static vm_fault_t tdxgmem_fault(struct vm_fault *vmf)
{
	struct file *file = vmf->vma->vm_file;
	struct tdxgmem_file *f = file->private_data;
	struct address_space *mapping = file->f_mapping;
	struct page *page;
	vm_fault_t ret;

	if (vmf->pgoff >= f->nr_pages)
		return VM_FAULT_SIGBUS;

	/*
	 * The PTE goes in under the invalidate lock: a punch or a conversion
	 * either runs first or finds the PTE and zaps it.
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
		filemap_invalidate_unlock_shared(mapping);
		return ret;
	}
	ret = tdxgmem_insert(vmf, page);
	put_page(page);
	filemap_invalidate_unlock_shared(mapping);
	/* A write fault on a shared file mapping tells mtime, as for gmem. */
	if (ret == VM_FAULT_NOPAGE && (vmf->flags & FAULT_FLAG_WRITE))
		file_update_time(file);
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
#ifndef HAVE_VMF_INSERT_PAGE_MKWRITE
	/* vm_insert_page() maps into VM_MIXEDMAP VMAs only. */
	vm_flags_set(vma, VM_MIXEDMAP);
#endif
	vma->vm_ops = &tdxgmem_vm_ops;
	return 0;
}
