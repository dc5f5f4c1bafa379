// SPDX-License-Identifier: GPL-2.0
/*
 * Direct-map backend: which backend the module picked, and tdxgmem's
 * zap/restore API driven through the test module tdxgmem_dmprobe
 * (tests/dmprobe; load it with scripts/vm --module). Tests needing the
 * probe module skip without it.
 *
 *   scripts/vm run --kernel 7.3 --module build/<rel>/tests/dmprobe/tdxgmem_dmprobe.ko \
 *       -- tests/selftests/run out/directmap_backend_test
 *   ... --param 'directmap_resolve=0'   expects backend "none"
 */
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* kselftest_harness.h's fixture code trips -Wclobbered (-Wextra, gcc 12). */
#pragma GCC diagnostic ignored "-Wclobbered"
#include <sys/resource.h>

#include "kselftest_harness.h"
#include "helpers.h"
#include "dmprobe.h"

#ifndef __NR_memfd_secret
#define __NR_memfd_secret 447
#endif

#define BLOCK_PAGES	512
#define FILL_WORD	0xa5a5a5a5a5a5a5a5ULL

/* "key value" files: /proc/vmstat ("key value"), /proc/meminfo ("Key: v kB"). */
static long long file_value(const char *path, const char *name)
{
	FILE *f = fopen(path, "r");
	char line[256], key[128];
	long long v, r = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127[^: ]%*[: ]%lld", key, &v) == 2 &&
		    !strcmp(key, name))
			r = v;
	}
	fclose(f);
	return r;
}

static long long read_meminfo(const char *name)
{
	return file_value("/proc/meminfo", name);
}

static int file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f))
		found = !!strstr(line, needle);
	fclose(f);
	return found;
}

/* The last "direct map backend:" line of the kernel log, or "". */
static void backend_log_line(char *out, size_t len)
{
	FILE *p = popen("dmesg", "r");
	char line[512];

	out[0] = '\0';
	if (!p)
		return;
	while (fgets(line, sizeof(line), p))
		if (strstr(line, "tdxgmem: direct map backend:")) {
			snprintf(out, len, "%s", line);
			out[strcspn(out, "\n")] = '\0';
		}
	pclose(p);
}

static int have_dmprobe(void)
{
	return access(DMPROBE_DIR "ctl", W_OK) == 0;
}

/* Write a command to the probe's ctl; 0 or -errno. */
static int dm_ctl(const char *cmd)
{
	int fd = open(DMPROBE_DIR "ctl", O_WRONLY);
	int r;

	if (fd < 0)
		return -errno;
	r = write(fd, cmd, strlen(cmd)) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* First pfn of the probe module's block @idx, or 0. */
static unsigned long block_pfn(unsigned int idx)
{
	FILE *f = fopen(DMPROBE_DIR "blocks", "r");
	unsigned long pfn, r = 0;
	unsigned int i;
	int z;

	if (!f)
		return 0;
	while (fscanf(f, "%u %lu %d", &i, &pfn, &z) == 3)
		if (i == idx)
			r = pfn;
	fclose(f);
	return r;
}


/* Does the kernel flush once per batch (set_direct_map_valid_noflush)? */
static int batch_flushes_once(void)
{
	char line[512];

	backend_log_line(line, sizeof(line));
	return !!strstr(line, "set_direct_map_valid_noflush");
}

/*
 * Counters when this program started (before the harness forks a child per
 * test): other programs of the same boot may have moved them already.
 */
static struct {
	long long zapped, restored, failures, poison;
} base;

static void __attribute__((constructor)) read_base(void)
{
	base.zapped = tdxgmem_stat("dm_zapped_pages");
	base.restored = tdxgmem_stat("dm_restored_pages");
	base.failures = tdxgmem_stat("dm_failures");
	base.poison = tdxgmem_stat("dm_poison_skipped");
}

TEST(backend_selected)
{
	struct tdxgmem_caps caps = {};
	char line[512];
	unsigned int want;
	int resolve, exported, dev;

	resolve = file_contains("/sys/module/tdxgmem/parameters/directmap_resolve", "Y");
	ASSERT_LE(0, resolve);
	/* A kernel carrying patches/linux-<v>/ exports the helper. */
	exported = file_contains("/proc/kallsyms", " __ksymtab_set_direct_map_valid_noflush");
	if (exported > 0)
		want = TDXGMEM_DIRECTMAP_EXPORTED;
	else if (resolve)
		want = TDXGMEM_DIRECTMAP_RESOLVED;
	else
		want = TDXGMEM_DIRECTMAP_NONE;

	dev = tdxgmem_open_dev();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, xioctl(dev, TDXGMEM_GET_CAPS, &caps));
	EXPECT_EQ(want, caps.directmap_mode);
	EXPECT_EQ(want != TDXGMEM_DIRECTMAP_NONE,
		  !!(caps.supported_flags & TDXGMEM_F_NO_DIRECT_MAP));
	if (want == TDXGMEM_DIRECTMAP_NONE)
		EXPECT_EQ(-EOPNOTSUPP, tdxgmem_create(dev, SZ_2M,
						      TDXGMEM_F_NO_DIRECT_MAP, 0));
	close(dev);

	backend_log_line(line, sizeof(line));
	TH_LOG("kernel log: %s", line);
	EXPECT_NE(NULL, strstr(line, want == TDXGMEM_DIRECTMAP_NONE ? "backend: none" :
			       want == TDXGMEM_DIRECTMAP_RESOLVED ? "backend: resolved" :
			       "backend: exported"));
}

