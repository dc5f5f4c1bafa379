// SPDX-License-Identifier: GPL-2.0
/*
 * Memory of a tdxgmem file is charged to the memcg of the task that
 * created the file, whoever populates it, and a memcg limit bounds it
 * (-ENOMEM, no OOM kill). Uses cgroup v2, mounted here if needed.
 */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "helpers.h"

#define CG_ROOT	CGROUP_ROOT
#define CG	CG_ROOT "/tdxgmem-test"



FIXTURE(memcg) {};

FIXTURE_SETUP(memcg)
{
	if (access(CG_ROOT "/cgroup.controllers", F_OK))
		mount("none", CG_ROOT, "cgroup2", 0, NULL);
	if (access(CG_ROOT "/cgroup.controllers", F_OK))
		SKIP(return, "no cgroup v2");
	ASSERT_EQ(0, write_str(CG_ROOT "/cgroup.subtree_control", "+memory"));
	rmdir(CG);
	ASSERT_EQ(0, mkdir(CG, 0755));
}

FIXTURE_TEARDOWN(memcg)
{
	cgroup_enter("");
	rmdir(CG);
}

/*
 * A 1 GiB range cannot be charged to a memcg: a file of a memcg other than
 * the root gets 2 MiB chunks instead, counted as a fallback, and charged.
 */
TEST_F_TIMEOUT(memcg, giga_falls_back_in_memcg, 600)
{
	long long ga, gf, ca, before;
	struct tdxgmem_caps caps = {};
	int dev = tdxgmem_open_dev(), fd;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, xioctl(dev, TDXGMEM_GET_CAPS, &caps));
	close(dev);
	if (!(caps.page_sizes & (1ULL << 30)))
		SKIP(return, "no 1 GiB backing on this kernel");
	ASSERT_EQ(0, cgroup_enter("/tdxgmem-test"));
	fd = newfile(SZ_1G, 0, 30);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, cgroup_enter(""));
	before = read_ll(CG "/memory.current");
	ga = tdxgmem_stat("giga_allocs");
	gf = tdxgmem_stat("giga_fallbacks");
	ca = tdxgmem_stat("chunk_allocs");
	ASSERT_EQ(0, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, SZ_1G));
	EXPECT_EQ(ga, tdxgmem_stat("giga_allocs"));
	EXPECT_EQ(gf + 1, tdxgmem_stat("giga_fallbacks"));
	EXPECT_EQ(ca + 512, tdxgmem_stat("chunk_allocs"));
	EXPECT_LE(before + (long long)SZ_1G, read_ll(CG "/memory.current"));
	close(fd);
	EXPECT_GT(before + (1LL << 20), read_ll(CG "/memory.current"));
}

/* Created inside the memcg, populated from outside: charged inside. */
TEST_F(memcg, charged_to_creator)
{
	long long before, during;
	int fd;

	ASSERT_EQ(0, cgroup_enter("/tdxgmem-test"));
	fd = newfile(64 << 20, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, cgroup_enter(""));
	before = read_ll(CG "/memory.current");
	ASSERT_LE(0, before);
	ASSERT_EQ(0, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 64 << 20));
	during = read_ll(CG "/memory.current");
	TH_LOG("memory.current %lld -> %lld", before, during);
	EXPECT_LE(before + (64LL << 20), during);
	close(fd);
	EXPECT_GT(before + (1LL << 20), read_ll(CG "/memory.current"));
}

/*
 * A memcg limit stops population with -ENOMEM, cleanly. Nothing else may
 * allocate in the full memcg (that would be the memcg's own OOM): close
 * the file first, then look.
 */
