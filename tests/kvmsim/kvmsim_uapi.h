/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kvmsim: a test-only module that plays KVM against tdxgmem's in-kernel
 * API (include/linux/tdxgmem.h), with a software S-EPT and invariant
 * checks. Userspace ABI of /dev/tdxgmem_kvmsim and of its VM fds.
 *
 * Every struct is 64-bit aligned; reserved and pad fields must be zero
 * (non-zero -> -EINVAL). Never part of a DKMS build.
 *
 * Errors common to every ioctl: -ENOTTY unknown ioctl, -EFAULT bad
 * argument pointer, -EINVAL non-zero reserved/pad or bad value.
 */
#ifndef _UAPI_TDXGMEM_KVMSIM_H
#define _UAPI_TDXGMEM_KVMSIM_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#define KVMSIM_DEVICE_PATH	"/dev/tdxgmem_kvmsim"

/* Test-only; not registered in ioctl-number.rst. */
#define KVMSIM_IOC_MAGIC	0xBA

#define KVMSIM_LEVEL_4K		12
#define KVMSIM_LEVEL_2M		21
#define KVMSIM_LEVEL_1G		30

/*
 * KVMSIM_BIND_TDX (struct kvmsim_bind.flags): the binding behaves as KVM's
 * for a TD (include/linux/tdxgmem.h, "The direct map and TDX"): it binds
 * with TDXGMEM_CLIENT_TDX, maps private pages at 2M at most (as KVM caps
 * a TD's private mappings), and it writes every private page it unmaps that
 * is in the kernel direct map through it, as the patched
 * tdx_quirk_reset_paddr() does on CPUs with the TDX partial-write erratum:
 * it zeroes the page with plain stores at its __va() address, at every
 * unmap, including those of KVMSIM_UNBIND and of closing the VM. Pages
 * out of the direct map are skipped (counted in reset_skipped).
 */
#define KVMSIM_BIND_TDX		_BITUL(0)

/*
 * KVMSIM_BIND_INITIALIZES (struct kvmsim_bind.flags): the binding
 * initializes private pages as a TD does (include/linux/tdxgmem.h,
 * TDXGMEM_CLIENT_INITIALIZES): it binds with TDXGMEM_CLIENT_INITIALIZES,
 * and writes zeroes, through a temporary vmap() as KVMSIM_ACCESS reads,
 * to every page of each private mapping it installs from tdxgmem_get_pfn()
 * before the mapping can be accessed; pages that a private entry of the
 * same pfn mapped already keep their contents (a promotion). Contents do
 * not survive an unmap (as a TD's page after REMOVE and AUG again). Pages
 * are not checked for zeroes when handed out: tdxgmem may hand them out
 * uncleared. Counted in struct kvmsim_stats.initialized. Combinable with
 * KVMSIM_BIND_TDX.
 */
#define KVMSIM_BIND_INITIALIZES	_BITUL(1)

/**
 * struct kvmsim_bind - KVMSIM_BIND: bind file pages to guest frames.
 * @fd:       a tdxgmem file.
 * @flags:    0, KVMSIM_BIND_TDX and/or KVMSIM_BIND_INITIALIZES.
 * @pgoff:    first page of the file.
 * @npages:   number of pages.
 * @base_gfn: guest frame of @pgoff.
 * @id:       out: binding id for KVMSIM_UNBIND.
 * @reserved: zero.
 *
 * Errors: -EBADF bad @fd; -EINVAL not a tdxgmem file, or tdxgmem refused
 * the range, or an unknown flag; -EOPNOTSUPP tdxgmem refused a binding
 * without KVMSIM_BIND_TDX (a NO_DIRECT_MAP file a TD bound, on a CPU with
 * the TDX partial-write erratum); -EEXIST the gfn range
 * overlaps another binding of this VM; -EBUSY the file range is already
 * bound (tdxgmem).
 */
struct kvmsim_bind {
	__s32 fd;
	__u32 flags;
	__u64 pgoff;
	__u64 npages;
	__u64 base_gfn;
	__u64 id;
	__u64 reserved[3];
};

/**
 * struct kvmsim_unbind - KVMSIM_UNBIND.
 * @id:       binding id from KVMSIM_BIND.
 * @reserved: zero.
 *
 * Errors: -ENOENT no such binding.
 */
struct kvmsim_unbind {
	__u64 id;
	__u64 reserved[3];
};

/* A shared access (struct kvmsim_fault.flags, struct kvmsim_lookup.flags). */
#define KVMSIM_FAULT_SHARED	_BITUL(0)

/*
 * KVMSIM_FAULT_RAW (struct kvmsim_fault.flags): a private fault of a
 * KVMSIM_BIND_INITIALIZES binding that installs the mapping without
 * initializing it: a deliberately broken consumer, so that KVMSIM_ACCESS
 * reads what tdxgmem handed out.
 */
#define KVMSIM_FAULT_RAW	_BITUL(1)

