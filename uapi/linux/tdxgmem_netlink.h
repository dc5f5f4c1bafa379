/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tdxgmem: the generic netlink family "tdxgmem", for admins and VMM
 * operators (tools/tdxgmemctl): module-wide counters and parameters, the
 * open tdxgmem files with their state and consumers, and a multicast
 * group of events. The ioctl ABI is in <linux/tdxgmem.h>.
 *
 * Resolve the family by TDXGMEM_GENL_NAME (CTRL_CMD_GETFAMILY); no such
 * family means the module is not loaded. The family is versioned
 * (TDXGMEM_GENL_VERSION in the generic netlink header of every reply);
 * later versions only add commands, attributes and event types. Parse
 * replies leniently: skip attributes you do not know.
 *
 * Requests are validated strictly, against a policy per command: an
 * attribute the command does not take, an unknown attribute type, a wrong
 * length, a missing attribute, a non-zero genlmsghdr.reserved, unknown
 * nlmsg_flags or a truncated message -> -EINVAL; a value outside the
 * policy's range (a file id or a size of 0) -> -ERANGE. The extended ack
 * names the attribute and says why. A message shorter than its nlmsg_len
 * is dropped by the netlink core without a reply. A command without
 * NLM_F_DUMP that only dumps, or the other way round, or an unknown
 * command -> -EOPNOTSUPP. Nothing in a
 * request can change state: every command only reads.
 *
 * Access (checked per request):
 *   - TDXGMEM_CMD_GET_STATS: everybody (module-wide totals only).
 *   - TDXGMEM_CMD_LIST_FILES, TDXGMEM_CMD_GET_FILE: a caller with
 *     CAP_SYS_ADMIN (in the initial user namespace, for the sending socket
 *     and the sender) sees every file; any other caller sees only the
 *     files created by its effective uid. A file the caller may not see
 *     does not exist for it (-ENOENT), so ids leak nothing.
 *   - The "events" group: joining needs CAP_SYS_ADMIN
 *     (GENL_MCAST_CAP_SYS_ADMIN), else -EPERM. Events are sent in the
 *     initial network namespace only.
 * No reply or event carries a kernel address or a page frame number.
 * Uids are given in the caller's user namespace, pids in its pid
 * namespace (0: not visible there), cgroup paths in its cgroup namespace.
 *
 * Sizes and offsets are in bytes, page counts in 4 KiB pages; u64 values
 * are 64-bit aligned (TDXGMEM_A_PAD and friends pad them).
 */
#ifndef _UAPI_LINUX_TDXGMEM_NETLINK_H
#define _UAPI_LINUX_TDXGMEM_NETLINK_H

#include <linux/types.h>

#define TDXGMEM_GENL_NAME		"tdxgmem"
#define TDXGMEM_GENL_VERSION		1
#define TDXGMEM_GENL_MCGRP_EVENTS	"events"

/**
 * enum tdxgmem_cmd - commands of the "tdxgmem" family.
 * @TDXGMEM_CMD_UNSPEC: not a command (-EOPNOTSUPP).
 * @TDXGMEM_CMD_GET_STATS: do; no attributes. Reply: TDXGMEM_A_API_VERSION,
 *	TDXGMEM_A_MODULE_VERSION, TDXGMEM_A_DIRECTMAP_MODE,
 *	TDXGMEM_A_DIRECTMAP_NAME, TDXGMEM_A_SUPPORTED_FLAGS,
 *	TDXGMEM_A_PAGE_SIZES, TDXGMEM_A_MAX_FILE_SIZE, TDXGMEM_A_MEM_LIMIT_PAGES,
 *	TDXGMEM_A_PARAMS and TDXGMEM_A_STATS.
 * @TDXGMEM_CMD_LIST_FILES: dump; no attributes. One message per visible
 *	open file, in increasing id order, each a TDXGMEM_A_FILE nest without
 *	bindings; large dumps take several messages (NLM_F_MULTI ... NLMSG_DONE).
 *	Files created or released during the dump may or may not show.
 * @TDXGMEM_CMD_GET_FILE: do. Request: TDXGMEM_A_FILE_ID (required);
 *	TDXGMEM_A_EXTENTS_OFFSET and/or TDXGMEM_A_EXTENTS_SIZE to also get
 *	the extents of that range. Reply: TDXGMEM_A_FILE with its
 *	TDXGMEM_FILE_A_BINDING nests, then, if asked, TDXGMEM_A_EXTENT nests
 *	(as many as fit in one message, at most 1024) and
 *	TDXGMEM_A_EXTENTS_NEXT. Errors: -ENOENT no such file, or not the
 *	caller's; -EINVAL (extack) bad range, as TDXGMEM_QUERY's.
 * @TDXGMEM_CMD_EVENT: notification on the "events" group only (a request
 *	gets -EOPNOTSUPP): one TDXGMEM_A_EVENT nest.
 * @__TDXGMEM_CMD_MAX: internal.
 * @TDXGMEM_CMD_MAX: highest command.
 */
