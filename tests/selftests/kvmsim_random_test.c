// SPDX-License-Identifier: GPL-2.0
/*
 * Randomized, seeded, reproducible sequence of KVM-like operations through
 * kvmsim against tdxgmem: create/close files, allocate, punch, bind,
 * unbind, fault at 4K and 2M, read/write guest data, recreate the VM.
 * After every step kvmsim's violation count must be 0 and guest data
 * must match a shadow model; at the end, with everything closed,
 * tdxgmem's "files" and "pages" counters are back to 0.
 *
 *   kvmsim_random_test [SEED [OPS]]    (or KVMSIM_SEED=, KVMSIM_OPS=)
 */
#include <stdint.h>
#include <time.h>

#include "kselftest_harness.h"
#include "kvmsim.h"

#define NFILES		3
#define MAX_CHUNKS	2
#define MAX_PAGES	(MAX_CHUNKS * PAGES_2M)
#define REGION		0x10000ULL	/* gfns per file slot */

static unsigned long long seed = 20251121;
static unsigned long nops = 20000;

struct slot {
	int fd;			/* -1: no file */
	unsigned long long npages;
	int huge;		/* 2 MiB backing requested */
	unsigned char data[MAX_PAGES];	/* shadow: fill byte of each page */
	int bound;
	unsigned long long id, pgoff, bnpages, gfn;
	unsigned long long last;	/* last gfn offset faulted */
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

static unsigned long long rnd_below(unsigned long long n)
{
	return n ? rnd() % n : 0;
}

struct world {
	int vm;
	struct slot s[NFILES];
	unsigned long counts[12];
};

static void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	for (int i = 0; i < NFILES; i++)
		w->s[i].fd = -1;
}

static const char * const op_names[] = {
	"create", "close", "alloc", "punch", "bind", "unbind", "fault4k",
	"fault2m", "write", "read", "vm_recreate", "check",
};

/* Relative weights of the operations above. */
static const unsigned int op_weight[] = {
	6, 3, 6, 10, 8, 4, 15, 15, 10, 10, 1, 3,
};

static int pick_op(void)
{
	unsigned int total = 0, x;
	int op;

	for (op = 0; op < 12; op++)
		total += op_weight[op];
	x = rnd_below(total);
	for (op = 0; x >= op_weight[op]; op++)
		x -= op_weight[op];
	return op;
}

/* Counters summed over every VM of the run. */
static struct kvmsim_stats total;

static void add_stats(int vm)
{
	struct kvmsim_stats s = kvmsim_stats(vm);

	total.faults += s.faults;
	total.retries += s.retries;
	total.split_calls += s.split_calls;
	total.splits += s.splits;
	total.invalidations += s.invalidations;
	total.zero_checks += s.zero_checks;
	total.violations += s.violations;
	for (int k = 0; k < 5; k++)
		total.inval_reason[k] += s.inval_reason[k];
}

/*
 * One random step. Returns 0, or -1 with *why set when an expectation
 * failed.
 */
