/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tdxgmem: huge-page backed private guest memory for confidential VMs.
 *
 * Userspace ABI of /dev/tdxgmem and of the tdxgmem files it creates.
 * Every struct is 64-bit aligned and has reserved fields that must be zero
 * (non-zero -> -EINVAL), so the ABI can grow without new ioctl numbers.
 *
 * Errors common to every ioctl:
 *   -ENOTTY  unknown ioctl number (or a file ioctl on the device, and back)
 *   -EFAULT  the argument pointer is not readable/writable
 *   -EINVAL  a reserved field or an unknown flag bit is non-zero, or a
 *            value is out of range; nothing changed
 */
#ifndef _UAPI_LINUX_TDXGMEM_H
#define _UAPI_LINUX_TDXGMEM_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#define TDXGMEM_DEVICE_PATH		"/dev/tdxgmem"
#define TDXGMEM_API_VERSION		1

/* 0xB9 is unassigned in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define TDXGMEM_IOC_MAGIC		0xB9

/* Flags of TDXGMEM_CREATE; values mirror upstream GUEST_MEMFD_FLAG_*. */
#define TDXGMEM_F_MMAP			_BITULL(0)	/* shared pages may be mmap()ed */
#define TDXGMEM_F_INIT_SHARED		_BITULL(1)	/* pages start shared */
#define TDXGMEM_F_NO_DIRECT_MAP		_BITULL(2)	/* private pages leave the direct map */
#define TDXGMEM_F_ALL			(TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED | \
					 TDXGMEM_F_NO_DIRECT_MAP)

/* How private pages are removed from the kernel direct map. */
enum tdxgmem_directmap_mode {
	TDXGMEM_DIRECTMAP_NONE = 0,	/* not possible: NO_DIRECT_MAP -> -EOPNOTSUPP */
	TDXGMEM_DIRECTMAP_RESOLVED = 1,	/* kernel helpers resolved at load time */
	TDXGMEM_DIRECTMAP_EXPORTED = 2,	/* kernel exports the helpers to tdxgmem */
};

/**
 * struct tdxgmem_caps - TDXGMEM_GET_CAPS: what this module and kernel offer.
 * @api_version:     TDXGMEM_API_VERSION of the running module.
 * @directmap_mode:  enum tdxgmem_directmap_mode in force.
 * @supported_flags: TDXGMEM_F_* bits that TDXGMEM_CREATE accepts here.
 * @page_sizes:      bitmask of backing page sizes: 1 << 12 | 1 << 21, and
 *                   1 << 30 where the kernel exports a contiguous-range
 *                   allocator tdxgmem can use (alloc_contig_pages() or
 *                   alloc_contig_range()).
 * @max_file_size:   largest size TDXGMEM_CREATE accepts, in bytes (at most
 *                   2^63 - 4 KiB, the largest page-aligned file offset).
 * @features:        TDXGMEM_FEATURE_* bits in force.
 * @reserved:        zero.
 *
 * The caller passes the struct zeroed; any non-zero field -> -EINVAL.
 */
struct tdxgmem_caps {
	__u32 api_version;
	__u32 directmap_mode;
	__u64 supported_flags;
	__u64 page_sizes;
	__u64 max_file_size;
	__u64 features;
	__u64 reserved[3];
};

/*
 * TDXGMEM_FEATURE_SKIP_ZEROING: private pages populated for in-kernel
 * consumers that initialize them (KVM for a TD) are not cleared by the
 * host; any other way to read such a page clears it first. Absent when the
 * kernel's page allocator clears every page it hands out (init_on_alloc
 * or init_on_free on, the default of many distribution kernels): there is
 * then no clearing to skip.
 */
#define TDXGMEM_FEATURE_SKIP_ZEROING	_BITULL(0)