enum tdxgmem_cmd {
	TDXGMEM_CMD_UNSPEC,
	TDXGMEM_CMD_GET_STATS,
	TDXGMEM_CMD_LIST_FILES,
	TDXGMEM_CMD_GET_FILE,
	TDXGMEM_CMD_EVENT,

	__TDXGMEM_CMD_MAX,
	TDXGMEM_CMD_MAX = __TDXGMEM_CMD_MAX - 1
};

/**
 * enum tdxgmem_a - top-level attributes.
 * @TDXGMEM_A_UNSPEC: unused.
 * @TDXGMEM_A_PAD: padding for 64-bit values.
 * @TDXGMEM_A_FILE_ID: u64, non-zero; GET_FILE request: which file.
 * @TDXGMEM_A_EXTENTS_OFFSET: u64; GET_FILE request: first byte of the
 *	range to describe (page-aligned; default 0).
 * @TDXGMEM_A_EXTENTS_SIZE: u64; GET_FILE request: bytes to describe
 *	(page-aligned, non-zero; beyond EOF means up to EOF; default: to EOF).
 * @TDXGMEM_A_API_VERSION: u32, TDXGMEM_API_VERSION of the ioctl ABI.
 * @TDXGMEM_A_MODULE_VERSION: string, the module's version.
 * @TDXGMEM_A_DIRECTMAP_MODE: u32, enum tdxgmem_directmap_mode in force.
 * @TDXGMEM_A_DIRECTMAP_NAME: string, "exported", "resolved" or "none".
 * @TDXGMEM_A_SUPPORTED_FLAGS: u64, TDXGMEM_F_* that TDXGMEM_CREATE accepts.
 * @TDXGMEM_A_PAGE_SIZES: u64, backing page sizes (1 << 12 | 1 << 21).
 * @TDXGMEM_A_MAX_FILE_SIZE: u64, largest file TDXGMEM_CREATE accepts now.
 * @TDXGMEM_A_MEM_LIMIT_PAGES: u64, pages all files together may hold now
 *	(mem_limit_pct of RAM).
 * @TDXGMEM_A_PARAMS: nest, enum tdxgmem_param_a: module parameters.
 * @TDXGMEM_A_STATS: nest, enum tdxgmem_stat: module-wide counters.
 * @TDXGMEM_A_FILE: nest, enum tdxgmem_file_a: one file.
 * @TDXGMEM_A_EXTENT: nest, enum tdxgmem_extent_a: one extent of
 *	TDXGMEM_QUERY (repeated, in offset order).
 * @TDXGMEM_A_EXTENTS_NEXT: u64, where the next GET_FILE should start to
 *	describe the rest of the range; equal to its end when all was said.
 * @TDXGMEM_A_EVENT: nest, enum tdxgmem_event_a: one event.
 * @__TDXGMEM_A_MAX: internal.
 * @TDXGMEM_A_MAX: highest attribute.
 */
