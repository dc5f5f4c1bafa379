// SPDX-License-Identifier: GPL-2.0
/* TDXGMEM_CREATE: every rule, bad inputs, and what the new fd looks like. */
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/resource.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "helpers.h"

static int create_req(int dev, struct tdxgmem_create *c)
{
	return xioctl(dev, TDXGMEM_CREATE, c);
}

FIXTURE(create) {
	int dev;
	struct tdxgmem_caps caps;
};

FIXTURE_SETUP(create)
{
	self->dev = tdxgmem_open_dev();
	ASSERT_LE(0, self->dev);
	memset(&self->caps, 0, sizeof(self->caps));
	ASSERT_EQ(0, xioctl(self->dev, TDXGMEM_GET_CAPS, &self->caps));
}

FIXTURE_TEARDOWN(create)
{
	close(self->dev);
}

TEST_F(create, basic)
{
	long long files = tdxgmem_stat("files");
	int fd = tdxgmem_create(self->dev, SZ_2M, 0, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(files + 1, tdxgmem_stat("files"));
	EXPECT_EQ(0, tdxgmem_pages());
	close(fd);
	EXPECT_EQ(files, tdxgmem_stat("files"));
}

TEST_F(create, fd_flags)
{
	int fd = tdxgmem_create(self->dev, SZ_2M, TDXGMEM_F_MMAP, 0);
	int fl;

	ASSERT_LE(0, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	fl = fcntl(fd, F_GETFL);
	ASSERT_LE(0, fl);
	EXPECT_EQ(O_RDWR, fl & O_ACCMODE);
	close(fd);
}

TEST_F(create, fstat)
{
	unsigned long long sizes[] = { SZ_4K, 3 * SZ_4K, SZ_2M, SZ_2M + SZ_4K,
				       SZ_1G };
	struct stat st;

	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int fd = tdxgmem_create(self->dev, sizes[i], 0, 0);

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, fstat(fd, &st));
		EXPECT_EQ(sizes[i], st.st_size);
		EXPECT_EQ(4096, st.st_blksize);
		/* A regular file on every kernel, as guest_memfd. */
		EXPECT_EQ(S_IFREG | 0600, st.st_mode);
		EXPECT_EQ(1, st.st_nlink);
		close(fd);
	}
}

/* statx sees the same; the type is reported, as for any regular file. */
TEST_F(create, statx)
{
	int fd = tdxgmem_create(self->dev, SZ_2M, 0, 0);
	struct statx sx;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx));
	EXPECT_TRUE(sx.stx_mask & STATX_TYPE);
	EXPECT_EQ(S_IFREG | 0600, sx.stx_mode);
	EXPECT_EQ(SZ_2M, sx.stx_size);
	close(fd);
}

/*
 * Size, mode, owner and times are fixed: every setattr path fails with
 * -EINVAL (as guest_memfd) and changes nothing. 6.12's anon inodes let
 * ftruncate() resize the file.
 */
TEST_F(create, setattr_refused)
{
	struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };
	int fd = tdxgmem_create(self->dev, SZ_2M, TDXGMEM_F_MMAP, 0);
	struct stat st0, st;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &st0));
	EXPECT_EQ(-1, ftruncate(fd, 1ULL << 40));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ftruncate(fd, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ftruncate(fd, SZ_2M));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, fchmod(fd, 0644));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, fchown(fd, 1, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, futimens(fd, ts));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, futimens(fd, NULL));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(SZ_2M, st.st_size);
	EXPECT_EQ(st0.st_mode, st.st_mode);
	EXPECT_EQ(st0.st_uid, st.st_uid);
	EXPECT_EQ(st0.st_mtim.tv_sec, st.st_mtim.tv_sec);
	EXPECT_EQ(st0.st_mtim.tv_nsec, st.st_mtim.tv_nsec);
	close(fd);
}

TEST_F(create, each_file_own_inode)
{
	struct stat a, b;
	int fa = tdxgmem_create(self->dev, SZ_4K, 0, 0);
	int fb = tdxgmem_create(self->dev, 2 * SZ_4K, 0, 0);

	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);
	ASSERT_EQ(0, fstat(fa, &a));
	ASSERT_EQ(0, fstat(fb, &b));
	EXPECT_NE(a.st_ino, b.st_ino);
	EXPECT_EQ(SZ_4K, a.st_size);
	EXPECT_EQ(2 * SZ_4K, b.st_size);
	close(fa);
	close(fb);
}