static int step(struct world *w, const char **why, char *msg, size_t len)
{
	static unsigned char buf[4096];
	int op = pick_op();
	struct slot *s = &w->s[rnd_below(NFILES)];
	int i = s - w->s;
	int r = 0;

	*why = op_names[op];
	switch (op) {
	case 0: /* create */
		if (s->fd >= 0)
			return 0;
		if (s->bound) {		/* detached by the close */
			r = kvmsim_unbind(w->vm, s->id);
			s->bound = 0;
			if (r)
				break;
		}
		s->npages = (1 + rnd_below(MAX_CHUNKS)) * PAGES_2M;
		if (rnd_below(4) == 0)	/* ragged size */
			s->npages -= 1 + rnd_below(PAGES_2M - 1);
		s->huge = rnd_below(5) != 0;
		s->fd = kvmsim_file(s->npages * SZ_4K, 0, 0);
		if (s->fd >= 0 && !s->huge) {
			/* 4 KiB backing: recreate with size_log2 12. */
			int dev = tdxgmem_open_dev();

			close(s->fd);
			s->fd = tdxgmem_create(dev, s->npages * SZ_4K, 0, 12);
			close(dev);
		}
		memset(s->data, 0, sizeof(s->data));
		s->bound = 0;
		r = s->fd < 0 ? s->fd : 0;
		break;
	case 1: /* close */
		if (s->fd < 0)
			return 0;
		close(s->fd);
		s->fd = -1;
		/* A binding stays, detached: faults get -ENODEV. */
		if (s->bound) {
			r = kvmsim_fault(w->vm, s->gfn, KVMSIM_LEVEL_4K, NULL);
			r = r == -ENODEV ? 0 : -1;
			snprintf(msg, len, "fault after close: not -ENODEV");
			if (!r && rnd_below(2)) {
				r = kvmsim_unbind(w->vm, s->id);
				s->bound = 0;
			}
		}
		break;
	case 2: /* alloc */
	case 3: { /* punch */
		unsigned long long a, n;

		if (s->fd < 0)
			return 0;
		switch (rnd_below(3)) {
		case 0:
			a = rnd_below(s->npages);
			n = 1;
			break;
		case 1:
			a = rnd_below(s->npages / PAGES_2M + 1) * PAGES_2M;
			n = PAGES_2M;
			break;
		default:
			a = rnd_below(s->npages);
			n = 1 + rnd_below(s->npages - a);
			break;
		}
		if (a >= s->npages)
			return 0;
		if (a + n > s->npages)
			n = s->npages - a;
		if (op == 2) {
			r = xfallocate(s->fd, FALLOC_FL_KEEP_SIZE, a * SZ_4K,
				       n * SZ_4K);
		} else {
			r = kvmsim_punch(s->fd, a, n);
			memset(s->data + a, 0, n);
		}
		snprintf(msg, len, "%s [%llu, +%llu) = %d", *why, a, n, r);
		break;
	}
	case 4: /* bind */
		if (s->fd < 0 || s->bound)
			return 0;
		s->pgoff = rnd_below(3) ? 0 : rnd_below(s->npages);
		s->bnpages = s->npages - s->pgoff;
		if (rnd_below(3) == 0)
			s->bnpages = 1 + rnd_below(s->bnpages);
		/* Mostly congruent mod 512; sometimes not. */
		s->gfn = REGION * (i + 1) + s->pgoff;
		if (rnd_below(4) == 0)
			s->gfn += 1 + rnd_below(PAGES_2M - 1);
		r = kvmsim_bind(w->vm, s->fd, s->pgoff, s->bnpages, s->gfn,
				&s->id);
		s->bound = !r;
		snprintf(msg, len, "bind pgoff %llu n %llu gfn %#llx = %d",
			 s->pgoff, s->bnpages, s->gfn, r);
		break;
	case 5: /* unbind */
		if (!s->bound)
			return 0;
		r = kvmsim_unbind(w->vm, s->id);
		s->bound = 0;
		break;
	case 6: /* fault 4k */
	case 7: { /* fault 2m */
		unsigned long long g;
		struct kvmsim_fault f;

		if (!s->bound)
			return 0;
		g = rnd_below(s->bnpages);
		s->last = g;
		r = kvmsim_fault(w->vm, s->gfn + g,
				 op == 6 ? KVMSIM_LEVEL_4K : KVMSIM_LEVEL_2M, &f);
		if (s->fd < 0)
			r = r == -ENODEV ? 0 : -1;
		snprintf(msg, len, "fault gfn %#llx = %d", s->gfn + g, r);
		break;
	}
	case 8: /* write */
	case 9: { /* read */
		unsigned long long g, pg;
		unsigned char v;

		if (!s->bound || s->fd < 0)
			return 0;
		g = rnd_below(2) ? rnd_below(s->bnpages) : s->last;
		if (g >= s->bnpages)
			return 0;
		pg = s->pgoff + g;
		if (kvmsim_lookup(w->vm, s->gfn + g, NULL, NULL))
			return 0;	/* not mapped */
		if (op == 8) {
			v = 1 + rnd_below(255);
			memset(buf, v, sizeof(buf));
			r = kvmsim_access(w->vm, s->gfn + g, 0, buf, 4096, 1);
			if (!r)
				s->data[pg] = v;
			break;
		}
		memset(buf, 0x5a, sizeof(buf));
		r = kvmsim_access(w->vm, s->gfn + g, 0, buf, 4096, 0);
		for (int k = 0; !r && k < 4096; k++) {
			if (buf[k] != s->data[pg]) {
				snprintf(msg, len,
					 "page %llu byte %d: %#x, expected %#x",
					 pg, k, buf[k], s->data[pg]);
				return -1;
			}
		}
		break;
	}
	case 10: /* vm_recreate */
		add_stats(w->vm);
		close(w->vm);
		for (int k = 0; k < NFILES; k++)
			w->s[k].bound = 0;
		w->vm = kvmsim_vm();
		r = w->vm < 0 ? w->vm : 0;
		break;
	case 11: /* full check */
		r = kvmsim_check(w->vm) ? -1 : 0;
		break;
	}
	w->counts[op]++;
	if (r && !msg[0])
		snprintf(msg, len, "%s = %d", *why, r);
	return r ? -1 : 0;
}

