// SPDX-License-Identifier: GPL-2.0
/*
 * flush_tlb_kernel_range() is declared for modules (7.x hides the whole of
 * asm/tlbflush.h's TLB API from modules behind #ifndef MODULE).
 */
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <asm/tlbflush.h>

static_assert(__same_type(&flush_tlb_kernel_range,
			  void (*)(unsigned long, unsigned long)));
