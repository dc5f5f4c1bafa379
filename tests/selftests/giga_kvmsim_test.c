// SPDX-License-Identifier: GPL-2.0
/*
 * 1 GiB chunks through kvmsim (tests/kvmsim): a file created with
 * huge_page_size_log2 30 whose GiB one 1 GiB allocation backs answers
 * max_order 18 to a binding congruent mod 2^18, kvmsim maps it with one 1G
 * entry, and a conversion or punch inside demotes that entry (1G -> 2M,
 * 2M -> 4K at edges not 2M-aligned) before anything changes. Skips when
 * GET_CAPS offers no 1 GiB chunks, or when the VM's memory did not give
 * one. Needs tdxgmem_kvmsim.ko loaded.
 */
#include "kselftest_harness.h"
#include "kvmsim.h"

/*
 * A test allocates and zeroes 1 GiB, kvmsim reads it back and peeks every
 * gfn: on a loaded host under TCG one took more than the harness's 30 s.
 * A watchdog, not a time budget.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300

#define GFN0	(4 * PAGES_1G)	/* 1G-aligned base gfn */
#define PRIV	TDXGMEM_ATTR_PRIVATE

/* Does GET_CAPS offer 1 GiB chunks? */
static int giga_offered(unsigned long long *page_sizes)
{
	struct tdxgmem_caps caps;

	tdxgmem_caps(&caps);
	*page_sizes = caps.page_sizes;
	return !!(caps.page_sizes & SZ_1G);
}

