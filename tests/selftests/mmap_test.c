// SPDX-License-Identifier: GPL-2.0
/* mmap(): shared pages as ordinary memory; private/past-EOF SIGBUS. */
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "helpers.h"

#define SHARED_FLAGS	(TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED)

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE		25
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL	102
#define MADV_GUARD_REMOVE	103
#endif
#define PUNCH		(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)

TEST(map_private_einval)
{
	int fd = newfile(SZ_2M, SHARED_FLAGS, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE, fd, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, SZ_2M, PROT_READ, MAP_PRIVATE, fd, 0));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST(no_mmap_flag_enodev)
{
	int fd = newfile(SZ_2M, 0, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, 0));
	EXPECT_EQ(ENODEV, errno);
	close(fd);
}

TEST(shared_read_write)
{
	int fd = newfile(2 * SZ_2M, SHARED_FLAGS, 0);
	unsigned long *p, *q;
	unsigned long n = 2 * SZ_2M / sizeof(*p);

	ASSERT_LE(0, fd);
	p = mmap(NULL, 2 * SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, tdxgmem_pages());
	for (unsigned long i = 0; i < n; i += 512)
		ASSERT_EQ(0, p[i]);	/* zeroed */
	for (unsigned long i = 0; i < n; i++)
		p[i] = i * 2654435761UL;
	EXPECT_EQ(1024, tdxgmem_pages());
	/* A second mapping of the same file sees the same pages. */
	q = mmap(NULL, 2 * SZ_2M, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, q);
	for (unsigned long i = 0; i < n; i++)
		ASSERT_EQ(i * 2654435761UL, q[i]);
	munmap(q, 2 * SZ_2M);
	munmap(p, 2 * SZ_2M);
	EXPECT_EQ(1024, tdxgmem_pages());
	close(fd);
	EXPECT_EQ(0, tdxgmem_pages());
}

/*
 * A user mapping takes a reference on its page, which may then outlive the
 * chunk: the first fault splits the 2 MiB block, and the file's pages go
 * back one by one.
 */
TEST(fault_splits_block)
{
	int fd = newfile(SZ_2M, SHARED_FLAGS, 0);
	long long a0 = tdxgmem_stat("chunk_allocs");
	long long s0 = tdxgmem_stat("block_splits");
	long long f0 = tdxgmem_stat("block_frees");
	volatile char *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, SZ_2M));
	ASSERT_EQ(a0 + 1, tdxgmem_stat("chunk_allocs"));
	EXPECT_EQ(s0, tdxgmem_stat("block_splits"));
	p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[5 * SZ_4K] = 1;
	EXPECT_EQ(s0 + 1, tdxgmem_stat("block_splits"));
	p[6 * SZ_4K] = 1;
	EXPECT_EQ(s0 + 1, tdxgmem_stat("block_splits"));
	close(fd);
	EXPECT_EQ(512, tdxgmem_pages());	/* the mapping holds the file */
	munmap((void *)p, SZ_2M);
	EXPECT_EQ(0, tdxgmem_pages());
	EXPECT_EQ(f0, tdxgmem_stat("block_frees"));
}

TEST(mapping_outlives_fd)
{
	int fd = newfile(SZ_2M, SHARED_FLAGS, 0);
	unsigned char *p;

	ASSERT_LE(0, fd);
	p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	p[0] = 7;
	EXPECT_EQ(1, tdxgmem_stat("files"));
	EXPECT_EQ(7, p[0]);
	munmap(p, SZ_2M);
	EXPECT_EQ(0, tdxgmem_stat("files"));
	EXPECT_EQ(0, tdxgmem_pages());
}

