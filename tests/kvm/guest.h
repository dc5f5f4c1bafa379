/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The remote-controlled guest's protocol and layout, shared by guest.S and
 * the VMM (plain #defines only: the assembler includes it too).
 *
 * The guest loops: it reports the previous command's results with an OUT to
 * GUEST_PORT_READY, the VMM reads them with KVM_GET_REGS, writes the next
 * command with KVM_SET_REGS and resumes it.
 *
 *   command (VMM -> guest)            results (guest -> VMM)
 *   rax  GUEST_OP_*                   rax  GUEST_OK or GUEST_MISMATCH
 *   rdi  gpa                          rdi  verify: first bad gpa;
 *   rsi  size in bytes (npages for         map_gpa: the hypercall's return
 *        GUEST_OP_MAP_GPA)            rsi  verify: the value found there
 *   rdx  pattern (map_gpa: attrs)     r9   TSC ticks the command took
 *   r8   GUEST_F_* flags
 */
#ifndef TDXGMEM_KVM_GUEST_H
#define TDXGMEM_KVM_GUEST_H

#define GUEST_PORT_READY	0xf0	/* results of the last command */
#define GUEST_PORT_EXCEPTION	0xf1	/* rdi vector, rsi error code, rdx rip, rcx cr2 */

#define GUEST_OP_HELLO		0	/* the first report, before any command */
#define GUEST_OP_WRITE		1	/* store the pattern over [gpa, gpa + size) */
#define GUEST_OP_VERIFY		2	/* compare [gpa, gpa + size) with the pattern */
#define GUEST_OP_TOUCH		3	/* one access per 4 KiB page: read, or write */
#define GUEST_OP_MAP_GPA	4	/* KVM_HC_MAP_GPA_RANGE(gpa, npages, attrs) */
#define GUEST_OP_STOP		5	/* hlt: KVM_EXIT_HLT */

#define GUEST_F_TAG		1	/* the 64-bit word at gpa a holds pattern ^ a */
#define GUEST_F_WRITE		2	/* TOUCH writes (read-modify-write, no change) */

/* KVM_HC_MAP_GPA_RANGE of <linux/kvm_para.h> (not includable from asm). */
#define GUEST_HC_MAP_GPA_RANGE	12

#define GUEST_OK		0
#define GUEST_MISMATCH		1
#define GUEST_BAD_OP		2

/*
 * Boot memory: plain (never private) memory at GPA 0 holding the page
 * tables, descriptor tables, code and stack. Long mode, identity-mapped with
 * 2 MiB pages over the first GUEST_MAP_GIB GiB.
 */
#define GUEST_BOOT_SIZE		0x200000
#define GUEST_PML4		0x1000
#define GUEST_PDPT		0x2000
#define GUEST_GDT		0x3000
#define GUEST_IDT		0x4000
#define GUEST_PD		0x10000		/* GUEST_MAP_GIB pages of PDEs */
#define GUEST_MAP_GIB		64
#define GUEST_CODE		0x100000
#define GUEST_STACK_TOP		GUEST_BOOT_SIZE

#define GUEST_SEL_CODE		0x08
#define GUEST_SEL_DATA		0x10
#define GUEST_SEL_TSS		0x18

#define GUEST_IDT_STUB_SIZE	16	/* bytes per exception stub in guest.S */
#define GUEST_NR_EXCEPTIONS	32

#endif
