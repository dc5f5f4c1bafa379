// SPDX-License-Identifier: GPL-2.0
/* tdxgmemctl: one file as LIST_FILES and GET_FILE describe it. */
#include <stdio.h>
#include <string.h>

#include "tdxgmemctl.h"

#define PAGE	4096ULL

int file_parse(struct nlattr *nest, struct file_info *fi)
{
	struct nlattr *tb[TDXGMEM_FILE_A_MAX + 1];

	memset(fi, 0, sizeof(*fi));
	if (ctl_nested(tb, TDXGMEM_FILE_A_MAX, nest) || !tb[TDXGMEM_FILE_A_ID])
		return -1;
	fi->nest = nest;
	fi->id = ctl_u64(tb[TDXGMEM_FILE_A_ID]);
	fi->size = ctl_u64(tb[TDXGMEM_FILE_A_SIZE]);
	fi->flags = ctl_u64(tb[TDXGMEM_FILE_A_FLAGS]);
	fi->backing_log2 = ctl_u8(tb[TDXGMEM_FILE_A_BACKING_LOG2]);
	fi->numa_node = ctl_s32(tb[TDXGMEM_FILE_A_NUMA_NODE]);
	fi->uid = ctl_u32(tb[TDXGMEM_FILE_A_UID]);
	fi->pid = ctl_u32(tb[TDXGMEM_FILE_A_PID]);
	ctl_str(tb[TDXGMEM_FILE_A_COMM], fi->comm, sizeof(fi->comm));
	fi->has_memcg = tb[TDXGMEM_FILE_A_MEMCG_ID];
	fi->memcg_id = ctl_u64(tb[TDXGMEM_FILE_A_MEMCG_ID]);
	ctl_str(tb[TDXGMEM_FILE_A_MEMCG_PATH], fi->memcg_path,
		sizeof(fi->memcg_path));
	/* Events carry the identity only. */
	fi->has_counts = tb[TDXGMEM_FILE_A_PAGES_POPULATED];
	fi->populated = ctl_u64(tb[TDXGMEM_FILE_A_PAGES_POPULATED]);
	fi->private = ctl_u64(tb[TDXGMEM_FILE_A_PAGES_PRIVATE]);
	fi->shared = ctl_u64(tb[TDXGMEM_FILE_A_PAGES_SHARED]);
	fi->quarantined = ctl_u64(tb[TDXGMEM_FILE_A_PAGES_QUARANTINED]);
	fi->hwpoison = ctl_u64(tb[TDXGMEM_FILE_A_PAGES_HWPOISON]);
	fi->backing_2m = ctl_u64(tb[TDXGMEM_FILE_A_BACKING_2M]);
	fi->backing_4k = ctl_u64(tb[TDXGMEM_FILE_A_BACKING_4K]);
	fi->dm_removed = ctl_u64(tb[TDXGMEM_FILE_A_DIRECTMAP_REMOVED]);
	fi->nr_bindings = ctl_u32(tb[TDXGMEM_FILE_A_NR_BINDINGS]);
	return 0;
}

void file_json_fields(struct json *j, const struct file_info *fi)
{
	char flags[128];

	flags_str(fi->flags, flags, sizeof(flags));
	json_u64(j, "id", fi->id);
	json_u64(j, "size", fi->size);
	json_u64(j, "flags", fi->flags);
	json_str(j, "flag_names", flags);
	json_u64(j, "backing_log2", fi->backing_log2);
	json_s64(j, "numa_node", fi->numa_node);
	json_u64(j, "uid", fi->uid);
	json_u64(j, "pid", fi->pid);
	json_str(j, "comm", fi->comm);
	if (fi->has_memcg) {
		json_u64(j, "memcg_id", fi->memcg_id);
		json_str(j, "memcg_path", fi->memcg_path);
	}
	if (!fi->has_counts)
		return;
	json_u64(j, "pages_populated", fi->populated);
	json_u64(j, "pages_private", fi->private);
	json_u64(j, "pages_shared", fi->shared);
	json_u64(j, "pages_quarantined", fi->quarantined);
	json_u64(j, "pages_hwpoison", fi->hwpoison);
	json_u64(j, "backing_2m", fi->backing_2m);
	json_u64(j, "backing_4k", fi->backing_4k);
	json_u64(j, "directmap_removed", fi->dm_removed);
	json_u64(j, "nr_bindings", fi->nr_bindings);
}

/* Each TDXGMEM_FILE_A_BINDING of the nest: @fn(tb, arg). */
static void file_for_each_binding(const struct file_info *fi,
				  void (*fn)(struct nlattr **tb, void *arg),
				  void *arg)
{
	struct nlattr *tb[TDXGMEM_BINDING_A_MAX + 1], *a;
	int rem;

	nla_for_each_nested(a, fi->nest, rem) {
		if (nla_type(a) != TDXGMEM_FILE_A_BINDING ||
		    ctl_nested(tb, TDXGMEM_BINDING_A_MAX, a))
			continue;
		fn(tb, arg);
	}
}