/* The first line of /proc/self/cgroup, for a skip's reason. */
static const char *own_cgroup(char *buf, int len)
{
	FILE *f = fopen("/proc/self/cgroup", "r");

	if (!f || !fgets(buf, len, f))
		snprintf(buf, len, "?");
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

/* The one extent of pages [@pg, @pg + @n), or a zeroed one if not one. */
static struct tdxgmem_extent extent_of(int fd, unsigned long long pg,
				       unsigned long long n)
{
	struct tdxgmem_extent e[2] = { 0 };
	unsigned int nr = 0;

	if (tdxgmem_query(fd, pg * SZ_4K, n * SZ_4K, e, 2, &nr, NULL) ||
	    nr != 1)
		memset(e, 0, sizeof(e[0]));
	return e[0];
}

/* Level of the S-EPT entry mapping @gfn, or -errno. */
static int level_of(int vm, unsigned long long gfn)
{
	int r, level;

	r = kvmsim_lookup(vm, gfn, NULL, &level);
	return r ? r : level;
}

FIXTURE(giga) {
	int vm, fd;
	unsigned long long id;
	unsigned long long pfn0;	/* pfn of file page 0 */
	int violations;			/* the test breaks a rule on purpose */
};

/*
 * A 1 GiB file, allocated, private, bound at GFN0 (1G-congruent); skip
 * unless one 1 GiB allocation backs it.
 */
FIXTURE_SETUP(giga)
{
	unsigned long long sizes = 0;
	long long g0, fb0;
	char cg[128];

	self->fd = -1;
	VM_OR_SKIP(self->vm);
	if (!giga_offered(&sizes))
		SKIP(return, "GET_CAPS page_sizes %#llx: no 1 GiB chunks", sizes);
	self->fd = newfile(SZ_1G, 0, 30);
	ASSERT_LE(0, self->fd);
	g0 = tdxgmem_stat("giga_allocs");
	fb0 = tdxgmem_stat("giga_fallbacks");
	ASSERT_EQ(0, xfallocate(self->fd, FALLOC_FL_KEEP_SIZE, 0, SZ_1G));
	if (tdxgmem_stat("giga_allocs") == g0)
		SKIP(return,
		     "no 1 GiB allocation: giga_fallbacks +%lld, MemFree %lld kB, cgroup %s",
		     tdxgmem_stat("giga_fallbacks") - fb0, meminfo_kb("MemFree"),
		     own_cgroup(cg, sizeof(cg)));
	ASSERT_EQ(g0 + 1, tdxgmem_stat("giga_allocs"));
	ASSERT_EQ(0, kvmsim_bind(self->vm, self->fd, 0, PAGES_1G, GFN0,
				 &self->id));
}

FIXTURE_TEARDOWN(giga)
{
	if (!self->violations)
		EXPECT_EQ(0, kvmsim_check(self->vm));
	close(self->vm);
	close(self->fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

/* Map the GiB at GFN0 with one 1G entry; *@pfn0 gets its first pfn. */
static int map_1g(int vm, unsigned long long *pfn0)
{
	struct kvmsim_fault f;

	if (kvmsim_fault(vm, GFN0 + 12345, KVMSIM_LEVEL_1G, &f) ||
	    f.level != KVMSIM_LEVEL_1G || f.max_order != 18)
		return -1;
	*pfn0 = f.pfn - 12345;
	return 0;
}

TEST_F(giga, one_entry_for_the_gib)
{
	unsigned long long gfn = GFN0 + 3 * PAGES_2M + 17, pfn;
	struct tdxgmem_extent e;
	struct kvmsim_stats s;
	struct kvmsim_fault f;
	int level;

	e = extent_of(self->fd, 0, PAGES_1G);
	EXPECT_EQ(SZ_1G, e.size);
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE | TDXGMEM_STATE_POPULATED, e.state);
	EXPECT_EQ(30, e.backing_log2);
	EXPECT_EQ(30, e.map_log2);

	/* 2M asked: a 2M entry, though the answer covers the GiB. */
	ASSERT_EQ(0, kvmsim_fault(self->vm, gfn, KVMSIM_LEVEL_2M, &f));
	EXPECT_EQ(18, f.max_order);
	EXPECT_EQ(KVMSIM_LEVEL_2M, f.level);
	EXPECT_EQ(gfn % PAGES_1G, f.pfn % PAGES_1G);

	/* 1G asked elsewhere: one entry replaces it. */
	ASSERT_EQ(0, kvmsim_fault(self->vm, GFN0 + PAGES_1G - 1,
				  KVMSIM_LEVEL_1G, &f));
	EXPECT_EQ(18, f.max_order);
	EXPECT_EQ(KVMSIM_LEVEL_1G, f.level);
	EXPECT_EQ(PAGES_1G - 1, f.pfn % PAGES_1G);
	s = kvmsim_stats(self->vm);
	EXPECT_EQ(1, s.mapped_1g);
	EXPECT_EQ(0, s.mapped_2m);
	EXPECT_EQ(0, s.mapped_4k);
	ASSERT_EQ(0, kvmsim_lookup(self->vm, GFN0, &pfn, &level));
	EXPECT_EQ(KVMSIM_LEVEL_1G, level);
	EXPECT_EQ(f.pfn - (PAGES_1G - 1), pfn);
	ASSERT_EQ(0, kvmsim_lookup(self->vm, gfn, &pfn, &level));
	EXPECT_EQ(KVMSIM_LEVEL_1G, level);
	EXPECT_EQ(f.pfn - (PAGES_1G - 1) + (gfn - GFN0), pfn);

	/* A smaller fault under it changes nothing. */
	ASSERT_EQ(0, kvmsim_fault(self->vm, gfn, KVMSIM_LEVEL_4K, &f));
	EXPECT_EQ(KVMSIM_LEVEL_1G, f.level);
	EXPECT_EQ(18, f.max_order);
	EXPECT_EQ(pfn, f.pfn);
	EXPECT_EQ(1, kvmsim_stats(self->vm).mapped_1g);
	/* Every gfn of the entry is peeked: the pfn tdxgmem has, order 18. */
	EXPECT_EQ(0, kvmsim_check(self->vm));

	/* Unbinding removes it. */
	ASSERT_EQ(0, kvmsim_unbind(self->vm, self->id));
	EXPECT_EQ(0, kvmsim_mapped(self->vm));
}

/*
 * One 4K page to shared in the middle: the split leaves 2M entries over
 * the untouched 2M blocks and 4K ones around the page; the GiB answers 9
 * (0 in the page's block) until the page is private again.
 */
TEST_F(giga, convert_4k_demotes_around_it)
{
	const unsigned long long blk = 300, pg = blk * PAGES_2M + 77;
	struct kvmsim_stats s0, s1;
	struct kvmsim_fault f;
	unsigned long long pfn;

	ASSERT_EQ(0, map_1g(self->vm, &self->pfn0));
	s0 = kvmsim_stats(self->vm);
	ASSERT_EQ(0, tdxgmem_convert_pages(self->fd, pg, 1, 0, 0, NULL));
	s1 = kvmsim_stats(self->vm);
	EXPECT_EQ(1, s1.split_calls - s0.split_calls);
	EXPECT_EQ(1, s1.splits_1g - s0.splits_1g);
	EXPECT_EQ(1, s1.splits - s0.splits);
	EXPECT_EQ(1, s1.invalidations - s0.invalidations);
	EXPECT_EQ(0, s1.mapped_1g);
	EXPECT_EQ(PAGES_2M - 1, s1.mapped_2m);
	EXPECT_EQ(PAGES_2M - 1, s1.mapped_4k);
	EXPECT_EQ(0, s1.violations);

	EXPECT_EQ(-ENOENT, level_of(self->vm, GFN0 + pg));
	EXPECT_EQ(KVMSIM_LEVEL_4K, level_of(self->vm, GFN0 + pg - 1));
	EXPECT_EQ(KVMSIM_LEVEL_4K, level_of(self->vm, GFN0 + pg + 1));
	EXPECT_EQ(KVMSIM_LEVEL_4K, level_of(self->vm, GFN0 + blk * PAGES_2M));
	EXPECT_EQ(KVMSIM_LEVEL_2M, level_of(self->vm, GFN0 + blk * PAGES_2M - 1));
	EXPECT_EQ(KVMSIM_LEVEL_2M, level_of(self->vm, GFN0 + (blk + 1) * PAGES_2M));
	EXPECT_EQ(KVMSIM_LEVEL_2M, level_of(self->vm, GFN0));
	EXPECT_EQ(KVMSIM_LEVEL_2M, level_of(self->vm, GFN0 + PAGES_1G - 1));
	/* Demoted entries map the pfns the 1G one did. */
	ASSERT_EQ(0, kvmsim_lookup(self->vm, GFN0 + pg + 1, &pfn, NULL));
	EXPECT_EQ(self->pfn0 + pg + 1, pfn);
	ASSERT_EQ(0, kvmsim_lookup(self->vm, GFN0 + 7 * PAGES_2M + 5, &pfn, NULL));
	EXPECT_EQ(self->pfn0 + 7 * PAGES_2M + 5, pfn);

	/* The GiB is not uniform: 2M at most, 4K in the page's block. */
	EXPECT_EQ(21, page_map_log2(self->fd, 0));
	EXPECT_EQ(21, page_map_log2(self->fd, PAGES_1G - 1));
	EXPECT_EQ(12, page_map_log2(self->fd, pg + 1));
	EXPECT_EQ(TDXGMEM_STATE_POPULATED, page_state(self->fd, pg));
	ASSERT_EQ(0, kvmsim_fault(self->vm, GFN0 + 5, KVMSIM_LEVEL_1G, &f));
	EXPECT_EQ(9, f.max_order);
	EXPECT_EQ(KVMSIM_LEVEL_2M, f.level);
	ASSERT_EQ(0, kvmsim_fault(self->vm, GFN0 + pg + 1, KVMSIM_LEVEL_1G, &f));
	EXPECT_EQ(0, f.max_order);
	EXPECT_EQ(KVMSIM_LEVEL_4K, f.level);
	EXPECT_EQ(-KVMSIM_SHARED_ERRNO,
		  kvmsim_fault(self->vm, GFN0 + pg, KVMSIM_LEVEL_4K, NULL));
	EXPECT_EQ(0, kvmsim_check(self->vm));

	/* Private again (zeroed in place): the one allocation, uniform. */
	ASSERT_EQ(0, tdxgmem_convert_pages(self->fd, pg, 1, PRIV, 0, NULL));
	EXPECT_EQ(30, page_map_log2(self->fd, pg));
	EXPECT_EQ(30, extent_of(self->fd, 0, PAGES_1G).map_log2);
	ASSERT_EQ(0, kvmsim_fault(self->vm, GFN0 + pg, KVMSIM_LEVEL_1G, &f));
	EXPECT_EQ(18, f.max_order);
	EXPECT_EQ(KVMSIM_LEVEL_1G, f.level);
	EXPECT_EQ(self->pfn0 + pg, f.pfn);
	s1 = kvmsim_stats(self->vm);
	EXPECT_EQ(1, s1.mapped_1g);
	EXPECT_EQ(0, s1.mapped_2m + s1.mapped_4k);
}

/* A split the consumer fails: the conversion fails, the 1G entry stays. */
TEST_F(giga, split_failure_keeps_the_entry)
{
	const unsigned long long pg = 1000;

	ASSERT_EQ(0, map_1g(self->vm, &self->pfn0));
	ASSERT_EQ(0, kvmsim_set_fail(self->vm, 1, 0));
	EXPECT_EQ(-ENOMEM, tdxgmem_convert_pages(self->fd, pg, 1, 0, 0, NULL));
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE | TDXGMEM_STATE_POPULATED,
		  page_state(self->fd, pg));
	EXPECT_EQ(KVMSIM_LEVEL_1G, level_of(self->vm, GFN0 + pg));
	EXPECT_EQ(1, kvmsim_stats(self->vm).mapped_1g);
	EXPECT_EQ(30, page_map_log2(self->fd, pg));
}

/*
 * A punched 2 MiB block inside: 2M entries everywhere else, and the GiB
 * never answers 18 again, not even once the hole is filled.
 */
TEST_F(giga, punch_2m_ends_1g)
{
	const unsigned long long blk = 100;
	struct kvmsim_stats s0, s1;
	struct kvmsim_fault f;
	long long g0;

	ASSERT_EQ(0, map_1g(self->vm, &self->pfn0));
	s0 = kvmsim_stats(self->vm);
	ASSERT_EQ(0, kvmsim_punch(self->fd, blk * PAGES_2M, PAGES_2M));
	s1 = kvmsim_stats(self->vm);
	EXPECT_EQ(1, s1.split_calls - s0.split_calls);
	EXPECT_EQ(1, s1.splits_1g - s0.splits_1g);
	EXPECT_EQ(0, s1.splits - s0.splits);	/* both edges 2M-aligned */
	EXPECT_EQ(0, s1.mapped_1g);
	EXPECT_EQ(PAGES_2M - 1, s1.mapped_2m);
	EXPECT_EQ(0, s1.mapped_4k);
	EXPECT_EQ(-ENOENT, level_of(self->vm, GFN0 + blk * PAGES_2M + 9));
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE,
		  page_state(self->fd, blk * PAGES_2M + 9));
	EXPECT_EQ(21, extent_of(self->fd, 0, blk * PAGES_2M).map_log2);

	/* The hole comes back as a 2 MiB chunk, the GiB at 2M at most. */
	g0 = tdxgmem_stat("giga_allocs");
	ASSERT_EQ(0, kvmsim_fault(self->vm, GFN0 + blk * PAGES_2M + 9,
				  KVMSIM_LEVEL_1G, &f));
	EXPECT_EQ(9, f.max_order);
	EXPECT_EQ(KVMSIM_LEVEL_2M, f.level);
	EXPECT_EQ(g0, tdxgmem_stat("giga_allocs"));
	EXPECT_EQ(21, extent_of(self->fd, blk * PAGES_2M, PAGES_2M).backing_log2);
	ASSERT_EQ(0, kvmsim_fault(self->vm, GFN0 + PAGES_1G - 1,
				  KVMSIM_LEVEL_1G, &f));
	EXPECT_EQ(9, f.max_order);
	EXPECT_EQ(KVMSIM_LEVEL_2M, f.level);
	EXPECT_EQ(21, extent_of(self->fd, 0, PAGES_1G).map_log2);
	EXPECT_EQ(0, kvmsim_stats(self->vm).mapped_1g);
}

