// SPDX-License-Identifier: GPL-2.0
/*
 * Directed tests of tdxgmem's in-kernel API guarantees (DESIGN.md section
 * 4), through kvmsim (tests/kvmsim), which plays KVM with a software
 * S-EPT and counts invariant violations. Needs tdxgmem_kvmsim.ko loaded.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "kvmsim.h"

#define GFN0	0x100000ULL	/* 512-aligned base gfn */

/* Is page @pgoff of @fd backed by a 2 MiB chunk? */
static int backed_2m(int fd, unsigned long long pgoff)
{
	struct tdxgmem_extent e;

	return !kvmsim_query_page(fd, pgoff, &e) && e.backing_log2 == 21;
}

TEST(huge_fault_at_any_index)
{
	static const unsigned long long idx[] = { 0, 1, 255, 510, 511 };
	struct kvmsim_fault f;
	unsigned long long pfn, id;
	int vm, fd, level;

	VM_OR_SKIP(vm);
	fd = kvmsim_file(2 * SZ_2M, 0, 1);
	ASSERT_LE(0, fd);
	if (!backed_2m(fd, 0) || !backed_2m(fd, PAGES_2M))
		SKIP(return, "no 2 MiB backing available");
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, 2 * PAGES_2M, GFN0, &id));

	for (unsigned int i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		for (int chunk = 0; chunk < 2; chunk++) {
			unsigned long long gfn = GFN0 + chunk * PAGES_2M + idx[i];

			/* 4K asked: max_order still 9, maps 4K. */
			ASSERT_EQ(0, kvmsim_unbind(vm, id));
			ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, 2 * PAGES_2M, GFN0, &id));
			ASSERT_EQ(0, kvmsim_fault(vm, gfn, KVMSIM_LEVEL_4K, &f));
			EXPECT_EQ(9, f.max_order);
			EXPECT_EQ(KVMSIM_LEVEL_4K, f.level);
			EXPECT_EQ(gfn % PAGES_2M, f.pfn % PAGES_2M);

			/* 2M asked: the whole aligned chunk mapped 2M. */
			ASSERT_EQ(0, kvmsim_fault(vm, gfn, KVMSIM_LEVEL_2M, &f));
			EXPECT_EQ(9, f.max_order);
			EXPECT_EQ(KVMSIM_LEVEL_2M, f.level);
			EXPECT_EQ(gfn % PAGES_2M, f.pfn % PAGES_2M);
			ASSERT_EQ(0, kvmsim_lookup(vm, gfn - idx[i] + 300, &pfn, &level));
			EXPECT_EQ(KVMSIM_LEVEL_2M, level);
			EXPECT_EQ(f.pfn - idx[i] + 300, pfn);
		}
	}
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 77, KVMSIM_LEVEL_2M, &f));
	EXPECT_EQ(2, kvmsim_stats(vm).mapped_2m);
	EXPECT_EQ(0, kvmsim_stats(vm).mapped_4k);
	EXPECT_EQ(0, kvmsim_check(vm));
	close(vm);
	close(fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

TEST(punch_splits_once_then_order0)
{
	struct kvmsim_stats s0, s1;
	struct tdxgmem_extent e;
	struct kvmsim_fault f;
	unsigned long long pfn;
	int vm, fd, level;

	VM_OR_SKIP(vm);
	fd = kvmsim_file(2 * SZ_2M, 0, 1);
	ASSERT_LE(0, fd);
	if (!backed_2m(fd, 0))
		SKIP(return, "no 2 MiB backing available");
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, 2 * PAGES_2M, GFN0, NULL));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 7, KVMSIM_LEVEL_2M, &f));
	ASSERT_EQ(KVMSIM_LEVEL_2M, f.level);
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + PAGES_2M, KVMSIM_LEVEL_2M, &f));
	ASSERT_EQ(KVMSIM_LEVEL_2M, f.level);

	s0 = kvmsim_stats(vm);
	ASSERT_EQ(0, kvmsim_punch(fd, 100, 1));
	s1 = kvmsim_stats(vm);
	EXPECT_EQ(1, s1.split_calls - s0.split_calls);
	EXPECT_EQ(1, s1.splits - s0.splits);	/* one 2M entry demoted */
	EXPECT_EQ(1, s1.invalidations - s0.invalidations);
	EXPECT_EQ(1, s1.inval_reason[0] - s0.inval_reason[0]);	/* PUNCH */
	EXPECT_EQ(1, s1.mapped_2m);		/* the other chunk's */
	EXPECT_EQ(PAGES_2M - 1, s1.mapped_4k);
	EXPECT_EQ(0, s1.violations);

	EXPECT_EQ(-ENOENT, kvmsim_lookup(vm, GFN0 + 100, NULL, NULL));
	ASSERT_EQ(0, kvmsim_lookup(vm, GFN0 + 99, &pfn, &level));
	EXPECT_EQ(KVMSIM_LEVEL_4K, level);

	/* Neighbours are order 0 now, in tdxgmem's and kvmsim's view. */
	ASSERT_EQ(0, kvmsim_query_page(fd, 99, &e));
	EXPECT_EQ(12, e.map_log2);
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 99, KVMSIM_LEVEL_2M, &f));
	EXPECT_EQ(0, f.max_order);
	EXPECT_EQ(KVMSIM_LEVEL_4K, f.level);
	EXPECT_EQ(pfn, f.pfn);
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 511, KVMSIM_LEVEL_2M, &f));
	EXPECT_EQ(0, f.max_order);
	EXPECT_EQ(KVMSIM_LEVEL_4K, f.level);
	/* The punched page comes back (zeroed), at 4K. */
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 100, KVMSIM_LEVEL_2M, &f));
	EXPECT_EQ(KVMSIM_LEVEL_4K, f.level);
	EXPECT_EQ(0, kvmsim_check(vm));
	close(vm);
	close(fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

TEST(shared_page_fault)
{
	struct kvmsim_fault f;
	long long s0, f0;
	int vm, fd;

	VM_OR_SKIP(vm);
	fd = kvmsim_file(SZ_2M, TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED, 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, PAGES_2M, GFN0, NULL));
	EXPECT_EQ(-KVMSIM_SHARED_ERRNO, kvmsim_fault(vm, GFN0, KVMSIM_LEVEL_4K, &f));
	EXPECT_EQ(-KVMSIM_SHARED_ERRNO, kvmsim_fault(vm, GFN0 + 3, KVMSIM_LEVEL_2M, &f));
	EXPECT_EQ(0, kvmsim_mapped(vm));
	/* A shared mapping takes no reference: the block stays whole. */
	s0 = tdxgmem_stat("block_splits");
	f0 = tdxgmem_stat("block_frees");
	ASSERT_EQ(0, kvmsim_fault_shared(vm, GFN0 + 3, NULL));
	EXPECT_EQ(1, kvmsim_mapped_shared(vm, GFN0 + 3));
	EXPECT_EQ(s0, tdxgmem_stat("block_splits"));
	/* Unpopulated shared pages too. */
	ASSERT_EQ(0, kvmsim_punch(fd, 0, PAGES_2M));
	EXPECT_EQ(f0 + 1, tdxgmem_stat("block_frees"));
	EXPECT_EQ(0, kvmsim_mapped(vm));
	EXPECT_EQ(-KVMSIM_SHARED_ERRNO, kvmsim_fault(vm, GFN0 + 9, KVMSIM_LEVEL_4K, &f));
	EXPECT_EQ(0, kvmsim_check(vm));
	close(vm);
	close(fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

TEST(misaligned_binding_is_order0)
{
	struct kvmsim_fault f;
	int vm, fd;

	VM_OR_SKIP(vm);
	fd = kvmsim_file(2 * SZ_2M, 0, 1);
	ASSERT_LE(0, fd);
	/* base_gfn - pgoff = 1 mod 512. */
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, 2 * PAGES_2M, GFN0 + 1, NULL));
	for (unsigned long long g = 0; g < 2 * PAGES_2M; g += 97) {
		ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 1 + g, KVMSIM_LEVEL_2M, &f));
		EXPECT_EQ(0, f.max_order);
		EXPECT_EQ(KVMSIM_LEVEL_4K, f.level);
	}
	EXPECT_EQ(0, kvmsim_stats(vm).mapped_2m);
	EXPECT_EQ(0, kvmsim_check(vm));
	close(vm);
	close(fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

TEST(partial_chunk_binding)
{
	struct kvmsim_fault f;
	int vm, fd;

	VM_OR_SKIP(vm);
	fd = kvmsim_file(2 * SZ_2M, 0, 1);
	ASSERT_LE(0, fd);
	if (!backed_2m(fd, PAGES_2M))
		SKIP(return, "no 2 MiB backing available");
	/* Congruent, but chunk 0 only partly bound: 4K there, 2M in chunk 1. */
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 1, 2 * PAGES_2M - 1, GFN0 + 1, NULL));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 5, KVMSIM_LEVEL_2M, &f));
	EXPECT_GT(9, f.max_order);
	EXPECT_EQ(KVMSIM_LEVEL_4K, f.level);
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + PAGES_2M + 5, KVMSIM_LEVEL_2M, &f));
	EXPECT_EQ(9, f.max_order);
	EXPECT_EQ(KVMSIM_LEVEL_2M, f.level);
	EXPECT_EQ(0, kvmsim_check(vm));
	close(vm);
	close(fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

TEST(overlapping_bindings)
{
	unsigned long long id;
	int vm, vm2, fd, fd2;

	VM_OR_SKIP(vm);
	vm2 = kvmsim_vm();
	ASSERT_LE(0, vm2);
	fd = kvmsim_file(2 * SZ_2M, 0, 0);
	ASSERT_LE(0, fd);
	fd2 = kvmsim_file(SZ_2M, 0, 0);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, PAGES_2M, GFN0, &id));
	/* Same file pages, other VM: tdxgmem refuses. */
	EXPECT_EQ(-EBUSY, kvmsim_bind(vm2, fd, 256, PAGES_2M, GFN0, NULL));
	EXPECT_EQ(-EBUSY, kvmsim_bind(vm2, fd, 0, 1, 0, NULL));
	EXPECT_EQ(-EBUSY, kvmsim_bind(vm2, fd, PAGES_2M - 1, 2, 0, NULL));
	/* Same gfns in the same VM: kvmsim refuses. */
	EXPECT_EQ(-EEXIST, kvmsim_bind(vm, fd2, 0, PAGES_2M, GFN0 + 100, NULL));
	/* Disjoint file pages are fine. */
	EXPECT_EQ(0, kvmsim_bind(vm2, fd, PAGES_2M, PAGES_2M, 0, NULL));
	/* Bad ranges, wrong files. */
	EXPECT_EQ(-EINVAL, kvmsim_bind(vm, fd2, 0, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, kvmsim_bind(vm, fd2, 1, PAGES_2M, 0, NULL));
	EXPECT_EQ(-EINVAL, kvmsim_bind(vm, fd2, PAGES_2M, 1, 0, NULL));
	EXPECT_EQ(-EINVAL, kvmsim_bind(vm, vm2, 0, 1, 0, NULL));
	EXPECT_EQ(-EBADF, kvmsim_bind(vm, 9999, 0, 1, 0, NULL));
	/* After unbind the range is free again. */
	ASSERT_EQ(0, kvmsim_unbind(vm, id));
	EXPECT_EQ(-ENOENT, kvmsim_unbind(vm, id));
	EXPECT_EQ(0, kvmsim_bind(vm2, fd, 0, PAGES_2M, GFN0, NULL));
	EXPECT_EQ(0, kvmsim_check(vm));
	EXPECT_EQ(0, kvmsim_check(vm2));
	close(vm);
	close(vm2);
	close(fd);
	close(fd2);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

TEST(unbind_with_mappings)
{
	struct kvmsim_stats s0, s1;
	struct kvmsim_fault f, f2;
	unsigned long long id;
	int vm, fd;

	VM_OR_SKIP(vm);
	fd = kvmsim_file(2 * SZ_2M, 0, 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, 2 * PAGES_2M, GFN0, &id));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 3, KVMSIM_LEVEL_2M, &f));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + PAGES_2M + 3, KVMSIM_LEVEL_4K, NULL));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + PAGES_2M + 4, KVMSIM_LEVEL_4K, NULL));
	s0 = kvmsim_stats(vm);
	EXPECT_LT(0, s0.mapped_4k + s0.mapped_2m);
	ASSERT_EQ(0, kvmsim_unbind(vm, id));
	s1 = kvmsim_stats(vm);
	EXPECT_EQ(0, s1.mapped_4k + s1.mapped_2m);
	EXPECT_LE(1, s1.inval_reason[2] - s0.inval_reason[2]);	/* UNBIND */
	EXPECT_EQ(0, s1.violations);
	/* The pages stayed in the file. */
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, 2 * PAGES_2M, GFN0, &id));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 3, KVMSIM_LEVEL_2M, &f2));
	EXPECT_EQ(f.pfn, f2.pfn);
	EXPECT_EQ(0, kvmsim_check(vm));
	close(vm);
	close(fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

TEST(file_close_with_live_binding)
{
	struct kvmsim_stats s0, s1;
	unsigned long long id;
	int vm, fd;

	VM_OR_SKIP(vm);
	fd = kvmsim_file(2 * SZ_2M, 0, 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, 2 * PAGES_2M, GFN0, &id));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 3, KVMSIM_LEVEL_2M, NULL));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + PAGES_2M + 3, KVMSIM_LEVEL_4K, NULL));
	s0 = kvmsim_stats(vm);
	close(fd);
	s1 = kvmsim_stats(vm);
	EXPECT_LE(1, s1.invalidations - s0.invalidations);
	EXPECT_LE(1, s1.inval_reason[3] - s0.inval_reason[3]);	/* RELEASE */
	EXPECT_EQ(0, s1.mapped_4k + s1.mapped_2m);
	EXPECT_EQ(0, tdxgmem_stat("files"));
	EXPECT_EQ(0, tdxgmem_pages());
	EXPECT_EQ(-ENODEV, kvmsim_fault(vm, GFN0 + 3, KVMSIM_LEVEL_4K, NULL));
	EXPECT_EQ(-ENODEV, kvmsim_fault(vm, GFN0 + 700, KVMSIM_LEVEL_2M, NULL));
	EXPECT_EQ(0, kvmsim_check(vm));
	EXPECT_EQ(0, kvmsim_unbind(vm, id));
	EXPECT_EQ(0, kvmsim_check(vm));
	close(vm);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

