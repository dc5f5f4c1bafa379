// SPDX-License-Identifier: GPL-2.0
/* TDXGMEM_QUERY: states, backing and mapping orders, merging, paging. */
#include "kselftest_harness.h"
#include "helpers.h"

#define KEEP		FALLOC_FL_KEEP_SIZE
#define PUNCH		(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)
#define PRIV		TDXGMEM_STATE_PRIVATE
#define POP		TDXGMEM_STATE_POPULATED

#define EXPECT_EXT(e, off, sz, st, b, m) do {			\
	EXPECT_EQ((off), (e).offset);				\
	EXPECT_EQ((sz), (e).size);				\
	EXPECT_EQ((st), (e).state);				\
	EXPECT_EQ((b), (e).backing_log2);			\
	EXPECT_EQ((m), (e).map_log2);				\
	EXPECT_EQ(0, (e).reserved);				\
} while (0)

TEST(untouched_file)
{
	struct tdxgmem_extent e[4];
	unsigned long long next;
	unsigned int nr;
	int fd = newfile(8 * SZ_2M, 0, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tdxgmem_query(fd, 0, 8 * SZ_2M, e, 4, &nr, &next));
	EXPECT_EQ(1, nr);
	EXPECT_EQ(8 * SZ_2M, next);
	EXPECT_EXT(e[0], 0, 8 * SZ_2M, PRIV, 0, 0);
	close(fd);
}

TEST(default_file_2m)
{
	struct tdxgmem_extent e[4];
	unsigned long long next;
	unsigned int nr;
	int fd = newfile(4 * SZ_2M, 0, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xfallocate(fd, KEEP, 0, 2 * SZ_2M));
	ASSERT_EQ(0, tdxgmem_query(fd, 0, 4 * SZ_2M, e, 4, &nr, &next));
	ASSERT_EQ(2, nr);
	EXPECT_EQ(4 * SZ_2M, next);
	/* Two contiguous chunks merge into one extent. */
	EXPECT_EXT(e[0], 0, 2 * SZ_2M, PRIV | POP, 21, 21);
	EXPECT_EXT(e[1], 2 * SZ_2M, 2 * SZ_2M, PRIV, 0, 0);
	/* A sub-range is clipped to what was asked. */
	ASSERT_EQ(0, tdxgmem_query(fd, SZ_4K, SZ_4K, e, 4, &nr, &next));
	ASSERT_EQ(1, nr);
	EXPECT_EQ(2 * SZ_4K, next);
	EXPECT_EXT(e[0], SZ_4K, SZ_4K, PRIV | POP, 21, 21);
	close(fd);
}

TEST(size_log2_12)
{
	struct tdxgmem_extent e[4];
	unsigned int nr;
	int fd = newfile(2 * SZ_2M, 0, 12);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xfallocate(fd, KEEP, 0, 2 * SZ_2M));
	ASSERT_EQ(0, tdxgmem_query(fd, 0, 2 * SZ_2M, e, 4, &nr, NULL));
	ASSERT_EQ(1, nr);
	EXPECT_EXT(e[0], 0, 2 * SZ_2M, PRIV | POP, 12, 12);
	close(fd);
}

TEST(tail_chunk)
{
	struct tdxgmem_extent e[4];
	unsigned long long next;
	unsigned int nr;
	int fd = newfile(SZ_2M + 2 * SZ_4K, 0, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xfallocate(fd, KEEP, 0, SZ_2M + 2 * SZ_4K));
	/* size beyond EOF is clipped */
	ASSERT_EQ(0, tdxgmem_query(fd, 0, SZ_1G, e, 4, &nr, &next));
	ASSERT_EQ(2, nr);
	EXPECT_EQ(SZ_2M + 2 * SZ_4K, next);
	EXPECT_EXT(e[0], 0, SZ_2M, PRIV | POP, 21, 21);
	EXPECT_EXT(e[1], SZ_2M, 2 * SZ_4K, PRIV | POP, 12, 12);
	close(fd);
}

TEST(shared_file)
{
	struct tdxgmem_extent e[4];
	unsigned int nr;
	int fd = newfile(2 * SZ_2M, TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xfallocate(fd, KEEP, 0, SZ_2M));
	ASSERT_EQ(0, tdxgmem_query(fd, 0, 2 * SZ_2M, e, 4, &nr, NULL));
	ASSERT_EQ(2, nr);
	/* Shared pages: 2 MiB backing, but no consumer may map them. */
	EXPECT_EXT(e[0], 0, SZ_2M, POP, 21, 0);
	EXPECT_EXT(e[1], SZ_2M, SZ_2M, 0, 0, 0);
	close(fd);
}

