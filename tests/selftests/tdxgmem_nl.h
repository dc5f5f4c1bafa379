/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tdxgmem netlink family's replies, parsed for the selftests:
 * GET_STATS, GET_FILE (with bindings and extents) and LIST_FILES.
 */
#ifndef TDXGMEM_SELFTEST_NL_H
#define TDXGMEM_SELFTEST_NL_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "genl.h"
#include "helpers.h"

/* The debugfs names of the counters, by attribute. */
static const char *const nl_stat_names[TDXGMEM_STAT_MAX + 1] = {
	[TDXGMEM_STAT_FILES] = "files",
	[TDXGMEM_STAT_PAGES] = "pages",
	[TDXGMEM_STAT_CHUNK_ALLOCS] = "chunk_allocs",
	[TDXGMEM_STAT_PAGE_ALLOCS] = "page_allocs",
	[TDXGMEM_STAT_FALLBACKS] = "fallbacks",
	[TDXGMEM_STAT_FREES] = "frees",
	[TDXGMEM_STAT_LIMIT_FAILS] = "limit_fails",
	[TDXGMEM_STAT_BINDINGS] = "bindings",
	[TDXGMEM_STAT_QUARANTINED] = "quarantined",
	[TDXGMEM_STAT_HWPOISON] = "hwpoison",
	[TDXGMEM_STAT_SPLITS] = "splits",
	[TDXGMEM_STAT_INVALIDATIONS] = "invalidations",
	[TDXGMEM_STAT_DM_ZAPPED_PAGES] = "dm_zapped_pages",
	[TDXGMEM_STAT_DM_RESTORED_PAGES] = "dm_restored_pages",
	[TDXGMEM_STAT_DM_TLB_FLUSHES] = "dm_tlb_flushes",
	[TDXGMEM_STAT_DM_FAILURES] = "dm_failures",
	[TDXGMEM_STAT_DM_POISON_SKIPPED] = "dm_poison_skipped",
	[TDXGMEM_STAT_TDX_RESET_PAGES] = "tdx_reset_pages",
	[TDXGMEM_STAT_POISON_SCANS] = "poison_scans",
	[TDXGMEM_STAT_BLOCK_FREES] = "block_frees",
	[TDXGMEM_STAT_BLOCK_SPLITS] = "block_splits",
	[TDXGMEM_STAT_GIGA_ALLOCS] = "giga_allocs",
	[TDXGMEM_STAT_GIGA_FALLBACKS] = "giga_fallbacks",
	[TDXGMEM_STAT_GIGA_FREES] = "giga_frees",
	[TDXGMEM_STAT_ZEROED_PAGES] = "zeroed_pages",
	[TDXGMEM_STAT_ZERO_SKIPPED_PAGES] = "zero_skipped_pages",
	[TDXGMEM_STAT_POOL_BLOCKS] = "pool_blocks",
	[TDXGMEM_STAT_POOL_PUTS] = "pool_puts",
	[TDXGMEM_STAT_POOL_HITS] = "pool_hits",
	[TDXGMEM_STAT_POOL_RELEASES] = "pool_releases",
};

struct nl_stats {
	uint8_t version, cmd;		/* of the reply's genlmsghdr */
	uint32_t api, dm_mode, mem_limit_pct;
	uint8_t directmap_resolve;
	char module_version[32], dm_name[16];
	uint64_t supported_flags, page_sizes, max_file_size, mem_limit_pages;
	uint64_t p_max_file_size;
	uint64_t stat[TDXGMEM_STAT_MAX + 1];
	bool have[TDXGMEM_STAT_MAX + 1];
};

