// SPDX-License-Identifier: GPL-2.0
/*
 * Who sees what through the tdxgmem netlink family: a caller without
 * CAP_SYS_ADMIN sees the files its uid created and no others (not even
 * through a socket root opened), cannot join the events group, and gets
 * no kernel address or pfn in any reply; root sees every file. The second
 * and third uids are forked children that setresuid() away from root
 * (and so lose every capability). Needs root; kvmsim for the pfns.
 */
#include <linux/falloc.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "kvmsim.h"
#include "tdxgmem_nl.h"

#define UID_A	1000
#define UID_B	1001
#define GFN0	0x7000000ULL	/* far above any pfn of the VM */

/* What a child saw, sent back through a pipe. */
struct seen {
	int ret;		/* first unexpected error, or 0 */
	int nfiles;
	uint64_t ids[8];
	uint32_t uids[8];
	int get_own, get_other, join;
	uint32_t own_uid;
	int nraw, nmsgs;
	char raw[60000];	/* every reply the child got, back to back */
};

/* Become @uid (and lose every capability) in a child. */
static int drop_to(uid_t uid)
{
	return setresgid(uid, uid, uid) || setresuid(uid, uid, uid) ? -errno : 0;
}

/* Replies appended to s->raw, for the leak scan. */
static int keep_raw(struct nlmsghdr *nlh, void *arg)
{
	struct seen *s = arg;

	if (s->nraw + nlh->nlmsg_len <= sizeof(s->raw)) {
		memcpy(s->raw + s->nraw, nlh, nlh->nlmsg_len);
		s->nraw += nlh->nlmsg_len;
		s->nmsgs++;
	}
	return 0;
}

/*
 * In a child as @uid: list files, get @own (expected visible) and @other
 * (expected hidden), try to join the events group. @g: a socket opened
 * earlier (by root), or NULL to open one as @uid.
 */
static void look(uid_t uid, struct genl *g0, uint64_t own, uint64_t other,
		 struct seen *s)
{
	struct nl_file *f = nl_file_new();
	struct genl_msg m;
	struct nl_list l;
	struct genl g;
	int i;

	memset(s, 0, sizeof(*s));
	if (drop_to(uid)) {
		s->ret = -EPERM;
		return;
	}
	if (g0)
		g = *g0;
	else if ((s->ret = genl_open(&g, 5000)))
		return;
	s->ret = nl_list_files(&g, &l);
	for (i = 0; !s->ret && i < l.n && i < 8; i++) {
		s->ids[i] = l.id[i];
		s->uids[i] = l.uid[i];
	}
	s->nfiles = l.n;
	nl_list_free(&l);
	s->get_own = own ? nl_get_file(&g, own, true, 0, 0, f) : -ENOENT;
	s->own_uid = f->uid;
	s->get_other = nl_get_file(&g, other, true, 0, 0, f);
	/* The replies again, raw, for the leak scan. */
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_LIST_FILES, true);
	genl_exchange(&g, &m, keep_raw, s);
	if (own) {
		tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_FILE, false);
		genl_put_u64(&m, TDXGMEM_A_FILE_ID, own);
		genl_put_u64(&m, TDXGMEM_A_EXTENTS_OFFSET, 0);
		genl_exchange(&g, &m, keep_raw, s);
	}
	tdxgmem_msg(&g, &m, TDXGMEM_CMD_GET_STATS, false);
	genl_exchange(&g, &m, keep_raw, s);
	s->join = genl_join_events(&g);
	free(f);
}

/* Run look() in a child; its findings in *@s. */
static int look_as(uid_t uid, struct genl *g, uint64_t own, uint64_t other,
		   struct seen *s)
{
	int p[2], status;
	ssize_t n = 0, r;
	pid_t pid;

