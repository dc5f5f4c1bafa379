// SPDX-License-Identifier: GPL-2.0
/*
 * No double zeroing (TDXGMEM_CLIENT_INITIALIZES, GET_CAPS
 * TDXGMEM_FEATURE_SKIP_ZEROING, counters zeroed_pages and
 * zero_skipped_pages), through kvmsim's KVMSIM_BIND_INITIALIZES.
 *
 * Where the feature is in force (a boot with init_on_alloc=0: scripts/check
 * zero-<k>), private pages populated for a consumer that initializes them
 * come uncleared, and nobody else may ever read what they held. Each test
 * first leaves a marker in the memory tdxgmem allocates next (scribble()),
 * so that uncleared pages hold it: the controls (raw_fault_sees_the_marker,
 * fallocate_follows_bindings) prove that they do and that the test can see
 * a leak, the others that none reaches userspace or a consumer without the
 * flag. Without the feature (Debian's default boots), every page populated
 * is cleared at allocation, counted in zeroed_pages, and nothing is
 * skipped. Needs tdxgmem_kvmsim.ko loaded; the GiB and NO_DIRECT_MAP cases
 * skip, saying why, where those are not available.
 */
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "dmprobe.h"
#include "kvmsim.h"

/*
 * Clearing and checking a GiB under TCG: a watchdog, not a budget. The
 * debug kernel (KASAN) took more than 300 s for the GiB case.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 1200

#define GFN0		0x100000ULL	/* 1G-aligned base gfn */
#define PRIV		TDXGMEM_ATTR_PRIVATE
#define MARK_BYTE	0xa5
#define MARK		0xa5a5a5a5a5a5a5a5ULL
#define INIT		KVMSIM_BIND_INITIALIZES
/*
 * 2 MiB chunks a control populates: the allocator may hand out a few
 * blocks that scribble() did not write.
 */
#define NCHUNKS		8

static int skip_zeroing(void)
{
	struct tdxgmem_caps caps;

	tdxgmem_caps(&caps);
	return !!(caps.features & TDXGMEM_FEATURE_SKIP_ZEROING);
}

static unsigned long long caps_page_sizes(void)
{
	struct tdxgmem_caps caps;

	tdxgmem_caps(&caps);
	return caps.page_sizes;
}

/*
 * Leave @size bytes of freed memory holding the marker, where tdxgmem's
 * next allocations come from: the shared pages of a tdxgmem file (the
 * allocator's free lists of the same migrate type and, the CPU pinned, its
 * per-CPU lists), written through mmap() and freed with the file (tdxgmem
 * frees what it never cleared as it is). @log2: backing, 21 or 30 (a
 * GiB freed whole is the one the next GiB allocation finds first).
 * 0 or -errno.
 */
static int scribble(unsigned long long size, int log2)
{
	void *p;
	int fd, r;

	/*
	 * tdxgmem's pool of freed 2 MiB blocks (not the allocator's lists)
	 * backs its next chunks, and a block written through mmap() is split,
	 * never pooled: empty the pool first, so that the next chunks come
	 * from the allocator, where the marker is, and this file's own chunks
	 * take the blocks the pool gave back.
	 */
	r = tdxgmem_pool_release();
	if (r)
		return r;
	fd = newfile(size, TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED, log2);
	if (fd < 0)
		return fd;
	r = xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, size);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!r && p == MAP_FAILED)
		r = -errno;
	if (!r) {
		memset(p, MARK_BYTE, size);
		munmap(p, size);
	}
	close(fd);
	return r;
}

struct zc {
	long long zeroed, skipped;
};

static struct zc zc_now(void)
{
	return (struct zc){ tdxgmem_stat("zeroed_pages"),
			    tdxgmem_stat("zero_skipped_pages") };
}

/* The counters moved by exactly (@zeroed, @skipped) since @c0. */
#define EXPECT_ZC(c0, dz, ds)						\
	do {								\
		struct zc _c = zc_now();				\
		EXPECT_EQ((long long)(dz), _c.zeroed - (c0).zeroed);	\
		EXPECT_EQ((long long)(ds), _c.skipped - (c0).skipped);	\
	} while (0)

