// SPDX-License-Identifier: GPL-2.0
/*
 * The "events" group of the tdxgmem netlink family: files created and
 * released, quarantine (a consumer failing to unmap, through kvmsim's
 * KVMSIM_SET_FAIL), memory failure noticed (hwpoison_inject), direct-map
 * failures (debugfs fail_directmap), mem_limit_pct refusals, and the rate
 * limit that keeps a storm from flooding listeners. Needs root; kvmsim,
 * dmprobe's knobs and hwpoison_inject for some (else SKIP).
 */
#include <linux/falloc.h>

#include "kselftest_harness.h"
#include "dmprobe.h"
#include "kvmsim.h"
#include "tdxgmem_nl.h"

#define CORRUPT_PFN	"/sys/kernel/debug/hwpoison/corrupt-pfn"
#define MEM_LIMIT_PCT	"/sys/module/tdxgmem/parameters/mem_limit_pct"
#define GFN0		0x100000ULL

FIXTURE(events) {
	struct genl g;
	long long quarantined0;	/* pages a test may leave quarantined */
};

FIXTURE_SETUP(events)
{
	int r = genl_open(&self->g, 5000);

	if (r == -ENOENT)
		SKIP(return, "no tdxgmem netlink family");
	ASSERT_EQ(0, r);
	ASSERT_NE(0, self->g.events_grp);
	ASSERT_EQ(0, genl_join_events(&self->g));
	self->quarantined0 = tdxgmem_stat("quarantined");
}

FIXTURE_TEARDOWN(events)
{
	close(self->g.fd);
	EXPECT_EQ(0, tdxgmem_stat("files"));
	EXPECT_EQ(0, tdxgmem_pages());
}

/* Created and released, with who and what. */
TEST_F(events, file_created_released)
{
	struct nl_event ev;
	uint64_t id;
	int fd;

	fd = newfile(3 * SZ_2M, TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED, 12);
	ASSERT_LE(0, fd);
	id = tdxgmem_file_id(fd);
	ASSERT_EQ(0, nl_next_event(&self->g, TDXGMEM_EVENT_FILE_CREATED, id, &ev));
	EXPECT_TRUE(ev.has_file);
	EXPECT_EQ(id, ev.file.id);
	EXPECT_EQ(3 * SZ_2M, ev.file.size);
	EXPECT_EQ(TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED, ev.file.flags);
	EXPECT_EQ(12, ev.file.backing_log2);
	EXPECT_EQ(0, ev.file.uid);
	EXPECT_EQ(getpid(), ev.file.pid);
	EXPECT_STREQ("netlink_events_", ev.file.comm);
	close(fd);
	ASSERT_EQ(0, nl_next_event(&self->g, TDXGMEM_EVENT_FILE_RELEASED, id, &ev));
	EXPECT_EQ(id, ev.file.id);
	EXPECT_EQ(getpid(), ev.file.pid);
}

/* A consumer that cannot unmap: its range is quarantined, and said so. */
TEST_F(events, quarantine_by_consumer)
{
	struct nl_event ev;
	uint64_t id;
	int fd, vm;

	VM_OR_SKIP(vm);
	fd = kvmsim_file(2 * SZ_2M, 0, 1);
	ASSERT_LE(0, fd);
	id = tdxgmem_file_id(fd);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, 2 * PAGES_2M, GFN0, NULL));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + PAGES_2M, KVMSIM_LEVEL_2M, NULL));
	ASSERT_EQ(0, kvmsim_set_fail(vm, 0, 1));
	EXPECT_EQ(-EIO, kvmsim_punch(fd, PAGES_2M, PAGES_2M));
	ASSERT_EQ(0, nl_next_event(&self->g, TDXGMEM_EVENT_QUARANTINE, id, &ev));
	EXPECT_EQ(SZ_2M, ev.offset);
	EXPECT_EQ(SZ_2M, ev.size);
	EXPECT_EQ(512, ev.pages);
	EXPECT_EQ(TDXGMEM_QUARANTINE_CONSUMER, ev.cause);
	EXPECT_EQ(-EIO, ev.error);
	EXPECT_FALSE(ev.has_file);
	EXPECT_EQ(self->quarantined0 + 512, tdxgmem_stat("quarantined"));
	close(vm);
	close(fd);
}

/* Memory failure: the event comes when tdxgmem notices, once per page. */
TEST_F(events, hwpoison_noticed)
{
	struct tdxgmem_extent e;
	struct kvmsim_fault f;
	struct nl_event ev;
	char buf[32];
	uint64_t id;
	int fd, vm, pfd, n;

	if (access(CORRUPT_PFN, W_OK))
		SKIP(return, "no %s (hwpoison_inject not loaded)", CORRUPT_PFN);
	VM_OR_SKIP(vm);
	fd = kvmsim_file(SZ_2M, 0, 1);
	ASSERT_LE(0, fd);
	id = tdxgmem_file_id(fd);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, PAGES_2M, GFN0, NULL));
	ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + 5, KVMSIM_LEVEL_4K, &f));
	close(vm);
	pfd = open(CORRUPT_PFN, O_WRONLY);
	ASSERT_LE(0, pfd);
	n = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)f.pfn);
	/* The kernel may refuse the page after marking it: check the effect. */
	TH_LOG("corrupt-pfn %#llx: %zd", (unsigned long long)f.pfn,
	       write(pfd, buf, n));
	close(pfd);
	ASSERT_EQ(0, kvmsim_query_page(fd, 5, &e));
	ASSERT_TRUE(e.state & TDXGMEM_STATE_HWPOISON);
	ASSERT_EQ(0, nl_next_event(&self->g, TDXGMEM_EVENT_HWPOISON, id, &ev));
	EXPECT_EQ(5 * SZ_4K, ev.offset);
	EXPECT_EQ(SZ_4K, ev.size);
	/* Noticed once: looking again says nothing new. */
	ASSERT_EQ(0, kvmsim_query_page(fd, 5, &e));
	close(fd);
	{
		struct timeval tv = { 1, 0 };

		setsockopt(self->g.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		EXPECT_EQ(-ETIME, nl_next_event(&self->g, TDXGMEM_EVENT_HWPOISON,
						id, &ev));
	}
}

