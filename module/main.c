// SPDX-License-Identifier: GPL-2.0
/*
 * tdxgmem: huge-page backed private guest memory for confidential VMs.
 *
 * Module entry points and parameters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mm.h>

#include "pool.h"
#include "tdxgmem_internal.h"

/*
 * Checked at TDXGMEM_CREATE through tdxgmem_size_limit(): 0 means no limit
 * but the largest file offset (nothing is allocated at create).
 */
unsigned long tdxgmem_max_file_size = 1UL << 40;
module_param_named(max_file_size, tdxgmem_max_file_size, ulong, 0644);
MODULE_PARM_DESC(max_file_size,
		 "Largest tdxgmem file, in bytes (default 1 TiB; 0: no limit, up to 2^63 - 4 KiB); reported in TDXGMEM_GET_CAPS");

static int __init tdxgmem_init(void)
{
	int ret;

	ret = tdxgmem_directmap_init();
	if (ret)
		return ret;
	ret = tdxgmem_pool_init();
	if (ret)
		return ret;

	tdxgmem_debugfs_init();
	tdxgmem_events_init();

	ret = tdxgmem_netlink_init();
	if (ret)
		goto out_debugfs;
	ret = tdxgmem_dev_init();
	if (ret)
		goto out_netlink;

	pr_info("api %d, direct map: %s\n", TDXGMEM_API_VERSION,
		tdxgmem_directmap_name());
	return 0;

out_netlink:
	tdxgmem_netlink_exit();
out_debugfs:
	tdxgmem_debugfs_exit();
	tdxgmem_pool_exit();
	return ret;
}

static void __exit tdxgmem_exit(void)
{
	tdxgmem_dev_exit();
	tdxgmem_netlink_exit();
	tdxgmem_debugfs_exit();
	tdxgmem_pool_exit();
}

module_init(tdxgmem_init);
module_exit(tdxgmem_exit);

MODULE_DESCRIPTION("Huge-page backed private guest memory for confidential VMs");
MODULE_AUTHOR("The tdxgmem developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(TDXGMEM_VERSION);
