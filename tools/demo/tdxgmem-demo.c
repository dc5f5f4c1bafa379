// SPDX-License-Identifier: GPL-2.0
/*
 * tdxgmem-demo: what a VMM does with /dev/tdxgmem, step by step.
 * Prints the capabilities, creates a 64 MiB file, allocates its backing,
 * uses shared pages through mmap and shows the huge-page tracking.
 *
 *   tdxgmem-demo [-- COMMAND [ARGS...]]
 *
 * COMMAND runs at the end, while the file is still open (the demo shows
 * it through tdxgmemctl that way).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tools/demo/run.h"
#include "uapi/linux/tdxgmem.h"

#define MiB (1ULL << 20)

static const char *dm_name(__u32 mode)
{
	switch (mode) {
	case TDXGMEM_DIRECTMAP_EXPORTED: return "exported";
	case TDXGMEM_DIRECTMAP_RESOLVED: return "resolved";
	default: return "none";
	}
}

/* "4K", "2M", "1G" for a log2 size; "-" for none. */
static const char *size_name(__u8 log2)
{
	switch (log2) {
	case 12: return "4K";
	case 21: return "2M";
	case 30: return "1G";
	default: return "-";
	}
}

static void show_extents(int fd, __u64 size)
{
	struct tdxgmem_extent ext[16];
	struct tdxgmem_query q = {
		.offset = 0, .size = size,
		.extents = (__u64)(unsigned long)ext, .nr_extents = 16,
	};

	if (ioctl(fd, TDXGMEM_QUERY, &q)) {
		printf("  TDXGMEM_QUERY: %s\n", strerror(errno));
		return;
	}
	for (__u32 i = 0; i < q.nr_extents; i++)
		printf("  [%#10llx, +%#10llx) %-7s %-11s backing %-4s map %s\n",
		       (unsigned long long)ext[i].offset,
		       (unsigned long long)ext[i].size,
		       ext[i].state & TDXGMEM_STATE_PRIVATE ? "private" : "shared",
		       ext[i].state & TDXGMEM_STATE_POPULATED ? "populated" : "unpopulated",
		       size_name(ext[i].backing_log2), size_name(ext[i].map_log2));
}

int main(int argc, char **argv)
{
	struct tdxgmem_caps caps = {};
	struct tdxgmem_create c = {
		.size = 64 * MiB, .flags = TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED,
		.numa_node = -1,
	};
	struct stat st;
	char *p;
	int dev, fd;

	if (argc > 1 && (strcmp(argv[1], "--") || argc < 3)) {
		fprintf(stderr, "usage: tdxgmem-demo [-- COMMAND [ARGS...]]\n");
		return 2;
	}
	dev = open(TDXGMEM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		perror(TDXGMEM_DEVICE_PATH);
		return 1;
	}
	if (ioctl(dev, TDXGMEM_GET_CAPS, &caps)) {
		perror("TDXGMEM_GET_CAPS");
		return 1;
	}
	printf("tdxgmem api %u: flags %#llx, page sizes %#llx, direct map %s, max file %llu MiB\n",
	       caps.api_version, (unsigned long long)caps.supported_flags,
	       (unsigned long long)caps.page_sizes, dm_name(caps.directmap_mode),
	       (unsigned long long)(caps.max_file_size / MiB));

	fd = ioctl(dev, TDXGMEM_CREATE, &c);
	if (fd < 0) {
		printf("TDXGMEM_CREATE: %s\n", strerror(errno));
		return errno == EOPNOTSUPP ? 0 : 1;
	}
	fstat(fd, &st);
	printf("created fd %d: %lld bytes, blksize %ld\n", fd, (long long)st.st_size,
	       (long)st.st_blksize);

	if (fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 64 * MiB)) {
		perror("fallocate");
		return 1;
	}
	p = mmap(NULL, 64 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	strcpy(p + 3 * MiB, "hello from a shared tdxgmem page");
	printf("wrote and read back: \"%s\"\n", p + 3 * MiB);
	munmap(p, 64 * MiB);

	printf("extents after populating 64 MiB (all shared):\n");
	show_extents(fd, 64 * MiB);

	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4 * MiB, 4096) == 0) {
		printf("extents after punching one 4 KiB page at 4 MiB:\n");
		show_extents(fd, 8 * MiB);
	}

	/* In-place conversion: a guest accepts [2 MiB, 4 MiB) as private. */
	struct tdxgmem_attributes a = {
		.offset = 2 * MiB, .size = 2 * MiB, .attributes = TDXGMEM_ATTR_PRIVATE,
	};

	if (ioctl(fd, TDXGMEM_SET_ATTRIBUTES, &a)) {
		perror("TDXGMEM_SET_ATTRIBUTES");
		return 1;
	}
	printf("after converting [2 MiB, 4 MiB) to private (KVM may map it at 2 MiB):\n");
	show_extents(fd, 8 * MiB);
	if (argc > 2 && !strcmp(argv[1], "--")) {
		printf("\n$");
		for (int i = 2; i < argc; i++)
			printf(" %s", argv[i]);
		printf("\n");
		if (demo_run(argv + 2))
			return 1;
	}
	close(fd);
	close(dev);
	return 0;
}
