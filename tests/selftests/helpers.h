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

/* Read one counter of /sys/kernel/debug/tdxgmem/stats; -1 if absent. */
static inline long long tdxgmem_stat(const char *name)
{
	FILE *f = fopen("/sys/kernel/debug/tdxgmem/stats", "r");
	char key[64];
	long long v, r = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &v) == 2)
		if (!strcmp(key, name))
			r = v;
	fclose(f);
	return r;
}

#endif
