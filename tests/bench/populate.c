// SPDX-License-Identifier: GPL-2.0
/*
 * populate: time populating and tearing down N GiB of guest memory with
 * tdxgmem (2 MiB, 4 KiB and 1 GiB backing; 2 MiB bound by kvmsim as a
 * consumer that initializes private pages, which needs tdxgmem_kvmsim.ko
 * and skips clearing only on a boot with init_on_alloc=0) and with its
 * peers: shmem
 * memfd, memfd_secret, hugetlbfs memfd (2 MiB and 1 GiB pages) and
 * upstream guest_memfd.
 *
 *   populate [--gib N] [--reps R] [--budget SECS] [--only NAME[,NAME...]]
 *
 * Runs inside the test VM (scripts/bench-run), never on the host: it
 * changes vm.nr_hugepages and opens /dev/kvm. Repetitions are interleaved
 * (rep 1 of every peer, then rep 2, ...; default 5 reps, fewer when the
 * --budget in seconds is spent) and the median is reported, with each
 * time's ratio to tdxgmem-2M in the same boot. A peer that cannot run
 * prints "n/a (reason)". The exit status says only whether the benchmark
 * could run (0) or was misused (2); it never depends on a time.
 *
 * The table is also written to $TDXGMEM_OUT/bench-table.txt when set.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

#define SZ_1G		(1ULL << 30)
#define SZ_2M		(2ULL << 20)

static double opt_gib = 2;
static int opt_reps = 5;
static double opt_budget_s = 600;
static const char *opt_only;

static void usage(void)
{
	fprintf(stderr,
		"usage: populate [--gib N] [--reps R] [--budget SECS] [--only NAME,...]\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--gib"))
			opt_gib = atof(argv[++i]);
		else if (!strcmp(argv[i], "--reps"))
			opt_reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--budget"))
			opt_budget_s = atof(argv[++i]);
		else if (!strcmp(argv[i], "--only"))
			opt_only = argv[++i];
		else
			usage();
	}
	if (opt_gib <= 0 || opt_reps < 1 || opt_reps > MAX_REPS)
		usage();
}

static int selected(const struct peer *p)
{
	const char *s = opt_only;
	size_t n = strlen(p->name);

	if (!s)
		return 1;
	for (; (s = strstr(s, p->name)); s += n)
		if ((s == opt_only || s[-1] == ',') && (!s[n] || s[n] == ','))
			return 1;
	return 0;
}

static int fail(struct peer *p, int rep, const char *op, int err)
{
	if (!p->why[0])
		snprintf(p->why, WHY_LEN, "rep %d: %s: %s", rep + 1, op,
			 strerror(-err));
	return err;
}

/* One create + populate + teardown; times go to p's arrays. */
static int run_once(struct peer *p, int rep, size_t size)
{
	struct stats s0, s1;
	long long m0, m1;
	double t0, t1, t2, t3;
	long pool;
	int fd, r;

	/*
	 * Untimed: empty tdxgmem's pool of freed blocks, so that neither its
	 * idle timer nor a pooled block works for or against the peer timed
	 * next; a no_pool peer runs with no pool at all.
	 */
	pool = read_long(POOL_PCT);
	if (pool >= 0 && (write_long(POOL_PCT, 0) ||
			  (!p->no_pool && write_long(POOL_PCT, pool))))
		return fail(p, rep, "pool_max_pct", -EIO);
	mem_settle();
	if (p->is_tdxgmem)
		stats_read(&s0);
	m0 = mem_in_use_kib();
	fd = p->create(p, size);
	if (fd < 0)
		return fail(p, rep, p->create_op, fd);
	t0 = now_ms();
	r = p->populate(p, fd, size);
	t1 = now_ms();
	if (r) {
		p->teardown(p, fd, size);
		if (p->no_pool)
			write_long(POOL_PCT, pool);
		return fail(p, rep, p->populate_op, r);
	}
	m1 = mem_in_use_kib();
	if (p->is_tdxgmem && !stats_read(&s1))
		stats_delta(&p->delta, &s0, &s1);
	t2 = now_ms();
	r = p->teardown(p, fd, size);
	t3 = now_ms();
	if (p->no_pool && write_long(POOL_PCT, pool))
		return fail(p, rep, "pool_max_pct", -EIO);
	if (r)
		return fail(p, rep, "teardown", r);
	if (p->is_tdxgmem && !stats_read(&s0))
		stats_delta(&p->td_delta, &s1, &s0);
	p->pop_ms[p->nrep] = t1 - t0;
	p->td_ms[p->nrep] = t3 - t2;
	p->drop_mib[p->nrep] = (m1 - m0) / 1024.0;
	p->nrep++;
	printf("# rep %d %-14s populate %10.1f ms  teardown %9.1f ms  memdrop %6lld MiB\n",
	       rep + 1, p->name, t1 - t0, t3 - t2, (m1 - m0) >> 10);
	fflush(stdout);
	return 0;
}