/*
 * Read @n pages from @gfn, every @step-th, through KVMSIM_ACCESS: how many
 * hold a non-zero byte; *@marked (if not NULL): how many begin with the
 * marker. -errno if a read failed.
 */
static long dirty_pages(int vm, unsigned long long gfn, unsigned long long n,
			unsigned long long step, long *marked)
{
	static uint64_t buf[SZ_4K / 8];
	long dirty = 0, mk = 0;
	unsigned long long i;
	unsigned int k;
	int r;

	for (i = 0; i < n; i += step) {
		r = kvmsim_access(vm, gfn + i, 0, buf, SZ_4K, 0);
		if (r)
			return r;
		for (k = 0; k < SZ_4K / 8; k++)
			if (buf[k])
				break;
		dirty += k < SZ_4K / 8;
		mk += buf[0] == MARK;
	}
	if (marked)
		*marked = mk;
	return dirty;
}

/* Non-zero bytes in [@pg, @pg + @n) of @fd read through mmap(), or -1. */
static long long mmap_dirty_bytes(int fd, unsigned long long pg,
				  unsigned long long n)
{
	unsigned char *p = mmap(NULL, n * SZ_4K, PROT_READ, MAP_SHARED, fd,
				pg * SZ_4K);
	long long dirty = 0;
	unsigned long long i;

	if (p == MAP_FAILED)
		return -1;
	for (i = 0; i < n * SZ_4K; i++)
		dirty += !!p[i];
	munmap(p, n * SZ_4K);
	return dirty;
}

static int bind_flags(int vm, int fd, unsigned long long pgoff,
		      unsigned long long npages, unsigned long long gfn,
		      unsigned int flags, unsigned long long *id)
{
	struct kvmsim_bind b = {
		.fd = fd, .flags = flags, .pgoff = pgoff, .npages = npages,
		.base_gfn = gfn,
	};
	int r = xioctl(vm, KVMSIM_BIND, &b);

	if (!r && id)
		*id = b.id;
	return r;
}

/* A private fault without initializing (KVMSIM_FAULT_RAW). */
static int fault_raw(int vm, unsigned long long gfn, int level,
		     struct kvmsim_fault *out)
{
	return kvmsim_fault_flags(vm, gfn, level, KVMSIM_FAULT_RAW, out);
}

FIXTURE(zero) {
	int vm;
	int skip;		/* TDXGMEM_FEATURE_SKIP_ZEROING in force */
	long long pages0;	/* tdxgmem_pages() at the start */
};

FIXTURE_SETUP(zero)
{
	cpu_set_t cpus;

	VM_OR_SKIP(self->vm);
	self->skip = skip_zeroing();
	self->pages0 = tdxgmem_pages();
	/* One CPU: its per-CPU free lists hand back what scribble() freed. */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpus), &cpus));
	/* Both ways: without the feature, the marker must never show. */
	ASSERT_EQ(0, scribble(128 * SZ_2M, 21));
}

FIXTURE_TEARDOWN(zero)
{
	if (self->vm < 0)
		return;
	EXPECT_EQ(0, kvmsim_check(self->vm));
	EXPECT_EQ(0, kvmsim_stats(self->vm).violation[KVMSIM_V_NOT_ZERO]);
	close(self->vm);
	/* Every page held goes back, uncleared ones included. */
	EXPECT_EQ(self->pages0, tdxgmem_pages());
	EXPECT_TRUE(tdxgmem_no_leaks());
}

/*
 * The control: a consumer that says it initializes, and then does not
 * (KVMSIM_FAULT_RAW), sees what the pages held before: the marker, with
 * the feature; zeroes without it.
 */
