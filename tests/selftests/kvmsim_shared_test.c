// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer that maps shared pages from the file itself
 * (tdxgmem_get_shared_pfn(), as the patched KVM does for its memslots):
 * the page is the one userspace mmap()s, its kind is checked, and a
 * conversion to private unmaps the consumer's shared mappings while its
 * private mappings and their data stay (TDXGMEM_INVAL_TO_PRIVATE, no
 * split). Needs tdxgmem_kvmsim.ko loaded.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "kvmsim.h"

#define GFN0	0x200000ULL	/* 512-aligned base gfn */
#define PRIV	TDXGMEM_ATTR_PRIVATE
#define TO_PRIVATE	4	/* TDXGMEM_INVAL_TO_PRIVATE */

FIXTURE(shared) {
	int vm, fd;
	unsigned long long id;
	char *p;
	long long pages0;	/* tdxgmem's "pages" before the test */
	int quarantines;	/* the test leaves quarantined pages held */
};

/* Two 2 MiB chunks, all shared, mapped by userspace, bound at GFN0. */
FIXTURE_SETUP(shared)
{
	self->pages0 = tdxgmem_stat("pages");
	VM_OR_SKIP(self->vm);
	self->fd = kvmsim_file(2 * SZ_2M, TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED, 0);
	ASSERT_LE(0, self->fd);
	self->p = mmap(NULL, 2 * SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED,
		       self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->p);
	ASSERT_EQ(0, kvmsim_bind(self->vm, self->fd, 0, 2 * PAGES_2M, GFN0,
				 &self->id));
}

FIXTURE_TEARDOWN(shared)
{
	if (self->vm < 0)
		return;
	EXPECT_EQ(0, kvmsim_check(self->vm));
	munmap(self->p, 2 * SZ_2M);
	close(self->vm);
	close(self->fd);
	EXPECT_EQ(0, tdxgmem_stat("files"));
	if (!self->quarantines)
		EXPECT_EQ(self->pages0, tdxgmem_stat("pages"));
}

/* No second copy: the consumer maps the very page userspace sees. */
TEST_F(shared, same_page_as_mmap)
{
	struct kvmsim_fault f;
	char c = 0;

	self->p[5 * SZ_4K] = 'u';
	ASSERT_EQ(0, kvmsim_fault_shared(self->vm, GFN0 + 5, &f));
	EXPECT_EQ(pagemap_pfn(self->p + 5 * SZ_4K), f.pfn);
	EXPECT_EQ(0, f.max_order);
	EXPECT_EQ(KVMSIM_LEVEL_4K, f.level);		/* 2M asked */
	EXPECT_EQ(1, kvmsim_mapped_shared(self->vm, GFN0 + 5));
	ASSERT_EQ(0, kvmsim_access(self->vm, GFN0 + 5, 0, &c, 1, 0));
	EXPECT_EQ('u', c);
	c = 'g';
	ASSERT_EQ(0, kvmsim_access(self->vm, GFN0 + 5, 1, &c, 1, 1));
	EXPECT_EQ('g', self->p[5 * SZ_4K + 1]);

	/* A page nobody touched yet: allocated, zeroed, and the same. */
	ASSERT_EQ(0, kvmsim_fault_shared(self->vm, GFN0 + PAGES_2M + 7, &f));
	EXPECT_EQ(0, self->p[(PAGES_2M + 7) * SZ_4K]);
	EXPECT_EQ(pagemap_pfn(self->p + (PAGES_2M + 7) * SZ_4K), f.pfn);
	EXPECT_EQ(2, kvmsim_stats(self->vm).mapped_shared);
}

/* Each look-up refuses a page of the other kind. */
TEST_F(shared, kind_mismatch)
{
	ASSERT_EQ(0, tdxgmem_convert_pages(self->fd, 10, 1, PRIV, 0, NULL));
	EXPECT_EQ(-KVMSIM_SHARED_ERRNO,
		  kvmsim_fault_shared(self->vm, GFN0 + 10, NULL));
	EXPECT_EQ(-KVMSIM_SHARED_ERRNO,
		  kvmsim_fault(self->vm, GFN0 + 11, KVMSIM_LEVEL_4K, NULL));
	EXPECT_EQ(0, kvmsim_fault(self->vm, GFN0 + 10, KVMSIM_LEVEL_4K, NULL));
	EXPECT_EQ(0, kvmsim_fault_shared(self->vm, GFN0 + 11, NULL));
}

/*
 * To private over a range holding a 2M private mapping and shared ones:
 * no split, the shared mappings go, the private one stays with its data.
 */
