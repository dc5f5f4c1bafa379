// SPDX-License-Identifier: GPL-2.0
/*
 * Faults racing punches: one thread faults (4K and 2M) and reads/writes
 * guest data through kvmsim while another punches and re-allocates the
 * same pages. KVM's fault protocol (invalidation sequence, retry) must
 * keep kvmsim from ever mapping stale state: no violation, and every
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

TEST(fault_vs_punch)
{
	static unsigned char buf[4096];
	struct kvmsim_stats st;
	struct race r = {};
	unsigned int seed = 11;
	pthread_t t;
	time_t end;

	r.vm = kvmsim_vm();
	if (r.vm == -ENOENT)
		SKIP(return, "tdxgmem_kvmsim.ko not loaded");
	ASSERT_LE(0, r.vm);
	r.fd = kvmsim_file(CHUNKS * SZ_2M, 0, 1);
	ASSERT_LE(0, r.fd);
	ASSERT_EQ(0, kvmsim_bind(r.vm, r.fd, 0, CHUNKS * PAGES_2M, GFN0, NULL));
	ASSERT_EQ(0, pthread_create(&t, NULL, puncher, &r));

	end = time(NULL) + SECONDS;
	while (time(NULL) < end) {
		unsigned long long g = GFN0 + rand_r(&seed) % (CHUNKS * PAGES_2M);
		int level = rand_r(&seed) % 2 ? KVMSIM_LEVEL_2M : KVMSIM_LEVEL_4K;
		int e;

		e = kvmsim_fault(r.vm, g, level, NULL);
		if (e) {
			TH_LOG("fault %#llx: %d", g, e);
			r.bad++;
			break;
		}
		r.faults++;
		if (rand_r(&seed) % 2) {
			memset(buf, (unsigned char)g | 1, sizeof(buf));
			e = kvmsim_access(r.vm, g, 0, buf, 4096, 1);
		} else {
			e = kvmsim_access(r.vm, g, 0, buf, 4096, 0);
			for (int k = 1; !e && k < 4096; k++) {
				if (buf[k] != buf[0]) {
					TH_LOG("gfn %#llx torn at %d", g, k);
					r.bad++;
					break;
				}
			}
			if (!e && buf[0] && buf[0] != ((unsigned char)g | 1)) {
				TH_LOG("gfn %#llx holds %#x", g, buf[0]);
				r.bad++;
			}
		}
		/* Punched between fault and access: fine. */
		if (e && e != -ENOENT) {
			TH_LOG("access %#llx: %d", g, e);
			r.bad++;
		}
		st = kvmsim_stats(r.vm);
		if (st.violations) {
			r.bad++;
			break;
		}
	}
	r.stop = 1;
	pthread_join(t, NULL);

	st = kvmsim_stats(r.vm);
	TH_LOG("faults %lu punches %lu retries %llu invalidations %llu splits %llu",
	       r.faults, r.punches, (unsigned long long)st.retries,
	       (unsigned long long)st.invalidations,
	       (unsigned long long)st.splits);
	EXPECT_EQ(0, r.bad);
	EXPECT_EQ(0, st.violations);
	EXPECT_EQ(0, kvmsim_check(r.vm));
	close(r.vm);
	close(r.fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

TEST_HARNESS_MAIN
