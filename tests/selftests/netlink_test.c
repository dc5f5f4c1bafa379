// SPDX-License-Identifier: GPL-2.0
/*
 * The "tdxgmem" generic netlink family against known state: GET_STATS
 * against debugfs, GET_CAPS and sysfs; GET_FILE against what was done to
 * a file (page counts, backing, direct map, memcg, bindings) and its
 * extents against TDXGMEM_QUERY; LIST_FILES; and malformed requests, each
 * answered with a clear error (the runner fails the run on a splat).
 * Needs root; kvmsim for the bindings test.
 */
#include <linux/falloc.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "kvmsim.h"
#include "tdxgmem_nl.h"

#define PRIV		TDXGMEM_ATTR_PRIVATE
#define SHARED_FLAGS	(TDXGMEM_F_MMAP | TDXGMEM_F_INIT_SHARED)
#define CG_ROOT		"/sys/fs/cgroup"
#define CG		CG_ROOT "/tdxgmem-nl"

#define OPEN_OR_SKIP(g)							\
	do {								\
		int r_ = genl_open(g, 5000);				\
		if (r_ == -ENOENT)					\
			SKIP(return, "no tdxgmem netlink family");	\
		ASSERT_EQ(0, r_);					\
	} while (0)

static long long sysfs_param(const char *name)
{
	char path[128], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/tdxgmem/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	if (buf[0] == 'Y')
		return 1;
	if (buf[0] == 'N')
		return 0;
	return atoll(buf);
}

/* Every counter as debugfs shows it, and what GET_CAPS and sysfs say. */
TEST(stats_match_debugfs_caps_sysfs)
{
	struct tdxgmem_caps caps = {};
	struct nl_stats s;
	struct genl g;
	char ver[32] = "";
	FILE *f;
	int i, dev;

	OPEN_OR_SKIP(&g);
	ASSERT_EQ(0, nl_get_stats(&g, &s));
	EXPECT_EQ(TDXGMEM_GENL_VERSION, s.version);
	EXPECT_EQ(TDXGMEM_CMD_GET_STATS, s.cmd);
	for (i = 1; i <= TDXGMEM_STAT_MAX; i++) {
		if (!nl_stat_names[i])
			continue;
		EXPECT_TRUE(s.have[i]) TH_LOG("counter %s missing", nl_stat_names[i]);
		EXPECT_EQ(tdxgmem_stat(nl_stat_names[i]), (long long)s.stat[i])
			TH_LOG("counter %s", nl_stat_names[i]);
	}
	dev = tdxgmem_open_dev();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, xioctl(dev, TDXGMEM_GET_CAPS, &caps));
	close(dev);
	EXPECT_EQ(TDXGMEM_API_VERSION, s.api);
	EXPECT_EQ(caps.api_version, s.api);
	EXPECT_EQ(caps.directmap_mode, s.dm_mode);
	EXPECT_STREQ(caps.directmap_mode == TDXGMEM_DIRECTMAP_RESOLVED ? "resolved" :
		     caps.directmap_mode == TDXGMEM_DIRECTMAP_EXPORTED ? "exported" :
		     "none", s.dm_name);
	EXPECT_EQ(caps.supported_flags, s.supported_flags);
	EXPECT_EQ(caps.page_sizes, s.page_sizes);
	EXPECT_EQ(caps.max_file_size, s.max_file_size);
	EXPECT_EQ(sysfs_param("max_file_size"), (long long)s.p_max_file_size);
	EXPECT_EQ(sysfs_param("mem_limit_pct"), s.mem_limit_pct);
	EXPECT_EQ(sysfs_param("directmap_resolve"), s.directmap_resolve);
	/* MemTotal is totalram_pages, which the limit is a share of. */
	EXPECT_EQ(meminfo_kb("MemTotal") / 4 * s.mem_limit_pct / 100,
		  (long long)s.mem_limit_pages);
	f = fopen("/sys/module/tdxgmem/version", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(ver, sizeof(ver), f));
	fclose(f);
	ver[strcspn(ver, "\n")] = '\0';
	EXPECT_STREQ(ver, s.module_version);
	close(g.fd);
}