/*
 * The GiB punched whole is empty again: its first fault may get a new
 * 1 GiB range (the memory permitting) and maps it at 1G.
 */
TEST_F(giga, first_fault_in_empty_gib)
{
	struct kvmsim_fault f;
	long long g0;

	ASSERT_EQ(0, kvmsim_punch(self->fd, 0, PAGES_1G));
	EXPECT_EQ(0, extent_of(self->fd, 0, PAGES_1G).backing_log2);
	g0 = tdxgmem_stat("giga_allocs");
	ASSERT_EQ(0, kvmsim_fault(self->vm, GFN0 + 5, KVMSIM_LEVEL_1G, &f));
	if (tdxgmem_stat("giga_allocs") == g0)
		SKIP(return, "no new 1 GiB range: giga_fallbacks %lld",
		     tdxgmem_stat("giga_fallbacks"));
	EXPECT_EQ(18, f.max_order);
	EXPECT_EQ(KVMSIM_LEVEL_1G, f.level);
	EXPECT_EQ(5, f.pfn % PAGES_1G);
	EXPECT_EQ(30, extent_of(self->fd, 0, PAGES_1G).map_log2);
	EXPECT_EQ(1, kvmsim_stats(self->vm).mapped_1g);
}

/*
 * tdxgmem answers a TD's binding 18 as any other (module/binding.c); KVM
 * for a TD maps private pages at 2M at most.
 */
