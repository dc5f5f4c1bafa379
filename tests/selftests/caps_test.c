// SPDX-License-Identifier: GPL-2.0
/* /dev/tdxgmem: device node, TDXGMEM_GET_CAPS, bad ioctls. */
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "kselftest_harness.h"
#include "helpers.h"

TEST(device_node)
{
	struct stat st;

	ASSERT_EQ(0, stat(TDXGMEM_DEVICE_PATH, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0660, st.st_mode & 0777);
	EXPECT_EQ(10, major(st.st_rdev));	/* misc */
}

TEST(caps_values)
{
	struct tdxgmem_caps caps = {};
	int dev = tdxgmem_open_dev();

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, xioctl(dev, TDXGMEM_GET_CAPS, &caps));
	EXPECT_EQ(TDXGMEM_API_VERSION, caps.api_version);
	/* 1 GiB where the kernel exports a contiguous-range allocator. */
	EXPECT_EQ((1ULL << 12) | (1ULL << 21),
		  caps.page_sizes & ~(1ULL << 30));
	EXPECT_EQ(0, caps.supported_flags & ~TDXGMEM_F_ALL);
	EXPECT_LE(caps.directmap_mode, TDXGMEM_DIRECTMAP_EXPORTED);
	/* NO_DIRECT_MAP is offered exactly when a backend exists. */
	EXPECT_EQ(caps.directmap_mode != TDXGMEM_DIRECTMAP_NONE,
		  !!(caps.supported_flags & TDXGMEM_F_NO_DIRECT_MAP));
	EXPECT_LT(0, caps.max_file_size);
	EXPECT_EQ(0, caps.max_file_size % SZ_4K);
	EXPECT_EQ(0, caps.features & ~TDXGMEM_FEATURE_SKIP_ZEROING);
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(0, caps.reserved[i]);
	close(dev);
}

/*
 * Whether the page allocator clears every page, as the kernel said at boot
 * ("mem auto-init: stack:..., heap alloc:on|off, heap free:on|off"): 1
 * clears, 0 does not, -1 the line is gone from the log.
 */
static int allocator_clears(void)
{
	static char log[1 << 20];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof(log) - 1);
	const char *l, *a, *f;

	if (n < 0)
		return -1;
	log[n] = '\0';
	l = strstr(log, "mem auto-init: stack:");
	a = l ? strstr(l, "heap alloc:") : NULL;
	f = l ? strstr(l, "heap free:") : NULL;
	if (!a || !f)
		return -1;
	return !strncmp(a, "heap alloc:on", 13) || !strncmp(f, "heap free:on", 12);
}

/* Clearing can be skipped exactly where the allocator does not clear. */
TEST(caps_skip_zeroing_follows_mem_auto_init)
{
	struct tdxgmem_caps caps = {};
	int dev = tdxgmem_open_dev();
	int clears = allocator_clears();

	ASSERT_LE(0, dev);
	if (clears < 0) {
		close(dev);
		SKIP(return, "no \"mem auto-init\" line left in the kernel log");
	}
	ASSERT_EQ(0, xioctl(dev, TDXGMEM_GET_CAPS, &caps));
	EXPECT_EQ(!clears, !!(caps.features & TDXGMEM_FEATURE_SKIP_ZEROING));
	TH_LOG("allocator clears: %d, features %#llx", clears,
	       (unsigned long long)caps.features);
	close(dev);
}

TEST(caps_nonzero_input_rejected)
{
	struct tdxgmem_caps caps = {};
	int dev = tdxgmem_open_dev();

	ASSERT_LE(0, dev);
	caps.reserved[2] = 1;
	EXPECT_EQ(-EINVAL, xioctl(dev, TDXGMEM_GET_CAPS, &caps));
	EXPECT_EQ(1, caps.reserved[2]);		/* untouched on error */
	memset(&caps, 0, sizeof(caps));
	caps.features = TDXGMEM_FEATURE_SKIP_ZEROING;	/* output only */
	EXPECT_EQ(-EINVAL, xioctl(dev, TDXGMEM_GET_CAPS, &caps));
	memset(&caps, 0, sizeof(caps));
	caps.api_version = 1;
	EXPECT_EQ(-EINVAL, xioctl(dev, TDXGMEM_GET_CAPS, &caps));
	close(dev);
}

TEST(caps_bad_pointer)
{
	int dev = tdxgmem_open_dev();

	ASSERT_LE(0, dev);
	EXPECT_EQ(-EFAULT, xioctl(dev, TDXGMEM_GET_CAPS, NULL));
	EXPECT_EQ(-EFAULT, xioctl(dev, TDXGMEM_GET_CAPS, (void *)1));
	close(dev);
}

TEST(bad_ioctl_numbers)
{
	char buf[256] = {};
	int dev = tdxgmem_open_dev();

	ASSERT_LE(0, dev);
	EXPECT_EQ(-ENOTTY, xioctl(dev, _IO(TDXGMEM_IOC_MAGIC, 0x7f), buf));
	EXPECT_EQ(-ENOTTY, xioctl(dev, _IOWR('X', 0x00, struct tdxgmem_caps), buf));
	/* Right number, wrong size or direction. */
	EXPECT_EQ(-ENOTTY, xioctl(dev, _IOWR(TDXGMEM_IOC_MAGIC, 0x00, __u64), buf));
	EXPECT_EQ(-ENOTTY, xioctl(dev, _IOR(TDXGMEM_IOC_MAGIC, 0x00, struct tdxgmem_caps), buf));
	/* File ioctls are not device ioctls. */
	EXPECT_EQ(-ENOTTY, xioctl(dev, TDXGMEM_QUERY, buf));
	EXPECT_EQ(-ENOTTY, xioctl(dev, TDXGMEM_SET_ATTRIBUTES, buf));
	close(dev);
}

TEST(device_is_not_a_file)
{
	char buf[16];
	int dev = tdxgmem_open_dev();

	ASSERT_LE(0, dev);
	EXPECT_EQ(-1, read(dev, buf, sizeof(buf)));
	EXPECT_EQ(-1, lseek(dev, 1, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
	close(dev);
}

TEST(many_opens)
{
	int fds[256];

	for (int i = 0; i < 256; i++) {
		fds[i] = tdxgmem_open_dev();
		ASSERT_LE(0, fds[i]);
	}
	for (int i = 0; i < 256; i++)
		close(fds[i]);
	EXPECT_EQ(0, tdxgmem_stat("files"));
}

TEST_HARNESS_MAIN