TEST(split_failure_changes_nothing)
{
	struct kvmsim_stats s0, s1;
	struct tdxgmem_extent e;
	struct kvmsim_fault f;
	unsigned long long pfn;
	int vm, fd, level;

	VM_OR_SKIP(vm);
	fd = kvmsim_file(SZ_2M, 0, 1);
	ASSERT_LE(0, fd);
	if (!backed_2m(fd, 0))
		SKIP(return, "no 2 MiB backing available");
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, PAGES_2M, GFN0, NULL));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0, KVMSIM_LEVEL_2M, &f));
	ASSERT_EQ(KVMSIM_LEVEL_2M, f.level);

	ASSERT_EQ(0, kvmsim_set_fail(vm, 1, 0));
	s0 = kvmsim_stats(vm);
	EXPECT_EQ(-ENOMEM, kvmsim_punch(fd, 10, 1));
	s1 = kvmsim_stats(vm);
	EXPECT_EQ(1, s1.failed_injections - s0.failed_injections);
	EXPECT_EQ(0, s1.invalidations - s0.invalidations);
	ASSERT_EQ(0, kvmsim_query_page(fd, 10, &e));
	EXPECT_TRUE(e.state & TDXGMEM_STATE_POPULATED);
	EXPECT_TRUE(e.state & TDXGMEM_STATE_PRIVATE);
	EXPECT_EQ(21, e.map_log2);
	ASSERT_EQ(0, kvmsim_lookup(vm, GFN0 + 10, &pfn, &level));
	EXPECT_EQ(KVMSIM_LEVEL_2M, level);
	EXPECT_EQ(f.pfn + 10, pfn);
	EXPECT_EQ(0, kvmsim_check(vm));

	/* Without the injected failure the same punch works. */
	EXPECT_EQ(0, kvmsim_punch(fd, 10, 1));
	EXPECT_EQ(-ENOENT, kvmsim_lookup(vm, GFN0 + 10, NULL, NULL));
	ASSERT_EQ(0, kvmsim_query_page(fd, 10, &e));
	EXPECT_FALSE(e.state & TDXGMEM_STATE_POPULATED);
	EXPECT_EQ(0, kvmsim_check(vm));
	close(vm);
	close(fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

TEST(invalidate_end_failure_quarantines)
{
	long long q0 = tdxgmem_stat("quarantined");
	struct tdxgmem_extent e;
	struct kvmsim_fault f;
	int vm, fd, r;

	VM_OR_SKIP(vm);
	fd = kvmsim_file(SZ_2M, 0, 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, PAGES_2M, GFN0, NULL));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 5, KVMSIM_LEVEL_4K, &f));

	ASSERT_EQ(0, kvmsim_set_fail(vm, 0, 1));
	/* The page cannot be freed: punch says so. */
	r = kvmsim_punch(fd, 5, 1);
	EXPECT_EQ(-EIO, r);
	EXPECT_EQ(1, kvmsim_stats(vm).inval_end_errors);
	ASSERT_EQ(0, kvmsim_query_page(fd, 5, &e));
	EXPECT_TRUE(e.state & TDXGMEM_STATE_QUARANTINED);
	EXPECT_GT(0, kvmsim_fault(vm, GFN0 + 5, KVMSIM_LEVEL_4K, NULL));
	EXPECT_EQ(-ENOENT, kvmsim_lookup(vm, GFN0 + 5, NULL, NULL));
	EXPECT_LE(0, q0);
	EXPECT_LT(q0, tdxgmem_stat("quarantined"));
	/* Neighbours are unaffected. */
	EXPECT_EQ(0, kvmsim_fault(vm, GFN0 + 4, KVMSIM_LEVEL_4K, NULL));
	ASSERT_EQ(0, kvmsim_query_page(fd, 4, &e));
	EXPECT_FALSE(e.state & TDXGMEM_STATE_QUARANTINED);
	EXPECT_EQ(0, kvmsim_check(vm));
	close(vm);
	close(fd);
	EXPECT_EQ(0, tdxgmem_stat("files"));
}

