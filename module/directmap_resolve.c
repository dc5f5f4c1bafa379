// SPDX-License-Identifier: GPL-2.0
/*
 * The "resolved" direct-map backend: on stock kernels, which export none of
 * the direct-map helpers, find them at load time the way LKRG does.
 *
 * kallsyms_lookup_name() is not exported either; a kprobe registered on it
 * tells its address (kprobes resolve symbol names internally). Everything
 * found is checked before use:
 *   - kallsyms_lookup_name() must find itself, and must agree with the
 *     module loader about two exported functions (clflush_cache_range,
 *     lookup_address);
 *   - each helper must be the start of a symbol of that exact name in the
 *     core kernel's text (between _stext and _etext, not in a module);
 *   - with IBT enforced, each must start with ENDBR64, or an indirect call
 *     to it would raise #CP (objtool seals functions whose address the
 *     kernel never takes); such a kernel gets no resolved backend.
 * The prototypes come from the kernel headers (compile probes check them),
 * so a helper whose signature changed is never called.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cacheflush.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/set_memory.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/cpufeature.h>
#include <asm/pgtable_types.h>
#include <asm/tlbflush.h>

#include "directmap.h"

#define TDXGMEM_ENDBR64		0xfa1e0ff3U	/* f3 0f 1e fa */
/* What the kernel seals an ENDBR64 with: 7.x, and 6.12 */
#define TDXGMEM_ENDBR_POISON	0xd6401f0fU	/* nopl -0x2a(%rax) */
#define TDXGMEM_ENDBR_POISON_OLD 0x001f0f66U	/* nopw (%rax) */

typedef unsigned long (*tdxgmem_kln_t)(const char *name);

static u32 tdxgmem_dm_insn(unsigned long addr)
{
	u32 insn;

	if (copy_from_kernel_nofault(&insn, (void *)addr, sizeof(insn)))
		return 0;
	return insn;
}

static bool tdxgmem_dm_starts_with_endbr(unsigned long addr)
{
	return tdxgmem_dm_insn(addr) == TDXGMEM_ENDBR64;
}

/* May this module call @addr indirectly? */
static bool tdxgmem_dm_callable(unsigned long addr)
{
	if (!cpu_feature_enabled(X86_FEATURE_IBT))
		return true;
	return tdxgmem_dm_starts_with_endbr(addr);
}

/*
 * Is @addr the start of the symbol @name? Parses sprint_symbol()'s
 * "name+0xoff/0xsize[ [module]]" and returns the offset, or -1.
 */
static long tdxgmem_dm_sym_offset(unsigned long addr, const char *name)
{
	char buf[KSYM_SYMBOL_LEN];
	size_t len = strlen(name);
	unsigned long off, size;

	sprint_symbol(buf, addr);
	if (strncmp(buf, name, len) || buf[len] != '+')
		return -1;
	if (strchr(buf, '['))		/* in a module */
		return -1;
	if (sscanf(buf + len, "+%lx/%lx", &off, &size) != 2 || off >= size)
		return -1;
	return off;
}

/* Find kallsyms_lookup_name() through a kprobe, and check it. */
static tdxgmem_kln_t tdxgmem_dm_find_kln(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long addr, start;
	tdxgmem_kln_t kln;
	long off;
	int ret;

	if (!IS_ENABLED(CONFIG_KPROBES))
		return NULL;
	ret = register_kprobe(&kp);
	if (ret) {
		pr_info("direct map: cannot probe kallsyms_lookup_name (%d)\n", ret);
		return NULL;
	}
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);

	/*
	 * With IBT built in, kprobes put the probe after the function's ENDBR64
	 * or after the NOP that sealed it.
	 */
	off = tdxgmem_dm_sym_offset(addr, "kallsyms_lookup_name");
	if (off == 4) {
		u32 insn = tdxgmem_dm_insn(addr - 4);

		if (insn != TDXGMEM_ENDBR64 && insn != TDXGMEM_ENDBR_POISON &&
		    insn != TDXGMEM_ENDBR_POISON_OLD)
			off = -1;
	}
	if (off != 0 && off != 4) {
		pr_info("direct map: kprobe address is not kallsyms_lookup_name\n");
		return NULL;
	}
	start = addr - off;
	if (!tdxgmem_dm_callable(start)) {
		pr_info("direct map: kallsyms_lookup_name has no ENDBR64 (IBT)\n");
		return NULL;
	}
	kln = (tdxgmem_kln_t)start;
	if (kln("kallsyms_lookup_name") != start ||
	    kln("clflush_cache_range") != (unsigned long)clflush_cache_range ||
	    kln("lookup_address") != (unsigned long)lookup_address) {
		pr_info("direct map: kallsyms_lookup_name fails its self-check\n");
		return NULL;
	}
	return kln;
}

/* Resolve @name to the start of a core-kernel text function, or 0. */
static unsigned long tdxgmem_dm_lookup(tdxgmem_kln_t kln, const char *name)
{
	unsigned long stext = kln("_stext"), etext = kln("_etext");
	unsigned long addr = kln(name);

	if (!addr)
		return 0;
	if (!stext || addr < stext || addr >= etext ||
	    is_vmalloc_or_module_addr((void *)addr) ||
	    tdxgmem_dm_sym_offset(addr, name) != 0) {
		pr_info("direct map: %s does not look like a kernel function\n", name);
		return 0;
	}
	if (!tdxgmem_dm_callable(addr)) {
		pr_info("direct map: %s has no ENDBR64 and IBT is on\n", name);
		return 0;
	}
	return addr;
}

/**
 * tdxgmem_dm_resolve() - find and verify the direct-map helpers.
 * @r: filled with the functions found.
 *
 * Prefers set_direct_map_valid_noflush() + flush_tlb_kernel_range() (one
 * flush for any number of runs); else set_memory_np_noalias() +
 * set_memory_p() (each call flushes once itself). Only candidates whose
 * prototype the kernel headers declare are considered.
 *
 * Context: module init.
 * Return: 0 with @r filled, or -ENOENT.
 */
int tdxgmem_dm_resolve(struct tdxgmem_dm_resolved *r)
{
	tdxgmem_kln_t kln = tdxgmem_dm_find_kln();
	unsigned long a __maybe_unused, b __maybe_unused;

	/* The conftest probes checked these prototypes against the headers. */
	memset(r, 0, sizeof(*r));
	if (!kln)
		return -ENOENT;

#ifdef HAVE_SET_DIRECT_MAP_VALID_NOFLUSH_DECL
	a = tdxgmem_dm_lookup(kln, "set_direct_map_valid_noflush");
	b = tdxgmem_dm_lookup(kln, "flush_tlb_kernel_range");
	if (a && b) {
		r->valid_noflush = (void *)a;
		r->flush_range = (void *)b;
		r->how = "set_direct_map_valid_noflush + flush_tlb_kernel_range";
		return 0;
	}
#endif
#ifdef HAVE_SET_MEMORY_NP_NOALIAS_DECL
	a = tdxgmem_dm_lookup(kln, "set_memory_np_noalias");
	b = tdxgmem_dm_lookup(kln, "set_memory_p");
	if (a && b) {
		r->set_np = (void *)a;
		r->set_p = (void *)b;
		r->how = "set_memory_np_noalias + set_memory_p";
		return 0;
	}
#endif
	return -ENOENT;
}
