// SPDX-License-Identifier: GPL-2.0
/*
 * Faults racing punches and conversions: one thread faults (4K and 2M)
 * and reads/writes guest data through kvmsim while another punches,
 * re-allocates and converts the same pages between shared and private.
 * KVM's fault protocol (invalidation sequence, retry) must keep kvmsim
 * from ever mapping stale state or a shared page: no violation, and every
 * page read is uniform (all zero or all the last pattern written).
 */
#include <pthread.h>
#include <time.h>

#include "kselftest_harness.h"
#include "kvmsim.h"

#define GFN0		0x200000ULL
#define CHUNKS		2
#define SECONDS		4

struct race {
	int vm, fd;
	volatile int stop;
	unsigned long punches, faults, bad;
};

static void *puncher(void *arg)
{
	struct race *r = arg;
	unsigned int seed = 7;

	while (!r->stop) {
		unsigned long long pg = rand_r(&seed) % (CHUNKS * PAGES_2M);

		if (rand_r(&seed) % 8 == 0)
			kvmsim_punch(r->fd, pg & ~(PAGES_2M - 1), PAGES_2M);
		else
			kvmsim_punch(r->fd, pg, 1 + rand_r(&seed) % 4);
		if (rand_r(&seed) % 4 == 0)
			xfallocate(r->fd, FALLOC_FL_KEEP_SIZE, 0,
				   CHUNKS * SZ_2M);
		r->punches++;
	}
	return NULL;
}

/* Punches, re-allocations and conversions both ways; errors counted. */
static void *converter(void *arg)
{
	struct race *r = arg;
	unsigned int seed = 13;

	while (!r->stop) {
		unsigned long long pg = rand_r(&seed) % (CHUNKS * PAGES_2M);
		unsigned long long n = 1 + rand_r(&seed) % 4;
		struct tdxgmem_attributes a = {};
		int e = 0;

		if (rand_r(&seed) % 8 == 0) {
			pg &= ~(PAGES_2M - 1);
			n = PAGES_2M;
		}
		n = n < CHUNKS * PAGES_2M - pg ? n : CHUNKS * PAGES_2M - pg;
		switch (rand_r(&seed) % 4) {
		case 0:
		case 1:
			a.offset = pg * SZ_4K;
			a.size = n * SZ_4K;
			a.attributes = rand_r(&seed) % 2 ? TDXGMEM_ATTR_PRIVATE : 0;
			e = xioctl(r->fd, TDXGMEM_SET_ATTRIBUTES, &a);
			break;
		case 2:
			e = kvmsim_punch(r->fd, pg, n);
			break;
		default:
			e = xfallocate(r->fd, FALLOC_FL_KEEP_SIZE, 0, CHUNKS * SZ_2M);
		}
		if (e)
			__atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
		r->punches++;
	}
	return NULL;
}

/* Fault, write or read-and-check random gfns until @secs pass. */
static void fault_loop(struct __test_metadata *_metadata, struct race *r,
		       int allow_shared)
{
	static unsigned char buf[4096];
	unsigned int seed = 11;
	time_t end = time(NULL) + SECONDS;

	while (time(NULL) < end) {
		unsigned long long g = GFN0 + rand_r(&seed) % (CHUNKS * PAGES_2M);
		int level = rand_r(&seed) % 2 ? KVMSIM_LEVEL_2M : KVMSIM_LEVEL_4K;
		int e;

		e = kvmsim_fault(r->vm, g, level, NULL);
		if (e == -KVMSIM_SHARED_ERRNO && allow_shared)
			continue;	/* a memory-fault exit for KVM */
		if (e) {
			TH_LOG("fault %#llx: %d", g, e);
			__atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
			break;
		}
		r->faults++;
		if (rand_r(&seed) % 2) {
			memset(buf, (unsigned char)g | 1, sizeof(buf));
			e = kvmsim_access(r->vm, g, 0, buf, 4096, 1);
		} else {
			e = kvmsim_access(r->vm, g, 0, buf, 4096, 0);
			for (int k = 1; !e && k < 4096; k++) {
				if (buf[k] != buf[0]) {
					TH_LOG("gfn %#llx torn at %d", g, k);
					__atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
					break;
				}
			}
			if (!e && buf[0] && buf[0] != ((unsigned char)g | 1)) {
				TH_LOG("gfn %#llx holds %#x", g, buf[0]);
				__atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
			}
		}
		/* Punched or converted between fault and access: fine. */
		if (e && e != -ENOENT) {
			TH_LOG("access %#llx: %d", g, e);
			__atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
		}
		if (kvmsim_stats(r->vm).violations) {
			__atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
			break;
		}
	}
}

static void race(struct __test_metadata *_metadata, void *(*fn)(void *),
		 unsigned long long flags)
{
	struct kvmsim_stats st;
	struct race r = {};
	pthread_t t;

	VM_OR_SKIP(r.vm);
	r.fd = kvmsim_file(CHUNKS * SZ_2M, flags, 1);
	ASSERT_LE(0, r.fd);
	ASSERT_EQ(0, kvmsim_bind(r.vm, r.fd, 0, CHUNKS * PAGES_2M, GFN0, NULL));
	ASSERT_EQ(0, pthread_create(&t, NULL, fn, &r));
	fault_loop(_metadata, &r, flags & TDXGMEM_F_MMAP);
	r.stop = 1;
	pthread_join(t, NULL);

	st = kvmsim_stats(r.vm);
	TH_LOG("faults %lu changes %lu retries %llu invalidations %llu splits %llu",
	       r.faults, r.punches, (unsigned long long)st.retries,
	       (unsigned long long)st.invalidations,
	       (unsigned long long)st.splits);
	EXPECT_LT(0, r.faults);
	EXPECT_LT(0, r.punches);
	EXPECT_EQ(0, r.bad);
	EXPECT_EQ(0, st.violations);
	EXPECT_EQ(0, kvmsim_check(r.vm));
	close(r.vm);
	close(r.fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

TEST(fault_vs_punch)
{
	race(_metadata, puncher, 0);
}

TEST(fault_vs_convert_and_punch)
{
	race(_metadata, converter, TDXGMEM_F_MMAP);
}

TEST_HARNESS_MAIN
