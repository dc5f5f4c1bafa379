// SPDX-License-Identifier: GPL-2.0
/*
 * directmap: cost of keeping private memory out of the kernel direct map.
 * Populates and frees N GiB with tdxgmem (flags 0), tdxgmem with
 * TDXGMEM_F_NO_DIRECT_MAP, and memfd_secret, and reports per peer:
 * populate/free time (median, ratio to plain tdxgmem in this boot), TLB
 * flushes per GiB (calls of flush_tlb_kernel_range() counted by a kprobe
 * event's hit count in tracefs kprobe_profile, plus tdxgmem's own
 * dm_tlb_flushes), direct-map splits (/proc/vmstat
 * direct_map_level2_splits / level3_splits deltas) and the DirectMap4k
 * change of /proc/meminfo.
 *
 *   directmap [--gib N] [--reps R]      the benchmark (rep 1 is a warm-up)
 *   directmap --warmup GIB              only touch GIB of guest RAM once
 *
 * --warmup populates and frees one plain tdxgmem file of GIB, so that
 * QEMU has mapped guest RAM before anything is timed (QEMU faults guest
 * memory in on first touch). Runs in the test VM; never judges a time;
 * exit 0 unless misused (2). Table also in $TDXGMEM_OUT/directmap-table.txt.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/falloc.h>

#include "bench.h"
#include "uapi/linux/tdxgmem.h"

#ifndef __NR_memfd_secret
#define __NR_memfd_secret	447
#endif
#define SZ_1G		(1ULL << 30)
#define KPROBE		"tdxbench_flush"

static double opt_gib = 1;
static int opt_reps = 3;
static char tracing[64];

enum { P_TDX, P_TDX_NDM, P_SECRET, NR_P };

struct dpeer {
	const char *name;
	char why[WHY_LEN];
	int n;
	double pop[MAX_REPS], fr[MAX_REPS];
	long long kflush, dmflush, zapped, restored, l2, l3, dm4k_kib;
	long long dm4k_left_kib;
};

static struct dpeer dp[NR_P] = {
	{ .name = "tdxgmem" },
	{ .name = "tdxgmem-NO_DM" },
	{ .name = "memfd_secret" },
};

static int tdx_dev = -1;
static void *secret_map;

static long long vmstat(const char *key)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char name[64];
	long long v, r = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", name, &v) == 2)
		if (!strcmp(name, key)) {
			r = v;
			break;
		}
	fclose(f);
	return r;
}

static int write_str(const char *dir, const char *file, const char *s, int append)
{
	char path[256];
	int fd, r;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | (append ? O_APPEND : O_TRUNC));
	if (fd < 0)
		return -errno;
	r = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -errno;
	close(fd);
	return r;
}

/* Hits of our kprobe event so far, or -1. */
static long long kprobe_hits(void)
{
	char path[256], name[64];
	long long hit = -1, miss, h;
	FILE *f;

	if (!tracing[0])
		return -1;
	snprintf(path, sizeof(path), "%s/kprobe_profile", tracing);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld %lld", name, &h, &miss) == 3)
		if (!strcmp(name, KPROBE))
			hit = h;
	fclose(f);
	return hit;
}

static void kprobe_setup(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char p[128];
	int i, r;

	for (i = 0; i < 2 && !tracing[0]; i++) {
		snprintf(p, sizeof(p), "%s/kprobe_events", dirs[i]);
		if (access(p, W_OK) == 0)
			snprintf(tracing, sizeof(tracing), "%s", dirs[i]);
	}
	if (!tracing[0] && mount("tracefs", dirs[0], "tracefs", 0, NULL) == 0 &&
	    access("/sys/kernel/tracing/kprobe_events", W_OK) == 0)
		snprintf(tracing, sizeof(tracing), "%s", dirs[0]);
	if (!tracing[0]) {
		printf("# kprobe: no tracefs with kprobe_events\n");
		return;
	}
	/* Count only: nothing is written to the ring buffer. */
	write_str(tracing, "tracing_on", "0", 0);
	write_str(tracing, "kprobe_events", "-:" KPROBE "\n", 1);
	r = write_str(tracing, "kprobe_events",
		      "p:" KPROBE " flush_tlb_kernel_range\n", 1);
	if (!r)
		r = write_str(tracing, "events/kprobes/" KPROBE "/enable", "1", 0);
	if (r || kprobe_hits() < 0) {
		printf("# kprobe on flush_tlb_kernel_range in %s: %s\n", tracing,
		       strerror(r ? -r : ENOENT));
		tracing[0] = 0;
		return;
	}
	printf("# kprobe %s on flush_tlb_kernel_range via %s/kprobe_profile\n",
	       KPROBE, tracing);
}