/**
 * struct kvmsim_fault - KVMSIM_FAULT: a guest fault at @gfn.
 * @gfn:         guest frame.
 * @level:       in: largest level wanted, KVMSIM_LEVEL_4K, _2M or _1G;
 *               out: level mapped.
 * @max_order:   out: max_order reported by tdxgmem.
 * @pfn:         out: pfn now mapping @gfn.
 * @flags:       0 (private access: tdxgmem_get_pfn()) or
 *               KVMSIM_FAULT_SHARED (tdxgmem_get_shared_pfn(), mapped
 *               at 4K, as a KVM memslot whose shared pages come from the
 *               file); a private access may add KVMSIM_FAULT_RAW.
 * @pad:         zero.
 * @reserved:    zero.
 *
 * Maps at the largest level up to @level (up to 2M for a KVMSIM_BIND_TDX
 * binding) that max_order covers: 1G if >= 18, 2M if >= 9, else 4K. An
 * entry already mapping @gfn at that level or above stays. Errors:
 * -EINVAL @level is none of the three, an unknown flag, KVMSIM_FAULT_RAW
 * with KVMSIM_FAULT_SHARED or on a binding without KVMSIM_BIND_INITIALIZES;
 * -ENOENT no binding covers @gfn; -EAGAIN gave up after too many retries;
 * -ENOMEM; any error of tdxgmem (e.g. a page of the other kind, -ENODEV
 * file released).
 */
struct kvmsim_fault {
	__u64 gfn;
	__u32 level;
	__s32 max_order;
	__u64 pfn;
	__u32 flags;
	__u32 pad;
	__u64 reserved[2];
};

/**
 * struct kvmsim_lookup - KVMSIM_LOOKUP: what the S-EPT maps at @gfn.
 * @gfn:      guest frame.
 * @level:    out: KVMSIM_LEVEL_4K, _2M or _1G.
 * @flags:    out: KVMSIM_FAULT_SHARED for a shared mapping; in: zero.
 * @pfn:      out: pfn of @gfn.
 * @reserved: zero.
 *
 * Errors: -ENOENT not mapped.
 */
struct kvmsim_lookup {
	__u64 gfn;
	__u32 level;
	__u32 flags;
	__u64 pfn;
	__u64 reserved[3];
};

/**
 * struct kvmsim_access - KVMSIM_ACCESS: read or write guest data of a
 *                        mapped gfn (through a vmap(), not the direct map).
 * @gfn:      guest frame; must be mapped.
 * @offset:   byte offset in the page.
 * @len:      bytes; 1 <= @len, @offset + @len <= 4096.
 * @buf:      user pointer.
 * @write:    0 read into @buf, 1 write from @buf.
 * @pad:      zero.
 * @reserved: zero.
 *
 * Errors: -ENOENT @gfn not mapped; -EFAULT bad @buf.
 */
struct kvmsim_access {
	__u64 gfn;
	__u32 offset;
	__u32 len;
	__u64 buf;
	__u32 write;
	__u32 pad;
	__u64 reserved[2];
};

/* Kinds of violations, index into struct kvmsim_stats.violation. */
enum kvmsim_violation {
	KVMSIM_V_CONGRUENCE,	/* huge entry misaligned, gfn !~ pfn */
	KVMSIM_V_MISMATCH,	/* peek returns another pfn than mapped */
	KVMSIM_V_NOT_PRIVATE,	/* peek fails on a mapped gfn */
	KVMSIM_V_ORDER,		/* huge entry, peek max_order below its level */
	KVMSIM_V_NOT_ZERO,	/* first hand-out not zeroed */
	KVMSIM_V_SURVIVED,	/* mapping survived its invalidation */
	KVMSIM_V_STRADDLE,	/* huge entry straddles an invalidation edge */
	KVMSIM_V_FREED,		/* mapped page freed (allocator or tdxgmem pool) */
	KVMSIM_V_RANGE,		/* callback range outside the binding */
	KVMSIM_V_UNBALANCED,	/* invalidate_end without begin, or leftover */
	KVMSIM_V_STALE,		/* get_pfn changed a mapped gfn's pfn */
	KVMSIM_V_CONTRACT,	/* get_pfn range breaks a guarantee */
	KVMSIM_V_HWPOISON,	/* huge order or entry over a poisoned page */
	KVMSIM_V_NOT_SHARED,	/* a shared mapping of a page not shared */
	KVMSIM_V_NR,
};

#define KVMSIM_V_MAX		16

/**
 * struct kvmsim_stats - KVMSIM_STATS: counters of one VM (since creation).
 * @violations:        total of @violation[].
 * @violation:         per enum kvmsim_violation.
 * @faults:            KVMSIM_FAULT calls that mapped.
 * @retries:           faults retried because of an invalidation.
 * @split_calls:       split callbacks.
 * @splits:            2M entries demoted (to 4K) by split callbacks.
 * @invalidations:     invalidate_begin callbacks.
 * @inval_reason:      invalidate_begin callbacks per tdxgmem_inval_reason.
 * @inval_end_errors:  invalidate_end callbacks that returned an error.
 * @mapped_4k:         4K entries mapped now.
 * @mapped_2m:         2M entries mapped now.
 * @failed_injections: injected failures consumed (split, inval_end and
 *                     ignored invalidate_begin).
 * @zero_checks:       pages checked for zeroes when handed out (all but
 *                     those kvmsim wrote itself, and those of
 *                     KVMSIM_BIND_INITIALIZES bindings).
 * @mapped_shared:     4K entries mapping shared pages now (also counted
 *                     in @mapped_4k).
 * @resets:            pages a KVMSIM_BIND_TDX binding reset through the
 *                     direct map when it unmapped them.
 * @reset_skipped:     pages it left alone: they were out of the direct map.
 * @mapped_1g:         1G entries mapped now.
 * @splits_1g:         1G entries demoted (to 2M) by split callbacks.
 * @initialized:       pages a KVMSIM_BIND_INITIALIZES binding wrote zeroes
 *                     to when it mapped them.
 * @reserved:          zero.
 */
