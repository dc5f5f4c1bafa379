// SPDX-License-Identifier: GPL-2.0
/*
 * 1 GiB backing (huge_page_size_log2 30): what is backed by one 1 GiB
 * range and when, what QUERY reports as the range is converted and
 * punched, the direct map of a NO_DIRECT_MAP GiB moving as one run, and
 * that everything goes back when the file is closed.
 *
 * A fresh 4 GiB VM normally has a free 1 GiB range to give; when the
 * kernel could not make one (giga_fallbacks grew), the tests that need it
 * skip and say so.
 */
#include <sys/mman.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "helpers.h"

#define KEEP		FALLOC_FL_KEEP_SIZE
#define PUNCH		(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)
#define GIB_PAGES	(SZ_1G / SZ_4K)

struct snap {
	long long pages, giga_allocs, giga_fallbacks, chunk_allocs, fallbacks;
	long long frees, poison_scans, giga_frees;
};

static void snap(struct snap *s)
{
	s->pages = tdxgmem_pages();
	s->giga_allocs = tdxgmem_stat("giga_allocs");
	s->giga_fallbacks = tdxgmem_stat("giga_fallbacks");
	s->chunk_allocs = tdxgmem_stat("chunk_allocs");
	s->fallbacks = tdxgmem_stat("fallbacks");
	s->frees = tdxgmem_stat("frees");
	s->poison_scans = tdxgmem_stat("poison_scans");
	s->giga_frees = tdxgmem_stat("giga_frees");
}

static int have_giga(void)
{
	struct tdxgmem_caps caps;

	tdxgmem_caps(&caps);
	return !!(caps.page_sizes & (1ULL << 30));
}

/* The one extent QUERY gives for [off, off + size), or state ~0. */
static struct tdxgmem_extent extent_at(int fd, unsigned long long off,
				       unsigned long long size)
{
	struct tdxgmem_extent e = { .state = ~0U };
	unsigned int nr;

	if (tdxgmem_query(fd, off, size, &e, 1, &nr, NULL) || nr != 1)
		e.state = ~0U;
	return e;
}

/*
 * fallocate() the first GiB of @fd; SKIP (closing @fd) if the kernel
 * could not make a 1 GiB range.
 */
#define POPULATE_GIB_OR_SKIP(fd, off)					\
	do {								\
		struct snap _a, _b;					\
									\
		snap(&_a);						\
		ASSERT_EQ(0, xfallocate(fd, KEEP, off, SZ_1G));		\
		snap(&_b);						\
		if (_b.giga_allocs == _a.giga_allocs) {			\
			EXPECT_EQ(_a.giga_fallbacks + 1, _b.giga_fallbacks); \
			close(fd);					\
			SKIP(return, "no free 1 GiB range in this VM");	\
		}							\
	} while (0)

FIXTURE(giga) {};

FIXTURE_SETUP(giga)
{
	if (!have_giga())
		SKIP(return, "no 1 GiB backing on this kernel (GET_CAPS)");
}

FIXTURE_TEARDOWN(giga) {}

/* A whole GiB is one range: counted, reported, freed, all of it. */
TEST_F_TIMEOUT(giga, one_range_per_gib, 600)
{
	struct tdxgmem_extent e;
	struct snap a, b, c;
	int fd = newfile(SZ_1G, 0, 30);

	ASSERT_LE(0, fd);
	snap(&a);
	POPULATE_GIB_OR_SKIP(fd, 0);
	snap(&b);
	EXPECT_EQ(1, b.giga_allocs - a.giga_allocs);
	EXPECT_EQ(0, b.giga_fallbacks - a.giga_fallbacks);
	EXPECT_EQ(GIB_PAGES, b.pages - a.pages);
	EXPECT_EQ(0, b.chunk_allocs - a.chunk_allocs);
	EXPECT_EQ(0, b.fallbacks - a.fallbacks);
	/* Each chunk is scanned for poison once, at allocation. */
	EXPECT_EQ(512, b.poison_scans - a.poison_scans);

	e = extent_at(fd, 0, SZ_1G);
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE | TDXGMEM_STATE_POPULATED, e.state);
	EXPECT_EQ(SZ_1G, e.size);
	EXPECT_EQ(30, e.backing_log2);
	EXPECT_EQ(30, e.map_log2);

	/* Populated already: nothing more. */
	ASSERT_EQ(0, xfallocate(fd, KEEP, 0, SZ_1G));
	snap(&c);
	EXPECT_EQ(b.giga_allocs, c.giga_allocs);
	EXPECT_EQ(b.pages, c.pages);

	close(fd);
	snap(&c);
	EXPECT_EQ(a.pages, c.pages);
	EXPECT_EQ(GIB_PAGES, c.frees - b.frees);
	/* In one call to the allocator. */
	EXPECT_EQ(1, c.giga_frees - b.giga_frees);
}

