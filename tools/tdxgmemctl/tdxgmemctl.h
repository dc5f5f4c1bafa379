/* SPDX-License-Identifier: GPL-2.0 */
/* tdxgmemctl: commands and what they share. */
#ifndef TDXGMEMCTL_H
#define TDXGMEMCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt.h"
#include "json.h"
#include "nl.h"

struct opts {
	bool json;
	long count;		/* monitor: stop after this many events (0: never) */
	int timeout_ms;		/* monitor: stop after this long (-1: never) */
};

int cmd_status(struct ctl *c, const struct opts *o);
int cmd_files(struct ctl *c, const struct opts *o);
int cmd_file(struct ctl *c, const struct opts *o, uint64_t id);
int cmd_extents(struct ctl *c, const struct opts *o, uint64_t id,
		uint64_t off, uint64_t size);
int cmd_monitor(struct ctl *c, const struct opts *o);

/* Print "tdxgmemctl: WHAT: reason" for -@err; return the exit code. */
int fail(const char *what, int err, const char *why);

/* names.c */
const char *stat_name(int attr);
void flags_str(uint64_t flags, char *buf, size_t len);
void state_str(uint32_t state, char *buf, size_t len);
const char *errno_str(int err, char *buf, size_t len);

/* A TDXGMEM_A_FILE nest (fileinfo.c). */
struct file_info {
	uint64_t id, size, flags;
	unsigned int backing_log2;
	int32_t numa_node;
	uint32_t uid, pid;
	char comm[64];
	bool has_memcg, has_counts;
	uint64_t memcg_id;
	char memcg_path[4096];
	uint64_t populated, private, shared, quarantined, hwpoison;
	uint64_t backing_2m, backing_4k, dm_removed;
	uint32_t nr_bindings;
	struct nlattr *nest;	/* for the bindings */
};

int file_parse(struct nlattr *nest, struct file_info *fi);
void file_json_fields(struct json *j, const struct file_info *fi);
void file_bindings_json(struct json *j, const struct file_info *fi);
void file_print(const struct file_info *fi);
void file_identity_str(const struct file_info *fi, char *buf, size_t len);

#endif
