// SPDX-License-Identifier: GPL-2.0
/*
 * The VMM: VM and vCPU set-up for the guest of guest.S, memslots, memory
 * attributes, the run loop and KVM's binary stats.
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm_para.h>

#include "mem.h"
#include "vmm.h"

_Static_assert(GUEST_HC_MAP_GPA_RANGE == KVM_HC_MAP_GPA_RANGE,
	       "guest.h and <linux/kvm_para.h> disagree");

/* guest.S */
extern const uint8_t guest_start[], guest_end[], guest_entry[];
extern const uint8_t guest_hypercall[], guest_idt_stubs[];

#define PTE_P		0x1ULL
#define PTE_RW		0x2ULL
#define PTE_PS		0x80ULL
#define CR0_PE		(1ULL << 0)
#define CR0_MP		(1ULL << 1)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

static volatile sig_atomic_t alarm_fired;

static void on_alarm(int sig)
{
	(void)sig;
	alarm_fired = 1;
}

int vmm_fail(struct vmm *vm, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vm->err, sizeof(vm->err), fmt, ap);
	va_end(ap);
	return -errnum;
}

/* ioctl() that returns -errno and says which ioctl failed. */
#define VMM_IOCTL(vm, fd, req, arg) ({					\
	int __r = ioctl((fd), (req), (arg));				\
	__r < 0 ? vmm_fail((vm), errno, "%s: %s", #req, strerror(errno)) : __r; \
})

int vmm_set_memslot(struct vmm *vm, uint32_t slot, uint64_t gpa, uint64_t size,
		    void *hva, int gmem_fd, uint64_t gmem_offset)
{
	struct kvm_userspace_memory_region2 r = {
		.slot = slot,
		.flags = gmem_fd >= 0 ? KVM_MEM_GUEST_MEMFD : 0,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
		.guest_memfd = gmem_fd >= 0 ? gmem_fd : 0,
		.guest_memfd_offset = gmem_offset,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION2, &r) < 0)
		return vmm_fail(vm, errno, "KVM_SET_USER_MEMORY_REGION2 slot %u gpa %#llx size %#llx: %s",
				slot, (unsigned long long)gpa,
				(unsigned long long)size, strerror(errno));
	return 0;
}

int vmm_set_attributes(struct vmm *vm, uint64_t gpa, uint64_t size, bool private)
{
	struct kvm_memory_attributes a = {
		.address = gpa,
		.size = size,
		.attributes = private ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0,
	};

	if (ioctl(vm->vm_fd, KVM_SET_MEMORY_ATTRIBUTES, &a) < 0)
		return vmm_fail(vm, errno, "KVM_SET_MEMORY_ATTRIBUTES [%#llx, +%#llx) %s: %s",
				(unsigned long long)gpa, (unsigned long long)size,
				private ? "private" : "shared", strerror(errno));
	return 0;
}

void *vmm_add_plain_slot(struct vmm *vm, uint64_t gpa, uint64_t size)
{
	void *p;
	int i;

	for (i = 0; i < VMM_MAX_MEM && vm->plain[i].hva; i++)
		;
	if (i == VMM_MAX_MEM) {
		vmm_fail(vm, ENOSPC, "more than %d plain memslots", VMM_MAX_MEM);
		return NULL;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		vmm_fail(vm, errno, "mmap %#llx bytes: %s",
			 (unsigned long long)size, strerror(errno));
		return NULL;
	}
	if (vmm_set_memslot(vm, vm->next_slot, gpa, size, p, -1, 0)) {
		munmap(p, size);
		return NULL;
	}
	vm->next_slot++;
	vm->plain[i].hva = p;
	vm->plain[i].size = size;
	return p;
}