TEST(pipe_and_file_io)
{
	int fd = newfile(SZ_2M, SHARED_FLAGS, 0);
	size_t len = 64 * 1024;
	char *p, *src, *dst;
	char tmpl[] = "/tmp/tdxgmem-mmap-XXXXXX";
	int pfd[2], tfd;
	struct iovec iov;

	ASSERT_LE(0, fd);
	p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	src = malloc(len);
	dst = malloc(len);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	for (size_t i = 0; i < len; i++)
		src[i] = (char)(i * 7 + 3);

	/* read(2) from a pipe into the mapping: copy_to_user on our pages. */
	ASSERT_EQ(0, pipe(pfd));
	ASSERT_EQ(len, write(pfd[1], src, len));
	ASSERT_EQ(len, read(pfd[0], p + SZ_4K, len));
	EXPECT_EQ(0, memcmp(p + SZ_4K, src, len));
	/* write(2) from the mapping: copy_from_user. */
	ASSERT_EQ(len, write(pfd[1], p + SZ_4K, len));
	ASSERT_EQ(len, read(pfd[0], dst, len));
	EXPECT_EQ(0, memcmp(dst, src, len));

	/* A regular file, both directions. */
	tfd = mkstemp(tmpl);
	ASSERT_LE(0, tfd);
	unlink(tmpl);
	ASSERT_EQ(len, pwrite(tfd, p + SZ_4K, len, 0));
	ASSERT_EQ(len, pread(tfd, p + SZ_1G / 1024, len, 0));
	EXPECT_EQ(0, memcmp(p + SZ_1G / 1024, src, len));
	close(tfd);

	/* vmsplice: GUP on our pages, the pipe keeps references to them. */
	iov.iov_base = p + SZ_4K;
	iov.iov_len = len;
	ASSERT_EQ(len, vmsplice(pfd[1], &iov, 1, 0));
	/* Punch while the pipe still holds the pages: no crash. */
	ASSERT_EQ(0, xfallocate(fd, PUNCH, 0, SZ_2M));
	EXPECT_EQ(0, tdxgmem_pages());
	ASSERT_EQ(len, read(pfd[0], dst, len));
	EXPECT_EQ(0, memcmp(dst, src, len));	/* the old pages */
	EXPECT_EQ(0, p[SZ_4K]);			/* the file: a hole */
	close(pfd[0]);
	close(pfd[1]);
	free(src);
	free(dst);
	munmap(p, SZ_2M);
	close(fd);
	EXPECT_EQ(0, tdxgmem_pages());
}

TEST(gup_process_vm_readv)
{
	int fd = newfile(SZ_2M, SHARED_FLAGS, 0);
	char *p, buf[64];
	struct iovec local = { buf, sizeof(buf) }, remote;

	ASSERT_LE(0, fd);
	p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	strcpy(p + 100, "hello from tdxgmem");
	remote.iov_base = p + 100;
	remote.iov_len = sizeof(buf);
	/* GUP of our own pages through the remote-access path. */
	ASSERT_EQ(sizeof(buf), process_vm_readv(getpid(), &local, 1, &remote, 1, 0));
	EXPECT_STREQ("hello from tdxgmem", buf);
	munmap(p, SZ_2M);
	close(fd);
}

TEST(private_page_sigbus)
{
	int fd = newfile(SZ_2M, TDXGMEM_F_MMAP, 0);
	unsigned char *p;
	int pfd[2];
	char c = 'x';

	ASSERT_LE(0, fd);
	p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(SIGBUS, touch_sig(p, 0));
	EXPECT_EQ(SIGBUS, touch_sig(p + SZ_2M - 1, 1));
	/* Populated private pages are not reachable either. */
	ASSERT_EQ(0, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, SZ_2M));
	EXPECT_EQ(SIGBUS, touch_sig(p + SZ_4K, 0));
	/* read(2) into a private page fails instead of killing. */
	ASSERT_EQ(0, pipe(pfd));
	ASSERT_EQ(1, write(pfd[1], &c, 1));
	EXPECT_EQ(-1, read(pfd[0], p, 1));
	EXPECT_EQ(EFAULT, errno);
	close(pfd[0]);
	close(pfd[1]);
	munmap(p, SZ_2M);
	close(fd);
}