TEST_F(zero, raw_fault_sees_the_marker)
{
	const unsigned long long n = NCHUNKS * PAGES_2M;
	struct kvmsim_fault f;
	long long pg0;
	struct zc c0;
	long dirty, marked;
	int fd;

	fd = kvmsim_file(n * SZ_4K, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bind_flags(self->vm, fd, 0, n, GFN0, INIT, NULL));
	c0 = zc_now();
	pg0 = tdxgmem_pages();
	for (unsigned long long g = 0; g < n; g += PAGES_2M) {
		ASSERT_EQ(0, fault_raw(self->vm, GFN0 + g + 7, KVMSIM_LEVEL_2M, &f));
		ASSERT_EQ(9, f.max_order);
		ASSERT_EQ(KVMSIM_LEVEL_2M, f.level);
	}
	ASSERT_EQ(pg0 + (long long)n, tdxgmem_pages());
	EXPECT_ZC(c0, self->skip ? 0 : n, self->skip ? n : 0);
	EXPECT_EQ(0, kvmsim_stats(self->vm).initialized);

	dirty = dirty_pages(self->vm, GFN0, n, 7, &marked);
	TH_LOG("skip_zeroing %d: of %llu pages sampled, %ld not zero, %ld with the marker",
	       self->skip, (n + 6) / 7, dirty, marked);
	if (self->skip) {
		/* Proves that memory came uncleared and that a leak shows. */
		EXPECT_LT(0, marked);
	} else {
		EXPECT_EQ(0, dirty);
	}
	close(fd);
}

/* A normal fault of an initializing consumer: kvmsim wrote every page. */
TEST_F(zero, initializing_fault_reads_zeroes)
{
	unsigned int flags[] = { INIT, INIT | KVMSIM_BIND_TDX };
	struct kvmsim_stats s;
	struct kvmsim_fault f;
	unsigned long long id;
	struct zc c0;
	int fd;

	fd = kvmsim_file(2 * SZ_2M, 0, 0);
	ASSERT_LE(0, fd);
	for (int i = 0; i < 2; i++) {
		unsigned long long gfn = GFN0 + i * PAGES_2M;
		unsigned long long init0 = kvmsim_stats(self->vm).initialized;

		ASSERT_EQ(0, bind_flags(self->vm, fd, i * PAGES_2M, PAGES_2M,
					gfn, flags[i], &id));
		c0 = zc_now();
		ASSERT_EQ(0, kvmsim_fault(self->vm, gfn + 7, KVMSIM_LEVEL_2M, &f));
		ASSERT_EQ(9, f.max_order);
		EXPECT_ZC(c0, self->skip ? 0 : 512, self->skip ? 512 : 0);
		EXPECT_EQ(0, dirty_pages(self->vm, gfn, PAGES_2M, 1, NULL));
		s = kvmsim_stats(self->vm);
		EXPECT_EQ(init0 + 512, s.initialized);

		/* Written, then unmapped: a new mapping is written again. */
		EXPECT_EQ(0, kvmsim_access(self->vm, gfn + 3, 0, "data", 4, 1));
		ASSERT_EQ(0, kvmsim_unbind(self->vm, id));
		ASSERT_EQ(0, bind_flags(self->vm, fd, i * PAGES_2M, PAGES_2M,
					gfn, flags[i], &id));
		c0 = zc_now();
		ASSERT_EQ(0, kvmsim_fault(self->vm, gfn + 3, KVMSIM_LEVEL_4K, &f));
		EXPECT_ZC(c0, 0, 0);
		EXPECT_EQ(0, dirty_pages(self->vm, gfn + 3, 1, 1, NULL));
		EXPECT_EQ(init0 + 513, kvmsim_stats(self->vm).initialized);
	}
	close(fd);
}

/*
 * Populated uncleared, then converted to shared: userspace reads zeroes,
 * PRESERVE or not (tdxgmem cannot tell what the consumer wrote).
 */
static void to_shared(struct __test_metadata *_metadata,
		      FIXTURE_DATA(zero) *self, unsigned long long flags)
{
	struct kvmsim_fault f;
	long marked;
	struct zc c0;
	int fd;

	fd = kvmsim_file(SZ_2M, TDXGMEM_F_MMAP, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bind_flags(self->vm, fd, 0, PAGES_2M, GFN0, INIT, NULL));
	ASSERT_EQ(0, fault_raw(self->vm, GFN0, KVMSIM_LEVEL_2M, &f));
	ASSERT_EQ(9, f.max_order);
	ASSERT_LE(0, dirty_pages(self->vm, GFN0, PAGES_2M, 1, &marked));
	TH_LOG("%ld pages with the marker before the conversion", marked);

	/* 64 pages, then the rest of the chunk. */
	c0 = zc_now();
	ASSERT_EQ(0, tdxgmem_convert_pages(fd, 100, 64, 0, flags, NULL));
	EXPECT_ZC(c0, self->skip ? 64 : 0, 0);
	EXPECT_EQ(0, mmap_dirty_bytes(fd, 100, 64));
	c0 = zc_now();
	ASSERT_EQ(0, tdxgmem_convert_pages(fd, 0, PAGES_2M, 0, flags, NULL));
	EXPECT_ZC(c0, self->skip ? 512 - 64 : 0, 0);
	EXPECT_EQ(0, mmap_dirty_bytes(fd, 0, PAGES_2M));

	/* Private again and back: nothing left to clear. */
	c0 = zc_now();
	ASSERT_EQ(0, tdxgmem_convert_pages(fd, 0, PAGES_2M, PRIV, 0, NULL));
	ASSERT_EQ(0, tdxgmem_convert_pages(fd, 0, PAGES_2M, 0, flags, NULL));
	EXPECT_ZC(c0, 0, 0);
	EXPECT_EQ(0, mmap_dirty_bytes(fd, 0, PAGES_2M));
	close(fd);
}

