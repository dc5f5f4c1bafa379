// SPDX-License-Identifier: GPL-2.0
/* fallocate(): allocate, punch, bad modes and ranges, counters. */
#include <sys/mman.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "helpers.h"

#define KEEP		FALLOC_FL_KEEP_SIZE
#define PUNCH		(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)

struct snap {
	long long pages, chunk_allocs, page_allocs, fallbacks, frees;
	long long block_frees, block_splits;
};

static void snap(struct snap *s)
{
	s->pages = tdxgmem_pages();
	s->chunk_allocs = tdxgmem_stat("chunk_allocs");
	s->page_allocs = tdxgmem_stat("page_allocs");
	s->fallbacks = tdxgmem_stat("fallbacks");
	s->frees = tdxgmem_stat("frees");
	s->block_frees = tdxgmem_stat("block_frees");
	s->block_splits = tdxgmem_stat("block_splits");
}

static unsigned int query_state(int fd, unsigned long long off)
{
	struct tdxgmem_extent e;
	unsigned int nr;

	if (tdxgmem_query(fd, off, SZ_4K, &e, 1, &nr, NULL) || nr != 1)
		return ~0U;
	return e.state;
}

TEST(allocate_chunks)
{
	struct snap a, b;
	int fd = newfile(4 * SZ_2M, 0, 0);

	ASSERT_LE(0, fd);
	snap(&a);
	ASSERT_EQ(0, xfallocate(fd, KEEP, 0, 2 * SZ_2M));
	snap(&b);
	EXPECT_EQ(1024, b.pages - a.pages);
	/* A fresh 4G VM has 2 MiB blocks to give. */
	EXPECT_EQ(2, b.chunk_allocs - a.chunk_allocs);
	EXPECT_EQ(0, b.fallbacks - a.fallbacks);
	EXPECT_EQ(0, b.page_allocs - a.page_allocs);

	/* Again: nothing new. */
	ASSERT_EQ(0, xfallocate(fd, KEEP, 0, 2 * SZ_2M));
	ASSERT_EQ(0, xfallocate(fd, KEEP, SZ_4K, SZ_4K));
	snap(&a);
	EXPECT_EQ(b.pages, a.pages);
	EXPECT_EQ(b.chunk_allocs, a.chunk_allocs);
	EXPECT_EQ(b.page_allocs, a.page_allocs);

	/* Punch all of it. */
	ASSERT_EQ(0, xfallocate(fd, PUNCH, 0, 4 * SZ_2M));
	snap(&b);
	EXPECT_EQ(0, b.pages);
	EXPECT_EQ(1024, b.frees - a.frees);
	close(fd);
}

/*
 * A chunk nobody punched goes back as one 2 MiB block; a punch of part of
 * one splits it once, and its pages then go one by one.
 */
TEST(whole_chunks_freed_as_blocks)
{
	struct snap a, b;
	int fd = newfile(4 * SZ_2M, 0, 0);

	ASSERT_LE(0, fd);
	snap(&a);
	ASSERT_EQ(0, xfallocate(fd, KEEP, 0, 4 * SZ_2M));
	snap(&b);
	ASSERT_EQ(4, b.chunk_allocs - a.chunk_allocs);
	EXPECT_EQ(0, b.block_splits - a.block_splits);

	/* A whole chunk, 2M-aligned: one block. */
	ASSERT_EQ(0, xfallocate(fd, PUNCH, 0, SZ_2M));
	snap(&a);
	EXPECT_EQ(1, a.block_frees - b.block_frees);
	EXPECT_EQ(512, a.frees - b.frees);
	EXPECT_EQ(0, a.block_splits - b.block_splits);

	/* One page of the second chunk: split, one page freed. */
	ASSERT_EQ(0, xfallocate(fd, PUNCH, SZ_2M + SZ_4K, SZ_4K));
	snap(&b);
	EXPECT_EQ(0, b.block_frees - a.block_frees);
	EXPECT_EQ(1, b.frees - a.frees);
	EXPECT_EQ(1, b.block_splits - a.block_splits);
	EXPECT_EQ(1535, b.pages);

	/* Close: the two untouched chunks as blocks, 511 pages singly. */
	close(fd);
	snap(&a);
	EXPECT_EQ(2, a.block_frees - b.block_frees);
	EXPECT_EQ(1535, a.frees - b.frees);
	EXPECT_EQ(0, a.block_splits - b.block_splits);
	EXPECT_EQ(0, a.pages);
}

