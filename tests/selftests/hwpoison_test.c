// SPDX-License-Identifier: GPL-2.0
/*
 * Memory failure on tdxgmem pages. The kernel does not handle them
 * (memory_failure() says "unhandlable page" and only sets PageHWPoison),
 * so tdxgmem finds the poison itself: QUERY reports it, no huge order
 * covers it, get_pfn and mmap faults refuse it, punch frees it. Poison
 * comes from hwpoison_inject (corrupt-pfn) or MADV_HWPOISON; pfns from
 * kvmsim (private pages) and /proc/self/pagemap (shared pages).
 * Needs tdxgmem, kvmsim and hwpoison_inject loaded; root.
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "dmprobe.h"
#include "kvmsim.h"

#ifndef MADV_HWPOISON
#define MADV_HWPOISON	100
#endif
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE	101
#endif
#ifndef BUS_MCEERR_AR
#define BUS_MCEERR_AR	4
#endif

#define CORRUPT_PFN	"/sys/kernel/debug/hwpoison/corrupt-pfn"
#define GFN0		0x100000ULL	/* 512-aligned base gfn */
#define PRIV		TDXGMEM_ATTR_PRIVATE
#define SHARED_FLAGS	(TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED)
#define S_POP		TDXGMEM_STATE_POPULATED
#define S_PRIV_POP	(TDXGMEM_STATE_PRIVATE | TDXGMEM_STATE_POPULATED)
#define S_POISON	TDXGMEM_STATE_HWPOISON

/* No injector, no test: every poisoning test skips, with the reason. */
#define POISON_OR_SKIP()						\
	do {								\
		if (access(CORRUPT_PFN, W_OK))				\
			SKIP(return, "no %s (hwpoison_inject not loaded)", \
			     CORRUPT_PFN);				\
	} while (0)

#define KVMSIM_OR_SKIP()						\
	do {								\
		int vm_ = kvmsim_vm();					\
		if (vm_ == -ENOENT)					\
			SKIP(return, "tdxgmem_kvmsim.ko not loaded");	\
		ASSERT_LE(0, vm_);					\
		close(vm_);						\
	} while (0)

/* @fd: a new populated private file of two chunks, each a 2 MiB block. */
/* @fd: a populated private file of @n chunks, each one 2 MiB block. */
#define CHUNKS_OR_SKIP(fd, n)						\
	do {								\
		POISON_OR_SKIP();					\
		KVMSIM_OR_SKIP();					\
		fd = kvmsim_file((n) * SZ_2M, 0, 1);			\
		ASSERT_LE(0, fd);					\
		for (int c_ = 0; c_ < (n); c_++)			\
			if (page_map_log2(fd, c_ * PAGES_2M) != 21)	\
				SKIP(return, "no 2 MiB backing available"); \
	} while (0)

/*
 * Pages this program poisoned (shared with the forked tests) and tdxgmem's
 * "hwpoison" count at start: zz_no_leaks compares the two.
 */
static long long *poisoned;
static long long hwpoison0;