/**
 * struct tdxgmem_create - TDXGMEM_CREATE: make a new tdxgmem file.
 * @size:                file size in bytes: non-zero multiple of the page
 *                       size, at most caps.max_file_size; fixed for life.
 * @flags:               TDXGMEM_F_* bits.
 * @huge_page_size_log2: backing size: 0 or 21, 2 MiB blocks where the
 *                       buddy allocator has them, else 4 KiB pages; 12,
 *                       4 KiB pages only; 30 (where caps.page_sizes has
 *                       it), a whole GiB of the file that one fallocate()
 *                       covers, or that a first fault finds empty, is
 *                       backed by one naturally aligned 1 GiB range when
 *                       the kernel can make one, else by 2 MiB blocks
 *                       (counted: giga_fallbacks). 1 GiB ranges are not
 *                       charged to a memory cgroup (the kernel offers no
 *                       way to): a file created in a cgroup other than
 *                       the root always falls back. 0 does not mean 30:
 *                       a 1 GiB range may have to be emptied by migration
 *                       first, which a file should ask for.
 * @pad:                 zero.
 * @numa_node:           node to allocate from, or -1 for any.
 * @reserved:            zero.
 *
 * Returns a new file descriptor (O_RDWR | O_CLOEXEC). Nothing is allocated
 * yet; @numa_node is the preferred node for later allocations.
 *
 * The file behaves as an upstream guest_memfd file wherever a VMM can
 * tell (tests/selftests/gmem_compare_test.c runs both side by side and
 * lists the accepted differences with their reasons): a regular file to
 * fstat/statx (S_IFREG, mode 0600, st_size = size, st_blksize = 4096);
 * ftruncate, fchmod, fchown and utimensat fail with -EINVAL (the size is
 * fixed); mtime and ctime change with every successful fallocate and with
 * a write fault through a mapping.
 *
 * fallocate(FALLOC_FL_KEEP_SIZE) allocates zeroed backing,
 * fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) frees it (the
 * shared/private attribute stays). fallocate errors: -EOPNOTSUPP other
 * modes; -EINVAL unaligned, empty or (allocation) beyond EOF, punching
 * at/after EOF succeeds; -EFBIG offset + len overflows (from the VFS);
 * -ENOMEM out of memory or above the module's mem_limit_pct or the
 * creator's memcg limit (never the OOM killer); -EINTR signal. With
 * TDXGMEM_F_NO_DIRECT_MAP an allocation also fails with -ENOMEM when the
 * kernel could not take the new private pages out of the direct map (they
 * are freed again), or -EIO when it could not put them back either: those
 * pages are quarantined (TDXGMEM_STATE_QUARANTINED), never handed out or
 * freed. A punch fails with -EIO when pages of the range are quarantined
 * (a consumer could not unmap them, or with TDXGMEM_F_NO_DIRECT_MAP the
 * kernel could not put them back into the direct map): they stay
 * allocated, every other page of the range is freed.
 * read/write/pread/pwrite: -EINVAL.
 *
 * mmap: -ENODEV without TDXGMEM_F_MMAP, -EINVAL unless MAP_SHARED; a
 * private page, a page past EOF, or a shared page that cannot be
 * allocated -> SIGBUS. On kernels that export vmf_insert_page_mkwrite()
 * (6.15 and later) the mapping is an ordinary shared file mapping, as
 * guest_memfd's: mlock(), mlock2(MLOCK_ONFAULT) and MAP_LOCKED lock it,
 * mremap() grows it, MADV_DODUMP, MADV_DOFORK and MADV_GUARD_* work.
 * Earlier kernels (6.12, whose guest_memfd cannot be mapped at all) offer
 * a module no other way to map a page from a fault without racing a
 * punch, and the mapping is VM_MIXEDMAP there, which the kernel treats as
 * special: mlock() and MAP_LOCKED do not lock it (mlock() populates it),
 * mlock2(MLOCK_ONFAULT) populates it whole (-ENOMEM past EOF) and
 * MADV_DODUMP fails with -EINVAL; mremap() grows it on every kernel.
 * tdxgmem memory is never page cache: mincore() sees only pages the
 * caller has mapped, cachestat() none, and MADV_COLLAPSE is refused.
 *
 * Errors: -EINVAL bad size/flags/size_log2/node or non-zero reserved,
 *         TDXGMEM_F_INIT_SHARED without TDXGMEM_F_MMAP;
 *         -EOPNOTSUPP a known flag this kernel cannot honour, or size_log2
 *         30 where caps.page_sizes lacks it;
 *         -EMFILE/-ENFILE/-ENOMEM as for any new file.
 */
struct tdxgmem_create {
	__u64 size;
	__u64 flags;
	__u8  huge_page_size_log2;
	__u8  pad[3];
	__s32 numa_node;
	__u64 reserved[5];
};

#define TDXGMEM_ATTR_PRIVATE		_BITULL(3)	/* as KVM_MEMORY_ATTRIBUTE_PRIVATE */

#define TDXGMEM_CONVERT_ZERO		_BITULL(0)	/* zero the pages (default) */
#define TDXGMEM_CONVERT_PRESERVE	_BITULL(1)	/* keep the contents */

