// SPDX-License-Identifier: GPL-2.0
/*
 * The short story of make demo: a real guest (nested KVM, the patched
 * KVM of patches/kvm/) runs on tdxgmem memory. The guest writes and
 * checks all of it (private), asks for a page to be shared and back, and
 * KVM's own statistics tell how much it mapped at 2 MiB.
 *
 *   guest_demo [-m MIB] [-- COMMAND [ARGS...]]
 *
 * COMMAND (e.g. tdxgmemctl files) runs at the end, while the guest and its
 * binding still exist.
 */
#include <getopt.h>
#include <linux/kvm_para.h>
#include <stdio.h>
#include <stdlib.h>

#include "tools/demo/run.h"
#include "mem.h"
#include "vmm.h"

#define DATA_GPA	(1ULL << 30)

static int fail(struct vmm *vm, const char *what)
{
	printf("guest_demo: %s failed: %s\n", what, vm ? vm->err : "");
	vmm_destroy(vm);
	return 1;
}

int main(int argc, char **argv)
{
	uint64_t mib = 64, size, page = DATA_GPA + 4096 * 3;
	const uint64_t pattern = 0x7d78676d656d0000ULL;	/* "tdxgmem" */
	struct vmm_mem *m;
	char err[VMM_ERR_LEN];
	struct vmm *vm;
	int64_t ret, base_2m;
	int c, rc = 0;

	while ((c = getopt(argc, argv, "m:")) != -1) {
		if (c != 'm') {
			fprintf(stderr, "usage: %s [-m MIB] [-- COMMAND [ARGS...]]\n", argv[0]);
			return 2;
		}
		mib = strtoull(optarg, NULL, 0);
	}
	size = mib << 20;
	vm = vmm_create(KVM_X86_SW_PROTECTED_VM, err, sizeof(err));
	if (!vm) {
		printf("guest_demo: no VM: %s\n", err);
		return 1;
	}
	m = vmm_mem_new(vm, &vmm_mem_tdxgmem, size);
	if (!m || vmm_mem_map(m, DATA_GPA, 0, size) || vmm_start(vm))
		return fail(vm, "setting up the guest");
	base_2m = vmm_stat(vm, "pages_2m");	/* the guest's code and stack */
	printf("guest_demo: a KVM_X86_SW_PROTECTED_VM with %llu MiB of tdxgmem memory at gpa %#llx\n",
	       (unsigned long long)mib, (unsigned long long)DATA_GPA);
	if (guest_write(vm, DATA_GPA, size, pattern, GUEST_F_TAG) ||
	    guest_verify(vm, DATA_GPA, size, pattern, GUEST_F_TAG, NULL, NULL))
		return fail(vm, "the guest's write and read-back of private memory");
	printf("guest_demo: guest wrote and read back all of it, private; KVM maps pages_2m %lld, pages_4k %lld\n",
	       (long long)(vmm_stat(vm, "pages_2m") - base_2m),
	       (long long)vmm_stat(vm, "pages_4k"));
	if (guest_map_gpa(vm, page, 1, KVM_MAP_GPA_RANGE_DECRYPTED, &ret) || ret ||
	    guest_write(vm, page, 4096, 0x5348415245440000ULL, 0))
		return fail(vm, "sharing a page");
	printf("guest_demo: the guest shared one page and wrote to it; the VMM reads %#llx there through its mmap() of the file\n",
	       (unsigned long long)*(uint64_t *)vmm_mem_hva(vm, page));
	printf("guest_demo: KVM now maps pages_2m %lld, pages_4k %lld (that chunk was split, the others stay 2M)\n",
	       (long long)(vmm_stat(vm, "pages_2m") - base_2m),
	       (long long)vmm_stat(vm, "pages_4k"));
	if (guest_map_gpa(vm, page, 1, KVM_MAP_GPA_RANGE_ENCRYPTED, &ret) || ret ||
	    guest_touch(vm, DATA_GPA, size, true))
		return fail(vm, "making the page private again");
	printf("guest_demo: guest ran on tdxgmem memory, %lld MiB mapped at 2M\n",
	       (long long)(vmm_stat(vm, "pages_2m") - base_2m) * 2);
	if (optind < argc)
		rc = demo_run(argv + optind);
	vmm_destroy(vm);
	return rc;
}