struct kvmsim_stats {
	__u64 violations;
	__u64 violation[KVMSIM_V_MAX];
	__u64 faults;
	__u64 retries;
	__u64 split_calls;
	__u64 splits;
	__u64 invalidations;
	__u64 inval_reason[5];
	__u64 inval_end_errors;
	__u64 mapped_4k;
	__u64 mapped_2m;
	__u64 failed_injections;
	__u64 zero_checks;
	__u64 mapped_shared;
	__u64 resets;
	__u64 reset_skipped;
	__u64 mapped_1g;
	__u64 splits_1g;
	__u64 initialized;
	__u64 reserved;
};

/**
 * struct kvmsim_set_fail - KVMSIM_SET_FAIL: inject failures.
 * @split_fails:      the next N split callbacks return -ENOMEM.
 * @inval_end_fails:  the next N invalidate_end callbacks return -EIO
 *                    (the range is still unmapped).
 * @inval_ignores:    the next N invalidations (invalidate_begin and its
 *                    invalidate_end) unmap and check nothing: kvmsim keeps
 *                    its mappings as a broken consumer would, to test
 *                    kvmsim's own checks ("freed while mapped").
 * @pad:              zero.
 * @reserved:         zero.
 *
 * Replaces the pending counts.
 */
struct kvmsim_set_fail {
	__u32 split_fails;
	__u32 inval_end_fails;
	__u32 inval_ignores;
	__u32 pad;
	__u64 reserved[2];
};

/**
 * struct kvmsim_time_pfn - KVMSIM_TIME_PFN: time tdxgmem_get_pfn() in a loop.
 * @gfn:       a private gfn of a binding.
 * @loops:     calls to make, 1 to 1000000.
 * @max_order: out: the order of the last answer.
 * @ns:        out: nanoseconds the @loops calls took in all.
 * @reserved:  zero.
 *
 * Measures the answer alone: nothing is mapped, and the loop runs as a
 * fault would call it (without mmu_lock). Errors: -EINVAL bad argument;
 * -ENOENT no binding at @gfn; tdxgmem_get_pfn()'s errors; -EINTR a signal
 * arrived.
 */
struct kvmsim_time_pfn {
	__u64 gfn;
	__u32 loops;
	__s32 max_order;
	__u64 ns;
	__u64 reserved[3];
};

/* On /dev/tdxgmem_kvmsim: returns a VM fd. */
#define KVMSIM_CREATE_VM	_IO(KVMSIM_IOC_MAGIC, 0x00)

/* On a VM fd. */
#define KVMSIM_BIND		_IOWR(KVMSIM_IOC_MAGIC, 0x10, struct kvmsim_bind)
#define KVMSIM_UNBIND		_IOW(KVMSIM_IOC_MAGIC, 0x11, struct kvmsim_unbind)
#define KVMSIM_FAULT		_IOWR(KVMSIM_IOC_MAGIC, 0x12, struct kvmsim_fault)
#define KVMSIM_ACCESS		_IOW(KVMSIM_IOC_MAGIC, 0x13, struct kvmsim_access)
#define KVMSIM_STATS		_IOR(KVMSIM_IOC_MAGIC, 0x14, struct kvmsim_stats)
#define KVMSIM_SET_FAIL		_IOW(KVMSIM_IOC_MAGIC, 0x15, struct kvmsim_set_fail)
/* Full check of every invariant; returns the total violation count. */
#define KVMSIM_CHECK		_IO(KVMSIM_IOC_MAGIC, 0x16)
#define KVMSIM_LOOKUP		_IOWR(KVMSIM_IOC_MAGIC, 0x17, struct kvmsim_lookup)
/*
 * The page at @gfn (struct kvmsim_lookup, only @gfn set) holds data put
 * there on purpose, by a TDXGMEM_CONVERT_PRESERVE conversion: its next
 * hand-out is not checked for zeroes. -ENOENT: no binding; tdxgmem_peek_pfn()
 * errors otherwise.
 */
#define KVMSIM_KEEP_DATA	_IOW(KVMSIM_IOC_MAGIC, 0x18, struct kvmsim_lookup)
#define KVMSIM_TIME_PFN		_IOWR(KVMSIM_IOC_MAGIC, 0x19, struct kvmsim_time_pfn)

#endif /* _UAPI_TDXGMEM_KVMSIM_H */
