// SPDX-License-Identifier: GPL-2.0
/*
 * The pool of freed 2 MiB blocks (module/pool.c): which frees go into it
 * (whole, unsplit blocks of files of the root memcg), that new chunks take
 * them back cleared (nothing of the last file shows), its cap, and each
 * way it gives them back to the page allocator (pool_max_pct lowered, idle
 * time, the shrinker). Exact counter deltas: pool_puts, pool_hits,
 * pool_releases, the gauge pool_blocks, block_frees, chunk_allocs.
 *
 * Each test saves pool_max_pct and pool_idle_ms, starts from an empty pool
 * with room (pool_max_pct 0, then 25) and no idle release
 * (pool_idle_ms 3600000) unless it tests them, and its teardown, in the
 * parent, empties the pool and puts both back. The tests that write
 * through kvmsim skip where tdxgmem_kvmsim.ko is not loaded.
 */
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>

#include "kselftest_harness.h"
#include "kvmsim.h"

#define GFN0		0x100000ULL	/* 1G-aligned base gfn */
#define NCHUNKS		8
#define FILE_SIZE	(NCHUNKS * SZ_2M)
#define FILE_PAGES	(FILE_SIZE / SZ_4K)
#define SHARED_FLAGS	(TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED)
#define PUNCH		(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)
#define MARK		0xa5a5a5a5a5a5a5a5ULL
#define IDLE_NEVER	3600000		/* pool_idle_ms: the largest */
#define PCT_ON		25		/* pool_max_pct: the default */

#define CG_ROOT		CGROUP_ROOT
#define CG		CG_ROOT "/tdxgmem-pool-test"

/* The counters a test checks, at one moment. */
struct pc {
	long long puts, hits, releases, blocks;
	long long block_frees, block_splits, chunk_allocs;
	long long zeroed, skipped;
	long long kreclaimable_kb;
};

static struct pc pc_now(void)
{
	return (struct pc){
		.puts = tdxgmem_stat("pool_puts"),
		.hits = tdxgmem_stat("pool_hits"),
		.releases = tdxgmem_stat("pool_releases"),
		.blocks = tdxgmem_stat("pool_blocks"),
		.block_frees = tdxgmem_stat("block_frees"),
		.block_splits = tdxgmem_stat("block_splits"),
		.chunk_allocs = tdxgmem_stat("chunk_allocs"),
		.zeroed = tdxgmem_stat("zeroed_pages"),
		.skipped = tdxgmem_stat("zero_skipped_pages"),
		.kreclaimable_kb = meminfo_kb("KReclaimable"),
	};
}

/* Counter @field moved by exactly @d since @c0. */
#define EXPECT_DELTA(c0, field, d)					\
	EXPECT_EQ((long long)(d), pc_now().field - (c0).field)

/* A file of @size bytes, 2 MiB backing, all of it populated; fd or -errno. */
static int filled(unsigned long long size, unsigned long long flags)
{
	int fd = newfile(size, flags, 21), r;

	if (fd < 0)
		return fd;
	r = xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, size);
	if (r) {
		close(fd);
		return r;
	}
	return fd;
}

