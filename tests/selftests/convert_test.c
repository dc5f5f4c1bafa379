// SPDX-License-Identifier: GPL-2.0
/*
 * TDXGMEM_SET_ATTRIBUTES: in-place conversion, all or nothing, with the
 * split -> invalidate -> change order observed through kvmsim.
 * Needs tdxgmem and kvmsim loaded.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "kvmsim.h"

#define PRIV	TDXGMEM_ATTR_PRIVATE

/* Does touching @p kill a child with SIGBUS? */
static int child_sigbus(volatile char *p)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		(void)*p;
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS;
}

TEST(bad_input)
{
	struct tdxgmem_attributes a = { .size = SZ_4K };
	int fd = kvmsim_file(4 * SZ_2M, 0, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, tdxgmem_convert_pages(fd, 0, 0, 0, 0, NULL));		/* empty */
	EXPECT_EQ(-EINVAL, tdxgmem_convert_pages(fd, 0, 2049, 0, 0, NULL));		/* past EOF */
	EXPECT_EQ(-EINVAL, tdxgmem_convert_pages(fd, 2048, 1, 0, 0, NULL));		/* at EOF */
	EXPECT_EQ(-EINVAL, tdxgmem_convert_pages(fd, 1ULL << 50, 1ULL << 50, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, tdxgmem_convert_pages(fd, 0, 1, PRIV << 1, 0, NULL));	/* unknown attr */
	EXPECT_EQ(-EINVAL, tdxgmem_convert_pages(fd, 0, 1, 1, 0, NULL));
	EXPECT_EQ(-EINVAL, tdxgmem_convert_pages(fd, 0, 1, 0, 1ULL << 2, NULL));	/* unknown flag */
	EXPECT_EQ(-EINVAL, tdxgmem_convert_pages(fd, 0, 1, 0, TDXGMEM_CONVERT_ZERO |
				   TDXGMEM_CONVERT_PRESERVE, NULL));
	a.offset = 1;						/* unaligned */
	EXPECT_EQ(-EINVAL, xioctl(fd, TDXGMEM_SET_ATTRIBUTES, &a));
	a.offset = 0;
	a.size = SZ_4K + 1;
	EXPECT_EQ(-EINVAL, xioctl(fd, TDXGMEM_SET_ATTRIBUTES, &a));
	a.size = ~0ULL & ~(SZ_4K - 1);				/* overflows */
	a.offset = SZ_4K;
	EXPECT_EQ(-EINVAL, xioctl(fd, TDXGMEM_SET_ATTRIBUTES, &a));
	a = (struct tdxgmem_attributes){ .size = SZ_4K, .reserved[2] = 1 };
	EXPECT_EQ(-EINVAL, xioctl(fd, TDXGMEM_SET_ATTRIBUTES, &a));
	EXPECT_EQ(-EFAULT, xioctl(fd, TDXGMEM_SET_ATTRIBUTES, NULL));
	/* Nothing changed: still private everywhere, unpopulated. */
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE, page_state(fd, 0));
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE, page_state(fd, 2047));
	close(fd);
}

TEST(unpopulated_and_noop)
{
	int fd = kvmsim_file(4 * SZ_2M, TDXGMEM_F_MMAP, 0);
	long long allocs = tdxgmem_stat("page_allocs") + tdxgmem_stat("chunk_allocs");

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, tdxgmem_convert_pages(fd, 0, 2048, PRIV, 0, NULL));	/* no-op */
	EXPECT_EQ(0, tdxgmem_convert_pages(fd, 100, 700, 0, 0, NULL));
	EXPECT_EQ(0, page_state(fd, 100));
	EXPECT_EQ(0, page_state(fd, 799));
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE, page_state(fd, 99));
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE, page_state(fd, 800));
	EXPECT_EQ(0, tdxgmem_convert_pages(fd, 100, 700, 0, 0, NULL));	/* again: no-op */
	EXPECT_EQ(0, tdxgmem_convert_pages(fd, 0, 2048, PRIV, 0, NULL));
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE, page_state(fd, 500));
	/* Conversion never allocated backing. */
	EXPECT_EQ(allocs, tdxgmem_stat("page_allocs") + tdxgmem_stat("chunk_allocs"));
	EXPECT_EQ(0, tdxgmem_pages());
	close(fd);
}