/* Page tables, GDT, IDT and code in boot memory. */
static void load_guest(struct vmm *vm)
{
	uint64_t *pml4 = (uint64_t *)(vm->boot + GUEST_PML4);
	uint64_t *pdpt = (uint64_t *)(vm->boot + GUEST_PDPT);
	uint64_t *gdt = (uint64_t *)(vm->boot + GUEST_GDT);
	uint64_t *idt = (uint64_t *)(vm->boot + GUEST_IDT);
	uint64_t stubs = GUEST_CODE + (guest_idt_stubs - guest_start);
	unsigned int eax, ebx = 0, ecx, edx;
	int i, j;

	pml4[0] = GUEST_PDPT | PTE_P | PTE_RW;
	for (i = 0; i < GUEST_MAP_GIB; i++) {
		uint64_t pd = GUEST_PD + i * 4096ULL;
		uint64_t *pde = (uint64_t *)(vm->boot + pd);

		pdpt[i] = pd | PTE_P | PTE_RW;
		for (j = 0; j < 512; j++)
			pde[j] = (((uint64_t)i << 30) + ((uint64_t)j << 21)) |
				 PTE_P | PTE_RW | PTE_PS;
	}

	gdt[0] = 0;
	gdt[GUEST_SEL_CODE / 8] = 0x00af9b000000ffffULL;	/* 64-bit code */
	gdt[GUEST_SEL_DATA / 8] = 0x00cf93000000ffffULL;	/* flat data */
	gdt[GUEST_SEL_TSS / 8] = 0x00008b0000000067ULL;	/* busy TSS at 0 */
	gdt[GUEST_SEL_TSS / 8 + 1] = 0;

	for (i = 0; i < GUEST_NR_EXCEPTIONS; i++) {
		uint64_t off = stubs + i * GUEST_IDT_STUB_SIZE;

		/* 64-bit interrupt gate, present, DPL 0 */
		idt[2 * i] = (off & 0xffff) | (uint64_t)GUEST_SEL_CODE << 16 |
			     0x8eULL << 40 | ((off >> 16) & 0xffff) << 48;
		idt[2 * i + 1] = off >> 32;
	}

	memcpy(vm->boot + GUEST_CODE, guest_start, guest_end - guest_start);
	/* Intel's hypercall instruction is vmcall (guest.S has AMD's vmmcall). */
	__get_cpuid(0, &eax, &ebx, &ecx, &edx);
	if (ebx == 0x756e6547)		/* "Genu"ineIntel */
		memcpy(vm->boot + GUEST_CODE + (guest_hypercall - guest_start),
		       "\x0f\x01\xc1", 3);
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code)
{
	*s = (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .s = 1, .g = 1, .l = code, .db = !code,
	};
}