/* Pool @n blocks: a file of @n chunks, filled and closed. 0 or -errno. */
static int pool_some(unsigned int n)
{
	int fd = filled(n * SZ_2M, 0);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/* Empty the pool, then leave room: 0 or -errno. */
static int pool_reset(void)
{
	return tdxgmem_set_param("pool_max_pct", 0) ?:
	       tdxgmem_set_param("pool_max_pct", PCT_ON);
}

/* Poll pool_blocks, @tries times every 100 ms, until it is 0; its value. */
static long long wait_pool_empty(int tries, int drop_caches)
{
	long long n = tdxgmem_stat("pool_blocks");

	while (n && tries--) {
		if (drop_caches)
			write_str("/proc/sys/vm/drop_caches", "2");
		usleep(100000);
		n = tdxgmem_stat("pool_blocks");
	}
	return n;
}

/* Does the kernel command line hold @word? */
static int cmdline_has(const char *word)
{
	char line[4096] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	if (!f)
		return 0;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	return !!strstr(line, word);
}

FIXTURE(pool) {
	long long max_pct, idle_ms;	/* saved; -1: no pool */
};

FIXTURE_SETUP(pool)
{
	self->max_pct = tdxgmem_param("pool_max_pct");
	self->idle_ms = tdxgmem_param("pool_idle_ms");
	if (self->max_pct < 0 || self->idle_ms < 0)
		SKIP(return, "no pool_max_pct or pool_idle_ms: a module without a pool");
	if (cmdline_has("init_on_free=1"))
		SKIP(return, "init_on_free=1: the module pools nothing");
	ASSERT_EQ(0, tdxgmem_set_param("pool_idle_ms", IDLE_NEVER));
	ASSERT_EQ(0, pool_reset());
	ASSERT_EQ(0, tdxgmem_stat("pool_blocks"));
}

FIXTURE_TEARDOWN_PARENT(pool)
{
	rmdir(CG);
	if (self->max_pct < 0 || self->idle_ms < 0)
		return;
	EXPECT_EQ(0, tdxgmem_set_param("pool_max_pct", 0));
	EXPECT_EQ(0, tdxgmem_set_param("pool_max_pct", self->max_pct));
	EXPECT_EQ(0, tdxgmem_set_param("pool_idle_ms", self->idle_ms));
}

/* Closing a file pools its whole chunks; KReclaimable shows them. */
TEST_F(pool, close_pools_whole_chunks)
{
	struct pc c0 = pc_now(), c1;
	int fd = filled(FILE_SIZE, 0);

	ASSERT_LE(0, fd);
	EXPECT_DELTA(c0, chunk_allocs, NCHUNKS);
	EXPECT_DELTA(c0, hits, 0);
	c1 = pc_now();
	close(fd);
	EXPECT_DELTA(c1, puts, NCHUNKS);
	EXPECT_DELTA(c1, blocks, NCHUNKS);
	EXPECT_DELTA(c1, block_frees, NCHUNKS);
	EXPECT_DELTA(c1, releases, 0);
	EXPECT_LE(c1.kreclaimable_kb + 15 * 1024, meminfo_kb("KReclaimable"));
	EXPECT_EQ(0, tdxgmem_pages());
}

/*
 * The reuse, and the reason the pool clears: a file's pages, every one
 * holding a marker, are pooled at close; the next file takes exactly
 * those blocks (same pfns, pool_hits) and reads zeroes through mmap().
 * The marker goes in through kvmsim (a vmap() of private pages mapped at
 * 2M), as a write through mmap() would split the blocks, and split blocks
 * are not pooled. A watchdog of 300 s: 4096 kvmsim writes under TCG.
 */
TEST_F_TIMEOUT(pool, reuse_clears_blocks, 300)
{
	static unsigned long long buf[SZ_4K / 8];
	unsigned long long pfn1[NCHUNKS], pfn2, i;
	struct kvmsim_fault f;
	long long dirty = 0, marked = 0, same = 0;
	const unsigned long long *p;
	struct pc c0, c1;
	int vm, fd;

	VM_OR_SKIP(vm);
	fd = filled(FILE_SIZE, TDXGMEM_F_MMAP);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, FILE_PAGES, GFN0, NULL));
	c0 = pc_now();
	for (i = 0; i < NCHUNKS; i++) {
		ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + i * PAGES_2M,
					  KVMSIM_LEVEL_2M, &f));
		ASSERT_EQ(KVMSIM_LEVEL_2M, f.level);
		pfn1[i] = f.pfn;
	}
	for (i = 0; i < SZ_4K / 8; i++)
		buf[i] = MARK;
	for (i = 0; i < FILE_PAGES; i++)
		ASSERT_EQ(0, kvmsim_access(vm, GFN0 + i, 0, buf, SZ_4K, 1));
	/* The marker is in, and the blocks are whole. */
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, kvmsim_access(vm, GFN0 + FILE_PAGES - 1, 0, buf, SZ_4K, 0));
	ASSERT_EQ(MARK, buf[SZ_4K / 8 - 1]);
	EXPECT_DELTA(c0, block_splits, 0);
	EXPECT_EQ(0, kvmsim_check(vm));
	close(vm);

	c0 = pc_now();
	close(fd);
	/* Unless all of them are pooled, the rest proves nothing. */
	ASSERT_EQ(NCHUNKS, pc_now().puts - c0.puts);
	EXPECT_DELTA(c0, blocks, NCHUNKS);

	c1 = pc_now();
	fd = filled(FILE_SIZE, SHARED_FLAGS);
	ASSERT_LE(0, fd);
	EXPECT_DELTA(c1, hits, NCHUNKS);
	EXPECT_DELTA(c1, chunk_allocs, NCHUNKS);
	EXPECT_DELTA(c1, zeroed, FILE_PAGES);
	EXPECT_EQ(0, tdxgmem_stat("pool_blocks"));

	p = mmap(NULL, FILE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < FILE_SIZE / 8; i++) {
		dirty += !!p[i];
		marked += p[i] == MARK;
	}
	/* The same memory: each chunk on a block of the first file. */
	for (i = 0; i < NCHUNKS; i++) {
		pfn2 = pagemap_pfn((char *)p + i * SZ_2M);
		for (unsigned int k = 0; k < NCHUNKS; k++)
			same += pfn2 && pfn2 == pfn1[k];
	}
	TH_LOG("%lld of %d chunks on old blocks; words: %lld not 0, %lld marked",
	       same, NCHUNKS, dirty, marked);
	EXPECT_EQ(NCHUNKS, same);
	EXPECT_EQ(0, dirty);
	munmap((void *)p, FILE_SIZE);
	close(fd);
}