/* The counters move with the files, as debugfs' do. */
TEST(stats_follow_files)
{
	struct nl_stats a, b;
	struct genl g;
	int fd;

	OPEN_OR_SKIP(&g);
	ASSERT_EQ(0, nl_get_stats(&g, &a));
	fd = newfile(4 * SZ_2M, 0, 21);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, SZ_2M));
	ASSERT_EQ(0, nl_get_stats(&g, &b));
	EXPECT_EQ(a.stat[TDXGMEM_STAT_FILES] + 1, b.stat[TDXGMEM_STAT_FILES]);
	EXPECT_EQ(a.stat[TDXGMEM_STAT_PAGES] + 512, b.stat[TDXGMEM_STAT_PAGES]);
	EXPECT_EQ(a.stat[TDXGMEM_STAT_CHUNK_ALLOCS] + 1,
		  b.stat[TDXGMEM_STAT_CHUNK_ALLOCS]);
	EXPECT_EQ(tdxgmem_stat("pages"), (long long)b.stat[TDXGMEM_STAT_PAGES]);
	close(fd);
	ASSERT_EQ(0, nl_get_stats(&g, &b));
	EXPECT_EQ(a.stat[TDXGMEM_STAT_FILES], b.stat[TDXGMEM_STAT_FILES]);
	EXPECT_EQ(a.stat[TDXGMEM_STAT_PAGES], b.stat[TDXGMEM_STAT_PAGES]);
	close(g.fd);
}

/* Two whole chunks at 2 MiB and one lone page: counted as such. */
TEST(file_private_counts)
{
	struct nl_file *f = nl_file_new();
	struct genl g;
	uint64_t id;
	int fd;

	OPEN_OR_SKIP(&g);
	fd = newfile(4 * SZ_2M, 0, 0);
	ASSERT_LE(0, fd);
	id = tdxgmem_file_id(fd);
	ASSERT_NE(0, id);
	ASSERT_EQ(0, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 2 * SZ_2M));
	ASSERT_EQ(0, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 3 * SZ_2M, SZ_4K));
	ASSERT_EQ(0, nl_get_file(&g, id, false, 0, 0, f));
	EXPECT_EQ(id, f->id);
	EXPECT_EQ(4 * SZ_2M, f->size);
	EXPECT_EQ(0, f->flags);
	EXPECT_EQ(21, f->backing_log2);
	EXPECT_EQ(-1, f->numa_node);
	EXPECT_EQ(getuid(), f->uid);
	EXPECT_EQ(getpid(), f->pid);
	EXPECT_STREQ("netlink_test", f->comm);
	EXPECT_EQ(1025, f->populated);
	EXPECT_EQ(2048, f->private);
	EXPECT_EQ(0, f->shared);
	EXPECT_EQ(0, f->quarantined);
	EXPECT_EQ(0, f->hwpoison);
	EXPECT_EQ(2, f->backing_2m);
	EXPECT_EQ(1, f->backing_4k);
	EXPECT_EQ(0, f->dm_removed);
	EXPECT_EQ(0, f->nr_bindings);
	EXPECT_FALSE(f->has_next);
	EXPECT_EQ(0, f->nextents);
	/* A punch inside a 2 MiB block keeps the block, less one page. */
	ASSERT_EQ(0, xfallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				SZ_4K, SZ_4K));
	ASSERT_EQ(0, nl_get_file(&g, id, false, 0, 0, f));
	EXPECT_EQ(1024, f->populated);
	EXPECT_EQ(2, f->backing_2m);
	close(fd);
	/* Gone with the file. */
	EXPECT_EQ(-ENOENT, nl_get_file(&g, id, false, 0, 0, f));
	EXPECT_STRNE("", g.ext);
	free(f);
	close(g.fd);
}

