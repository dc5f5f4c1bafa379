/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The remote-controlled guest (64-bit, CPL 0, interrupts off): it reports
 * to the VMM, runs the command the VMM put into its registers, and reports
 * again (protocol in guest.h). Position-independent: the VMM copies
 * [guest_start, guest_end) to GUEST_CODE in boot memory.
 *
 * Register use: r11 op, r10 pattern, r12 start TSC, r13 status;
 * rbx cursor, rcx end of the range.
 */
#include "guest.h"

	.section .rodata.guest, "a"
	.code64
	.globl guest_start, guest_end, guest_entry, guest_hypercall
	.globl guest_idt_stubs

	.balign 16
guest_start:
guest_entry:
	xor	%eax, %eax		/* GUEST_OK for the hello report */
	xor	%r9d, %r9d
ready:
	outb	%al, $GUEST_PORT_READY
	mov	%rax, %r11
	mov	%rdx, %r10
	rdtsc
	shl	$32, %rdx
	or	%rdx, %rax
	mov	%rax, %r12
	xor	%r13d, %r13d
	cmp	$GUEST_OP_WRITE, %r11
	je	do_write
	cmp	$GUEST_OP_VERIFY, %r11
	je	do_verify
	cmp	$GUEST_OP_TOUCH, %r11
	je	do_touch
	cmp	$GUEST_OP_MAP_GPA, %r11
	je	do_map_gpa
	cmp	$GUEST_OP_STOP, %r11
	je	do_stop
	mov	$GUEST_BAD_OP, %r13d
	jmp	done

/* %rax = the word expected at %rbx */
.macro expected
	mov	%r10, %rax
	test	$GUEST_F_TAG, %r8
	jz	1f
	xor	%rbx, %rax
1:
.endm

do_write:
	mov	%rdi, %rbx
	lea	(%rdi,%rsi), %rcx
write_loop:
	cmp	%rcx, %rbx
	jae	done
	expected
	mov	%rax, (%rbx)
	add	$8, %rbx
	jmp	write_loop

do_verify:
	mov	%rdi, %rbx
	lea	(%rdi,%rsi), %rcx
verify_loop:
	cmp	%rcx, %rbx
	jae	done
	expected
	cmp	%rax, (%rbx)
	jne	verify_bad
	add	$8, %rbx
	jmp	verify_loop
verify_bad:
	mov	%rbx, %rdi
	mov	(%rbx), %rsi
	mov	$GUEST_MISMATCH, %r13d
	jmp	done

do_touch:
	mov	%rdi, %rbx
	lea	(%rdi,%rsi), %rcx
touch_loop:
	cmp	%rcx, %rbx
	jae	done
	test	$GUEST_F_WRITE, %r8
	jz	touch_read
	orb	$0, (%rbx)
	jmp	touch_next
touch_read:
	movb	(%rbx), %al
touch_next:
	add	$4096, %rbx
	jmp	touch_loop

do_map_gpa:
	mov	%rdi, %rbx
	mov	%rsi, %rcx
	mov	%r10, %rdx
	mov	$GUEST_HC_MAP_GPA_RANGE, %eax
guest_hypercall:
	vmmcall				/* the VMM writes vmcall here on Intel */
	mov	%rax, %rdi
	jmp	done

do_stop:
	hlt
	jmp	do_stop

done:
	rdtsc
	shl	$32, %rdx
	or	%rdx, %rax
	sub	%r12, %rax
	mov	%rax, %r9
	mov	%r13, %rax
	jmp	ready

/*
 * Exception vectors 0-31, GUEST_IDT_STUB_SIZE bytes each: push a zero error
 * code where the CPU pushes none, then the vector, and report.
 */
	.balign GUEST_IDT_STUB_SIZE
guest_idt_stubs:
	.set	vec, 0
	.rept	GUEST_NR_EXCEPTIONS
	.balign	GUEST_IDT_STUB_SIZE
	.if	(vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$vec
	jmp	exception
	.set	vec, vec + 1
	.endr

exception:
	pop	%rdi			/* vector */
	pop	%rsi			/* error code */
	mov	(%rsp), %rdx		/* rip */
	mov	%cr2, %rcx
	outb	%al, $GUEST_PORT_EXCEPTION
1:	hlt
	jmp	1b
guest_end:

	.section .note.GNU-stack, "", @progbits
