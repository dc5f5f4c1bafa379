// SPDX-License-Identifier: GPL-2.0
/*
 * set_direct_map_valid_noflush(page, nr, valid) is declared with this
 * prototype (6.13+; exported or not: the resolved backend calls it).
 */
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/mm_types.h>
#include <linux/set_memory.h>

static_assert(__same_type(&set_direct_map_valid_noflush,
			  int (*)(struct page *, unsigned int, bool)));