/* 64-bit mode at guest_entry, identity paging, interrupts off. */
static int setup_vcpu(struct vmm *vm)
{
	struct kvm_cpuid2 *cpuid;
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = GUEST_CODE + (guest_entry - guest_start),
		.rsp = GUEST_STACK_TOP,
		.rflags = 0x2,
	};
	int nent = 128, r;

	/* The guest's CPUID must offer long mode before EFER.LME is accepted. */
	for (;;) {
		cpuid = calloc(1, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));
		if (!cpuid)
			return vmm_fail(vm, ENOMEM, "out of memory");
		cpuid->nent = nent;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			break;
		r = errno;
		free(cpuid);
		if (r != E2BIG || nent > 4096)
			return vmm_fail(vm, r, "KVM_GET_SUPPORTED_CPUID: %s", strerror(r));
		nent *= 2;
	}
	r = VMM_IOCTL(vm, vm->vcpu_fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	if (r < 0)
		return r;

	r = VMM_IOCTL(vm, vm->vcpu_fd, KVM_GET_SREGS, &sregs);
	if (r < 0)
		return r;
	seg(&sregs.cs, GUEST_SEL_CODE, 11, true);
	seg(&sregs.ds, GUEST_SEL_DATA, 3, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.tr = (struct kvm_segment){
		.base = 0, .limit = 0x67, .selector = GUEST_SEL_TSS, .type = 11,
		.present = 1,
	};
	sregs.ldt = (struct kvm_segment){ .type = 2, .unusable = 1 };
	sregs.gdt.base = GUEST_GDT;
	sregs.gdt.limit = (GUEST_SEL_TSS + 16) - 1;
	sregs.idt.base = GUEST_IDT;
	sregs.idt.limit = GUEST_NR_EXCEPTIONS * 16 - 1;
	sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sregs.cr3 = GUEST_PML4;
	sregs.cr4 = CR4_PAE;
	sregs.efer = EFER_LME | EFER_LMA;
	r = VMM_IOCTL(vm, vm->vcpu_fd, KVM_SET_SREGS, &sregs);
	if (r < 0)
		return r;
	r = VMM_IOCTL(vm, vm->vcpu_fd, KVM_SET_REGS, &regs);
	return r < 0 ? r : 0;
}

static int vmm_init(struct vmm *vm, unsigned long type)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_EXIT_HYPERCALL,
		.args[0] = 1ULL << KVM_HC_MAP_GPA_RANGE,
	};
	struct sigaction sa = { .sa_handler = on_alarm };
	int r, types;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return vmm_fail(vm, errno, "/dev/kvm: %s", strerror(errno));
	r = VMM_IOCTL(vm, vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (r < 0)
		return r;
	if (r != KVM_API_VERSION)
		return vmm_fail(vm, EINVAL, "KVM API version %d, want %d", r, KVM_API_VERSION);
	types = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
	if (types < 0 || !(types & (1 << type)))
		return vmm_fail(vm, EOPNOTSUPP, "this KVM has no VM type %lu (types %#x)",
				type, types);
	vm->type = type;
	vm->vm_fd = VMM_IOCTL(vm, vm->kvm_fd, KVM_CREATE_VM, type);
	if (vm->vm_fd < 0)
		return vm->vm_fd;
	r = VMM_IOCTL(vm, vm->vm_fd, KVM_ENABLE_CAP, &cap);
	if (r < 0)
		return r;

	vm->boot = vmm_add_plain_slot(vm, 0, GUEST_BOOT_SIZE);
	if (!vm->boot)
		return -ENOMEM;
	load_guest(vm);

	vm->vcpu_fd = VMM_IOCTL(vm, vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		return vm->vcpu_fd;
	r = VMM_IOCTL(vm, vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r < 0)
		return r;
	vm->run_size = r;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		return vmm_fail(vm, errno, "mmap kvm_run: %s", strerror(errno));
	}
	r = setup_vcpu(vm);
	if (r)
		return r;
	r = ioctl(vm->vcpu_fd, KVM_GET_TSC_KHZ, 0);
	vm->tsc_khz = r > 0 ? r : 0;
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: KVM_RUN returns EINTR */
	return 0;
}

struct vmm *vmm_create(unsigned long type, char *err, size_t errlen)
{
	struct vmm *vm = calloc(1, sizeof(*vm));
	int r;

	if (!vm) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = vm->stats_fd = -1;
	vm->timeout_s = 300;
	vm->on_map_gpa = vmm_mem_convert;
	r = vmm_init(vm, type);
	if (r) {
		snprintf(err, errlen, "%s", vm->err);
		vmm_destroy(vm);
		errno = -r;
		return NULL;
	}
	return vm;
}

void vmm_destroy(struct vmm *vm)
{
	int i;

	if (!vm)
		return;
	for (i = 0; i < VMM_MAX_MEM; i++)
		if (vm->mem[i])
			vmm_mem_close(vm->mem[i]);
	if (vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->stats_fd >= 0)
		close(vm->stats_fd);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	for (i = 0; i < VMM_MAX_MEM; i++)
		if (vm->plain[i].hva)
			munmap(vm->plain[i].hva, vm->plain[i].size);
	free(vm->stats_desc);
	free(vm);
}

static const char *exit_name(uint32_t reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN", [KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO", [KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_DEBUG] = "DEBUG", [KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO", [KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY", [KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
		[KVM_EXIT_MEMORY_FAULT] = "MEMORY_FAULT",
	};

	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "?";
}

static uint64_t guest_rip(struct vmm *vm)
{
	struct kvm_regs regs;

	return ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) ? 0 : regs.rip;
}

