// SPDX-License-Identifier: GPL-2.0
/*
 * The reset of pages a TD may have held, for NO_DIRECT_MAP files.
 *
 * On CPUs with the TDX partial-write erratum a partial write to a page the
 * TDX module gave back poisons its cache line, and the next read takes a
 * machine check. KVM resets each page it removes from a TD with MOVDIR64B
 * through the direct map (tdx_quirk_reset_paddr()), but only pages that
 * are in the direct map: a private page of a NO_DIRECT_MAP file is not, so
 * tdxgmem resets it when it puts it back (include/linux/tdxgmem.h, "The
 * direct map and TDX").
 */
#include <asm/cpufeature.h>
#include <asm/special_insns.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "store.h"
#include "tdxgmem_internal.h"

/* Tests: behave as on a CPU with the erratum (debugfs tdx_pw_mce). */
bool tdxgmem_tdx_pw_mce_force;

/**
 * tdxgmem_tdx_reset_needed() - must @f's private pages be reset when they
 *                              come back into the direct map?
 * @f: the file.
 *
 * Return: true for a NO_DIRECT_MAP file that a TDXGMEM_CLIENT_TDX consumer
 * has bound, on a CPU with the erratum.
 */
bool tdxgmem_tdx_reset_needed(const struct tdxgmem_file *f)
{
	return (f->flags & TDXGMEM_F_NO_DIRECT_MAP) && f->tdx_bound &&
	       (boot_cpu_has_bug(X86_BUG_TDX_PW_MCE) ||
		READ_ONCE(tdxgmem_tdx_pw_mce_force));
}

/**
 * tdxgmem_tdx_reset_addr() - write zeroes over a whole page in full cache
 *                            lines, as tdx_quirk_reset_paddr() does.
 * @p: the page's kernel address (direct map or a temporary mapping).
 */
void tdxgmem_tdx_reset_addr(void *p)
{
	const void *zero = page_address(ZERO_PAGE(0));
	unsigned int off;

	/* CPUs with the erratum have MOVDIR64B; the forced test mode may not. */
	if (!boot_cpu_has(X86_FEATURE_MOVDIR64B)) {
		memset(p, 0, PAGE_SIZE);
		return;
	}
	for (off = 0; off < PAGE_SIZE; off += 64)
		movdir64b(p + off, zero);
	/* MOVDIR64B is weakly ordered: later users must see the zeroes. */
	mb();
}

/**
 * tdxgmem_tdx_reset_page() - tdxgmem_tdx_reset_addr() of a page.
 * @page: a page in the direct map, owned by the caller.
 */
void tdxgmem_tdx_reset_page(struct page *page)
{
	tdxgmem_tdx_reset_addr(page_address(page));
}