static int nl_stats_reply(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[TDXGMEM_A_MAX + 1], *p[TDXGMEM_PARAM_A_MAX + 1], *a;
	struct genlmsghdr *g = NLMSG_DATA(nlh);
	struct nl_stats *s = arg;

	s->version = g->version;
	s->cmd = g->cmd;
	nla_parse_all(tb, TDXGMEM_A_MAX, genl_attrs(nlh), genl_attrs_len(nlh));
	s->api = nla_u32(tb[TDXGMEM_A_API_VERSION]);
	snprintf(s->module_version, sizeof(s->module_version), "%s",
		 nla_str(tb[TDXGMEM_A_MODULE_VERSION]));
	s->dm_mode = nla_u32(tb[TDXGMEM_A_DIRECTMAP_MODE]);
	snprintf(s->dm_name, sizeof(s->dm_name), "%s",
		 nla_str(tb[TDXGMEM_A_DIRECTMAP_NAME]));
	s->supported_flags = nla_u64(tb[TDXGMEM_A_SUPPORTED_FLAGS]);
	s->page_sizes = nla_u64(tb[TDXGMEM_A_PAGE_SIZES]);
	s->max_file_size = nla_u64(tb[TDXGMEM_A_MAX_FILE_SIZE]);
	s->mem_limit_pages = nla_u64(tb[TDXGMEM_A_MEM_LIMIT_PAGES]);
	nla_parse_nest(p, TDXGMEM_PARAM_A_MAX, tb[TDXGMEM_A_PARAMS]);
	s->p_max_file_size = nla_u64(p[TDXGMEM_PARAM_A_MAX_FILE_SIZE]);
	s->mem_limit_pct = nla_u32(p[TDXGMEM_PARAM_A_MEM_LIMIT_PCT]);
	s->directmap_resolve = nla_u8(p[TDXGMEM_PARAM_A_DIRECTMAP_RESOLVE]);
	if (tb[TDXGMEM_A_STATS])
		nla_for_each(a, nla_payload(tb[TDXGMEM_A_STATS]),
			     nla_payload_len(tb[TDXGMEM_A_STATS]))
			if (nla_kind(a) <= TDXGMEM_STAT_MAX &&
			    nla_payload_len(a) == 8) {
				s->stat[nla_kind(a)] = nla_u64(a);
				s->have[nla_kind(a)] = true;
			}
	return 0;
}

static inline int nl_get_stats(struct genl *g, struct nl_stats *s)
{
	struct genl_msg m;

	memset(s, 0, sizeof(*s));
	tdxgmem_msg(g, &m, TDXGMEM_CMD_GET_STATS, false);
	return genl_exchange(g, &m, nl_stats_reply, s);
}

#define NL_MAX_BINDINGS	8
#define NL_MAX_EXTENTS	1100

struct nl_binding {
	char consumer[64], comm[32];
	uint32_t pid;
	uint64_t offset, size, gfn;
};

struct nl_file {
	uint64_t id, size, flags, memcg_id;
	uint64_t populated, private, shared, quarantined, hwpoison;
	uint64_t backing_2m, backing_4k, dm_removed;
	uint32_t uid, pid, nr_bindings;
	int32_t numa_node;
	uint8_t backing_log2;
	bool has_memcg;
	char comm[32], memcg_path[256];
	int nbindings;
	struct nl_binding b[NL_MAX_BINDINGS];
	int nextents;
	struct tdxgmem_extent ext[NL_MAX_EXTENTS];
	bool has_next;
	uint64_t next;
};

/* One TDXGMEM_A_FILE nest. */
static inline void nl_parse_file(struct nlattr *nest, struct nl_file *f)
{
	struct nlattr *tb[TDXGMEM_FILE_A_MAX + 1], *a;
	struct nlattr *b[TDXGMEM_BINDING_A_MAX + 1];

	nla_parse_nest(tb, TDXGMEM_FILE_A_MAX, nest);
	f->id = nla_u64(tb[TDXGMEM_FILE_A_ID]);
	f->size = nla_u64(tb[TDXGMEM_FILE_A_SIZE]);
	f->flags = nla_u64(tb[TDXGMEM_FILE_A_FLAGS]);
	f->backing_log2 = nla_u8(tb[TDXGMEM_FILE_A_BACKING_LOG2]);
	f->numa_node = (int32_t)nla_u32(tb[TDXGMEM_FILE_A_NUMA_NODE]);
	f->uid = nla_u32(tb[TDXGMEM_FILE_A_UID]);
	f->pid = nla_u32(tb[TDXGMEM_FILE_A_PID]);
	snprintf(f->comm, sizeof(f->comm), "%s", nla_str(tb[TDXGMEM_FILE_A_COMM]));
	f->has_memcg = tb[TDXGMEM_FILE_A_MEMCG_ID];
	f->memcg_id = nla_u64(tb[TDXGMEM_FILE_A_MEMCG_ID]);
	snprintf(f->memcg_path, sizeof(f->memcg_path), "%s",
		 nla_str(tb[TDXGMEM_FILE_A_MEMCG_PATH]));
	f->populated = nla_u64(tb[TDXGMEM_FILE_A_PAGES_POPULATED]);
	f->private = nla_u64(tb[TDXGMEM_FILE_A_PAGES_PRIVATE]);
	f->shared = nla_u64(tb[TDXGMEM_FILE_A_PAGES_SHARED]);
	f->quarantined = nla_u64(tb[TDXGMEM_FILE_A_PAGES_QUARANTINED]);
	f->hwpoison = nla_u64(tb[TDXGMEM_FILE_A_PAGES_HWPOISON]);
	f->backing_2m = nla_u64(tb[TDXGMEM_FILE_A_BACKING_2M]);
	f->backing_4k = nla_u64(tb[TDXGMEM_FILE_A_BACKING_4K]);
	f->dm_removed = nla_u64(tb[TDXGMEM_FILE_A_DIRECTMAP_REMOVED]);
	f->nr_bindings = nla_u32(tb[TDXGMEM_FILE_A_NR_BINDINGS]);
	if (!nest)
		return;
	nla_for_each(a, nla_payload(nest), nla_payload_len(nest)) {
		struct nl_binding *nb = &f->b[f->nbindings];

		if (nla_kind(a) != TDXGMEM_FILE_A_BINDING ||
		    f->nbindings == NL_MAX_BINDINGS)
			continue;
		nla_parse_nest(b, TDXGMEM_BINDING_A_MAX, a);
		snprintf(nb->consumer, sizeof(nb->consumer), "%s",
			 nla_str(b[TDXGMEM_BINDING_A_CONSUMER]));
		snprintf(nb->comm, sizeof(nb->comm), "%s",
			 nla_str(b[TDXGMEM_BINDING_A_COMM]));
		nb->pid = nla_u32(b[TDXGMEM_BINDING_A_PID]);
		nb->offset = nla_u64(b[TDXGMEM_BINDING_A_OFFSET]);
		nb->size = nla_u64(b[TDXGMEM_BINDING_A_SIZE]);
		nb->gfn = nla_u64(b[TDXGMEM_BINDING_A_GFN]);
		f->nbindings++;
	}
}