static void binding_json(struct nlattr **tb, void *arg)
{
	struct json *j = arg;
	char s[64];

	json_obj(j, NULL);
	ctl_str(tb[TDXGMEM_BINDING_A_CONSUMER], s, sizeof(s));
	json_str(j, "consumer", s);
	json_u64(j, "pid", ctl_u32(tb[TDXGMEM_BINDING_A_PID]));
	ctl_str(tb[TDXGMEM_BINDING_A_COMM], s, sizeof(s));
	json_str(j, "comm", s);
	json_u64(j, "offset", ctl_u64(tb[TDXGMEM_BINDING_A_OFFSET]));
	json_u64(j, "size", ctl_u64(tb[TDXGMEM_BINDING_A_SIZE]));
	json_u64(j, "gfn", ctl_u64(tb[TDXGMEM_BINDING_A_GFN]));
	json_end_obj(j);
}

void file_bindings_json(struct json *j, const struct file_info *fi)
{
	json_arr(j, "bindings");
	file_for_each_binding(fi, binding_json, j);
	json_end_arr(j);
}

static void binding_row(struct nlattr **tb, void *arg)
{
	char consumer[64], comm[64], pid[16], off[32], size[FMT_SIZE_LEN];
	char gfn[32];

	ctl_str(tb[TDXGMEM_BINDING_A_CONSUMER], consumer, sizeof(consumer));
	ctl_str(tb[TDXGMEM_BINDING_A_COMM], comm, sizeof(comm));
	snprintf(pid, sizeof(pid), "%u", ctl_u32(tb[TDXGMEM_BINDING_A_PID]));
	snprintf(off, sizeof(off), "0x%llx",
		 (unsigned long long)ctl_u64(tb[TDXGMEM_BINDING_A_OFFSET]));
	snprintf(gfn, sizeof(gfn), "0x%llx",
		 (unsigned long long)ctl_u64(tb[TDXGMEM_BINDING_A_GFN]));
	table_row(arg, consumer, pid, comm, off,
		  fmt_size(ctl_u64(tb[TDXGMEM_BINDING_A_SIZE]), size), gfn);
}

/* "uid 0, pid 123 (qemu)". */
void file_identity_str(const struct file_info *fi, char *buf, size_t len)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%u", fi->pid);
	snprintf(buf, len, "uid %u, pid %s (%s)", fi->uid,
		 fi->pid ? pid : "-", fi->comm);
}

/* "64 MiB (16384 pages)". */
static void line_pages(const char *name, uint64_t pages)
{
	char s[FMT_SIZE_LEN];

	printf("  %-20s %s (%llu pages)\n", name, fmt_size(pages * PAGE, s),
	       (unsigned long long)pages);
}

void file_print(const struct file_info *fi)
{
	static const char *const head[] = {
		"CONSUMER", ">PID", "COMM", ">OFFSET", ">SIZE", ">GFN",
	};
	char s[FMT_SIZE_LEN], buf[256];
	struct table t;

	printf("file %llu\n", (unsigned long long)fi->id);
	printf("  %-20s %s\n", "size", fmt_size(fi->size, s));
	flags_str(fi->flags, buf, sizeof(buf));
	printf("  %-20s %s\n", "flags", buf);
	printf("  %-20s %s\n", "backing",
	       fi->backing_log2 == 21 ? "2 MiB chunks (4 KiB fallback)" :
	       "4 KiB pages");
	if (fi->numa_node < 0)
		printf("  %-20s %s\n", "numa node", "any");
	else
		printf("  %-20s %d\n", "numa node", fi->numa_node);
	file_identity_str(fi, buf, sizeof(buf));
	printf("  %-20s %s\n", "creator", buf);
	if (fi->has_memcg)
		printf("  %-20s %s (id %llu)\n", "memcg",
		       fi->memcg_path[0] ? fi->memcg_path : "?",
		       (unsigned long long)fi->memcg_id);
	line_pages("populated", fi->populated);
	line_pages("private", fi->private);
	line_pages("shared", fi->shared);
	line_pages("quarantined", fi->quarantined);
	line_pages("hwpoisoned", fi->hwpoison);
	printf("  %-20s %llu\n", "2 MiB blocks",
	       (unsigned long long)fi->backing_2m);
	line_pages("4 KiB backed", fi->backing_4k);
	line_pages("out of direct map", fi->dm_removed);
	printf("  %-20s %u\n", "bindings", fi->nr_bindings);
	if (!fi->nr_bindings)
		return;
	table_init(&t, 6, head);
	file_for_each_binding(fi, binding_row, &t);
	putchar('\n');
	table_print(&t, stdout);
	if ((uint32_t)t.rows < fi->nr_bindings)
		printf("(%u more not shown)\n", fi->nr_bindings - t.rows);
	table_free(&t);
}