TEST_F(zero, to_shared_clears)
{
	to_shared(_metadata, self, 0);
}

TEST_F(zero, to_shared_preserve_clears)
{
	to_shared(_metadata, self, TDXGMEM_CONVERT_PRESERVE);
}

/*
 * Populated uncleared for an initializing consumer, then bound by one that
 * does not: its first answer clears the whole block it covers. kvmsim
 * checks every page it maps for such a binding for zeroes (a violation
 * otherwise), and the test reads them too.
 */
static void rebind(struct __test_metadata *_metadata,
		   FIXTURE_DATA(zero) *self, unsigned long long flags,
		   int log2, int level)
{
	unsigned long long npages = 1ULL << (log2 - 12), id;
	int order = log2 - 12;
	long long g0, gs, fb0, pg0;
	struct kvmsim_fault f;
	long marked;
	struct zc c0;
	int fd;

	if (flags & TDXGMEM_F_NO_DIRECT_MAP) {
		unsigned int mode = caps_mode();

		if (mode == TDXGMEM_DIRECTMAP_NONE || mode == ~0U)
			SKIP(return, "no direct-map backend (mode %u)", mode);
	}
	if (log2 == 30 && !(caps_page_sizes() & SZ_1G))
		SKIP(return, "GET_CAPS page_sizes %#llx: no 1 GiB chunks",
		     caps_page_sizes());
	gs = tdxgmem_stat("giga_allocs");
	if (log2 == 30)
		ASSERT_EQ(0, scribble(SZ_1G, 30));
	gs = tdxgmem_stat("giga_allocs") - gs;
	fb0 = tdxgmem_stat("giga_fallbacks");
	fd = newfile(npages * SZ_4K, flags, log2);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bind_flags(self->vm, fd, 0, npages, GFN0, INIT, &id));
	c0 = zc_now();
	pg0 = tdxgmem_pages();
	g0 = tdxgmem_stat("giga_allocs");
	ASSERT_EQ(0, fault_raw(self->vm, GFN0 + npages / 2 + 3, level, &f));
	if (log2 == 30 && tdxgmem_stat("giga_allocs") == g0) {
		close(fd);
		SKIP(return,
		     "no 1 GiB allocation: giga_fallbacks +%lld, MemFree %lld kB (the marker's file had %s)",
		     tdxgmem_stat("giga_fallbacks") - fb0, meminfo_kb("MemFree"),
		     gs ? "one, freed" : "none either");
	}
	ASSERT_EQ(order, f.max_order);
	ASSERT_EQ(pg0 + (long long)npages, tdxgmem_pages());
	EXPECT_ZC(c0, self->skip ? 0 : npages, self->skip ? npages : 0);
	ASSERT_LE(0, dirty_pages(self->vm, GFN0, npages, npages / 64, &marked));
	TH_LOG("%ld of 64 pages sampled with the marker", marked);

	ASSERT_EQ(0, kvmsim_unbind(self->vm, id));
	ASSERT_EQ(0, kvmsim_bind(self->vm, fd, 0, npages, GFN0, &id));
	/* A 4K fault: the answer covers the block all the same. */
	c0 = zc_now();
	ASSERT_EQ(0, kvmsim_fault(self->vm, GFN0 + 5, KVMSIM_LEVEL_4K, &f));
	EXPECT_EQ(order, f.max_order);
	EXPECT_ZC(c0, self->skip ? npages : 0, 0);
	EXPECT_EQ(0, dirty_pages(self->vm, GFN0 + 5, 1, 1, NULL));
	/* The block's entry: kvmsim checked it all; the test samples it. */
	c0 = zc_now();
	ASSERT_EQ(0, kvmsim_fault(self->vm, GFN0 + npages - 1, level, &f));
	EXPECT_EQ(level, f.level);
	EXPECT_ZC(c0, 0, 0);
	EXPECT_EQ(0, dirty_pages(self->vm, GFN0, npages,
				 npages > PAGES_2M ? 509 : 1, NULL));
	EXPECT_EQ(0, dirty_pages(self->vm, GFN0 + npages - 1, 1, 1, NULL));
	close(fd);
}