enum tdxgmem_a {
	TDXGMEM_A_UNSPEC,
	TDXGMEM_A_PAD,
	TDXGMEM_A_FILE_ID,
	TDXGMEM_A_EXTENTS_OFFSET,
	TDXGMEM_A_EXTENTS_SIZE,
	TDXGMEM_A_API_VERSION,
	TDXGMEM_A_MODULE_VERSION,
	TDXGMEM_A_DIRECTMAP_MODE,
	TDXGMEM_A_DIRECTMAP_NAME,
	TDXGMEM_A_SUPPORTED_FLAGS,
	TDXGMEM_A_PAGE_SIZES,
	TDXGMEM_A_MAX_FILE_SIZE,
	TDXGMEM_A_MEM_LIMIT_PAGES,
	TDXGMEM_A_PARAMS,
	TDXGMEM_A_STATS,
	TDXGMEM_A_FILE,
	TDXGMEM_A_EXTENT,
	TDXGMEM_A_EXTENTS_NEXT,
	TDXGMEM_A_EVENT,

	__TDXGMEM_A_MAX,
	TDXGMEM_A_MAX = __TDXGMEM_A_MAX - 1
};

/**
 * enum tdxgmem_param_a - module parameters (in TDXGMEM_A_PARAMS).
 * @TDXGMEM_PARAM_A_UNSPEC: unused.
 * @TDXGMEM_PARAM_A_PAD: padding.
 * @TDXGMEM_PARAM_A_MAX_FILE_SIZE: u64, max_file_size as set (0: no limit).
 * @TDXGMEM_PARAM_A_MEM_LIMIT_PCT: u32, mem_limit_pct.
 * @TDXGMEM_PARAM_A_DIRECTMAP_RESOLVE: u8, directmap_resolve (0 or 1).
 * @__TDXGMEM_PARAM_A_MAX: internal.
 * @TDXGMEM_PARAM_A_MAX: highest attribute.
 */
enum tdxgmem_param_a {
	TDXGMEM_PARAM_A_UNSPEC,
	TDXGMEM_PARAM_A_PAD,
	TDXGMEM_PARAM_A_MAX_FILE_SIZE,
	TDXGMEM_PARAM_A_MEM_LIMIT_PCT,
	TDXGMEM_PARAM_A_DIRECTMAP_RESOLVE,

	__TDXGMEM_PARAM_A_MAX,
	TDXGMEM_PARAM_A_MAX = __TDXGMEM_PARAM_A_MAX - 1
};