/* A punch of the whole GiB frees the range whole; it can come back. */
TEST_F_TIMEOUT(giga, punch_whole_gib, 600)
{
	struct snap a, b;
	int fd = newfile(2 * SZ_1G, 0, 30);

	ASSERT_LE(0, fd);
	POPULATE_GIB_OR_SKIP(fd, SZ_1G);
	snap(&a);
	/* Not the whole GiB: no range is freed. */
	ASSERT_EQ(0, xfallocate(fd, PUNCH, SZ_1G + SZ_2M, SZ_1G));
	snap(&b);
	EXPECT_EQ(0, b.giga_frees - a.giga_frees);
	EXPECT_EQ(GIB_PAGES - 512, b.frees - a.frees);
	close(fd);

	fd = newfile(2 * SZ_1G, 0, 30);
	ASSERT_LE(0, fd);
	POPULATE_GIB_OR_SKIP(fd, SZ_1G);
	snap(&a);
	ASSERT_EQ(0, xfallocate(fd, PUNCH, 0, 2 * SZ_1G));
	snap(&b);
	EXPECT_EQ(1, b.giga_frees - a.giga_frees);
	EXPECT_EQ(GIB_PAGES, b.frees - a.frees);
	EXPECT_EQ(-(long long)GIB_PAGES, b.pages - a.pages);
	EXPECT_EQ(0, extent_at(fd, SZ_1G, SZ_1G).backing_log2);
	/* Empty again: a new range. */
	POPULATE_GIB_OR_SKIP(fd, SZ_1G);
	EXPECT_EQ(30, extent_at(fd, SZ_1G, SZ_1G).backing_log2);
	close(fd);
}

/* Only what a call covers whole gets a 1 GiB range; no fallback counted. */
TEST_F_TIMEOUT(giga, partial_gib_is_chunks, 600)
{
	struct snap a, b;
	int fd = newfile(SZ_1G + SZ_2M, 0, 30);

	ASSERT_LE(0, fd);
	snap(&a);
	ASSERT_EQ(0, xfallocate(fd, KEEP, 0, SZ_2M));
	/* The tail GiB of the file is not whole: 2 MiB. */
	ASSERT_EQ(0, xfallocate(fd, KEEP, SZ_1G, SZ_2M));
	snap(&b);
	EXPECT_EQ(0, b.giga_allocs - a.giga_allocs);
	EXPECT_EQ(0, b.giga_fallbacks - a.giga_fallbacks);
	EXPECT_EQ(2, b.chunk_allocs - a.chunk_allocs);
	EXPECT_EQ(21, extent_at(fd, 0, SZ_2M).backing_log2);
	/* A GiB with a populated chunk is never backed whole. */
	ASSERT_EQ(0, xfallocate(fd, KEEP, 0, SZ_1G));
	snap(&a);
	EXPECT_EQ(b.giga_allocs, a.giga_allocs);
	EXPECT_EQ(b.giga_fallbacks, a.giga_fallbacks);
	EXPECT_EQ(511, a.chunk_allocs - b.chunk_allocs);
	close(fd);
}

/*
 * A conversion inside the GiB lowers what may be mapped, not the backing;
 * converting back makes the GiB mappable whole again.
 */