static int nl_file_reply(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[TDXGMEM_A_MAX + 1], *a;
	struct nlattr *e[TDXGMEM_EXTENT_A_MAX + 1];
	struct nl_file *f = arg;

	nla_parse_all(tb, TDXGMEM_A_MAX, genl_attrs(nlh), genl_attrs_len(nlh));
	nl_parse_file(tb[TDXGMEM_A_FILE], f);
	f->has_next = tb[TDXGMEM_A_EXTENTS_NEXT];
	f->next = nla_u64(tb[TDXGMEM_A_EXTENTS_NEXT]);
	nla_for_each(a, genl_attrs(nlh), genl_attrs_len(nlh)) {
		struct tdxgmem_extent *x = &f->ext[f->nextents];

		if (nla_kind(a) != TDXGMEM_A_EXTENT || f->nextents == NL_MAX_EXTENTS)
			continue;
		nla_parse_nest(e, TDXGMEM_EXTENT_A_MAX, a);
		memset(x, 0, sizeof(*x));
		x->offset = nla_u64(e[TDXGMEM_EXTENT_A_OFFSET]);
		x->size = nla_u64(e[TDXGMEM_EXTENT_A_SIZE]);
		x->state = nla_u32(e[TDXGMEM_EXTENT_A_STATE]);
		x->backing_log2 = nla_u8(e[TDXGMEM_EXTENT_A_BACKING_LOG2]);
		x->map_log2 = nla_u8(e[TDXGMEM_EXTENT_A_MAP_LOG2]);
		f->nextents++;
	}
	return 0;
}

/*
 * GET_FILE of @id into *@f (extents appended to those already there);
 * with @extents, of [@off, @off + @size) (0 leaves an attribute out).
 */
static inline int nl_get_file(struct genl *g, uint64_t id, bool extents,
			      uint64_t off, uint64_t size, struct nl_file *f)
{
	struct genl_msg m;
	int keep = f->nextents;

	memset(f, 0, offsetof(struct nl_file, nextents));
	f->has_next = false;
	tdxgmem_msg(g, &m, TDXGMEM_CMD_GET_FILE, false);
	genl_put_u64(&m, TDXGMEM_A_FILE_ID, id);
	if (extents) {
		genl_put_u64(&m, TDXGMEM_A_EXTENTS_OFFSET, off);
		if (size)
			genl_put_u64(&m, TDXGMEM_A_EXTENTS_SIZE, size);
	}
	f->nextents = keep;
	return genl_exchange(g, &m, nl_file_reply, f);
}

static inline struct nl_file *nl_file_new(void)
{
	return calloc(1, sizeof(struct nl_file));
}

/* LIST_FILES: ids (and sizes) of the files the caller sees. */
struct nl_list {
	int n, cap;
	uint64_t *id, *size;
	uint32_t *uid;
	bool sorted;		/* ids came in increasing order */
};

