// SPDX-License-Identifier: GPL-2.0
/*
 * Each node counts the memory failures on its pages (struct pglist_data's
 * mf_stats, with CONFIG_MEMORY_FAILURE): memory_failure() marks a page
 * PageHWPoison, then adds it to the count of the page's node.
 */
#include <linux/mmzone.h>

unsigned long probe_mf_total(int nid);
unsigned long probe_mf_total(int nid)
{
	return READ_ONCE(NODE_DATA(nid)->mf_stats.total);
}