TEST_F_TIMEOUT(giga, convert_lowers_map_log2, 600)
{
	const unsigned long long pg = GIB_PAGES / 2 + 3;
	struct tdxgmem_extent ext[8];
	unsigned int nr;
	int fd = newfile(SZ_1G, 0, 30);

	ASSERT_LE(0, fd);
	POPULATE_GIB_OR_SKIP(fd, 0);
	ASSERT_EQ(0, tdxgmem_convert_pages(fd, pg, 1, 0, 0, NULL));
	ASSERT_EQ(0, tdxgmem_query(fd, 0, SZ_1G, ext, 8, &nr, NULL));
	/* 2M mappable | chunk's private pages at 4K | the shared page | ... */
	ASSERT_EQ(5, nr);
	EXPECT_EQ(21, ext[0].map_log2);
	EXPECT_EQ((pg & ~511ULL) * SZ_4K, ext[0].size);
	EXPECT_EQ(12, ext[1].map_log2);
	EXPECT_EQ(TDXGMEM_STATE_POPULATED, ext[2].state);
	EXPECT_EQ(pg * SZ_4K, ext[2].offset);
	EXPECT_EQ(0, ext[2].map_log2);
	EXPECT_EQ(12, ext[3].map_log2);
	EXPECT_EQ(21, ext[4].map_log2);
	for (unsigned int i = 0; i < nr; i++)
		EXPECT_EQ(30, ext[i].backing_log2);

	ASSERT_EQ(0, tdxgmem_convert_pages(fd, pg, 1, TDXGMEM_ATTR_PRIVATE, 0,
					   NULL));
	EXPECT_EQ(30, extent_at(fd, 0, SZ_1G).map_log2);
	close(fd);
}

/* A punch inside breaks the range for good: 2 MiB chunks from then on. */
TEST_F_TIMEOUT(giga, punch_breaks_range, 600)
{
	struct tdxgmem_extent ext[4];
	struct snap a, b;
	unsigned int nr;
	int fd = newfile(SZ_1G, 0, 30);

	ASSERT_LE(0, fd);
	POPULATE_GIB_OR_SKIP(fd, 0);
	snap(&a);
	ASSERT_EQ(0, xfallocate(fd, PUNCH, 100 * SZ_2M, SZ_2M));
	snap(&b);
	EXPECT_EQ(512, b.frees - a.frees);
	EXPECT_EQ(0, b.giga_frees - a.giga_frees);
	EXPECT_EQ(-512, b.pages - a.pages);
	ASSERT_EQ(0, tdxgmem_query(fd, 0, SZ_1G, ext, 4, &nr, NULL));
	ASSERT_EQ(3, nr);
	EXPECT_EQ(21, ext[0].backing_log2);
	EXPECT_EQ(21, ext[0].map_log2);
	EXPECT_EQ(0, ext[1].backing_log2);
	EXPECT_EQ(100 * SZ_2M, ext[1].offset);
	EXPECT_EQ(21, ext[2].backing_log2);

	/* Refilled by a 2 MiB block; the GiB never comes back whole. */
	ASSERT_EQ(0, xfallocate(fd, KEEP, 0, SZ_1G));
	snap(&a);
	EXPECT_EQ(1, a.chunk_allocs - b.chunk_allocs);
	EXPECT_EQ(b.giga_allocs, a.giga_allocs);
	ext[0] = extent_at(fd, 0, SZ_1G);
	EXPECT_EQ(SZ_1G, ext[0].size);
	EXPECT_EQ(21, ext[0].backing_log2);
	EXPECT_EQ(21, ext[0].map_log2);
	close(fd);
}

