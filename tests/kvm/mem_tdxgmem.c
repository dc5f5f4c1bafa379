// SPDX-License-Identifier: GPL-2.0
/*
 * The "tdxgmem" backend, for the patched KVM of patches/kvm/: one tdxgmem
 * file (TDXGMEM_F_MMAP, 2 MiB chunks) is the memslot's guest_memfd, and
 * its MAP_SHARED mapping the memslot's userspace_addr. KVM takes private
 * and shared pages alike from the file: a shared page the guest sees is
 * the page the VMM reads and writes here, never a second copy.
 *
 * tdxgmem owns what the memory is (TDXGMEM_SET_ATTRIBUTES converts it in
 * place, zeroing); KVM_SET_MEMORY_ATTRIBUTES keeps saying what a
 * software-protected guest's accesses are (docs/kvm.md). A conversion
 * does both, memory first. vmm_tdxgmem_set_memory() converts the memory
 * alone, for VMMs that convert lazily, on the memory-fault exit.
 *
 * The mapping is aligned to the chunk size (2 MiB, or 1 GiB for a region
 * of vmm_mem_new_huge(..., 30)): KVM maps a huge page only where
 * userspace_addr is congruent with the gpa modulo its size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "linux/tdxgmem.h"
#include "mem.h"

#define HUGE_LOG2	21

/* The PROT_NONE reservation the file's mapping sits in, chunk aligned. */
struct tdxgmem_backend {
	void *reserve;
	size_t reserve_len;
};

static int tdxgmem_new_file(struct vmm_mem *m)
{
	struct tdxgmem_create c = {
		.size = m->size, .flags = TDXGMEM_F_MMAP,
		.huge_page_size_log2 = m->page_log2 ?: HUGE_LOG2, .numa_node = -1,
	};
	int dev = open(TDXGMEM_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (dev < 0)
		return vmm_fail(m->vm, errno, "open %s: %s", TDXGMEM_DEVICE_PATH,
				strerror(errno));
	m->fd = ioctl(dev, TDXGMEM_CREATE, &c);
	close(dev);
	if (m->fd < 0)
		return vmm_fail(m->vm, errno, "TDXGMEM_CREATE %#llx bytes, chunks of 2^%u: %s",
				(unsigned long long)m->size, c.huge_page_size_log2,
				strerror(errno));
	return 0;
}

static int tdxgmem_create(struct vmm_mem *m)
{
	struct tdxgmem_backend *b = calloc(1, sizeof(*b));
	unsigned int log2 = m->page_log2 > HUGE_LOG2 ? m->page_log2 : HUGE_LOG2;
	uintptr_t at, align = (uintptr_t)1 << log2;
	int r;

	if (!b)
		return vmm_fail(m->vm, ENOMEM, "out of memory");
	r = tdxgmem_new_file(m);
	if (r) {
		free(b);
		return r;
	}
	b->reserve_len = m->size + align;
	b->reserve = mmap(NULL, b->reserve_len, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (b->reserve == MAP_FAILED)
		goto fail;
	at = ((uintptr_t)b->reserve + align - 1) & ~(align - 1);
	m->shared = mmap((void *)at, m->size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, m->fd, 0);
	if (m->shared == MAP_FAILED) {
		r = errno;
		munmap(b->reserve, b->reserve_len);
		errno = r;
		goto fail;
	}
	m->priv = b;
	return 0;
fail:
	r = errno;
	m->shared = NULL;
	close(m->fd);
	m->fd = -1;
	free(b);
	return vmm_fail(m->vm, r, "mmap of the tdxgmem file: %s", strerror(r));
}

/* Every page starts private: the file has no TDXGMEM_F_INIT_SHARED. */
static int tdxgmem_add_memslot(struct vmm_mem *m, const struct vmm_mem_slot *s)
{
	int r = vmm_set_memslot(m->vm, s->slot, s->gpa, s->size,
				(char *)m->shared + s->offset, m->fd, s->offset);

	return r ? r : vmm_set_attributes(m->vm, s->gpa, s->size, true);
}

static void *tdxgmem_shared_ptr(struct vmm_mem *m, uint64_t offset)
{
	return (char *)m->shared + offset;
}

int vmm_tdxgmem_set_memory(struct vmm_mem *m, uint64_t offset, uint64_t size,
			   bool private)
{
	struct tdxgmem_attributes a = {
		.offset = offset, .size = size,
		.attributes = private ? TDXGMEM_ATTR_PRIVATE : 0,
		.flags = TDXGMEM_CONVERT_ZERO,
	};

	if (m->ops != &vmm_mem_tdxgmem)
		return vmm_fail(m->vm, EINVAL, "%s is not a tdxgmem region",
				m->ops->name);
	if (ioctl(m->fd, TDXGMEM_SET_ATTRIBUTES, &a))
		return vmm_fail(m->vm, errno,
				"TDXGMEM_SET_ATTRIBUTES [%#llx, +%#llx) to %s: %s (error_offset %#llx)",
				(unsigned long long)offset, (unsigned long long)size,
				private ? "private" : "shared", strerror(errno),
				(unsigned long long)a.error_offset);
	return 0;
}

static int tdxgmem_to_private(struct vmm_mem *m, uint64_t gpa, uint64_t offset,
			      uint64_t size)
{
	int r = vmm_tdxgmem_set_memory(m, offset, size, true);

	return r ? r : vmm_set_attributes(m->vm, gpa, size, true);
}

static int tdxgmem_to_shared(struct vmm_mem *m, uint64_t gpa, uint64_t offset,
			     uint64_t size)
{
	int r = vmm_tdxgmem_set_memory(m, offset, size, false);

	return r ? r : vmm_set_attributes(m->vm, gpa, size, false);
}

static int tdxgmem_punch(struct vmm_mem *m, uint64_t offset, uint64_t size)
{
	if (fallocate(m->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, size))
		return vmm_fail(m->vm, errno, "tdxgmem punch [%#llx, +%#llx): %s",
				(unsigned long long)offset, (unsigned long long)size,
				strerror(errno));
	return 0;
}

static void tdxgmem_close(struct vmm_mem *m)
{
	struct tdxgmem_backend *b = m->priv;

	if (b) {
		munmap(b->reserve, b->reserve_len);
		free(b);
	}
	if (m->fd >= 0)
		close(m->fd);
	m->priv = NULL;
	m->shared = NULL;
	m->fd = -1;
}

const struct vmm_mem_ops vmm_mem_tdxgmem = {
	.name = "tdxgmem",
	.create = tdxgmem_create,
	.add_memslot = tdxgmem_add_memslot,
	.shared_ptr = tdxgmem_shared_ptr,
	.to_private = tdxgmem_to_private,
	.to_shared = tdxgmem_to_shared,
	.punch = tdxgmem_punch,
	.close = tdxgmem_close,
};
