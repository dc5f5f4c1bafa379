// SPDX-License-Identifier: GPL-2.0
/* Many files, a file larger than RAM: -ENOMEM, never the OOM killer. */
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "helpers.h"

TEST(many_files)
{
	enum { N = 512 };
	static int fds[N];
	long long files = tdxgmem_stat("files");
	int dev = tdxgmem_open_dev();

	ASSERT_LE(0, dev);
	for (int i = 0; i < N; i++) {
		fds[i] = tdxgmem_create(dev, SZ_2M, TDXGMEM_F_MMAP, i % 2 ? 12 : 0);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, xfallocate(fds[i], FALLOC_FL_KEEP_SIZE, 0, SZ_4K));
	}
	EXPECT_EQ(files + N, tdxgmem_stat("files"));
	EXPECT_EQ(N, tdxgmem_pages());
	for (int i = 0; i < N; i++)
		close(fds[i]);
	close(dev);
	EXPECT_EQ(files, tdxgmem_stat("files"));
	EXPECT_EQ(0, tdxgmem_pages());
}

/*
 * Filling and freeing ~90% of RAM takes tens of seconds under TCG: more
 * than the harness' default 30 s on a loaded host.
 */
FIXTURE(big) {};
FIXTURE_SETUP(big) {}
FIXTURE_TEARDOWN(big) {}

TEST_F_TIMEOUT(big, larger_than_ram, 600)
{
	long long total = meminfo_kb("MemTotal") * 1024;
	long long free0, free1;
	long long oom0 = vmstat("oom_kill");
	long long fails0 = tdxgmem_stat("limit_fails");
	unsigned long long size;
	unsigned char *p;
	int dev, fd, status;
	pid_t pid;

	ASSERT_LT(0, total);
	ASSERT_LE(0, oom0);
	/*
	 * tdxgmem keeps freed 2 MiB blocks in a pool (up to pool_max_pct of
	 * RAM), out of MemFree: empty it for the baseline and again before
	 * the comparison, which is about what the files held.
	 */
	ASSERT_EQ(0, tdxgmem_pool_release());
	free0 = meminfo_kb("MemFree");
	size = ((total + SZ_1G) + SZ_2M - 1) & ~(SZ_2M - 1);
	dev = tdxgmem_open_dev();
	ASSERT_LE(0, dev);
	fd = tdxgmem_create(dev, size, TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED, 0);
	ASSERT_LE(0, fd);

	EXPECT_EQ(-ENOMEM, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, size));
	EXPECT_LT(fails0, tdxgmem_stat("limit_fails"));
	/* Held: at most mem_limit_pct (90%) of RAM. */
	EXPECT_GE(total / 4096 * 90 / 100, tdxgmem_pages());
	EXPECT_LT(total / 4096 / 2, tdxgmem_pages());
	TH_LOG("held %lld of %lld pages", tdxgmem_pages(), total / 4096);

	/* Faulting an unpopulated shared page now: SIGBUS, not OOM. */
	p = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 size - SZ_4K);
	ASSERT_NE(MAP_FAILED, p);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		*(volatile unsigned char *)p = 1;
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGBUS, WTERMSIG(status));
	munmap(p, SZ_4K);

	close(fd);
	close(dev);
	EXPECT_EQ(oom0, vmstat("oom_kill"));
	EXPECT_EQ(0, tdxgmem_stat("files"));
	EXPECT_EQ(0, tdxgmem_pages());
	/*
	 * MemFree back near the baseline: within 4% of RAM, for per-cpu page
	 * lists, slab and page cache refilled after the pressure.
	 */
	ASSERT_EQ(0, tdxgmem_pool_release());
	for (int i = 0; i < 20; i++) {
		free1 = meminfo_kb("MemFree");
		if (free1 + total / 1024 / 25 >= free0)
			break;
		usleep(100000);
	}
	TH_LOG("MemFree %lld kB before, %lld kB after", free0, free1);
	EXPECT_LE(free0, free1 + total / 1024 / 25);
}

/* Tests run grouped by fixture: this group comes last. */
FIXTURE(zz) {};
FIXTURE_SETUP(zz) {}
FIXTURE_TEARDOWN(zz) {}

TEST_F(zz, no_leaks)
{
	EXPECT_EQ(0, tdxgmem_stat("files"));
	EXPECT_EQ(0, tdxgmem_pages());
}

TEST_HARNESS_MAIN
