// SPDX-License-Identifier: GPL-2.0
/*
 * tdxgmem's tracepoints: a known sequence of operations (populate at
 * 2 MiB and 4 KiB, a consumer's get_pfn, conversions both ways with their
 * split/invalidate callbacks and direct-map changes, a user fault, the
 * shared-page look-up, a punch whose invalidation fails and quarantines,
 * memory failure noticed, release) must leave the expected records in
 * tracefs, in order; perf must count them too (when perf is installed).
 * Needs root and tdxgmem_kvmsim.ko; hwpoison_inject for the poison record.
 */
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "dmprobe.h"
#include "kvmsim.h"

#define TRACEFS		"/sys/kernel/tracing"
#define CORRUPT_PFN	"/sys/kernel/debug/hwpoison/corrupt-pfn"
#define GFN0		0x400000ULL
#define PRIV		TDXGMEM_ATTR_PRIVATE
#define MAX_KV		12

static int tracefs_write(const char *file, const char *val)
{
	char path[256];
	int fd, r;

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -errno;
	r = write(fd, val, strlen(val)) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* Record tdxgmem's events of this process only, from now on. */
static int trace_start(void)
{
	char pid[16];
	int r;

	if (access(TRACEFS "/trace", F_OK))
		mount("nodev", TRACEFS, "tracefs", 0, NULL);
	snprintf(pid, sizeof(pid), "%d", getpid());
	r = tracefs_write("tracing_on", "0");
	r = r ?: tracefs_write("buffer_size_kb", "4096");
	r = r ?: tracefs_write("set_event", "");
	r = r ?: tracefs_write("events/tdxgmem/enable", "1");
	r = r ?: tracefs_write("set_event_pid", pid);
	r = r ?: tracefs_write("trace", "");
	return r ?: tracefs_write("tracing_on", "1");
}

static void trace_stop(void)
{
	tracefs_write("tracing_on", "0");
	tracefs_write("events/tdxgmem/enable", "0");
	tracefs_write("set_event_pid", "");
}

/* One trace record: the event and its key=value fields. */
struct rec {
	char name[40];
	int nkv;
	char key[MAX_KV][16], val[MAX_KV][32];
};

/* The tdxgmem records of the trace buffer; their number, or -errno. */
static int trace_read(struct rec *recs, int cap)
{
	char line[512], *p, *tok, *save;
	FILE *f = fopen(TRACEFS "/trace", "r");
	int n = 0;

	if (!f)
		return -errno;
	while (n < cap && fgets(line, sizeof(line), f)) {
		struct rec *r = &recs[n];

		if (line[0] == '#' || !(p = strstr(line, " tdxgmem_")))
			continue;
		p++;
		tok = strchr(p, ':');
		if (!tok)
			continue;
		*tok = '\0';
		snprintf(r->name, sizeof(r->name), "%s", p + strlen("tdxgmem_"));
		r->nkv = 0;
		for (tok = strtok_r(tok + 1, " \n", &save); tok && r->nkv < MAX_KV;
		     tok = strtok_r(NULL, " \n", &save)) {
			char *eq = strchr(tok, '=');

			if (!eq)
				continue;
			*eq = '\0';
			snprintf(r->key[r->nkv], sizeof(r->key[0]), "%s", tok);
			snprintf(r->val[r->nkv], sizeof(r->val[0]), "%s", eq + 1);
			r->nkv++;
		}
		n++;
	}
	fclose(f);
	return n;
}

/* Equal as numbers (any base) when both are, else as strings. */
static bool same(const char *a, const char *b)
{
	char *ea, *eb;
	long long x = strtoll(a, &ea, 0), y = strtoll(b, &eb, 0);

	if (*a && *b && !*ea && !*eb)
		return x == y;
	return !strcmp(a, b);
}

/* Does record @r have event @name and every "k=v" of @want? */
static bool matches(const struct rec *r, const char *name, const char *want)
{
	char buf[256], *tok, *save;
	int i;

	if (strcmp(r->name, name))
		return false;
	snprintf(buf, sizeof(buf), "%s", want);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '=');
		bool ok = false;

		if (!eq)
			return false;
		*eq = '\0';
		for (i = 0; i < r->nkv; i++)
			if (!strcmp(r->key[i], tok) && same(r->val[i], eq + 1))
				ok = true;
		if (!ok)
			return false;
	}
	return true;
}