TEST_F(giga, tdx_binding_caps_at_2m)
{
	struct kvmsim_fault f;

	ASSERT_EQ(0, kvmsim_unbind(self->vm, self->id));
	ASSERT_EQ(0, kvmsim_bind_tdx(self->vm, self->fd, 0, PAGES_1G, GFN0,
				     &self->id));
	ASSERT_EQ(0, kvmsim_fault(self->vm, GFN0 + 12345, KVMSIM_LEVEL_1G, &f));
	EXPECT_EQ(18, f.max_order);
	EXPECT_EQ(KVMSIM_LEVEL_2M, f.level);
	EXPECT_EQ(0, kvmsim_stats(self->vm).mapped_1g);
	EXPECT_EQ(1, kvmsim_stats(self->vm).mapped_2m);
}

/* Bindings that break congruence mod 2^18, or cut the GiB: 2M at most. */
TEST_F(giga, binding_not_congruent_or_partial)
{
	struct kvmsim_fault f;

	ASSERT_EQ(0, kvmsim_unbind(self->vm, self->id));
	ASSERT_EQ(0, kvmsim_bind(self->vm, self->fd, 0, PAGES_1G,
				 GFN0 + PAGES_2M, &self->id));
	ASSERT_EQ(0, kvmsim_fault(self->vm, GFN0 + PAGES_2M + 5,
				  KVMSIM_LEVEL_1G, &f));
	EXPECT_EQ(9, f.max_order);
	EXPECT_EQ(KVMSIM_LEVEL_2M, f.level);
	ASSERT_EQ(0, kvmsim_unbind(self->vm, self->id));

	ASSERT_EQ(0, kvmsim_bind(self->vm, self->fd, 0, PAGES_1G - PAGES_2M,
				 GFN0, &self->id));
	ASSERT_EQ(0, kvmsim_fault(self->vm, GFN0 + 5, KVMSIM_LEVEL_1G, &f));
	EXPECT_EQ(9, f.max_order);
	EXPECT_EQ(KVMSIM_LEVEL_2M, f.level);
	EXPECT_EQ(0, kvmsim_stats(self->vm).mapped_1g);
}

