// SPDX-License-Identifier: GPL-2.0
/*
 * Direct-map backend selection. The zap/restore machinery itself comes with
 * TDXGMEM_F_NO_DIRECT_MAP; until then every kernel reports "none".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "tdxgmem_internal.h"

static enum tdxgmem_directmap_mode tdxgmem_dm_mode = TDXGMEM_DIRECTMAP_NONE;

int tdxgmem_directmap_init(void)
{
	tdxgmem_dm_mode = TDXGMEM_DIRECTMAP_NONE;
	return 0;
}

enum tdxgmem_directmap_mode tdxgmem_directmap_mode(void)
{
	return tdxgmem_dm_mode;
}

const char *tdxgmem_directmap_name(void)
{
	switch (tdxgmem_dm_mode) {
	case TDXGMEM_DIRECTMAP_EXPORTED:
		return "exported";
	case TDXGMEM_DIRECTMAP_RESOLVED:
		return "resolved";
	default:
		return "none";
	}
}
