/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by the tdxgmem selftests. */
#ifndef TDXGMEM_SELFTEST_HELPERS_H
#define TDXGMEM_SELFTEST_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "uapi/linux/tdxgmem.h"

#define SZ_4K	(4096ULL)
#define SZ_2M	(2ULL << 20)
#define SZ_1G	(1ULL << 30)

static inline int tdxgmem_open_dev(void)
{
	return open(TDXGMEM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
}

/* ioctl() that returns -errno on failure, the result otherwise. */
static inline long xioctl(int fd, unsigned long cmd, void *arg)
{
	long r = ioctl(fd, cmd, arg);

	return r < 0 ? -errno : r;
}

/* TDXGMEM_GET_CAPS into @caps, all zero on failure: 0 or -errno. */
static inline int tdxgmem_caps(struct tdxgmem_caps *caps)
{
	int dev = tdxgmem_open_dev(), r;

	memset(caps, 0, sizeof(*caps));
	if (dev < 0)
		return -errno;
	r = xioctl(dev, TDXGMEM_GET_CAPS, caps);
	close(dev);
	if (r)
		memset(caps, 0, sizeof(*caps));
	return r;
}

/* Create a file; returns the fd or -errno. */
static inline int tdxgmem_create(int dev, unsigned long long size,
				 unsigned long long flags, int size_log2)
{
	struct tdxgmem_create c = {
		.size = size,
		.flags = flags,
		.huge_page_size_log2 = size_log2,
		.numa_node = -1,
	};

	return xioctl(dev, TDXGMEM_CREATE, &c);
}

/*
 * Value of @key in a file of "key value" lines: /proc/vmstat, tdxgmem's
 * debugfs stats, or /proc/meminfo with its "Key:" spelling; -1 if absent.
 */
static inline long long kv_read(const char *path, const char *key)
{
	FILE *f = fopen(path, "r");
	size_t n = strlen(key);
	char line[256], k[64];
	long long v, r = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld", k, &v) == 2 && !strncmp(k, key, n) &&
		    (!k[n] || (k[n] == ':' && !k[n + 1])))
			r = v;
	fclose(f);
	return r;
}

/* One counter of /sys/kernel/debug/tdxgmem/stats; -1 if absent. */
static inline long long tdxgmem_stat(const char *name)
{
	return kv_read("/sys/kernel/debug/tdxgmem/stats", name);
}

static inline long long vmstat(const char *key)
{
	return kv_read("/proc/vmstat", key);
}

static inline long long meminfo_kb(const char *key)
{
	return kv_read("/proc/meminfo", key);
}

/* A new tdxgmem file (numa_node -1), or -errno. */
static inline int newfile(unsigned long long size, unsigned long long flags,
			  int log2)
{
	int dev = tdxgmem_open_dev();
	int fd;

	if (dev < 0)
		return -errno;
	fd = tdxgmem_create(dev, size, flags, log2);
	close(dev);
	return fd;
}

/*
 * TDXGMEM_SET_ATTRIBUTES on pages [@pg, @pg + @npages); *@err_pg (if not
 * NULL) gets error_offset in pages. Returns 0 or -errno.
 */
static inline int tdxgmem_convert_pages(int fd, unsigned long long pg,
					unsigned long long npages,
					unsigned long long attrs,
					unsigned long long flags,
					unsigned long long *err_pg)
{
	struct tdxgmem_attributes a = {
		.offset = pg * SZ_4K, .size = npages * SZ_4K,
		.attributes = attrs, .flags = flags,
	};
	int r = xioctl(fd, TDXGMEM_SET_ATTRIBUTES, &a);

	if (err_pg)
		*err_pg = a.error_offset / SZ_4K;
	return r;
}

/* fallocate() that returns -errno on failure, 0 otherwise. */
static inline int xfallocate(int fd, int mode, unsigned long long off,
			     unsigned long long len)
{
	return fallocate(fd, mode, off, len) ? -errno : 0;
}

/*
 * TDXGMEM_QUERY of [off, off + size) into ext[cap]; returns 0 or -errno,
 * *nr = extents filled, *next = next_offset (either may be NULL).
 */
static inline int tdxgmem_query(int fd, unsigned long long off,
				unsigned long long size,
				struct tdxgmem_extent *ext, unsigned int cap,
				unsigned int *nr, unsigned long long *next)
{
	struct tdxgmem_query q = {
		.offset = off,
		.size = size,
		.extents = (unsigned long long)(unsigned long)ext,
		.nr_extents = cap,
	};
	int r = xioctl(fd, TDXGMEM_QUERY, &q);

	if (nr)
		*nr = q.nr_extents;
	if (next)
		*next = q.next_offset;
	return r;
}

/*
 * 4 KiB pages that files hold, quarantined ones aside: those are never
 * freed and stay in the "pages" count (which mem_limit_pct reads) even
 * after their file is closed; "quarantined" counts them.
 */
static inline long long tdxgmem_pages(void)
{
	return tdxgmem_stat("pages") - tdxgmem_stat("quarantined");
}

/* Leak check for the end of a test binary: no file, no page left. */
static inline int tdxgmem_no_leaks(void)
{
	return tdxgmem_stat("files") == 0 && tdxgmem_pages() == 0;
}

