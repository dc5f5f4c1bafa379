// SPDX-License-Identifier: GPL-2.0
/*
 * TDXGMEM_F_NO_DIRECT_MAP files: private allocated pages are absent from
 * the kernel direct map, and only they; shared and freed pages are back.
 * Pfns come from kvmsim, readability from the dmprobe test module's
 * fault-safe kernel read. Needs tdxgmem, kvmsim and dmprobe loaded.
 */
#include <stdio.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "dmprobe.h"
#include "kvmsim.h"

#define NODM	TDXGMEM_F_NO_DIRECT_MAP

TEST(unsupported_without_backend)
{
	int dev = tdxgmem_open_dev();
	int fd;

	ASSERT_LE(0, dev);
	fd = tdxgmem_create(dev, SZ_2M, NODM, 0);
	if (caps_mode() == TDXGMEM_DIRECTMAP_NONE) {
		EXPECT_EQ(-EOPNOTSUPP, fd);
	} else {
		EXPECT_LE(0, fd);
	}
	if (fd >= 0)
		close(fd);
	close(dev);
}

/* Allocate, convert both ways, punch, close: who is in the direct map. */
TEST(lifecycle)
{
	long long z0 = tdxgmem_stat("dm_zapped_pages");
	long long r0 = tdxgmem_stat("dm_restored_pages");
	struct kvmsim_fault f;
	unsigned long long p;
	int fd, vm;

	if (caps_mode() == TDXGMEM_DIRECTMAP_NONE)
		SKIP(return, "no direct-map backend");
	fd = kvmsim_file(2 * SZ_2M, TDXGMEM_F_MMAP | NODM, 1);
	ASSERT_LE(0, fd);
	EXPECT_EQ(z0 + 1024, tdxgmem_stat("dm_zapped_pages"));
	vm = kvmsim_vm();
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, 1024, 0, NULL));
	ASSERT_EQ(0, kvmsim_fault(vm, 0, KVMSIM_LEVEL_2M, &f));
	EXPECT_EQ(9, f.max_order);	/* still a 2 MiB chunk to the consumer */
	p = f.pfn;
	EXPECT_EQ(0, probe_readable(p));
	EXPECT_EQ(0, probe_readable(p + 255));
	EXPECT_EQ(0, probe_readable(p + 511));

	/* To shared: back in the direct map; neighbours stay out. */
	EXPECT_EQ(0, tdxgmem_convert_pages(fd, 10, 1, 0, 0, NULL));
	EXPECT_EQ(1, probe_readable(p + 10));
	EXPECT_EQ(0, probe_readable(p + 9));
	EXPECT_EQ(0, probe_readable(p + 11));
	/* And private again: out again. */
	EXPECT_EQ(0, tdxgmem_convert_pages(fd, 10, 1, TDXGMEM_ATTR_PRIVATE, 0, NULL));
	EXPECT_EQ(0, probe_readable(p + 10));

	/* Punched: freed, so back in the direct map. */
	EXPECT_EQ(0, kvmsim_punch(fd, 20, 1));
	EXPECT_EQ(1, probe_readable(p + 20));
	EXPECT_EQ(0, probe_readable(p + 21));
	/* Guest data through kvmsim's own mapping still works. */
	EXPECT_EQ(0, kvmsim_access(vm, 5, 0, "x", 1, 1));
	EXPECT_EQ(0, kvmsim_check(vm));

	close(vm);
	close(fd);
	/* Closed: every page restored before it was freed. */
	EXPECT_EQ(1, probe_readable(p));
	EXPECT_EQ(1, probe_readable(p + 511));
	EXPECT_EQ(tdxgmem_stat("dm_zapped_pages") - z0,
		  tdxgmem_stat("dm_restored_pages") - r0);
}

/*
 * Converting a mixed range to private zaps only the pages that change: the
 * rest are out already, and zapping one twice would write it back through
 * an address that is no longer mapped (a fault on real CPUs).
 */
