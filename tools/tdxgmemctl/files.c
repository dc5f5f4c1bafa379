// SPDX-License-Identifier: GPL-2.0
/* tdxgmemctl files | file ID | extents ID [OFFSET [SIZE]]. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <netlink/genl/genl.h>

#include "tdxgmemctl.h"

#define PAGE	4096ULL

struct files_out {
	const struct opts *o;
	struct json j;
	struct table t;
	bool oom;
};

static int files_reply(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	char id[24], size[FMT_SIZE_LEN], pop[FMT_SIZE_LEN], priv[FMT_SIZE_LEN];
	char q[24], hw[24], nb[16], uid[16], pid[16], flags[128];
	struct files_out *out = arg;
	struct file_info fi;

	if (file_parse(tb[TDXGMEM_A_FILE], &fi))
		return 0;
	if (out->o->json) {
		json_obj(&out->j, NULL);
		file_json_fields(&out->j, &fi);
		json_end_obj(&out->j);
		return 0;
	}
	snprintf(id, sizeof(id), "%" PRIu64, fi.id);
	snprintf(q, sizeof(q), "%" PRIu64, fi.quarantined);
	snprintf(hw, sizeof(hw), "%" PRIu64, fi.hwpoison);
	snprintf(nb, sizeof(nb), "%u", fi.nr_bindings);
	snprintf(uid, sizeof(uid), "%u", fi.uid);
	snprintf(pid, sizeof(pid), "%u", fi.pid);
	flags_str(fi.flags, flags, sizeof(flags));
	if (!table_row(&out->t, id, fmt_size(fi.size, size),
		       fmt_size(fi.populated * PAGE, pop),
		       fmt_size(fi.private * PAGE, priv), q, hw, nb, flags, uid,
		       fi.pid ? pid : "-", fi.comm))
		out->oom = true;
	return 0;
}

int cmd_files(struct ctl *c, const struct opts *o)
{
	static const char *const head[] = {
		">ID", ">SIZE", ">POPULATED", ">PRIVATE", ">QUARANTINED",
		">HWPOISON", ">BINDINGS", "FLAGS", ">UID", ">PID", "COMM",
	};
	struct files_out out = { .o = o };
	char why[256];
	int err;

	if (o->json) {
		if (!json_begin(&out.j, stdout))
			return fail("files", -ENOMEM, NULL);
		json_obj(&out.j, NULL);
		json_arr(&out.j, "files");
	} else {
		table_init(&out.t, 11, head);
	}
	err = ctl_request(c, ctl_msg(c, TDXGMEM_CMD_LIST_FILES, true),
			  files_reply, &out, why, sizeof(why));
	if (o->json) {
		json_end_arr(&out.j);
		json_end_obj(&out.j);
		if (err)
			json_abort(&out.j);
		else
			json_finish(&out.j);
	} else {
		if (!err)
			table_print(&out.t, stdout);
		table_free(&out.t);
	}
	if (!err && out.oom)
		err = -ENOMEM;
	return err ? fail("files", err, why) : EXIT_OK;
}

/* GET_FILE, with extents of [*off, *off + size) when @extents. */
struct file_out {
	const struct opts *o;
	bool got;
	struct file_info fi;
	struct json *j;		/* extents go here (JSON) ... */
	struct table *t;	/* ... or here */
	uint64_t next;
	bool print_file;	/* the first reply of "file ID" */
};

static void extent_out(struct file_out *out, struct nlattr *a)
{
	struct nlattr *tb[TDXGMEM_EXTENT_A_MAX + 1];
	char off[24], size[FMT_SIZE_LEN], state[96], b[8], m[8];
	uint64_t o, sz;
	uint32_t st;
	unsigned int bl, ml;

	if (ctl_nested(tb, TDXGMEM_EXTENT_A_MAX, a))
		return;
	o = ctl_u64(tb[TDXGMEM_EXTENT_A_OFFSET]);
	sz = ctl_u64(tb[TDXGMEM_EXTENT_A_SIZE]);
	st = ctl_u32(tb[TDXGMEM_EXTENT_A_STATE]);
	bl = ctl_u8(tb[TDXGMEM_EXTENT_A_BACKING_LOG2]);
	ml = ctl_u8(tb[TDXGMEM_EXTENT_A_MAP_LOG2]);
	state_str(st, state, sizeof(state));
	if (out->j) {
		json_obj(out->j, NULL);
		json_u64(out->j, "offset", o);
		json_u64(out->j, "size", sz);
		json_u64(out->j, "state", st);
		json_str(out->j, "state_names", state);
		json_u64(out->j, "backing_log2", bl);
		json_u64(out->j, "map_log2", ml);
		json_end_obj(out->j);
		return;
	}
	snprintf(off, sizeof(off), "0x%" PRIx64, o);
	snprintf(b, sizeof(b), "%s", bl == 21 ? "2M" : bl == 12 ? "4K" : "-");
	snprintf(m, sizeof(m), "%s", ml == 21 ? "2M" : ml == 12 ? "4K" : "-");
	table_row(out->t, off, fmt_size(sz, size), state, b, m);
}