TEST_F(zero, rebind_without_flag_2m)
{
	rebind(_metadata, self, 0, 21, KVMSIM_LEVEL_2M);
}

TEST_F(zero, rebind_without_flag_nodirectmap)
{
	rebind(_metadata, self, TDXGMEM_F_NO_DIRECT_MAP, 21, KVMSIM_LEVEL_2M);
}

TEST_F(zero, rebind_without_flag_1g)
{
	rebind(_metadata, self, 0, 30, KVMSIM_LEVEL_1G);
}

/*
 * 4 KiB backing: an answer of max_order 0 clears its one page, from
 * tdxgmem_get_pfn() and tdxgmem_peek_pfn() (KVMSIM_KEEP_DATA) alike.
 */
TEST_F(zero, rebind_without_flag_4k)
{
	struct kvmsim_lookup l = { .gfn = GFN0 + 4 };
	unsigned long long id;
	struct kvmsim_fault f;
	struct zc c0;
	int fd;

	fd = newfile(64 * SZ_4K, 0, 12);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bind_flags(self->vm, fd, 0, 64, GFN0, INIT, &id));
	c0 = zc_now();
	for (int i = 0; i < 32; i++) {
		ASSERT_EQ(0, fault_raw(self->vm, GFN0 + i, KVMSIM_LEVEL_2M, &f));
		ASSERT_EQ(0, f.max_order);
	}
	EXPECT_ZC(c0, self->skip ? 0 : 32, self->skip ? 32 : 0);

	ASSERT_EQ(0, kvmsim_unbind(self->vm, id));
	ASSERT_EQ(0, kvmsim_bind(self->vm, fd, 0, 64, GFN0, &id));
	c0 = zc_now();
	ASSERT_EQ(0, kvmsim_fault(self->vm, GFN0 + 3, KVMSIM_LEVEL_2M, &f));
	EXPECT_EQ(0, f.max_order);
	EXPECT_ZC(c0, self->skip ? 1 : 0, 0);
	EXPECT_EQ(0, dirty_pages(self->vm, GFN0 + 3, 1, 1, NULL));
	c0 = zc_now();
	ASSERT_EQ(0, xioctl(self->vm, KVMSIM_KEEP_DATA, &l));
	EXPECT_ZC(c0, self->skip ? 1 : 0, 0);
	/* Each page of the rest when it is first handed out. */
	c0 = zc_now();
	for (int i = 0; i < 32; i++)
		ASSERT_EQ(0, kvmsim_fault(self->vm, GFN0 + i, KVMSIM_LEVEL_4K, &f));
	EXPECT_ZC(c0, self->skip ? 30 : 0, 0);
	EXPECT_EQ(0, dirty_pages(self->vm, GFN0, 32, 1, NULL));
	close(fd);
}

/*
 * fallocate() populates uncleared only a range that initializing
 * consumers alone bind, at least one of them.
 */