TEST(mixed_range_to_private)
{
	long long z0 = tdxgmem_stat("dm_zapped_pages");
	long long r0 = tdxgmem_stat("dm_restored_pages");
	struct kvmsim_fault f;
	int fd, vm;

	if (caps_mode() == TDXGMEM_DIRECTMAP_NONE)
		SKIP(return, "no direct-map backend");
	fd = kvmsim_file(SZ_2M, NODM, 1);
	ASSERT_LE(0, fd);
	vm = kvmsim_vm();
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, 512, 0, NULL));
	ASSERT_EQ(0, kvmsim_fault(vm, 0, KVMSIM_LEVEL_4K, &f));
	close(vm);
	EXPECT_EQ(z0 + 512, tdxgmem_stat("dm_zapped_pages"));

	ASSERT_EQ(0, tdxgmem_convert_pages(fd, 10, 4, 0, 0, NULL));
	EXPECT_EQ(r0 + 4, tdxgmem_stat("dm_restored_pages"));
	ASSERT_EQ(0, tdxgmem_convert_pages(fd, 0, 64, TDXGMEM_ATTR_PRIVATE, 0, NULL));
	EXPECT_EQ(z0 + 516, tdxgmem_stat("dm_zapped_pages"));
	for (int i = 9; i < 15; i++)
		EXPECT_EQ(0, probe_readable(f.pfn + i));

	close(fd);
	EXPECT_EQ(z0 + 516, tdxgmem_stat("dm_zapped_pages"));
	EXPECT_EQ(r0 + 516, tdxgmem_stat("dm_restored_pages"));
	EXPECT_EQ(1, probe_readable(f.pfn + 11));
}

/* Shared pages of a NO_DIRECT_MAP file, and plain files, stay mapped. */
TEST(shared_and_plain_stay_mapped)
{
	long long z0 = tdxgmem_stat("dm_zapped_pages");
	int fd;

	if (caps_mode() == TDXGMEM_DIRECTMAP_NONE)
		SKIP(return, "no direct-map backend");
	fd = kvmsim_file(SZ_2M, TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED | NODM, 1);
	ASSERT_LE(0, fd);
	EXPECT_EQ(z0, tdxgmem_stat("dm_zapped_pages"));
	close(fd);
	fd = kvmsim_file(SZ_2M, 0, 1);
	ASSERT_LE(0, fd);
	EXPECT_EQ(z0, tdxgmem_stat("dm_zapped_pages"));
	close(fd);
}

/*
 * 1 GiB populated and freed in aligned 2 MiB chunks: no direct-map split,
 * at most one TLB flush per 2 MiB.
 */
TEST(gib_no_splits)
{
	long long s2 = vmstat("direct_map_level2_splits");
	long long s3 = vmstat("direct_map_level3_splits");
	long long fl0 = tdxgmem_stat("dm_tlb_flushes"), fl1;
	int fd;

	if (caps_mode() == TDXGMEM_DIRECTMAP_NONE)
		SKIP(return, "no direct-map backend");
	ASSERT_LE(0, s2);
	fd = kvmsim_file(SZ_1G, NODM, 1);
	ASSERT_LE(0, fd);
	fl1 = tdxgmem_stat("dm_tlb_flushes");
	TH_LOG("populate 1 GiB: %lld TLB flushes", fl1 - fl0);
	EXPECT_GE(512, fl1 - fl0);
	close(fd);
	/* One for all on 7.3; 6.12's set_memory_p() flushes per 2 MiB run. */
	TH_LOG("free 1 GiB: %lld TLB flushes", tdxgmem_stat("dm_tlb_flushes") - fl1);
	EXPECT_GE(512, tdxgmem_stat("dm_tlb_flushes") - fl1);
	/*
	 * 2 MiB leaves stay whole. A 1 GiB leaf cannot stay whole when 2 MiB
	 * of it leaves the direct map: at most one split per GiB of RAM.
	 */
	EXPECT_EQ(s2, vmstat("direct_map_level2_splits"));
	TH_LOG("1 GiB leaves split: %lld", vmstat("direct_map_level3_splits") - s3);
	EXPECT_GE(meminfo_kb("MemTotal") / (1024 * 1024) + 1,
		  vmstat("direct_map_level3_splits") - s3);
}

