// SPDX-License-Identifier: GPL-2.0
/* tdxgmemctl: names of counters, flags, page states and errors. */
#include <stdio.h>
#include <string.h>

#include "tdxgmemctl.h"
#include "uapi/linux/tdxgmem.h"

/* As /sys/kernel/debug/tdxgmem/stats names them. */
static const char *const stat_names[TDXGMEM_STAT_MAX + 1] = {
	[TDXGMEM_STAT_FILES] = "files",
	[TDXGMEM_STAT_PAGES] = "pages",
	[TDXGMEM_STAT_CHUNK_ALLOCS] = "chunk_allocs",
	[TDXGMEM_STAT_PAGE_ALLOCS] = "page_allocs",
	[TDXGMEM_STAT_FALLBACKS] = "fallbacks",
	[TDXGMEM_STAT_FREES] = "frees",
	[TDXGMEM_STAT_LIMIT_FAILS] = "limit_fails",
	[TDXGMEM_STAT_BINDINGS] = "bindings",
	[TDXGMEM_STAT_QUARANTINED] = "quarantined",
	[TDXGMEM_STAT_HWPOISON] = "hwpoison",
	[TDXGMEM_STAT_SPLITS] = "splits",
	[TDXGMEM_STAT_INVALIDATIONS] = "invalidations",
	[TDXGMEM_STAT_DM_ZAPPED_PAGES] = "dm_zapped_pages",
	[TDXGMEM_STAT_DM_RESTORED_PAGES] = "dm_restored_pages",
	[TDXGMEM_STAT_DM_TLB_FLUSHES] = "dm_tlb_flushes",
	[TDXGMEM_STAT_DM_FAILURES] = "dm_failures",
	[TDXGMEM_STAT_DM_POISON_SKIPPED] = "dm_poison_skipped",
	[TDXGMEM_STAT_TDX_RESET_PAGES] = "tdx_reset_pages",
	[TDXGMEM_STAT_POISON_SCANS] = "poison_scans",
	[TDXGMEM_STAT_BLOCK_FREES] = "block_frees",
	[TDXGMEM_STAT_BLOCK_SPLITS] = "block_splits",
	[TDXGMEM_STAT_GIGA_ALLOCS] = "giga_allocs",
	[TDXGMEM_STAT_GIGA_FALLBACKS] = "giga_fallbacks",
	[TDXGMEM_STAT_GIGA_FREES] = "giga_frees",
	[TDXGMEM_STAT_ZEROED_PAGES] = "zeroed_pages",
	[TDXGMEM_STAT_ZERO_SKIPPED_PAGES] = "zero_skipped_pages",
	[TDXGMEM_STAT_POOL_BLOCKS] = "pool_blocks",
	[TDXGMEM_STAT_POOL_PUTS] = "pool_puts",
	[TDXGMEM_STAT_POOL_HITS] = "pool_hits",
	[TDXGMEM_STAT_POOL_RELEASES] = "pool_releases",
};

const char *stat_name(int attr)
{
	return attr > 0 && attr <= TDXGMEM_STAT_MAX ? stat_names[attr] : NULL;
}

/* Append @word to the comma-separated list in @buf. */
static void add(char *buf, size_t len, const char *word)
{
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s", n ? "," : "", word);
}

void flags_str(uint64_t flags, char *buf, size_t len)
{
	char rest[32];

	buf[0] = '\0';
	if (flags & TDXGMEM_F_MMAP)
		add(buf, len, "mmap");
	if (flags & TDXGMEM_F_INIT_SHARED)
		add(buf, len, "init_shared");
	if (flags & TDXGMEM_F_NO_DIRECT_MAP)
		add(buf, len, "no_direct_map");
	if (flags & ~TDXGMEM_F_ALL) {
		snprintf(rest, sizeof(rest), "%#llx",
			 (unsigned long long)(flags & ~TDXGMEM_F_ALL));
		add(buf, len, rest);
	}
	if (!buf[0])
		snprintf(buf, len, "-");
}

void state_str(uint32_t state, char *buf, size_t len)
{
	uint32_t known = TDXGMEM_STATE_PRIVATE | TDXGMEM_STATE_POPULATED |
			 TDXGMEM_STATE_HWPOISON | TDXGMEM_STATE_QUARANTINED;
	char rest[32];

	buf[0] = '\0';
	add(buf, len, state & TDXGMEM_STATE_PRIVATE ? "private" : "shared");
	if (state & TDXGMEM_STATE_POPULATED)
		add(buf, len, "populated");
	if (state & TDXGMEM_STATE_HWPOISON)
		add(buf, len, "hwpoison");
	if (state & TDXGMEM_STATE_QUARANTINED)
		add(buf, len, "quarantined");
	if (state & ~known) {
		snprintf(rest, sizeof(rest), "%#x", state & ~known);
		add(buf, len, rest);
	}
}

/* "-ENOMEM" for -12. */
const char *errno_str(int err, char *buf, size_t len)
{
	const char *name = err < 0 ? strerrorname_np(-err) : NULL;

	if (name)
		snprintf(buf, len, "-%s", name);
	else
		snprintf(buf, len, "%d", err);
	return buf;
}