TEST(zap_restore_2m)
{
	long long z0 = tdxgmem_stat("dm_zapped_pages");
	long long r0 = tdxgmem_stat("dm_restored_pages");
	long long f0 = tdxgmem_stat("dm_tlb_flushes");
	long long s0 = vmstat("direct_map_level2_splits");
	unsigned long long word;
	unsigned long pfn;
	int level0, level;

	if (!have_dmprobe())
		SKIP(return, "tdxgmem_dmprobe not loaded");
	ASSERT_LE(0, z0);
	ASSERT_EQ(0, dm_ctl("alloc 1"));
	pfn = block_pfn(0);
	ASSERT_NE(0, pfn);
	ASSERT_EQ(0, pfn % BLOCK_PAGES);
	ASSERT_EQ(1, probe(pfn, &level0, &word));
	EXPECT_EQ(FILL_WORD, word);

	if (caps_mode() == TDXGMEM_DIRECTMAP_NONE) {
		EXPECT_EQ(-EOPNOTSUPP, dm_ctl("zap"));
		EXPECT_EQ(1, probe(pfn, NULL, NULL));
		EXPECT_EQ(z0, tdxgmem_stat("dm_zapped_pages"));
		EXPECT_EQ(0, dm_ctl("free"));
		return;
	}

	ASSERT_EQ(0, dm_ctl("zap"));
	EXPECT_EQ(0, probe(pfn, &level, NULL));
	TH_LOG("pfn %#lx: direct-map leaf level %d before zap, %d after", pfn, level0, level);
	EXPECT_EQ(0, probe(pfn + 1, NULL, NULL));
	EXPECT_EQ(0, probe(pfn + 255, NULL, NULL));
	EXPECT_EQ(0, probe(pfn + BLOCK_PAGES - 1, NULL, NULL));
	/* Pages outside the block are untouched. */
	EXPECT_EQ(1, probe(pfn + BLOCK_PAGES, NULL, NULL));
	/* A whole aligned 2 MiB run keeps a 2 MiB (or larger) leaf. */
	if (level0 >= 2)
		EXPECT_EQ(2, level);
	EXPECT_EQ(z0 + BLOCK_PAGES, tdxgmem_stat("dm_zapped_pages"));
	EXPECT_EQ(f0 + 1, tdxgmem_stat("dm_tlb_flushes"));

	ASSERT_EQ(0, dm_ctl("restore"));
	EXPECT_EQ(1, probe(pfn, &level, &word));
	EXPECT_EQ(FILL_WORD, word);		/* contents kept */
	EXPECT_EQ(1, probe(pfn + BLOCK_PAGES - 1, NULL, &word));
	EXPECT_EQ(FILL_WORD, word);
	if (level0 >= 2)
		EXPECT_EQ(2, level);
	EXPECT_EQ(r0 + BLOCK_PAGES, tdxgmem_stat("dm_restored_pages"));
	EXPECT_EQ(f0 + 2, tdxgmem_stat("dm_tlb_flushes"));
	EXPECT_EQ(s0, vmstat("direct_map_level2_splits"));
	EXPECT_EQ(base.failures, tdxgmem_stat("dm_failures"));
	EXPECT_EQ(0, dm_ctl("free"));
}