/* Shared data made private with PRESERVE is what the guest reads. */
TEST(preserve_and_zero)
{
	int fd = kvmsim_file(SZ_2M, TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED, 1);
	int vm = kvmsim_vm();
	struct kvmsim_lookup keep = { .gfn = 5 };
	char *p, buf[16] = {};

	ASSERT_LE(0, fd);
	ASSERT_LE(0, vm);
	p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	strcpy(p + 5 * SZ_4K, "kept");
	strcpy(p + 6 * SZ_4K, "zeroed");
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, 512, 0, NULL));

	EXPECT_EQ(0, tdxgmem_convert_pages(fd, 5, 1, PRIV, TDXGMEM_CONVERT_PRESERVE, NULL));
	EXPECT_EQ(0, tdxgmem_convert_pages(fd, 6, 1, PRIV, 0, NULL));
	/* Data on purpose: kvmsim must not expect zeroes at gfn 5. */
	EXPECT_EQ(0, xioctl(vm, KVMSIM_KEEP_DATA, &keep));
	EXPECT_EQ(0, kvmsim_fault(vm, 5, KVMSIM_LEVEL_4K, NULL));
	EXPECT_EQ(0, kvmsim_fault(vm, 6, KVMSIM_LEVEL_4K, NULL));
	EXPECT_EQ(0, kvmsim_access(vm, 5, 0, buf, sizeof(buf), 0));
	EXPECT_STREQ("kept", buf);
	EXPECT_EQ(0, kvmsim_access(vm, 6, 0, buf, sizeof(buf), 0));
	EXPECT_EQ(0, buf[0]);

	/* And back: private data made shared, preserved or zeroed. */
	EXPECT_EQ(0, kvmsim_access(vm, 5, 0, "guest", 6, 1));
	EXPECT_EQ(0, kvmsim_access(vm, 6, 0, "secret", 7, 1));
	EXPECT_EQ(0, tdxgmem_convert_pages(fd, 5, 1, 0, TDXGMEM_CONVERT_PRESERVE, NULL));
	EXPECT_EQ(0, tdxgmem_convert_pages(fd, 6, 1, 0, TDXGMEM_CONVERT_ZERO, NULL));
	EXPECT_STREQ("guest", p + 5 * SZ_4K);
	EXPECT_EQ(0, memcmp(p + 6 * SZ_4K, "\0\0\0\0\0\0\0", 7));
	EXPECT_EQ(-ENOENT, kvmsim_lookup(vm, 5, NULL, NULL));	/* unmapped */
	EXPECT_EQ(0, kvmsim_check(vm));
	munmap(p, SZ_2M);
	close(vm);
	close(fd);
}

/* To private unmaps the range from every process: parent and child. */
TEST(to_private_unmaps_everyone)
{
	int fd = kvmsim_file(SZ_2M, TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED, 1);
	char *p;

	ASSERT_LE(0, fd);
	p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	p[SZ_4K] = 2;
	EXPECT_EQ(0, child_sigbus(p));
	EXPECT_EQ(0, tdxgmem_convert_pages(fd, 0, 1, PRIV, 0, NULL));
	EXPECT_EQ(1, child_sigbus(p));
	EXPECT_EQ(1, child_sigbus(p + 100));
	EXPECT_EQ(0, child_sigbus(p + SZ_4K));
	EXPECT_EQ(2, p[SZ_4K]);
	/* Shared again (zeroed): mappable and readable again. */
	EXPECT_EQ(0, tdxgmem_convert_pages(fd, 0, 1, 0, 0, NULL));
	EXPECT_EQ(0, child_sigbus(p));
	EXPECT_EQ(0, p[0]);
	munmap(p, SZ_2M);
	close(fd);
}