/**
 * enum tdxgmem_stat - module-wide counters (in TDXGMEM_A_STATS), each a
 *	u64; the same as /sys/kernel/debug/tdxgmem/stats, by the same names.
 * @TDXGMEM_STAT_UNSPEC: unused.
 * @TDXGMEM_STAT_PAD: padding.
 * @TDXGMEM_STAT_FILES: open tdxgmem files.
 * @TDXGMEM_STAT_PAGES: 4 KiB pages held by all files (quarantined pages
 *	stay held after their file is closed).
 * @TDXGMEM_STAT_CHUNK_ALLOCS: 2 MiB allocations that succeeded.
 * @TDXGMEM_STAT_PAGE_ALLOCS: 4 KiB allocations (fallbacks included).
 * @TDXGMEM_STAT_FALLBACKS: 2 MiB wanted, 4 KiB given.
 * @TDXGMEM_STAT_FREES: 4 KiB pages let go (punch, close).
 * @TDXGMEM_STAT_LIMIT_FAILS: allocations refused by mem_limit_pct.
 * @TDXGMEM_STAT_BINDINGS: live consumer bindings.
 * @TDXGMEM_STAT_QUARANTINED: pages quarantined (never freed).
 * @TDXGMEM_STAT_HWPOISON: pages found hit by memory failure.
 * @TDXGMEM_STAT_SPLITS: split callbacks made.
 * @TDXGMEM_STAT_INVALIDATIONS: invalidate_begin callbacks made.
 * @TDXGMEM_STAT_DM_ZAPPED_PAGES: pages taken out of the direct map.
 * @TDXGMEM_STAT_DM_RESTORED_PAGES: pages put back into the direct map.
 * @TDXGMEM_STAT_DM_TLB_FLUSHES: kernel TLB flushes for the above.
 * @TDXGMEM_STAT_DM_FAILURES: failed direct-map changes.
 * @TDXGMEM_STAT_DM_POISON_SKIPPED: poisoned pages left out of the direct map.
 * @TDXGMEM_STAT_TDX_RESET_PAGES: pages a TD may have held, reset when they
 *	came back into the direct map (CPUs with the TDX partial-write erratum).
 * @TDXGMEM_STAT_POISON_SCANS: scans of a whole 2 MiB chunk for poisoned
 *	pages before a 2 MiB answer to a consumer (skipped while no memory
 *	failure was counted on the chunk's node since the last clean scan).
 * @TDXGMEM_STAT_BLOCK_FREES: chunks freed as one 2 MiB block (never
 *	split); their pages are also counted in @TDXGMEM_STAT_FREES.
 * @TDXGMEM_STAT_BLOCK_SPLITS: 2 MiB blocks split into 4 KiB pages: before
 *	a user mapping or pin of one of their pages, a partial punch, or a
 *	free that keeps quarantined or poisoned pages back.
 * @TDXGMEM_STAT_GIGA_ALLOCS: 1 GiB ranges allocated (files created with
 *	huge_page_size_log2 30); each backs 512 chunks, not counted in
 *	@TDXGMEM_STAT_CHUNK_ALLOCS.
 * @TDXGMEM_STAT_GIGA_FALLBACKS: 1 GiB wanted, 2 MiB chunks given: no free
 *	1 GiB range could be made, mem_limit_pct, or the file is charged to a
 *	memory cgroup other than the root (a contiguous range cannot be).
 * @TDXGMEM_STAT_GIGA_FREES: 1 GiB ranges freed whole (never punched in
 *	part, nothing quarantined): into the pool, or to the allocator in one
 *	call; their pages are also counted in @TDXGMEM_STAT_FREES.
 * @TDXGMEM_STAT_ZEROED_PAGES: pages the host cleared before anybody could
 *	read them: when they were allocated (__GFP_ZERO, or the allocator's
 *	init_on_alloc or init_on_free), or later, the first time a page
 *	populated uncleared could be read by someone other than the consumer
 *	it was populated for. A conversion without PRESERVE clearing a page
 *	that was cleared before is not counted.
 * @TDXGMEM_STAT_ZERO_SKIPPED_PAGES: private pages populated uncleared for
 *	consumers that initialize them (TDXGMEM_CLIENT_INITIALIZES); one that
 *	is cleared later is counted in @TDXGMEM_STAT_ZEROED_PAGES too.
 * @TDXGMEM_STAT_POOL_BLOCKS: memory in tdxgmem's pool of freed blocks now,
 *	in 2 MiB units (a pooled 1 GiB range counts 512), as are the three
 *	pool counters below. A gauge; module parameters pool_max_pct and
 *	pool_idle_ms. Shown in /proc/meminfo KReclaimable.
 * @TDXGMEM_STAT_POOL_PUTS: freed into the pool rather than to the page
 *	allocator: whole 2 MiB blocks (also counted in
 *	@TDXGMEM_STAT_BLOCK_FREES) and 1 GiB ranges (@TDXGMEM_STAT_GIGA_FREES).
 * @TDXGMEM_STAT_POOL_HITS: new backing taken from the pool: 2 MiB chunks
 *	(also counted in @TDXGMEM_STAT_CHUNK_ALLOCS) and 1 GiB ranges
 *	(@TDXGMEM_STAT_GIGA_ALLOCS).
 * @TDXGMEM_STAT_POOL_RELEASES: pooled memory given back to the page
 *	allocator: to reclaim, after pool_idle_ms without use, when
 *	pool_max_pct is lowered, when a 1 GiB range cannot be found, or at
 *	module unload.
 * @__TDXGMEM_STAT_MAX: internal.
 * @TDXGMEM_STAT_MAX: highest counter.
 */