/*
 * A 1 GiB range is pooled whole at close (512 units) and backs the next
 * 1 GiB file whole, cleared: a marker left in three of its chunks through
 * kvmsim reads back as zeroes through mmap() of the second file, on the
 * same pfns. pool_max_pct 50: a GiB must fit in the VM's quarter of RAM.
 */
TEST_F_TIMEOUT(pool, giga_range_pooled_and_reused, 600)
{
	static const unsigned long long chunks[] = { 0, 100, 511 };
	static unsigned long long buf[SZ_4K / 8];
	unsigned long long pfn1[3], i;
	long long g0, gf0, dirty = 0;
	struct kvmsim_fault f;
	const unsigned long long *p;
	struct pc c0;
	int vm, fd;

	VM_OR_SKIP(vm);
	ASSERT_EQ(0, tdxgmem_set_param("pool_max_pct", 50));
	g0 = tdxgmem_stat("giga_allocs");
	fd = newfile(SZ_1G, TDXGMEM_F_MMAP, 30);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, SZ_1G));
	if (tdxgmem_stat("giga_allocs") == g0) {
		close(vm);
		close(fd);
		SKIP(return, "no free 1 GiB range in this VM");
	}
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, SZ_1G / SZ_4K, GFN0, NULL));
	for (i = 0; i < SZ_4K / 8; i++)
		buf[i] = MARK;
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + chunks[i] * PAGES_2M,
					  KVMSIM_LEVEL_2M, &f));
		pfn1[i] = f.pfn;
		ASSERT_EQ(0, kvmsim_access(vm, GFN0 + chunks[i] * PAGES_2M, 0,
					   buf, SZ_4K, 1));
	}
	EXPECT_EQ(0, kvmsim_check(vm));
	close(vm);

	c0 = pc_now();
	gf0 = tdxgmem_stat("giga_frees");
	close(fd);
	EXPECT_EQ(gf0 + 1, tdxgmem_stat("giga_frees"));
	ASSERT_EQ(512, pc_now().puts - c0.puts);
	EXPECT_DELTA(c0, blocks, 512);
	EXPECT_LE(c0.kreclaimable_kb + 1000 * 1024, meminfo_kb("KReclaimable"));

	c0 = pc_now();
	g0 = tdxgmem_stat("giga_allocs");
	fd = newfile(SZ_1G, SHARED_FLAGS, 30);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, SZ_1G));
	EXPECT_EQ(g0 + 1, tdxgmem_stat("giga_allocs"));
	EXPECT_DELTA(c0, hits, 512);
	EXPECT_DELTA(c0, blocks, -512);
	EXPECT_DELTA(c0, zeroed, SZ_1G / SZ_4K);
	p = mmap(NULL, SZ_1G, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < 3; i++) {
		const unsigned long long *q = p + chunks[i] * SZ_2M / 8;

		for (unsigned int k = 0; k < SZ_4K / 8; k++)
			dirty += !!q[k];
		/* Read, so faulted in: pagemap has its pfn. */
		EXPECT_EQ(pfn1[i], pagemap_pfn((void *)q));
	}
	EXPECT_EQ(0, dirty);
	munmap((void *)p, SZ_1G);
	close(fd);
}

