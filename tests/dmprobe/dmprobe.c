// SPDX-License-Identifier: GPL-2.0
/*
 * tdxgmem_dmprobe: test-only module for the direct-map selftests.
 *
 * /sys/kernel/debug/tdxgmem_dmprobe/
 *   probe   write a pfn; a read then answers, with a fault-safe read through
 *           the direct map (copy_from_kernel_nofault), whether that page is
 *           readable there:  "<pfn> readable|unreadable level <L> word <W>"
 *           (L: direct-map leaf level, 1 = 4K, 2 = 2M, 3 = 1G).
 *   ctl     commands driving tdxgmem's zap/restore API on blocks this
 *           module owns (aligned, non-compound 2 MiB allocations):
 *             alloc N        allocate N blocks, fill them with a pattern
 *             zap | restore  one tdxgmem_dm_zap()/_restore() per block
 *             zap_batch | restore_batch
 *                            one batch (one TLB flush) over every block
 *             free           restore what is zapped, free everything
 *           write() fails with the API's error, as -errno.
 *   blocks  "<index> <first pfn> <zapped>" per block.
 *
 * The zap/restore functions are exported by tdxgmem's test builds to this
 * module only (directmap.h: TDXGMEM_DM_EXPORT), so the API is tested
 * exactly as the store will call it, without test code in tdxgmem itself.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/pgtable_types.h>

#include "directmap.h"

#define DMPROBE_ORDER	9		/* 2 MiB */
#define DMPROBE_MAX	4096		/* 8 GiB of blocks at most */
#define DMPROBE_FILL	0xa5

static DEFINE_MUTEX(dmprobe_lock);
static struct dentry *dmprobe_dir;
static unsigned long dmprobe_pfn;
static struct page **dmprobe_blocks;
static bool *dmprobe_zapped;
static unsigned int dmprobe_nr;

/* probe */

static ssize_t dmprobe_probe_write(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	unsigned long pfn;
	int ret;

	ret = kstrtoul_from_user(ubuf, len, 0, &pfn);
	if (ret)
		return ret;
	if (!pfn_valid(pfn) || !page_is_ram(pfn))
		return -EINVAL;
	mutex_lock(&dmprobe_lock);
	dmprobe_pfn = pfn;
	mutex_unlock(&dmprobe_lock);
	return len;
}

static int dmprobe_probe_show(struct seq_file *m, void *unused)
{
	unsigned int level = PG_LEVEL_NONE;
	unsigned long word = 0, pfn;
	void *addr;
	bool ok;

	mutex_lock(&dmprobe_lock);
	pfn = dmprobe_pfn;
	mutex_unlock(&dmprobe_lock);
	if (!pfn)
		return -ENODATA;
	addr = page_address(pfn_to_page(pfn));
	ok = !copy_from_kernel_nofault(&word, addr, sizeof(word));
	if (!lookup_address((unsigned long)addr, &level))
		level = PG_LEVEL_NONE;
	seq_printf(m, "%lu %s level %u word %#lx\n", pfn,
		   ok ? "readable" : "unreadable", level, word);
	return 0;
}

static int dmprobe_probe_open(struct inode *inode, struct file *file)
{
	return single_open(file, dmprobe_probe_show, NULL);
}

static const struct file_operations dmprobe_probe_fops = {
	.owner = THIS_MODULE,
	.open = dmprobe_probe_open,
	.read = seq_read,
	.write = dmprobe_probe_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/* ctl */

static int dmprobe_free_all(void)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < dmprobe_nr; i++) {
		if (dmprobe_zapped[i]) {
			ret = tdxgmem_dm_restore(dmprobe_blocks[i], 1 << DMPROBE_ORDER);
			if (ret) {
				/* Never free a page that may be unmapped. */
				pr_err("block %u not restored (%d): leaked\n", i, ret);
				continue;
			}
		}
		__free_pages(dmprobe_blocks[i], DMPROBE_ORDER);
	}
	kvfree(dmprobe_blocks);
	kvfree(dmprobe_zapped);
	dmprobe_blocks = NULL;
	dmprobe_zapped = NULL;
	dmprobe_nr = 0;
	return ret;
}