TEST(zeroed_on_first_handout)
{
	static unsigned char buf[4096], zero[4096];
	struct kvmsim_stats s;
	int vm, fd;

	VM_OR_SKIP(vm);
	fd = kvmsim_file(SZ_2M, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, PAGES_2M, GFN0, NULL));
	/* Allocated by the fault itself. */
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 1, KVMSIM_LEVEL_2M, NULL));
	ASSERT_EQ(0, kvmsim_access(vm, GFN0 + 1, 0, buf, 4096, 0));
	EXPECT_EQ(0, memcmp(buf, zero, 4096));
	memset(buf, 0xa5, sizeof(buf));
	ASSERT_EQ(0, kvmsim_access(vm, GFN0 + 1, 0, buf, 4096, 1));
	/* Punch, fault again: the new page is zeroed, not our 0xa5. */
	ASSERT_EQ(0, kvmsim_punch(fd, 0, PAGES_2M));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 1, KVMSIM_LEVEL_4K, NULL));
	ASSERT_EQ(0, kvmsim_access(vm, GFN0 + 1, 0, buf, 4096, 0));
	EXPECT_EQ(0, memcmp(buf, zero, 4096));
	s = kvmsim_stats(vm);
	EXPECT_LE(2, s.zero_checks);
	EXPECT_EQ(0, s.violation[KVMSIM_V_NOT_ZERO]);
	EXPECT_EQ(0, kvmsim_check(vm));
	close(vm);
	close(fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

/*
 * Compaction never moves tdxgmem pages, private (seen through kvmsim) or
 * shared (seen through pagemap): they are not on the LRU and not movable.
 */
TEST(pages_never_migrate)
{
	int vm = kvmsim_vm();
	int fd = kvmsim_file(16 * SZ_2M, TDXGMEM_F_MMAP, 1);
	unsigned long long pfn[16], spfn[8], p;
	struct kvmsim_fault f;
	char *m;
	int i, cfd;

	ASSERT_LE(0, vm);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, 16 * PAGES_2M, 0, NULL));
	for (i = 0; i < 16; i++) {
		ASSERT_EQ(0, kvmsim_fault(vm, i * PAGES_2M + 7, KVMSIM_LEVEL_4K, &f));
		pfn[i] = f.pfn;
		ASSERT_EQ(0, kvmsim_access(vm, i * PAGES_2M + 7, 0, &i, sizeof(i), 1));
	}
	/* The last 2 MiB shared, mapped and written by userspace. */
	struct tdxgmem_attributes a = {
		.offset = 15 * SZ_2M, .size = SZ_2M,
	};
	ASSERT_EQ(0, xioctl(fd, TDXGMEM_SET_ATTRIBUTES, &a));
	m = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 15 * SZ_2M);
	ASSERT_NE(MAP_FAILED, m);
	for (i = 0; i < 8; i++) {
		m[i * 64 * SZ_4K] = i + 1;
		spfn[i] = pagemap_pfn(m + i * 64 * SZ_4K);
		ASSERT_NE(0, spfn[i]);
	}

	cfd = open("/proc/sys/vm/compact_memory", O_WRONLY);
	ASSERT_LE(0, cfd);
	ASSERT_EQ(1, write(cfd, "1", 1));
	close(cfd);

	for (i = 0; i < 15; i++) {
		int v = -1;

		ASSERT_EQ(0, kvmsim_lookup(vm, i * PAGES_2M + 7, &p, NULL));
		EXPECT_EQ(pfn[i], p);
		EXPECT_EQ(0, kvmsim_access(vm, i * PAGES_2M + 7, 0, &v, sizeof(v), 0));
		EXPECT_EQ(i, v);
	}
	for (i = 0; i < 8; i++) {
		EXPECT_EQ(spfn[i], pagemap_pfn(m + i * 64 * SZ_4K));
		EXPECT_EQ(i + 1, m[i * 64 * SZ_4K]);
	}
	EXPECT_EQ(0, kvmsim_check(vm));
	munmap(m, SZ_2M);
	close(vm);
	close(fd);
}

