// SPDX-License-Identifier: GPL-2.0
/*
 * Everything at once on one file: userspace faults through mmap (SIGBUS on
 * private pages survived), conversions both ways, punch and allocate,
 * kvmsim faults at 4K and 2M with guest data access, and QUERY snapshots,
 * each in its own thread with its own seeded PRNG. The pair tests
 * (mmap_test, kvmsim_race_test) cover two operations at a time; this one
 * looks for races that need three or more.
 *
 * Every page only ever holds zeroes or its own tag (whoever wrote it, in
 * whichever state), so a read that finds another page's tag reveals a
 * stale mapping. kvmsim checks its invariants after every ioctl; QUERY
 * snapshots must be internally consistent; at the end nothing may leak.
 *
 * The file starts private, as a confidential guest's memory does: kvmsim
 * maps whole 2 MiB chunks from the first fault, and userspace meets
 * SIGBUS until the converter shares pages. Started shared, a chunk could
 * only be mapped at 2M after a whole-chunk conversion to private.
 *
 *   STRESS_SEED=N stress_test    (default: a new seed each run, logged)
 * Needs tdxgmem and kvmsim loaded, and dmprobe's direct-map backend for
 * the NO_DIRECT_MAP test; root.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

#include "kselftest_harness.h"
#include "dmprobe.h"
#include "kvmsim.h"

#define CHUNKS		4
#define NPAGES		(CHUNKS * PAGES_2M)
#define FSIZE		(CHUNKS * SZ_2M)
#define WORDS		(SZ_4K / sizeof(unsigned long))
#define GFN0		0x200000ULL	/* 512-aligned: 2M mappings possible */
#define PRIV		TDXGMEM_ATTR_PRIVATE
#define PRIV_POP	(TDXGMEM_STATE_PRIVATE | TDXGMEM_STATE_POPULATED)
#define BAD_STATE	(TDXGMEM_STATE_HWPOISON | TDXGMEM_STATE_QUARANTINED)
#define PUNCH		(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)
#define QUERY_CAP	1024
#define EAGAIN_TRIES	4

/* Iterations per thread, tuned to about 15 s per test under TCG. */
#define USER_ITERS	40000
#define CONV_ITERS	3000
#define PUNCH_ITERS	3000
#define KVM_ITERS	3000
#define QUERY_ITERS	3000

static unsigned long long seed;

static void __attribute__((constructor)) pick_seed(void)
{
	const char *e = getenv("STRESS_SEED");

	seed = e ? strtoull(e, NULL, 0) : (unsigned long long)time(NULL) ^
					   ((unsigned long long)getpid() << 32);
}

/* What every word of file page @pg holds: zero or this. */
static unsigned long tag(unsigned long long pg)
{
	return 0x5a5a000000000000UL | (pg + 1);
}

enum { T_USER, T_CONV, T_PUNCH, T_KVM, T_QUERY, T_NR };

static const char * const thread_names[T_NR] = {
	"user", "convert", "punch", "kvmsim", "query",
};

struct stress {
	struct __test_metadata *md;
	int fd, vm;
	volatile unsigned long *map;
	int bad;	/* failures seen; every thread stops at the first */
	bool dmprobe;	/* tdxgmem_dmprobe.ko is loaded */
};

struct worker {
	struct stress *s;
	int id;
	uint64_t rng;
	long ms;
	/* user */
	unsigned long reads, writes, sigbus;
	/* convert */
	unsigned long to_shared, to_private, preserve, eagain, skipped;
	/* punch */
	unsigned long punches, allocs;
	/* kvmsim */
	unsigned long f4k, f2m_2m, f2m_4k, eperm, kvm_eagain, acc, acc_gone;
	/* query */
	unsigned long queries, max_extents;
};

/* xorshift64*, seeded through splitmix64 so that seed + id differ well. */
static uint64_t rnd(struct worker *w)
{
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 0x2545f4914f6cdd1dULL;
}

static uint64_t seed_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x ? x : 1;
}

/*
 * A random range of 1 page .. 1 chunk; a quarter of them a whole aligned
 * chunk, so that chunks become wholly private or empty again (which 2 MiB
 * backing and 2M mappings need).
 */
