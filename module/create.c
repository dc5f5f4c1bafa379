// SPDX-License-Identifier: GPL-2.0
/*
 * TDXGMEM_CREATE: validate the request and make a tdxgmem file.
 */
#include <linux/uaccess.h>

#include "tdxgmem_internal.h"

u64 tdxgmem_supported_flags(void)
{
	return 0;
}

long tdxgmem_create_ioctl(void __user *argp)
{
	struct tdxgmem_create req;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	return -EOPNOTSUPP;
}
