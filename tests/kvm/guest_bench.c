// SPDX-License-Identifier: GPL-2.0
/*
 * The nested guest on each memory backend, side by side in one boot
 * (a benchmark: it measures, it asserts nothing on time):
 *   start     VM creation, the region's memslot and KVM_RUN up to the
 *             guest's first report (its first instruction), host clock;
 *   touch     the guest's first write to every 4 KiB page of the region,
 *             guest TSC;
 *   convert   KVM_HC_MAP_GPA_RANGE for a populated 4 KiB page and a 2 MiB
 *             chunk, to shared and back, as the guest sees it (hypercall,
 *             the VMM converts, the guest resumes), guest TSC;
 *   pages     KVM's pages_4k / pages_2m after the touch (binary stats).
 * Every figure is the median over the repetitions (a fresh VM each) with
 * its min and max; with several backends, each one's medians are also
 * given as ratios to the first backend's.
 *
 *   guest_bench [-b gmem[,tdxgmem...]] [-m MIB] [-r REPS]
 */
#include <errno.h>
#include <getopt.h>
#include <linux/kvm_para.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"		/* tests/bench: now_ms(), median(), MAX_REPS */
#include "mem.h"
#include "vmm.h"

#define DATA_GPA	(1ULL << 30)
#define SZ_2M		(2ULL << 20)
#define MAX_BACKENDS	4

enum metric {
	M_START, M_TOUCH, M_4K_SHARED, M_4K_PRIVATE, M_2M_SHARED, M_2M_PRIVATE,
	M_PAGES_4K, M_PAGES_2M, NR_METRICS
};

static const char *const metric_name[NR_METRICS] = {
	[M_START] = "start to first instruction (ms)",
	[M_TOUCH] = "guest touches all memory (ms)",
	[M_4K_SHARED] = "4 KiB to shared, round trip (us)",
	[M_4K_PRIVATE] = "4 KiB to private, round trip (us)",
	[M_2M_SHARED] = "2 MiB to shared, round trip (us)",
	[M_2M_PRIVATE] = "2 MiB to private, round trip (us)",
	[M_PAGES_4K] = "pages_4k after the touch",
	[M_PAGES_2M] = "pages_2m after the touch",
};

struct result {
	const char *backend;
	char why[VMM_ERR_LEN];		/* non-empty: not measured */
	int nrep;
	double v[NR_METRICS][MAX_REPS];
};

/* The hypercall command's guest TSC time in microseconds; < 0 on failure. */
static double convert_us(struct vmm *vm, uint64_t gpa, uint64_t size, bool private)
{
	struct guest_cmd c = {
		GUEST_OP_MAP_GPA, gpa, size / 4096,
		private ? KVM_MAP_GPA_RANGE_ENCRYPTED : KVM_MAP_GPA_RANGE_DECRYPTED, 0,
	};
	struct guest_res res;

	if (vmm_cmd(vm, &c, &res))
		return -1;
	if (res.r0) {
		vmm_fail(vm, EIO, "the VMM refused the conversion: %lld", (long long)res.r0);
		return -1;
	}
	return vmm_tsc_ns(vm, res.tsc) / 1e3;
}

/* One repetition into r->v[*][rep]; 0 or -1 with r->why set. */
static int one_rep(struct result *r, const struct vmm_mem_ops *ops, uint64_t size,
		   int rep)
{
	struct guest_cmd touch = { GUEST_OP_TOUCH, DATA_GPA, size, 0, GUEST_F_WRITE };
	const uint64_t page = DATA_GPA + SZ_2M + 4096, chunk = DATA_GPA + 2 * SZ_2M;
	struct guest_res res;
	struct vmm_mem *m;
	int64_t k4, m2;
	struct vmm *vm;
	double t0 = now_ms(), *v;
	int i;

	vm = vmm_create(KVM_X86_SW_PROTECTED_VM, r->why, sizeof(r->why));
	if (!vm)
		return -1;
	m = vmm_mem_new(vm, ops, size);
	if (!m || vmm_mem_map(m, DATA_GPA, 0, size) || vmm_start(vm))
		goto fail;
	r->v[M_START][rep] = now_ms() - t0;
	k4 = vmm_stat(vm, "pages_4k");
	m2 = vmm_stat(vm, "pages_2m");
	if (k4 < 0 || m2 < 0 || vmm_cmd(vm, &touch, &res))
		goto fail;
	r->v[M_TOUCH][rep] = vmm_tsc_ns(vm, res.tsc) / 1e6;
	r->v[M_PAGES_4K][rep] = vmm_stat(vm, "pages_4k") - k4;
	r->v[M_PAGES_2M][rep] = vmm_stat(vm, "pages_2m") - m2;
	for (i = M_4K_SHARED; i <= M_2M_PRIVATE; i++) {
		bool big = i >= M_2M_SHARED, private = i == M_4K_PRIVATE || i == M_2M_PRIVATE;

		v = &r->v[i][rep];
		*v = convert_us(vm, big ? chunk : page, big ? SZ_2M : 4096, private);
		if (*v < 0)
			goto fail;
	}
	vmm_destroy(vm);
	return 0;
fail:
	snprintf(r->why, sizeof(r->why), "%s", vm->err);
	vmm_destroy(vm);
	return -1;
}