static void kprobe_teardown(void)
{
	if (!tracing[0])
		return;
	write_str(tracing, "events/kprobes/" KPROBE "/enable", "0", 0);
	write_str(tracing, "kprobe_events", "-:" KPROBE "\n", 1);
	write_str(tracing, "tracing_on", "1", 0);
}

static sigjmp_buf jb;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(jb, 1);
}

/* Write one byte per page; -EFAULT and *where on SIGBUS. */
static int touch(volatile char *c, size_t size, size_t *where)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	volatile size_t off = 0;
	int r = 0;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(jb, 1)) {
		*where = off;
		r = -EFAULT;
	} else {
		for (off = 0; off < size; off += 4096)
			c[off] = 1;
	}
	sigaction(SIGBUS, &old, NULL);
	return r;
}

static int create(int p, size_t size)
{
	struct tdxgmem_create c;
	int fd;

	if (p == P_SECRET) {
		fd = syscall(__NR_memfd_secret, O_CLOEXEC);
		return sized_fd(fd, size);
	}
	memset(&c, 0, sizeof(c));
	c.size = size;
	c.flags = p == P_TDX_NDM ? TDXGMEM_F_NO_DIRECT_MAP : 0;
	c.huge_page_size_log2 = 21;
	c.numa_node = -1;
	fd = ioctl(tdx_dev, TDXGMEM_CREATE, &c);
	return fd < 0 ? -errno : fd;
}

static int populate(int p, int fd, size_t size, char *why)
{
	size_t where = 0;

	if (p != P_SECRET) {
		if (!fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, size))
			return 0;
		snprintf(why, WHY_LEN, "fallocate: %s", strerror(errno));
		return -1;
	}
	secret_map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (secret_map == MAP_FAILED) {
		secret_map = NULL;
		snprintf(why, WHY_LEN, "mmap: %s", strerror(errno));
		return -1;
	}
	if (touch(secret_map, size, &where)) {
		snprintf(why, WHY_LEN, "SIGBUS touching offset %zu", where);
		return -1;
	}
	return 0;
}

static void release(int fd, size_t size)
{
	if (secret_map)
		munmap(secret_map, size);
	secret_map = NULL;
	close(fd);
}