/*
 * A zap that fails and is rolled back: the population fails with -ENOMEM,
 * the new pages are freed again (they are safe), nothing is quarantined.
 */
TEST(zap_failure_frees)
{
	long long f0 = tdxgmem_stat("dm_failures");
	long long q0 = tdxgmem_stat("quarantined");
	long long p0 = tdxgmem_pages();
	int fd, vm;

	if (caps_mode() == TDXGMEM_DIRECTMAP_NONE)
		SKIP(return, "no direct-map backend");
	fd = kvmsim_file(2 * SZ_2M, NODM, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fail_directmap(0, 1));
	EXPECT_EQ(-ENOMEM, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, SZ_2M));
	EXPECT_EQ(f0 + 1, tdxgmem_stat("dm_failures"));
	EXPECT_EQ(q0, tdxgmem_stat("quarantined"));
	EXPECT_EQ(p0, tdxgmem_pages());
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE, page_state(fd, 0));
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE, page_state(fd, 511));
	/* A 4 KiB population that fails the same way. */
	ASSERT_EQ(0, fail_directmap(0, 1));
	EXPECT_EQ(-ENOMEM, xfallocate(fd, FALLOC_FL_KEEP_SIZE, SZ_4K, SZ_4K));
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE, page_state(fd, 1));
	EXPECT_EQ(p0, tdxgmem_pages());
	/* Nothing sticks: the same range populates now, at 2 MiB. */
	vm = kvmsim_vm();
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, 1024, 0, NULL));
	EXPECT_EQ(0, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 2 * SZ_2M));
	EXPECT_EQ(0, kvmsim_fault(vm, 7, KVMSIM_LEVEL_2M, NULL));
	EXPECT_EQ(0, kvmsim_check(vm));
	close(vm);
	close(fd);
	EXPECT_EQ(p0, tdxgmem_pages());
}

/*
 * A new 2 MiB chunk whose private pages leave the direct map in two runs
 * (a shared page between them): when the second run fails, the first one
 * comes back before the chunk is freed, so no freed page is left out of
 * the direct map.
 */
TEST(zap_failure_in_second_run_restores_first)
{
	long long z0, r0, p0 = tdxgmem_pages();
	int fd;

	if (caps_mode() == TDXGMEM_DIRECTMAP_NONE)
		SKIP(return, "no direct-map backend");
	fd = kvmsim_file(SZ_2M, NODM, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, tdxgmem_convert_pages(fd, 100, 1, 0, 0, NULL));
	z0 = tdxgmem_stat("dm_zapped_pages");
	r0 = tdxgmem_stat("dm_restored_pages");
	ASSERT_EQ(0, fail_directmap(1, 1));
	EXPECT_EQ(-ENOMEM, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, SZ_2M));
	EXPECT_EQ(100, tdxgmem_stat("dm_zapped_pages") - z0);
	EXPECT_EQ(100, tdxgmem_stat("dm_restored_pages") - r0);
	EXPECT_EQ(p0, tdxgmem_pages());
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE, page_state(fd, 0));
	close(fd);
}

/*
 * A zap whose rollback fails too: the state of the pages is unknown, so
 * they are quarantined (-EIO), never handed out, and stay counted as held
 * after the file is closed (mem_limit_pct reads that count).
 */