TEST(punch_and_refill)
{
	struct tdxgmem_extent e[8];
	unsigned int nr;
	int fd = newfile(SZ_2M, 0, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xfallocate(fd, KEEP, 0, SZ_2M));
	ASSERT_EQ(0, xfallocate(fd, PUNCH, 2 * SZ_4K, SZ_4K));
	ASSERT_EQ(0, tdxgmem_query(fd, 0, SZ_2M, e, 8, &nr, NULL));
	ASSERT_EQ(3, nr);
	/* The chunk is no longer whole: 4K mapping, still 2M backing. */
	EXPECT_EXT(e[0], 0, 2 * SZ_4K, PRIV | POP, 21, 12);
	EXPECT_EXT(e[1], 2 * SZ_4K, SZ_4K, PRIV, 0, 0);
	EXPECT_EXT(e[2], 3 * SZ_4K, SZ_2M - 3 * SZ_4K, PRIV | POP, 21, 12);
	/* Refilled with a 4 KiB page: no longer contiguous. */
	ASSERT_EQ(0, xfallocate(fd, KEEP, 0, SZ_2M));
	ASSERT_EQ(0, tdxgmem_query(fd, 0, SZ_2M, e, 8, &nr, NULL));
	ASSERT_EQ(1, nr);
	EXPECT_EXT(e[0], 0, SZ_2M, PRIV | POP, 12, 12);
	/* Punch all, then allocate again: 2 MiB again. */
	ASSERT_EQ(0, xfallocate(fd, PUNCH, 0, SZ_2M));
	ASSERT_EQ(0, xfallocate(fd, KEEP, 0, SZ_2M));
	ASSERT_EQ(0, tdxgmem_query(fd, 0, SZ_2M, e, 8, &nr, NULL));
	ASSERT_EQ(1, nr);
	EXPECT_EXT(e[0], 0, SZ_2M, PRIV | POP, 21, 21);
	close(fd);
}

TEST(paging)
{
	struct tdxgmem_extent e[5];
	unsigned long long off = 0, next, size = 64 * SZ_4K;
	unsigned int nr, total = 0, calls = 0;
	int fd = newfile(size, 0, 12);

	ASSERT_LE(0, fd);
	/* Every other page populated: 64 extents. */
	for (unsigned long long o = 0; o < size; o += 2 * SZ_4K)
		ASSERT_EQ(0, xfallocate(fd, KEEP, o, SZ_4K));
	while (off < size) {
		ASSERT_EQ(0, tdxgmem_query(fd, off, size - off, e, 5, &nr, &next));
		ASSERT_LT(0, nr);
		ASSERT_GE(5, nr);
		for (unsigned int i = 0; i < nr; i++) {
			unsigned long long pg = (off / SZ_4K) + i;

			EXPECT_EQ(pg * SZ_4K, e[i].offset);
			EXPECT_EQ(SZ_4K, e[i].size);
			EXPECT_EQ(pg % 2 ? PRIV : PRIV | POP, e[i].state);
		}
		EXPECT_EQ(off + nr * SZ_4K, next);
		total += nr;
		off = next;
		calls++;
	}
	EXPECT_EQ(64, total);
	EXPECT_EQ(13, calls);
	close(fd);
}

TEST(bad_inputs)
{
	struct tdxgmem_extent e[2];
	struct tdxgmem_query q;
	int fd = newfile(SZ_2M, 0, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, tdxgmem_query(fd, 1, SZ_4K, e, 2, NULL, NULL));
	EXPECT_EQ(-EINVAL, tdxgmem_query(fd, 0, SZ_4K + 1, e, 2, NULL, NULL));
	EXPECT_EQ(-EINVAL, tdxgmem_query(fd, 0, 0, e, 2, NULL, NULL));
	EXPECT_EQ(-EINVAL, tdxgmem_query(fd, SZ_2M, SZ_4K, e, 2, NULL, NULL));
	EXPECT_EQ(-EINVAL, tdxgmem_query(fd, SZ_1G, SZ_4K, e, 2, NULL, NULL));
	EXPECT_EQ(-EINVAL, tdxgmem_query(fd, ~0ULL & ~(SZ_4K - 1), SZ_4K, e, 2,
					 NULL, NULL));
	EXPECT_EQ(-EINVAL, tdxgmem_query(fd, 0, SZ_4K, e, 0, NULL, NULL));
	/* A huge size is clipped at EOF, even if offset + size overflows. */
	EXPECT_EQ(0, tdxgmem_query(fd, SZ_4K, ~0ULL & ~(SZ_4K - 1), e, 2, NULL, NULL));
	EXPECT_EQ(-EFAULT, tdxgmem_query(fd, 0, SZ_4K, NULL, 2, NULL, NULL));
	EXPECT_EQ(-EFAULT, tdxgmem_query(fd, 0, SZ_4K, (void *)8, 2, NULL, NULL));
	EXPECT_EQ(-EFAULT, xioctl(fd, TDXGMEM_QUERY, NULL));

	memset(&q, 0, sizeof(q));
	q.size = SZ_4K;
	q.extents = (unsigned long)e;
	q.nr_extents = 2;
	q.flags = 1;
	EXPECT_EQ(-EINVAL, xioctl(fd, TDXGMEM_QUERY, &q));
	for (int i = 0; i < 3; i++) {
		q.flags = 0;
		q.reserved[0] = q.reserved[1] = q.reserved[2] = 0;
		q.reserved[i] = 1;
		EXPECT_EQ(-EINVAL, xioctl(fd, TDXGMEM_QUERY, &q));
	}
	/* next_offset is output only: ignored on input. */
	memset(&q, 0, sizeof(q));
	q.size = SZ_4K;
	q.extents = (unsigned long)e;
	q.nr_extents = 2;
	q.next_offset = 12345;
	EXPECT_EQ(0, xioctl(fd, TDXGMEM_QUERY, &q));
	EXPECT_EQ(SZ_4K, q.next_offset);
	EXPECT_EQ(1, q.nr_extents);
	close(fd);
}

TEST(zz_no_leaks)
{
	EXPECT_EQ(0, tdxgmem_stat("files"));
	EXPECT_EQ(0, tdxgmem_pages());
}

TEST_HARNESS_MAIN