static void run_once(int p, size_t size, int warm)
{
	struct dpeer *d = &dp[p];
	long long k0, k1, l20, l30, m0, m1, m2;
	struct stats s0, s1;
	double t0, t1, t2, t3;
	int fd;

	mem_settle();
	fd = create(p, size);
	if (fd < 0) {
		snprintf(d->why, WHY_LEN, "create: %s", strerror(-fd));
		return;
	}
	stats_read(&s0);
	k0 = kprobe_hits();
	l20 = vmstat("direct_map_level2_splits");
	l30 = vmstat("direct_map_level3_splits");
	m0 = meminfo_kib("DirectMap4k");
	t0 = now_ms();
	if (populate(p, fd, size, d->why)) {
		release(fd, size);
		return;
	}
	t1 = now_ms();
	m1 = meminfo_kib("DirectMap4k");
	t2 = now_ms();
	release(fd, size);
	t3 = now_ms();
	mem_settle();
	k1 = kprobe_hits();
	m2 = meminfo_kib("DirectMap4k");
	stats_read(&s1);
	printf("# %s%s: populate %.1f ms free %.1f ms kflush %lld dm_tlb_flushes %lld zapped %lld restored %lld l2 %lld l3 %lld DirectMap4k %+lld kB (after free %+lld kB)\n",
	       d->name, warm ? " (warm-up)" : "", t1 - t0, t3 - t2,
	       k0 >= 0 ? k1 - k0 : -1,
	       stats_get(&s1, "dm_tlb_flushes") - stats_get(&s0, "dm_tlb_flushes"),
	       stats_get(&s1, "dm_zapped_pages") - stats_get(&s0, "dm_zapped_pages"),
	       stats_get(&s1, "dm_restored_pages") - stats_get(&s0, "dm_restored_pages"),
	       vmstat("direct_map_level2_splits") - l20,
	       vmstat("direct_map_level3_splits") - l30, m1 - m0, m2 - m0);
	if (p == P_TDX_NDM && stats_get(&s1, "dm_zapped_pages") -
			      stats_get(&s0, "dm_zapped_pages") <= 0) {
		snprintf(d->why, WHY_LEN,
			 "NO_DIRECT_MAP not honoured by this build: TDXGMEM_CREATE accepted it, dm_zapped_pages +%lld over populate",
			 stats_get(&s1, "dm_zapped_pages") - stats_get(&s0, "dm_zapped_pages"));
		return;
	}
	if (warm)
		return;
	d->pop[d->n] = t1 - t0;
	d->fr[d->n] = t3 - t2;
	d->n++;
	d->kflush += k0 >= 0 ? k1 - k0 : 0;
	d->dmflush += stats_get(&s1, "dm_tlb_flushes") - stats_get(&s0, "dm_tlb_flushes");
	d->zapped += stats_get(&s1, "dm_zapped_pages") - stats_get(&s0, "dm_zapped_pages");
	d->restored += stats_get(&s1, "dm_restored_pages") - stats_get(&s0, "dm_restored_pages");
	d->l2 += vmstat("direct_map_level2_splits") - l20;
	d->l3 += vmstat("direct_map_level3_splits") - l30;
	d->dm4k_kib += m1 - m0;
	d->dm4k_left_kib += m2 - m0;
}

static void print_table(FILE *f)
{
	const struct dpeer *ref = &dp[P_TDX];
	double rp = ref->n ? median(ref->pop, ref->n) : 0;
	double rf = ref->n ? median(ref->fr, ref->n) : 0;
	struct utsname u;
	int i;

	uname(&u);
	fprintf(f, "direct map: populate + free of %g GiB, kernel %s, median of up to %d reps after 1 warm-up\n",
		opt_gib, u.release, opt_reps);
	fprintf(f, "ratios = peer time / tdxgmem (flags 0) time in this boot; counts per GiB over populate+free;\n"
		   "kflush = flush_tlb_kernel_range() calls (kprobe); dm_flush = tdxgmem dm_tlb_flushes;\n"
		   "l2/l3 = direct_map_level2/3_splits; dm4k = DirectMap4k growth after populate (MiB)\n");
	fprintf(f, "%-14s %10s %9s %7s %7s %9s %9s %9s %7s %7s %8s %4s\n", "peer", "pop_ms",
		"free_ms", "pop/td", "free/td", "kflush", "dm_flush", "zapped", "l2",
		"l3", "dm4k", "reps");
	for (i = 0; i < NR_P; i++) {
		const struct dpeer *d = &dp[i];
		double g = d->n * opt_gib;

		fprintf(f, "%-14s", d->name);
		if (d->why[0] || !d->n) {
			fprintf(f, " n/a (%s)\n", d->why[0] ? d->why : "no result");
			continue;
		}
		fprintf(f, " %10.1f %9.1f", median(d->pop, d->n), median(d->fr, d->n));
		if (rp > 0 && rf > 0)
			fprintf(f, " %7.2f %7.2f", median(d->pop, d->n) / rp,
				median(d->fr, d->n) / rf);
		else
			fprintf(f, " %7s %7s", "-", "-");
		if (tracing[0])
			fprintf(f, " %9.0f", d->kflush / g);
		else
			fprintf(f, " %9s", "n/a");
		if (i != P_SECRET)
			fprintf(f, " %9.0f %9.0f", d->dmflush / g, d->zapped / g);
		else
			fprintf(f, " %9s %9s", "-", "-");
		fprintf(f, " %7.1f %7.1f %8.1f %4d\n", d->l2 / g, d->l3 / g,
			d->dm4k_kib / 1024.0 / d->n, d->n);
	}
	fprintf(f, "DirectMap at the end: 4k %lld kB, 2M %lld kB, 1G %lld kB\n",
		meminfo_kib("DirectMap4k"), meminfo_kib("DirectMap2M"),
		meminfo_kib("DirectMap1G"));
	for (i = 0; i < NR_P; i++)
		if (dp[i].n && dp[i].dm4k_left_kib)
			fprintf(f, "note: %s: DirectMap4k still %+.1f MiB per rep after free (not merged back)\n",
				dp[i].name, dp[i].dm4k_left_kib / 1024.0 / dp[i].n);
}