/* pfn of the page mapped at @addr, from /proc/self/pagemap (root); 0 if none. */
static inline unsigned long long pagemap_pfn(void *addr)
{
	unsigned long long e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (unsigned long)addr / SZ_4K * sizeof(e)) != sizeof(e))
		e = 0;
	close(fd);
	return (e >> 63) & 1 ? e & ((1ULL << 55) - 1) : 0;
}

/*
 * Field @key ("VmFlags", "Locked", "Rss", ...) of the /proc/self/smaps
 * entry of the VMA holding @addr, copied to @out; 0, or -1 if absent.
 */
static inline int smaps_field(void *addr, const char *key, char *out,
			      size_t len)
{
	unsigned long a = (unsigned long)addr, lo, hi;
	FILE *f = fopen("/proc/self/smaps", "r");
	size_t n = strlen(key);
	char line[512];
	int in = 0, r = -1;

	if (!f)
		return -1;
	while (r && fgets(line, sizeof(line), f)) {
		/* "lo-hi perms ..." opens a VMA; "Key: value" lines follow. */
		if (line[strspn(line, "0123456789abcdef")] == '-' &&
		    sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = a >= lo && a < hi;
		else if (in && !strncmp(line, key, n) && line[n] == ':') {
			snprintf(out, len, "%s", line + n + 1 + strspn(line + n + 1, " \t"));
			out[strcspn(out, "\n")] = '\0';
			r = 0;
		}
	}
	fclose(f);
	return r;
}

/* Does the VMA at @addr have VmFlags mnemonic @flag ("lo", "mm", ...)? */
static inline int vma_has_flag(void *addr, const char *flag)
{
	char flags[256], *t, *save;

	if (smaps_field(addr, "VmFlags", flags, sizeof(flags)))
		return -1;
	for (t = strtok_r(flags, " ", &save); t; t = strtok_r(NULL, " ", &save))
		if (!strcmp(t, flag))
			return 1;
	return 0;
}

/* A kB field of the smaps entry at @addr, or -1. */
static inline long long smaps_kb(void *addr, const char *key)
{
	char v[64];

	return smaps_field(addr, key, v, sizeof(v)) ? -1 : atoll(v);
}

/* Write @s to the file @path (sysfs, cgroupfs): 0 or -errno. */
static inline int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), r;

	if (fd < 0)
		return -errno;
	r = write(fd, s, strlen(s)) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* The number the file @path holds, or -1. */
static inline long long read_ll(const char *path)
{
	char buf[64] = {};
	int fd = open(path, O_RDONLY);
	long long v = -1;

	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) > 0)
		v = atoll(buf);
	close(fd);
	return v;
}

#define CGROUP_ROOT	"/sys/fs/cgroup"

/* Move the calling process into cgroup @cg ("" for the root): 0 or -errno. */
static inline int cgroup_enter(const char *cg)
{
	char path[128], pid[32];

	snprintf(path, sizeof(path), "%s%s/cgroup.procs", CGROUP_ROOT, cg);
	snprintf(pid, sizeof(pid), "%d", getpid());
	return write_str(path, pid);
}

#define TDXGMEM_PARAMS	"/sys/module/tdxgmem/parameters/"

/* Module parameter @name (a number) of tdxgmem; -1 if absent. */
static inline long long tdxgmem_param(const char *name)
{
	char path[128], buf[32] = "";
	int fd;

	snprintf(path, sizeof(path), TDXGMEM_PARAMS "%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) <= 0)
		buf[0] = '\0';
	close(fd);
	return buf[0] ? atoll(buf) : -1;
}

/* Set tdxgmem's module parameter @name to @v: 0 or -errno. */
static inline int tdxgmem_set_param(const char *name, long long v)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), TDXGMEM_PARAMS "%s", name);
	snprintf(buf, sizeof(buf), "%lld", v);
	return write_str(path, buf);
}

/*
 * Give every block of tdxgmem's pool of freed 2 MiB blocks back to the
 * page allocator: pool_max_pct 0 releases them all, then the old cap goes
 * back (the pool fills again only from blocks freed later). For tests
 * that compare free memory with a baseline. 0 (also where the module has
 * no pool), or -errno.
 */
static inline int tdxgmem_pool_release(void)
{
	long long pct = tdxgmem_param("pool_max_pct");
	int r;

	if (pct < 0)
		return 0;
	r = tdxgmem_set_param("pool_max_pct", 0);
	if (pct)
		r = tdxgmem_set_param("pool_max_pct", pct) ?: r;
	return r;
}

/* Touch *p in a child; the signal that killed it, 0 if none, -1 on error. */
static inline int touch_sig(volatile void *p, int write)
{
	volatile unsigned char *c = p;
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (write)
			*c = 1;
		else
			(void)*c;
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

/* The id of tdxgmem file @fd, from its fdinfo; 0 if none. */
static inline unsigned long long tdxgmem_file_id(int fd)
{
	unsigned long long id = 0;
	char path[64], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "tdxgmem_id: %llu", &id) == 1)
			break;
	fclose(f);
	return id;
}

#endif