TEST(access_reads_back)
{
	unsigned char in[4096], out[4096];
	int vm, fd;

	VM_OR_SKIP(vm);
	fd = kvmsim_file(SZ_2M, 0, 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, PAGES_2M, GFN0, NULL));
	EXPECT_EQ(-ENOENT, kvmsim_access(vm, GFN0, 0, out, 8, 0));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0, KVMSIM_LEVEL_2M, NULL));
	for (int i = 0; i < 4096; i++)
		in[i] = i * 7 + 3;
	for (unsigned long long g = 0; g < PAGES_2M; g += 73) {
		in[0] = g;
		ASSERT_EQ(0, kvmsim_access(vm, GFN0 + g, 0, in, 4096, 1));
	}
	for (unsigned long long g = 0; g < PAGES_2M; g += 73) {
		in[0] = g;
		ASSERT_EQ(0, kvmsim_access(vm, GFN0 + g, 0, out, 4096, 0));
		EXPECT_EQ(0, memcmp(in, out, 4096));
	}
	ASSERT_EQ(0, kvmsim_access(vm, GFN0 + 1, 4000, in, 96, 1));
	ASSERT_EQ(0, kvmsim_access(vm, GFN0 + 1, 4000, out, 96, 0));
	EXPECT_EQ(0, memcmp(in, out, 96));
	EXPECT_EQ(-EINVAL, kvmsim_access(vm, GFN0, 4000, out, 97, 0));
	EXPECT_EQ(-EINVAL, kvmsim_access(vm, GFN0, 0, out, 0, 0));
	EXPECT_EQ(-EFAULT, kvmsim_access(vm, GFN0, 0, NULL, 8, 0));
	/* Data survives unbind + rebind (the pages stay in the file). */
	EXPECT_EQ(0, kvmsim_check(vm));
	close(vm);
	VM_OR_SKIP(vm);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, PAGES_2M, GFN0 + PAGES_2M, NULL));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + PAGES_2M + 73, KVMSIM_LEVEL_4K, NULL));
	ASSERT_EQ(0, kvmsim_access(vm, GFN0 + PAGES_2M + 73, 0, out, 4096, 0));
	in[0] = 73;
	EXPECT_EQ(0, memcmp(in, out, 4096));
	EXPECT_EQ(0, kvmsim_check(vm));
	close(vm);
	close(fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

/*
 * include/linux/tdxgmem.h, "The direct map and TDX": a TD's KVM writes each
 * private page it removes through the direct map (tdx_quirk_reset_paddr()),
 * also on the removals it starts itself, where the page is in the direct
 * map. kvmsim's KVMSIM_BIND_TDX does the same: on a file whose pages stay
 * in the direct map, the writes are seen afterwards.
 */
TEST(tdx_binding_resets_through_direct_map)
{
	unsigned char in[4096], out[4096], zero[4096] = { 0 };
	unsigned long long id;
	int vm, fd;

	VM_OR_SKIP(vm);
	fd = kvmsim_file(2 * SZ_2M, 0, 1);
	ASSERT_LE(0, fd);
	memset(in, 0x5a, sizeof(in));
	ASSERT_EQ(0, kvmsim_bind_tdx(vm, fd, 0, 2 * PAGES_2M, GFN0, &id));
	/* A removal the consumer starts itself: unbind. */
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 73, KVMSIM_LEVEL_2M, NULL));
	ASSERT_EQ(0, kvmsim_access(vm, GFN0 + 73, 0, in, 4096, 1));
	ASSERT_EQ(0, kvmsim_unbind(vm, id));
	EXPECT_EQ(PAGES_2M, kvmsim_stats(vm).resets);
	ASSERT_EQ(0, kvmsim_bind_tdx(vm, fd, 0, 2 * PAGES_2M, GFN0, &id));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 73, KVMSIM_LEVEL_4K, NULL));
	ASSERT_EQ(0, kvmsim_access(vm, GFN0 + 73, 0, out, 4096, 0));
	EXPECT_EQ(0, memcmp(zero, out, 4096));	/* reset, not kept */
	/* One tdxgmem starts: a punch inside a 2M mapping (split first). */
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + PAGES_2M, KVMSIM_LEVEL_2M, NULL));
	ASSERT_EQ(0, kvmsim_access(vm, GFN0 + PAGES_2M + 9, 0, in, 4096, 1));
	ASSERT_EQ(0, kvmsim_punch(fd, PAGES_2M + 8, 1));
	ASSERT_EQ(0, kvmsim_access(vm, GFN0 + PAGES_2M + 9, 0, out, 4096, 0));
	EXPECT_EQ(0, memcmp(in, out, 4096));	/* still mapped, untouched */
	EXPECT_EQ(0, kvmsim_check(vm));
	/* And closing the VM. */
	close(vm);
	close(fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

#define TDX_PW_MCE	"/sys/kernel/debug/tdxgmem/tdx_pw_mce"

/* Page @pg of @fd through a shared mmap(): 0 and *@out, or -errno. */
static int read_shared(int fd, unsigned long long pg, unsigned char *out)
{
	unsigned char *p = mmap(NULL, SZ_4K, PROT_READ, MAP_SHARED, fd,
				pg * SZ_4K);

	if (p == MAP_FAILED)
		return -errno;
	memcpy(out, p, SZ_4K);
	munmap(p, SZ_4K);
	return 0;
}

/*
 * The same on a NO_DIRECT_MAP file. KVM leaves a removed page that is out
 * of the direct map alone (no fault), and resets those tdxgmem put back
 * first (punch). tdxgmem resets, on CPUs with the erratum (tdx_pw_mce
 * plays one), every private page that comes back into the direct map,
 * once no consumer maps it, and only for files a TD bound; there, it lets
 * no consumer bind that would not reset pages itself.
 */
TEST(tdx_binding_on_nodirectmap_file)
{
	unsigned char in[4096], out[4096], zero[4096] = { 0 };
	unsigned long long id, pvt = TDXGMEM_ATTR_PRIVATE;
	unsigned long long keep = TDXGMEM_CONVERT_PRESERVE;
	struct kvmsim_stats s;
	long long r0;
	int vm, fd, plain;

	VM_OR_SKIP(vm);
	fd = newfile(2 * SZ_2M, TDXGMEM_F_NO_DIRECT_MAP | TDXGMEM_F_MMAP, 21);
	if (fd == -EOPNOTSUPP)
		SKIP(return, "no direct-map backend");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 2 * SZ_2M));
	ASSERT_EQ(0, write_str(TDX_PW_MCE, "N"));
	memset(in, 0x5a, sizeof(in));

	/* A removal the consumer starts itself: out of the direct map, kept. */
	ASSERT_EQ(0, kvmsim_bind_tdx(vm, fd, 0, 2 * PAGES_2M, GFN0, &id));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 73, KVMSIM_LEVEL_2M, NULL));
	ASSERT_EQ(0, kvmsim_access(vm, GFN0 + 73, 0, in, 4096, 1));
	ASSERT_EQ(0, kvmsim_unbind(vm, id));
	s = kvmsim_stats(vm);
	EXPECT_EQ(0, s.resets);
	EXPECT_EQ(PAGES_2M, s.reset_skipped);
	ASSERT_EQ(0, kvmsim_bind_tdx(vm, fd, 0, 2 * PAGES_2M, GFN0, &id));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 73, KVMSIM_LEVEL_4K, NULL));
	ASSERT_EQ(0, kvmsim_access(vm, GFN0 + 73, 0, out, 4096, 0));
	EXPECT_EQ(0, memcmp(in, out, 4096));

	/* One tdxgmem starts: the page is put back first, and KVM resets it. */
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + PAGES_2M, KVMSIM_LEVEL_2M, NULL));
	ASSERT_EQ(0, kvmsim_access(vm, GFN0 + PAGES_2M + 9, 0, in, 4096, 1));
	ASSERT_EQ(0, kvmsim_punch(fd, PAGES_2M + 8, 1));
	s = kvmsim_stats(vm);
	EXPECT_EQ(1, s.resets);
	ASSERT_EQ(0, kvmsim_access(vm, GFN0 + PAGES_2M + 9, 0, out, 4096, 0));
	EXPECT_EQ(0, memcmp(in, out, 4096));	/* still mapped, untouched */
	EXPECT_EQ(0, kvmsim_check(vm));
	ASSERT_EQ(0, kvmsim_unbind(vm, id));

	/* No erratum: nothing resets a page that becomes shared. */
	r0 = tdxgmem_stat("tdx_reset_pages");
	ASSERT_EQ(0, tdxgmem_convert_pages(fd, 73, 1, 0, keep, NULL));
	ASSERT_EQ(0, read_shared(fd, 73, out));
	EXPECT_EQ(0, memcmp(in, out, 4096));
	ASSERT_EQ(0, tdxgmem_convert_pages(fd, 73, 1, pvt, keep, NULL));

	/* The erratum: tdxgmem resets it on its way back; PRESERVE sees 0s. */
	ASSERT_EQ(0, write_str(TDX_PW_MCE, "Y"));
	ASSERT_EQ(0, tdxgmem_convert_pages(fd, 73, 1, 0, keep, NULL));
	ASSERT_EQ(0, read_shared(fd, 73, out));
	EXPECT_EQ(0, memcmp(zero, out, 4096));
	EXPECT_EQ(r0 + 1, tdxgmem_stat("tdx_reset_pages"));
	/* A consumer that does not reset what a TD gave back may not bind. */
	EXPECT_EQ(-EOPNOTSUPP, kvmsim_bind(vm, fd, 0, PAGES_2M, GFN0, NULL));
	EXPECT_EQ(0, kvmsim_bind_tdx(vm, fd, 0, PAGES_2M, GFN0, NULL));

	/* Closing frees every private page: each is reset first. */
	close(vm);
	close(fd);
	/* 1024 pages, one punched, one shared. */
	EXPECT_EQ(r0 + 1 + 2 * PAGES_2M - 2, tdxgmem_stat("tdx_reset_pages"));

	/* A file no TD bound is left alone. */
	plain = kvmsim_file(SZ_2M, TDXGMEM_F_NO_DIRECT_MAP, 1);
	ASSERT_LE(0, plain);
	r0 = tdxgmem_stat("tdx_reset_pages");
	close(plain);
	EXPECT_EQ(r0, tdxgmem_stat("tdx_reset_pages"));
	EXPECT_EQ(0, write_str(TDX_PW_MCE, "N"));
	EXPECT_TRUE(tdxgmem_no_leaks());
}