TEST(batch_one_flush)
{
	long long f0 = tdxgmem_stat("dm_tlb_flushes");
	const int n = 8;
	int once;

	if (!have_dmprobe())
		SKIP(return, "tdxgmem_dmprobe not loaded");
	if (caps_mode() == TDXGMEM_DIRECTMAP_NONE)
		SKIP(return, "no direct-map backend");
	once = batch_flushes_once();
	ASSERT_EQ(0, dm_ctl("alloc 8"));
	ASSERT_EQ(0, dm_ctl("zap_batch"));
	for (int i = 0; i < n; i++)
		EXPECT_EQ(0, probe(block_pfn(i), NULL, NULL));
	EXPECT_EQ(f0 + (once ? 1 : n), tdxgmem_stat("dm_tlb_flushes"));
	ASSERT_EQ(0, dm_ctl("restore_batch"));
	for (int i = 0; i < n; i++)
		EXPECT_EQ(1, probe(block_pfn(i) + BLOCK_PAGES - 1, NULL, NULL));
	EXPECT_EQ(f0 + (once ? 2 : 2 * n), tdxgmem_stat("dm_tlb_flushes"));
	TH_LOG("batch of %d non-adjacent 2 MiB runs: %lld TLB flushes for zap + restore",
	       n, tdxgmem_stat("dm_tlb_flushes") - f0);
	EXPECT_EQ(0, dm_ctl("free"));
}

/*
 * memfd_secret: map and touch @size bytes, so secretmem zaps every page, in
 * a child (a secretmem fault may end in SIGBUS). Returns 0 or -errno, or
 * the signal that killed the child as a positive number; *touched = bytes.
 */