static void rnd_range(struct worker *w, unsigned long long *pg,
		      unsigned long long *n)
{
	if (rnd(w) % 4 == 0) {
		*pg = rnd(w) % CHUNKS * PAGES_2M;
		*n = PAGES_2M;
		return;
	}
	*pg = rnd(w) % NPAGES;
	*n = 1 + rnd(w) % PAGES_2M;
	if (*n > NPAGES - *pg)
		*n = NPAGES - *pg;
}

static int stopped(struct worker *w)
{
	return __atomic_load_n(&w->s->bad, __ATOMIC_RELAXED);
}

/* Log a failure of thread @w (as TH_LOG, from any thread) and stop all. */
#define FAIL(w, fmt, ...)						\
	do {								\
		struct __test_metadata *_metadata = (w)->s->md;		\
		TH_LOG("%s: " fmt, thread_names[(w)->id], ##__VA_ARGS__); \
		__atomic_add_fetch(&(w)->s->bad, 1, __ATOMIC_RELAXED);	\
	} while (0)

/*
 * Index of the first word of @buf that is neither 0 nor tag(@pg), or -1;
 * *@val gets the word (read once: the page may change under us).
 */
static long foreign_word(const volatile unsigned long *buf,
			 unsigned long long pg, unsigned long *val)
{
	for (unsigned long k = 0; k < WORDS; k++) {
		*val = buf[k];
		if (*val && *val != tag(pg))
			return k;
	}
	return -1;
}

/*
 * SIGBUS is delivered to the faulting thread: only the user thread arms
 * the jump; anywhere else the default action kills the test.
 */
static __thread sigjmp_buf bus_jmp;
static __thread volatile int bus_armed;
static __thread volatile int bus_code;
static __thread void *volatile bus_addr;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	if (!bus_armed) {
		signal(SIGBUS, SIG_DFL);
		return;
	}
	bus_armed = 0;
	bus_code = si->si_code;
	bus_addr = si->si_addr;
	siglongjmp(bus_jmp, 1);
}

/* Read or write whole random pages through the mapping. */
static void *user_thread(void *arg)
{
	struct worker *w = arg;
	volatile unsigned long *p;
	unsigned long long pg;
	unsigned long v;
	long k;

	for (int i = 0; i < USER_ITERS && !stopped(w); i++) {
		pg = rnd(w) % NPAGES;
		p = w->s->map + pg * WORDS;
		if (sigsetjmp(bus_jmp, 1)) {
			/* A private page; nothing is poisoned here. */
			if (bus_code != BUS_ADRERR ||
			    (unsigned long)bus_addr - (unsigned long)p >= SZ_4K)
				FAIL(w, "page %llu: SIGBUS code %d at %p",
				     pg, bus_code, bus_addr);
			w->sigbus++;
			continue;
		}
		bus_armed = 1;
		if (rnd(w) % 2) {
			for (k = 0; k < (long)WORDS; k++)
				p[k] = tag(pg);
			bus_armed = 0;
			w->writes++;
			continue;
		}
		k = foreign_word(p, pg, &v);
		bus_armed = 0;
		if (k >= 0)
			FAIL(w, "page %llu word %ld holds %#lx", pg, k, v);
		w->reads++;
	}
	return NULL;
}

/*
 * To shared zeroing or preserving; to private always zeroing: preserved
 * userspace data would reach kvmsim, which rightly flags a hand-out that
 * is neither zero nor its own (KVMSIM_KEEP_DATA cannot be made atomic with
 * a conversion that other threads race).
 */
static void *convert_thread(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < CONV_ITERS && !stopped(w); i++) {
		struct tdxgmem_attributes a = {};
		unsigned long long pg, n;
		int e, t;

		rnd_range(w, &pg, &n);
		a.attributes = rnd(w) % 2 ? PRIV : 0;
		a.flags = !a.attributes && rnd(w) % 2 ?
			  TDXGMEM_CONVERT_PRESERVE : TDXGMEM_CONVERT_ZERO;
		/* -EAGAIN: a transient reference; retried, then skipped. */
		for (t = 0; t < EAGAIN_TRIES; t++) {
			a.offset = pg * SZ_4K;
			a.size = n * SZ_4K;
			e = xioctl(w->s->fd, TDXGMEM_SET_ATTRIBUTES, &a);
			if (e != -EAGAIN)
				break;
			w->eagain++;
		}
		if (e == -EAGAIN) {
			w->skipped++;
		} else if (e) {
			FAIL(w, "[%llu, +%llu) to %s: %d", pg, n,
			     a.attributes ? "private" : "shared", e);
		} else if (a.attributes) {
			w->to_private++;
		} else {
			w->to_shared++;
			w->preserve += a.flags == TDXGMEM_CONVERT_PRESERVE;
		}
	}
	return NULL;
}