static int handle_memory_fault(struct vmm *vm)
{
	struct vmm_fault f = {
		.gpa = vm->run->memory_fault.gpa,
		.size = vm->run->memory_fault.size,
		.private = vm->run->memory_fault.flags & KVM_MEMORY_EXIT_FLAG_PRIVATE,
	};
	int r;

	vm->nr_memory_faults++;
	vm->last_fault = f;
	if (vm->on_memory_fault)
		return vm->on_memory_fault(vm, &f);
	r = vmm_mem_convert(vm, f.gpa, f.size, f.private);
	if (r) {
		char why[VMM_ERR_LEN];

		snprintf(why, sizeof(why), "%s", vm->err);
		return vmm_fail(vm, -r, "memory fault at gpa %#llx size %#llx (%s) not resolved: %s",
				(unsigned long long)f.gpa, (unsigned long long)f.size,
				f.private ? "private" : "shared", why);
	}
	return VMM_RESUME;
}

static void handle_map_gpa(struct vmm *vm)
{
	struct kvm_run *run = vm->run;
	uint64_t gpa = run->hypercall.args[0], npages = run->hypercall.args[1];
	bool private = run->hypercall.args[2] & KVM_MAP_GPA_RANGE_ENCRYPTED;
	int r;

	vm->nr_map_gpa++;
	r = vm->on_map_gpa(vm, gpa, npages * 4096, private);
	vm->last_map_gpa_ret = r;
	run->hypercall.ret = (uint64_t)(int64_t)r;
}

/* The guest's exception report: fail with what it said. */
static int guest_exception(struct vmm *vm)
{
	struct kvm_regs regs;

	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs))
		return vmm_fail(vm, errno, "KVM_GET_REGS: %s", strerror(errno));
	return vmm_fail(vm, EFAULT, "guest exception %llu, error code %#llx, at rip %#llx (cr2 %#llx)",
			regs.rdi, regs.rsi, regs.rdx, regs.rcx);
}

enum { RUN_REPORT, RUN_HALT };