#define SCAN_ALWAYS	"/sys/kernel/debug/tdxgmem/poison_scan_always"

/*
 * A 2 MiB answer vouches that no page of the chunk is poisoned, and so does
 * the free of a whole block. The chunk's 512 pages are scanned once, when
 * the block is allocated (not when it comes from the pool with that scan
 * still valid), then not again while no memory failure is counted
 * (hwpoison_test checks that a new one is seen); a 4 KiB answer scans
 * nothing but its page. poison_scans counts the scans.
 */
TEST(two_mib_answers_scan_once)
{
	struct kvmsim_time_pfn t = { .gfn = GFN0, .loops = 1 };
	long long s0 = tdxgmem_stat("poison_scans"), b0;
	long long h0 = tdxgmem_stat("pool_hits");
	int vm, fd, order;

	VM_OR_SKIP(vm);
	ASSERT_EQ(0, write_str(SCAN_ALWAYS, "N"));
	fd = kvmsim_file(2 * SZ_2M, 0, 1);
	ASSERT_LE(0, fd);
	if (page_map_log2(fd, 0) != 21 || page_map_log2(fd, PAGES_2M) != 21)
		SKIP(return, "no 2 MiB backing available");
	/* Populate: a pooled block was scanned before it was pooled. */
	EXPECT_EQ(s0 + 2 - (tdxgmem_stat("pool_hits") - h0),
		  tdxgmem_stat("poison_scans"));
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, 2 * PAGES_2M, GFN0, NULL));
	s0 = tdxgmem_stat("poison_scans");
	ASSERT_EQ(0, kvmsim_time_pfn(vm, GFN0 + 5, 1000, &order));
	EXPECT_EQ(9, order);
	ASSERT_EQ(0, kvmsim_time_pfn(vm, GFN0 + 400, 1000, &order));
	EXPECT_EQ(9, order);
	EXPECT_EQ(s0, tdxgmem_stat("poison_scans"));
	/* The knob the benchmark compares with: every answer scans. */
	ASSERT_EQ(0, write_str(SCAN_ALWAYS, "Y"));
	ASSERT_EQ(0, kvmsim_time_pfn(vm, GFN0 + 5, 100, &order));
	EXPECT_EQ(s0 + 100, tdxgmem_stat("poison_scans"));
	ASSERT_EQ(0, write_str(SCAN_ALWAYS, "N"));
	/* A chunk with a shared page answers 4K and scans nothing. */
	ASSERT_EQ(0, tdxgmem_convert_pages(fd, PAGES_2M + 7, 1, 0, 0, NULL));
	ASSERT_EQ(0, kvmsim_time_pfn(vm, GFN0 + PAGES_2M + 9, 100, &order));
	EXPECT_EQ(0, order);
	EXPECT_EQ(s0 + 100, tdxgmem_stat("poison_scans"));
	/* Bad arguments: loops out of range, output or reserved fields set. */
	EXPECT_EQ(-EINVAL, kvmsim_time_pfn(vm, GFN0, 0, NULL));
	EXPECT_EQ(-EINVAL, kvmsim_time_pfn(vm, GFN0, 1000001, NULL));
	t.max_order = 9;
	EXPECT_EQ(-EINVAL, xioctl(vm, KVMSIM_TIME_PFN, &t));
	t.max_order = 0;
	t.ns = 1;
	EXPECT_EQ(-EINVAL, xioctl(vm, KVMSIM_TIME_PFN, &t));
	t.ns = 0;
	t.reserved[2] = 1;
	EXPECT_EQ(-EINVAL, xioctl(vm, KVMSIM_TIME_PFN, &t));
	EXPECT_EQ(-ENOENT, kvmsim_time_pfn(vm, GFN0 + 4 * PAGES_2M, 1, NULL));
	EXPECT_EQ(-EPERM, kvmsim_time_pfn(vm, GFN0 + PAGES_2M + 7, 1, NULL));
	close(vm);
	/* Both chunks go back as blocks, vouched for without a new scan. */
	b0 = tdxgmem_stat("block_frees");
	close(fd);
	EXPECT_EQ(b0 + 2, tdxgmem_stat("block_frees"));
	EXPECT_EQ(s0 + 100, tdxgmem_stat("poison_scans"));
	EXPECT_TRUE(tdxgmem_no_leaks());
}