static void *punch_thread(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < PUNCH_ITERS && !stopped(w); i++) {
		unsigned long long pg, n;
		int punch = rnd(w) % 2, e;

		rnd_range(w, &pg, &n);
		e = xfallocate(w->s->fd, punch ? PUNCH : FALLOC_FL_KEEP_SIZE,
			       pg * SZ_4K, n * SZ_4K);
		/* Even -ENOMEM: 8 MiB always fits. */
		if (e)
			FAIL(w, "%s [%llu, +%llu): %d",
			     punch ? "punch" : "allocate", pg, n, e);
		else if (punch)
			w->punches++;
		else
			w->allocs++;
	}
	return NULL;
}

/* Fault, then write or read back the page through kvmsim's own mapping. */
static void *kvm_thread(void *arg)
{
	struct worker *w = arg;
	unsigned long buf[WORDS], v;
	int vm = w->s->vm;

	for (int i = 0; i < KVM_ITERS && !stopped(w); i++) {
		unsigned long long pg = rnd(w) % NPAGES;
		int level = rnd(w) % 2 ? KVMSIM_LEVEL_2M : KVMSIM_LEVEL_4K;
		struct kvmsim_fault f;
		long k;
		int e;

		e = kvmsim_fault(vm, GFN0 + pg, level, &f);
		/* Shared (a memory-fault exit), or retried out by invalidations. */
		if (e == -KVMSIM_SHARED_ERRNO) {
			w->eperm++;
			continue;
		}
		if (e == -EAGAIN) {
			w->kvm_eagain++;
			continue;
		}
		if (e) {
			FAIL(w, "fault gfn %#llx at %d: %d", GFN0 + pg, level, e);
			break;
		}
		/* A 4K fault may find (and report) a 2M entry already there. */
		if (level == KVMSIM_LEVEL_4K)
			w->f4k++;
		else if (f.level == KVMSIM_LEVEL_2M)
			w->f2m_2m++;
		else
			w->f2m_4k++;

		if (rnd(w) % 2) {
			for (k = 0; k < (long)WORDS; k++)
				buf[k] = tag(pg);
			e = kvmsim_access(vm, GFN0 + pg, 0, buf, SZ_4K, 1);
		} else {
			e = kvmsim_access(vm, GFN0 + pg, 0, buf, SZ_4K, 0);
			k = e ? -1 : foreign_word(buf, pg, &v);
			if (k >= 0)
				FAIL(w, "guest page %llu word %ld holds %#lx",
				     pg, k, v);
		}
		/* Punched or converted between fault and access: fine. */
		if (e == -ENOENT)
			w->acc_gone++;
		else if (e)
			FAIL(w, "access gfn %#llx: %d", GFN0 + pg, e);
		else
			w->acc++;
	}
	return NULL;
}

/*
 * Why extent @x, expected at @off, breaks QUERY's rules; NULL if it does
 * not. @prev: the extent before it in the same answer, or NULL.
 */