TEST_F(create, bad_size)
{
	unsigned long long max = self->caps.max_file_size;

	EXPECT_EQ(-EINVAL, tdxgmem_create(self->dev, 0, 0, 0));
	EXPECT_EQ(-EINVAL, tdxgmem_create(self->dev, 1, 0, 0));
	EXPECT_EQ(-EINVAL, tdxgmem_create(self->dev, SZ_4K - 1, 0, 0));
	EXPECT_EQ(-EINVAL, tdxgmem_create(self->dev, SZ_4K + 512, 0, 0));
	EXPECT_EQ(-EINVAL, tdxgmem_create(self->dev, ~0ULL, 0, 0));
	EXPECT_EQ(-EINVAL, tdxgmem_create(self->dev, ~0ULL & ~(SZ_4K - 1), 0, 0));
	EXPECT_EQ(-EINVAL, tdxgmem_create(self->dev, 1ULL << 63, 0, 0));
	EXPECT_EQ(-EINVAL, tdxgmem_create(self->dev, max + SZ_4K, 0, 0));
	EXPECT_EQ(0, tdxgmem_stat("files"));
}

TEST_F(create, max_size_ok)
{
	/* Nothing is allocated at create: even the largest file is free. */
	int fd = tdxgmem_create(self->dev, self->caps.max_file_size, 0, 0);
	struct stat st;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(self->caps.max_file_size, st.st_size);
	EXPECT_EQ(0, tdxgmem_pages());
	close(fd);
}

#define MAX_FILE_SIZE	"/sys/module/tdxgmem/parameters/max_file_size"
#define SIZE_TOP	((1ULL << 63) - SZ_4K)	/* largest page-aligned loff_t */


/* Changes max_file_size; the teardown puts the old value back. */
FIXTURE(param) {
	char old[32];
};

FIXTURE_SETUP(param)
{
	int fd = open(MAX_FILE_SIZE, O_RDONLY);
	ssize_t n;

	ASSERT_LE(0, fd);
	n = read(fd, self->old, sizeof(self->old) - 1);
	close(fd);
	ASSERT_LT(0, n);
	self->old[n] = '\0';
}

FIXTURE_TEARDOWN(param)
{
	EXPECT_EQ(0, write_str(MAX_FILE_SIZE, self->old));
}

/* max_file_size=0: no limit but the largest file offset, as documented. */
TEST_F(param, max_file_size_zero_no_limit)
{
	struct tdxgmem_caps caps = {};
	struct tdxgmem_extent e[2];
	struct tdxgmem_attributes a = { .size = SZ_4K };
	unsigned int nr = 0;
	unsigned long long next = 0;
	struct stat st;
	int dev = tdxgmem_open_dev(), fd;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, write_str(MAX_FILE_SIZE, "0"));
	ASSERT_EQ(0, xioctl(dev, TDXGMEM_GET_CAPS, &caps));
	EXPECT_EQ(SIZE_TOP, caps.max_file_size);
	EXPECT_EQ(-EINVAL, tdxgmem_create(dev, SIZE_TOP + SZ_4K, 0, 0));
	fd = tdxgmem_create(dev, SIZE_TOP, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(SIZE_TOP, st.st_size);
	/* The last page works like any other; QUERY of it all is one step. */
	EXPECT_EQ(0, xfallocate(fd, FALLOC_FL_KEEP_SIZE, SIZE_TOP - SZ_4K, SZ_4K));
	a.offset = SIZE_TOP - 2 * SZ_4K;
	EXPECT_EQ(0, xioctl(fd, TDXGMEM_SET_ATTRIBUTES, &a));
	ASSERT_EQ(0, tdxgmem_query(fd, 0, ~0ULL & ~(SZ_4K - 1), e, 2, &nr, &next));
	EXPECT_EQ(2, nr);
	EXPECT_EQ(SIZE_TOP - 2 * SZ_4K, e[0].size);
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE, e[0].state);
	EXPECT_EQ(0, e[1].state);
	EXPECT_EQ(SIZE_TOP - SZ_4K, next);
	EXPECT_EQ(0, xfallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				0, SIZE_TOP));
	EXPECT_EQ(0, tdxgmem_pages());
	close(fd);
	/* Any value above the largest offset means the same. */
	ASSERT_EQ(0, write_str(MAX_FILE_SIZE, "18446744073709551615"));
	memset(&caps, 0, sizeof(caps));
	ASSERT_EQ(0, xioctl(dev, TDXGMEM_GET_CAPS, &caps));
	EXPECT_EQ(SIZE_TOP, caps.max_file_size);
	EXPECT_EQ(-EINVAL, tdxgmem_create(dev, ~0ULL & ~(SZ_4K - 1), 0, 0));
	close(dev);
}