/*
 * kvmsim's own "freed while mapped" check watches the page allocator and
 * tdxgmem's pool, not tdxgmem's bookkeeping: a consumer that keeps its
 * mappings over an invalidation (injected) is told that their pages were
 * freed, whether tdxgmem freed a whole 2 MiB block or one 4 KiB page of a
 * split one. Each free is reported once.
 *
 * A block freed whole goes back to the page allocator, or into tdxgmem's
 * pool of freed 2 MiB blocks (the default for a file of the root memcg),
 * which kvmsim sees through another tracepoint: both variants run, the
 * pool disabled (pool_max_pct 0) and enabled. The teardown, in the parent,
 * puts the parameters back whatever the test did.
 */
FIXTURE(freed_while_mapped) {
	long long max_pct, idle_ms;	/* -1: the module has no pool */
};

FIXTURE_VARIANT(freed_while_mapped) {
	int pooled;
};

FIXTURE_VARIANT_ADD(freed_while_mapped, to_allocator) { .pooled = 0 };
FIXTURE_VARIANT_ADD(freed_while_mapped, to_pool) { .pooled = 1 };

FIXTURE_SETUP(freed_while_mapped)
{
	self->max_pct = tdxgmem_param("pool_max_pct");
	self->idle_ms = tdxgmem_param("pool_idle_ms");
	if (self->max_pct < 0) {
		if (variant->pooled)
			SKIP(return, "no pool_max_pct: a module without a pool");
		return;
	}
	ASSERT_LE(0, self->idle_ms);
	/* No idle release in the middle of the test; room for the block. */
	ASSERT_EQ(0, tdxgmem_set_param("pool_idle_ms", 3600000));
	ASSERT_EQ(0, tdxgmem_set_param("pool_max_pct", 0));
	if (variant->pooled)
		ASSERT_EQ(0, tdxgmem_set_param("pool_max_pct", 25));
}

