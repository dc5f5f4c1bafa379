/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the kvmsim selftests (tests/selftests/kvmsim_*_test.c): they
 * need tdxgmem.ko and tests/kvmsim's tdxgmem_kvmsim.ko loaded in the VM.
 */
#ifndef TDXGMEM_SELFTEST_KVMSIM_H
#define TDXGMEM_SELFTEST_KVMSIM_H

#include <linux/falloc.h>

#include "helpers.h"
#include "tests/kvmsim/kvmsim_uapi.h"

/*
 * What tdxgmem_get_pfn() answers for a shared page (module/binding.c,
 * kernel-doc of tdxgmem_get_pfn()); the consumer turns it into a
 * memory-fault exit.
 */
#define KVMSIM_SHARED_ERRNO	EPERM

#define PAGES_2M	512ULL
#define PAGES_1G	(512ULL * PAGES_2M)

/* A new VM fd, or -errno. */
static inline int kvmsim_vm(void)
{
	int dev = open(KVMSIM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	int vm;

	if (dev < 0)
		return -errno;
	vm = xioctl(dev, KVMSIM_CREATE_VM, NULL);
	close(dev);
	return vm;
}

static inline int kvmsim_bind(int vm, int fd, unsigned long long pgoff,
			      unsigned long long npages,
			      unsigned long long gfn, unsigned long long *id)
{
	struct kvmsim_bind b = {
		.fd = fd, .pgoff = pgoff, .npages = npages, .base_gfn = gfn,
	};
	int r = xioctl(vm, KVMSIM_BIND, &b);

	if (!r && id)
		*id = b.id;
	return r;
}

/* As kvmsim_bind(), as KVM binds for a TD (KVMSIM_BIND_TDX). */
static inline int kvmsim_bind_tdx(int vm, int fd, unsigned long long pgoff,
				  unsigned long long npages,
				  unsigned long long gfn, unsigned long long *id)
{
	struct kvmsim_bind b = {
		.fd = fd, .flags = KVMSIM_BIND_TDX, .pgoff = pgoff,
		.npages = npages, .base_gfn = gfn,
	};
	int r = xioctl(vm, KVMSIM_BIND, &b);

	if (!r && id)
		*id = b.id;
	return r;
}

static inline int kvmsim_unbind(int vm, unsigned long long id)
{
	struct kvmsim_unbind u = { .id = id };

	return xioctl(vm, KVMSIM_UNBIND, &u);
}

/* Fault @gfn at up to @level; *out gets pfn, mapped level, max_order. */
static inline int kvmsim_fault(int vm, unsigned long long gfn, int level,
			       struct kvmsim_fault *out)
{
	struct kvmsim_fault f = { .gfn = gfn, .level = level };
	int r = xioctl(vm, KVMSIM_FAULT, &f);

	if (out)
		*out = f;
	return r;
}

/* S-EPT entry of @gfn: 0 (level, pfn filled) or -ENOENT. */
static inline int kvmsim_lookup(int vm, unsigned long long gfn,
				unsigned long long *pfn, int *level)
{
	struct kvmsim_lookup l = { .gfn = gfn };
	int r = xioctl(vm, KVMSIM_LOOKUP, &l);

	if (pfn)
		*pfn = l.pfn;
	if (level)
		*level = l.level;
	return r;
}

/* @vm = a new kvmsim VM; the test skips where kvmsim is not loaded. */
#define VM_OR_SKIP(vm)							\
	do {								\
		vm = kvmsim_vm();					\
		if (vm == -ENOENT)					\
			SKIP(return, "tdxgmem_kvmsim.ko not loaded");	\
		ASSERT_LE(0, vm);					\
	} while (0)

/* A fault at @gfn with KVMSIM_FAULT_* @flags; *@out: what it mapped. */
static inline int kvmsim_fault_flags(int vm, unsigned long long gfn,
				     int level, unsigned int flags,
				     struct kvmsim_fault *out)
{
	struct kvmsim_fault f = { .gfn = gfn, .level = level, .flags = flags };
	int r = xioctl(vm, KVMSIM_FAULT, &f);

	if (out)
		*out = f;
	return r;
}

/* A shared access at @gfn: mapped from tdxgmem_get_shared_pfn(). */
static inline int kvmsim_fault_shared(int vm, unsigned long long gfn,
				      struct kvmsim_fault *out)
{
	return kvmsim_fault_flags(vm, gfn, KVMSIM_LEVEL_2M,
				  KVMSIM_FAULT_SHARED, out);
}

/* Is @gfn mapped by a shared entry? 1, 0 (private), or -errno. */
static inline int kvmsim_mapped_shared(int vm, unsigned long long gfn)
{
	struct kvmsim_lookup l = { .gfn = gfn };
	int r = xioctl(vm, KVMSIM_LOOKUP, &l);

	return r ? r : !!(l.flags & KVMSIM_FAULT_SHARED);
}

static inline int kvmsim_access(int vm, unsigned long long gfn,
				unsigned int off, void *buf, unsigned int len,
				int write)
{
	struct kvmsim_access a = {
		.gfn = gfn, .offset = off, .len = len,
		.buf = (unsigned long long)(unsigned long)buf, .write = write,
	};

	return xioctl(vm, KVMSIM_ACCESS, &a);
}

static inline struct kvmsim_stats kvmsim_stats(int vm)
{
	struct kvmsim_stats s;

	memset(&s, 0xff, sizeof(s));
	if (xioctl(vm, KVMSIM_STATS, &s))
		memset(&s, 0xff, sizeof(s));
	return s;
}

/* @loops tdxgmem_get_pfn() calls on @gfn; 0 and the last order, or -errno. */
static inline int kvmsim_time_pfn(int vm, unsigned long long gfn,
				  unsigned int loops, int *max_order)
{
	struct kvmsim_time_pfn t = { .gfn = gfn, .loops = loops };
	int r = xioctl(vm, KVMSIM_TIME_PFN, &t);

	if (!r && max_order)
		*max_order = t.max_order;
	return r;
}

static inline long long kvmsim_mapped(int vm)
{
	struct kvmsim_stats s = kvmsim_stats(vm);

	return s.mapped_4k + s.mapped_2m + s.mapped_1g;
}

/* Full check now; the VM's violation count (or -errno). */
static inline long kvmsim_check(int vm)
{
	return xioctl(vm, KVMSIM_CHECK, NULL);
}

static inline int kvmsim_set_fail(int vm, unsigned int split_fails,
				  unsigned int inval_end_fails)
{
	struct kvmsim_set_fail f = {
		.split_fails = split_fails, .inval_end_fails = inval_end_fails,
	};

	return xioctl(vm, KVMSIM_SET_FAIL, &f);
}

/* The next @n invalidations leave kvmsim's mappings in place (injected). */
static inline int kvmsim_ignore_invalidations(int vm, unsigned int n)
{
	struct kvmsim_set_fail f = { .inval_ignores = n };

	return xioctl(vm, KVMSIM_SET_FAIL, &f);
}

/* A tdxgmem file of @size bytes, 2 MiB backing, all of it allocated. */
static inline int kvmsim_file(unsigned long long size,
			      unsigned long long flags, int populate)
{
	int fd = newfile(size, flags, 21);

	if (fd >= 0 && populate &&
	    xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, size)) {
		close(fd);
		return -ENOMEM;
	}
	return fd;
}

static inline int kvmsim_punch(int fd, unsigned long long pgoff,
			       unsigned long long npages)
{
	return xfallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			  pgoff * SZ_4K, npages * SZ_4K);
}

/* TDXGMEM_QUERY of the one page @pgoff: its extent, 0 or -errno. */
static inline int kvmsim_query_page(int fd, unsigned long long pgoff,
				    struct tdxgmem_extent *ext)
{
	unsigned int nr = 0;
	int r = tdxgmem_query(fd, pgoff * SZ_4K, SZ_4K, ext, 1, &nr, NULL);

	return r ? r : (nr == 1 ? 0 : -ENODATA);
}

/* TDXGMEM_STATE_* of page @pgoff, or ~0 on error. */
static inline unsigned int page_state(int fd, unsigned long long pgoff)
{
	struct tdxgmem_extent e;

	return kvmsim_query_page(fd, pgoff, &e) ? ~0U : e.state;
}

/* map_log2 of page @pgoff, or -1 on error. */
static inline int page_map_log2(int fd, unsigned long long pgoff)
{
	struct tdxgmem_extent e;

	return kvmsim_query_page(fd, pgoff, &e) ? -1 : e.map_log2;
}

#endif