/* What the sequence did, to tell the records to expect. */
struct run {
	uint64_t id;
	unsigned long long pfn_private, pfn_shared;
	bool nodm, poisoned;
};

/*
 * The known sequence. Return: 0, or the number of the step that failed.
 * A NO_DIRECT_MAP file where the kernel allows it (direct-map records).
 */
static int sequence(struct run *r, bool poison)
{
	struct kvmsim_fault f;
	struct tdxgmem_extent e;
	volatile char *p;
	int fd, vm;

	memset(r, 0, sizeof(*r));
	r->nodm = caps_mode() != TDXGMEM_DIRECTMAP_NONE;
	vm = kvmsim_vm();
	if (vm < 0)
		return 1;
	fd = newfile(2 * SZ_2M, TDXGMEM_F_MMAP |
		     (r->nodm ? TDXGMEM_F_NO_DIRECT_MAP : 0), 0);
	if (fd < 0)
		return 2;
	r->id = tdxgmem_file_id(fd);
	/* Populate: a whole chunk at 2 MiB, one page at 4 KiB. */
	if (xfallocate(fd, FALLOC_FL_KEEP_SIZE, 0, SZ_2M) ||
	    xfallocate(fd, FALLOC_FL_KEEP_SIZE, SZ_2M + 5 * SZ_4K, SZ_4K))
		return 3;
	/* A consumer maps private memory at 2 MiB. */
	if (kvmsim_bind(vm, fd, 0, 2 * PAGES_2M, GFN0, NULL) ||
	    kvmsim_fault(vm, GFN0 + 3, KVMSIM_LEVEL_2M, &f))
		return 4;
	r->pfn_private = f.pfn;
	/* To shared: split, direct map back, invalidate, convert. */
	if (tdxgmem_convert_pages(fd, 0, PAGES_2M, 0, 0, NULL))
		return 5;
	/* A user fault on it, and the consumer's shared look-up. */
	p = mmap(NULL, 2 * SZ_2M, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 6;
	p[0] = 1;
	munmap((void *)p, 2 * SZ_2M);
	if (kvmsim_fault_shared(vm, GFN0 + 1, &f))
		return 7;
	r->pfn_shared = f.pfn;
	/* One page back to private: no split, shared mappings go. */
	if (tdxgmem_convert_pages(fd, 0, 1, PRIV, 0, NULL))
		return 8;
	/* A punch whose invalidation fails: quarantine. */
	if (kvmsim_set_fail(vm, 0, 1) || kvmsim_punch(fd, PAGES_2M, PAGES_2M) != -EIO)
		return 9;
	/* Memory failure on shared page 2, noticed by QUERY. */
	if (poison && !access(CORRUPT_PFN, W_OK) &&
	    !kvmsim_fault_shared(vm, GFN0 + 2, &f)) {
		char buf[32];
		int pfd = open(CORRUPT_PFN, O_WRONLY), n;

		n = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)f.pfn);
		if (pfd >= 0 && write(pfd, buf, n) < 0)
			n = 0;	/* the page may be marked all the same */
		if (pfd >= 0)
			close(pfd);
		r->poisoned = !kvmsim_query_page(fd, 2, &e) &&
			      (e.state & TDXGMEM_STATE_HWPOISON);
	}
	/* Release with the consumer still bound. */
	close(fd);
	close(vm);
	return 0;
}

FIXTURE(trace) {
	long long quarantined0;
};

FIXTURE_SETUP(trace)
{
	int vm = kvmsim_vm();

	if (vm == -ENOENT)
		SKIP(return, "tdxgmem_kvmsim.ko not loaded");
	ASSERT_LE(0, vm);
	close(vm);
	self->quarantined0 = tdxgmem_stat("quarantined");
}

FIXTURE_TEARDOWN(trace)
{
	trace_stop();
	EXPECT_EQ(0, tdxgmem_stat("files"));
	EXPECT_EQ(0, tdxgmem_pages());
}

#define NREC	4096