/* Shared at birth, a 2 MiB range converted: private and shared add up. */
TEST(file_shared_counts)
{
	struct nl_file *f = nl_file_new();
	struct genl g;
	uint64_t id;
	int fd;

	OPEN_OR_SKIP(&g);
	fd = newfile(2 * SZ_2M + 3 * SZ_4K, SHARED_FLAGS, 12);
	ASSERT_LE(0, fd);
	id = tdxgmem_file_id(fd);
	ASSERT_EQ(0, tdxgmem_convert_pages(fd, 512, 512, PRIV, 0, NULL));
	ASSERT_EQ(0, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 8 * SZ_4K));
	ASSERT_EQ(0, nl_get_file(&g, id, false, 0, 0, f));
	EXPECT_EQ(SHARED_FLAGS, f->flags);
	EXPECT_EQ(12, f->backing_log2);
	EXPECT_EQ(512, f->private);
	EXPECT_EQ(515, f->shared);
	EXPECT_EQ(8, f->populated);
	EXPECT_EQ(0, f->backing_2m);
	EXPECT_EQ(8, f->backing_4k);
	close(fd);
	free(f);
	close(g.fd);
}

/* NO_DIRECT_MAP: populated private pages are out of the direct map. */
TEST(file_directmap_removed)
{
	struct nl_file *f = nl_file_new();
	struct genl g;
	uint64_t id;
	int fd;

	OPEN_OR_SKIP(&g);
	fd = newfile(2 * SZ_2M, TDXGMEM_F_NO_DIRECT_MAP, 0);
	if (fd == -EOPNOTSUPP)
		SKIP(return, "no direct-map backend");
	ASSERT_LE(0, fd);
	id = tdxgmem_file_id(fd);
	ASSERT_EQ(0, xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, SZ_2M));
	ASSERT_EQ(0, nl_get_file(&g, id, false, 0, 0, f));
	EXPECT_EQ(512, f->dm_removed);
	ASSERT_EQ(0, tdxgmem_convert_pages(fd, 10, 2, 0, 0, NULL));
	ASSERT_EQ(0, nl_get_file(&g, id, false, 0, 0, f));
	EXPECT_EQ(510, f->dm_removed);
	EXPECT_EQ(1022, f->private);
	close(fd);
	free(f);
	close(g.fd);
}

/* The memcg charged: the creator's, by cgroup id and path. */
TEST(file_memcg)
{
	struct nl_file *f = nl_file_new();
	char pid[32];
	struct stat st;
	struct genl g;
	uint64_t id;
	int fd;

	OPEN_OR_SKIP(&g);
	if (access(CG_ROOT "/cgroup.controllers", F_OK))
		mount("none", CG_ROOT, "cgroup2", 0, NULL);
	if (access(CG_ROOT "/cgroup.controllers", F_OK))
		SKIP(return, "no cgroup v2");
	ASSERT_EQ(0, write_str(CG_ROOT "/cgroup.subtree_control", "+memory"));
	rmdir(CG);
	ASSERT_EQ(0, mkdir(CG, 0755));
	ASSERT_EQ(0, stat(CG, &st));
	snprintf(pid, sizeof(pid), "%d", getpid());
	ASSERT_EQ(0, write_str(CG "/cgroup.procs", pid));
	fd = newfile(SZ_2M, 0, 0);
	ASSERT_EQ(0, write_str(CG_ROOT "/cgroup.procs", pid));
	ASSERT_LE(0, fd);
	id = tdxgmem_file_id(fd);
	ASSERT_EQ(0, nl_get_file(&g, id, false, 0, 0, f));
	EXPECT_TRUE(f->has_memcg);
	EXPECT_EQ((uint64_t)st.st_ino, f->memcg_id);
	EXPECT_STREQ("/tdxgmem-nl", f->memcg_path);
	close(fd);
	rmdir(CG);
	free(f);
	close(g.fd);
}