static int nl_list_reply(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[TDXGMEM_A_MAX + 1];
	struct nl_list *l = arg;
	struct nl_file f;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->id = realloc(l->id, l->cap * sizeof(*l->id));
		l->size = realloc(l->size, l->cap * sizeof(*l->size));
		l->uid = realloc(l->uid, l->cap * sizeof(*l->uid));
		if (!l->id || !l->size || !l->uid)
			return -ENOMEM;
	}
	nla_parse_all(tb, TDXGMEM_A_MAX, genl_attrs(nlh), genl_attrs_len(nlh));
	memset(&f, 0, offsetof(struct nl_file, nbindings));
	nl_parse_file(tb[TDXGMEM_A_FILE], &f);
	if (l->n && f.id <= l->id[l->n - 1])
		l->sorted = false;
	l->id[l->n] = f.id;
	l->size[l->n] = f.size;
	l->uid[l->n] = f.uid;
	l->n++;
	return 0;
}

static inline int nl_list_files(struct genl *g, struct nl_list *l)
{
	struct genl_msg m;

	memset(l, 0, sizeof(*l));
	l->sorted = true;
	tdxgmem_msg(g, &m, TDXGMEM_CMD_LIST_FILES, true);
	return genl_exchange(g, &m, nl_list_reply, l);
}

static inline bool nl_list_has(const struct nl_list *l, uint64_t id)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (l->id[i] == id)
			return true;
	return false;
}

static inline void nl_list_free(struct nl_list *l)
{
	free(l->id);
	free(l->size);
	free(l->uid);
}

/* One event of the "events" group. */
struct nl_event {
	uint32_t type, cause, op;
	int32_t error;
	uint64_t file_id, offset, size, pages, held, limit, dropped;
	bool has_file;
	struct nl_file file;	/* identity only */
};

static int nl_event_reply(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[TDXGMEM_A_MAX + 1], *e[TDXGMEM_EVENT_A_MAX + 1];
	struct genlmsghdr *gh = NLMSG_DATA(nlh);
	struct nl_event *ev = arg;

	if (gh->cmd != TDXGMEM_CMD_EVENT)
		return 0;
	nla_parse_all(tb, TDXGMEM_A_MAX, genl_attrs(nlh), genl_attrs_len(nlh));
	nla_parse_nest(e, TDXGMEM_EVENT_A_MAX, tb[TDXGMEM_A_EVENT]);
	memset(ev, 0, offsetof(struct nl_event, file));
	ev->type = nla_u32(e[TDXGMEM_EVENT_A_TYPE]);
	ev->cause = nla_u32(e[TDXGMEM_EVENT_A_CAUSE]);
	ev->op = nla_u32(e[TDXGMEM_EVENT_A_DIRECTMAP_OP]);
	ev->error = (int32_t)nla_u32(e[TDXGMEM_EVENT_A_ERROR]);
	ev->file_id = nla_u64(e[TDXGMEM_EVENT_A_FILE_ID]);
	ev->offset = nla_u64(e[TDXGMEM_EVENT_A_OFFSET]);
	ev->size = nla_u64(e[TDXGMEM_EVENT_A_SIZE]);
	ev->pages = nla_u64(e[TDXGMEM_EVENT_A_PAGES]);
	ev->held = nla_u64(e[TDXGMEM_EVENT_A_HELD_PAGES]);
	ev->limit = nla_u64(e[TDXGMEM_EVENT_A_LIMIT_PAGES]);
	ev->dropped = nla_u64(e[TDXGMEM_EVENT_A_DROPPED]);
	ev->has_file = tb[TDXGMEM_A_FILE];
	memset(&ev->file, 0, offsetof(struct nl_file, nbindings));
	nl_parse_file(tb[TDXGMEM_A_FILE], &ev->file);
	return 1;
}

/*
 * The next event of @type (0: any) for file @file_id (0: any) on a socket
 * that joined the group, skipping others; -ETIME if none came within the
 * socket's timeout.
 */
static inline int nl_next_event(struct genl *g, uint32_t type,
				uint64_t file_id, struct nl_event *ev)
{
	static char buf[GENL_BUF];
	struct nlmsghdr *nlh;
	ssize_t n;

	for (;;) {
		n = recv(g->fd, buf, sizeof(buf), 0);
		if (n < 0)
			return errno == EAGAIN ? -ETIME : -errno;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_type != g->family ||
			    !nl_event_reply(nlh, ev))
				continue;
			if ((!type || ev->type == type) &&
			    (!file_id || ev->file_id == file_id))
				return 0;
		}
	}
}

#endif