TEST(past_eof_sigbus)
{
	int fd = newfile(2 * SZ_4K, SHARED_FLAGS, 0);
	unsigned char *p;

	ASSERT_LE(0, fd);
	p = mmap(NULL, 4 * SZ_4K, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, touch_sig(p + SZ_4K, 1));
	EXPECT_EQ(SIGBUS, touch_sig(p + 2 * SZ_4K, 0));
	EXPECT_EQ(SIGBUS, touch_sig(p + 3 * SZ_4K, 1));
	munmap(p, 4 * SZ_4K);
	/* Offset beyond EOF: mapping works, touching does not. */
	p = mmap(NULL, SZ_4K, PROT_READ, MAP_SHARED, fd, 8 * SZ_4K);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(SIGBUS, touch_sig(p, 0));
	munmap(p, SZ_4K);
	close(fd);
}

/*
 * Shared mappings are ordinary file VMAs where the kernel exports
 * vmf_insert_page_mkwrite() (6.15+); on 6.12 they are VM_MIXEDMAP, which
 * the kernel treats as special (module/mmap.c, uapi header). The
 * reference kernels are 6.12 and 7.3.
 */
static int plain_vma(void)
{
	struct utsname u;
	int maj = 0, min = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &maj, &min) != 2)
		return -1;
	return maj > 6 || (maj == 6 && min >= 15);
}

/* A mapping of a new all-shared file of @fsize, @len long. */
static char *map_new(unsigned long long fsize, unsigned long long len,
		     int extra, int *fd)
{
	char *p;

	*fd = newfile(fsize, SHARED_FLAGS, 12);
	if (*fd < 0)
		return NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | extra, *fd, 0);
	if (p != MAP_FAILED)
		return p;
	close(*fd);
	return NULL;
}

TEST(vma_flags)
{
	int plain = plain_vma(), fd;
	char *p = map_new(SZ_2M, SZ_2M, 0, &fd);

	ASSERT_NE(NULL, p);
	ASSERT_LE(0, plain);
	EXPECT_EQ(1, vma_has_flag(p, "sh"));
	EXPECT_EQ(!plain, vma_has_flag(p, "mm"));	/* VM_MIXEDMAP */
	EXPECT_EQ(0, vma_has_flag(p, "de"));		/* VM_DONTEXPAND */
	munmap(p, SZ_2M);
	close(fd);
}

/* mlock() locks (and populates) the mapping; munlock() undoes it. */
TEST(mlock_locks)
{
	int plain = plain_vma(), fd;
	char *p = map_new(SZ_2M, SZ_2M, 0, &fd);

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, mlock(p, SZ_2M));
	EXPECT_EQ(512, tdxgmem_pages());
	EXPECT_EQ(plain, vma_has_flag(p, "lo"));
	EXPECT_EQ(plain ? 2048 : 0, smaps_kb(p, "Locked"));
	ASSERT_EQ(0, munlock(p, SZ_2M));
	EXPECT_EQ(0, vma_has_flag(p, "lo"));
	EXPECT_EQ(0, smaps_kb(p, "Locked"));
	munmap(p, SZ_2M);
	close(fd);
	EXPECT_EQ(0, tdxgmem_pages());
}

/*
 * MLOCK_ONFAULT over a mapping reaching past EOF: nothing is populated,
 * pages lock as they fault; past EOF is SIGBUS. 6.12's special VMA is not
 * locked but populated whole, which fails past EOF.
 */