/* Each binding: the consumer module, who bound, file range and gfn. */
TEST(file_bindings)
{
	struct nl_file *f = nl_file_new();
	unsigned long long b1;
	struct genl g;
	uint64_t id;
	int fd, vm;

	OPEN_OR_SKIP(&g);
	VM_OR_SKIP(vm);
	fd = kvmsim_file(4 * SZ_2M, 0, 0);
	ASSERT_LE(0, fd);
	id = tdxgmem_file_id(fd);
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 0, 512, 0x100000, &b1));
	ASSERT_EQ(0, kvmsim_bind(vm, fd, 1024, 1024, 0x300000, NULL));
	ASSERT_EQ(0, nl_get_file(&g, id, false, 0, 0, f));
	EXPECT_EQ(2, f->nr_bindings);
	ASSERT_EQ(2, f->nbindings);
	EXPECT_STREQ("tdxgmem_kvmsim", f->b[0].consumer);
	EXPECT_EQ(getpid(), f->b[0].pid);
	EXPECT_STREQ("netlink_test", f->b[0].comm);
	EXPECT_EQ(0, f->b[0].offset);
	EXPECT_EQ(SZ_2M, f->b[0].size);
	EXPECT_EQ(0x100000, f->b[0].gfn);
	EXPECT_STREQ("tdxgmem_kvmsim", f->b[1].consumer);
	EXPECT_EQ(2 * SZ_2M, f->b[1].offset);
	EXPECT_EQ(2 * SZ_2M, f->b[1].size);
	EXPECT_EQ(0x300000, f->b[1].gfn);
	ASSERT_EQ(0, kvmsim_unbind(vm, b1));
	ASSERT_EQ(0, nl_get_file(&g, id, false, 0, 0, f));
	EXPECT_EQ(1, f->nr_bindings);
	EXPECT_EQ(0x300000, f->b[0].gfn);
	close(vm);
	close(fd);
	free(f);
	close(g.fd);
}

/* Every extent of [off, off + size) through TDXGMEM_QUERY. */
static int query_all(int fd, uint64_t off, uint64_t size,
		     struct tdxgmem_extent *ext, int cap)
{
	unsigned long long end = off + size, next;
	unsigned int nr;
	int n = 0, r;

	while (off < end && n < cap) {
		r = tdxgmem_query(fd, off, end - off, ext + n,
				  cap - n > 1024 ? 1024 : cap - n, &nr, &next);
		if (r)
			return r;
		n += nr;
		off = next;
	}
	return n;
}

/* A file with a bit of everything. */
static int mixed_file(void)
{
	int fd = newfile(8 * SZ_2M, SHARED_FLAGS, 0);

	if (fd < 0 ||
	    xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 2 * SZ_2M) ||
	    xfallocate(fd, FALLOC_FL_KEEP_SIZE, 5 * SZ_2M + 7 * SZ_4K, SZ_4K) ||
	    tdxgmem_convert_pages(fd, 512, 512, PRIV, 0, NULL) ||
	    tdxgmem_convert_pages(fd, 3, 1, PRIV, 0, NULL) ||
	    xfallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 700 * SZ_4K,
		       2 * SZ_4K))
		return -1;
	return fd;
}

static void expect_same_extents(struct __test_metadata *_metadata,
				const struct tdxgmem_extent *a, int na,
				const struct tdxgmem_extent *b, int nb)
{
	int i;

	ASSERT_EQ(na, nb);
	for (i = 0; i < na; i++) {
		EXPECT_EQ(a[i].offset, b[i].offset) TH_LOG("extent %d", i);
		EXPECT_EQ(a[i].size, b[i].size) TH_LOG("extent %d", i);
		EXPECT_EQ(a[i].state, b[i].state) TH_LOG("extent %d", i);
		EXPECT_EQ(a[i].backing_log2, b[i].backing_log2) TH_LOG("extent %d", i);
		EXPECT_EQ(a[i].map_log2, b[i].map_log2) TH_LOG("extent %d", i);
	}
}