static int dmprobe_alloc(unsigned int n)
{
	unsigned int i;

	if (dmprobe_nr)
		return -EBUSY;
	if (!n || n > DMPROBE_MAX)
		return -EINVAL;
	dmprobe_blocks = kvcalloc(n, sizeof(*dmprobe_blocks), GFP_KERNEL);
	dmprobe_zapped = kvcalloc(n, sizeof(*dmprobe_zapped), GFP_KERNEL);
	if (!dmprobe_blocks || !dmprobe_zapped)
		goto nomem;
	for (i = 0; i < n; i++) {
		/* Non-compound, naturally aligned 2 MiB: as the store allocates. */
		dmprobe_blocks[i] = alloc_pages(GFP_KERNEL | __GFP_NOWARN |
						__GFP_RETRY_MAYFAIL, DMPROBE_ORDER);
		if (!dmprobe_blocks[i])
			goto nomem;
		dmprobe_nr++;
		memset(page_address(dmprobe_blocks[i]), DMPROBE_FILL,
		       PAGE_SIZE << DMPROBE_ORDER);
		cond_resched();
	}
	return 0;
nomem:
	dmprobe_free_all();
	return -ENOMEM;
}

static int dmprobe_each(bool zap)
{
	unsigned int i;
	int ret;

	for (i = 0; i < dmprobe_nr; i++) {
		if (dmprobe_zapped[i] == zap)
			continue;
		if (zap)
			ret = tdxgmem_dm_zap(dmprobe_blocks[i], 1 << DMPROBE_ORDER);
		else
			ret = tdxgmem_dm_restore(dmprobe_blocks[i], 1 << DMPROBE_ORDER);
		if (ret)
			return ret;
		dmprobe_zapped[i] = zap;
		cond_resched();
	}
	return 0;
}

static int dmprobe_batch(bool zap)
{
	struct tdxgmem_dm_batch b;
	unsigned int i;
	int ret;

	tdxgmem_dm_batch_begin(&b, !zap);
	for (i = 0; i < dmprobe_nr; i++) {
		if (dmprobe_zapped[i] == zap)
			continue;
		if (!tdxgmem_dm_batch_add(&b, dmprobe_blocks[i], 1 << DMPROBE_ORDER))
			dmprobe_zapped[i] = zap;
	}
	ret = tdxgmem_dm_batch_commit(&b);
	return ret;
}

static ssize_t dmprobe_ctl_write(struct file *file, const char __user *ubuf,
				 size_t len, loff_t *ppos)
{
	char buf[32];
	unsigned int n;
	int ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	strim(buf);

	mutex_lock(&dmprobe_lock);
	if (sscanf(buf, "alloc %u", &n) == 1)
		ret = dmprobe_alloc(n);
	else if (!strcmp(buf, "zap"))
		ret = dmprobe_each(true);
	else if (!strcmp(buf, "restore"))
		ret = dmprobe_each(false);
	else if (!strcmp(buf, "zap_batch"))
		ret = dmprobe_batch(true);
	else if (!strcmp(buf, "restore_batch"))
		ret = dmprobe_batch(false);
	else if (!strcmp(buf, "free"))
		ret = dmprobe_free_all();
	else
		ret = -EINVAL;
	mutex_unlock(&dmprobe_lock);
	return ret ? ret : len;
}

static const struct file_operations dmprobe_ctl_fops = {
	.owner = THIS_MODULE,
	.write = dmprobe_ctl_write,
	.llseek = noop_llseek,
};

static int dmprobe_blocks_show(struct seq_file *m, void *unused)
{
	unsigned int i;

	mutex_lock(&dmprobe_lock);
	for (i = 0; i < dmprobe_nr; i++)
		seq_printf(m, "%u %lu %d\n", i, page_to_pfn(dmprobe_blocks[i]),
			   dmprobe_zapped[i]);
	mutex_unlock(&dmprobe_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dmprobe_blocks);

static int __init dmprobe_init(void)
{
	dmprobe_dir = debugfs_create_dir("tdxgmem_dmprobe", NULL);
	debugfs_create_file("probe", 0600, dmprobe_dir, NULL, &dmprobe_probe_fops);
	debugfs_create_file("ctl", 0200, dmprobe_dir, NULL, &dmprobe_ctl_fops);
	debugfs_create_file("blocks", 0400, dmprobe_dir, NULL, &dmprobe_blocks_fops);
	return 0;
}

static void __exit dmprobe_exit(void)
{
	debugfs_remove_recursive(dmprobe_dir);
	mutex_lock(&dmprobe_lock);
	dmprobe_free_all();
	mutex_unlock(&dmprobe_lock);
}

module_init(dmprobe_init);
module_exit(dmprobe_exit);

TDXGMEM_DM_IMPORT();
MODULE_DESCRIPTION("tdxgmem test: direct-map probe and zap/restore driver");
MODULE_LICENSE("GPL");