/**
 * struct tdxgmem_attributes - TDXGMEM_SET_ATTRIBUTES: convert a range in place.
 * @offset:       page-aligned start of the range in the file.
 * @size:         page-aligned, non-zero length; offset + size <= file size.
 * @attributes:   0 (shared) or TDXGMEM_ATTR_PRIVATE.
 * @flags:        TDXGMEM_CONVERT_ZERO or TDXGMEM_CONVERT_PRESERVE (0 = zero;
 *                both -> -EINVAL).
 * @error_offset: out: with -EAGAIN or -EIO, the first page (byte offset)
 *                that could not change. Ignored on input.
 * @reserved:     zero.
 *
 * Works on populated and unpopulated pages alike; pages already in the
 * wanted state are left alone (a no-op range succeeds). Contents of the
 * populated pages that change are zeroed unless PRESERVE is asked (on
 * CPUs with the TDX partial-write erratum, a TDXGMEM_F_NO_DIRECT_MAP
 * file's private pages that a TD could have held come back zeroed even
 * with PRESERVE: see include/linux/tdxgmem.h). To private: the range is
 * unmapped from every process first (a later access gets SIGBUS), and KVM
 * consumers unmap their mappings of its shared pages. To shared: KVM
 * consumers split and unmap first.
 * All or nothing: on any error no page of the range changed state; the
 * call may be retried.
 * Errors: -EINVAL bad range, attributes, flags or reserved;
 *         -EAGAIN a page is still referenced outside tdxgmem (pinned by
 *         GUP, a pipe, I/O in flight), retry when released; references
 *         the kernel drops on request (the per-CPU batches of mlock) do
 *         not count;
 *         -EIO a page is quarantined (a consumer failed to unmap it, now
 *         or earlier, or with TDXGMEM_F_NO_DIRECT_MAP the kernel could not
 *         change its direct map and then not undo that either);
 *         -ENOMEM a consumer could not split its mapping, no memory for
 *         tdxgmem's own tracking, or (to private, with
 *         TDXGMEM_F_NO_DIRECT_MAP) the kernel could not take the pages out
 *         of the direct map: no page changed state, but unless PRESERVE
 *         was asked their contents may be zeroed already;
 *         -EINTR a fatal signal arrived while the range was being
 *         checked (a caller that sees it is being killed).
 */
struct tdxgmem_attributes {
	__u64 offset;
	__u64 size;
	__u64 attributes;
	__u64 flags;
	__u64 error_offset;
	__u64 reserved[3];
};

/* struct tdxgmem_extent.state bits */
#define TDXGMEM_STATE_PRIVATE		_BITUL(0)	/* private (else shared) */
#define TDXGMEM_STATE_POPULATED		_BITUL(1)	/* backing is allocated */
/*
 * Memory failure hit the page: it is never mapped (a fault gets SIGBUS with
 * BUS_MCEERR_AR), handed to a consumer, read or written again, and no
 * mapping larger than 4 KiB covers its 2 MiB chunk any more. It leaves the
 * file with punch-hole or close; the kernel keeps it from reuse.
 */
#define TDXGMEM_STATE_HWPOISON		_BITUL(2)
#define TDXGMEM_STATE_QUARANTINED	_BITUL(3)	/* unmap failed: never reused */

/**
 * struct tdxgmem_extent - one run of pages with equal state.
 * @offset:       start in the file, bytes.
 * @size:         length, bytes.
 * @state:        TDXGMEM_STATE_* bits.
 * @backing_log2: log2 of the backing: 30 (one 1 GiB range, whole), 21 (a
 *                2 MiB block), 12; 0 if unpopulated.
 * @map_log2:     largest mapping a consumer may use now (30, 21, 12); 0 if
 *                none.
 * @pad:          zero.
 * @reserved:     zero.
 */
struct tdxgmem_extent {
	__u64 offset;
	__u64 size;
	__u32 state;
	__u8  backing_log2;
	__u8  map_log2;
	__u8  pad[2];
	__u64 reserved;
};

/**
 * struct tdxgmem_query - TDXGMEM_QUERY: describe a range of a file.
 * @offset:      page-aligned start.
 * @size:        page-aligned length; the range is clipped to the file size.
 * @extents:     user pointer to an array of struct tdxgmem_extent.
 * @nr_extents:  in: capacity of @extents; out: entries filled.
 * @flags:       zero.
 * @next_offset: out: where the next call should start (== end when done).
 * @reserved:    zero.
 *
 * Neighbouring pages with equal state, backing_log2 and map_log2 merge.
 * At most 1024 extents are filled per call; continue from @next_offset.
 * A @size reaching past EOF (even overflowing) means "up to EOF".
 * Errors: -EINVAL unaligned offset/size, size 0, offset at/after EOF,
 *         nr_extents 0, non-zero flags/reserved; -EFAULT bad pointers.
 */
struct tdxgmem_query {
	__u64 offset;
	__u64 size;
	__u64 extents;
	__u32 nr_extents;
	__u32 flags;
	__u64 next_offset;
	__u64 reserved[3];
};

/* On /dev/tdxgmem */
#define TDXGMEM_GET_CAPS	_IOWR(TDXGMEM_IOC_MAGIC, 0x00, struct tdxgmem_caps)
#define TDXGMEM_CREATE		_IOW(TDXGMEM_IOC_MAGIC, 0x01, struct tdxgmem_create)

/* On a tdxgmem file */
#define TDXGMEM_SET_ATTRIBUTES	_IOWR(TDXGMEM_IOC_MAGIC, 0x10, struct tdxgmem_attributes)
#define TDXGMEM_QUERY		_IOWR(TDXGMEM_IOC_MAGIC, 0x11, struct tdxgmem_query)

#endif /* _UAPI_LINUX_TDXGMEM_H */