/*
 * A pooled block for a consumer that initializes private pages: uncleared
 * where GET_CAPS has TDXGMEM_FEATURE_SKIP_ZEROING (a raw fault then sees
 * what the last file left), cleared otherwise; and cleared for any other
 * reader before it sees a byte (zeroing_test's rules, for pooled memory).
 */
TEST_F(pool, reuse_for_initializing_consumer)
{
	static unsigned long long buf[SZ_4K / 8];
	struct tdxgmem_caps caps;
	struct kvmsim_bind b = { .flags = KVMSIM_BIND_INITIALIZES };
	struct kvmsim_fault f;
	unsigned long long i, id;
	long long marked = 0, dirty = 0;
	struct pc c0;
	int vm, fd, skip;

	VM_OR_SKIP(vm);
	ASSERT_EQ(0, tdxgmem_caps(&caps));
	skip = !!(caps.features & TDXGMEM_FEATURE_SKIP_ZEROING);

	/* One block, every page holding the marker, pooled. */
	fd = filled(SZ_2M, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, PAGES_2M, GFN0, &id));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0, KVMSIM_LEVEL_2M, &f));
	ASSERT_EQ(KVMSIM_LEVEL_2M, f.level);
	for (i = 0; i < SZ_4K / 8; i++)
		buf[i] = MARK;
	for (i = 0; i < PAGES_2M; i++)
		ASSERT_EQ(0, kvmsim_access(vm, GFN0 + i, 0, buf, SZ_4K, 1));
	ASSERT_EQ(0, kvmsim_unbind(vm, id));
	c0 = pc_now();
	close(fd);
	ASSERT_EQ(1, pc_now().puts - c0.puts);

	/* Taken by an initializing consumer that does not initialize. */
	fd = newfile(SZ_2M, 0, 21);
	ASSERT_LE(0, fd);
	b.fd = fd;
	b.npages = PAGES_2M;
	b.base_gfn = GFN0;
	ASSERT_EQ(0, xioctl(vm, KVMSIM_BIND, &b));
	c0 = pc_now();
	ASSERT_EQ(0, kvmsim_fault_flags(vm, GFN0 + 3, KVMSIM_LEVEL_2M,
					KVMSIM_FAULT_RAW, &f));
	EXPECT_EQ(9, f.max_order);
	EXPECT_DELTA(c0, hits, 1);
	EXPECT_DELTA(c0, zeroed, skip ? 0 : PAGES_2M);
	EXPECT_DELTA(c0, skipped, skip ? PAGES_2M : 0);
	for (i = 0; i < PAGES_2M; i++) {
		ASSERT_EQ(0, kvmsim_access(vm, GFN0 + i, 0, buf, SZ_4K, 0));
		for (unsigned int k = 0; k < SZ_4K / 8; k++) {
			dirty += !!buf[k];
			marked += buf[k] == MARK;
		}
	}
	TH_LOG("skip_zeroing %d: %lld words not zero, %lld with the marker",
	       skip, dirty, marked);
	if (skip) {
		/* The control: what the test reads is the block's contents. */
		EXPECT_EQ(PAGES_2M * SZ_4K / 8, marked);
	} else {
		EXPECT_EQ(0, dirty);
	}

	/* A consumer that does not initialize: the block is cleared first. */
	ASSERT_EQ(0, kvmsim_unbind(vm, b.id));
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, PAGES_2M, GFN0, NULL));
	c0 = pc_now();
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 5, KVMSIM_LEVEL_4K, &f));
	EXPECT_DELTA(c0, zeroed, skip ? PAGES_2M : 0);
	dirty = 0;
	for (i = 0; i < PAGES_2M; i += 7) {
		ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + i, KVMSIM_LEVEL_4K, NULL));
		ASSERT_EQ(0, kvmsim_access(vm, GFN0 + i, 0, buf, SZ_4K, 0));
		for (unsigned int k = 0; k < SZ_4K / 8; k++)
			dirty += !!buf[k];
	}
	EXPECT_EQ(0, dirty);
	EXPECT_EQ(0, kvmsim_check(vm));
	close(vm);
	close(fd);
}

