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
	struct tdxgmem_stats *s = &tdxgmem_stats;

	seq_printf(m, "files %lld\n", atomic64_read(&s->files));
	seq_printf(m, "pages %lld\n", atomic64_read(&s->pages));
	seq_printf(m, "chunk_allocs %lld\n", atomic64_read(&s->chunk_allocs));
	seq_printf(m, "page_allocs %lld\n", atomic64_read(&s->page_allocs));
	seq_printf(m, "fallbacks %lld\n", atomic64_read(&s->fallbacks));
	seq_printf(m, "frees %lld\n", atomic64_read(&s->frees));
	seq_printf(m, "limit_fails %lld\n", atomic64_read(&s->limit_fails));
	seq_printf(m, "bindings %lld\n", atomic64_read(&s->bindings));
	seq_printf(m, "quarantined %lld\n", atomic64_read(&s->quarantined));
	seq_printf(m, "hwpoison %lld\n", atomic64_read(&s->hwpoison));
	seq_printf(m, "splits %lld\n", atomic64_read(&s->splits));
	seq_printf(m, "invalidations %lld\n", atomic64_read(&s->invalidations));
	seq_printf(m, "dm_zapped_pages %lld\n", atomic64_read(&s->dm_zapped_pages));
	seq_printf(m, "dm_restored_pages %lld\n", atomic64_read(&s->dm_restored_pages));
	seq_printf(m, "dm_tlb_flushes %lld\n", atomic64_read(&s->dm_tlb_flushes));
	seq_printf(m, "dm_failures %lld\n", atomic64_read(&s->dm_failures));
	seq_printf(m, "dm_poison_skipped %lld\n", atomic64_read(&s->dm_poison_skipped));
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
}

void tdxgmem_debugfs_exit(void)
{
	debugfs_remove_recursive(tdxgmem_debugfs_dir);
}