TEST(allocate_partial_chunk_is_4k)
{
	struct snap a, b;
	int fd = newfile(SZ_2M, 0, 0);

	ASSERT_LE(0, fd);
	snap(&a);
	ASSERT_EQ(0, xfallocate(fd, KEEP, SZ_4K, 3 * SZ_4K));
	snap(&b);
	EXPECT_EQ(3, b.pages - a.pages);
	EXPECT_EQ(3, b.page_allocs - a.page_allocs);
	EXPECT_EQ(0, b.chunk_allocs - a.chunk_allocs);
	EXPECT_EQ(0, b.fallbacks - a.fallbacks);
	/* The rest of a partly populated chunk is filled with 4 KiB pages. */
	ASSERT_EQ(0, xfallocate(fd, KEEP, 0, SZ_2M));
	snap(&a);
	EXPECT_EQ(512, a.pages);
	EXPECT_EQ(512, a.page_allocs - b.page_allocs + 3);
	EXPECT_EQ(0, a.chunk_allocs - b.chunk_allocs);
	close(fd);
	EXPECT_EQ(0, tdxgmem_pages());
}

TEST(allocate_log2_12)
{
	struct snap a, b;
	int fd = newfile(SZ_2M, 0, 12);

	ASSERT_LE(0, fd);
	snap(&a);
	ASSERT_EQ(0, xfallocate(fd, KEEP, 0, SZ_2M));
	snap(&b);
	EXPECT_EQ(512, b.pages - a.pages);
	EXPECT_EQ(512, b.page_allocs - a.page_allocs);
	EXPECT_EQ(0, b.chunk_allocs - a.chunk_allocs);
	EXPECT_EQ(0, b.fallbacks - a.fallbacks);
	close(fd);
	EXPECT_EQ(0, tdxgmem_pages());
}

TEST(allocate_tail)
{
	struct snap a, b;
	int fd = newfile(SZ_2M + 2 * SZ_4K, 0, 21);

	ASSERT_LE(0, fd);
	snap(&a);
	ASSERT_EQ(0, xfallocate(fd, KEEP, 0, SZ_2M + 2 * SZ_4K));
	snap(&b);
	EXPECT_EQ(514, b.pages - a.pages);
	EXPECT_EQ(1, b.chunk_allocs - a.chunk_allocs);
	EXPECT_EQ(2, b.page_allocs - a.page_allocs);
	close(fd);
	EXPECT_EQ(0, tdxgmem_pages());
}

TEST(bad_modes)
{
	int modes[] = { 0, FALLOC_FL_ZERO_RANGE,
			FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
			FALLOC_FL_PUNCH_HOLE,	/* VFS: needs KEEP_SIZE */
			FALLOC_FL_COLLAPSE_RANGE, FALLOC_FL_INSERT_RANGE,
			FALLOC_FL_UNSHARE_RANGE,
			FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_KEEP_SIZE };
	int fd = newfile(SZ_2M, 0, 0);

	ASSERT_LE(0, fd);
	for (unsigned int i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		EXPECT_EQ(-EOPNOTSUPP, xfallocate(fd, modes[i], 0, SZ_2M));
	}
	EXPECT_EQ(0, tdxgmem_pages());
	close(fd);
}

TEST(bad_ranges)
{
	int fd = newfile(SZ_2M, 0, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, xfallocate(fd, KEEP, 1, SZ_4K));
	EXPECT_EQ(-EINVAL, xfallocate(fd, KEEP, 0, SZ_4K + 1));
	EXPECT_EQ(-EINVAL, xfallocate(fd, KEEP, 0, 100));
	EXPECT_EQ(-EINVAL, xfallocate(fd, KEEP, 0, 0));		/* VFS */
	EXPECT_EQ(-EINVAL, xfallocate(fd, PUNCH, 2048, SZ_4K));
	EXPECT_EQ(-EINVAL, xfallocate(fd, PUNCH, 0, 2048));
	EXPECT_EQ(-EINVAL, xfallocate(fd, PUNCH, 0, 0));	/* VFS */
	/* Allocating beyond EOF. */
	EXPECT_EQ(-EINVAL, xfallocate(fd, KEEP, 0, SZ_2M + SZ_4K));
	EXPECT_EQ(-EINVAL, xfallocate(fd, KEEP, SZ_2M, SZ_4K));
	EXPECT_EQ(-EINVAL, xfallocate(fd, KEEP, SZ_2M - SZ_4K, 2 * SZ_4K));
	EXPECT_EQ(-EINVAL, xfallocate(fd, KEEP, SZ_1G, SZ_4K));
	/* off + len past the VFS's s_maxbytes / overflow: EFBIG from the VFS. */
	EXPECT_EQ(-EFBIG, xfallocate(fd, KEEP, 0x7ffffffffffff000ULL, SZ_4K));
	EXPECT_EQ(-EFBIG, xfallocate(fd, PUNCH, 0x7ffffffffffff000ULL, SZ_4K));
	EXPECT_EQ(0, tdxgmem_pages());
	close(fd);
}