/* memfd_secret under the default RLIMIT_MEMLOCK: does touching SIGBUS? */
static void secret_memlock_probe(void)
{
	struct rlimit rl;
	size_t size = 64 << 20, where = 0;
	void *m;
	int fd;

	getrlimit(RLIMIT_MEMLOCK, &rl);
	fd = syscall(__NR_memfd_secret, O_CLOEXEC);
	if (fd < 0) {
		printf("# memfd_secret: %s\n", strerror(errno));
		return;
	}
	if (ftruncate(fd, size) == 0) {
		m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m != MAP_FAILED) {
			if (touch(m, size, &where))
				printf("# memfd_secret, RLIMIT_MEMLOCK %llu: SIGBUS at offset %zu of 64 MiB\n",
				       (unsigned long long)rl.rlim_cur, where);
			else
				printf("# memfd_secret, RLIMIT_MEMLOCK %llu: 64 MiB touched, no SIGBUS\n",
				       (unsigned long long)rl.rlim_cur);
			munmap(m, size);
		}
	}
	close(fd);
	rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		snprintf(dp[P_SECRET].why, WHY_LEN, "setrlimit(RLIMIT_MEMLOCK): %s",
			 strerror(errno));
}

int main(int argc, char **argv)
{
	double warm_gib = 0;
	const char *dir = getenv("TDXGMEM_OUT");
	char path[4096];
	size_t size;
	FILE *f;
	int i, rep;

	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			goto usage;
		if (!strcmp(argv[i], "--gib"))
			opt_gib = atof(argv[++i]);
		else if (!strcmp(argv[i], "--reps"))
			opt_reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--warmup"))
			warm_gib = atof(argv[++i]);
		else
			goto usage;
	}
	if (opt_gib <= 0 || opt_reps < 1 || opt_reps > MAX_REPS)
		goto usage;
	setvbuf(stdout, NULL, _IOLBF, 0);
	tdx_dev = open(TDXGMEM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (warm_gib > 0) {
		double t = now_ms();
		int fd;

		size = (size_t)(warm_gib * SZ_1G) & ~((2UL << 20) - 1);
		fd = tdx_dev < 0 ? -1 : create(P_TDX, size);
		if (fd < 0 || fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, size))
			printf("# warm-up of %g GiB failed: %s\n", warm_gib, strerror(errno));
		else
			printf("# warm-up: %g GiB of guest RAM touched once in %.0f ms (untimed for the benchmarks)\n",
			       warm_gib, now_ms() - t);
		if (fd >= 0)
			close(fd);
		return 0;
	}
	size = (size_t)(opt_gib * SZ_1G) & ~((2UL << 20) - 1);
	if (tdx_dev < 0) {
		snprintf(dp[P_TDX].why, WHY_LEN, "%s: %s", TDXGMEM_DEVICE_PATH, strerror(errno));
		snprintf(dp[P_TDX_NDM].why, WHY_LEN, "%s", dp[P_TDX].why);
	}
	secret_memlock_probe();
	kprobe_setup();
	for (rep = 0; rep <= opt_reps; rep++)
		for (i = 0; i < NR_P; i++)
			if (!dp[i].why[0])
				run_once(i, size, rep == 0);
	kprobe_teardown();
	printf("\n");
	print_table(stdout);
	if (dir) {
		snprintf(path, sizeof(path), "%s/directmap-table.txt", dir);
		f = fopen(path, "w");
		if (f) {
			print_table(f);
			fclose(f);
		}
	}
	return 0;
usage:
	fprintf(stderr, "usage: directmap [--gib N] [--reps R] | --warmup GIB\n");
	return 2;
}