/* Direct-map failures: rolled back (-ENOMEM), or worse (-EIO, quarantined). */
TEST_F(events, directmap_failure)
{
	struct nl_event ev;
	uint64_t id;
	int fd;

	if (caps_mode() == TDXGMEM_DIRECTMAP_NONE)
		SKIP(return, "no direct-map backend");
	fd = newfile(2 * SZ_2M, TDXGMEM_F_NO_DIRECT_MAP, 0);
	ASSERT_LE(0, fd);
	id = tdxgmem_file_id(fd);
	ASSERT_EQ(0, fail_directmap(0, 1));
	EXPECT_EQ(-ENOMEM, xfallocate(fd, FALLOC_FL_KEEP_SIZE, SZ_2M, SZ_2M));
	ASSERT_EQ(0, nl_next_event(&self->g, TDXGMEM_EVENT_DIRECTMAP_FAILURE, id,
				   &ev));
	EXPECT_EQ(SZ_2M, ev.offset);
	EXPECT_EQ(SZ_2M, ev.size);
	EXPECT_EQ(TDXGMEM_DIRECTMAP_OP_ZAP, ev.op);
	EXPECT_EQ(-ENOMEM, ev.error);

	/* The rollback fails too: unknown state, quarantined. */
	ASSERT_EQ(0, fail_directmap(0, 2));
	EXPECT_EQ(-EIO, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, SZ_2M));
	ASSERT_EQ(0, nl_next_event(&self->g, TDXGMEM_EVENT_DIRECTMAP_FAILURE, id,
				   &ev));
	EXPECT_EQ(0, ev.offset);
	EXPECT_EQ(SZ_2M, ev.size);
	EXPECT_EQ(-EIO, ev.error);
	ASSERT_EQ(0, nl_next_event(&self->g, TDXGMEM_EVENT_QUARANTINE, id, &ev));
	EXPECT_EQ(0, ev.offset);
	EXPECT_EQ(SZ_2M, ev.size);
	EXPECT_EQ(512, ev.pages);
	EXPECT_EQ(TDXGMEM_QUARANTINE_DIRECTMAP, ev.cause);
	EXPECT_EQ(-EIO, ev.error);
	ASSERT_EQ(0, fail_directmap(0, 0));
	close(fd);
}

static int set_limit(int pct)
{
	char buf[16];
	int fd = open(MEM_LIMIT_PCT, O_WRONLY), n, r;

	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%d", pct);
	r = write(fd, buf, n) == n ? 0 : -errno;
	close(fd);
	return r;
}

static long long read_pct(void)
{
	char buf[16] = "";
	int fd = open(MEM_LIMIT_PCT, O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
		buf[0] = '\0';
	if (fd >= 0)
		close(fd);
	return atoll(buf);
}

/* mem_limit_pct refuses an allocation: asked, held and allowed pages. */
TEST_F(events, mem_limit)
{
	long long total = meminfo_kb("MemTotal") / 4;
	long long pct = read_pct();
	struct nl_event ev;
	uint64_t id;
	int fd, r;

	ASSERT_LT(0, pct);
	fd = newfile(1ULL << 30, 0, 0);
	ASSERT_LE(0, fd);
	id = tdxgmem_file_id(fd);
	ASSERT_EQ(0, set_limit(1));
	r = xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 1ULL << 30);
	ASSERT_EQ(0, set_limit(pct));
	EXPECT_EQ(-ENOMEM, r);
	ASSERT_EQ(0, nl_next_event(&self->g, TDXGMEM_EVENT_MEM_LIMIT, id, &ev));
	EXPECT_EQ(512, ev.pages);
	EXPECT_EQ(total / 100, (long long)ev.limit);
	EXPECT_LE(ev.held, ev.limit);
	EXPECT_LT(ev.limit, ev.held + ev.pages);
	close(fd);
}

/*
 * A storm of file events: listeners get a burst, the rest is counted and
 * reported by the next event that goes out once the interval is over.
 */
TEST_F_TIMEOUT(events, rate_limited, 60)
{
	int fd[300], i, got = 0, r;
	struct timeval tv = { 0, 200000 };
	struct nl_event ev;

	for (i = 0; i < 300; i++) {
		fd[i] = newfile(SZ_4K, 0, 0);
		ASSERT_LE(0, fd[i]);
	}
	setsockopt(self->g.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (!(r = nl_next_event(&self->g, TDXGMEM_EVENT_FILE_CREATED, 0, &ev)))
		got++;
	EXPECT_EQ(-ETIME, r);
	TH_LOG("%d of 300 creations announced", got);
	EXPECT_LT(0, got);
	EXPECT_GT(300, got);
	for (i = 0; i < 300; i++)
		close(fd[i]);
	/* The limit's interval (5 s) passes; the next one says what was lost. */
	sleep(6);
	fd[0] = newfile(SZ_4K, 0, 0);
	ASSERT_LE(0, fd[0]);
	tv.tv_sec = 5;
	setsockopt(self->g.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ASSERT_EQ(0, nl_next_event(&self->g, TDXGMEM_EVENT_FILE_CREATED,
				   tdxgmem_file_id(fd[0]), &ev));
	EXPECT_LE(300 - got, (int)ev.dropped);
	close(fd[0]);
}

TEST_HARNESS_MAIN