/* GET_FILE's extents are TDXGMEM_QUERY's, for the file or a range. */
TEST(extents_match_query)
{
	struct tdxgmem_extent q[64];
	struct nl_file *f = nl_file_new();
	struct genl g;
	uint64_t id;
	int fd, n;

	OPEN_OR_SKIP(&g);
	fd = mixed_file();
	ASSERT_LE(0, fd);
	id = tdxgmem_file_id(fd);
	n = query_all(fd, 0, 8 * SZ_2M, q, 64);
	ASSERT_LE(6, n);
	ASSERT_EQ(0, nl_get_file(&g, id, true, 0, 0, f));
	EXPECT_TRUE(f->has_next);
	EXPECT_EQ(8 * SZ_2M, f->next);
	expect_same_extents(_metadata, q, n, f->ext, f->nextents);

	/* A range, and sizes beyond EOF mean "to EOF". */
	n = query_all(fd, SZ_2M + 3 * SZ_4K, SZ_2M, q, 64);
	f->nextents = 0;
	ASSERT_EQ(0, nl_get_file(&g, id, true, SZ_2M + 3 * SZ_4K, SZ_2M, f));
	EXPECT_EQ(2 * SZ_2M + 3 * SZ_4K, f->next);
	expect_same_extents(_metadata, q, n, f->ext, f->nextents);
	n = query_all(fd, 6 * SZ_2M, 2 * SZ_2M, q, 64);
	f->nextents = 0;
	ASSERT_EQ(0, nl_get_file(&g, id, true, 6 * SZ_2M, ~0ULL << 12, f));
	EXPECT_EQ(8 * SZ_2M, f->next);
	expect_same_extents(_metadata, q, n, f->ext, f->nextents);
	close(fd);
	free(f);
	close(g.fd);
}

/* More extents than one message holds: NEXT says where to go on. */
TEST(extents_continue)
{
	static struct tdxgmem_extent q[NL_MAX_EXTENTS];
	struct nl_file *f = nl_file_new();
	uint64_t id, off = 0, end = 2 * SZ_2M;
	int fd, n, i, requests = 0;
	struct genl g;

	OPEN_OR_SKIP(&g);
	fd = newfile(end, SHARED_FLAGS, 0);
	ASSERT_LE(0, fd);
	id = tdxgmem_file_id(fd);
	/* Every other page private: 1024 extents. */
	for (i = 0; i < 1024; i += 2)
		ASSERT_EQ(0, tdxgmem_convert_pages(fd, i, 1, PRIV, 0, NULL));
	n = query_all(fd, 0, end, q, NL_MAX_EXTENTS);
	ASSERT_EQ(1024, n);
	while (off < end) {
		ASSERT_EQ(0, nl_get_file(&g, id, true, off, end - off, f));
		ASSERT_TRUE(f->has_next);
		ASSERT_LT(off, f->next);
		off = f->next;
		requests++;
	}
	EXPECT_EQ(end, off);
	EXPECT_LT(1, requests);
	expect_same_extents(_metadata, q, n, f->ext, f->nextents);
	close(fd);
	free(f);
	close(g.fd);
}

/* Ranges TDXGMEM_QUERY refuses are refused, with a reason. */
TEST(extents_bad_range)
{
	struct nl_file *f = nl_file_new();
	struct genl g;
	uint64_t id;
	int fd;

	OPEN_OR_SKIP(&g);
	fd = newfile(SZ_2M, 0, 0);
	ASSERT_LE(0, fd);
	id = tdxgmem_file_id(fd);
	EXPECT_EQ(-EINVAL, nl_get_file(&g, id, true, 100, SZ_4K, f));
	EXPECT_STRNE("", g.ext);
	EXPECT_EQ(-EINVAL, nl_get_file(&g, id, true, 0, 100, f));
	EXPECT_EQ(-EINVAL, nl_get_file(&g, id, true, SZ_2M, SZ_4K, f));
	EXPECT_EQ(-EINVAL, nl_get_file(&g, id, true, ~0ULL << 12, SZ_4K, f));
	close(fd);
	free(f);
	close(g.fd);
}