static void __attribute__((constructor)) baseline(void)
{
	poisoned = mmap(NULL, sizeof(*poisoned), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	hwpoison0 = tdxgmem_stat("hwpoison");
}

static void count_poisoned(void)
{
	if (poisoned != MAP_FAILED)
		__atomic_add_fetch(poisoned, 1, __ATOMIC_SEQ_CST);
}

/*
 * memory_failure() on @pfn through hwpoison_inject; 0 or -errno. The
 * kernel may fail the write (EBUSY: page left alone) after marking the
 * page, so callers check the effect, not this.
 */
static int poison_pfn(unsigned long long pfn)
{
	char buf[32];
	int fd = open(CORRUPT_PFN, O_WRONLY), n, r;

	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%llu", pfn);
	r = write(fd, buf, n) == n ? 0 : -errno;
	close(fd);
	count_poisoned();
	return r;
}

/* Poison @pfn; log the write's result (EBUSY: the kernel ignored the page). */
#define POISON(pfn)							\
	do {								\
		unsigned long long pfn_ = (pfn);			\
		int r_ = poison_pfn(pfn_);				\
		TH_LOG("corrupt-pfn %#llx: %d", pfn_, r_);		\
	} while (0)

/* pfn of private page @pg, from a kvmsim VM closed again; 0 on error. */
static unsigned long long private_pfn(int fd, unsigned long long pg)
{
	struct kvmsim_fault f = { .pfn = 0 };
	int vm = kvmsim_vm();

	if (vm < 0)
		return 0;
	if (kvmsim_bind(vm, fd, pg, 1, GFN0, NULL) ||
	    kvmsim_fault(vm, GFN0, KVMSIM_LEVEL_4K, &f))
		f.pfn = 0;
	close(vm);
	return f.pfn;
}

/* A new all-shared 2 MiB file in *@fd, mapped; NULL on error. */
static volatile unsigned char *shared_2m(int *fd)
{
	void *p;

	*fd = newfile(SZ_2M, SHARED_FLAGS, 0);
	if (*fd < 0)
		return NULL;
	p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	if (p != MAP_FAILED)
		return p;
	close(*fd);
	return NULL;
}

/* What a read in a child saw: no signal and the byte, or the signal. */
struct touch {
	int sig;		/* 0 read fine, -1 the child died otherwise */
	int code;		/* si_code */
	unsigned long addr;	/* si_addr */
	unsigned char val;
};

static int touch_fd = -1;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	struct touch t = { sig, si->si_code, (unsigned long)si->si_addr, 0 };

	_exit(write(touch_fd, &t, sizeof(t)) == sizeof(t) ? 0 : 2);
}

/*
 * Read *p in a forked child, after dropping its page from the child's
 * mapping if @dontneed: always a fresh fault, never the caller's PTE.
 */
static struct touch child_read(volatile unsigned char *p, int dontneed)
{
	struct touch t = { .sig = -1 };
	int fds[2], status;
	pid_t pid;

	if (pipe(fds))
		return t;
	pid = fork();
	if (pid == 0) {
		struct sigaction sa = {
			.sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO,
		};
		void *page = (void *)((unsigned long)p & ~(SZ_4K - 1));

		touch_fd = fds[1];
		if (sigaction(SIGBUS, &sa, NULL) ||
		    (dontneed && madvise(page, SZ_4K, MADV_DONTNEED)))
			_exit(1);
		t.sig = 0;
		t.val = *p;
		_exit(write(fds[1], &t, sizeof(t)) == sizeof(t) ? 0 : 2);
	}
	close(fds[1]);
	if (pid > 0) {
		if (read(fds[0], &t, sizeof(t)) != sizeof(t))
			t.sig = -1;
		waitpid(pid, &status, 0);
	}
	close(fds[0]);
	return t;
}

/*
 * A poisoned page: HWPOISON on top of its state, never mappable; the rest
 * of its 2 MiB chunk only at 4K; the other chunk still 2 MiB.
 */
