// SPDX-License-Identifier: GPL-2.0
/*
 * convert: latency and work per call of shared<->private round trips
 * (TDXGMEM_SET_ATTRIBUTES) on tdxgmem files that kvmsim maps at 2 MiB,
 * and the same on upstream guest_memfd (KVM_SET_MEMORY_ATTRIBUTES) where
 * the running kernel offers it on some VM type.
 *
 *   convert [--reps R]
 *
 * Cases, each a call to shared and a call back to private:
 *   4K-in-2M  one 4 KiB page inside a populated all-private 2 MiB chunk
 *             that kvmsim mapped with one 2M entry (a fresh chunk per rep)
 *   2M        a whole such chunk (a fresh chunk per rep)
 *   1G        a 1 GiB file, all populated, every chunk mapped at 2M
 * Conversions zero the pages (TDXGMEM_CONVERT_ZERO, the default).
 * Reported: median latency per call (rep 1 is a warm-up and is dropped),
 * and per-call counts that do not depend on machine speed: kvmsim's
 * split_calls / splits (2M entries demoted) / invalidations and tdxgmem's
 * debugfs splits / invalidations.
 *
 * Runs in the test VM with tdxgmem_kvmsim.ko loaded. Never judges a time;
 * exit 0 unless misused (2). Table also in $TDXGMEM_OUT/convert-table.txt.
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
#include <linux/kvm.h>

#include "bench.h"
#include "uapi/linux/tdxgmem.h"
#include "tests/kvmsim/kvmsim_uapi.h"

#define SZ_4K		4096ULL
#define SZ_2M		(2ULL << 20)
#define SZ_1G		(1ULL << 30)
#define SMALL_CHUNKS	24	/* chunks of the file for the 4K and 2M cases */

#ifndef KVM_CAP_MEMORY_ATTRIBUTES
#define KVM_CAP_MEMORY_ATTRIBUTES	233
struct kvm_memory_attributes {
	__u64 address;
	__u64 size;
	__u64 attributes;
	__u64 flags;
};
#define KVM_SET_MEMORY_ATTRIBUTES	_IOW(KVMIO, 0xd2, struct kvm_memory_attributes)
#define KVM_MEMORY_ATTRIBUTE_PRIVATE	(1ULL << 3)
#endif
#ifndef KVM_CAP_VM_TYPES
#define KVM_CAP_VM_TYPES		235
#endif

static int opt_reps = 7;

struct row {
	const char *name;
	char why[WHY_LEN];
	int n;
	double sh_ms[MAX_REPS], pr_ms[MAX_REPS];
	/* per round trip, summed over timed reps */
	long long k_splitcalls, k_splits, k_inval, t_splits, t_inval;
	long long k_splits_sh, k_inval_sh;	/* to-shared call alone */
};

static struct row rows[] = {
	{ .name = "tdxgmem 4K-in-2M" },
	{ .name = "tdxgmem 2M" },
	{ .name = "tdxgmem 1G" },
	{ .name = "guest_memfd 4K" },
	{ .name = "guest_memfd 2M" },
	{ .name = "guest_memfd 1G" },
};

static int tdx_set(int fd, unsigned long long off, unsigned long long size,
		   int private)
{
	struct tdxgmem_attributes a;

	memset(&a, 0, sizeof(a));
	a.offset = off;
	a.size = size;
	a.attributes = private ? TDXGMEM_ATTR_PRIVATE : 0;
	return ioctl(fd, TDXGMEM_SET_ATTRIBUTES, &a) ? -errno : 0;
}

static int ksim_stats(int vm, struct kvmsim_stats *s)
{
	memset(s, 0, sizeof(*s));
	return ioctl(vm, KVMSIM_STATS, s) ? -errno : 0;
}

static int fault_2m(int vm, unsigned long long gfn)
{
	struct kvmsim_fault f;

	memset(&f, 0, sizeof(f));
	f.gfn = gfn;
	f.level = KVMSIM_LEVEL_2M;
	if (ioctl(vm, KVMSIM_FAULT, &f))
		return -errno;
	return f.level == KVMSIM_LEVEL_2M ? 0 : -EXDEV;
}

