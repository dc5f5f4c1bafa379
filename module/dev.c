// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/tdxgmem: the misc device VMMs open to query capabilities and to
 * create tdxgmem files.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "giga.h"
#include "range.h"
#include "tdxgmem_internal.h"

void tdxgmem_caps_fill(struct tdxgmem_caps *caps)
{
	memset(caps, 0, sizeof(*caps));
	caps->api_version = TDXGMEM_API_VERSION;
	caps->directmap_mode = tdxgmem_directmap_mode();
	caps->supported_flags = tdxgmem_supported_flags();
	caps->page_sizes = (1ULL << PAGE_SHIFT) | (1ULL << PMD_SHIFT);
	if (tdxgmem_giga_supported())
		caps->page_sizes |= 1ULL << TDXGMEM_GIGA_SHIFT;
	caps->max_file_size = tdxgmem_size_limit(READ_ONCE(tdxgmem_max_file_size));
	if (tdxgmem_zeroing_skippable())
		caps->features |= TDXGMEM_FEATURE_SKIP_ZEROING;
}

static long tdxgmem_get_caps(void __user *argp)
{
	struct tdxgmem_caps caps;

	if (copy_from_user(&caps, argp, sizeof(caps)))
		return -EFAULT;
	/* Output-only struct: every input byte must be zero. */
	if (memchr_inv(&caps, 0, sizeof(caps)))
		return -EINVAL;

	tdxgmem_caps_fill(&caps);
	if (copy_to_user(argp, &caps, sizeof(caps)))
		return -EFAULT;
	return 0;
}

static long tdxgmem_dev_ioctl(struct file *filp, unsigned int cmd,
			      unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case TDXGMEM_GET_CAPS:
		return tdxgmem_get_caps(argp);
	case TDXGMEM_CREATE:
		return tdxgmem_create_ioctl(argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations tdxgmem_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= tdxgmem_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice tdxgmem_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "tdxgmem",
	.fops	= &tdxgmem_dev_fops,
	.mode	= 0660,
};

int tdxgmem_dev_init(void)
{
	return misc_register(&tdxgmem_misc);
}

void tdxgmem_dev_exit(void)
{
	misc_deregister(&tdxgmem_misc);
}