TEST(query_reports_poison)
{
	long long h0 = tdxgmem_stat("hwpoison");
	struct tdxgmem_extent e[8];
	unsigned long long pfn;
	unsigned int nr = 0;
	int fd;

	CHUNKS_OR_SKIP(fd, 2);
	pfn = private_pfn(fd, 100);
	ASSERT_NE(0, pfn);
	POISON(pfn);

	ASSERT_EQ(0, tdxgmem_query(fd, 0, 2 * SZ_2M, e, 8, &nr, NULL));
	ASSERT_EQ(4, nr);
	EXPECT_EQ(0, e[0].offset);
	EXPECT_EQ(100 * SZ_4K, e[0].size);
	EXPECT_EQ(S_PRIV_POP, e[0].state);
	EXPECT_EQ(12, e[0].map_log2);
	EXPECT_EQ(100 * SZ_4K, e[1].offset);
	EXPECT_EQ(SZ_4K, e[1].size);
	EXPECT_EQ(S_PRIV_POP | S_POISON, e[1].state);
	EXPECT_EQ(0, e[1].map_log2);
	TH_LOG("poisoned page: backing_log2 %u", e[1].backing_log2);
	EXPECT_EQ(101 * SZ_4K, e[2].offset);
	EXPECT_EQ(SZ_2M - 101 * SZ_4K, e[2].size);
	EXPECT_EQ(S_PRIV_POP, e[2].state);
	EXPECT_EQ(12, e[2].map_log2);
	EXPECT_EQ(SZ_2M, e[3].offset);
	EXPECT_EQ(SZ_2M, e[3].size);
	EXPECT_EQ(21, e[3].map_log2);
	/* Asked again: still poisoned, found once. */
	EXPECT_EQ(S_PRIV_POP | S_POISON, page_state(fd, 100));
	EXPECT_EQ(12, page_map_log2(fd, 511));
	EXPECT_EQ(h0 + 1, tdxgmem_stat("hwpoison"));
	close(fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

/* get_pfn: -EHWPOISON on the page, order 0 beside it, 2M elsewhere. */
TEST(get_pfn_ehwpoison)
{
	long long h0 = tdxgmem_stat("hwpoison");
	struct kvmsim_fault f;
	unsigned long long pfn;
	int vm, fd;

	CHUNKS_OR_SKIP(fd, 2);
	pfn = private_pfn(fd, 300);
	ASSERT_NE(0, pfn);
	POISON(pfn);

	vm = kvmsim_vm();
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, 2 * PAGES_2M, GFN0, NULL));
	EXPECT_EQ(-EHWPOISON, kvmsim_fault(vm, GFN0 + 300, KVMSIM_LEVEL_4K, NULL));
	EXPECT_EQ(-EHWPOISON, kvmsim_fault(vm, GFN0 + 300, KVMSIM_LEVEL_2M, NULL));
	EXPECT_EQ(-ENOENT, kvmsim_lookup(vm, GFN0 + 300, NULL, NULL));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 301, KVMSIM_LEVEL_2M, &f));
	EXPECT_EQ(0, f.max_order);
	EXPECT_EQ(KVMSIM_LEVEL_4K, f.level);
	EXPECT_EQ(pfn + 1, f.pfn);
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0, KVMSIM_LEVEL_2M, &f));
	EXPECT_EQ(0, f.max_order);
	EXPECT_EQ(KVMSIM_LEVEL_4K, f.level);
	/* The other chunk has no poison: still mapped whole. */
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + PAGES_2M + 300, KVMSIM_LEVEL_2M, &f));
	EXPECT_EQ(9, f.max_order);
	EXPECT_EQ(KVMSIM_LEVEL_2M, f.level);
	EXPECT_EQ(0, kvmsim_check(vm));
	EXPECT_EQ(0, kvmsim_stats(vm).violation[KVMSIM_V_HWPOISON]);
	EXPECT_EQ(h0 + 1, tdxgmem_stat("hwpoison"));
	close(vm);
	close(fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

/*
 * A 2 MiB answer skips its chunk's poison scan while no memory failure was
 * counted since the last one: a new failure anywhere makes the next answer
 * scan again, and one in the chunk turns its answer into 4 KiB.
 */
TEST(two_mib_answer_sees_new_poison)
{
	struct kvmsim_fault f;
	long long s0;
	int vm, fd, order;

	CHUNKS_OR_SKIP(fd, 2);
	vm = kvmsim_vm();
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, 2 * PAGES_2M, GFN0, NULL));
	s0 = tdxgmem_stat("poison_scans");
	/* Scanned at allocation: the answers need not (a fault learns the pfn). */
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 5, KVMSIM_LEVEL_4K, &f));
	ASSERT_EQ(0, kvmsim_time_pfn(vm, GFN0 + 5, 10, &order));
	ASSERT_EQ(9, order);
	ASSERT_EQ(0, kvmsim_time_pfn(vm, GFN0 + PAGES_2M, 10, &order));
	ASSERT_EQ(9, order);
	ASSERT_EQ(s0, tdxgmem_stat("poison_scans"));

	/* Page 300 of chunk 0: contiguous, so 295 pages after page 5. */
	POISON(f.pfn + 295);
	ASSERT_EQ(0, kvmsim_time_pfn(vm, GFN0 + 5, 10, &order));
	EXPECT_EQ(0, order);
	EXPECT_EQ(-EHWPOISON, kvmsim_time_pfn(vm, GFN0 + 300, 1, NULL));
	/* Chunk 1 is clean, but the failure was counted: one new scan. */
	ASSERT_EQ(0, kvmsim_time_pfn(vm, GFN0 + PAGES_2M, 10, &order));
	EXPECT_EQ(9, order);
	EXPECT_EQ(s0 + 2, tdxgmem_stat("poison_scans"));
	close(vm);
	close(fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

/* A fresh fault on a poisoned shared page: SIGBUS, BUS_MCEERR_AR. */
TEST(mmap_fault_sigbus_mceerr)
{
	long long h0 = tdxgmem_stat("hwpoison");
	volatile unsigned char *p, *q;
	unsigned long long pfn;
	struct tdxgmem_extent e;
	struct touch t;
	int fd;

	POISON_OR_SKIP();
	p = shared_2m(&fd);
	ASSERT_NE(NULL, p);
	for (int i = 0; i < 4; i++)
		p[i * SZ_4K] = 0x10 + i;
	pfn = pagemap_pfn((void *)(p + SZ_4K));
	ASSERT_NE(0, pfn);
	POISON(pfn);
	ASSERT_EQ(0, kvmsim_query_page(fd, 1, &e));
	EXPECT_EQ(S_POP | S_POISON, e.state);
	EXPECT_EQ(0, e.map_log2);

	/* A new mapping. */
	q = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, q);
	t = child_read(q + SZ_4K + 5, 0);
	EXPECT_EQ(SIGBUS, t.sig);
	EXPECT_EQ(BUS_MCEERR_AR, t.code);
	EXPECT_EQ((unsigned long)(q + SZ_4K), t.addr & ~(SZ_4K - 1));
	t = child_read(q, 0);
	EXPECT_EQ(0, t.sig);
	EXPECT_EQ(0x10, t.val);
	t = child_read(q + 2 * SZ_4K, 0);
	EXPECT_EQ(0, t.sig);
	EXPECT_EQ(0x12, t.val);
	/* The old mapping, the page dropped first. */
	t = child_read(p + SZ_4K, 1);
	EXPECT_EQ(SIGBUS, t.sig);
	EXPECT_EQ(BUS_MCEERR_AR, t.code);
	t = child_read(p + 3 * SZ_4K, 1);
	EXPECT_EQ(0, t.sig);
	EXPECT_EQ(0x13, t.val);
	/* An unpopulated neighbour is allocated as usual. */
	t = child_read(q + 100 * SZ_4K, 0);
	EXPECT_EQ(0, t.sig);
	EXPECT_EQ(0, t.val);
	EXPECT_EQ(S_POP | S_POISON, page_state(fd, 1));
	EXPECT_EQ(h0 + 1, tdxgmem_stat("hwpoison"));
	munmap((void *)q, SZ_2M);
	munmap((void *)p, SZ_2M);
	close(fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

/* MADV_HWPOISON marks the page too, whatever madvise() returns. */
TEST(madvise_hwpoison)
{
	long long h0 = tdxgmem_stat("hwpoison");
	volatile unsigned char *p;
	struct touch t;
	int fd, r;

	POISON_OR_SKIP();
	p = shared_2m(&fd);
	ASSERT_NE(NULL, p);
	for (int i = 0; i < 4; i++)
		p[i * SZ_4K] = 0x20 + i;
	r = madvise((void *)(p + 2 * SZ_4K), SZ_4K, MADV_HWPOISON);
	count_poisoned();
	TH_LOG("MADV_HWPOISON: %d (%s)", r, r ? strerror(errno) : "ok");
	EXPECT_EQ(S_POP | S_POISON, page_state(fd, 2));
	EXPECT_EQ(0, page_map_log2(fd, 2));
	EXPECT_EQ(S_POP, page_state(fd, 1));
	t = child_read(p + 2 * SZ_4K, 1);
	EXPECT_EQ(SIGBUS, t.sig);
	EXPECT_EQ(BUS_MCEERR_AR, t.code);
	t = child_read(p + SZ_4K, 1);
	EXPECT_EQ(0, t.sig);
	EXPECT_EQ(0x21, t.val);
	EXPECT_EQ(h0 + 1, tdxgmem_stat("hwpoison"));
	munmap((void *)p, SZ_2M);
	close(fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

/*
 * Soft offline migrates a page away before poisoning it. tdxgmem pages
 * never move, so the kernel must refuse and leave the page as it was.
 */
TEST(soft_offline_refused)
{
	long long h0 = tdxgmem_stat("hwpoison");
	volatile unsigned char *p;
	unsigned long long pfn;
	int fd, r;

	p = shared_2m(&fd);
	ASSERT_NE(NULL, p);
	p[9 * SZ_4K] = 0x77;
	pfn = pagemap_pfn((void *)(p + 9 * SZ_4K));
	ASSERT_NE(0, pfn);
	r = madvise((void *)(p + 9 * SZ_4K), SZ_4K, MADV_SOFT_OFFLINE);
	TH_LOG("MADV_SOFT_OFFLINE: %d (%s)", r, r ? strerror(errno) : "ok");
	EXPECT_EQ(-1, r);
	EXPECT_EQ(pfn, pagemap_pfn((void *)(p + 9 * SZ_4K)));
	EXPECT_EQ(0x77, p[9 * SZ_4K]);
	EXPECT_EQ(S_POP, page_state(fd, 9));
	EXPECT_EQ(h0, tdxgmem_stat("hwpoison"));
	munmap((void *)p, SZ_2M);
	close(fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

/* Conversion both ways over a poisoned page: it stays poisoned. */
TEST(convert_keeps_poison)
{
	long long h0 = tdxgmem_stat("hwpoison");
	volatile unsigned char *p;
	unsigned long long pfn;
	struct kvmsim_fault f;
	struct touch t;
	int vm, fd;

	POISON_OR_SKIP();
	KVMSIM_OR_SKIP();
	fd = kvmsim_file(SZ_2M, TDXGMEM_F_MMAP, 1);
	ASSERT_LE(0, fd);
	pfn = private_pfn(fd, 10);
	ASSERT_NE(0, pfn);
	POISON(pfn);
	EXPECT_EQ(S_PRIV_POP | S_POISON, page_state(fd, 10));
	vm = kvmsim_vm();
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, PAGES_2M, GFN0, NULL));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 9, KVMSIM_LEVEL_2M, &f));
	EXPECT_EQ(KVMSIM_LEVEL_4K, f.level);

	ASSERT_EQ(0, tdxgmem_convert_pages(fd, 0, PAGES_2M, 0, 0, NULL));
	EXPECT_EQ(S_POP | S_POISON, page_state(fd, 10));
	EXPECT_EQ(0, page_map_log2(fd, 10));
	EXPECT_EQ(S_POP, page_state(fd, 9));
	EXPECT_EQ(-ENOENT, kvmsim_lookup(vm, GFN0 + 9, NULL, NULL));
	/* Shared now: the poisoned page cannot be mapped, the others can. */
	p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	t = child_read(p + 10 * SZ_4K, 0);
	EXPECT_EQ(SIGBUS, t.sig);
	EXPECT_EQ(BUS_MCEERR_AR, t.code);
	t = child_read(p + 9 * SZ_4K, 0);
	EXPECT_EQ(0, t.sig);
	EXPECT_EQ(0, t.val);
	munmap((void *)p, SZ_2M);

	ASSERT_EQ(0, tdxgmem_convert_pages(fd, 0, PAGES_2M, PRIV, 0, NULL));
	EXPECT_EQ(S_PRIV_POP | S_POISON, page_state(fd, 10));
	EXPECT_EQ(0, page_map_log2(fd, 10));
	EXPECT_EQ(S_PRIV_POP, page_state(fd, 9));
	EXPECT_EQ(12, page_map_log2(fd, 9));
	EXPECT_EQ(12, page_map_log2(fd, 511));
	EXPECT_EQ(-EHWPOISON, kvmsim_fault(vm, GFN0 + 10, KVMSIM_LEVEL_2M, NULL));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 11, KVMSIM_LEVEL_2M, &f));
	EXPECT_EQ(0, f.max_order);
	EXPECT_EQ(KVMSIM_LEVEL_4K, f.level);
	EXPECT_EQ(0, kvmsim_check(vm));
	EXPECT_EQ(h0 + 1, tdxgmem_stat("hwpoison"));
	close(vm);
	close(fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

/* Punch frees the poisoned page; allocation brings a new one. */
/*
 * The page allocator keeps back a poisoned page only when it is freed on
 * its own: a chunk with one is split at close, never freed as a block.
 */
TEST(close_splits_poisoned_block)
{
	unsigned long long pfn;
	long long bs0, bf0, f0;
	int fd;

	CHUNKS_OR_SKIP(fd, 1);
	pfn = private_pfn(fd, 9);
	ASSERT_NE(0, pfn);
	POISON(pfn);
	EXPECT_EQ(S_PRIV_POP | S_POISON, page_state(fd, 9));
	bs0 = tdxgmem_stat("block_splits");
	bf0 = tdxgmem_stat("block_frees");
	f0 = tdxgmem_stat("frees");
	close(fd);
	EXPECT_EQ(bs0 + 1, tdxgmem_stat("block_splits"));
	EXPECT_EQ(bf0, tdxgmem_stat("block_frees"));
	EXPECT_EQ(f0 + 512, tdxgmem_stat("frees"));
	EXPECT_TRUE(tdxgmem_no_leaks());
}

/*
 * A poisoned page in a 1 GiB range: the GiB may no longer be mapped
 * whole, its other chunks still may at 2 MiB; the range is still freed
 * in one call, the allocator keeping the poisoned page back.
 */
/* Populating a GiB under TCG can take most of the default 30 s. */
FIXTURE(gib) {};
FIXTURE_SETUP(gib) {}
FIXTURE_TEARDOWN(gib) {}

TEST_F_TIMEOUT(gib, poison_lowers_to_chunks, 600)
{
	const unsigned long long pg = 300 * PAGES_2M + 7;
	unsigned long long pfn;
	long long gf0, f0;
	int fd;

	POISON_OR_SKIP();
	KVMSIM_OR_SKIP();
	fd = newfile(SZ_1G, 0, 30);
	if (fd == -EOPNOTSUPP)
		SKIP(return, "no 1 GiB backing on this kernel");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, SZ_1G));
	if (page_map_log2(fd, 0) != 30) {
		close(fd);
		SKIP(return, "no free 1 GiB range in this VM");
	}
	pfn = private_pfn(fd, pg);
	ASSERT_NE(0, pfn);
	POISON(pfn);
	EXPECT_EQ(S_PRIV_POP | S_POISON, page_state(fd, pg));
	EXPECT_EQ(21, page_map_log2(fd, 0));
	EXPECT_EQ(12, page_map_log2(fd, pg + 1));
	EXPECT_EQ(21, page_map_log2(fd, pg + PAGES_2M));
	gf0 = tdxgmem_stat("giga_frees");
	f0 = tdxgmem_stat("frees");
	close(fd);
	EXPECT_EQ(gf0 + 1, tdxgmem_stat("giga_frees"));
	EXPECT_EQ(f0 + (long long)(SZ_1G / SZ_4K), tdxgmem_stat("frees"));
	EXPECT_TRUE(tdxgmem_no_leaks());
}

