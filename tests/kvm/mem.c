// SPDX-License-Identifier: GPL-2.0
/*
 * Regions of guest memory and their backends: bookkeeping shared by all
 * backends (which memslot holds a GPA, argument checks).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

static const struct vmm_mem_ops *const backends[] = {
	&vmm_mem_gmem,
	&vmm_mem_tdxgmem,
};

const struct vmm_mem_ops *vmm_mem_backend(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (!strcmp(backends[i]->name, name))
			return backends[i];
	return NULL;
}

const char *vmm_mem_backends(void)
{
	return "gmem, tdxgmem";
}

static bool page_aligned(uint64_t v)
{
	return !(v & 4095);
}

struct vmm_mem *vmm_mem_new(struct vmm *vm, const struct vmm_mem_ops *ops,
			    uint64_t size)
{
	return vmm_mem_new_huge(vm, ops, size, 0);
}

struct vmm_mem *vmm_mem_new_huge(struct vmm *vm, const struct vmm_mem_ops *ops,
				 uint64_t size, unsigned int page_log2)
{
	struct vmm_mem *m;
	int i, r;

	for (i = 0; i < VMM_MAX_MEM && vm->mem[i]; i++)
		;
	if (i == VMM_MAX_MEM) {
		vmm_fail(vm, ENOSPC, "more than %d memory regions", VMM_MAX_MEM);
		return NULL;
	}
	if (!size || !page_aligned(size)) {
		vmm_fail(vm, EINVAL, "%s: bad region size %#llx", ops->name,
			 (unsigned long long)size);
		return NULL;
	}
	if (page_log2 && ops != &vmm_mem_tdxgmem) {
		vmm_fail(vm, EINVAL, "%s: no choice of chunk size", ops->name);
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		vmm_fail(vm, ENOMEM, "out of memory");
		return NULL;
	}
	m->ops = ops;
	m->vm = vm;
	m->size = size;
	m->fd = -1;
	m->page_log2 = page_log2;
	r = ops->create(m);
	if (r) {
		free(m);
		return NULL;
	}
	vm->mem[i] = m;
	return m;
}

int vmm_mem_map(struct vmm_mem *m, uint64_t gpa, uint64_t offset, uint64_t size)
{
	struct vmm *vm = m->vm;
	struct vmm_mem_slot s = {
		.slot = vm->next_slot, .gpa = gpa, .offset = offset, .size = size,
	};
	int r;

	if (m->nr_slots == VMM_MEM_MAX_SLOTS)
		return vmm_fail(vm, ENOSPC, "%s: more than %d memslots", m->ops->name,
				VMM_MEM_MAX_SLOTS);
	if (!size || !page_aligned(gpa | offset | size) || offset > m->size ||
	    size > m->size - offset)
		return vmm_fail(vm, EINVAL, "%s: cannot map [%#llx, +%#llx) of %#llx bytes at gpa %#llx",
				m->ops->name, (unsigned long long)offset,
				(unsigned long long)size, (unsigned long long)m->size,
				(unsigned long long)gpa);
	r = m->ops->add_memslot(m, &s);
	if (r)
		return r;
	vm->next_slot++;
	m->slots[m->nr_slots++] = s;
	return 0;
}

/* The region and memslot holding [gpa, gpa + size); NULL if none holds it all. */
static struct vmm_mem *find(struct vmm *vm, uint64_t gpa, uint64_t size,
			    const struct vmm_mem_slot **slot)
{
	int i, j;

	for (i = 0; i < VMM_MAX_MEM; i++) {
		struct vmm_mem *m = vm->mem[i];

		for (j = 0; m && j < m->nr_slots; j++) {
			const struct vmm_mem_slot *s = &m->slots[j];

			if (gpa >= s->gpa && gpa - s->gpa < s->size &&
			    size <= s->size - (gpa - s->gpa)) {
				*slot = s;
				return m;
			}
		}
	}
	return NULL;
}

struct vmm_mem *vmm_mem_find(struct vmm *vm, uint64_t gpa, uint64_t *offset)
{
	const struct vmm_mem_slot *s;
	struct vmm_mem *m = find(vm, gpa, 1, &s);

	if (m && offset)
		*offset = s->offset + (gpa - s->gpa);
	return m;
}

void *vmm_mem_hva(struct vmm *vm, uint64_t gpa)
{
	uint64_t off;
	struct vmm_mem *m = vmm_mem_find(vm, gpa, &off);

	return m ? m->ops->shared_ptr(m, off) : NULL;
}

int vmm_mem_convert(struct vmm *vm, uint64_t gpa, uint64_t size, bool private)
{
	const struct vmm_mem_slot *s;
	struct vmm_mem *m;
	uint64_t off;

	if (!size || !page_aligned(gpa | size))
		return vmm_fail(vm, EINVAL, "conversion of unaligned [%#llx, +%#llx)",
				(unsigned long long)gpa, (unsigned long long)size);
	m = find(vm, gpa, size, &s);
	if (!m)
		return vmm_fail(vm, EINVAL, "conversion of [%#llx, +%#llx): not in one memslot of a region",
				(unsigned long long)gpa, (unsigned long long)size);
	off = s->offset + (gpa - s->gpa);
	return private ? m->ops->to_private(m, gpa, off, size) :
			 m->ops->to_shared(m, gpa, off, size);
}

int vmm_mem_punch(struct vmm *vm, uint64_t gpa, uint64_t size)
{
	const struct vmm_mem_slot *s;
	struct vmm_mem *m;

	if (!size || !page_aligned(gpa | size))
		return vmm_fail(vm, EINVAL, "punch of unaligned [%#llx, +%#llx)",
				(unsigned long long)gpa, (unsigned long long)size);
	m = find(vm, gpa, size, &s);
	if (!m)
		return vmm_fail(vm, EINVAL, "punch of [%#llx, +%#llx): not in one memslot of a region",
				(unsigned long long)gpa, (unsigned long long)size);
	return m->ops->punch(m, s->offset + (gpa - s->gpa), size);
}

void vmm_mem_close(struct vmm_mem *m)
{
	struct vmm *vm = m->vm;
	int i;

	m->ops->close(m);
	for (i = 0; i < VMM_MAX_MEM; i++)
		if (vm->mem[i] == m)
			vm->mem[i] = NULL;
	free(m);
}