TEST_F(zero, fallocate_follows_bindings)
{
	const unsigned long long n = 2 * PAGES_2M, half = NCHUNKS / 2 * PAGES_2M;
	unsigned long long id;
	struct kvmsim_fault f;
	long marked;
	struct zc c0;
	int fd;

	/* Only an initializing binding, over half of the range. */
	fd = kvmsim_file(NCHUNKS * SZ_2M, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bind_flags(self->vm, fd, 0, half, GFN0, INIT, &id));
	c0 = zc_now();
	ASSERT_EQ(0, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, NCHUNKS * SZ_2M));
	EXPECT_ZC(c0, self->skip ? 0 : 2 * half, self->skip ? 2 * half : 0);
	/* What it populated is uncleared indeed. */
	for (unsigned long long g = 0; g < half; g += PAGES_2M)
		ASSERT_EQ(0, fault_raw(self->vm, GFN0 + g, KVMSIM_LEVEL_2M, &f));
	ASSERT_LE(0, dirty_pages(self->vm, GFN0, half, 7, &marked));
	TH_LOG("fallocate uncleared: %ld of %llu pages sampled with the marker",
	       marked, (half + 6) / 7);
	if (self->skip)
		EXPECT_LT(0, marked);
	ASSERT_EQ(0, kvmsim_unbind(self->vm, id));
	close(fd);

	/* An initializing binding and one that is not. */
	fd = kvmsim_file(n * SZ_4K, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bind_flags(self->vm, fd, 0, PAGES_2M, GFN0, INIT, NULL));
	ASSERT_EQ(0, kvmsim_bind(self->vm, fd, PAGES_2M, PAGES_2M,
				 GFN0 + PAGES_2M, NULL));
	c0 = zc_now();
	ASSERT_EQ(0, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, n * SZ_4K));
	EXPECT_ZC(c0, n, 0);
	ASSERT_EQ(0, kvmsim_fault(self->vm, GFN0, KVMSIM_LEVEL_2M, &f));
	ASSERT_EQ(0, kvmsim_fault(self->vm, GFN0 + PAGES_2M, KVMSIM_LEVEL_2M, &f));
	EXPECT_EQ(0, dirty_pages(self->vm, GFN0 + PAGES_2M, PAGES_2M, 1, NULL));
	close(fd);

	/* Nobody bound: cleared. */
	fd = kvmsim_file(n * SZ_4K, 0, 0);
	ASSERT_LE(0, fd);
	c0 = zc_now();
	ASSERT_EQ(0, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, n * SZ_4K));
	EXPECT_ZC(c0, n, 0);
	close(fd);
}

/*
 * A chunk with shared pages, populated by an initializing consumer's
 * private fault: its private pages uncleared, its shared ones cleared at
 * once (userspace and shared faults never check).
 */
TEST_F(zero, mixed_chunk_shared_pages_cleared)
{
	unsigned char buf[SZ_4K];
	struct kvmsim_fault f;
	long long pg0;
	long marked;
	struct zc c0;
	int fd;

	fd = kvmsim_file(SZ_2M, TDXGMEM_F_MMAP, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tdxgmem_convert_pages(fd, 10, 16, 0, 0, NULL));
	ASSERT_EQ(0, bind_flags(self->vm, fd, 0, PAGES_2M, GFN0, INIT, NULL));
	c0 = zc_now();
	pg0 = tdxgmem_pages();
	ASSERT_EQ(0, fault_raw(self->vm, GFN0 + 100, KVMSIM_LEVEL_2M, &f));
	EXPECT_EQ(KVMSIM_LEVEL_4K, f.level);
	ASSERT_EQ(pg0 + 512, tdxgmem_pages());
	EXPECT_ZC(c0, self->skip ? 16 : 512, self->skip ? 512 - 16 : 0);

	EXPECT_EQ(0, mmap_dirty_bytes(fd, 10, 16));
	for (int i = 10; i < 26; i++) {
		ASSERT_EQ(0, kvmsim_fault_shared(self->vm, GFN0 + i, &f));
		memset(buf, 1, sizeof(buf));
		ASSERT_EQ(0, kvmsim_access(self->vm, GFN0 + i, 0, buf, SZ_4K, 0));
		for (int k = 0; k < SZ_4K; k++)
			if (buf[k]) {
				EXPECT_EQ(0, buf[k]);
				break;
			}
	}
	/* The private neighbours did come uncleared. */
	for (int i = 0; i < 10; i++)
		ASSERT_EQ(0, fault_raw(self->vm, GFN0 + i, KVMSIM_LEVEL_4K, &f));
	ASSERT_LE(0, dirty_pages(self->vm, GFN0, 10, 1, &marked));
	TH_LOG("%ld of 10 private pages with the marker", marked);
	EXPECT_ZC(c0, self->skip ? 16 : 512, self->skip ? 512 - 16 : 0);
	close(fd);
}