enum tdxgmem_stat {
	TDXGMEM_STAT_UNSPEC,
	TDXGMEM_STAT_PAD,
	TDXGMEM_STAT_FILES,
	TDXGMEM_STAT_PAGES,
	TDXGMEM_STAT_CHUNK_ALLOCS,
	TDXGMEM_STAT_PAGE_ALLOCS,
	TDXGMEM_STAT_FALLBACKS,
	TDXGMEM_STAT_FREES,
	TDXGMEM_STAT_LIMIT_FAILS,
	TDXGMEM_STAT_BINDINGS,
	TDXGMEM_STAT_QUARANTINED,
	TDXGMEM_STAT_HWPOISON,
	TDXGMEM_STAT_SPLITS,
	TDXGMEM_STAT_INVALIDATIONS,
	TDXGMEM_STAT_DM_ZAPPED_PAGES,
	TDXGMEM_STAT_DM_RESTORED_PAGES,
	TDXGMEM_STAT_DM_TLB_FLUSHES,
	TDXGMEM_STAT_DM_FAILURES,
	TDXGMEM_STAT_DM_POISON_SKIPPED,
	TDXGMEM_STAT_TDX_RESET_PAGES,
	TDXGMEM_STAT_POISON_SCANS,
	TDXGMEM_STAT_BLOCK_FREES,
	TDXGMEM_STAT_BLOCK_SPLITS,
	TDXGMEM_STAT_GIGA_ALLOCS,
	TDXGMEM_STAT_GIGA_FALLBACKS,
	TDXGMEM_STAT_GIGA_FREES,
	TDXGMEM_STAT_ZEROED_PAGES,
	TDXGMEM_STAT_ZERO_SKIPPED_PAGES,
	TDXGMEM_STAT_POOL_BLOCKS,
	TDXGMEM_STAT_POOL_PUTS,
	TDXGMEM_STAT_POOL_HITS,
	TDXGMEM_STAT_POOL_RELEASES,

	__TDXGMEM_STAT_MAX,
	TDXGMEM_STAT_MAX = __TDXGMEM_STAT_MAX - 1
};

/**
 * enum tdxgmem_file_a - one file (in TDXGMEM_A_FILE).
 * @TDXGMEM_FILE_A_UNSPEC: unused.
 * @TDXGMEM_FILE_A_PAD: padding.
 * @TDXGMEM_FILE_A_ID: u64, the file's id: unique while the module is
 *	loaded, never reused, also shown as "tdxgmem_id" in the fd's
 *	/proc/PID/fdinfo.
 * @TDXGMEM_FILE_A_SIZE: u64, size in bytes.
 * @TDXGMEM_FILE_A_FLAGS: u64, TDXGMEM_F_* given at creation.
 * @TDXGMEM_FILE_A_BACKING_LOG2: u8, backing asked at creation: 21 (2 MiB
 *	chunks, 4 KiB fallback) or 12 (4 KiB only).
 * @TDXGMEM_FILE_A_NUMA_NODE: s32, preferred node, -1 for any.
 * @TDXGMEM_FILE_A_UID: u32, effective uid of the creator.
 * @TDXGMEM_FILE_A_PID: u32, thread-group id of the creator (0: not
 *	visible in the caller's pid namespace, or gone).
 * @TDXGMEM_FILE_A_COMM: string, the creator's command name at creation.
 * @TDXGMEM_FILE_A_MEMCG_ID: u64, cgroup id (inode number in cgroupfs) of
 *	the memory cgroup charged for the file; absent without memcg.
 * @TDXGMEM_FILE_A_MEMCG_PATH: string, that cgroup's path.
 * @TDXGMEM_FILE_A_PAGES_POPULATED: u64, pages with backing memory.
 * @TDXGMEM_FILE_A_PAGES_PRIVATE: u64, pages whose attribute is private,
 *	populated or not.
 * @TDXGMEM_FILE_A_PAGES_SHARED: u64, pages whose attribute is shared.
 * @TDXGMEM_FILE_A_PAGES_QUARANTINED: u64, pages quarantined.
 * @TDXGMEM_FILE_A_PAGES_HWPOISON: u64, pages tdxgmem found poisoned (it
 *	notices at each use of a page and at TDXGMEM_QUERY or extents of it).
 * @TDXGMEM_FILE_A_BACKING_2M: u64, 2 MiB blocks backing the file (some of
 *	their pages may have been punched since).
 * @TDXGMEM_FILE_A_BACKING_4K: u64, pages backed one by one (4 KiB).
 * @TDXGMEM_FILE_A_DIRECTMAP_REMOVED: u64, pages out of the kernel direct
 *	map (TDXGMEM_F_NO_DIRECT_MAP: populated private pages, quarantined
 *	ones aside, whose direct-map state is unknown).
 * @TDXGMEM_FILE_A_NR_BINDINGS: u32, consumer bindings of the file.
 * @TDXGMEM_FILE_A_BINDING: nest, enum tdxgmem_binding_a (repeated; GET_FILE
 *	only, as many as fit in one message).
 * @__TDXGMEM_FILE_A_MAX: internal.
 * @TDXGMEM_FILE_A_MAX: highest attribute.
 */