FIXTURE_TEARDOWN_PARENT(freed_while_mapped)
{
	if (self->max_pct < 0)
		return;
	EXPECT_EQ(0, tdxgmem_set_param("pool_max_pct", self->max_pct));
	EXPECT_EQ(0, tdxgmem_set_param("pool_idle_ms", self->idle_ms));
}

TEST_F(freed_while_mapped, is_caught)
{
	struct kvmsim_stats s0, s1;
	struct kvmsim_fault f;
	long long bf0, bs0, pp0;
	int vm, fd;

	VM_OR_SKIP(vm);
	fd = kvmsim_file(2 * SZ_2M, 0, 1);
	ASSERT_LE(0, fd);
	if (!backed_2m(fd, 0) || !backed_2m(fd, PAGES_2M))
		SKIP(return, "no 2 MiB backing available");
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, 2 * PAGES_2M, GFN0, NULL));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0, KVMSIM_LEVEL_2M, &f));
	ASSERT_EQ(KVMSIM_LEVEL_2M, f.level);
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + PAGES_2M + 3, KVMSIM_LEVEL_4K,
				  NULL));
	EXPECT_EQ(0, kvmsim_check(vm));

	/*
	 * The first chunk: one order-9 free under a 2M entry, to the page
	 * allocator or into the pool.
	 */
	bf0 = tdxgmem_stat("block_frees");
	pp0 = tdxgmem_stat("pool_puts");
	ASSERT_EQ(0, kvmsim_ignore_invalidations(vm, 1));
	s0 = kvmsim_stats(vm);
	EXPECT_EQ(0, kvmsim_punch(fd, 0, PAGES_2M));
	EXPECT_EQ(bf0 + 1, tdxgmem_stat("block_frees"));
	EXPECT_EQ(pp0 + variant->pooled, tdxgmem_stat("pool_puts"));
	EXPECT_LT(0, kvmsim_check(vm));
	s1 = kvmsim_stats(vm);
	EXPECT_EQ(1, s1.failed_injections - s0.failed_injections);
	EXPECT_EQ(1, s1.violation[KVMSIM_V_FREED] -
		     s0.violation[KVMSIM_V_FREED]);
	EXPECT_EQ(0, s1.violation[KVMSIM_V_SURVIVED] -
		     s0.violation[KVMSIM_V_SURVIVED]);

	/* One page of the second: its block is split, the page freed. */
	bs0 = tdxgmem_stat("block_splits");
	ASSERT_EQ(0, kvmsim_ignore_invalidations(vm, 1));
	s0 = kvmsim_stats(vm);
	EXPECT_EQ(0, kvmsim_punch(fd, PAGES_2M + 3, 1));
	EXPECT_EQ(bs0 + 1, tdxgmem_stat("block_splits"));
	kvmsim_check(vm);
	kvmsim_check(vm);
	s1 = kvmsim_stats(vm);
	EXPECT_EQ(1, s1.violation[KVMSIM_V_FREED] -
		     s0.violation[KVMSIM_V_FREED]);

	/*
	 * Its neighbour stays allocated: no false alarm. The stale entries
	 * go first: a freed page the allocator hands out and takes back
	 * again is another free, reported again (seen on the debug kernel).
	 */
	EXPECT_EQ(0, kvmsim_punch(fd, 0, PAGES_2M));
	EXPECT_EQ(0, kvmsim_punch(fd, PAGES_2M + 3, 1));
	s0 = kvmsim_stats(vm);
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + PAGES_2M + 4, KVMSIM_LEVEL_4K,
				  NULL));
	kvmsim_check(vm);
	s1 = kvmsim_stats(vm);
	EXPECT_EQ(0, s1.violation[KVMSIM_V_FREED] -
		     s0.violation[KVMSIM_V_FREED]);
	close(vm);
	close(fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

TEST(bad_arguments)
{
	struct kvmsim_bind b = { .fd = -1 };
	struct kvmsim_fault f = { .gfn = GFN0, .level = 13 };
	struct kvmsim_set_fail sf = { .reserved = { 1 } };
	struct kvmsim_set_fail sf_pad = { .pad = 1 };
	int vm, fd;

	VM_OR_SKIP(vm);
	fd = kvmsim_file(SZ_2M, 0, 0);
	ASSERT_LE(0, fd);
	b.fd = fd;
	b.npages = 1;
	b.reserved[2] = 1;
	EXPECT_EQ(-EINVAL, xioctl(vm, KVMSIM_BIND, &b));
	b.reserved[2] = 0;
	b.flags = 4;	/* unknown */
	EXPECT_EQ(-EINVAL, xioctl(vm, KVMSIM_BIND, &b));
	EXPECT_EQ(-EINVAL, xioctl(vm, KVMSIM_FAULT, &f));
	EXPECT_EQ(-EINVAL, xioctl(vm, KVMSIM_SET_FAIL, &sf));
	EXPECT_EQ(-EINVAL, xioctl(vm, KVMSIM_SET_FAIL, &sf_pad));
	EXPECT_EQ(-ENOENT, kvmsim_fault(vm, GFN0, KVMSIM_LEVEL_4K, NULL));
	EXPECT_EQ(-ENOTTY, xioctl(vm, _IO(KVMSIM_IOC_MAGIC, 0x7f), NULL));
	EXPECT_EQ(-EFAULT, xioctl(vm, KVMSIM_FAULT, NULL));
	EXPECT_EQ(0, kvmsim_check(vm));
	close(vm);
	close(fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

TEST_HARNESS_MAIN
