// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module for the VM runner's self-test: it provokes a kernel
 * splat on purpose, so the runner can prove it fails a run that shows one.
 * Never loaded by the default test suites.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init tdxgmem_splat_init(void)
{
	WARN(1, "tdxgmem runner self-test: deliberate WARN\n");
	return 0;
}

static void __exit tdxgmem_splat_exit(void)
{
}

module_init(tdxgmem_splat_init);
module_exit(tdxgmem_splat_exit);

MODULE_DESCRIPTION("tdxgmem VM runner self-test: deliberate splat");
MODULE_LICENSE("GPL");