/*
 * 20,000 steps take seconds under TCG on Debian's kernel, minutes on the
 * debug kernel (KASAN, lockdep): a fixture only for the timeout.
 */
FIXTURE(random) {};
FIXTURE_SETUP(random) {}
FIXTURE_TEARDOWN(random) {}

TEST_F_TIMEOUT(random, sequence, 900)
{
	struct world *w = calloc(1, sizeof(*w));
	struct kvmsim_stats st;
	const char *why;
	char msg[160];
	time_t t0 = time(NULL);

	ASSERT_NE(NULL, w);
	world_init(w);
	VM_OR_SKIP(w->vm);
	rng_state = seed ? seed : 1;
	TH_LOG("seed %llu, %lu operations", seed, nops);

	for (unsigned long n = 0; n < nops; n++) {
		msg[0] = 0;
		if (step(w, &why, msg, sizeof(msg))) {
			TH_LOG("op %lu (%s) failed: %s", n, why, msg);
			ASSERT_TRUE(0);
		}
		st = kvmsim_stats(w->vm);
		if (st.violations) {
			TH_LOG("op %lu (%s): %llu violations (%s)", n, why,
			       (unsigned long long)st.violations, msg);
			ASSERT_EQ(0, st.violations);
		}
	}
	ASSERT_EQ(0, kvmsim_check(w->vm));
	add_stats(w->vm);
	st = total;
	TH_LOG("faults %llu retries %llu split_calls %llu splits %llu invalidations %llu (punch %llu unbind %llu release %llu) zero_checks %llu",
	       (unsigned long long)st.faults, (unsigned long long)st.retries,
	       (unsigned long long)st.split_calls, (unsigned long long)st.splits,
	       (unsigned long long)st.invalidations,
	       (unsigned long long)st.inval_reason[0],
	       (unsigned long long)st.inval_reason[2],
	       (unsigned long long)st.inval_reason[3],
	       (unsigned long long)st.zero_checks);
	EXPECT_EQ(0, st.violations);
	for (unsigned int k = 0; k < sizeof(op_names) / sizeof(op_names[0]); k++)
		TH_LOG("  %-12s %lu done", op_names[k], w->counts[k]);

	for (int k = 0; k < NFILES; k++)
		if (w->s[k].fd >= 0)
			close(w->s[k].fd);
	close(w->vm);
	EXPECT_EQ(0, tdxgmem_stat("files"));
	EXPECT_EQ(0, tdxgmem_pages());
	TH_LOG("%ld s", (long)(time(NULL) - t0));
	free(w);
}

static void __attribute__((constructor)) parse_seed(void)
{
	const char *e = getenv("KVMSIM_SEED");

	if (e)
		seed = strtoull(e, NULL, 0);
	e = getenv("KVMSIM_OPS");
	if (e)
		nops = strtoul(e, NULL, 0);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		seed = strtoull(argv[1], NULL, 0);
	if (argc > 2)
		nops = strtoul(argv[2], NULL, 0);
	printf("# kvmsim_random_test seed %llu ops %lu\n", seed, nops);
	fflush(stdout);
	return test_harness_run(1, argv);
}