	if (pipe(p))
		return -errno;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		look(uid, g, own, other, s);
		_exit(write(p[1], s, sizeof(*s)) == sizeof(*s) ? 0 : 1);
	}
	close(p[1]);
	while (n < (ssize_t)sizeof(*s) && (r = read(p[0], (char *)s + n,
						     sizeof(*s) - n)) > 0)
		n += r;
	close(p[0]);
	waitpid(pid, &status, 0);
	return n == sizeof(*s) && WIFEXITED(status) && !WEXITSTATUS(status) ?
	       0 : -EIO;
}

/* Make a file as @uid in a child, with /dev/tdxgmem opened as root; its fd. */
static int file_as(uid_t uid, int dev, unsigned long long size)
{
	int sv[2], fd = -1, status;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &status, .iov_len = sizeof(status) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		return -errno;
	pid = fork();
	if (pid == 0) {
		int f;

		if (drop_to(uid))
			_exit(1);
		f = tdxgmem_create(dev, size, 0, 0);
		if (f < 0)
			_exit(2);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &f, sizeof(int));
		status = 0;
		_exit(sendmsg(sv[1], &mh, 0) < 0 ? 3 : 0);
	}
	close(sv[1]);
	if (recvmsg(sv[0], &mh, 0) > 0 && (c = CMSG_FIRSTHDR(&mh)) &&
	    c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	close(sv[0]);
	waitpid(pid, &status, 0);
	return fd;
}

static bool has(const struct seen *s, uint64_t id)
{
	int i;

	for (i = 0; i < s->nfiles && i < 8; i++)
		if (s->ids[i] == id)
			return true;
	return false;
}

FIXTURE(access) {
	int dev, fd_root, fd_a;
	uint64_t id_root, id_a;
	struct genl g;
};

/* A file of root's and one of UID_A's. */
FIXTURE_SETUP(access)
{
	int r = genl_open(&self->g, 5000);

	if (r == -ENOENT)
		SKIP(return, "no tdxgmem netlink family");
	ASSERT_EQ(0, r);
	self->dev = tdxgmem_open_dev();
	ASSERT_LE(0, self->dev);
	self->fd_root = newfile(SZ_2M, 0, 0);
	ASSERT_LE(0, self->fd_root);
	self->id_root = tdxgmem_file_id(self->fd_root);
	self->fd_a = file_as(UID_A, self->dev, 2 * SZ_2M);
	ASSERT_LE(0, self->fd_a);
	self->id_a = tdxgmem_file_id(self->fd_a);
	ASSERT_NE(0, self->id_a);
}

FIXTURE_TEARDOWN(access)
{
	close(self->fd_a);
	close(self->fd_root);
	close(self->dev);
	close(self->g.fd);
}

/* Root sees both, with the right creators. */
TEST_F(access, root_sees_all)
{
	struct nl_file *f = nl_file_new();
	struct nl_list l;

	ASSERT_EQ(0, nl_list_files(&self->g, &l));
	EXPECT_TRUE(nl_list_has(&l, self->id_root));
	EXPECT_TRUE(nl_list_has(&l, self->id_a));
	nl_list_free(&l);
	ASSERT_EQ(0, nl_get_file(&self->g, self->id_a, false, 0, 0, f));
	EXPECT_EQ(UID_A, f->uid);
	ASSERT_EQ(0, nl_get_file(&self->g, self->id_root, false, 0, 0, f));
	EXPECT_EQ(0, f->uid);
	free(f);
}

/* UID_A: its own file only; root's does not exist for it. */
TEST_F(access, uid_sees_own_only)
{
	static struct seen s;
	int i;

	ASSERT_EQ(0, look_as(UID_A, NULL, self->id_a, self->id_root, &s));
	ASSERT_EQ(0, s.ret);
	EXPECT_EQ(1, s.nfiles);
	EXPECT_TRUE(has(&s, self->id_a));
	EXPECT_FALSE(has(&s, self->id_root));
	for (i = 0; i < s.nfiles && i < 8; i++)
		EXPECT_EQ(UID_A, s.uids[i]);
	EXPECT_EQ(0, s.get_own);
	EXPECT_EQ(UID_A, s.own_uid);
	EXPECT_EQ(-ENOENT, s.get_other);
	EXPECT_EQ(-EPERM, s.join);
}