static const char *extent_bad(const struct tdxgmem_extent *x,
			      unsigned long long off,
			      const struct tdxgmem_extent *prev)
{
	unsigned int st = x->state;

	if (x->offset != off)
		return "not sorted and contiguous";
	if (!x->size || (x->size & (SZ_4K - 1)) || x->size > FSIZE - off)
		return "empty, unaligned or past EOF";
	if (st & ~(PRIV_POP | BAD_STATE))
		return "unknown state bit";
	if (st & BAD_STATE)
		return "poisoned or quarantined, yet nothing failed";
	if (x->pad[0] || x->pad[1] || x->reserved)
		return "pad or reserved not zero";
	if ((x->backing_log2 != 0 && x->backing_log2 != 12 &&
	     x->backing_log2 != 21) ||
	    (x->map_log2 != 0 && x->map_log2 != 12 && x->map_log2 != 21))
		return "backing_log2 or map_log2 not 0, 12 or 21";
	if (!x->backing_log2 != !(st & TDXGMEM_STATE_POPULATED))
		return "backing_log2 0 but populated, or unpopulated with backing";
	if (x->map_log2 == 21 && (st != PRIV_POP || x->backing_log2 != 21))
		return "map_log2 21 but not private, populated, 2 MiB backed";
	if (x->map_log2 == 21 && ((x->offset | x->size) & (SZ_2M - 1)))
		return "map_log2 21 but not whole chunks";
	if (x->map_log2 && (st & PRIV_POP) != PRIV_POP)
		return "map_log2 set but not private and populated";
	if (!x->map_log2 && st == PRIV_POP)
		return "private populated page not mappable";
	if (prev && prev->state == st && prev->backing_log2 == x->backing_log2 &&
	    prev->map_log2 == x->map_log2)
		return "not merged with an equal neighbour";
	return NULL;
}

/* QUERY the whole file, continuing from next_offset, and check it all. */
static void *query_thread(void *arg)
{
	struct tdxgmem_extent *ext = calloc(QUERY_CAP, sizeof(*ext));
	struct worker *w = arg;

	if (!ext) {
		FAIL(w, "no memory");
		return NULL;
	}
	for (int i = 0; i < QUERY_ITERS && !stopped(w); i++) {
		unsigned long long off = 0, next = 0;
		unsigned int nr = 0, k;
		const char *why;
		int e;

		while (off < FSIZE && !stopped(w)) {
			e = tdxgmem_query(w->s->fd, off, FSIZE - off, ext,
					  QUERY_CAP, &nr, &next);
			if (e || !nr || nr > QUERY_CAP) {
				FAIL(w, "query at %#llx: %d, %u extents", off, e, nr);
				break;
			}
			for (k = 0; k < nr; k++) {
				why = extent_bad(&ext[k], off, k ? &ext[k - 1] : NULL);
				if (why) {
					FAIL(w, "extent %u [%#llx, +%#llx) state %#x backing %u map %u: %s",
					     k, (unsigned long long)ext[k].offset,
					     (unsigned long long)ext[k].size,
					     ext[k].state, ext[k].backing_log2,
					     ext[k].map_log2, why);
					break;
				}
				off += ext[k].size;
			}
			if (k == nr && next != off)
				FAIL(w, "next_offset %#llx after extents up to %#llx",
				     next, off);
			if (nr > w->max_extents)
				w->max_extents = nr;
			if (k != nr)
				break;
		}
		w->queries++;
	}
	free(ext);
	return NULL;
}

static void *(*const thread_fn[T_NR])(void *) = {
	user_thread, convert_thread, punch_thread, kvm_thread, query_thread,
};

static const char * const violation_names[KVMSIM_V_NR] = {
	[KVMSIM_V_CONGRUENCE] = "congruence",
	[KVMSIM_V_MISMATCH] = "mismatch",
	[KVMSIM_V_NOT_PRIVATE] = "not_private",
	[KVMSIM_V_ORDER] = "order",
	[KVMSIM_V_NOT_ZERO] = "not_zero",
	[KVMSIM_V_SURVIVED] = "survived",
	[KVMSIM_V_STRADDLE] = "straddle",
	[KVMSIM_V_FREED] = "freed",
	[KVMSIM_V_RANGE] = "range",
	[KVMSIM_V_UNBALANCED] = "unbalanced",
	[KVMSIM_V_STALE] = "stale",
	[KVMSIM_V_CONTRACT] = "contract",
	[KVMSIM_V_HWPOISON] = "hwpoison",
};

static const char * const counters[] = {
	"files", "pages", "bindings", "quarantined",
};

#define NR_COUNTERS	(sizeof(counters) / sizeof(counters[0]))

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void *run_worker(void *arg)
{
	struct worker *w = arg;
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	thread_fn[w->id](w);
	w->ms = elapsed_ms(&t0);
	return NULL;
}

/*
 * Everything shared with its contents kept, then read back: no page holds
 * another page's tag, whatever state it ended in. -EAGAIN: a transient
 * reference (compaction's scanner, say); wait for it to go.
 */