/* LIST_FILES lists open files, in id order, and forgets closed ones. */
TEST(list_files)
{
	uint64_t id[3];
	struct nl_list l;
	struct genl g;
	int fd[3], i;

	OPEN_OR_SKIP(&g);
	for (i = 0; i < 3; i++) {
		fd[i] = newfile((i + 1) * SZ_2M, 0, 0);
		ASSERT_LE(0, fd[i]);
		id[i] = tdxgmem_file_id(fd[i]);
		if (i)
			EXPECT_LT(id[i - 1], id[i]);
	}
	ASSERT_EQ(0, nl_list_files(&g, &l));
	EXPECT_TRUE(l.sorted);
	for (i = 0; i < 3; i++) {
		int j;

		EXPECT_TRUE(nl_list_has(&l, id[i]));
		for (j = 0; j < l.n; j++)
			if (l.id[j] == id[i])
				EXPECT_EQ((i + 1) * SZ_2M, l.size[j]);
	}
	nl_list_free(&l);
	close(fd[1]);
	ASSERT_EQ(0, nl_list_files(&g, &l));
	EXPECT_TRUE(nl_list_has(&l, id[0]));
	EXPECT_FALSE(nl_list_has(&l, id[1]));
	EXPECT_TRUE(nl_list_has(&l, id[2]));
	nl_list_free(&l);
	close(fd[0]);
	close(fd[2]);
	close(g.fd);
}

/* Send @m as is (no ack flag added) and return the kernel's answer. */
static int raw(struct genl *g, struct genl_msg *m)
{
	int r = genl_send(g, m);

	return r ? r : genl_recv_all(g, NULL, NULL);
}