/* A punch of a whole chunk pools its block; of part of one, nothing. */
TEST_F(pool, punch_pools_whole_chunks_only)
{
	struct pc c0;
	int fd = filled(2 * SZ_2M, 0);

	ASSERT_LE(0, fd);
	c0 = pc_now();
	ASSERT_EQ(0, xfallocate(fd, PUNCH, 0, SZ_2M));
	EXPECT_DELTA(c0, puts, 1);
	EXPECT_DELTA(c0, blocks, 1);
	EXPECT_DELTA(c0, block_frees, 1);

	c0 = pc_now();
	ASSERT_EQ(0, xfallocate(fd, PUNCH, SZ_2M + SZ_4K, 3 * SZ_4K));
	EXPECT_DELTA(c0, block_splits, 1);
	EXPECT_DELTA(c0, puts, 0);
	EXPECT_DELTA(c0, blocks, 0);
	EXPECT_DELTA(c0, block_frees, 0);

	/* The rest of the split chunk goes page by page at close. */
	c0 = pc_now();
	close(fd);
	EXPECT_DELTA(c0, puts, 0);
	EXPECT_DELTA(c0, block_frees, 0);
	EXPECT_EQ(0, tdxgmem_pages());
}

/*
 * A user fault splits its chunk's block (mmap_test.fault_splits_block):
 * at close only the other chunks are pooled.
 */
TEST_F(pool, split_by_mmap_fault_not_pooled)
{
	volatile char *p;
	struct pc c0;
	int fd = filled(3 * SZ_2M, SHARED_FLAGS);

	ASSERT_LE(0, fd);
	c0 = pc_now();
	p = mmap(NULL, 3 * SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[SZ_2M + 5 * SZ_4K] = 1;
	EXPECT_DELTA(c0, block_splits, 1);
	munmap((void *)p, 3 * SZ_2M);

	c0 = pc_now();
	close(fd);
	EXPECT_DELTA(c0, puts, 2);
	EXPECT_DELTA(c0, blocks, 2);
	EXPECT_DELTA(c0, block_frees, 2);
	EXPECT_EQ(0, tdxgmem_pages());
}

/*
 * pool_max_pct caps the pool at totalram_pages() * pct / 100 / 512
 * blocks: what does not fit goes to the page allocator.
 */
TEST_F(pool, cap_bounds_pool)
{
	unsigned long long pages, cap;
	struct sysinfo si;
	struct pc c0;
	int fd;

	ASSERT_EQ(0, sysinfo(&si));
	pages = (unsigned long long)si.totalram * si.mem_unit / SZ_4K;
	cap = pages * 1 / 100 / 512;
	if (!cap)
		SKIP(return, "%llu pages of RAM: 1%% holds no block", pages);
	ASSERT_EQ(0, tdxgmem_set_param("pool_max_pct", 1));
	TH_LOG("cap of 1%%: %llu blocks", cap);

	fd = filled((cap + 4) * SZ_2M, 0);
	ASSERT_LE(0, fd);
	c0 = pc_now();
	close(fd);
	EXPECT_EQ((long long)cap, tdxgmem_stat("pool_blocks"));
	EXPECT_DELTA(c0, puts, cap);
	EXPECT_DELTA(c0, block_frees, cap + 4);
	EXPECT_DELTA(c0, releases, 0);
}

/* pool_max_pct 0 gives every pooled block back at once. */
TEST_F(pool, max_pct_zero_releases_all)
{
	struct pc c0;

	ASSERT_EQ(0, pool_some(NCHUNKS));
	ASSERT_EQ(NCHUNKS, tdxgmem_stat("pool_blocks"));
	c0 = pc_now();
	ASSERT_EQ(0, tdxgmem_set_param("pool_max_pct", 0));
	EXPECT_EQ(0, tdxgmem_stat("pool_blocks"));
	EXPECT_DELTA(c0, releases, NCHUNKS);
	EXPECT_GE(c0.kreclaimable_kb - 15 * 1024, meminfo_kb("KReclaimable"));

	/* Disabled: a close pools nothing. */
	c0 = pc_now();
	ASSERT_EQ(0, pool_some(2));
	EXPECT_DELTA(c0, puts, 0);
	EXPECT_DELTA(c0, block_frees, 2);
	EXPECT_EQ(0, tdxgmem_stat("pool_blocks"));
}

/* An idle pool (no put, no take for pool_idle_ms) empties itself. */
TEST_F(pool, idle_pool_released)
{
	struct pc c0 = pc_now();

	ASSERT_EQ(0, tdxgmem_set_param("pool_idle_ms", 200));
	ASSERT_EQ(0, pool_some(NCHUNKS));
	EXPECT_DELTA(c0, puts, NCHUNKS);
	/* A watchdog, not a deadline: 10 s for 200 ms under a loaded TCG. */
	EXPECT_EQ(0, wait_pool_empty(100, 0));
	EXPECT_DELTA(c0, releases, NCHUNKS);
}

/* The shrinker gives pooled blocks back (drop_caches runs them all). */
TEST_F(pool, shrinker_releases)
{
	struct pc c0 = pc_now();

	ASSERT_EQ(0, pool_some(NCHUNKS));
	ASSERT_EQ(NCHUNKS, tdxgmem_stat("pool_blocks"));
	ASSERT_EQ(0, write_str("/proc/sys/vm/drop_caches", "2"));
	EXPECT_EQ(0, wait_pool_empty(20, 1));
	EXPECT_DELTA(c0, releases, NCHUNKS);
}



/*
 * The pool holds root memcg memory only: a file of another memcg neither
 * takes pooled blocks nor gives its own to the pool.
 */
TEST_F(pool, other_memcg_not_pooled)
{
	long long charged;
	struct pc c0;
	int fd;

	if (access(CG_ROOT "/cgroup.controllers", F_OK))
		mount("none", CG_ROOT, "cgroup2", 0, NULL);
	if (access(CG_ROOT "/cgroup.controllers", F_OK))
		SKIP(return, "no cgroup v2");
	if (write_str(CG_ROOT "/cgroup.subtree_control", "+memory"))
		SKIP(return, "no cgroup v2 memory controller");
	rmdir(CG);
	ASSERT_EQ(0, mkdir(CG, 0755));

	ASSERT_EQ(0, pool_some(NCHUNKS));
	ASSERT_EQ(0, cgroup_enter("/tdxgmem-pool-test"));
	fd = newfile(FILE_SIZE, 0, 21);
	ASSERT_EQ(0, cgroup_enter(""));
	ASSERT_LE(0, fd);
	c0 = pc_now();
	ASSERT_EQ(0, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, FILE_SIZE));
	charged = read_ll(CG "/memory.current");
	TH_LOG("memory.current %lld", charged);
	/* Charged there indeed, so the file is the memcg's. */
	EXPECT_LE((long long)FILE_SIZE, charged);
	EXPECT_DELTA(c0, hits, 0);
	EXPECT_DELTA(c0, chunk_allocs, NCHUNKS);
	EXPECT_EQ(NCHUNKS, tdxgmem_stat("pool_blocks"));

	c0 = pc_now();
	close(fd);
	EXPECT_DELTA(c0, puts, 0);
	EXPECT_DELTA(c0, blocks, 0);
	EXPECT_DELTA(c0, block_frees, NCHUNKS);
	EXPECT_EQ(0, rmdir(CG));
}