TEST_F(create, flags)
{
	unsigned long long ok[] = { 0, TDXGMEM_F_MMAP,
				    TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED };
	int fd;

	for (unsigned int i = 0; i < 3; i++) {
		fd = tdxgmem_create(self->dev, SZ_2M, ok[i], 0);
		ASSERT_LE(0, fd);
		close(fd);
	}
	EXPECT_EQ(TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED,
		  self->caps.supported_flags & (TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED));
	/* Unknown bits. */
	for (int bit = 3; bit < 64; bit++)
		EXPECT_EQ(-EINVAL, tdxgmem_create(self->dev, SZ_2M, 1ULL << bit, 0));
	EXPECT_EQ(-EINVAL, tdxgmem_create(self->dev, SZ_2M,
					  TDXGMEM_F_MMAP | (1ULL << 40), 0));
	/* INIT_SHARED needs MMAP, as upstream guest_memfd. */
	EXPECT_EQ(-EINVAL, tdxgmem_create(self->dev, SZ_2M, TDXGMEM_F_INIT_SHARED, 0));
	EXPECT_EQ(0, tdxgmem_stat("files"));
}

TEST_F(create, no_direct_map)
{
	int fd = tdxgmem_create(self->dev, SZ_2M, TDXGMEM_F_NO_DIRECT_MAP, 0);

	if (self->caps.directmap_mode == TDXGMEM_DIRECTMAP_NONE) {
		EXPECT_EQ(-EOPNOTSUPP, fd);
		EXPECT_EQ(0, self->caps.supported_flags & TDXGMEM_F_NO_DIRECT_MAP);
	} else {
		ASSERT_LE(0, fd);
		close(fd);
	}
	/* An unknown bit wins over an unsupported one: -EINVAL. */
	EXPECT_EQ(-EINVAL, tdxgmem_create(self->dev, SZ_2M,
					  TDXGMEM_F_NO_DIRECT_MAP | (1ULL << 5), 0));
}

TEST_F(create, size_log2)
{
	int ok[] = { 0, 12, 21 };
	int fd;

	for (int i = 0; i < 3; i++) {
		fd = tdxgmem_create(self->dev, SZ_2M, 0, ok[i]);
		ASSERT_LE(0, fd);
		close(fd);
	}
	for (int l = 1; l < 256; l++) {
		if (l == 12 || l == 21 || l == 30)
			continue;
		EXPECT_EQ(-EINVAL, tdxgmem_create(self->dev, SZ_2M, 0, l));
	}
}

/* 30 where the kernel can give 1 GiB ranges, else -EOPNOTSUPP. */
TEST_F(create, size_log2_giga)
{
	struct tdxgmem_caps caps = {};
	int fd;

	ASSERT_EQ(0, xioctl(self->dev, TDXGMEM_GET_CAPS, &caps));
	fd = tdxgmem_create(self->dev, SZ_2M, 0, 30);
	if (!(caps.page_sizes & (1ULL << 30))) {
		EXPECT_EQ(-EOPNOTSUPP, fd);
		return;
	}
	ASSERT_LE(0, fd);
	close(fd);
	/* Bad flags still win: -EINVAL. */
	EXPECT_EQ(-EINVAL, tdxgmem_create(self->dev, SZ_2M, 1ULL << 5, 30));
}