/*
 * Closing a file frees its uncleared pages as they are: nothing cleared,
 * every page given back.
 */
TEST_F(zero, close_frees_uncleared)
{
	struct kvmsim_fault f;
	long long pg0 = tdxgmem_pages();
	struct zc c0;
	int fd;

	fd = kvmsim_file(4 * SZ_2M, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bind_flags(self->vm, fd, 0, 4 * PAGES_2M, GFN0, INIT, NULL));
	c0 = zc_now();
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(0, fault_raw(self->vm, GFN0 + i * PAGES_2M,
				       KVMSIM_LEVEL_2M, &f));
	EXPECT_ZC(c0, self->skip ? 0 : 2048, self->skip ? 2048 : 0);
	EXPECT_EQ(pg0 + 2048, tdxgmem_pages());
	/* A punch frees them too. */
	EXPECT_EQ(0, kvmsim_punch(fd, 0, PAGES_2M));
	EXPECT_EQ(pg0 + 1536, tdxgmem_pages());
	close(self->vm);
	self->vm = kvmsim_vm();
	ASSERT_LE(0, self->vm);
	close(fd);
	EXPECT_ZC(c0, self->skip ? 0 : 2048, self->skip ? 2048 : 0);
	EXPECT_EQ(pg0, tdxgmem_pages());
}

TEST_F(zero, bad_input)
{
	struct kvmsim_fault f = {
		.gfn = GFN0, .level = KVMSIM_LEVEL_4K,
		.flags = KVMSIM_FAULT_RAW | KVMSIM_FAULT_SHARED,
	};
	struct kvmsim_bind b = { .npages = PAGES_2M, .base_gfn = GFN0 };
	int fd;

	fd = kvmsim_file(SZ_2M, TDXGMEM_F_MMAP, 0);
	ASSERT_LE(0, fd);
	/* No binding. */
	EXPECT_EQ(-ENOENT, fault_raw(self->vm, GFN0, KVMSIM_LEVEL_4K, NULL));
	/* Unknown bind flag. */
	b.fd = fd;
	b.flags = 1U << 2;
	EXPECT_EQ(-EINVAL, xioctl(self->vm, KVMSIM_BIND, &b));
	b.flags = ~0U;
	EXPECT_EQ(-EINVAL, xioctl(self->vm, KVMSIM_BIND, &b));
	/* RAW on a binding that does not initialize. */
	ASSERT_EQ(0, kvmsim_bind(self->vm, fd, 0, PAGES_2M, GFN0, NULL));
	EXPECT_EQ(-EINVAL, fault_raw(self->vm, GFN0, KVMSIM_LEVEL_4K, NULL));
	EXPECT_EQ(0, kvmsim_mapped(self->vm));
	/* RAW with SHARED, and an unknown fault flag. */
	EXPECT_EQ(-EINVAL, xioctl(self->vm, KVMSIM_FAULT, &f));
	f.flags = 1U << 2;
	EXPECT_EQ(-EINVAL, xioctl(self->vm, KVMSIM_FAULT, &f));
	close(fd);
}

/* On an initializing binding, RAW with SHARED is refused too. */
TEST_F(zero, bad_input_initializing)
{
	struct kvmsim_fault f = {
		.gfn = GFN0, .level = KVMSIM_LEVEL_4K,
		.flags = KVMSIM_FAULT_RAW | KVMSIM_FAULT_SHARED,
	};
	int fd;

	fd = kvmsim_file(SZ_2M, TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bind_flags(self->vm, fd, 0, PAGES_2M, GFN0, INIT, NULL));
	EXPECT_EQ(-EINVAL, xioctl(self->vm, KVMSIM_FAULT, &f));
	/* A shared page: tdxgmem's answer, as for any private fault. */
	EXPECT_EQ(-KVMSIM_SHARED_ERRNO,
		  fault_raw(self->vm, GFN0, KVMSIM_LEVEL_4K, NULL));
	EXPECT_EQ(0, kvmsim_mapped(self->vm));
	close(fd);
}

TEST_HARNESS_MAIN
