/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Populate/teardown benchmark of tdxgmem against its peers (shmem memfd,
 * memfd_secret, hugetlbfs memfd, upstream guest_memfd). See populate.c.
 */
#ifndef TDXGMEM_BENCH_H
#define TDXGMEM_BENCH_H

#include <stddef.h>

#define MAX_REPS	16
#define MAX_STATS	32
#define WHY_LEN		160

/* One snapshot of /sys/kernel/debug/tdxgmem/stats: whatever lines exist. */
struct stats {
	int n;
	char name[MAX_STATS][48];
	long long val[MAX_STATS];
};

struct peer {
	const char *name;
	const char *method;	/* how it is populated and torn down */
	const char *create_op;	/* names for error messages */
	const char *populate_op;
	int is_tdxgmem;
	int no_pool;		/* tdxgmem with pool_max_pct 0 */
	int huge_log2;		/* tdxgmem and hugetlb: page size, log2 */

	/* Untimed, once per run; return 0 or -errno and set @why. */
	int (*prepare)(struct peer *p, size_t size);
	/* Untimed; returns a file descriptor or -errno. */
	int (*create)(struct peer *p, size_t size);
	/* Timed; return 0 or -errno. */
	int (*populate)(struct peer *p, int fd, size_t size);
	int (*teardown)(struct peer *p, int fd, size_t size);
	void (*finish)(struct peer *p);

	/* State of the peer's implementation. */
	int aux_fd;		/* /dev/tdxgmem or the KVM VM */
	int kvm_fd;
	void *map;
	long saved;		/* hugetlb: nr_hugepages before the run */

	/* Results. */
	char why[WHY_LEN];	/* non-empty: n/a */
	char note[WHY_LEN];	/* printed under the table */
	int nrep;
	double pop_ms[MAX_REPS];
	double td_ms[MAX_REPS];
	double drop_mib[MAX_REPS];	/* MemFree drop over populate */
	struct stats delta;	/* tdxgmem counters over one populate */
	struct stats td_delta;	/* ... and over its teardown */
};

extern struct peer peers[];
extern const int nr_peers;

/* sample.c */
double now_ms(void);
long long meminfo_kib(const char *key);
long long mem_in_use_kib(void);
void mem_settle(void);
int stats_read(struct stats *s);
void stats_delta(struct stats *d, const struct stats *a, const struct stats *b);
long long stats_get(const struct stats *s, const char *name);
/* tdxgmem's module parameter: % of RAM its pool of freed blocks may hold. */
#define POOL_PCT "/sys/module/tdxgmem/parameters/pool_max_pct"

long read_long(const char *path);
int write_long(const char *path, long v);
void read_line(const char *path, char *buf, size_t len);
double median(const double *v, int n);
int sized_fd(int fd, size_t size);

#endif
