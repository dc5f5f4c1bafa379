// SPDX-License-Identifier: GPL-2.0
/*
 * getpfn: the cost of one tdxgmem_get_pfn() answer, timed in the kernel by
 * kvmsim (KVMSIM_TIME_PFN: a loop of calls, nothing mapped), for the kinds
 * of answer a consumer's fault gets:
 *   4K         a page of a chunk that cannot be mapped whole (one of its
 *              pages is shared): only that page is checked for poison
 *   2M         a page of a whole private chunk: the answer vouches for the
 *              chunk, whose 512-page poison scan is skipped while no memory
 *              failure has been counted on its node since the last scan
 *   2M-rescan  the same with debugfs poison_scan_always: every answer scans
 *              the 512 pages, as every 2M answer did before the skip
 *   1G         a page of a GiB one 1 GiB range backs (huge_page_size_log2
 *              30), all private: the answer vouches for the whole GiB,
 *              which is looked at again only after the file's state or the
 *              node's memory-failure count changed
 *
 *   getpfn [--reps R] [--loops L]
 *
 * Reported per case: median ns per call over R reps of L calls (one more
 * rep first, as a warm-up, dropped), the spread (min-max), the ratio to the
 * 4K case, and tdxgmem's poison_scans per call (does not depend on the
 * machine's speed). Runs in the test VM with tdxgmem_kvmsim.ko loaded.
 * Never judges a time; exit 0 unless misused (2). Table also in
 * $TDXGMEM_OUT/getpfn-table.txt.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/falloc.h>

#include "bench.h"
#include "uapi/linux/tdxgmem.h"
#include "tests/kvmsim/kvmsim_uapi.h"

#define SZ_4K		4096ULL
#define SZ_2M		(2ULL << 20)
#define PAGES_2M	512ULL
#define GFN0		0x100000ULL
#define GFN1		0x140000ULL	/* 1 GiB aligned */
#define SZ_1G		(1ULL << 30)
#define SCAN_ALWAYS	"/sys/kernel/debug/tdxgmem/poison_scan_always"

static int opt_reps = 7, opt_loops = 20000;

struct row {
	const char *name;
	unsigned long long gfn;
	int rescan;
	int order;
	int n;
	double ns[MAX_REPS];
	long long scans;	/* summed over the timed reps */
};

static struct row rows[] = {
	{ .name = "4K", .gfn = GFN0 + PAGES_2M + 9 },
	{ .name = "2M", .gfn = GFN0 + 9 },
	{ .name = "2M-rescan", .gfn = GFN0 + 9, .rescan = 1 },
	{ .name = "1G", .gfn = GFN1 + 9 },
};
static char why_1g[WHY_LEN];

#define NR_ROWS	(int)(sizeof(rows) / sizeof(rows[0]))

/* Two private chunks bound at GFN0; page 7 of the second one shared. */
static int setup(int *vm, char *why)
{
	struct tdxgmem_create c = { .size = 2 * SZ_2M, .huge_page_size_log2 = 21,
				    .numa_node = -1 };
	struct tdxgmem_attributes a = { .offset = (PAGES_2M + 7) * SZ_4K,
					.size = SZ_4K };
	struct kvmsim_bind b = { .npages = 2 * PAGES_2M, .base_gfn = GFN0 };
	int dev, sim, fd;

	dev = open("/dev/tdxgmem", O_RDWR | O_CLOEXEC);
	sim = open("/dev/tdxgmem_kvmsim", O_RDWR | O_CLOEXEC);
	if (dev < 0 || sim < 0) {
		snprintf(why, WHY_LEN, "%s: %s", dev < 0 ? "/dev/tdxgmem" :
			 "/dev/tdxgmem_kvmsim", strerror(errno));
		return -1;
	}
	*vm = ioctl(sim, KVMSIM_CREATE_VM);
	fd = ioctl(dev, TDXGMEM_CREATE, &c);
	close(sim);
	close(dev);
	if (*vm < 0 || fd < 0) {
		snprintf(why, WHY_LEN, "create: %s", strerror(errno));
		return -1;
	}
	b.fd = fd;
	if (fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, c.size) ||
	    ioctl(fd, TDXGMEM_SET_ATTRIBUTES, &a) || ioctl(*vm, KVMSIM_BIND, &b)) {
		snprintf(why, WHY_LEN, "populate/convert/bind: %s", strerror(errno));
		return -1;
	}
	return fd;
}

