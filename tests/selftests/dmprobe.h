/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the direct-map selftests: the tdxgmem_dmprobe test module's
 * debugfs protocol and the direct-map mode tdxgmem reports.
 */
#ifndef TDXGMEM_SELFTEST_DMPROBE_H
#define TDXGMEM_SELFTEST_DMPROBE_H

#include "helpers.h"

#define DMPROBE_DIR	"/sys/kernel/debug/tdxgmem_dmprobe/"

/* Probe pfn: 1 readable, 0 unreadable, -errno; *level, *word if given. */
static inline int probe(unsigned long pfn, int *level, unsigned long long *word)
{
	char buf[128], state[32];
	unsigned long p;
	unsigned long long w;
	int fd, n, lvl;

	fd = open(DMPROBE_DIR "probe", O_RDWR);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%lu", pfn);
	if (write(fd, buf, n) != n) {
		close(fd);
		return -errno;
	}
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	if (sscanf(buf, "%lu %31s level %d word %llx", &p, state, &lvl, &w) != 4 ||
	    p != pfn)
		return -EIO;
	if (level)
		*level = lvl;
	if (word)
		*word = w;
	return !strcmp(state, "readable");
}

static inline unsigned int caps_mode(void)
{
	struct tdxgmem_caps caps = {};
	int dev = tdxgmem_open_dev();

	if (dev < 0 || xioctl(dev, TDXGMEM_GET_CAPS, &caps))
		caps.directmap_mode = ~0U;
	if (dev >= 0)
		close(dev);
	return caps.directmap_mode;
}

/* Write @n to a knob of /sys/kernel/debug/tdxgmem/; 0 or -errno. */
static inline int tdxgmem_knob(const char *name, int n)
{
	char path[128], buf[16];
	int fd, r;

	snprintf(path, sizeof(path), "/sys/kernel/debug/tdxgmem/%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	snprintf(buf, sizeof(buf), "%d", n);
	r = write(fd, buf, strlen(buf)) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/*
 * Fault injection: after @skip direct-map changes that go through, the
 * next @n fail as a CPA failure would (a zap's rollback is a change too).
 */
static inline int fail_directmap(int skip, int n)
{
	int r = tdxgmem_knob("fail_directmap_skip", skip);

	return r ? r : tdxgmem_knob("fail_directmap", n);
}

/* 1 readable through the direct map, 0 not, -errno. */
static inline int probe_readable(unsigned long long pfn)
{
	return probe(pfn, NULL, NULL);
}

#endif