/* The records the sequence must leave, in this order (others may come between). */
TEST_F(trace, sequence_records)
{
	static struct rec recs[NREC];
	struct { const char *name; char want[160]; bool on; } exp[32];
	int n = 0, i, k, nrec, conv_shared = -1, conv_private = -1;
	unsigned long long g = GFN0;
	struct run r;

#define EXPECT_REC(cond, ev, ...) do {					\
		exp[n].name = ev;					\
		exp[n].on = cond;					\
		snprintf(exp[n].want, sizeof(exp[n].want), __VA_ARGS__); \
		n++;							\
	} while (0)

	ASSERT_EQ(0, trace_start());
	ASSERT_EQ(0, sequence(&r, true));
	tracefs_write("tracing_on", "0");
	nrec = trace_read(recs, NREC);
	ASSERT_LT(0, nrec);
	TH_LOG("%d records; file %llu, direct map %s, poison %s", nrec,
	       (unsigned long long)r.id, r.nodm ? "yes" : "no",
	       r.poisoned ? "yes" : "no");

	EXPECT_REC(1, "populate", "file=%llu pgoff=0 npages=512 order=9 ret=0",
		   (unsigned long long)r.id);
	EXPECT_REC(r.nodm, "directmap", "op=zap pages=512 runs=1 flushes=1 ret=0");
	EXPECT_REC(1, "populate", "file=%llu pgoff=0x205 npages=1 order=0 ret=0",
		   (unsigned long long)r.id);
	EXPECT_REC(r.nodm, "directmap", "op=zap pages=1 ret=0");
	EXPECT_REC(1, "get_pfn", "file=%llu gfn=%#llx kind=private pfn=%#llx order=9 ret=0",
		   (unsigned long long)r.id, g + 3, r.pfn_private);
	EXPECT_REC(1, "split", "file=%llu start=%#llx end=%#llx ret=0",
		   (unsigned long long)r.id, g, g + 512);
	EXPECT_REC(r.nodm, "directmap", "op=restore pages=512 ret=0");
	EXPECT_REC(1, "invalidate", "file=%llu start=%#llx end=%#llx reason=to_shared ret=0",
		   (unsigned long long)r.id, g, g + 512);
	EXPECT_REC(1, "convert", "file=%llu pgoff=0 npages=512 to=shared contents=zero ret=0",
		   (unsigned long long)r.id);
	EXPECT_REC(1, "fault", "file=%llu pgoff=0 write=1 err=0 fault=0x100",
		   (unsigned long long)r.id);
	EXPECT_REC(1, "get_pfn", "file=%llu gfn=%#llx kind=shared pfn=%#llx order=0 ret=0",
		   (unsigned long long)r.id, g + 1, r.pfn_shared);
	EXPECT_REC(1, "invalidate", "file=%llu start=%#llx end=%#llx reason=to_private ret=0",
		   (unsigned long long)r.id, g, g + 1);
	EXPECT_REC(r.nodm, "directmap", "op=zap pages=1 ret=0");
	EXPECT_REC(1, "convert", "file=%llu pgoff=0 npages=1 to=private contents=zero ret=0",
		   (unsigned long long)r.id);
	EXPECT_REC(1, "split", "file=%llu start=%#llx end=%#llx ret=0",
		   (unsigned long long)r.id, g + 512, g + 1024);
	EXPECT_REC(r.nodm, "directmap", "op=restore pages=1 ret=0");
	EXPECT_REC(1, "invalidate", "file=%llu start=%#llx end=%#llx reason=punch ret=-5",
		   (unsigned long long)r.id, g + 512, g + 1024);
	EXPECT_REC(1, "quarantine", "file=%llu pgoff=0x200 npages=512 quarantined=1 cause=consumer err=-5",
		   (unsigned long long)r.id);
	EXPECT_REC(r.poisoned, "hwpoison", "file=%llu pgoff=0x2",
		   (unsigned long long)r.id);
	EXPECT_REC(1, "invalidate", "file=%llu start=%#llx end=%#llx reason=release ret=0",
		   (unsigned long long)r.id, g, g + 1024);

	for (i = 0, k = 0; i < n; i++) {
		if (!exp[i].on)
			continue;
		while (k < nrec && !matches(&recs[k], exp[i].name, exp[i].want))
			k++;
		EXPECT_LT(k, nrec) TH_LOG("no %s record \"%s\" in order",
					  exp[i].name, exp[i].want);
		if (k == nrec) {
			for (k = 0; k < nrec; k++) {
				char kv[256] = "";
				int j;

				for (j = 0; j < recs[k].nkv; j++)
					snprintf(kv + strlen(kv), sizeof(kv) - strlen(kv),
						 " %s=%s", recs[k].key[j], recs[k].val[j]);
				TH_LOG("record %d: %s%s", k, recs[k].name, kv);
			}
			break;
		}
		if (!strcmp(exp[i].name, "convert"))
			*(conv_shared < 0 ? &conv_shared : &conv_private) = k;
		k++;
	}
	/* A conversion to private splits nothing. */
	for (k = conv_shared + 1; conv_shared >= 0 && k < conv_private; k++)
		EXPECT_STRNE("split", recs[k].name);
	/* Nothing but tdxgmem's file and our pfns. */
	for (k = 0; k < nrec; k++)
		for (i = 0; i < recs[k].nkv; i++)
			if (!strcmp(recs[k].key[i], "file"))
				EXPECT_TRUE(same(recs[k].val[i], "0") ||
					    strtoull(recs[k].val[i], NULL, 0) == r.id);
}

