// SPDX-License-Identifier: GPL-2.0
/*
 * The memory providers being compared. Each one creates a file of the
 * requested size (untimed), populates all of it (timed) and tears it
 * down (timed).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <linux/kvm.h>
#include <linux/memfd.h>

#include "bench.h"
#include "tests/kvmsim/kvmsim_uapi.h"
#include "uapi/linux/tdxgmem.h"

/*
 * Debian 12's linux-libc-dev (6.1) predates guest_memfd. Values from the
 * 7.3 and 6.12 sources, include/uapi/linux/kvm.h.
 */
#ifndef KVM_CREATE_GUEST_MEMFD
struct kvm_create_guest_memfd {
	__u64 size;
	__u64 flags;
	__u64 reserved[6];
};
#define KVM_CREATE_GUEST_MEMFD	_IOWR(KVMIO, 0xd4, struct kvm_create_guest_memfd)
#endif
#ifndef KVM_CAP_GUEST_MEMFD
#define KVM_CAP_GUEST_MEMFD	234
#endif
/* Syscall number of memfd_secret on x86-64 (arch/x86/entry/syscalls). */
#ifndef __NR_memfd_secret
#define __NR_memfd_secret	447
#endif

#define NR_HUGEPAGES	"/proc/sys/vm/nr_hugepages"
#define NR_GIGAPAGES	"/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages"
#define SZ_2M		(2UL << 20)
#ifndef MFD_HUGE_1GB
#define MFD_HUGE_1GB	(30U << 26)
#endif

static int why(struct peer *p, const char *what, int err)
{
	snprintf(p->why, WHY_LEN, "%s: %s", what, strerror(err));
	return -err;
}

static int neg_errno(int r)
{
	return r < 0 ? -errno : r;
}

static int close_fd(struct peer *p, int fd, size_t size)
{
	(void)p;
	(void)size;
	return neg_errno(close(fd));
}

static int falloc_keep(struct peer *p, int fd, size_t size)
{
	(void)p;
	return neg_errno(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, size));
}

static void close_aux(struct peer *p)
{
	if (p->aux_fd >= 0)
		close(p->aux_fd);
	if (p->kvm_fd >= 0)
		close(p->kvm_fd);
	p->aux_fd = p->kvm_fd = -1;
}

/* tdxgmem */

