// SPDX-License-Identifier: GPL-2.0
/*
 * set_memory_np_noalias() and set_memory_p() are declared with these
 * prototypes (x86; the resolved backend's fallback calls them).
 */
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/set_memory.h>

static_assert(__same_type(&set_memory_np_noalias, int (*)(unsigned long, int)));
static_assert(__same_type(&set_memory_p, int (*)(unsigned long, int)));
