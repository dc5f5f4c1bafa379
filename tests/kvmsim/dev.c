// SPDX-License-Identifier: GPL-2.0
/*
 * kvmsim: a test-only module that plays KVM against tdxgmem's in-kernel
 * API, with a software S-EPT and invariant checks (DESIGN.md section 7).
 * /dev/tdxgmem_kvmsim creates VM fds; see kvmsim_uapi.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "kvmsim.h"

static long kvmsim_dev_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	if (cmd != KVMSIM_CREATE_VM)
		return -ENOTTY;
	if (arg)
		return -EINVAL;
	return kvmsim_create_vm();
}

static const struct file_operations kvmsim_dev_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= kvmsim_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice kvmsim_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "tdxgmem_kvmsim",
	.fops	= &kvmsim_dev_fops,
	.mode	= 0600,
};

static int __init kvmsim_init(void)
{
	int ret = kvmsim_freewatch_init();

	if (!ret)
		ret = misc_register(&kvmsim_misc);
	if (!ret)
		pr_info("loaded (test only)\n");
	return ret;
}

static void __exit kvmsim_exit(void)
{
	misc_deregister(&kvmsim_misc);
	kvmsim_written_exit();
	kvmsim_freewatch_exit();
}

module_init(kvmsim_init);
module_exit(kvmsim_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tdxgmem test module playing KVM (software S-EPT)");