static int tdx_prepare(struct peer *p, size_t size)
{
	struct tdxgmem_caps caps;

	(void)size;
	p->aux_fd = open(TDXGMEM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (p->aux_fd < 0)
		return why(p, TDXGMEM_DEVICE_PATH, errno);
	memset(&caps, 0, sizeof(caps));
	if (ioctl(p->aux_fd, TDXGMEM_GET_CAPS, &caps) == 0)
		printf("# %s: caps api %u page_sizes %#llx flags %#llx max_file_size %llu features %#llx\n",
		       p->name, caps.api_version,
		       (unsigned long long)caps.page_sizes,
		       (unsigned long long)caps.supported_flags,
		       (unsigned long long)caps.max_file_size,
		       (unsigned long long)caps.features);
	else
		printf("# %s: TDXGMEM_GET_CAPS: %s\n", p->name, strerror(errno));
	return 0;
}

static int tdx_create(struct peer *p, size_t size)
{
	struct tdxgmem_create c;

	memset(&c, 0, sizeof(c));
	c.size = size;
	c.flags = 0;
	c.huge_page_size_log2 = p->huge_log2;
	c.numa_node = -1;
	return neg_errno(ioctl(p->aux_fd, TDXGMEM_CREATE, &c));
}

/*
 * tdxgmem for a consumer that initializes private pages (a TD): kvmsim
 * binds the whole file with KVMSIM_BIND_INITIALIZES (untimed), so
 * fallocate() may leave the pages uncleared.
 */

static int init_prepare(struct peer *p, size_t size)
{
	int r = tdx_prepare(p, size), dev;

	if (r)
		return r;
	dev = open(KVMSIM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return why(p, KVMSIM_DEVICE_PATH " (kvmsim not loaded)", errno);
	p->kvm_fd = ioctl(dev, KVMSIM_CREATE_VM, 0);
	r = errno;
	close(dev);
	return p->kvm_fd < 0 ? why(p, "KVMSIM_CREATE_VM", r) : 0;
}

static int init_create(struct peer *p, size_t size)
{
	struct kvmsim_bind b;
	int fd = tdx_create(p, size);

	if (fd < 0)
		return fd;
	memset(&b, 0, sizeof(b));
	b.fd = fd;
	b.flags = KVMSIM_BIND_INITIALIZES;
	b.npages = size >> 12;
	if (ioctl(p->kvm_fd, KVMSIM_BIND, &b)) {
		int err = errno;

		close(fd);
		return why(p, "KVMSIM_BIND(INITIALIZES)", err);
	}
	p->saved = (long)b.id;
	return fd;
}

/* Closing frees the pages; the binding, detached by then, goes after. */
static int init_teardown(struct peer *p, int fd, size_t size)
{
	struct kvmsim_unbind u;
	int r = close_fd(p, fd, size);

	memset(&u, 0, sizeof(u));
	u.id = (unsigned long long)p->saved;
	if (ioctl(p->kvm_fd, KVMSIM_UNBIND, &u) && !r)
		r = -errno;
	return r;
}

/* shmem memfd */

static int shmem_create(struct peer *p, size_t size)
{
	int fd = memfd_create("bench-shmem", MFD_CLOEXEC);

	(void)p;
	return sized_fd(fd, size);
}

/* hugetlbfs memfd from a pool reserved beforehand (2 MiB or 1 GiB pages) */

static const char *huge_pool(const struct peer *p)
{
	return p->huge_log2 == 30 ? NR_GIGAPAGES : NR_HUGEPAGES;
}

static int huge_prepare(struct peer *p, size_t size)
{
	const char *pool = huge_pool(p);
	long want, got;

	p->saved = read_long(pool);
	if (p->saved < 0)
		return why(p, pool, errno ? errno : EIO);
	want = p->saved + (long)(size >> p->huge_log2);
	if (write_long(pool, want))
		return why(p, "write nr_hugepages", errno);
	got = read_long(pool);
	printf("# %s: %s %ld -> %ld (wanted %ld)\n",
	       p->name, pool, p->saved, got, want);
	if (got < want) {
		snprintf(p->why, WHY_LEN, "pool got %ld of %ld %s pages",
			 got - p->saved, want - p->saved,
			 p->huge_log2 == 30 ? "1 GiB" : "2 MiB");
		return -ENOMEM;
	}
	return 0;
}

static void huge_finish(struct peer *p)
{
	if (p->saved >= 0)
		write_long(huge_pool(p), p->saved);
}

static int huge_create(struct peer *p, size_t size)
{
	int fd = memfd_create("bench-hugetlb",
			      MFD_CLOEXEC | MFD_HUGETLB |
			      (p->huge_log2 == 30 ? MFD_HUGE_1GB : MFD_HUGE_2MB));

	return sized_fd(fd, size);
}

/* memfd_secret: no fallocate, so mmap and write one byte per page */

static int secret_prepare(struct peer *p, size_t size)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	/* secretmem charges every page to RLIMIT_MEMLOCK. */
	(void)size;
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return why(p, "setrlimit(RLIMIT_MEMLOCK)", errno);
	return 0;
}

static int secret_create(struct peer *p, size_t size)
{
	int fd = syscall(__NR_memfd_secret, O_CLOEXEC);

	(void)p;
	return sized_fd(fd, size);
}

static sigjmp_buf secret_jmp;

static void secret_sigbus(int sig)
{
	(void)sig;
	siglongjmp(secret_jmp, 1);
}

/* Write one byte per page; a SIGBUS (e.g. memlock limit) fails the peer. */
static int secret_touch(struct peer *p, volatile char *c, size_t size)
{
	struct sigaction sa = { .sa_handler = secret_sigbus }, old;
	long pg = sysconf(_SC_PAGESIZE);
	volatile size_t off = 0;
	int r = 0;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(secret_jmp, 1)) {
		snprintf(p->why, WHY_LEN, "SIGBUS touching offset %zu", off);
		r = -EFAULT;
	} else {
		for (off = 0; off < size; off += pg)
			c[off] = 1;
	}
	sigaction(SIGBUS, &old, NULL);
	return r;
}

static int secret_populate(struct peer *p, int fd, size_t size)
{
	p->map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p->map == MAP_FAILED) {
		p->map = NULL;
		return -errno;
	}
	return secret_touch(p, p->map, size);
}

static int secret_teardown(struct peer *p, int fd, size_t size)
{
	int r = 0;

	if (p->map && munmap(p->map, size))
		r = -errno;
	p->map = NULL;
	if (close(fd) && !r)
		r = -errno;
	return r;
}

/* upstream guest_memfd on a default KVM VM */

