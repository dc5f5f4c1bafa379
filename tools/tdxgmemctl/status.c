// SPDX-License-Identifier: GPL-2.0
/* tdxgmemctl status: the module, its parameters and counters. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tdxgmemctl.h"
#include "uapi/linux/tdxgmem.h"

#define PAGE	4096ULL

struct status {
	uint32_t api;
	char version[64], dm_name[32];
	uint32_t dm_mode;
	uint64_t supported_flags, page_sizes, max_file_size, limit_pages;
	uint64_t p_max_file_size;
	uint32_t p_mem_limit_pct;
	uint8_t p_directmap_resolve;
	uint64_t stat[TDXGMEM_STAT_MAX + 1];
	bool have[TDXGMEM_STAT_MAX + 1];
};

static int status_reply(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	struct nlattr *p[TDXGMEM_PARAM_A_MAX + 1], *a;
	struct status *s = arg;
	int rem;

	s->api = ctl_u32(tb[TDXGMEM_A_API_VERSION]);
	ctl_str(tb[TDXGMEM_A_MODULE_VERSION], s->version, sizeof(s->version));
	s->dm_mode = ctl_u32(tb[TDXGMEM_A_DIRECTMAP_MODE]);
	ctl_str(tb[TDXGMEM_A_DIRECTMAP_NAME], s->dm_name, sizeof(s->dm_name));
	s->supported_flags = ctl_u64(tb[TDXGMEM_A_SUPPORTED_FLAGS]);
	s->page_sizes = ctl_u64(tb[TDXGMEM_A_PAGE_SIZES]);
	s->max_file_size = ctl_u64(tb[TDXGMEM_A_MAX_FILE_SIZE]);
	s->limit_pages = ctl_u64(tb[TDXGMEM_A_MEM_LIMIT_PAGES]);
	if (!ctl_nested(p, TDXGMEM_PARAM_A_MAX, tb[TDXGMEM_A_PARAMS])) {
		s->p_max_file_size = ctl_u64(p[TDXGMEM_PARAM_A_MAX_FILE_SIZE]);
		s->p_mem_limit_pct = ctl_u32(p[TDXGMEM_PARAM_A_MEM_LIMIT_PCT]);
		s->p_directmap_resolve =
			ctl_u8(p[TDXGMEM_PARAM_A_DIRECTMAP_RESOLVE]);
	}
	if (!tb[TDXGMEM_A_STATS])
		return 0;
	nla_for_each_nested(a, tb[TDXGMEM_A_STATS], rem) {
		int t = nla_type(a);

		if (t > 0 && t <= TDXGMEM_STAT_MAX && stat_name(t)) {
			s->stat[t] = ctl_u64(a);
			s->have[t] = true;
		}
	}
	return 0;
}

static bool status_json(const struct status *s)
{
	char flags[128];
	struct json j;
	int i;

	if (!json_begin(&j, stdout))
		return false;
	json_obj(&j, NULL);
	json_str(&j, "module_version", s->version);
	json_u64(&j, "api_version", s->api);
	json_u64(&j, "directmap_mode", s->dm_mode);
	json_str(&j, "directmap", s->dm_name);
	json_u64(&j, "supported_flags", s->supported_flags);
	flags_str(s->supported_flags, flags, sizeof(flags));
	json_str(&j, "supported_flag_names", flags);
	json_u64(&j, "page_sizes", s->page_sizes);
	json_u64(&j, "max_file_size", s->max_file_size);
	json_u64(&j, "mem_limit_pages", s->limit_pages);
	json_obj(&j, "params");
	json_u64(&j, "max_file_size", s->p_max_file_size);
	json_u64(&j, "mem_limit_pct", s->p_mem_limit_pct);
	json_bool(&j, "directmap_resolve", s->p_directmap_resolve);
	json_end_obj(&j);
	json_obj(&j, "stats");
	for (i = 1; i <= TDXGMEM_STAT_MAX; i++)
		if (s->have[i])
			json_u64(&j, stat_name(i), s->stat[i]);
	json_end_obj(&j);
	json_end_obj(&j);
	json_finish(&j);
	return true;
}

static void status_print(const struct status *s)
{
	static const char *const head[] = { "COUNTER", ">VALUE", ">SIZE" };
	char a[FMT_SIZE_LEN], b[FMT_SIZE_LEN], flags[128], v[32];
	struct table t;
	int i;

	printf("tdxgmem %s (api %u), direct map backend: %s\n", s->version,
	       s->api, s->dm_name);
	flags_str(s->supported_flags, flags, sizeof(flags));
	printf("create flags: %s; page sizes:%s%s%s; max file size %s\n", flags,
	       s->page_sizes & (1ULL << 12) ? " 4 KiB" : "",
	       s->page_sizes & (1ULL << 21) ? " 2 MiB" : "",
	       s->page_sizes & (1ULL << 30) ? " 1 GiB" : "",
	       fmt_size(s->max_file_size, a));
	printf("parameters: max_file_size %s, mem_limit_pct %u (%s), directmap_resolve %s\n",
	       s->p_max_file_size ? fmt_size(s->p_max_file_size, b) : "0 (no limit)",
	       s->p_mem_limit_pct, fmt_size(s->limit_pages * PAGE, a),
	       s->p_directmap_resolve ? "Y" : "N");
	putchar('\n');
	table_init(&t, 3, head);
	for (i = 1; i <= TDXGMEM_STAT_MAX; i++) {
		const char *n = stat_name(i);
		bool pages;

		if (!s->have[i] || !n)
			continue;
		/* Counters of pages also as a size. */
		pages = i == TDXGMEM_STAT_PAGES || strstr(n, "_pages") ||
			i == TDXGMEM_STAT_QUARANTINED ||
			i == TDXGMEM_STAT_HWPOISON || i == TDXGMEM_STAT_FREES;
		snprintf(v, sizeof(v), "%llu", (unsigned long long)s->stat[i]);
		table_row(&t, n, v, pages ? fmt_size(s->stat[i] * PAGE, a) : "");
	}
	table_print(&t, stdout);
	table_free(&t);
}

int cmd_status(struct ctl *c, const struct opts *o)
{
	struct status s = { 0 };
	char why[256];
	int err;

	err = ctl_request(c, ctl_msg(c, TDXGMEM_CMD_GET_STATS, false),
			  status_reply, &s, why, sizeof(why));
	if (err)
		return fail("status", err, why);
	if (!o->json)
		status_print(&s);
	else if (!status_json(&s))
		return fail("status", -ENOMEM, NULL);
	return EXIT_OK;
}