TEST(zap_rollback_failure_quarantines)
{
	long long q0 = tdxgmem_stat("quarantined");
	long long held0 = tdxgmem_stat("pages");
	struct tdxgmem_extent e;
	unsigned int nr = 0;
	int fd, vm;

	if (caps_mode() == TDXGMEM_DIRECTMAP_NONE)
		SKIP(return, "no direct-map backend");
	fd = kvmsim_file(2 * SZ_2M, NODM, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fail_directmap(0, 2));
	EXPECT_EQ(-EIO, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, SZ_2M));
	EXPECT_EQ(q0 + 512, tdxgmem_stat("quarantined"));
	ASSERT_EQ(0, tdxgmem_query(fd, 0, SZ_2M, &e, 1, &nr, NULL));
	EXPECT_EQ(1, nr);
	EXPECT_EQ(SZ_2M, e.size);
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE | TDXGMEM_STATE_POPULATED |
		  TDXGMEM_STATE_QUARANTINED, e.state);
	EXPECT_EQ(0, e.map_log2);
	/* Never handed out; the rest of the file works. */
	vm = kvmsim_vm();
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, 1024, 0, NULL));
	EXPECT_EQ(-EIO, kvmsim_fault(vm, 7, KVMSIM_LEVEL_4K, NULL));
	EXPECT_EQ(0, xfallocate(fd, FALLOC_FL_KEEP_SIZE, SZ_2M, SZ_2M));
	EXPECT_EQ(0, kvmsim_fault(vm, 512, KVMSIM_LEVEL_2M, NULL));
	EXPECT_EQ(0, kvmsim_check(vm));
	/* Punching them: the rest goes, they stay, and punch says so. */
	EXPECT_EQ(-EIO, kvmsim_punch(fd, 0, 1024));
	EXPECT_EQ(held0 + 512, tdxgmem_stat("pages"));
	close(vm);
	close(fd);
	EXPECT_EQ(held0 + 512, tdxgmem_stat("pages"));
	EXPECT_EQ(0, tdxgmem_stat("files"));
}

/*
 * A restore that fails before a punch: the page is kept, not freed, and
 * the punch reports it with -EIO; the rest of the range is freed.
 */
TEST(restore_failure_keeps_page)
{
	long long f0 = tdxgmem_stat("dm_failures");
	long long q0 = tdxgmem_stat("quarantined");
	long long p0 = tdxgmem_pages();
	int fd;

	if (caps_mode() == TDXGMEM_DIRECTMAP_NONE)
		SKIP(return, "no direct-map backend");
	fd = kvmsim_file(SZ_2M, NODM, 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fail_directmap(0, 1));
	EXPECT_EQ(-EIO, kvmsim_punch(fd, 3, 1));
	EXPECT_EQ(f0 + 1, tdxgmem_stat("dm_failures"));
	EXPECT_EQ(q0 + 1, tdxgmem_stat("quarantined"));
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE | TDXGMEM_STATE_POPULATED |
		  TDXGMEM_STATE_QUARANTINED, page_state(fd, 3));
	EXPECT_EQ(p0 + 511, tdxgmem_pages());
	/* Punching more than that page: the others go, -EIO again. */
	EXPECT_EQ(-EIO, kvmsim_punch(fd, 0, 8));
	EXPECT_EQ(p0 + 504, tdxgmem_pages());
	EXPECT_EQ(TDXGMEM_STATE_PRIVATE, page_state(fd, 2));
	close(fd);
	EXPECT_EQ(p0, tdxgmem_pages());
}

/* Shared pages of a NO_DIRECT_MAP file of 2 chunks, and their pfns. */
static int shared_nodm_file(unsigned long long *pfn, void **map)
{
	int fd = kvmsim_file(2 * SZ_2M, TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED | NODM, 0);
	volatile char *p;

	if (fd < 0)
		return fd;
	p = mmap(NULL, 2 * SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return -errno;
	}
	for (int i = 0; i < 1024; i++) {
		p[i * SZ_4K] = 'a';
		pfn[i] = pagemap_pfn((void *)(p + i * SZ_4K));
	}
	*map = (void *)p;
	return fd;
}

/*
 * To private with a zap that fails: all or nothing. Chunk 0 leaves the
 * direct map, chunk 1's zap fails and is rolled back, chunk 0 comes back:
 * -ENOMEM, every page still shared and mapped, nothing quarantined. The
 * retry converts everything.
 */