/*
 * kvmsim's freed-while-mapped watch covers 1G entries: a consumer that
 * keeps its 1G mapping over the punch of the GiB (injected) is told.
 */
TEST_F(giga, freed_while_mapped_1g_is_caught)
{
	struct kvmsim_stats s0, s1;

	ASSERT_EQ(0, map_1g(self->vm, &self->pfn0));
	EXPECT_EQ(0, kvmsim_check(self->vm));
	self->violations = 1;
	ASSERT_EQ(0, kvmsim_ignore_invalidations(self->vm, 1));
	s0 = kvmsim_stats(self->vm);
	EXPECT_EQ(0, kvmsim_punch(self->fd, 0, PAGES_1G));
	EXPECT_LT(0, kvmsim_check(self->vm));
	s1 = kvmsim_stats(self->vm);
	EXPECT_EQ(1, s1.failed_injections - s0.failed_injections);
	EXPECT_LE(1, s1.violation[KVMSIM_V_FREED] - s0.violation[KVMSIM_V_FREED]);
	EXPECT_EQ(0, s1.violation[KVMSIM_V_SURVIVED] -
		     s0.violation[KVMSIM_V_SURVIVED]);
}

/*
 * Levels: 12, 21 and 30 only; 1G asked of a 2 MiB chunk maps the largest
 * that fits. Needs no 1 GiB chunk.
 */
TEST(levels)
{
	static const int bad[] = { 0, 1, 11, 13, 20, 22, 29, 31, 39, 64, -1 };
	struct kvmsim_fault f;
	int vm, fd, order;

	VM_OR_SKIP(vm);
	fd = kvmsim_file(SZ_2M, 0, 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, PAGES_2M, GFN0, NULL));
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(-EINVAL, kvmsim_fault(vm, GFN0 + 3, bad[i], NULL));
	EXPECT_EQ(0, kvmsim_stats(vm).faults);
	EXPECT_EQ(0, kvmsim_mapped(vm));

	order = page_map_log2(fd, 3) - 12;
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 3, KVMSIM_LEVEL_1G, &f));
	EXPECT_EQ(order, f.max_order);
	EXPECT_EQ(order >= 9 ? KVMSIM_LEVEL_2M : KVMSIM_LEVEL_4K, f.level);
	EXPECT_EQ(0, kvmsim_stats(vm).mapped_1g);
	EXPECT_EQ(0, kvmsim_check(vm));
	close(vm);
	close(fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

TEST_HARNESS_MAIN