/* Out-of-range parameters: -EINVAL, the value unchanged. */
TEST_F(pool, bad_input)
{
	static const char *const pct_bad[] = { "101", "-1" };
	static const char *const idle_bad[] = { "0", "3600001" };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		EXPECT_EQ(-EINVAL, write_str(TDXGMEM_PARAMS "pool_max_pct",
					     pct_bad[i])) TH_LOG("%s", pct_bad[i]);
		EXPECT_EQ(PCT_ON, tdxgmem_param("pool_max_pct"));
		EXPECT_EQ(-EINVAL, write_str(TDXGMEM_PARAMS "pool_idle_ms",
					     idle_bad[i])) TH_LOG("%s", idle_bad[i]);
		EXPECT_EQ(IDLE_NEVER, tdxgmem_param("pool_idle_ms"));
	}
	/* The bounds themselves are fine. */
	EXPECT_EQ(0, tdxgmem_set_param("pool_max_pct", 100));
	EXPECT_EQ(0, tdxgmem_set_param("pool_idle_ms", 1));
}

/* Tests run grouped by fixture: this group comes last. */
FIXTURE(zz) {};
FIXTURE_SETUP(zz) {}
FIXTURE_TEARDOWN(zz) {}

TEST_F(zz, no_leaks)
{
	EXPECT_TRUE(tdxgmem_no_leaks());
	/* Each teardown emptied the pool (if the module has one). */
	if (tdxgmem_param("pool_max_pct") >= 0)
		EXPECT_EQ(0, tdxgmem_stat("pool_blocks"));
}

TEST_HARNESS_MAIN