TEST(mlock_onfault)
{
	int plain = plain_vma(), fd;
	char *p = map_new(2 * SZ_4K, 4 * SZ_4K, 0, &fd);

	ASSERT_NE(NULL, p);
	if (!plain) {
		EXPECT_EQ(-1, mlock2(p, 4 * SZ_4K, MLOCK_ONFAULT));
		EXPECT_EQ(ENOMEM, errno);
		EXPECT_EQ(0, vma_has_flag(p, "lo"));
		goto out;
	}
	ASSERT_EQ(0, mlock2(p, 4 * SZ_4K, MLOCK_ONFAULT));
	EXPECT_EQ(1, vma_has_flag(p, "lo"));
	EXPECT_EQ(0, smaps_kb(p, "Rss"));
	EXPECT_EQ(0, tdxgmem_pages());
	p[SZ_4K] = 1;
	EXPECT_EQ(4, smaps_kb(p, "Locked"));
	EXPECT_EQ(SIGBUS, touch_sig((unsigned char *)p + 3 * SZ_4K, 0));
out:
	munmap(p, 4 * SZ_4K);
	close(fd);
}

/* MAP_LOCKED locks and populates at mmap() time (not on 6.12). */
TEST(map_locked)
{
	int plain = plain_vma(), fd;
	char *p = map_new(SZ_2M, SZ_2M, MAP_LOCKED, &fd);

	ASSERT_NE(NULL, p);
	EXPECT_EQ(plain, vma_has_flag(p, "lo"));
	EXPECT_EQ(plain ? 2048 : 0, smaps_kb(p, "Locked"));
	if (plain)
		EXPECT_EQ(512, tdxgmem_pages());
	munmap(p, SZ_2M);
	close(fd);
}

/*
 * Locked pages convert like any other. Unmapping a locked page leaves a
 * reference in a per-CPU mlock batch for a while: not a pin, so no
 * -EAGAIN for it.
 */
TEST(mlocked_pages_convert)
{
	struct tdxgmem_attributes a = { .size = SZ_2M,
					.attributes = TDXGMEM_ATTR_PRIVATE };
	int fd;
	unsigned char *p = (unsigned char *)map_new(SZ_2M, SZ_2M, MAP_LOCKED, &fd);

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, mlock(p, SZ_2M));
	for (unsigned long i = 0; i < SZ_2M; i += SZ_4K)
		p[i] = 3;
	EXPECT_EQ(0, xioctl(fd, TDXGMEM_SET_ATTRIBUTES, &a));
	EXPECT_EQ(SIGBUS, touch_sig(p + SZ_4K, 0));
	a.attributes = 0;
	EXPECT_EQ(0, xioctl(fd, TDXGMEM_SET_ATTRIBUTES, &a));
	EXPECT_EQ(0, p[SZ_4K]);		/* zeroed, locked again on fault */
	EXPECT_EQ(0, xfallocate(fd, PUNCH, 0, SZ_2M));
	munmap(p, SZ_2M);
	close(fd);
	EXPECT_EQ(0, tdxgmem_pages());
}

/* mremap() grows (and moves) a mapping; past EOF stays SIGBUS. */
TEST(mremap_grows)
{
	int fd;
	char *p = map_new(2 * SZ_4K, SZ_4K, 0, &fd), *q;

	ASSERT_NE(NULL, p);
	p[0] = 'a';
	q = mremap(p, SZ_4K, 3 * SZ_4K, MREMAP_MAYMOVE);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ('a', q[0]);
	q[SZ_4K] = 'b';
	EXPECT_EQ(SIGBUS, touch_sig((unsigned char *)q + 2 * SZ_4K, 0));
	q = mremap(q, 3 * SZ_4K, SZ_4K, 0);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ('a', q[0]);
	munmap(q, SZ_4K);
	close(fd);
}

