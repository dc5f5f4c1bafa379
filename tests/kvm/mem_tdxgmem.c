// SPDX-License-Identifier: GPL-2.0
/*
 * The "tdxgmem" backend, for the patched KVM of patches/kvm/: one tdxgmem
 * file (TDXGMEM_F_MMAP, huge_page_size_log2 21) is both the memslot's
 * guest_memfd fd and, mmap()ed MAP_SHARED, its userspace_addr, so shared
 * pages are the same memory as private ones (no second copy).
 *
 * TODO(issue 10, lead): implement with the patched KVM:
 *   create       newfile(size, TDXGMEM_F_MMAP, 21) (tests/selftests/helpers.h),
 *                m->fd = it, m->shared = mmap(MAP_SHARED) of it
 *   add_memslot  vmm_set_memslot(vm, s->slot, s->gpa, s->size,
 *                m->shared + s->offset, m->fd, s->offset); pages start private
 *   shared_ptr   m->shared + offset
 *   to_private / to_shared
 *                KVM_SET_MEMORY_ATTRIBUTES (vmm_set_attributes: what the
 *                guest of a SW_PROTECTED VM will access, docs/kvm.md) and
 *                TDXGMEM_SET_ATTRIBUTES {offset, size, TDXGMEM_ATTR_PRIVATE
 *                or 0, TDXGMEM_CONVERT_ZERO} (what the memory is; mem.h's
 *                contract: the range reads zero after a conversion)
 *   punch        fallocate(PUNCH_HOLE | KEEP_SIZE)
 *   close        munmap, close
 * Until then every test and benchmark reports this backend as skipped.
 */
#include <errno.h>

#include "mem.h"

static int tdxgmem_create(struct vmm_mem *m)
{
	return vmm_fail(m->vm, EOPNOTSUPP, "the tdxgmem backend is not written yet");
}

const struct vmm_mem_ops vmm_mem_tdxgmem = {
	.name = "tdxgmem",
	.create = tdxgmem_create,
};