/* A page pinned by a pipe (vmsplice) blocks to-private: -EAGAIN, unchanged. */
TEST(pinned_page_eagain)
{
	int fd = kvmsim_file(SZ_2M, TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED, 1);
	unsigned long long bad = 0;
	int pfd[2];
	struct iovec iov;
	char *p, buf[SZ_4K];

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(pfd));
	p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p + 7 * SZ_4K, 'v', SZ_4K);
	iov.iov_base = p + 7 * SZ_4K;
	iov.iov_len = SZ_4K;
	ASSERT_EQ(SZ_4K, vmsplice(pfd[1], &iov, 1, 0));

	EXPECT_EQ(-EAGAIN, tdxgmem_convert_pages(fd, 0, 512, PRIV, 0, &bad));
	EXPECT_EQ(7, bad);
	/* All or nothing: every page still shared, contents intact. */
	for (int i = 0; i < 512; i += 73)
		EXPECT_EQ(TDXGMEM_STATE_POPULATED, page_state(fd, i));
	EXPECT_EQ(TDXGMEM_STATE_POPULATED, page_state(fd, 511));
	EXPECT_EQ('v', p[7 * SZ_4K]);
	/* Pages before the pinned one can still change on their own. */
	EXPECT_EQ(0, tdxgmem_convert_pages(fd, 0, 7, PRIV, 0, NULL));
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE | TDXGMEM_STATE_POPULATED, page_state(fd, 6));

	/* Drain the pipe: the pin goes, the retry succeeds. */
	ASSERT_EQ(SZ_4K, read(pfd[0], buf, sizeof(buf)));
	EXPECT_EQ('v', buf[0]);
	EXPECT_EQ(0, tdxgmem_convert_pages(fd, 0, 512, PRIV, 0, &bad));
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE | TDXGMEM_STATE_POPULATED, page_state(fd, 7));
	munmap(p, SZ_2M);
	close(pfd[0]);
	close(pfd[1]);
	close(fd);
}

/*
 * 4 KiB to shared inside a 2 MiB mapping: exactly one split, neighbours
 * stay mapped at 4 KiB with their data, and 2 MiB comes back once the
 * chunk is wholly private again.
 */
TEST(convert_4k_inside_mapped_2m)
{
	int fd = kvmsim_file(2 * SZ_2M, 0, 1);
	int vm = kvmsim_vm();
	struct kvmsim_fault f;
	struct kvmsim_stats s0, s1;
	unsigned long long pfn;
	int level;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, 1024, 4096, NULL));
	ASSERT_EQ(0, kvmsim_fault(vm, 4096 + 3, KVMSIM_LEVEL_2M, &f));
	ASSERT_EQ(KVMSIM_LEVEL_2M, f.level);
	ASSERT_EQ(0, kvmsim_fault(vm, 4096 + 512, KVMSIM_LEVEL_2M, &f));
	for (int g = 0; g < 512; g += 50)
		ASSERT_EQ(0, kvmsim_access(vm, 4096 + g, 8, &g, sizeof(g), 1));

	s0 = kvmsim_stats(vm);
	EXPECT_EQ(0, tdxgmem_convert_pages(fd, 100, 1, 0, 0, NULL));
	s1 = kvmsim_stats(vm);
	EXPECT_EQ(1, s1.split_calls - s0.split_calls);
	EXPECT_EQ(1, s1.splits - s0.splits);		/* one 2M entry demoted */
	EXPECT_EQ(1, s1.inval_reason[1] - s0.inval_reason[1]);	/* TO_SHARED */
	EXPECT_EQ(-ENOENT, kvmsim_lookup(vm, 4096 + 100, NULL, NULL));
	EXPECT_EQ(0, kvmsim_lookup(vm, 4096 + 99, &pfn, &level));
	EXPECT_EQ(KVMSIM_LEVEL_4K, level);
	EXPECT_EQ(0, kvmsim_lookup(vm, 4096 + 101, &pfn, &level));
	EXPECT_EQ(KVMSIM_LEVEL_4K, level);
	EXPECT_EQ(0, kvmsim_lookup(vm, 4096 + 600, &pfn, &level));
	EXPECT_EQ(KVMSIM_LEVEL_2M, level);		/* other chunk untouched */
	for (int g = 0; g < 512; g += 50) {
		int v = -1;

		if (g == 100)
			continue;
		EXPECT_EQ(0, kvmsim_access(vm, 4096 + g, 8, &v, sizeof(v), 0));
		EXPECT_EQ(g, v);
	}
	EXPECT_EQ(12, page_map_log2(fd, 0));
	EXPECT_EQ(0, page_map_log2(fd, 100));
	EXPECT_EQ(-KVMSIM_SHARED_ERRNO, kvmsim_fault(vm, 4096 + 100, KVMSIM_LEVEL_4K, NULL));
	EXPECT_EQ(0, kvmsim_fault(vm, 4096 + 5, KVMSIM_LEVEL_2M, &f));
	EXPECT_EQ(0, f.max_order);

	/* Wholly private and populated again: 2 MiB again. */
	EXPECT_EQ(0, tdxgmem_convert_pages(fd, 100, 1, PRIV, 0, NULL));
	EXPECT_EQ(21, page_map_log2(fd, 0));
	EXPECT_EQ(0, kvmsim_fault(vm, 4096 + 100, KVMSIM_LEVEL_2M, &f));
	EXPECT_EQ(9, f.max_order);
	EXPECT_EQ(0, kvmsim_check(vm));
	close(vm);
	close(fd);
}

