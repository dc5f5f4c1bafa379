// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs view of the module counters, for tests and admins:
 * /sys/kernel/debug/tdxgmem/stats, one "name value" per line.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "tdxgmem_internal.h"

static struct dentry *tdxgmem_debugfs_dir;

static int tdxgmem_stats_show(struct seq_file *m, void *unused)
{
	unsigned int i;

	for (i = 0; i < tdxgmem_nr_stats; i++)
		seq_printf(m, "%s %lld\n", tdxgmem_stat_descs[i].name,
			   tdxgmem_stat_read(&tdxgmem_stat_descs[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tdxgmem_stats);

void tdxgmem_debugfs_init(void)
{
	/* debugfs is optional: failures leave the module fully working. */
	tdxgmem_debugfs_dir = debugfs_create_dir("tdxgmem", NULL);
	debugfs_create_file("stats", 0444, tdxgmem_debugfs_dir, NULL,
			    &tdxgmem_stats_fops);
	/* Tests: make the next N direct-map changes fail, after a few. */
	debugfs_create_atomic_t("fail_directmap", 0600, tdxgmem_debugfs_dir,
				&tdxgmem_dm_fail_next);
	debugfs_create_atomic_t("fail_directmap_skip", 0600,
				tdxgmem_debugfs_dir, &tdxgmem_dm_fail_skip);
	/* Benchmarks: scan a chunk for poison before every 2 MiB answer. */
	debugfs_create_bool("poison_scan_always", 0600, tdxgmem_debugfs_dir,
			    &tdxgmem_poison_scan_always);
	/* Tests: reset TD pages as on a CPU with the partial-write erratum. */
	debugfs_create_bool("tdx_pw_mce", 0600, tdxgmem_debugfs_dir,
			    &tdxgmem_tdx_pw_mce_force);
}

void tdxgmem_debugfs_exit(void)
{
	debugfs_remove_recursive(tdxgmem_debugfs_dir);
}