enum tdxgmem_file_a {
	TDXGMEM_FILE_A_UNSPEC,
	TDXGMEM_FILE_A_PAD,
	TDXGMEM_FILE_A_ID,
	TDXGMEM_FILE_A_SIZE,
	TDXGMEM_FILE_A_FLAGS,
	TDXGMEM_FILE_A_BACKING_LOG2,
	TDXGMEM_FILE_A_NUMA_NODE,
	TDXGMEM_FILE_A_UID,
	TDXGMEM_FILE_A_PID,
	TDXGMEM_FILE_A_COMM,
	TDXGMEM_FILE_A_MEMCG_ID,
	TDXGMEM_FILE_A_MEMCG_PATH,
	TDXGMEM_FILE_A_PAGES_POPULATED,
	TDXGMEM_FILE_A_PAGES_PRIVATE,
	TDXGMEM_FILE_A_PAGES_SHARED,
	TDXGMEM_FILE_A_PAGES_QUARANTINED,
	TDXGMEM_FILE_A_PAGES_HWPOISON,
	TDXGMEM_FILE_A_BACKING_2M,
	TDXGMEM_FILE_A_BACKING_4K,
	TDXGMEM_FILE_A_DIRECTMAP_REMOVED,
	TDXGMEM_FILE_A_NR_BINDINGS,
	TDXGMEM_FILE_A_BINDING,

	__TDXGMEM_FILE_A_MAX,
	TDXGMEM_FILE_A_MAX = __TDXGMEM_FILE_A_MAX - 1
};

/**
 * enum tdxgmem_binding_a - one consumer binding (in TDXGMEM_FILE_A_BINDING).
 * @TDXGMEM_BINDING_A_UNSPEC: unused.
 * @TDXGMEM_BINDING_A_PAD: padding.
 * @TDXGMEM_BINDING_A_CONSUMER: string, the kernel module that bound (e.g.
 *	"kvm"), "vmlinux" for built-in code.
 * @TDXGMEM_BINDING_A_PID: u32, thread-group id of the process that bound
 *	(the VMM), 0 if not visible.
 * @TDXGMEM_BINDING_A_COMM: string, its command name at binding time.
 * @TDXGMEM_BINDING_A_OFFSET: u64, first byte of the file bound.
 * @TDXGMEM_BINDING_A_SIZE: u64, bytes bound.
 * @TDXGMEM_BINDING_A_GFN: u64, guest frame number of the first page.
 * @__TDXGMEM_BINDING_A_MAX: internal.
 * @TDXGMEM_BINDING_A_MAX: highest attribute.
 */