/* A failing split fails the conversion with nothing changed. */
TEST(split_failure_changes_nothing)
{
	int fd = kvmsim_file(SZ_2M, 0, 1);
	int vm = kvmsim_vm();
	struct kvmsim_fault f;
	int level;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, 512, 0, NULL));
	ASSERT_EQ(0, kvmsim_fault(vm, 0, KVMSIM_LEVEL_2M, &f));
	ASSERT_EQ(0, kvmsim_set_fail(vm, 1, 0));
	EXPECT_EQ(-ENOMEM, tdxgmem_convert_pages(fd, 10, 1, 0, 0, NULL));
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE | TDXGMEM_STATE_POPULATED, page_state(fd, 10));
	EXPECT_EQ(21, page_map_log2(fd, 10));
	EXPECT_EQ(0, kvmsim_lookup(vm, 10, NULL, &level));
	EXPECT_EQ(KVMSIM_LEVEL_2M, level);
	/* Retry without the injection works. */
	EXPECT_EQ(0, tdxgmem_convert_pages(fd, 10, 1, 0, 0, NULL));
	EXPECT_EQ(TDXGMEM_STATE_POPULATED, page_state(fd, 10));
	EXPECT_EQ(0, kvmsim_check(vm));
	close(vm);
	close(fd);
}

/* A consumer that cannot unmap: pages quarantined, -EIO, nothing shared. */
TEST(unmap_failure_quarantines)
{
	int fd = kvmsim_file(SZ_2M, TDXGMEM_F_MMAP, 1);
	int vm = kvmsim_vm();
	long long q0 = tdxgmem_stat("quarantined");
	unsigned long long bad = 0;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, 512, 0, NULL));
	ASSERT_EQ(0, kvmsim_fault(vm, 20, KVMSIM_LEVEL_4K, NULL));
	ASSERT_EQ(0, kvmsim_set_fail(vm, 0, 1));
	EXPECT_EQ(-EIO, tdxgmem_convert_pages(fd, 20, 2, 0, 0, &bad));
	EXPECT_EQ(20, bad);
	EXPECT_EQ(q0 + 2, tdxgmem_stat("quarantined"));
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE | TDXGMEM_STATE_POPULATED |
		  TDXGMEM_STATE_QUARANTINED, page_state(fd, 20));
	EXPECT_EQ(-EIO, tdxgmem_convert_pages(fd, 0, 512, 0, 0, &bad));	/* stays refused */
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE | TDXGMEM_STATE_POPULATED, page_state(fd, 0));
	EXPECT_EQ(-EIO, kvmsim_fault(vm, 20, KVMSIM_LEVEL_4K, NULL));
	close(vm);
	close(fd);
}