TEST(punch_then_reallocate)
{
	long long h0 = tdxgmem_stat("hwpoison");
	unsigned long long pfn, npfn;
	struct tdxgmem_extent e;
	int fd;

	POISON_OR_SKIP();
	KVMSIM_OR_SKIP();
	fd = kvmsim_file(SZ_2M, 0, 1);
	ASSERT_LE(0, fd);
	pfn = private_pfn(fd, 7);
	ASSERT_NE(0, pfn);
	POISON(pfn);
	EXPECT_EQ(S_PRIV_POP | S_POISON, page_state(fd, 7));
	EXPECT_EQ(512, tdxgmem_pages());

	ASSERT_EQ(0, kvmsim_punch(fd, 7, 1));
	EXPECT_EQ(511, tdxgmem_pages());
	ASSERT_EQ(0, kvmsim_query_page(fd, 7, &e));
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE, e.state);
	EXPECT_EQ(0, e.backing_log2);
	EXPECT_EQ(0, e.map_log2);

	ASSERT_EQ(0, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 7 * SZ_4K, SZ_4K));
	EXPECT_EQ(512, tdxgmem_pages());
	ASSERT_EQ(0, kvmsim_query_page(fd, 7, &e));
	EXPECT_EQ(S_PRIV_POP, e.state);
	EXPECT_EQ(12, e.backing_log2);
	EXPECT_EQ(12, e.map_log2);
	npfn = private_pfn(fd, 7);
	EXPECT_NE(0, npfn);
	EXPECT_NE(pfn, npfn);
	EXPECT_EQ(h0 + 1, tdxgmem_stat("hwpoison"));
	close(fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
	EXPECT_EQ(h0 + 1, tdxgmem_stat("hwpoison"));
}