/* A user fault in an empty GiB of a shared file backs the whole GiB. */
TEST_F_TIMEOUT(giga, fault_backs_gib, 600)
{
	struct snap a, b;
	struct tdxgmem_extent e;
	volatile char *p;
	int fd = newfile(SZ_1G, TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED, 30);

	ASSERT_LE(0, fd);
	p = mmap(NULL, SZ_1G, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	snap(&a);
	p[SZ_1G / 2] = 1;
	snap(&b);
	if (b.giga_allocs == a.giga_allocs) {
		EXPECT_EQ(a.giga_fallbacks + 1, b.giga_fallbacks);
		munmap((void *)p, SZ_1G);
		close(fd);
		SKIP(return, "no free 1 GiB range in this VM");
	}
	EXPECT_EQ(GIB_PAGES, b.pages - a.pages);
	EXPECT_EQ(1, p[SZ_1G / 2]);
	EXPECT_EQ(0, p[0]);
	e = extent_at(fd, 0, SZ_1G);
	EXPECT_EQ(TDXGMEM_STATE_POPULATED, e.state);
	EXPECT_EQ(30, e.backing_log2);
	EXPECT_EQ(0, e.map_log2);
	munmap((void *)p, SZ_1G);
	close(fd);
	EXPECT_EQ(a.pages, tdxgmem_pages());
	/* A mapped range is freed page by page: a page may outlive it. */
	EXPECT_EQ(b.giga_frees, tdxgmem_stat("giga_frees"));
}

/* A page of the range in a pipe outlives the file, intact, no splat. */
TEST_F_TIMEOUT(giga, page_in_pipe_outlives_file, 600)
{
	long long ga = tdxgmem_stat("giga_allocs");
	char buf[4096] = {};
	struct iovec iov;
	int fd, pfd[2];
	char *p;

	fd = newfile(SZ_1G, TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED, 30);
	ASSERT_LE(0, fd);
	p = mmap(NULL, SZ_1G, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[5 * SZ_4K] = 0x5a;
	if (tdxgmem_stat("giga_allocs") == ga) {
		munmap(p, SZ_1G);
		close(fd);
		SKIP(return, "no free 1 GiB range in this VM");
	}
	ASSERT_EQ(0, pipe(pfd));
	iov.iov_base = p + 5 * SZ_4K;
	iov.iov_len = SZ_4K;
	ASSERT_EQ(SZ_4K, vmsplice(pfd[1], &iov, 1, 0));
	munmap(p, SZ_1G);
	close(fd);
	ASSERT_EQ(SZ_4K, read(pfd[0], buf, sizeof(buf)));
	EXPECT_EQ(0x5a, buf[0]);
	close(pfd[0]);
	close(pfd[1]);
}

/*
 * NO_DIRECT_MAP: the GiB leaves and comes back as one run, so a 1 GiB
 * leaf of the direct map is never split.
 */
TEST_F_TIMEOUT(giga, nodm_one_run, 600)
{
	long long z0, r0, f0, s3, dm1g = meminfo_kb("DirectMap1G");
	struct tdxgmem_caps caps = {};
	int dev = tdxgmem_open_dev(), fd;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, xioctl(dev, TDXGMEM_GET_CAPS, &caps));
	close(dev);
	if (!(caps.supported_flags & TDXGMEM_F_NO_DIRECT_MAP))
		SKIP(return, "no direct-map backend");
	fd = newfile(SZ_1G, TDXGMEM_F_NO_DIRECT_MAP, 30);
	ASSERT_LE(0, fd);
	z0 = tdxgmem_stat("dm_zapped_pages");
	r0 = tdxgmem_stat("dm_restored_pages");
	f0 = tdxgmem_stat("dm_tlb_flushes");
	s3 = vmstat("direct_map_level3_splits");
	POPULATE_GIB_OR_SKIP(fd, 0);
	EXPECT_EQ(GIB_PAGES, tdxgmem_stat("dm_zapped_pages") - z0);
	EXPECT_EQ(1, tdxgmem_stat("dm_tlb_flushes") - f0);
	close(fd);
	EXPECT_EQ(GIB_PAGES, tdxgmem_stat("dm_restored_pages") - r0);
	EXPECT_EQ(2, tdxgmem_stat("dm_tlb_flushes") - f0);
	TH_LOG("DirectMap1G %lld kB; direct_map_level3_splits +%lld",
	       dm1g, vmstat("direct_map_level3_splits") - s3);
	if (s3 >= 0)
		EXPECT_EQ(s3, vmstat("direct_map_level3_splits"));
}

TEST(no_leaks)
{
	EXPECT_TRUE(tdxgmem_no_leaks());
}

TEST_HARNESS_MAIN