static int secretmem_touch(unsigned long long size, unsigned long long *touched)
{
	unsigned long long *done = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE,
					MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status, r;
	pid_t pid;

	if (done == MAP_FAILED)
		return -errno;
	*done = 0;
	pid = fork();
	if (pid == 0) {
		/* secretmem pages count as locked memory (7.3 enforces it). */
		struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
		int fd;
		char *p;

		setrlimit(RLIMIT_MEMLOCK, &rl);
		fd = syscall(__NR_memfd_secret, 0);

		if (fd < 0)
			_exit(errno);
		if (ftruncate(fd, size))
			_exit(errno);
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			_exit(errno);
		for (unsigned long long off = 0; off < size; off += SZ_4K) {
			p[off] = 1;
			*done = off + SZ_4K;
		}
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		r = -ECHILD;
	else if (WIFSIGNALED(status))
		r = WTERMSIG(status);
	else
		r = -WEXITSTATUS(status);
	*touched = *done;
	munmap(done, SZ_4K);
	return r;
}

/* 1 GiB twice under TCG takes minutes: a fixture only for the timeout. */
FIXTURE(big) {};
FIXTURE_SETUP(big) {}
FIXTURE_TEARDOWN(big) {}

TEST_F_TIMEOUT(big, gib_no_split_vs_memfd_secret, 900)
{
	const unsigned int n = SZ_1G / SZ_2M;
	long long f0, s2, s3, t2, t3, m2, dm4k, dm2m, dm1g;
	unsigned long long touched = 0;
	int ret, unreadable = 0, readable = 0;

	if (!have_dmprobe())
		SKIP(return, "tdxgmem_dmprobe not loaded");
	if (caps_mode() == TDXGMEM_DIRECTMAP_NONE)
		SKIP(return, "no direct-map backend");
	ASSERT_LE(0, vmstat("direct_map_level2_splits"));

	ASSERT_EQ(0, dm_ctl("alloc 512"));
	dm4k = read_meminfo("DirectMap4k");
	dm2m = read_meminfo("DirectMap2M");
	dm1g = read_meminfo("DirectMap1G");
	s2 = vmstat("direct_map_level2_splits");
	s3 = vmstat("direct_map_level3_splits");
	f0 = tdxgmem_stat("dm_tlb_flushes");

	/* 1 GiB in aligned 2 MiB steps, one call (one flush) each. */
	ASSERT_EQ(0, dm_ctl("zap"));
	for (unsigned int i = 0; i < n; i++)
		unreadable += probe(block_pfn(i) + (i % BLOCK_PAGES), NULL, NULL) == 0;
	EXPECT_EQ(n, unreadable);
	ASSERT_EQ(0, dm_ctl("restore"));
	for (unsigned int i = 0; i < n; i++)
		readable += probe(block_pfn(i) + (i % BLOCK_PAGES), NULL, NULL) == 1;
	EXPECT_EQ(n, readable);
	EXPECT_EQ(f0 + 2 * n, tdxgmem_stat("dm_tlb_flushes"));

	t2 = vmstat("direct_map_level2_splits") - s2;
	t3 = vmstat("direct_map_level3_splits") - s3;
	TH_LOG("tdxgmem: 1 GiB zapped+restored in %u 2 MiB steps: %lld TLB flushes, level2 splits +%lld, level3 splits +%lld",
	       n, tdxgmem_stat("dm_tlb_flushes") - f0, t2, t3);
	TH_LOG("DirectMap4k %lld -> %lld kB, 2M %lld -> %lld kB, 1G %lld -> %lld kB",
	       dm4k, read_meminfo("DirectMap4k"), dm2m, read_meminfo("DirectMap2M"),
	       dm1g, read_meminfo("DirectMap1G"));
	EXPECT_EQ(0, t2);
	EXPECT_EQ(base.failures, tdxgmem_stat("dm_failures"));
	EXPECT_EQ(0, dm_ctl("free"));

	/* The same amount of memory through memfd_secret, same boot. */
	s2 = vmstat("direct_map_level2_splits");
	dm4k = read_meminfo("DirectMap4k");
	ret = secretmem_touch(SZ_1G, &touched);
	m2 = vmstat("direct_map_level2_splits") - s2;
	if (ret > 0)
		TH_LOG("memfd_secret: killed by signal %d after %llu MiB", ret, touched >> 20);
	else if (ret < 0)
		TH_LOG("memfd_secret: %s", strerror(-ret));
	TH_LOG("memfd_secret: %llu MiB touched: level2 splits +%lld, DirectMap4k %lld -> %lld kB",
	       touched >> 20, m2, dm4k, read_meminfo("DirectMap4k"));
	printf("# direct_map_level2_splits: tdxgmem 1 GiB +%lld, memfd_secret %llu MiB +%lld\n",
	       t2, touched >> 20, m2);
}

TEST(counters_consistent)
{
	if (!have_dmprobe())
		SKIP(return, "tdxgmem_dmprobe not loaded");
	/* Since this program started, every zapped block was restored. */
	EXPECT_EQ(tdxgmem_stat("dm_zapped_pages") - base.zapped,
		  tdxgmem_stat("dm_restored_pages") - base.restored);
	EXPECT_EQ(base.failures, tdxgmem_stat("dm_failures"));
	EXPECT_EQ(base.poison, tdxgmem_stat("dm_poison_skipped"));
}

TEST_HARNESS_MAIN
