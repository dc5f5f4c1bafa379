// SPDX-License-Identifier: GPL-2.0
/*
 * The "gmem" backend: upstream guest_memfd (flags 0) holds the private
 * pages, separate anonymous memory at userspace_addr the shared ones, and
 * KVM_SET_MEMORY_ATTRIBUTES says which view the guest gets. Conversions
 * discard the view being left, as QEMU does (KVM itself keeps both views'
 * contents across an attribute change): to_shared punches the guest_memfd
 * range, to_private drops the anonymous pages (MADV_DONTNEED).
 *
 * The shared view is kept off THP: a software-protected VM has one NPT for
 * both kinds, so when a write replaces a huge zero page (or collapses a
 * THP) in the shared view, the MMU notifier zaps the whole 2 MiB GPA
 * range, private mappings included, and mapping counts would depend on the
 * host's THP setting.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem.h"

static int gmem_create(struct vmm_mem *m)
{
	struct kvm_create_guest_memfd g = { .size = m->size, .flags = 0 };
	struct vmm *vm = m->vm;

	m->fd = ioctl(vm->vm_fd, KVM_CREATE_GUEST_MEMFD, &g);
	if (m->fd < 0)
		return vmm_fail(vm, errno, "KVM_CREATE_GUEST_MEMFD %#llx bytes: %s",
				(unsigned long long)m->size, strerror(errno));
	m->shared = mmap(NULL, m->size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->shared == MAP_FAILED) {
		m->shared = NULL;
		close(m->fd);
		return vmm_fail(vm, errno, "mmap %#llx bytes: %s",
				(unsigned long long)m->size, strerror(errno));
	}
	madvise(m->shared, m->size, MADV_NOHUGEPAGE);
	return 0;
}

static int gmem_add_memslot(struct vmm_mem *m, const struct vmm_mem_slot *s)
{
	int r = vmm_set_memslot(m->vm, s->slot, s->gpa, s->size,
				(char *)m->shared + s->offset, m->fd, s->offset);

	return r ? r : vmm_set_attributes(m->vm, s->gpa, s->size, true);
}

static void *gmem_shared_ptr(struct vmm_mem *m, uint64_t offset)
{
	return (char *)m->shared + offset;
}

static int discard_shared(struct vmm_mem *m, uint64_t offset, uint64_t size)
{
	if (madvise((char *)m->shared + offset, size, MADV_DONTNEED))
		return vmm_fail(m->vm, errno, "madvise(DONTNEED) [%#llx, +%#llx): %s",
				(unsigned long long)offset, (unsigned long long)size,
				strerror(errno));
	return 0;
}

static int discard_private(struct vmm_mem *m, uint64_t offset, uint64_t size)
{
	if (fallocate(m->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, size))
		return vmm_fail(m->vm, errno, "guest_memfd punch [%#llx, +%#llx): %s",
				(unsigned long long)offset, (unsigned long long)size,
				strerror(errno));
	return 0;
}

static int gmem_to_private(struct vmm_mem *m, uint64_t gpa, uint64_t offset,
			   uint64_t size)
{
	int r = vmm_set_attributes(m->vm, gpa, size, true);

	return r ? r : discard_shared(m, offset, size);
}

static int gmem_to_shared(struct vmm_mem *m, uint64_t gpa, uint64_t offset,
			  uint64_t size)
{
	int r = vmm_set_attributes(m->vm, gpa, size, false);

	return r ? r : discard_private(m, offset, size);
}

static int gmem_punch(struct vmm_mem *m, uint64_t offset, uint64_t size)
{
	int r = discard_private(m, offset, size);

	return r ? r : discard_shared(m, offset, size);
}

static void gmem_close(struct vmm_mem *m)
{
	if (m->fd >= 0)
		close(m->fd);
	if (m->shared)
		munmap(m->shared, m->size);
	m->fd = -1;
	m->shared = NULL;
}

const struct vmm_mem_ops vmm_mem_gmem = {
	.name = "gmem",
	.create = gmem_create,
	.add_memslot = gmem_add_memslot,
	.shared_ptr = gmem_shared_ptr,
	.to_private = gmem_to_private,
	.to_shared = gmem_to_shared,
	.punch = gmem_punch,
	.close = gmem_close,
};