static int file_reply(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	struct file_out *out = arg;
	struct nlattr *a;
	int rem;

	if (file_parse(tb[TDXGMEM_A_FILE], &out->fi))
		return -EPROTO;
	out->got = true;
	if (out->print_file) {
		/* The reply lives until the handler returns: print now. */
		if (out->o->json) {
			json_obj(out->j, NULL);
			file_json_fields(out->j, &out->fi);
			file_bindings_json(out->j, &out->fi);
			json_end_obj(out->j);
		} else {
			file_print(&out->fi);
		}
	}
	out->next = ctl_u64(tb[TDXGMEM_A_EXTENTS_NEXT]);
	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlh), 0),
			  genlmsg_attrlen(nlmsg_data(nlh), 0), rem)
		if (nla_type(a) == TDXGMEM_A_EXTENT)
			extent_out(out, a);
	return 0;
}

static int file_request(struct ctl *c, struct file_out *out, uint64_t id,
			bool extents, uint64_t off, uint64_t size, char *why,
			size_t whylen)
{
	struct nl_msg *msg = ctl_msg(c, TDXGMEM_CMD_GET_FILE, false);

	if (msg && (nla_put_u64(msg, TDXGMEM_A_FILE_ID, id) ||
		    (extents && nla_put_u64(msg, TDXGMEM_A_EXTENTS_OFFSET, off)) ||
		    (extents && size &&
		     nla_put_u64(msg, TDXGMEM_A_EXTENTS_SIZE, size)))) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return ctl_request(c, msg, file_reply, out, why, whylen);
}

static int file_fail(uint64_t id, int err, const char *why)
{
	char what[40];

	snprintf(what, sizeof(what), "file %" PRIu64, id);
	return fail(what, err, why);
}

int cmd_file(struct ctl *c, const struct opts *o, uint64_t id)
{
	struct file_out out = { .o = o, .print_file = true };
	struct json j;
	char why[256];
	int err;

	if (o->json) {
		if (!json_begin(&j, stdout))
			return file_fail(id, -ENOMEM, NULL);
		out.j = &j;
	}
	err = file_request(c, &out, id, false, 0, 0, why, sizeof(why));
	if (o->json) {
		if (err)
			json_abort(&j);
		else
			json_finish(&j);
	}
	return err ? file_fail(id, err, why) : EXIT_OK;
}

/* Extents of [off, off + size) (size 0: to EOF), as many requests as it takes. */
int cmd_extents(struct ctl *c, const struct opts *o, uint64_t id,
		uint64_t off, uint64_t size)
{
	static const char *const head[] = {
		">OFFSET", ">SIZE", "STATE", "BACKING", "MAP",
	};
	struct file_out out = { .o = o };
	uint64_t end = 0;
	struct table t;
	struct json j;
	char why[256];
	int err;

	if (o->json) {
		if (!json_begin(&j, stdout))
			return file_fail(id, -ENOMEM, NULL);
		json_obj(&j, NULL);
		json_u64(&j, "id", id);
		json_u64(&j, "offset", off);
		json_arr(&j, "extents");
		out.j = &j;
	} else {
		table_init(&t, 5, head);
		out.t = &t;
	}
	for (;;) {
		err = file_request(c, &out, id, true, off,
				   end ? end - off : size, why, sizeof(why));
		if (err)
			break;
		if (!end)
			end = size && size < out.fi.size - off ? off + size :
			      out.fi.size;
		/* No progress would loop for ever: the kernel always makes some. */
		if (out.next >= end || out.next <= off)
			break;
		off = out.next;
	}
	if (o->json) {
		json_end_arr(&j);
		json_u64(&j, "end", end);
		json_end_obj(&j);
		if (err)
			json_abort(&j);
		else
			json_finish(&j);
	} else {
		if (!err)
			table_print(&t, stdout);
		table_free(&t);
	}
	return err ? file_fail(id, err, why) : EXIT_OK;
}