TEST_F(create, numa_node)
{
	struct tdxgmem_create c = { .size = SZ_2M, .numa_node = 0 };
	int fd = create_req(self->dev, &c);

	ASSERT_LE(0, fd);	/* node 0 is always online */
	close(fd);
	c.numa_node = -1;
	fd = create_req(self->dev, &c);
	ASSERT_LE(0, fd);
	close(fd);
	c.numa_node = -2;
	EXPECT_EQ(-EINVAL, create_req(self->dev, &c));
	c.numa_node = 1 << 20;
	EXPECT_EQ(-EINVAL, create_req(self->dev, &c));
	c.numa_node = 0x7fffffff;
	EXPECT_EQ(-EINVAL, create_req(self->dev, &c));
	c.numa_node = (int)0x80000000;
	EXPECT_EQ(-EINVAL, create_req(self->dev, &c));
	/* The VM has one node: node 1 is not online. */
	if (access("/sys/devices/system/node/node1", F_OK)) {
		c.numa_node = 1;
		EXPECT_EQ(-EINVAL, create_req(self->dev, &c));
	}
}

TEST_F(create, reserved_and_pad)
{
	struct tdxgmem_create c;

	for (int i = 0; i < 3; i++) {
		memset(&c, 0, sizeof(c));
		c.size = SZ_2M;
		c.numa_node = -1;
		c.pad[i] = 1;
		EXPECT_EQ(-EINVAL, create_req(self->dev, &c));
	}
	for (int i = 0; i < 5; i++) {
		memset(&c, 0, sizeof(c));
		c.size = SZ_2M;
		c.numa_node = -1;
		c.reserved[i] = 1ULL << 63;
		EXPECT_EQ(-EINVAL, create_req(self->dev, &c));
	}
	EXPECT_EQ(0, tdxgmem_stat("files"));
}

TEST_F(create, bad_pointer)
{
	EXPECT_EQ(-EFAULT, xioctl(self->dev, TDXGMEM_CREATE, NULL));
	EXPECT_EQ(-EFAULT, xioctl(self->dev, TDXGMEM_CREATE, (void *)8));
}

TEST_F(create, emfile)
{
	struct rlimit old, rl;
	int fd;

	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	rl = old;
	rl.rlim_cur = 4;	/* 0-2 and the device: no room left */
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	fd = tdxgmem_create(self->dev, SZ_2M, 0, 0);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	if (self->dev < 3)
		SKIP(return, "unusual fd layout");
	EXPECT_EQ(-EMFILE, fd);
	EXPECT_EQ(0, tdxgmem_stat("files"));
}

TEST_F(create, no_read_write)
{
	char buf[4096] = {};
	struct iovec iov = { buf, sizeof(buf) };
	int fd = tdxgmem_create(self->dev, SZ_2M, TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pread(fd, buf, sizeof(buf), 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pwrite(fd, buf, sizeof(buf), 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, readv(fd, &iov, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, writev(fd, &iov, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, tdxgmem_pages());
	close(fd);
}

TEST_F(create, file_ioctls)
{
	char buf[256] = {};
	int fd = tdxgmem_create(self->dev, SZ_2M, 0, 0);

	ASSERT_LE(0, fd);
	/* Device ioctls are not file ioctls, and unknown ones fail. */
	EXPECT_EQ(-ENOTTY, xioctl(fd, TDXGMEM_GET_CAPS, buf));
	EXPECT_EQ(-ENOTTY, xioctl(fd, TDXGMEM_CREATE, buf));
	EXPECT_EQ(-ENOTTY, xioctl(fd, _IO(TDXGMEM_IOC_MAGIC, 0x7f), buf));
	EXPECT_EQ(-ENOTTY, xioctl(fd, _IOWR(TDXGMEM_IOC_MAGIC, 0x11, __u64), buf));
	close(fd);
}

TEST_F(create, survives_device_close)
{
	int fd = tdxgmem_create(self->dev, SZ_2M, 0, 0);
	struct stat st;
	int dev2;

	ASSERT_LE(0, fd);
	close(self->dev);
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(SZ_2M, st.st_size);
	EXPECT_EQ(0, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, SZ_2M));
	EXPECT_EQ(512, tdxgmem_pages());
	close(fd);
	self->dev = dev2 = tdxgmem_open_dev();
	ASSERT_LE(0, dev2);
}

TEST(zz_no_leaks)
{
	EXPECT_EQ(0, tdxgmem_stat("files"));
	EXPECT_EQ(0, tdxgmem_pages());
}

TEST_HARNESS_MAIN