static void minmax(const double *v, int n, double *lo, double *hi)
{
	int i;

	*lo = *hi = v[0];
	for (i = 1; i < n; i++) {
		*lo = v[i] < *lo ? v[i] : *lo;
		*hi = v[i] > *hi ? v[i] : *hi;
	}
}

static void print_table(const struct result *res, int nres, uint64_t size, int reps)
{
	int i, b;

	printf("# guest_bench: %llu MiB of guest memory, %d repetitions, nested KVM (SW_PROTECTED VM)\n",
	       (unsigned long long)(size >> 20), reps);
	printf("# median (min..max) per backend");
	if (nres > 1)
		printf("; ratios are medians over %s's", res[0].backend);
	printf("\n%-36s", "metric");
	for (b = 0; b < nres; b++)
		printf(" %28s", res[b].backend);
	for (b = 1; b < nres; b++)
		printf(" %10s/%s", res[b].backend, res[0].backend);
	printf("\n");
	for (i = 0; i < NR_METRICS; i++) {
		printf("%-36s", metric_name[i]);
		for (b = 0; b < nres; b++) {
			double lo, hi;
			char cell[64];

			if (res[b].why[0]) {
				printf(" %28s", "n/a");
				continue;
			}
			minmax(res[b].v[i], res[b].nrep, &lo, &hi);
			snprintf(cell, sizeof(cell), "%.1f (%.1f..%.1f)",
				 median(res[b].v[i], res[b].nrep), lo, hi);
			printf(" %28s", cell);
		}
		for (b = 1; b < nres; b++) {
			double base = median(res[0].v[i], res[0].nrep);

			if (res[0].why[0] || res[b].why[0] || base == 0)
				printf(" %18s", "n/a");
			else
				printf(" %18.2f", median(res[b].v[i], res[b].nrep) / base);
		}
		printf("\n");
	}
	for (b = 0; b < nres; b++)
		if (res[b].why[0])
			printf("# %s: n/a: %s\n", res[b].backend, res[b].why);
}

int main(int argc, char **argv)
{
	static struct result res[MAX_BACKENDS];
	char *list = "gmem", *name, *save = NULL;
	uint64_t size = 128ULL << 20;
	int reps = 5, nres = 0, b, rep, c, failed = 0;

	while ((c = getopt(argc, argv, "b:m:r:")) != -1) {
		switch (c) {
		case 'b':
			list = optarg;
			break;
		case 'm':
			size = strtoull(optarg, NULL, 0) << 20;
			break;
		case 'r':
			reps = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (reps < 1 || reps > MAX_REPS || size < 4 * SZ_2M)
		goto usage;
	for (name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		if (nres == MAX_BACKENDS || !vmm_mem_backend(name))
			goto usage;
		res[nres++].backend = name;
	}
	if (vmm_keep_static_keys())
		fprintf(stderr, "cannot keep an idle VM: %s\n", strerror(errno));
	/* Repetitions interleave the backends, so drift hits them alike. */
	for (rep = 0; rep < reps; rep++) {
		for (b = 0; b < nres; b++) {
			if (res[b].why[0])
				continue;
			if (one_rep(&res[b], vmm_mem_backend(res[b].backend), size, rep))
				failed |= !strstr(res[b].why, "not written yet");
			else
				res[b].nrep++;
		}
	}
	print_table(res, nres, size, reps);
	return failed;
usage:
	fprintf(stderr, "usage: %s [-b BACKEND[,BACKEND...]] [-m MIB >= 8] [-r REPS <= %d]\n"
		"backends: %s\n", argv[0], MAX_REPS, vmm_mem_backends());
	return 2;
}
