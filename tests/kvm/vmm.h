/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small VMM for tests: one VM, one vCPU running the remote-controlled
 * guest of guest.S, memory regions from pluggable backends (mem.h), a run
 * loop that decodes every exit, and KVM's binary stats.
 *
 * Errors: functions return 0 (or a value) on success and -errno on
 * failure, with a sentence in vm->err saying what went wrong.
 */
#ifndef TDXGMEM_KVM_VMM_H
#define TDXGMEM_KVM_VMM_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <linux/kvm.h>

#include "guest.h"

#define VMM_MAX_MEM		8	/* backend regions per VM */
#define VMM_ERR_LEN		512

struct vmm;
struct vmm_mem;

/* What the run loop does after an exit handler: go on, or stop the command. */
enum vmm_verdict { VMM_RESUME = 0, VMM_STOP = 1 };

/* A KVM_EXIT_MEMORY_FAULT as the run loop saw it. */
struct vmm_fault {
	uint64_t gpa;
	uint64_t size;
	bool private;		/* KVM_MEMORY_EXIT_FLAG_PRIVATE */
};

struct guest_cmd {
	uint64_t op;		/* GUEST_OP_* */
	uint64_t gpa;
	uint64_t size;		/* bytes; npages for GUEST_OP_MAP_GPA */
	uint64_t pattern;	/* attrs for GUEST_OP_MAP_GPA */
	uint64_t flags;		/* GUEST_F_* */
};

struct guest_res {
	uint64_t status;	/* GUEST_OK, GUEST_MISMATCH, GUEST_BAD_OP */
	uint64_t r0;		/* first bad gpa; the hypercall's return value */
	uint64_t r1;		/* the value found at r0 */
	uint64_t tsc;		/* guest TSC ticks the command took */
};

struct vmm {
	int kvm_fd, vm_fd, vcpu_fd, stats_fd;
	unsigned long type;		/* KVM_X86_* VM type */
	struct kvm_run *run;
	size_t run_size;
	uint8_t *boot;			/* host view of boot memory (slot 0) */
	uint32_t next_slot;
	struct vmm_mem *mem[VMM_MAX_MEM];	/* backend regions */
	struct {
		void *hva;
		uint64_t size;
	} plain[VMM_MAX_MEM];			/* plain memslots; [0] is boot */
	uint32_t tsc_khz;		/* the guest's TSC frequency */
	unsigned int timeout_s;		/* per command, 0 = none */
	bool started;

	/*
	 * Exit handlers; the defaults convert through the backend of the
	 * region holding the range (vmm_mem_convert). map_gpa returns 0 or
	 * -errno, which the guest gets as the hypercall's result;
	 * memory_fault returns a vmm_verdict or -errno (a failure).
	 */
	int (*on_map_gpa)(struct vmm *vm, uint64_t gpa, uint64_t size,
			  bool private);
	int (*on_memory_fault)(struct vmm *vm, const struct vmm_fault *f);
	void *opaque;			/* for the test's handlers */

	/* What the run loop handled since vmm_create(). */
	unsigned long nr_map_gpa, nr_memory_faults;
	struct vmm_fault last_fault;
	int64_t last_map_gpa_ret;

	/* KVM binary stats: descriptors read once. */
	char *stats_desc;
	uint32_t stats_num, stats_name_size, stats_data_off;

	char err[VMM_ERR_LEN];
};

/* Create a VM of @type with boot memory, the guest and one vCPU; NULL + errno. */
struct vmm *vmm_create(unsigned long type, char *err, size_t errlen);
/* Run the guest to its first report (its first instruction). */
int vmm_start(struct vmm *vm);
/* Close every fd and region; NULL is fine. */
void vmm_destroy(struct vmm *vm);

/* KVM_SET_USER_MEMORY_REGION2; gmem_fd < 0: no KVM_MEM_GUEST_MEMFD. */
int vmm_set_memslot(struct vmm *vm, uint32_t slot, uint64_t gpa, uint64_t size,
		    void *hva, int gmem_fd, uint64_t gmem_offset);
/* KVM_SET_MEMORY_ATTRIBUTES over [gpa, gpa + size). */
int vmm_set_attributes(struct vmm *vm, uint64_t gpa, uint64_t size, bool private);
/* A plain (no guest_memfd) memslot of anonymous memory; its host view or NULL. */
void *vmm_add_plain_slot(struct vmm *vm, uint64_t gpa, uint64_t size);

/* Run one guest command to its report, handling the exits in between. */
int vmm_cmd(struct vmm *vm, const struct guest_cmd *c, struct guest_res *r);

/* Shorthands for vmm_cmd; those returning int give -errno on failure. */
int guest_write(struct vmm *vm, uint64_t gpa, uint64_t size, uint64_t pattern,
		uint64_t flags);
/* 0 match, 1 mismatch (*bad, *found filled; either may be NULL), -errno. */
int guest_verify(struct vmm *vm, uint64_t gpa, uint64_t size, uint64_t pattern,
		 uint64_t flags, uint64_t *bad, uint64_t *found);
int guest_touch(struct vmm *vm, uint64_t gpa, uint64_t size, bool write);
/* The hypercall's return value into *ret. */
int guest_map_gpa(struct vmm *vm, uint64_t gpa, uint64_t npages, uint64_t attrs,
		  int64_t *ret);
/* GUEST_OP_STOP: expects KVM_EXIT_HLT. */
int guest_stop(struct vmm *vm);

/* The word GUEST_F_TAG puts at @gpa (what the guest writes and verifies). */
static inline uint64_t guest_word(uint64_t pattern, uint64_t flags, uint64_t gpa)
{
	return flags & GUEST_F_TAG ? pattern ^ gpa : pattern;
}

/* A VM-wide binary stat (KVM_GET_STATS_FD) by name: its value or -errno. */
int64_t vmm_stat(struct vmm *vm, const char *name);

/*
 * Keep one idle VM with one vCPU (no in-kernel APIC) for the program's
 * life. Creating the first VM and such vCPU, and destroying the last, flips
 * static keys (preempt_notifier_key, kvm_has_noapic_vcpu), i.e. patches
 * kernel text; under multi-threaded TCG that rarely oopses on int3 (README
 * "Running your own program in the test VM"). With a keeper, only its own
 * creation and the program's exit patch. 0 or -errno.
 */
int vmm_keep_static_keys(void);

/* Guest TSC ticks in nanoseconds. */
double vmm_tsc_ns(const struct vmm *vm, uint64_t ticks);

/* vm->err = printf(fmt, ...); returns -@errnum for "return vmm_fail(...)". */
int vmm_fail(struct vmm *vm, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