/* Each event's format, which perf, trace-cmd and bpftrace read. */
TEST_F(trace, formats)
{
	static const char *const events[] = {
		"populate", "fault", "convert", "split", "invalidate", "get_pfn",
		"directmap", "quarantine", "hwpoison", "pool_put",
	};
	char path[256], buf[4096];
	unsigned int i;
	int fd, n;

	if (access(TRACEFS "/trace", F_OK))
		mount("nodev", TRACEFS, "tracefs", 0, NULL);
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		snprintf(path, sizeof(path), TRACEFS "/events/tdxgmem/tdxgmem_%s/format",
			 events[i]);
		fd = open(path, O_RDONLY);
		ASSERT_LE(0, fd) TH_LOG("%s", path);
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		ASSERT_LT(0, n);
		buf[n] = '\0';
		EXPECT_NE(NULL, strstr(buf, "print fmt:")) TH_LOG("%s", events[i]);
		/* Enum values resolved to numbers for userspace parsers. */
		EXPECT_EQ(NULL, strstr(buf, "TDXGMEM_")) TH_LOG("%s", events[i]);
	}
}

/* perf counts what the sequence produces (the same as tracefs shows). */
TEST_F(trace, perf_counts)
{
	char cmd[512], line[256], self_exe[256];
	int populate = -1, convert = -1, quarantine = -1;
	ssize_t len;
	FILE *p;

	if (system("perf --version >/dev/null 2>&1"))
		SKIP(return, "no perf");
	if (access(TRACEFS "/trace", F_OK))
		mount("nodev", TRACEFS, "tracefs", 0, NULL);
	len = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	ASSERT_LT(0, len);
	self_exe[len] = '\0';
	snprintf(cmd, sizeof(cmd),
		 "perf stat -x, -e tdxgmem:tdxgmem_populate -e tdxgmem:tdxgmem_convert "
		 "-e tdxgmem:tdxgmem_quarantine -- %s --workload 2>&1", self_exe);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	while (fgets(line, sizeof(line), p)) {
		TH_LOG("perf: %s", line);
		if (strstr(line, "tdxgmem:tdxgmem_populate"))
			populate = atoi(line);
		if (strstr(line, "tdxgmem:tdxgmem_convert"))
			convert = atoi(line);
		if (strstr(line, "tdxgmem:tdxgmem_quarantine"))
			quarantine = atoi(line);
	}
	ASSERT_EQ(0, pclose(p));
	EXPECT_EQ(2, populate);
	EXPECT_EQ(2, convert);
	EXPECT_EQ(1, quarantine);
}

int main(int argc, char **argv)
{
	struct run r;

	/* perf's workload: the sequence alone, without poison. */
	if (argc > 1 && !strcmp(argv[1], "--workload"))
		return sequence(&r, false);
	return test_harness_run(argc, argv);
}
