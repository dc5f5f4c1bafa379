// SPDX-License-Identifier: GPL-2.0
/* vmf_insert_pfn_pmd() takes a pfn_t (6.12) rather than an unsigned long. */
#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/pfn_t.h>

vm_fault_t conftest_vmf_insert_pfn_pmd(struct vm_fault *vmf, pfn_t pfn);
vm_fault_t conftest_vmf_insert_pfn_pmd(struct vm_fault *vmf, pfn_t pfn)
{
	return vmf_insert_pfn_pmd(vmf, pfn, true);
}