/* Core-dump and fork control: each advice can be undone (DODUMP: not on 6.12). */
TEST(madvise_dump_fork)
{
	int plain = plain_vma(), fd;
	char *p = map_new(SZ_2M, SZ_2M, 0, &fd);

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise(p, SZ_2M, MADV_DONTDUMP));
	EXPECT_EQ(1, vma_has_flag(p, "dd"));
	EXPECT_EQ(plain ? 0 : -1, madvise(p, SZ_2M, MADV_DODUMP));
	EXPECT_EQ(!plain, vma_has_flag(p, "dd"));
	ASSERT_EQ(0, madvise(p, SZ_2M, MADV_DONTFORK));
	EXPECT_EQ(1, vma_has_flag(p, "dc"));
	EXPECT_EQ(0, madvise(p, SZ_2M, MADV_DOFORK));
	EXPECT_EQ(0, vma_has_flag(p, "dc"));
	munmap(p, SZ_2M);
	close(fd);
}

/* Guard regions (6.13+): installed, they fault; removed, the page is back. */
TEST(madvise_guard)
{
	int plain = plain_vma(), fd, status;
	char *p = map_new(SZ_2M, SZ_2M, 0, &fd);
	pid_t pid;

	ASSERT_NE(NULL, p);
	p[SZ_4K] = 'g';
	if (!plain) {
		EXPECT_EQ(-1, madvise(p + SZ_4K, SZ_4K, MADV_GUARD_INSTALL));
		EXPECT_EQ(EINVAL, errno);
		goto out;
	}
	ASSERT_EQ(0, madvise(p + SZ_4K, SZ_4K, MADV_GUARD_INSTALL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		(void)*(volatile char *)(p + SZ_4K);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	ASSERT_EQ(0, madvise(p + SZ_4K, SZ_4K, MADV_GUARD_REMOVE));
	EXPECT_EQ('g', p[SZ_4K]);
out:
	munmap(p, SZ_2M);
	close(fd);
}

/* Pages in a file's page cache, by cachestat(2); -errno if unavailable. */
static long long cached_pages(int fd)
{
	struct { unsigned long long off, len; } range = { 0, 0 };
	unsigned long long cs[5] = {};	/* nr_cache first */

	if (syscall(451 /* cachestat */, fd, &range, cs, 0))
		return -errno;
	return cs[0];
}

/*
 * tdxgmem pages never enter the page cache: not through faults, nor
 * through MADV_COLLAPSE (refused: the file is no THP candidate) or
 * MADV_WILLNEED.
 */
TEST(no_page_cache)
{
	int fd;
	char *p = map_new(SZ_2M, SZ_2M, 0, &fd);

	ASSERT_NE(NULL, p);
	memset(p, 1, SZ_2M);
	EXPECT_EQ(0, madvise(p, SZ_2M, MADV_HUGEPAGE));
	EXPECT_EQ(-1, madvise(p, SZ_2M, MADV_COLLAPSE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, madvise(p, SZ_2M, MADV_WILLNEED));
	EXPECT_EQ(0, cached_pages(fd));
	EXPECT_EQ(512, tdxgmem_pages());
	munmap(p, SZ_2M);
	close(fd);
}

TEST(fork_shares_pages)
{
	int fd = newfile(SZ_2M, SHARED_FLAGS, 0);
	volatile unsigned long *p;
	int status;
	pid_t pid;

	ASSERT_LE(0, fd);
	p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 0x1234;
	p[SZ_2M / 8 - 1] = 0x5678;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (p[0] != 0x1234 || p[SZ_2M / 8 - 1] != 0x5678)
			_exit(1);
		p[1] = 0xabcd;		/* populated page */
		p[4096] = 0xef01;	/* page 8 */
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0xabcd, p[1]);
	EXPECT_EQ(0xef01, p[4096]);
	munmap((void *)p, SZ_2M);
	close(fd);
}

TEST(punch_zaps)
{
	int fd = newfile(2 * SZ_2M, SHARED_FLAGS, 0);
	volatile unsigned char *p;

	ASSERT_LE(0, fd);
	p = mmap(NULL, 2 * SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (unsigned long i = 0; i < 2 * SZ_2M; i += SZ_4K)
		p[i] = 0x5a;
	EXPECT_EQ(1024, tdxgmem_pages());
	ASSERT_EQ(0, xfallocate(fd, PUNCH, SZ_4K, SZ_4K));
	EXPECT_EQ(1023, tdxgmem_pages());
	EXPECT_EQ(0x5a, p[0]);
	EXPECT_EQ(0, p[SZ_4K]);
	EXPECT_EQ(0x5a, p[2 * SZ_4K]);
	ASSERT_EQ(0, xfallocate(fd, PUNCH, 0, 2 * SZ_2M));
	EXPECT_EQ(0, tdxgmem_pages());
	for (unsigned long i = 0; i < 2 * SZ_2M; i += SZ_4K)
		ASSERT_EQ(0, p[i]);
	munmap((void *)p, 2 * SZ_2M);
	close(fd);
}

struct race {
	int fd;
	volatile int stop;
};

static void *puncher(void *arg)
{
	struct race *r = arg;

	while (!r->stop)
		fallocate(r->fd, PUNCH, 0, SZ_2M);
	return NULL;
}

/* Faults racing punch-hole: no stale page may stay mapped. */
TEST(fault_vs_punch)
{
	struct race r = { .fd = newfile(SZ_2M, SHARED_FLAGS, 12) };
	volatile unsigned char *p;
	pthread_t t;

	ASSERT_LE(0, r.fd);
	p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, pthread_create(&t, NULL, puncher, &r));
	for (int n = 0; n < 200; n++)
		for (unsigned long i = 0; i < SZ_2M; i += 16 * SZ_4K)
			p[i] = 1;
	r.stop = 1;
	pthread_join(t, NULL);
	/* After a final punch every page must read back as zero. */
	ASSERT_EQ(0, xfallocate(r.fd, PUNCH, 0, SZ_2M));
	EXPECT_EQ(0, tdxgmem_pages());
	for (unsigned long i = 0; i < SZ_2M; i += 16 * SZ_4K)
		ASSERT_EQ(0, p[i]);
	munmap((void *)p, SZ_2M);
	close(r.fd);
	EXPECT_EQ(0, tdxgmem_pages());
}

struct toucher {
	volatile unsigned char *p;
	unsigned int off;
	int rounds;
};

static void *toucher(void *arg)
{
	struct toucher *t = arg;

	for (int n = 0; n < t->rounds; n++)
		for (unsigned long i = 0; i < SZ_2M; i += SZ_4K)
			t->p[i + t->off] = 0x40 + t->off;
	return NULL;
}

/*
 * Threads faulting the same fresh pages at once: every fault but the first
 * finds the PTE in place; all of them must end up on one page per index.
 */
TEST(concurrent_faults_same_pages)
{
	int fd = newfile(SZ_2M, SHARED_FLAGS, 12);
	struct toucher t[4];
	pthread_t th[4];
	unsigned char *q;

	ASSERT_LE(0, fd);
	t[0].p = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, t[0].p);
	for (int k = 0; k < 4; k++) {
		t[k].p = t[0].p;
		t[k].off = 8 * k;
		t[k].rounds = 20;
		ASSERT_EQ(0, pthread_create(&th[k], NULL, toucher, &t[k]));
	}
	for (int k = 0; k < 4; k++)
		pthread_join(th[k], NULL);
	EXPECT_EQ(512, tdxgmem_pages());

	/* A second mapping sees every thread's byte on every page. */
	q = mmap(NULL, SZ_2M, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, q);
	for (unsigned long i = 0; i < SZ_2M; i += SZ_4K)
		for (int k = 0; k < 4; k++)
			ASSERT_EQ(0x40 + 8 * k, q[i + 8 * k]);
	munmap(q, SZ_2M);
	munmap((void *)t[0].p, SZ_2M);
	close(fd);
	EXPECT_EQ(0, tdxgmem_pages());
}

TEST(zz_no_leaks)
{
	EXPECT_EQ(0, tdxgmem_stat("files"));
	EXPECT_EQ(0, tdxgmem_pages());
}

TEST_HARNESS_MAIN