/* UID_B: nothing at all. */
TEST_F(access, other_uid_sees_nothing)
{
	static struct seen s;

	ASSERT_EQ(0, look_as(UID_B, NULL, 0, self->id_a, &s));
	ASSERT_EQ(0, s.ret);
	EXPECT_EQ(0, s.nfiles);
	EXPECT_EQ(-ENOENT, s.get_other);
	EXPECT_EQ(-EPERM, s.join);
}

/* A socket root opened does not lend root's sight to UID_A. */
TEST_F(access, root_socket_in_unprivileged_hands)
{
	static struct seen s;

	ASSERT_EQ(0, look_as(UID_A, &self->g, self->id_a, self->id_root, &s));
	ASSERT_EQ(0, s.ret);
	EXPECT_EQ(1, s.nfiles);
	EXPECT_FALSE(has(&s, self->id_root));
	EXPECT_EQ(-ENOENT, s.get_other);
}

/* Does [data, data + len) hold attributes that fill it exactly? */
static bool is_nest(void *data, int len)
{
	struct nlattr *a;
	int seen = 0;

	nla_for_each(a, data, len)
		seen = (char *)a + NLA_ALIGN(a->nla_len) - (char *)data;
	return len >= NLA_HDRLEN && seen == len;
}

/*
 * Every number in the attributes of [data, data + len), nested ones too:
 * count those that are a kernel address or one of @pfn.
 */
static int scan(struct __test_metadata *_metadata, void *data, int len,
		 const unsigned long long *pfn, int npfn)
{
	struct nlattr *a;
	int hits = 0, i;

	nla_for_each(a, data, len) {
		uint64_t v = nla_payload_len(a) == 8 ? nla_u64(a) :
			     nla_payload_len(a) == 4 ? nla_u32(a) : 0;

		if (is_nest(nla_payload(a), nla_payload_len(a)))
			hits += scan(_metadata, nla_payload(a), nla_payload_len(a),
				     pfn, npfn);
		/* Kernel half, 4- or 5-level paging; no value is that large. */
		if (v >= 1ULL << 63) {
			TH_LOG("attribute %d: kernel address %#llx", nla_kind(a),
			       (unsigned long long)v);
			hits++;
		}
		for (i = 0; i < npfn; i++)
			if (v && v == pfn[i]) {
				TH_LOG("attribute %d: pfn %#llx", nla_kind(a), pfn[i]);
				hits++;
			}
	}
	return hits;
}

/* Nothing in what UID_A gets is a kernel address or one of its pfns. */
TEST_F(access, no_addresses_or_pfns)
{
	unsigned long long pfn[16];
	static struct seen s;
	struct nlmsghdr *nlh;
	int vm, i, hits = 0, n;

	VM_OR_SKIP(vm);
	/* Backing, a consumer, and the pfns it was given. */
	ASSERT_EQ(0, xfallocate(self->fd_a, FALLOC_FL_KEEP_SIZE, 0, 2 * SZ_2M));
	ASSERT_EQ(0, kvmsim_bind(vm, self->fd_a, 0, 1024, GFN0, NULL));
	for (i = 0; i < 16; i++) {
		struct kvmsim_fault f;

		ASSERT_EQ(0, kvmsim_fault(vm, GFN0 + i * 64, KVMSIM_LEVEL_4K, &f));
		pfn[i] = f.pfn;
	}
	ASSERT_EQ(0, look_as(UID_A, NULL, self->id_a, self->id_root, &s));
	ASSERT_EQ(0, s.ret);
	/* LIST_FILES (one file), GET_FILE with extents, GET_STATS. */
	ASSERT_EQ(3, s.nmsgs);
	n = s.nraw;
	for (nlh = (struct nlmsghdr *)s.raw; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n))
		hits += scan(_metadata, genl_attrs(nlh), genl_attrs_len(nlh), pfn, 16);
	EXPECT_EQ(0, hits);
	close(vm);
}

TEST_HARNESS_MAIN