static void final_sweep(struct __test_metadata *_metadata, struct stress *s)
{
	struct tdxgmem_attributes a = {
		.size = FSIZE, .flags = TDXGMEM_CONVERT_PRESERVE,
	};
	unsigned long v;
	int e, t;
	long k;

	for (t = 0; t < 100; t++) {
		e = xioctl(s->fd, TDXGMEM_SET_ATTRIBUTES, &a);
		if (e != -EAGAIN)
			break;
		usleep(10000);
	}
	ASSERT_EQ(0, e);
	for (unsigned long long pg = 0; pg < NPAGES; pg++) {
		k = foreign_word(s->map + pg * WORDS, pg, &v);
		if (k >= 0)
			TH_LOG("page %llu word %ld holds %#lx", pg, k, v);
		ASSERT_EQ(-1, k);
		/* Shared now: every page must be back in the direct map. */
		if (s->dmprobe) {
			unsigned long long pfn = pagemap_pfn((void *)(s->map + pg * WORDS));

			ASSERT_NE(0, pfn);
			if (probe_readable(pfn) != 1)
				TH_LOG("page %llu (pfn %#llx) not in the direct map", pg, pfn);
			ASSERT_EQ(1, probe_readable(pfn));
		}
	}
}

/*
 * Whatever the storm left: chunk 1 emptied, made private and allocated
 * again is one 2 MiB block that a consumer maps whole (the count of 2M
 * mappings during the storm depends on the interleaving; this does not).
 */
static void whole_again(struct __test_metadata *_metadata, struct stress *s)
{
	struct tdxgmem_attributes a = {
		.offset = SZ_2M, .size = SZ_2M, .attributes = PRIV,
	};
	struct kvmsim_fault f;

	ASSERT_EQ(0, xfallocate(s->fd, PUNCH, SZ_2M, SZ_2M));
	ASSERT_EQ(0, xioctl(s->fd, TDXGMEM_SET_ATTRIBUTES, &a));
	ASSERT_EQ(0, xfallocate(s->fd, FALLOC_FL_KEEP_SIZE, SZ_2M, SZ_2M));
	ASSERT_EQ(0, kvmsim_fault(s->vm, GFN0 + PAGES_2M + 7, KVMSIM_LEVEL_2M, &f));
	EXPECT_EQ(9, f.max_order);
	EXPECT_EQ(KVMSIM_LEVEL_2M, f.level);
	EXPECT_EQ(0, kvmsim_check(s->vm));
}