/*
 * NO_DIRECT_MAP: punching a poisoned private page frees it without
 * putting it back in the direct map, and does not quarantine it.
 */
TEST(nodm_punch_poisoned)
{
	long long h0 = tdxgmem_stat("hwpoison");
	long long s0 = tdxgmem_stat("dm_poison_skipped");
	long long q0 = tdxgmem_stat("quarantined");
	unsigned long long pfn;
	int fd, r;

	POISON_OR_SKIP();
	KVMSIM_OR_SKIP();
	if (caps_mode() == TDXGMEM_DIRECTMAP_NONE)
		SKIP(return, "no direct-map backend");
	fd = kvmsim_file(SZ_2M, TDXGMEM_F_NO_DIRECT_MAP, 1);
	ASSERT_LE(0, fd);
	pfn = private_pfn(fd, 3);
	ASSERT_NE(0, pfn);
	POISON(pfn);
	EXPECT_EQ(S_PRIV_POP | S_POISON, page_state(fd, 3));

	ASSERT_EQ(0, kvmsim_punch(fd, 3, 1));
	EXPECT_EQ(s0 + 1, tdxgmem_stat("dm_poison_skipped"));
	EXPECT_EQ(q0, tdxgmem_stat("quarantined"));
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE, page_state(fd, 3));
	EXPECT_EQ(511, tdxgmem_pages());
	/* With dmprobe loaded: the poisoned page stayed out of the direct map. */
	r = probe_readable(pfn);
	if (r != -ENOENT)
		EXPECT_EQ(0, r);
	close(fd);
	EXPECT_EQ(s0 + 1, tdxgmem_stat("dm_poison_skipped"));
	EXPECT_EQ(q0, tdxgmem_stat("quarantined"));
	EXPECT_EQ(h0 + 1, tdxgmem_stat("hwpoison"));
	EXPECT_TRUE(tdxgmem_no_leaks());
}