TEST_F(shared, to_private_unmaps_only_shared)
{
	struct kvmsim_stats s0, s1;
	struct kvmsim_fault f;
	int level, v = 0x5eed;

	ASSERT_EQ(0, tdxgmem_convert_pages(self->fd, 0, PAGES_2M, PRIV, 0, NULL));
	ASSERT_EQ(0, kvmsim_fault(self->vm, GFN0 + 3, KVMSIM_LEVEL_2M, &f));
	if (f.level != KVMSIM_LEVEL_2M)
		SKIP(return, "no 2 MiB backing available");
	ASSERT_EQ(0, kvmsim_access(self->vm, GFN0 + 3, 8, &v, sizeof(v), 1));
	ASSERT_EQ(0, kvmsim_fault_shared(self->vm, GFN0 + PAGES_2M, NULL));
	ASSERT_EQ(0, kvmsim_fault_shared(self->vm, GFN0 + PAGES_2M + 1, NULL));

	s0 = kvmsim_stats(self->vm);
	ASSERT_EQ(0, tdxgmem_convert_pages(self->fd, 0, 2 * PAGES_2M, PRIV,
					   TDXGMEM_CONVERT_PRESERVE, NULL));
	s1 = kvmsim_stats(self->vm);
	EXPECT_EQ(1, s1.inval_reason[TO_PRIVATE] - s0.inval_reason[TO_PRIVATE]);
	EXPECT_EQ(0, s1.split_calls - s0.split_calls);
	EXPECT_EQ(0, s1.mapped_shared);
	EXPECT_EQ(-ENOENT, kvmsim_lookup(self->vm, GFN0 + PAGES_2M, NULL, NULL));
	ASSERT_EQ(0, kvmsim_lookup(self->vm, GFN0 + 3, NULL, &level));
	EXPECT_EQ(KVMSIM_LEVEL_2M, level);
	v = 0;
	ASSERT_EQ(0, kvmsim_access(self->vm, GFN0 + 3, 8, &v, sizeof(v), 0));
	EXPECT_EQ(0x5eed, v);
	/* The shared pages became private: now a private fault maps them. */
	EXPECT_EQ(0, kvmsim_fault(self->vm, GFN0 + PAGES_2M, KVMSIM_LEVEL_4K, NULL));
}

/* A consumer that cannot unmap its shared mapping: refused, quarantined. */
TEST_F(shared, to_private_unmap_failure)
{
	unsigned long long bad = 0;

	self->quarantines = 1;
	ASSERT_EQ(0, kvmsim_fault_shared(self->vm, GFN0 + 20, NULL));
	ASSERT_EQ(0, kvmsim_set_fail(self->vm, 0, 1));
	EXPECT_EQ(-EIO, tdxgmem_convert_pages(self->fd, 16, 8, PRIV, 0, &bad));
	EXPECT_EQ(16, bad);
	EXPECT_EQ(TDXGMEM_STATE_POPULATED | TDXGMEM_STATE_QUARANTINED,
		  page_state(self->fd, 20));
	EXPECT_EQ(0, kvmsim_stats(self->vm).mapped_shared);
	/* Never handed out again, of either kind. */
	EXPECT_EQ(-EIO, kvmsim_fault_shared(self->vm, GFN0 + 20, NULL));
	EXPECT_LE(8, tdxgmem_stat("quarantined"));
}

/* Punch: the shared mapping goes; the next fault gets a fresh zero page. */
TEST_F(shared, punch_unmaps_shared)
{
	struct kvmsim_fault f;
	char c = 'x';

	ASSERT_EQ(0, kvmsim_fault_shared(self->vm, GFN0 + 30, &f));
	ASSERT_EQ(0, kvmsim_access(self->vm, GFN0 + 30, 0, &c, 1, 1));
	ASSERT_EQ(0, kvmsim_punch(self->fd, 30, 1));
	EXPECT_EQ(-ENOENT, kvmsim_lookup(self->vm, GFN0 + 30, NULL, NULL));
	ASSERT_EQ(0, kvmsim_fault_shared(self->vm, GFN0 + 30, &f));
	ASSERT_EQ(0, kvmsim_access(self->vm, GFN0 + 30, 0, &c, 1, 0));
	EXPECT_EQ(0, c);
	EXPECT_EQ(0, self->p[30 * SZ_4K]);	/* maps it again */
	EXPECT_EQ(pagemap_pfn(self->p + 30 * SZ_4K), f.pfn);
}

/* Closing the file unmaps shared mappings too; look-ups get -ENODEV. */
TEST_F(shared, release_unmaps_shared)
{
	ASSERT_EQ(0, kvmsim_fault_shared(self->vm, GFN0 + 40, NULL));
	munmap(self->p, 2 * SZ_2M);
	self->p = mmap(NULL, 2 * SZ_2M, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(0, kvmsim_stats(self->vm).mapped_shared);
	EXPECT_EQ(-ENODEV, kvmsim_fault_shared(self->vm, GFN0 + 40, NULL));
}

TEST_HARNESS_MAIN