static void stress(struct __test_metadata *_metadata, unsigned long long flags)
{
	struct sigaction sa = {
		.sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO,
	}, old;
	long long before[NR_COUNTERS];
	long long z0 = tdxgmem_stat("dm_zapped_pages");
	long long r0 = tdxgmem_stat("dm_restored_pages");
	struct worker w[T_NR] = {};
	pthread_t th[T_NR];
	struct stress s = { .md = _metadata };
	struct kvmsim_stats st;
	void *map;

	for (unsigned int i = 0; i < NR_COUNTERS; i++)
		before[i] = tdxgmem_stat(counters[i]);
	VM_OR_SKIP(s.vm);
	s.dmprobe = !access(DMPROBE_DIR "probe", W_OK);
	s.fd = newfile(FSIZE, TDXGMEM_F_MMAP | flags, 21);
	ASSERT_LE(0, s.fd);
	map = mmap(NULL, FSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, s.fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	s.map = map;
	ASSERT_EQ(0, kvmsim_bind(s.vm, s.fd, 0, NPAGES, GFN0, NULL));
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, &old));

	TH_LOG("seed %llu (STRESS_SEED=%llu reproduces each thread's operations)",
	       seed, seed);
	for (int i = 0; i < T_NR; i++) {
		w[i].s = &s;
		w[i].id = i;
		w[i].rng = seed_mix(seed + i);
		ASSERT_EQ(0, pthread_create(&th[i], NULL, run_worker, &w[i]));
	}
	for (int i = 0; i < T_NR; i++)
		pthread_join(th[i], NULL);
	sigaction(SIGBUS, &old, NULL);

	TH_LOG("user: %lu reads, %lu writes, %lu SIGBUS (%ld ms)",
	       w[T_USER].reads, w[T_USER].writes, w[T_USER].sigbus, w[T_USER].ms);
	TH_LOG("convert: %lu to shared (%lu preserving), %lu to private, %lu EAGAIN, %lu skipped (%ld ms)",
	       w[T_CONV].to_shared, w[T_CONV].preserve, w[T_CONV].to_private,
	       w[T_CONV].eagain, w[T_CONV].skipped, w[T_CONV].ms);
	TH_LOG("punch: %lu punches, %lu allocations (%ld ms)",
	       w[T_PUNCH].punches, w[T_PUNCH].allocs, w[T_PUNCH].ms);
	TH_LOG("kvmsim: %lu 4K, %lu 2M mapped 2M, %lu 2M mapped 4K, %lu EPERM, %lu EAGAIN; %lu accesses, %lu unmapped meanwhile (%ld ms)",
	       w[T_KVM].f4k, w[T_KVM].f2m_2m, w[T_KVM].f2m_4k, w[T_KVM].eperm,
	       w[T_KVM].kvm_eagain, w[T_KVM].acc, w[T_KVM].acc_gone, w[T_KVM].ms);
	TH_LOG("query: %lu snapshots, at most %lu extents (%ld ms)",
	       w[T_QUERY].queries, w[T_QUERY].max_extents, w[T_QUERY].ms);
	st = kvmsim_stats(s.vm);
	TH_LOG("kvmsim: retries %llu split_calls %llu splits %llu invalidations %llu (punch %llu to_shared %llu) zero_checks %llu",
	       (unsigned long long)st.retries, (unsigned long long)st.split_calls,
	       (unsigned long long)st.splits, (unsigned long long)st.invalidations,
	       (unsigned long long)st.inval_reason[0],
	       (unsigned long long)st.inval_reason[1],
	       (unsigned long long)st.zero_checks);
	EXPECT_EQ(0, s.bad);

	EXPECT_EQ(0, kvmsim_check(s.vm));
	st = kvmsim_stats(s.vm);
	for (int k = 0; k < KVMSIM_V_NR; k++)
		if (st.violation[k])
			TH_LOG("violation %s: %llu", violation_names[k],
			       (unsigned long long)st.violation[k]);
	EXPECT_EQ(0, st.violations);
	final_sweep(_metadata, &s);
	whole_again(_metadata, &s);

	/* Each thread did real work; only counts no interleaving can zero. */
	EXPECT_LT(0, w[T_USER].reads + w[T_USER].writes);
	EXPECT_LT(0, w[T_USER].sigbus);
	EXPECT_LT(0, w[T_CONV].to_shared);
	EXPECT_LT(0, w[T_CONV].to_private);
	EXPECT_LT(0, w[T_PUNCH].punches);
	EXPECT_LT(0, w[T_PUNCH].allocs);
	EXPECT_LT(0, w[T_KVM].f4k);
	EXPECT_LT(0, w[T_KVM].acc);
	EXPECT_EQ(QUERY_ITERS, w[T_QUERY].queries);

	close(s.vm);
	munmap(map, FSIZE);
	close(s.fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
	for (unsigned int i = 0; i < NR_COUNTERS; i++) {
		if (tdxgmem_stat(counters[i]) != before[i])
			TH_LOG("%s: %lld before, %lld after", counters[i],
			       before[i], tdxgmem_stat(counters[i]));
		EXPECT_EQ(before[i], tdxgmem_stat(counters[i]));
	}
	/* Every page taken out of the direct map came back before its free. */
	EXPECT_EQ(tdxgmem_stat("dm_zapped_pages") - z0,
		  tdxgmem_stat("dm_restored_pages") - r0);
}

/*
 * Tens of seconds under TCG, more on a loaded host, about 200 s on the
 * debug kernel (KASAN, lockdep): above the default 30 s.
 */
FIXTURE(stress) {};
FIXTURE_SETUP(stress) {}
FIXTURE_TEARDOWN(stress) {}

TEST_F_TIMEOUT(stress, all_at_once, 900)
{
	stress(_metadata, 0);
}

/* The same with the direct-map zap and restore paths racing too. */
TEST_F_TIMEOUT(stress, all_at_once_no_direct_map, 900)
{
	if (caps_mode() == TDXGMEM_DIRECTMAP_NONE)
		SKIP(return, "no direct-map backend");
	stress(_metadata, TDXGMEM_F_NO_DIRECT_MAP);
}

TEST_HARNESS_MAIN