/*
 * NO_DIRECT_MAP: a private chunk (out of the direct map), a page of it
 * poisoned, the chunk made shared (the poisoned page stays out), then
 * private again with the zap failing. The rollback leaves the poisoned
 * page out, and the call fails with nothing changed or quarantined; the
 * retry works.
 */
TEST(nodm_failed_zap_keeps_poison_out)
{
	long long q0 = tdxgmem_stat("quarantined");
	unsigned long long p7, p8;
	int fd;

	POISON_OR_SKIP();
	KVMSIM_OR_SKIP();
	if (caps_mode() == TDXGMEM_DIRECTMAP_NONE)
		SKIP(return, "no direct-map backend");
	fd = kvmsim_file(SZ_2M, TDXGMEM_F_MMAP | TDXGMEM_F_NO_DIRECT_MAP, 1);
	ASSERT_LE(0, fd);
	p7 = private_pfn(fd, 7);
	p8 = private_pfn(fd, 8);
	ASSERT_NE(0, p7);
	ASSERT_NE(0, p8);
	if (probe_readable(p8) == -ENOENT)
		SKIP(return, "tdxgmem_dmprobe.ko not loaded");
	EXPECT_EQ(0, probe_readable(p8));
	POISON(p7);
	ASSERT_EQ(0, tdxgmem_convert_pages(fd, 0, PAGES_2M, 0, 0, NULL));
	EXPECT_EQ(0, probe_readable(p7));
	EXPECT_EQ(1, probe_readable(p8));

	ASSERT_EQ(0, fail_directmap(0, 1));
	EXPECT_EQ(-ENOMEM, tdxgmem_convert_pages(fd, 0, PAGES_2M, PRIV, 0, NULL));
	EXPECT_EQ(0, probe_readable(p7));
	EXPECT_EQ(1, probe_readable(p8));
	EXPECT_EQ(q0, tdxgmem_stat("quarantined"));
	EXPECT_EQ(S_POP | S_POISON, page_state(fd, 7));
	EXPECT_EQ(S_POP, page_state(fd, 8));

	ASSERT_EQ(0, tdxgmem_convert_pages(fd, 0, PAGES_2M, PRIV, 0, NULL));
	EXPECT_EQ(0, probe_readable(p7));
	EXPECT_EQ(0, probe_readable(p8));
	EXPECT_EQ(S_PRIV_POP | S_POISON, page_state(fd, 7));
	close(fd);
	EXPECT_EQ(0, probe_readable(p7));
	EXPECT_EQ(1, probe_readable(p8));
	EXPECT_EQ(q0, tdxgmem_stat("quarantined"));
	EXPECT_TRUE(tdxgmem_no_leaks());
}