/* Attributes the policy does not allow. */
TEST(malformed_attributes)
{
	uint64_t id, v = 1;
	uint32_t small = 1;
	struct genl_msg m;
	struct nlattr *a;
	struct genl g;
	int fd;

	OPEN_OR_SKIP(&g);
	fd = newfile(SZ_2M, 0, 0);
	ASSERT_LE(0, fd);
	id = tdxgmem_file_id(fd);

	/* No file id. */
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_FILE, false);
	EXPECT_EQ(-EINVAL, raw(&g, &m));
	/* A u32 where a u64 belongs, a string, an empty one. */
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_FILE, false);
	genl_put(&m, TDXGMEM_A_FILE_ID, &small, sizeof(small));
	EXPECT_EQ(-EINVAL, raw(&g, &m));
	EXPECT_STRNE("", g.ext);
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_FILE, false);
	genl_put(&m, TDXGMEM_A_FILE_ID, "12345678901", 12);
	EXPECT_EQ(-EINVAL, raw(&g, &m));
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_FILE, false);
	genl_put(&m, TDXGMEM_A_FILE_ID, NULL, 0);
	EXPECT_EQ(-EINVAL, raw(&g, &m));
	/* Id 0 is out of the policy's range; an unknown id is no file. */
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_FILE, false);
	genl_put_u64(&m, TDXGMEM_A_FILE_ID, 0);
	EXPECT_EQ(-ERANGE, raw(&g, &m));
	EXPECT_STRNE("", g.ext);
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_FILE, false);
	genl_put_u64(&m, TDXGMEM_A_FILE_ID, ~0ULL);
	EXPECT_EQ(-ENOENT, raw(&g, &m));
	/* Extents size 0: out of range. */
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_FILE, false);
	genl_put_u64(&m, TDXGMEM_A_FILE_ID, id);
	genl_put_u64(&m, TDXGMEM_A_EXTENTS_SIZE, 0);
	EXPECT_EQ(-ERANGE, raw(&g, &m));
	/* Unknown attribute types, in and above the policy's range. */
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_FILE, false);
	genl_put_u64(&m, TDXGMEM_A_FILE_ID, id);
	genl_put_u64(&m, TDXGMEM_A_PAD, 0);
	EXPECT_EQ(-EINVAL, raw(&g, &m));
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_FILE, false);
	genl_put_u64(&m, TDXGMEM_A_FILE_ID, id);
	genl_put_u64(&m, TDXGMEM_A_STATS, 0);
	EXPECT_EQ(-EINVAL, raw(&g, &m));
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_FILE, false);
	genl_put_u64(&m, TDXGMEM_A_FILE_ID, id);
	genl_put_u64(&m, 0x3fff, 0);
	EXPECT_EQ(-EINVAL, raw(&g, &m));
	/* The nested flag on a plain attribute. */
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_FILE, false);
	genl_put_u64(&m, TDXGMEM_A_FILE_ID | NLA_F_NESTED, id);
	EXPECT_EQ(-EINVAL, raw(&g, &m));
	/* Any attribute for the commands that take none. */
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_STATS, false);
	genl_put_u64(&m, TDXGMEM_A_FILE_ID, id);
	EXPECT_EQ(-EINVAL, raw(&g, &m));
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_STATS, false);
	genl_put_u64(&m, TDXGMEM_A_PAD, 0);
	EXPECT_EQ(-EINVAL, raw(&g, &m));
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_LIST_FILES, true);
	genl_put_u64(&m, TDXGMEM_A_FILE_ID, id);
	EXPECT_EQ(-EINVAL, raw(&g, &m));
	/* An attribute longer than the message, one shorter than its header. */
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_FILE, false);
	a = genl_put(&m, TDXGMEM_A_FILE_ID, &v, sizeof(v));
	a->nla_len = 200;
	EXPECT_EQ(-EINVAL, raw(&g, &m));
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_FILE, false);
	a = genl_put(&m, TDXGMEM_A_FILE_ID, &v, sizeof(v));
	a->nla_len = 2;
	EXPECT_EQ(-EINVAL, raw(&g, &m));
	/* Still answers properly. */
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_FILE, false);
	genl_put_u64(&m, TDXGMEM_A_FILE_ID, id);
	EXPECT_EQ(0, genl_exchange(&g, &m, NULL, NULL));
	close(fd);
	close(g.fd);
}

/* Headers and commands that make no sense. */
TEST(malformed_messages)
{
	struct genlmsghdr *gh;
	struct nl_stats s;
	struct genl_msg m;
	struct genl g;

	OPEN_OR_SKIP(&g);
	/* Commands that are not requests, or do not exist. */
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_UNSPEC, false);
	EXPECT_EQ(-EOPNOTSUPP, raw(&g, &m));
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_EVENT, false);
	EXPECT_EQ(-EOPNOTSUPP, raw(&g, &m));
	tdxgmem_msg(&g, &m, 200, false);
	EXPECT_EQ(-EOPNOTSUPP, raw(&g, &m));
	/* Dump and do mixed up. */
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_STATS, true);
	EXPECT_EQ(-EOPNOTSUPP, raw(&g, &m));
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_LIST_FILES, false);
	EXPECT_EQ(-EOPNOTSUPP, raw(&g, &m));
	/* genlmsghdr.reserved set; flags that mean nothing here. */
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_STATS, false);
	gh = NLMSG_DATA(&m.nlh);
	gh->reserved = 1;
	EXPECT_EQ(-EINVAL, raw(&g, &m));
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_STATS, false);
	m.nlh.nlmsg_flags |= NLM_F_REPLACE;
	EXPECT_EQ(-EINVAL, raw(&g, &m));
	/* Shorter than a genetlink header. */
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_STATS, false);
	m.nlh.nlmsg_len = NLMSG_LENGTH(2);
	EXPECT_EQ(-EINVAL, raw(&g, &m));
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_LIST_FILES, true);
	m.nlh.nlmsg_len = NLMSG_LENGTH(1);
	EXPECT_EQ(-EINVAL, raw(&g, &m));
	/* Longer than what was sent: the core drops it, no reply. */
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_STATS, false);
	m.nlh.nlmsg_seq = ++g.seq;
	m.nlh.nlmsg_len = 200;
	ASSERT_EQ(NLMSG_LENGTH(GENL_HDRLEN),
		  send(g.fd, &m, NLMSG_LENGTH(GENL_HDRLEN), 0));
	{
		struct timeval tv = { 1, 0 };

		setsockopt(g.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		EXPECT_EQ(-ETIME, genl_recv_all(&g, NULL, NULL));
	}
	/* The socket and the family still work. */
	EXPECT_EQ(0, nl_get_stats(&g, &s));
	EXPECT_EQ(TDXGMEM_API_VERSION, s.api);
	close(g.fd);
}

