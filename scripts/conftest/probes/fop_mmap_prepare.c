// SPDX-License-Identifier: GPL-2.0
/* struct file_operations has ->mmap_prepare (7.x). */
#include <linux/fs.h>

static int conftest_mmap_prepare(struct vm_area_desc *desc)
{
	return 0;
}

const struct file_operations conftest_fops = {
	.mmap_prepare = conftest_mmap_prepare,
};