#define TRACEFS		"/sys/kernel/tracing"
#define CONVERT_EVENT	TRACEFS "/events/tdxgmem/tdxgmem_convert/enable"

/* Traced conversions that returned -EINTR since the trace was cleared. */
static int traced_eintr(void)
{
	char line[512];
	int n = 0;
	FILE *t = fopen(TRACEFS "/trace", "r");

	if (!t)
		return -1;
	while (fgets(line, sizeof(line), t))
		n += !!strstr(line, " ret=-4 ");
	fclose(t);
	return n;
}

FIXTURE(big) {};
FIXTURE_SETUP(big) {}
FIXTURE_TEARDOWN(big) {}

/*
 * A conversion whose caller is killed part-way (a sparse 64 GiB range has
 * 32768 chunks of tracking to set up: -EINTR before anything changes)
 * converted the whole range or none of it. Minutes under KASAN.
 */
TEST_F_TIMEOUT(big, killed_conversion_all_or_nothing, 600)
{
	const unsigned long long size = 64ULL << 30;
	struct tdxgmem_extent ext[4];
	int fd, round, st, priv = 0, eintr;
	unsigned int nr;
	pid_t pid;

	fd = newfile(size, TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED, 21);
	ASSERT_LE(0, fd);
	if (access(TRACEFS "/trace", F_OK))
		mount("nodev", TRACEFS, "tracefs", 0, NULL);
	ASSERT_EQ(0, write_str(TRACEFS "/tracing_on", "0"));
	close(open(TRACEFS "/trace", O_WRONLY | O_TRUNC));
	ASSERT_EQ(0, write_str(CONVERT_EVENT, "1"));
	ASSERT_EQ(0, write_str(TRACEFS "/tracing_on", "1"));
	for (round = 0; round < 12; round++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			for (;;) {
				tdxgmem_convert_pages(fd, 0, size / SZ_4K, PRIV, 0, NULL);
				tdxgmem_convert_pages(fd, 0, size / SZ_4K, 0, 0, NULL);
			}
		}
		usleep(1000 + round * 4000);
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		ASSERT_TRUE(WIFSIGNALED(st));
		ASSERT_EQ(0, tdxgmem_query(fd, 0, size, ext, 4, &nr, NULL));
		ASSERT_EQ(1, nr);
		ASSERT_EQ(size, ext[0].size);
		EXPECT_EQ(0, ext[0].state & ~TDXGMEM_STATE_PRIVATE);
		priv += !!(ext[0].state & TDXGMEM_STATE_PRIVATE);
	}
	write_str(TRACEFS "/tracing_on", "0");
	write_str(CONVERT_EVENT, "0");
	eintr = traced_eintr();
	TH_LOG("killed 12 times: %d left the range private, %d shared; %d -EINTR",
	       priv, 12 - priv, eintr);
	/* The first kills come within milliseconds: mid-way through a check. */
	EXPECT_LT(0, eintr);
	/* Still convertible both ways. */
	EXPECT_EQ(0, tdxgmem_convert_pages(fd, 0, size / SZ_4K, PRIV, 0, NULL));
	EXPECT_EQ(0, tdxgmem_convert_pages(fd, 0, size / SZ_4K, 0, 0, NULL));
	close(fd);
	/* The harness runs this after zz_no_leaks. */
	EXPECT_TRUE(tdxgmem_no_leaks());
}

TEST(zz_no_leaks)
{
	EXPECT_EQ(0, tdxgmem_stat("files"));
	EXPECT_EQ(0, tdxgmem_pages());
}

TEST_HARNESS_MAIN
