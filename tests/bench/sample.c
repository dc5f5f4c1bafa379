// SPDX-License-Identifier: GPL-2.0
/*
 * Clocks, /proc/meminfo, sysctl files and tdxgmem's debugfs counters.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define STATS_PATH	"/sys/kernel/debug/tdxgmem/stats"

double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A "Key: value kB" (or plain count) line of /proc/meminfo; -1 if absent. */
long long meminfo_kib(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	size_t klen = strlen(key);
	long long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			sscanf(line + klen + 1, "%lld", &v);
			break;
		}
	}
	fclose(f);
	return v;
}

/*
 * Memory taken from the free pool, in KiB: hugetlb pool pages are not in
 * MemFree, so count free pool pages as free too.
 */
long long mem_in_use_kib(void)
{
	long long free_kib = meminfo_kib("MemFree");
	long long hp_free = meminfo_kib("HugePages_Free");
	long long hp_kib = meminfo_kib("Hugepagesize");

	if (hp_free > 0 && hp_kib > 0)
		free_kib += hp_free * hp_kib;
	return -free_kib;
}

/*
 * Wait (untimed, at most ~3 s) until MemFree stops moving, so frees that
 * land late (per-CPU lists, deferred work) do not blur the next memdrop.
 */
void mem_settle(void)
{
	long long a = mem_in_use_kib(), b;
	int i;

	for (i = 0; i < 12; i++) {
		usleep(250 * 1000);
		b = mem_in_use_kib();
		if (llabs(b - a) < 8192)
			return;
		a = b;
	}
}

int stats_read(struct stats *s)
{
	FILE *f = fopen(STATS_PATH, "r");

	s->n = 0;
	if (!f)
		return -1;
	while (s->n < MAX_STATS &&
	       fscanf(f, "%47s %lld", s->name[s->n], &s->val[s->n]) == 2)
		s->n++;
	fclose(f);
	return 0;
}

long long stats_get(const struct stats *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return s->val[i];
	return -1;
}

/* d = b - a, over the names present in b. */
void stats_delta(struct stats *d, const struct stats *a, const struct stats *b)
{
	long long old;
	int i;

	d->n = b->n;
	for (i = 0; i < b->n; i++) {
		strcpy(d->name[i], b->name[i]);
		old = stats_get(a, b->name[i]);
		d->val[i] = b->val[i] - (old < 0 ? 0 : old);
	}
}

long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

int write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int bad;

	if (!f)
		return -1;
	bad = fprintf(f, "%ld\n", v) < 0;
	return (fclose(f) || bad) ? -1 : 0;
}

void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	snprintf(buf, len, "?");
	if (!f)
		return;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of @n (<= MAX_REPS) samples; @v is left as it was. */
double median(const double *v, int n)
{
	double s[MAX_REPS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* @fd (from a create call) truncated to @size; -errno, closing it, on error. */
int sized_fd(int fd, size_t size)
{
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size)) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}
