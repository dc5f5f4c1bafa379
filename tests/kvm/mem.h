/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory backends: where a region's private and shared pages live
 * and how the VMM converts between them.
 *
 * A region is one backing object of @size bytes, bound at a GPA through one
 * or more memslots (KVM_SET_USER_MEMORY_REGION2 with KVM_MEM_GUEST_MEMFD).
 * Every page starts private, as in a confidential guest. The VMM calls
 * to_private/to_shared when the guest asks (KVM_HC_MAP_GPA_RANGE) or when
 * KVM reports an access of the other kind (KVM_EXIT_MEMORY_FAULT).
 *
 * Contract every backend keeps (guest_test.c checks it):
 *  - a conversion discards the old view: after to_shared the shared view of
 *    the range reads zero, after to_private the guest reads zero;
 *  - punch discards both views of the range: the next access reads zero;
 *  - close releases every page the region holds (memslots may stay).
 */
#ifndef TDXGMEM_KVM_MEM_H
#define TDXGMEM_KVM_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm.h"

#define VMM_MEM_MAX_SLOTS	4

struct vmm_mem_slot {
	uint32_t slot;		/* KVM memslot id */
	uint64_t gpa;
	uint64_t offset;	/* into the backing object */
	uint64_t size;
};

struct vmm_mem_ops {
	const char *name;
	/* Set up backing for m->size bytes (no memslot yet). */
	int (*create)(struct vmm_mem *m);
	/* Bind [s->offset, +s->size) at s->gpa as memslot s->slot; all private. */
	int (*add_memslot)(struct vmm_mem *m, const struct vmm_mem_slot *s);
	/* Host pointer to the shared view of the page at @offset, or NULL. */
	void *(*shared_ptr)(struct vmm_mem *m, uint64_t offset);
	/* Convert [offset, offset + size) of the backing, bound at @gpa. */
	int (*to_private)(struct vmm_mem *m, uint64_t gpa, uint64_t offset,
			  uint64_t size);
	int (*to_shared)(struct vmm_mem *m, uint64_t gpa, uint64_t offset,
			 uint64_t size);
	/* Discard the backing of [offset, offset + size). */
	int (*punch)(struct vmm_mem *m, uint64_t offset, uint64_t size);
	/* Close fds and mappings; the memslots are the VM's. */
	void (*close)(struct vmm_mem *m);
};

struct vmm_mem {
	const struct vmm_mem_ops *ops;
	struct vmm *vm;
	uint64_t size;
	int fd;			/* the guest_memfd-compatible fd, or -1 */
	/*
	 * log2 of the backing chunk size asked for (tdxgmem's
	 * huge_page_size_log2: 21 or 30), 0 for the backend's default; the
	 * shared view is mapped aligned to it, so KVM may map that size.
	 */
	unsigned int page_log2;
	void *shared;		/* host mapping of the shared view, or NULL */
	void *priv;		/* backend state */
	int nr_slots;
	struct vmm_mem_slot slots[VMM_MEM_MAX_SLOTS];
};

extern const struct vmm_mem_ops vmm_mem_gmem;
extern const struct vmm_mem_ops vmm_mem_tdxgmem;

/* The backend called @name ("gmem", "tdxgmem"), or NULL. */
const struct vmm_mem_ops *vmm_mem_backend(const char *name);
/* Comma-separated names of all backends, for usage messages. */
const char *vmm_mem_backends(void);

/* A new region of @size bytes on @vm; NULL with vm->err set. */
struct vmm_mem *vmm_mem_new(struct vmm *vm, const struct vmm_mem_ops *ops,
			    uint64_t size);
/* The same, backed by chunks of 2^@page_log2 bytes (tdxgmem only; 0: default). */
struct vmm_mem *vmm_mem_new_huge(struct vmm *vm, const struct vmm_mem_ops *ops,
				 uint64_t size, unsigned int page_log2);
/* Bind [offset, offset + size) of @m at @gpa (a new memslot). */
int vmm_mem_map(struct vmm_mem *m, uint64_t gpa, uint64_t offset, uint64_t size);
/* The region and backing offset of @gpa; NULL if no region holds it. */
struct vmm_mem *vmm_mem_find(struct vmm *vm, uint64_t gpa, uint64_t *offset);
/* Host pointer to the shared view of @gpa, or NULL. */
void *vmm_mem_hva(struct vmm *vm, uint64_t gpa);
/* Convert [gpa, gpa + size), which must lie in one memslot of one region. */
int vmm_mem_convert(struct vmm *vm, uint64_t gpa, uint64_t size, bool private);
int vmm_mem_punch(struct vmm *vm, uint64_t gpa, uint64_t size);
/* Close the region's backing and forget it (its memslots stay in KVM). */
void vmm_mem_close(struct vmm_mem *m);

/*
 * tdxgmem only: convert the memory of [offset, offset + size) (zeroing),
 * leaving the guest's access kind (KVM_SET_MEMORY_ATTRIBUTES) alone.
 */
int vmm_tdxgmem_set_memory(struct vmm_mem *m, uint64_t offset, uint64_t size,
			   bool private);

#endif