/* Run until the guest reports (RUN_REPORT) or halts (RUN_HALT); -errno. */
static int run_to_report(struct vmm *vm)
{
	struct kvm_run *run = vm->run;
	int r = 0, e;

	alarm_fired = 0;
	alarm(vm->timeout_s);
	for (;;) {
		run->exit_reason = KVM_EXIT_UNKNOWN;
		r = ioctl(vm->vcpu_fd, KVM_RUN, 0);
		e = errno;
		if (r < 0 && e == EFAULT && run->exit_reason == KVM_EXIT_MEMORY_FAULT) {
			r = handle_memory_fault(vm);
			if (r == VMM_RESUME)
				continue;
			if (r == VMM_STOP)
				r = vmm_fail(vm, EFAULT, "stopped at a memory fault at gpa %#llx size %#llx (%s)",
					     (unsigned long long)vm->last_fault.gpa,
					     (unsigned long long)vm->last_fault.size,
					     vm->last_fault.private ? "private" : "shared");
			break;
		}
		if (r < 0 && e == EINTR) {
			if (!alarm_fired)
				continue;
			r = vmm_fail(vm, ETIMEDOUT, "no report from the guest within %u s (rip %#llx)",
				     vm->timeout_s, (unsigned long long)guest_rip(vm));
			break;
		}
		if (r < 0) {
			r = vmm_fail(vm, e, "KVM_RUN: %s (exit %u %s, rip %#llx)", strerror(e),
				     run->exit_reason, exit_name(run->exit_reason),
				     (unsigned long long)guest_rip(vm));
			break;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.direction == KVM_EXIT_IO_OUT &&
			    run->io.port == GUEST_PORT_READY) {
				r = RUN_REPORT;
				goto out;
			}
			if (run->io.port == GUEST_PORT_EXCEPTION) {
				r = guest_exception(vm);
				goto out;
			}
			r = vmm_fail(vm, EPROTO, "unexpected port I/O: %s port %#x size %u",
				     run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
				     run->io.port, run->io.size);
			goto out;
		case KVM_EXIT_HYPERCALL:
			if (run->hypercall.nr != KVM_HC_MAP_GPA_RANGE) {
				r = vmm_fail(vm, EPROTO, "unexpected hypercall %llu",
					     (unsigned long long)run->hypercall.nr);
				goto out;
			}
			handle_map_gpa(vm);
			continue;
		case KVM_EXIT_HLT:
			r = RUN_HALT;
			goto out;
		case KVM_EXIT_MMIO:
			r = vmm_fail(vm, EFAULT, "guest %s %u bytes at gpa %#llx: no memslot there",
				     run->mmio.is_write ? "wrote" : "read", run->mmio.len,
				     (unsigned long long)run->mmio.phys_addr);
			goto out;
		case KVM_EXIT_SHUTDOWN:
			r = vmm_fail(vm, EFAULT, "guest shut down (triple fault), rip %#llx",
				     (unsigned long long)guest_rip(vm));
			goto out;
		case KVM_EXIT_INTERNAL_ERROR:
			r = vmm_fail(vm, EIO, "KVM internal error, suberror %u, rip %#llx",
				     run->internal.suberror,
				     (unsigned long long)guest_rip(vm));
			goto out;
		case KVM_EXIT_FAIL_ENTRY:
			r = vmm_fail(vm, EIO, "VM entry failed, reason %#llx",
				     (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			goto out;
		default:
			r = vmm_fail(vm, EPROTO, "unexpected exit %u (%s), rip %#llx",
				     run->exit_reason, exit_name(run->exit_reason),
				     (unsigned long long)guest_rip(vm));
			goto out;
		}
	}
out:
	alarm(0);
	return r;
}

int vmm_start(struct vmm *vm)
{
	int r = run_to_report(vm);

	if (r == RUN_HALT)
		return vmm_fail(vm, EPROTO, "guest halted before its first report");
	if (r < 0)
		return r;
	vm->started = true;
	return 0;
}

int vmm_cmd(struct vmm *vm, const struct guest_cmd *c, struct guest_res *res)
{
	struct kvm_regs regs;
	int r;

	if (!vm->started)
		return vmm_fail(vm, EINVAL, "the guest has not started (vmm_start)");
	r = VMM_IOCTL(vm, vm->vcpu_fd, KVM_GET_REGS, &regs);
	if (r < 0)
		return r;
	regs.rax = c->op;
	regs.rdi = c->gpa;
	regs.rsi = c->size;
	regs.rdx = c->pattern;
	regs.r8 = c->flags;
	r = VMM_IOCTL(vm, vm->vcpu_fd, KVM_SET_REGS, &regs);
	if (r < 0)
		return r;
	r = run_to_report(vm);
	if (r < 0) {
		vm->started = false;	/* the vCPU is mid-command */
		return r;
	}
	if (c->op == GUEST_OP_STOP) {
		vm->started = false;
		if (r != RUN_HALT)
			return vmm_fail(vm, EPROTO, "the guest reported instead of stopping");
		return 0;
	}
	if (r == RUN_HALT) {
		vm->started = false;
		return vmm_fail(vm, EPROTO, "the guest halted during command %llu",
				(unsigned long long)c->op);
	}
	r = VMM_IOCTL(vm, vm->vcpu_fd, KVM_GET_REGS, &regs);
	if (r < 0)
		return r;
	if (res) {
		res->status = regs.rax;
		res->r0 = regs.rdi;
		res->r1 = regs.rsi;
		res->tsc = regs.r9;
	}
	if (regs.rax == GUEST_BAD_OP)
		return vmm_fail(vm, EINVAL, "the guest does not know command %llu",
				(unsigned long long)c->op);
	return 0;
}

int guest_write(struct vmm *vm, uint64_t gpa, uint64_t size, uint64_t pattern,
		uint64_t flags)
{
	struct guest_cmd c = { GUEST_OP_WRITE, gpa, size, pattern, flags };

	return vmm_cmd(vm, &c, NULL);
}

int guest_verify(struct vmm *vm, uint64_t gpa, uint64_t size, uint64_t pattern,
		 uint64_t flags, uint64_t *bad, uint64_t *found)
{
	struct guest_cmd c = { GUEST_OP_VERIFY, gpa, size, pattern, flags };
	struct guest_res res;
	int r = vmm_cmd(vm, &c, &res);

	if (r)
		return r;
	if (res.status != GUEST_MISMATCH)
		return 0;
	if (bad)
		*bad = res.r0;
	if (found)
		*found = res.r1;
	vmm_fail(vm, EIO, "guest found %#llx at gpa %#llx, want %#llx",
		 (unsigned long long)res.r1, (unsigned long long)res.r0,
		 (unsigned long long)guest_word(pattern, flags, res.r0));
	return 1;
}

int guest_touch(struct vmm *vm, uint64_t gpa, uint64_t size, bool write)
{
	struct guest_cmd c = { GUEST_OP_TOUCH, gpa, size, 0, write ? GUEST_F_WRITE : 0 };

	return vmm_cmd(vm, &c, NULL);
}

int guest_map_gpa(struct vmm *vm, uint64_t gpa, uint64_t npages, uint64_t attrs,
		  int64_t *ret)
{
	struct guest_cmd c = { GUEST_OP_MAP_GPA, gpa, npages, attrs, 0 };
	struct guest_res res;
	int r = vmm_cmd(vm, &c, &res);

	if (!r && ret)
		*ret = (int64_t)res.r0;
	return r;
}

int guest_stop(struct vmm *vm)
{
	struct guest_cmd c = { .op = GUEST_OP_STOP };

	return vmm_cmd(vm, &c, NULL);
}

static int stats_open(struct vmm *vm)
{
	struct kvm_stats_header h;
	size_t dsize, len;
	int fd;

	fd = ioctl(vm->vm_fd, KVM_GET_STATS_FD, NULL);
	if (fd < 0)
		return vmm_fail(vm, errno, "KVM_GET_STATS_FD: %s", strerror(errno));
	if (pread(fd, &h, sizeof(h), 0) != sizeof(h)) {
		close(fd);
		return vmm_fail(vm, EIO, "short read of the stats header");
	}
	dsize = sizeof(struct kvm_stats_desc) + h.name_size;
	len = dsize * h.num_desc;
	vm->stats_desc = malloc(len);
	if (!vm->stats_desc || pread(fd, vm->stats_desc, len, h.desc_offset) != (ssize_t)len) {
		close(fd);
		free(vm->stats_desc);
		vm->stats_desc = NULL;
		return vmm_fail(vm, EIO, "cannot read %u stats descriptors", h.num_desc);
	}
	vm->stats_fd = fd;
	vm->stats_num = h.num_desc;
	vm->stats_name_size = h.name_size;
	vm->stats_data_off = h.data_offset;
	return 0;
}

int64_t vmm_stat(struct vmm *vm, const char *name)
{
	size_t dsize;
	uint32_t i;
	uint64_t v;
	int r;

	if (vm->stats_fd < 0) {
		r = stats_open(vm);
		if (r)
			return r;
	}
	dsize = sizeof(struct kvm_stats_desc) + vm->stats_name_size;
	for (i = 0; i < vm->stats_num; i++) {
		struct kvm_stats_desc *d = (void *)(vm->stats_desc + i * dsize);

		if (strncmp(d->name, name, vm->stats_name_size))
			continue;
		if (pread(vm->stats_fd, &v, sizeof(v), vm->stats_data_off + d->offset) != sizeof(v))
			return vmm_fail(vm, EIO, "cannot read stat %s", name);
		return (int64_t)v;
	}
	return vmm_fail(vm, ENOENT, "KVM has no stat %s", name);
}

int vmm_keep_static_keys(void)
{
	static int kvm = -1, vm = -1, vcpu = -1;

	if (vcpu >= 0)
		return 0;
	if (kvm < 0)
		kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm >= 0 && vm < 0)
		vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm >= 0)
		vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	return vcpu < 0 ? -errno : 0;
}

double vmm_tsc_ns(const struct vmm *vm, uint64_t ticks)
{
	return vm->tsc_khz ? ticks * 1e6 / vm->tsc_khz : 0;
}