TEST_F(memcg, limit_gives_enomem)
{
	long long oom0 = vmstat("oom_kill");
	int fd, r;

	ASSERT_EQ(0, write_str(CG "/memory.max", "33554432"));	/* 32 MiB */
	ASSERT_EQ(0, cgroup_enter("/tdxgmem-test"));
	fd = newfile(128 << 20, 0, 0);
	ASSERT_LE(0, fd);
	r = xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 128 << 20);
	close(fd);
	ASSERT_EQ(0, cgroup_enter(""));
	EXPECT_EQ(-ENOMEM, r);
	TH_LOG("memory.peak %lld", read_ll(CG "/memory.peak"));
	EXPECT_GE(32LL << 20, read_ll(CG "/memory.peak"));
	EXPECT_LE(16LL << 20, read_ll(CG "/memory.peak"));	/* it did fill */
	EXPECT_EQ(oom0, vmstat("oom_kill"));
	EXPECT_EQ(0, tdxgmem_pages());
}

#define CG2	CG_ROOT "/tdxgmem-test2"
#define BIG	(64ULL << 30)	/* 32768 chunks of tracking to convert */

/*
 * Converting a sparse file sets up tracking per 2 MiB chunk (about 16 MiB
 * here). It is charged to the creator's memcg, not the converter's, and a
 * conversion that fails leaves none of it behind. The three conversions
 * of 32768 chunks take over 30 s (the harness's default timeout) on the
 * debug kernel; a test killed then leaves its process in the ioctl (the
 * harness does not wait for it), still holding a page the next tests
 * count.
 */
TEST_F_TIMEOUT(memcg, convert_tracking_charged_to_creator, 600)
{
	struct tdxgmem_attributes a = { .size = BIG - SZ_2M,
					.attributes = TDXGMEM_ATTR_PRIVATE };
	long long c0, o0, c1, o1;
	struct iovec iov;
	int fd, pfd[2];
	char *p;

	rmdir(CG2);
	ASSERT_EQ(0, mkdir(CG2, 0755));
	ASSERT_EQ(0, cgroup_enter("/tdxgmem-test"));
	fd = newfile(BIG, TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED, 12);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, cgroup_enter("/tdxgmem-test2"));
	c0 = read_ll(CG "/memory.current");
	o0 = read_ll(CG2 "/memory.current");

	ASSERT_EQ(0, xioctl(fd, TDXGMEM_SET_ATTRIBUTES, &a));
	c1 = read_ll(CG "/memory.current");
	o1 = read_ll(CG2 "/memory.current");
	TH_LOG("creator %lld -> %lld, converter %lld -> %lld", c0, c1, o0, o1);
	EXPECT_LE(c0 + (8LL << 20), c1);
	EXPECT_GT(o0 + (1LL << 20), o1);
	/* Back to shared: the tracking says nothing an absent chunk would not. */
	a.attributes = 0;
	ASSERT_EQ(0, xioctl(fd, TDXGMEM_SET_ATTRIBUTES, &a));
	EXPECT_GT(c0 + (1LL << 20), read_ll(CG "/memory.current"));

	/* A page of the last chunk pinned: to private fails, nothing stays. */
	p = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE, MAP_SHARED, fd, BIG - SZ_4K);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	ASSERT_EQ(0, pipe(pfd));
	iov.iov_base = p;
	iov.iov_len = SZ_4K;
	ASSERT_EQ(SZ_4K, vmsplice(pfd[1], &iov, 1, 0));
	c0 = read_ll(CG "/memory.current");
	o0 = read_ll(CG2 "/memory.current");
	a.size = BIG;
	a.attributes = TDXGMEM_ATTR_PRIVATE;
	EXPECT_EQ(-EAGAIN, xioctl(fd, TDXGMEM_SET_ATTRIBUTES, &a));
	EXPECT_EQ(BIG - SZ_4K, a.error_offset);
	c1 = read_ll(CG "/memory.current");
	o1 = read_ll(CG2 "/memory.current");
	TH_LOG("after -EAGAIN: creator %lld -> %lld, converter %lld -> %lld",
	       c0, c1, o0, o1);
	EXPECT_GT(c0 + (1LL << 20), c1);
	EXPECT_GT(o0 + (1LL << 20), o1);
	close(pfd[0]);
	close(pfd[1]);
	munmap(p, SZ_4K);
	close(fd);
	ASSERT_EQ(0, cgroup_enter(""));
	EXPECT_EQ(0, rmdir(CG2));
	EXPECT_EQ(0, tdxgmem_pages());
}

TEST_HARNESS_MAIN