TEST(convert_zap_failure_all_or_nothing)
{
	long long q0 = tdxgmem_stat("quarantined");
	long long z0 = tdxgmem_stat("dm_zapped_pages");
	long long r0 = tdxgmem_stat("dm_restored_pages");
	struct tdxgmem_attributes a = {
		.size = 2 * SZ_2M, .attributes = TDXGMEM_ATTR_PRIVATE,
		.flags = TDXGMEM_CONVERT_PRESERVE,
	};
	static unsigned long long pfn[1024];
	void *map;
	int fd;

	if (caps_mode() == TDXGMEM_DIRECTMAP_NONE)
		SKIP(return, "no direct-map backend");
	fd = shared_nodm_file(pfn, &map);
	ASSERT_LE(0, fd);
	ASSERT_NE(0, pfn[0]);
	ASSERT_NE(0, pfn[1023]);
	ASSERT_EQ(0, fail_directmap(1, 1));
	EXPECT_EQ(-ENOMEM, xioctl(fd, TDXGMEM_SET_ATTRIBUTES, &a));
	EXPECT_EQ(q0, tdxgmem_stat("quarantined"));
	EXPECT_EQ(z0 + 512, tdxgmem_stat("dm_zapped_pages"));
	EXPECT_EQ(r0 + 512, tdxgmem_stat("dm_restored_pages"));
	for (int i = 0; i < 1024; i += 73) {
		EXPECT_EQ(TDXGMEM_STATE_POPULATED, page_state(fd, i));
		EXPECT_EQ(1, probe_readable(pfn[i]));
	}
	EXPECT_EQ('a', ((char *)map)[1023 * SZ_4K]);
	ASSERT_EQ(0, xioctl(fd, TDXGMEM_SET_ATTRIBUTES, &a));
	for (int i = 0; i < 1024; i += 73) {
		EXPECT_EQ(TDXGMEM_STATE_PRIVATE | TDXGMEM_STATE_POPULATED,
			  page_state(fd, i));
		EXPECT_EQ(0, probe_readable(pfn[i]));
	}
	munmap(map, 2 * SZ_2M);
	close(fd);
	EXPECT_EQ(q0, tdxgmem_stat("quarantined"));
	EXPECT_EQ(tdxgmem_stat("dm_zapped_pages") - z0,
		  tdxgmem_stat("dm_restored_pages") - r0);
}

/*
 * To private with a zap whose rollback fails: those pages are quarantined
 * and the call says so (-EIO, error_offset); no page changed attribute.
 */
TEST(convert_zap_rollback_failure_reported)
{
	long long q0 = tdxgmem_stat("quarantined");
	struct tdxgmem_attributes a = {
		.size = 2 * SZ_2M, .attributes = TDXGMEM_ATTR_PRIVATE,
	};
	static unsigned long long pfn[1024];
	void *map;
	int fd;

	if (caps_mode() == TDXGMEM_DIRECTMAP_NONE)
		SKIP(return, "no direct-map backend");
	fd = shared_nodm_file(pfn, &map);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fail_directmap(1, 2));
	EXPECT_EQ(-EIO, xioctl(fd, TDXGMEM_SET_ATTRIBUTES, &a));
	EXPECT_EQ(SZ_2M, a.error_offset);
	EXPECT_EQ(q0 + 512, tdxgmem_stat("quarantined"));
	EXPECT_EQ(TDXGMEM_STATE_POPULATED, page_state(fd, 0));
	EXPECT_EQ(1, probe_readable(pfn[0]));
	EXPECT_EQ(TDXGMEM_STATE_POPULATED | TDXGMEM_STATE_QUARANTINED,
		  page_state(fd, 512));
	munmap(map, 2 * SZ_2M);
	close(fd);
}

TEST(zz_no_leaks)
{
	EXPECT_EQ(0, tdxgmem_stat("files"));
	EXPECT_EQ(0, tdxgmem_pages());
}

TEST_HARNESS_MAIN