enum tdxgmem_binding_a {
	TDXGMEM_BINDING_A_UNSPEC,
	TDXGMEM_BINDING_A_PAD,
	TDXGMEM_BINDING_A_CONSUMER,
	TDXGMEM_BINDING_A_PID,
	TDXGMEM_BINDING_A_COMM,
	TDXGMEM_BINDING_A_OFFSET,
	TDXGMEM_BINDING_A_SIZE,
	TDXGMEM_BINDING_A_GFN,

	__TDXGMEM_BINDING_A_MAX,
	TDXGMEM_BINDING_A_MAX = __TDXGMEM_BINDING_A_MAX - 1
};

/**
 * enum tdxgmem_extent_a - one extent (in TDXGMEM_A_EXTENT); the fields of
 *	struct tdxgmem_extent.
 * @TDXGMEM_EXTENT_A_UNSPEC: unused.
 * @TDXGMEM_EXTENT_A_PAD: padding.
 * @TDXGMEM_EXTENT_A_OFFSET: u64, first byte.
 * @TDXGMEM_EXTENT_A_SIZE: u64, bytes.
 * @TDXGMEM_EXTENT_A_STATE: u32, TDXGMEM_STATE_* bits.
 * @TDXGMEM_EXTENT_A_BACKING_LOG2: u8, 12, 21, or 0 if unpopulated.
 * @TDXGMEM_EXTENT_A_MAP_LOG2: u8, largest mapping a consumer may use now.
 * @__TDXGMEM_EXTENT_A_MAX: internal.
 * @TDXGMEM_EXTENT_A_MAX: highest attribute.
 */
enum tdxgmem_extent_a {
	TDXGMEM_EXTENT_A_UNSPEC,
	TDXGMEM_EXTENT_A_PAD,
	TDXGMEM_EXTENT_A_OFFSET,
	TDXGMEM_EXTENT_A_SIZE,
	TDXGMEM_EXTENT_A_STATE,
	TDXGMEM_EXTENT_A_BACKING_LOG2,
	TDXGMEM_EXTENT_A_MAP_LOG2,

	__TDXGMEM_EXTENT_A_MAX,
	TDXGMEM_EXTENT_A_MAX = __TDXGMEM_EXTENT_A_MAX - 1
};

/**
 * enum tdxgmem_event_type - what happened (TDXGMEM_EVENT_A_TYPE).
 * @TDXGMEM_EVENT_UNSPEC: unused.
 * @TDXGMEM_EVENT_FILE_CREATED: a file was created: TDXGMEM_A_FILE beside
 *	the event (id, size, flags, backing, node, uid, pid, comm).
 * @TDXGMEM_EVENT_FILE_RELEASED: a file's last reference went: the same.
 * @TDXGMEM_EVENT_QUARANTINE: pages were quarantined: OFFSET, SIZE (the
 *	range concerned), PAGES (newly quarantined), CAUSE, ERROR.
 * @TDXGMEM_EVENT_HWPOISON: tdxgmem found a page hit by memory failure:
 *	OFFSET, SIZE (one page).
 * @TDXGMEM_EVENT_DIRECTMAP_FAILURE: the kernel failed to take pages out
 *	of its direct map or to put them back: OFFSET, SIZE, DIRECTMAP_OP,
 *	ERROR (-ENOMEM or another: rolled back, nothing lost; -EIO: the
 *	pages are in an unknown state and a QUARANTINE event follows).
 * @TDXGMEM_EVENT_MEM_LIMIT: an allocation was refused by mem_limit_pct:
 *	PAGES (asked for), HELD_PAGES, LIMIT_PAGES.
 * @__TDXGMEM_EVENT_MAX: internal.
 * @TDXGMEM_EVENT_MAX: highest event type.
 */
enum tdxgmem_event_type {
	TDXGMEM_EVENT_UNSPEC,
	TDXGMEM_EVENT_FILE_CREATED,
	TDXGMEM_EVENT_FILE_RELEASED,
	TDXGMEM_EVENT_QUARANTINE,
	TDXGMEM_EVENT_HWPOISON,
	TDXGMEM_EVENT_DIRECTMAP_FAILURE,
	TDXGMEM_EVENT_MEM_LIMIT,

