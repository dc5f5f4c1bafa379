// SPDX-License-Identifier: GPL-2.0
/*
 * LIST_FILES with 10 000 files: the dump spans many messages and lists
 * each file exactly once, in id order, also while files come and go
 * under it. Needs root (the fd limit is raised).
 */
#include <pthread.h>
#include <sys/resource.h>

#include "kselftest_harness.h"
#include "tdxgmem_nl.h"

#define NFILES	10000

FIXTURE(dump) {
	int fd[NFILES];
	uint64_t id[NFILES];
	struct genl g;
};

FIXTURE_SETUP(dump)
{
	struct rlimit rl = { NFILES + 256, NFILES + 256 };
	int i, r;

	r = genl_open(&self->g, 30000);
	if (r == -ENOENT)
		SKIP(return, "no tdxgmem netlink family");
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	for (i = 0; i < NFILES; i++) {
		self->fd[i] = newfile(SZ_4K, 0, 0);
		ASSERT_LE(0, self->fd[i]) TH_LOG("file %d", i);
		self->id[i] = tdxgmem_file_id(self->fd[i]);
	}
}

FIXTURE_TEARDOWN(dump)
{
	int i;

	for (i = 0; i < NFILES; i++)
		close(self->fd[i]);
	close(self->g.fd);
	EXPECT_TRUE(tdxgmem_no_leaks());
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* How many of @want (sorted) the dump has; every other id is counted too. */
static int found(const struct nl_list *l, const uint64_t *want, int n)
{
	int i, k = 0;

	for (i = 0; i < l->n; i++)
		if (bsearch(&l->id[i], want, n, sizeof(*want), cmp_u64))
			k++;
	return k;
}

TEST_F_TIMEOUT(dump, ten_thousand, 600)
{
	struct nl_list l;

	ASSERT_EQ(0, nl_list_files(&self->g, &l));
	TH_LOG("%d files in %d messages", l.n, self->g.parts);
	EXPECT_EQ(NFILES, l.n);
	EXPECT_TRUE(l.sorted);
	EXPECT_EQ(NFILES, found(&l, self->id, NFILES));
	EXPECT_LT(10, self->g.parts);
	nl_list_free(&l);
}

struct churn {
	volatile bool stop;
	int rounds;
};

/* Create and close files while the dump runs. */
static void *churn(void *arg)
{
	struct churn *c = arg;
	int fd;

	while (!c->stop) {
		fd = newfile(SZ_4K, 0, 0);
		if (fd >= 0)
			close(fd);
		c->rounds++;
	}
	return NULL;
}

/* Files coming and going: every steady file once, still in order. */
TEST_F_TIMEOUT(dump, while_files_churn, 600)
{
	struct churn c = { .stop = false };
	struct nl_list l;
	pthread_t t;
	int i;

	/* Close every tenth file first: holes in the ids. */
	for (i = 0; i < NFILES; i += 10) {
		close(self->fd[i]);
		self->fd[i] = -1;
		self->id[i] = 0;
	}
	ASSERT_EQ(0, pthread_create(&t, NULL, churn, &c));
	ASSERT_EQ(0, nl_list_files(&self->g, &l));
	c.stop = true;
	pthread_join(t, NULL);
	TH_LOG("%d files listed, %d created and closed meanwhile", l.n, c.rounds);
	EXPECT_TRUE(l.sorted);
	qsort(self->id, NFILES, sizeof(self->id[0]), cmp_u64);
	/* ids[0..999] are the zeros of the closed files. */
	EXPECT_EQ(NFILES - NFILES / 10,
		  found(&l, self->id + NFILES / 10, NFILES - NFILES / 10));
	nl_list_free(&l);
}

TEST_HARNESS_MAIN