TEST(punch_past_eof)
{
	int fd = newfile(SZ_2M, 0, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xfallocate(fd, KEEP, 0, SZ_2M));
	EXPECT_EQ(512, tdxgmem_pages());
	EXPECT_EQ(0, xfallocate(fd, PUNCH, SZ_2M, SZ_4K));
	EXPECT_EQ(0, xfallocate(fd, PUNCH, SZ_1G, SZ_1G));
	EXPECT_EQ(512, tdxgmem_pages());
	/* Straddling EOF: clipped. */
	EXPECT_EQ(0, xfallocate(fd, PUNCH, SZ_2M - 2 * SZ_4K, SZ_1G));
	EXPECT_EQ(510, tdxgmem_pages());
	/* Punching a hole twice is fine. */
	EXPECT_EQ(0, xfallocate(fd, PUNCH, SZ_2M - 2 * SZ_4K, 2 * SZ_4K));
	EXPECT_EQ(510, tdxgmem_pages());
	close(fd);
	EXPECT_EQ(0, tdxgmem_pages());
}

TEST(punch_keeps_attributes_shared)
{
	int fd = newfile(SZ_2M, TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED, 0);
	unsigned char *p;

	ASSERT_LE(0, fd);
	p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0xa5, SZ_2M);
	EXPECT_EQ(TDXGMEM_STATE_POPULATED, query_state(fd, 0));
	ASSERT_EQ(0, xfallocate(fd, PUNCH, 0, SZ_2M));
	EXPECT_EQ(0, tdxgmem_pages());
	/* Still shared: readable, and zero. */
	EXPECT_EQ(0, query_state(fd, 0));
	for (unsigned long i = 0; i < SZ_2M; i += 512)
		ASSERT_EQ(0, p[i]);
	EXPECT_EQ(TDXGMEM_STATE_POPULATED, query_state(fd, 0));
	munmap(p, SZ_2M);
	close(fd);
}

TEST(punch_keeps_attributes_private)
{
	int fd = newfile(SZ_2M, 0, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE, query_state(fd, SZ_4K));
	ASSERT_EQ(0, xfallocate(fd, KEEP, 0, SZ_2M));
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE | TDXGMEM_STATE_POPULATED,
		  query_state(fd, SZ_4K));
	ASSERT_EQ(0, xfallocate(fd, PUNCH, SZ_4K, SZ_4K));
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE, query_state(fd, SZ_4K));
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE | TDXGMEM_STATE_POPULATED,
		  query_state(fd, 0));
	close(fd);
}

static int ts_after(struct timespec a, struct timespec b)
{
	return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

/* stat after the clock moved on (the file times are jiffy-grained). */
static struct stat stat_later(int fd)
{
	struct stat st = {};

	usleep(20000);
	fstat(fd, &st);
	return st;
}

/*
 * A successful allocate or punch changes mtime and ctime, as on
 * guest_memfd; a failed one changes nothing.
 */
TEST(times_on_change)
{
	int fd = newfile(SZ_2M, 0, 0);
	struct stat a, b;

	ASSERT_LE(0, fd);
	a = stat_later(fd);
	ASSERT_EQ(0, xfallocate(fd, KEEP, 0, SZ_4K));
	b = stat_later(fd);
	EXPECT_TRUE(ts_after(b.st_mtim, a.st_mtim));
	EXPECT_TRUE(ts_after(b.st_ctim, a.st_ctim));
	ASSERT_EQ(0, xfallocate(fd, PUNCH, 0, SZ_4K));
	a = stat_later(fd);
	EXPECT_TRUE(ts_after(a.st_mtim, b.st_mtim));
	EXPECT_TRUE(ts_after(a.st_ctim, b.st_ctim));
	EXPECT_EQ(-EINVAL, xfallocate(fd, KEEP, 0, SZ_2M + SZ_4K));
	EXPECT_EQ(-EOPNOTSUPP, xfallocate(fd, 0, 0, SZ_4K));
	b = stat_later(fd);
	EXPECT_EQ(a.st_mtim.tv_sec, b.st_mtim.tv_sec);
	EXPECT_EQ(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec);
	EXPECT_EQ(a.st_ctim.tv_nsec, b.st_ctim.tv_nsec);
	close(fd);
}

TEST(zz_no_leaks)
{
	EXPECT_EQ(0, tdxgmem_stat("files"));
	EXPECT_EQ(0, tdxgmem_pages());
}

TEST_HARNESS_MAIN