/* A private GiB with 1 GiB backing bound at GFN1; why_1g says if not. */
static void setup_1g(int vm)
{
	struct tdxgmem_create c = { .size = SZ_1G, .huge_page_size_log2 = 30,
				    .numa_node = -1 };
	struct kvmsim_bind b = { .npages = SZ_1G / SZ_4K, .base_gfn = GFN1 };
	int dev = open("/dev/tdxgmem", O_RDWR | O_CLOEXEC);

	b.fd = dev < 0 ? -1 : ioctl(dev, TDXGMEM_CREATE, &c);
	if (b.fd < 0 || fallocate(b.fd, FALLOC_FL_KEEP_SIZE, 0, c.size) ||
	    ioctl(vm, KVMSIM_BIND, &b))
		snprintf(why_1g, WHY_LEN, "1 GiB file: %s", strerror(errno));
	if (dev >= 0)
		close(dev);
}

/* One rep of @r; -errno. */
static int rep(struct row *r, int vm, int warm)
{
	struct kvmsim_time_pfn t = { .gfn = r->gfn, .loops = opt_loops };
	struct stats s0, s1;

	if (r->rescan && write_long(SCAN_ALWAYS, 1))
		return -ENOENT;
	stats_read(&s0);
	if (ioctl(vm, KVMSIM_TIME_PFN, &t))
		return -errno;
	stats_read(&s1);
	if (r->rescan)
		write_long(SCAN_ALWAYS, 0);
	r->order = t.max_order;
	printf("# %s rep%s: %.1f ns per call, order %d\n", r->name,
	       warm ? " (warm-up)" : "", (double)t.ns / opt_loops, t.max_order);
	if (warm)
		return 0;
	r->ns[r->n++] = (double)t.ns / opt_loops;
	r->scans += stats_get(&s1, "poison_scans") - stats_get(&s0, "poison_scans");
	return 0;
}

static void print_table(FILE *f, const char *why)
{
	double ref = rows[0].n ? median(rows[0].ns, rows[0].n) : 0;
	struct utsname u;
	int i, j;

	uname(&u);
	fprintf(f, "tdxgmem_get_pfn() per answer, kernel %s, %d calls per rep, median of %d reps after 1 warm-up\n",
		u.release, opt_loops, opt_reps);
	fprintf(f, "ns: median (min-max) per call; ratio: to the 4K answer; scans: poison_scans per call\n");
	fprintf(f, "%-10s %6s %10s %21s %7s %7s %4s\n", "case", "order", "ns",
		"spread", "ratio", "scans", "reps");
	for (i = 0; i < NR_ROWS; i++) {
		const struct row *r = &rows[i];
		double lo, hi;

		fprintf(f, "%-10s", r->name);
		if (!why[0] && r->gfn == rows[NR_ROWS - 1].gfn && why_1g[0])
			why = why_1g;
		if (why[0] || !r->n) {
			fprintf(f, " n/a (%s)\n", why[0] ? why : "no result");
			continue;
		}
		lo = hi = r->ns[0];
		for (j = 1; j < r->n; j++) {
			lo = r->ns[j] < lo ? r->ns[j] : lo;
			hi = r->ns[j] > hi ? r->ns[j] : hi;
		}
		fprintf(f, " %6d %10.1f %10.1f-%-10.1f %7.2f %7.3f %4d\n",
			r->order, median(r->ns, r->n), lo, hi,
			ref ? median(r->ns, r->n) / ref : 0,
			(double)r->scans / ((double)r->n * opt_loops), r->n);
	}
}

int main(int argc, char **argv)
{
	const char *dir = getenv("TDXGMEM_OUT");
	char why[WHY_LEN] = "", path[512];
	int i, j, vm = -1, fd;
	FILE *f;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			opt_reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--loops") && i + 1 < argc)
			opt_loops = atoi(argv[++i]);
		else
			goto usage;
	}
	if (opt_reps < 1 || opt_reps >= MAX_REPS || opt_loops < 1 ||
	    opt_loops > 1000000)
		goto usage;
	fd = setup(&vm, why);
	if (fd >= 0)
		setup_1g(vm);
	for (i = 0; fd >= 0 && i < NR_ROWS; i++) {
		if (i == NR_ROWS - 1 && why_1g[0])
			break;
		for (j = 0; j <= opt_reps; j++) {
			int e = rep(&rows[i], vm, !j);

			if (e) {
				snprintf(why, WHY_LEN, "%s: KVMSIM_TIME_PFN: %s",
					 rows[i].name, strerror(-e));
				break;
			}
		}
	}
	print_table(stdout, why);
	if (dir) {
		snprintf(path, sizeof(path), "%s/getpfn-table.txt", dir);
		f = fopen(path, "w");
		if (f) {
			print_table(f, why);
			fclose(f);
		}
	}
	return 0;
usage:
	fprintf(stderr, "usage: getpfn [--reps R (1-%d)] [--loops L (1-1000000)]\n",
		MAX_REPS - 1);
	return 2;
}