static void prepare_all(size_t size)
{
	struct peer *p;
	int i;

	for (i = 0; i < nr_peers; i++) {
		p = &peers[i];
		p->aux_fd = p->kvm_fd = -1;
		p->saved = -1;
		if (!selected(p))
			snprintf(p->why, WHY_LEN, "not selected");
		else if (p->prepare)
			p->prepare(p, size);
	}
}

static void finish_all(void)
{
	int i;

	for (i = 0; i < nr_peers; i++)
		if (peers[i].finish)
			peers[i].finish(&peers[i]);
}

static void run_all(size_t size)
{
	double start = now_ms();
	int rep, i;

	for (rep = 0; rep < opt_reps; rep++) {
		if (rep && now_ms() - start > opt_budget_s * 1e3) {
			printf("# budget of %.0f s spent: stopping after %d reps\n",
			       opt_budget_s, rep);
			break;
		}
		for (i = 0; i < nr_peers; i++)
			if (!peers[i].why[0])
				run_once(&peers[i], rep, size);
	}
}

/* (max - min) / median of the populate times, in percent. */
static double spread(const double *v, int n)
{
	double lo = v[0], hi = v[0], m = median(v, n);
	int i;

	for (i = 1; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	return m > 0 ? (hi - lo) / m * 100 : 0;
}

static const struct peer *reference(void)
{
	const struct peer *p = &peers[0];	/* tdxgmem-2M */

	return p->why[0] || !p->nrep ? NULL : p;
}

static void ratio(FILE *f, double v, double ref)
{
	if (ref > 0)
		fprintf(f, " %8.2f", v / ref);
	else
		fprintf(f, " %8s", "-");
}

static void tdx_columns(FILE *f, const struct peer *p)
{
	/* A 1 GiB range counts once, as a 2 MiB block does. */
	long long chunks = stats_get(&p->delta, "chunk_allocs") +
			   stats_get(&p->delta, "giga_allocs");
	long long pages = stats_get(&p->delta, "page_allocs");
	long long fb = stats_get(&p->delta, "fallbacks") +
		       stats_get(&p->delta, "giga_fallbacks");
	long long blocks = stats_get(&p->td_delta, "block_frees") +
			   stats_get(&p->td_delta, "giga_frees");
	long long zeroed = stats_get(&p->delta, "zeroed_pages");

	if (!p->is_tdxgmem || !p->delta.n) {
		fprintf(f, " %11s %9s %11s %11s", "-", "-", "-", "-");
		return;
	}
	if (chunks >= 0 && pages >= 0)
		fprintf(f, " %11.0f", (chunks + pages) / opt_gib);
	else
		fprintf(f, " %11s", "?");
	if (fb >= 0)
		fprintf(f, " %9lld", fb);
	else
		fprintf(f, " %9s", "?");
	if (blocks >= 0 && p->td_delta.n)
		fprintf(f, " %11.0f", blocks / opt_gib);
	else
		fprintf(f, " %11s", "?");
	/* MiB the host cleared per GiB populated (zeroed_pages). */
	if (zeroed >= 0)
		fprintf(f, " %11.0f", zeroed / 256.0 / opt_gib);
	else
		fprintf(f, " %11s", "?");
}

static void print_row(FILE *f, const struct peer *p, const struct peer *ref)
{
	double pop, td;

	fprintf(f, "%-14s", p->name);
	if (p->why[0] || !p->nrep) {
		fprintf(f, " n/a (%s)\n", p->why[0] ? p->why : "no result");
		return;
	}
	pop = median(p->pop_ms, p->nrep);
	td = median(p->td_ms, p->nrep);
	fprintf(f, " %11.1f %7.0f%% %11.1f %8.0f%%", pop,
		spread(p->pop_ms, p->nrep), td, spread(p->td_ms, p->nrep));
	ratio(f, pop, ref ? median(ref->pop_ms, ref->nrep) : 0);
	ratio(f, td, ref ? median(ref->td_ms, ref->nrep) : 0);
	tdx_columns(f, p);
	fprintf(f, " %10.0f %4d\n", median(p->drop_mib, p->nrep), p->nrep);
}

static void print_table(FILE *f)
{
	const struct peer *ref = reference();
	struct utsname u;
	char thp[96];
	int i;

	uname(&u);
	read_line("/sys/kernel/mm/transparent_hugepage/shmem_enabled",
		  thp, sizeof(thp));
	fprintf(f, "populate+teardown of %g GiB, kernel %s, median of up to %d reps\n",
		opt_gib, u.release, opt_reps);
	fprintf(f, "ratios = peer time / tdxgmem-2M time in this boot (>1: peer slower)\n");
	fprintf(f, "spread, td_spread = (max - min) / median of the populate, teardown times\n");
	fprintf(f, "%-14s %11s %8s %11s %9s %8s %8s %11s %9s %11s %11s %10s %4s\n",
		"peer", "populate_ms", "spread", "teardown_ms", "td_spread",
		"pop/2M", "td/2M", "allocs/GiB", "fallbacks", "blkfree/GiB",
		"zeroMiB/GiB", "memdrop_MiB", "reps");
	for (i = 0; i < nr_peers; i++)
		if (selected(&peers[i]))
			print_row(f, &peers[i], ref);
	fprintf(f, "shmem THP (shmem_enabled): %s\n", thp);
	for (i = 0; i < nr_peers; i++)
		if (peers[i].note[0] && !peers[i].why[0])
			fprintf(f, "note: %s: %s\n", peers[i].name, peers[i].note);
}

static void print_methods(void)
{
	int i, j;
	const struct peer *p;

	for (i = 0; i < nr_peers; i++) {
		p = &peers[i];
		if (!selected(p))
			continue;
		printf("# method %-14s %s\n", p->name, p->method);
		if (!p->delta.n)
			continue;
		printf("# counters %-12s over one populate:", p->name);
		for (j = 0; j < p->delta.n; j++)
			printf(" %s %+lld", p->delta.name[j], p->delta.val[j]);
		printf("\n# counters %-12s over its teardown:", p->name);
		for (j = 0; j < p->td_delta.n; j++)
			printf(" %s %+lld", p->td_delta.name[j],
			       p->td_delta.val[j]);
		printf("\n");
	}
}

static void save_table(void)
{
	const char *dir = getenv("TDXGMEM_OUT");
	char path[4096];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/bench-table.txt", dir);
	f = fopen(path, "w");
	if (!f) {
		printf("# %s: %s\n", path, strerror(errno));
		return;
	}
	print_table(f);
	fclose(f);
}

int main(int argc, char **argv)
{
	size_t size;

	parse_args(argc, argv);
	size = (size_t)(opt_gib * SZ_1G) / SZ_2M * SZ_2M;
	if (!size)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# populate: %zu bytes, %d reps, budget %.0f s\n",
	       size, opt_reps, opt_budget_s);
	prepare_all(size);
	run_all(size);
	finish_all();
	print_methods();
	printf("\n");
	print_table(stdout);
	save_table();
	return 0;
}