/*
 * kvmsim's own invariant: tdxgmem is not told of memory failure, so a 2M
 * mapping made before the poison stays until something invalidates it;
 * kvmsim's check must flag it. Punching the page splits and unmaps it.
 */
TEST(kvmsim_flags_huge_mapping_over_poison)
{
	struct kvmsim_fault f;
	unsigned long long v;
	int vm, fd;

	CHUNKS_OR_SKIP(fd, 1);
	vm = kvmsim_vm();
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, PAGES_2M, GFN0, NULL));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0, KVMSIM_LEVEL_2M, &f));
	ASSERT_EQ(KVMSIM_LEVEL_2M, f.level);
	EXPECT_EQ(0, kvmsim_check(vm));
	POISON(f.pfn + 50);

	EXPECT_LT(0, kvmsim_check(vm));
	EXPECT_LE(1, kvmsim_stats(vm).violation[KVMSIM_V_HWPOISON]);
	/* Every ioctl checks again, so count only once the entry is gone. */
	ASSERT_EQ(0, kvmsim_punch(fd, 50, 1));
	EXPECT_EQ(0, kvmsim_stats(vm).mapped_2m);
	v = kvmsim_stats(vm).violation[KVMSIM_V_HWPOISON];
	kvmsim_check(vm);
	EXPECT_EQ(v, kvmsim_stats(vm).violation[KVMSIM_V_HWPOISON]);
	close(vm);
	close(fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

TEST(zz_no_leaks)
{
	EXPECT_EQ(0, tdxgmem_stat("files"));
	EXPECT_EQ(0, tdxgmem_pages());
	ASSERT_NE(MAP_FAILED, poisoned);
	TH_LOG("%lld page(s) poisoned", *poisoned);
	if (*poisoned)
		EXPECT_EQ(hwpoison0 + *poisoned, tdxgmem_stat("hwpoison"));
}

TEST_HARNESS_MAIN