static int gmem_prepare(struct peer *p, size_t size)
{
	int cap;

	(void)size;
	p->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (p->kvm_fd < 0)
		return why(p, "/dev/kvm", errno);
	p->aux_fd = ioctl(p->kvm_fd, KVM_CREATE_VM, 0);
	if (p->aux_fd < 0)
		return why(p, "KVM_CREATE_VM(0)", errno);
	cap = ioctl(p->aux_fd, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD);
	printf("# %s: KVM_CHECK_EXTENSION(KVM_CAP_GUEST_MEMFD) on the VM = %d\n",
	       p->name, cap);
	/* 6.12: creatable on a default VM, but no memslot can use it. */
	if (cap <= 0)
		snprintf(p->note, WHY_LEN,
			 "KVM_CAP_GUEST_MEMFD=%d on a type-0 VM: file created and populated, but KVM cannot bind it to a memslot",
			 cap);
	return 0;
}

static int gmem_create(struct peer *p, size_t size)
{
	struct kvm_create_guest_memfd g;

	memset(&g, 0, sizeof(g));
	g.size = size;
	g.flags = 0;
	return neg_errno(ioctl(p->aux_fd, KVM_CREATE_GUEST_MEMFD, &g));
}

#define TDX(n, log2) {							\
	.name = n, .is_tdxgmem = 1, .huge_log2 = log2,			\
	.create_op = "TDXGMEM_CREATE", .populate_op = "fallocate",	\
	.method = "TDXGMEM_CREATE(log2=" #log2 ", flags 0) + "		\
		  "fallocate(KEEP_SIZE); teardown close",		\
	.prepare = tdx_prepare, .create = tdx_create,			\
	.populate = falloc_keep, .teardown = close_fd,			\
	.finish = close_aux,						\
}

#define HUGETLB(n, log2, mfd) {						\
	.name = n, .huge_log2 = log2,					\
	.create_op = "memfd_create(MFD_HUGETLB)", .populate_op = "fallocate", \
	.method = "memfd_create(MFD_HUGETLB|" mfd ") + ftruncate + "	\
		  "fallocate(KEEP_SIZE) from a pool reserved untimed; "	\
		  "teardown close",					\
	.prepare = huge_prepare, .create = huge_create,			\
	.populate = falloc_keep, .teardown = close_fd,			\
	.finish = huge_finish,						\
}

struct peer peers[] = {
	TDX("tdxgmem-2M", 21),
	{
		.name = "tdxgmem-nopool", .is_tdxgmem = 1, .huge_log2 = 21,
		.no_pool = 1,
		.create_op = "TDXGMEM_CREATE", .populate_op = "fallocate",
		.method = "as tdxgmem-2M, with pool_max_pct 0 (no pool of "
			  "freed blocks); teardown close",
		.prepare = tdx_prepare, .create = tdx_create,
		.populate = falloc_keep, .teardown = close_fd,
		.finish = close_aux,
	},
	TDX("tdxgmem-4K", 12),
	TDX("tdxgmem-1G", 30),
	{
		.name = "tdxgmem-init", .is_tdxgmem = 1, .huge_log2 = 21,
		.create_op = "TDXGMEM_CREATE+KVMSIM_BIND",
		.populate_op = "fallocate",
		.method = "TDXGMEM_CREATE(log2=21, flags 0) + kvmsim binding "
			  "of the whole file with TDXGMEM_CLIENT_INITIALIZES "
			  "(untimed) + fallocate(KEEP_SIZE); teardown close "
			  "+ KVMSIM_UNBIND",
		.prepare = init_prepare, .create = init_create,
		.populate = falloc_keep, .teardown = init_teardown,
		.finish = close_aux,
	},
	{
		.name = "shmem-memfd",
		.create_op = "memfd_create", .populate_op = "fallocate",
		.method = "memfd_create + ftruncate + fallocate(KEEP_SIZE); "
			  "teardown close",
		.create = shmem_create,
		.populate = falloc_keep, .teardown = close_fd,
	},
	{
		.name = "memfd_secret",
		.create_op = "memfd_secret", .populate_op = "mmap+touch",
		.method = "memfd_secret + ftruncate, mmap(MAP_SHARED) + write "
			  "1 byte per 4 KiB page; teardown munmap + close",
		.prepare = secret_prepare, .create = secret_create,
		.populate = secret_populate, .teardown = secret_teardown,
	},
	HUGETLB("hugetlb-memfd", 21, "MFD_HUGE_2MB"),
	HUGETLB("hugetlb-1G", 30, "MFD_HUGE_1GB"),
	{
		.name = "guest_memfd",
		.create_op = "KVM_CREATE_GUEST_MEMFD",
		.populate_op = "fallocate",
		.method = "KVM_CREATE_VM(0) once, KVM_CREATE_GUEST_MEMFD(flags 0) "
			  "+ fallocate(KEEP_SIZE); teardown close",
		.prepare = gmem_prepare, .create = gmem_create,
		.populate = falloc_keep, .teardown = close_fd,
		.finish = close_aux,
	},
};

const int nr_peers = sizeof(peers) / sizeof(peers[0]);