static int new_file(int dev, unsigned long long size, unsigned long long base_gfn,
		    int vm, char *why)
{
	struct tdxgmem_create c;
	struct kvmsim_bind b;
	int fd;

	memset(&c, 0, sizeof(c));
	c.size = size;
	c.flags = TDXGMEM_F_MMAP;
	c.huge_page_size_log2 = 21;
	c.numa_node = -1;
	fd = ioctl(dev, TDXGMEM_CREATE, &c);
	if (fd < 0) {
		snprintf(why, WHY_LEN, "TDXGMEM_CREATE: %s", strerror(errno));
		return -1;
	}
	if (fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, size)) {
		snprintf(why, WHY_LEN, "fallocate: %s", strerror(errno));
		close(fd);
		return -1;
	}
	memset(&b, 0, sizeof(b));
	b.fd = fd;
	b.npages = size / SZ_4K;
	b.base_gfn = base_gfn;
	if (ioctl(vm, KVMSIM_BIND, &b)) {
		snprintf(why, WHY_LEN, "KVMSIM_BIND: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * One round trip of [off, off + size) of @fd (bound at gfn @base); the
 * chunks it touches are faulted at 2M first (untimed). Records into @r
 * unless @warm.
 */
static int round_trip(struct row *r, int vm, int fd, unsigned long long base,
		      unsigned long long map_off, unsigned long long map_size,
		      unsigned long long off, unsigned long long size, int warm)
{
	struct kvmsim_stats k0, k1, k2;
	struct stats t0, t2;
	unsigned long long o;
	double a, b, c;
	int e;

	for (o = map_off; o < map_off + map_size; o += SZ_2M) {
		e = fault_2m(vm, base + o / SZ_4K);
		if (e) {
			snprintf(r->why, WHY_LEN, "KVMSIM_FAULT(2M) at %llu: %s",
				 o, e == -EXDEV ? "mapped at 4K" : strerror(-e));
			return e;
		}
	}
	stats_read(&t0);
	ksim_stats(vm, &k0);
	a = now_ms();
	e = tdx_set(fd, off, size, 0);
	b = now_ms();
	if (e) {
		snprintf(r->why, WHY_LEN, "to shared: %s", strerror(-e));
		return e;
	}
	ksim_stats(vm, &k1);	/* not timed */
	c = now_ms();
	e = tdx_set(fd, off, size, 1);
	c = now_ms() - c;
	if (e) {
		snprintf(r->why, WHY_LEN, "back to private: %s", strerror(-e));
		return e;
	}
	ksim_stats(vm, &k2);
	stats_read(&t2);
	printf("# %s rep%s: to shared %.3f ms, to private %.3f ms\n",
	       r->name, warm ? " (warm-up)" : "", b - a, c);
	if (warm)
		return 0;
	r->sh_ms[r->n] = b - a;
	r->pr_ms[r->n] = c;
	r->n++;
	r->k_splitcalls += k2.split_calls - k0.split_calls;
	r->k_splits += k2.splits - k0.splits;
	r->k_inval += k2.invalidations - k0.invalidations;
	r->k_splits_sh += k1.splits - k0.splits;
	r->k_inval_sh += k1.invalidations - k0.invalidations;
	if (stats_get(&t2, "splits") >= 0) {
		r->t_splits += stats_get(&t2, "splits") - stats_get(&t0, "splits");
		r->t_inval += stats_get(&t2, "invalidations") -
			      stats_get(&t0, "invalidations");
	}
	return 0;
}

static void run_tdxgmem(void)
{
	int dev, vm, kdev, fd1 = -1, fd2 = -1, i;
	unsigned long long gfn2 = 1ULL << 20;	/* 4 GiB: away from file 1 */
	char why[WHY_LEN] = "";

	dev = open(TDXGMEM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		snprintf(why, WHY_LEN, "%s: %s", TDXGMEM_DEVICE_PATH, strerror(errno));
		goto out;
	}
	kdev = open(KVMSIM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (kdev < 0) {
		snprintf(why, WHY_LEN, "%s: %s (kvmsim not loaded)",
			 KVMSIM_DEVICE_PATH, strerror(errno));
		goto out;
	}
	vm = ioctl(kdev, KVMSIM_CREATE_VM, NULL);
	close(kdev);
	if (vm < 0) {
		snprintf(why, WHY_LEN, "KVMSIM_CREATE_VM: %s", strerror(errno));
		goto out;
	}
	fd1 = new_file(dev, SMALL_CHUNKS * SZ_2M, 0, vm, why);
	if (fd1 < 0)
		goto out;
	/* chunk i: 4K case for i < SMALL_CHUNKS / 2, 2M case above */
	for (i = 0; i <= opt_reps && i < SMALL_CHUNKS / 2; i++) {
		unsigned long long c4 = i * SZ_2M, c2 = (SMALL_CHUNKS / 2 + i) * SZ_2M;

		if (!rows[0].why[0])
			round_trip(&rows[0], vm, fd1, 0, c4, SZ_2M,
				   c4 + 17 * SZ_4K, SZ_4K, i == 0);
		if (!rows[1].why[0])
			round_trip(&rows[1], vm, fd1, 0, c2, SZ_2M, c2, SZ_2M, i == 0);
	}
	fd2 = new_file(dev, SZ_1G, gfn2, vm, rows[2].why);
	if (fd2 >= 0)
		for (i = 0; i <= opt_reps && !rows[2].why[0]; i++)
			round_trip(&rows[2], vm, fd2, gfn2, 0, SZ_1G, 0, SZ_1G, i == 0);
	i = ioctl(vm, KVMSIM_CHECK, NULL);
	printf("# kvmsim KVMSIM_CHECK: %d violations\n", i);
	close(vm);
out:
	if (why[0])
		for (i = 0; i < 3; i++)
			if (!rows[i].why[0])
				snprintf(rows[i].why, WHY_LEN, "%s", why);
	if (fd1 >= 0)
		close(fd1);
	if (fd2 >= 0)
		close(fd2);
	if (dev >= 0)
		close(dev);
}

/*
 * Upstream: KVM_SET_MEMORY_ATTRIBUTES needs a VM type with private memory
 * (kvm_supported_mem_attributes() in virt/kvm/kvm_main.c). It only flips
 * KVM's attribute xarray: guest_memfd has no in-place conversion, shared
 * memory lives in another mapping (a memslot's userspace_addr).
 */
static void run_gmem(void)
{
	int kvm, vm = -1, types, t, cap, i, j;
	char why[WHY_LEN] = "";
	static const unsigned long long sz[3] = { SZ_4K, SZ_2M, SZ_1G };

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		snprintf(why, WHY_LEN, "/dev/kvm: %s", strerror(errno));
		goto out;
	}
	types = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
	printf("# guest_memfd: KVM_CAP_VM_TYPES = %#x\n", types);
	if (types <= 0)
		types = 1;
	for (t = 0; t < 32; t++) {
		if (!(types & (1 << t)))
			continue;
		vm = ioctl(kvm, KVM_CREATE_VM, t);
		if (vm < 0) {
			printf("# guest_memfd: KVM_CREATE_VM(%d): %s\n", t, strerror(errno));
			continue;
		}
		cap = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MEMORY_ATTRIBUTES);
		printf("# guest_memfd: VM type %d: KVM_CAP_MEMORY_ATTRIBUTES = %d\n",
		       t, cap);
		if (cap > 0 && (cap & KVM_MEMORY_ATTRIBUTE_PRIVATE))
			break;
		close(vm);
		vm = -1;
	}
	if (vm < 0) {
		snprintf(why, WHY_LEN,
			 "no VM type offered here (types %#x) has KVM_CAP_MEMORY_ATTRIBUTES: "
			 "needs kvm_arch_has_private_mem(), i.e. SW_PROTECTED (not built), SNP or TDX",
			 types);
		goto out;
	}
	for (j = 0; j < 3; j++) {
		struct row *r = &rows[3 + j];

		for (i = 0; i <= opt_reps && !r->why[0]; i++) {
			struct kvm_memory_attributes a = { .address = 0, .size = sz[j] };
			double t0, t1, t2;

			a.attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE;
			if (ioctl(vm, KVM_SET_MEMORY_ATTRIBUTES, &a)) {
				snprintf(r->why, WHY_LEN, "to private: %s", strerror(errno));
				break;
			}
			a.attributes = 0;
			t0 = now_ms();
			if (ioctl(vm, KVM_SET_MEMORY_ATTRIBUTES, &a))
				snprintf(r->why, WHY_LEN, "to shared: %s", strerror(errno));
			t1 = now_ms();
			a.attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE;
			if (ioctl(vm, KVM_SET_MEMORY_ATTRIBUTES, &a))
				snprintf(r->why, WHY_LEN, "to private: %s", strerror(errno));
			t2 = now_ms();
			if (i && !r->why[0]) {
				r->sh_ms[r->n] = t1 - t0;
				r->pr_ms[r->n++] = t2 - t1;
			}
		}
	}
	close(vm);
out:
	if (why[0])
		for (i = 3; i < 6; i++)
			snprintf(rows[i].why, WHY_LEN, "%s", why);
	if (kvm >= 0)
		close(kvm);
}

static void per_call(FILE *f, long long v, int n)
{
	fprintf(f, " %8.2f", n ? (double)v / n : 0);
}

static void print_table(FILE *f)
{
	const struct row *ref;
	struct utsname u;
	int i;

	uname(&u);
	fprintf(f, "conversion round trips, kernel %s, median of up to %d reps after 1 warm-up\n",
		u.release, opt_reps);
	fprintf(f, "sh_ms / pr_ms: one call to shared / one call back to private (zeroing);\n"
		   "ratio: round trip / tdxgmem's round trip of the same size; counts per round trip;\n"
		   "ksim_*: kvmsim STATS deltas (split_calls, 2M entries split, invalidate_begin),\n"
		   "tdx_*: /sys/kernel/debug/tdxgmem/stats deltas (splits, invalidations)\n");
	fprintf(f, "%-18s %10s %10s %7s %10s %10s %10s %9s %9s %4s\n", "case", "sh_ms",
		"pr_ms", "ratio", "ksim_splc", "ksim_spl", "ksim_inv", "tdx_spl",
		"tdx_inv", "reps");
	for (i = 0; i < 6; i++) {
		const struct row *r = &rows[i];
		double rt;

		fprintf(f, "%-18s", r->name);
		if (r->why[0] || !r->n) {
			fprintf(f, " n/a (%s)\n", r->why[0] ? r->why : "no result");
			continue;
		}
		rt = median(r->sh_ms, r->n) + median(r->pr_ms, r->n);
		ref = &rows[i % 3];
		fprintf(f, " %10.3f %10.3f", median(r->sh_ms, r->n), median(r->pr_ms, r->n));
		if (ref->n && !ref->why[0])
			fprintf(f, " %7.2f", rt / (median(ref->sh_ms, ref->n) +
						   median(ref->pr_ms, ref->n)));
		else
			fprintf(f, " %7s", "-");
		if (i < 3) {
			per_call(f, r->k_splitcalls, r->n);
			per_call(f, r->k_splits, r->n);
			per_call(f, r->k_inval, r->n);
			fprintf(f, " %9.2f %9.2f", (double)r->t_splits / r->n,
				(double)r->t_inval / r->n);
		} else {
			fprintf(f, " %10s %10s %10s %9s %9s", "-", "-", "-", "-", "-");
		}
		fprintf(f, " %4d\n", r->n);
	}
	for (i = 0; i < 3; i++)
		if (rows[i].n)
			fprintf(f, "note: %s: to-shared call alone: %.2f kvmsim 2M splits, %.2f invalidations\n",
				rows[i].name, (double)rows[i].k_splits_sh / rows[i].n,
				(double)rows[i].k_inval_sh / rows[i].n);
}

int main(int argc, char **argv)
{
	const char *dir = getenv("TDXGMEM_OUT");
	char path[4096];
	FILE *f;
	int i;

	for (i = 1; i < argc; i++) {
		if (i + 1 < argc && !strcmp(argv[i], "--reps"))
			opt_reps = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: convert [--reps R]\n");
			return 2;
		}
	}
	if (opt_reps < 1 || opt_reps >= MAX_REPS || opt_reps >= SMALL_CHUNKS / 2)
		opt_reps = 7;
	setvbuf(stdout, NULL, _IOLBF, 0);
	run_tdxgmem();
	run_gmem();
	printf("\n");
	print_table(stdout);
	if (dir) {
		snprintf(path, sizeof(path), "%s/convert-table.txt", dir);
		f = fopen(path, "w");
		if (f) {
			print_table(f);
			fclose(f);
		}
	}
	return 0;
}