/*
 * Random bytes after a valid header, many times: only errors or proper
 * replies, and the family still answers afterwards.
 */
TEST(fuzz)
{
	static const uint8_t cmds[] = {
		TDXGMEM_CMD_GET_STATS, TDXGMEM_CMD_LIST_FILES,
		TDXGMEM_CMD_GET_FILE, TDXGMEM_CMD_EVENT, 0, 77,
	};
	unsigned int seed = 1234, i, j, len;
	struct timeval tv = { 2, 0 };
	struct nl_stats s;
	struct genl_msg m;
	struct genl g;
	int fd, r, errors = 0;

	OPEN_OR_SKIP(&g);
	fd = newfile(SZ_2M, 0, 0);
	ASSERT_LE(0, fd);
	setsockopt(g.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (i = 0; i < 3000; i++) {
		uint8_t cmd = cmds[rand_r(&seed) % sizeof(cmds)];
		bool dump = rand_r(&seed) & 1;

		tdxgmem_msg(&g, &m, cmd, dump);
		len = rand_r(&seed) % 96;
		for (j = 0; j < len; j++)
			m.buf[m.nlh.nlmsg_len + j] = rand_r(&seed);
		/* Sometimes a plausible attribute header. */
		if (len >= 4 && (rand_r(&seed) & 1)) {
			struct nlattr *a = (struct nlattr *)(m.buf + m.nlh.nlmsg_len);

			a->nla_len = 4 + rand_r(&seed) % (len - 3);
			a->nla_type = rand_r(&seed) % (TDXGMEM_A_MAX + 3);
		}
		m.nlh.nlmsg_len += len;
		m.nlh.nlmsg_flags |= NLM_F_ACK;
		r = raw(&g, &m);
		ASSERT_NE(-ETIME, r) TH_LOG("no answer to message %u", i);
		ASSERT_TRUE(r == 0 || r == -EINVAL || r == -EOPNOTSUPP ||
			    r == -ENOENT || r == -ERANGE)
			TH_LOG("message %u: %d", i, r);
		errors += r != 0;
	}
	TH_LOG("%d of 3000 refused", errors);
	EXPECT_LT(0, errors);
	EXPECT_EQ(0, nl_get_stats(&g, &s));
	close(fd);
	close(g.fd);
}

/* Ids are unique, increasing, and what fdinfo shows. */
TEST(ids_in_fdinfo)
{
	uint64_t a, b;
	int fa, fb;

	fa = newfile(SZ_4K, 0, 0);
	fb = newfile(SZ_4K, 0, 0);
	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);
	a = tdxgmem_file_id(fa);
	b = tdxgmem_file_id(fb);
	EXPECT_NE(0, a);
	EXPECT_LT(a, b);
	close(fa);
	fa = newfile(SZ_4K, 0, 0);
	ASSERT_LE(0, fa);
	/* Never reused. */
	EXPECT_LT(b, tdxgmem_file_id(fa));
	close(fa);
	close(fb);
}

TEST(zz_no_leaks)
{
	EXPECT_TRUE(tdxgmem_no_leaks());
}

TEST_HARNESS_MAIN