	__TDXGMEM_EVENT_MAX,
	TDXGMEM_EVENT_MAX = __TDXGMEM_EVENT_MAX - 1
};

/**
 * enum tdxgmem_quarantine_cause - why pages were quarantined.
 * @TDXGMEM_QUARANTINE_CONSUMER: a consumer's invalidate_end() failed.
 * @TDXGMEM_QUARANTINE_DIRECTMAP: a direct-map change and its rollback failed.
 */
enum tdxgmem_quarantine_cause {
	TDXGMEM_QUARANTINE_CONSUMER = 1,
	TDXGMEM_QUARANTINE_DIRECTMAP = 2,
};

/**
 * enum tdxgmem_directmap_op - a direct-map change.
 * @TDXGMEM_DIRECTMAP_OP_ZAP: pages leaving the direct map.
 * @TDXGMEM_DIRECTMAP_OP_RESTORE: pages coming back.
 */
enum tdxgmem_directmap_op {
	TDXGMEM_DIRECTMAP_OP_ZAP = 1,
	TDXGMEM_DIRECTMAP_OP_RESTORE = 2,
};

/**
 * enum tdxgmem_event_a - one event (in TDXGMEM_A_EVENT).
 * @TDXGMEM_EVENT_A_UNSPEC: unused.
 * @TDXGMEM_EVENT_A_PAD: padding.
 * @TDXGMEM_EVENT_A_TYPE: u32, enum tdxgmem_event_type.
 * @TDXGMEM_EVENT_A_FILE_ID: u64, the file concerned (absent for
 *	MEM_LIMIT without a file).
 * @TDXGMEM_EVENT_A_OFFSET: u64, first byte of the range concerned.
 * @TDXGMEM_EVENT_A_SIZE: u64, bytes of the range concerned.
 * @TDXGMEM_EVENT_A_PAGES: u64, pages (see each event type).
 * @TDXGMEM_EVENT_A_ERROR: s32, negative errno of the failure.
 * @TDXGMEM_EVENT_A_CAUSE: u32, enum tdxgmem_quarantine_cause.
 * @TDXGMEM_EVENT_A_DIRECTMAP_OP: u32, enum tdxgmem_directmap_op.
 * @TDXGMEM_EVENT_A_HELD_PAGES: u64, pages all files hold.
 * @TDXGMEM_EVENT_A_LIMIT_PAGES: u64, pages they may hold (mem_limit_pct).
 * @TDXGMEM_EVENT_A_DROPPED: u64, events of this type not sent since the
 *	last one that was: each type is rate-limited to 50 events in 5
 *	seconds, so a storm cannot flood listeners.
 * @__TDXGMEM_EVENT_A_MAX: internal.
 * @TDXGMEM_EVENT_A_MAX: highest attribute.
 */
enum tdxgmem_event_a {
	TDXGMEM_EVENT_A_UNSPEC,
	TDXGMEM_EVENT_A_PAD,
	TDXGMEM_EVENT_A_TYPE,
	TDXGMEM_EVENT_A_FILE_ID,
	TDXGMEM_EVENT_A_OFFSET,
	TDXGMEM_EVENT_A_SIZE,
	TDXGMEM_EVENT_A_PAGES,
	TDXGMEM_EVENT_A_ERROR,
	TDXGMEM_EVENT_A_CAUSE,
	TDXGMEM_EVENT_A_DIRECTMAP_OP,
	TDXGMEM_EVENT_A_HELD_PAGES,
	TDXGMEM_EVENT_A_LIMIT_PAGES,
	TDXGMEM_EVENT_A_DROPPED,

	__TDXGMEM_EVENT_A_MAX,
	TDXGMEM_EVENT_A_MAX = __TDXGMEM_EVENT_A_MAX - 1
};

#endif /* _UAPI_LINUX_TDXGMEM_NETLINK_H */
