// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink LIST_FILES and GET_FILE: what a file is, who made it, what it
 * holds and who consumes it, for the callers uapi/linux/tdxgmem_netlink.h
 * lets see it.
 *
 * A file is looked at with a reference (files.c) and its invalidate lock
 * held shared, after checking it has not begun to be released; the page
 * counts take file.lock. Nothing here changes state or allocates for the
 * file. Lock order: invalidate lock -> file.lock, as everywhere.
 */
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/nsproxy.h>
#include <linux/pagemap.h>
#include <linux/pid_namespace.h>
#include <linux/slab.h>

#include "netlink.h"
#include "range.h"
#include "store.h"
#include "tdxgmem_internal.h"
#include <uapi/linux/tdxgmem_netlink.h>

/* Room for a file with its bindings and a page of extents. */
#define TDXGMEM_NL_FILE_MSG_SIZE	(16 * 1024)
/* Extents looked up per GET_FILE at most (TDXGMEM_QUERY's limit). */
#define TDXGMEM_NL_MAX_EXTENTS		1024

/* The rule of uapi/linux/tdxgmem_netlink.h, for the sender of @skb. */
static void tdxgmem_nl_viewer(struct sk_buff *skb, struct tdxgmem_viewer *v)
{
	v->all = netlink_capable(skb, CAP_SYS_ADMIN);
	v->uid = current_euid();
}

/* A pid as @pns sees it (0: not there). */
static u32 tdxgmem_nl_pid(struct pid *pid, struct pid_namespace *pns)
{
	return pid ? pid_nr_ns(pid, pns) : 0;
}

/**
 * tdxgmem_nl_put_identity() - what a file is and who created it.
 * @skb: message, inside a TDXGMEM_A_FILE nest.
 * @f:   the file; these fields never change.
 * @uns: user namespace to give the uid in.
 * @pns: pid namespace to give the pid in.
 *
 * Return: 0 or -EMSGSIZE.
 */
int tdxgmem_nl_put_identity(struct sk_buff *skb, struct tdxgmem_file *f,
			    struct user_namespace *uns,
			    struct pid_namespace *pns)
{
	if (nla_put_u64_64bit(skb, TDXGMEM_FILE_A_ID, f->id,
			      TDXGMEM_FILE_A_PAD) ||
	    nla_put_u64_64bit(skb, TDXGMEM_FILE_A_SIZE, f->size,
			      TDXGMEM_FILE_A_PAD) ||
	    nla_put_u64_64bit(skb, TDXGMEM_FILE_A_FLAGS, f->flags,
			      TDXGMEM_FILE_A_PAD) ||
	    nla_put_u8(skb, TDXGMEM_FILE_A_BACKING_LOG2,
		       f->giga ? TDXGMEM_GIGA_SHIFT :
		       f->huge ? PMD_SHIFT : PAGE_SHIFT) ||
	    nla_put_s32(skb, TDXGMEM_FILE_A_NUMA_NODE, f->nid) ||
	    nla_put_u32(skb, TDXGMEM_FILE_A_UID, from_kuid_munged(uns, f->uid)) ||
	    nla_put_u32(skb, TDXGMEM_FILE_A_PID, tdxgmem_nl_pid(f->pid, pns)) ||
	    nla_put_string(skb, TDXGMEM_FILE_A_COMM, f->comm))
		return -EMSGSIZE;
	return 0;
}

static int tdxgmem_nl_put_census(struct sk_buff *skb, struct tdxgmem_file *f,
				 const struct tdxgmem_census *cs)
{
	static const struct { int attr; size_t off; } counts[] = {
		{ TDXGMEM_FILE_A_PAGES_POPULATED,
		  offsetof(struct tdxgmem_census, populated) },
		{ TDXGMEM_FILE_A_PAGES_PRIVATE,
		  offsetof(struct tdxgmem_census, private) },
		{ TDXGMEM_FILE_A_PAGES_QUARANTINED,
		  offsetof(struct tdxgmem_census, quarantined) },
		{ TDXGMEM_FILE_A_PAGES_HWPOISON,
		  offsetof(struct tdxgmem_census, hwpoison) },
		{ TDXGMEM_FILE_A_BACKING_2M,
		  offsetof(struct tdxgmem_census, backing_2m) },
		{ TDXGMEM_FILE_A_BACKING_4K,
		  offsetof(struct tdxgmem_census, backing_4k) },
		{ TDXGMEM_FILE_A_DIRECTMAP_REMOVED,
		  offsetof(struct tdxgmem_census, dm_removed) },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(counts); i++)
		if (nla_put_u64_64bit(skb, counts[i].attr,
				      *(const u64 *)((const char *)cs + counts[i].off),
				      TDXGMEM_FILE_A_PAD))
			return -EMSGSIZE;
	return nla_put_u64_64bit(skb, TDXGMEM_FILE_A_PAGES_SHARED,
				 f->nr_pages - cs->private, TDXGMEM_FILE_A_PAD);
}

#ifdef CONFIG_MEMCG
/* The memcg charged for the file: its cgroup id and path. */
static int tdxgmem_nl_put_memcg(struct sk_buff *skb, struct mem_cgroup *memcg)
{
	struct cgroup *cgrp = memcg->css.cgroup;
	char *path;
	int len, ret = 0;

	if (nla_put_u64_64bit(skb, TDXGMEM_FILE_A_MEMCG_ID, cgroup_id(cgrp),
			      TDXGMEM_FILE_A_PAD))
		return -EMSGSIZE;
	if (!current->nsproxy)
		return 0;
	path = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!path)
		return 0;	/* the path is a courtesy */
	len = cgroup_path_ns(cgrp, path, PATH_MAX, current->nsproxy->cgroup_ns);
	if (len > 0 && len < PATH_MAX &&
	    nla_put_string(skb, TDXGMEM_FILE_A_MEMCG_PATH, path))
		ret = -EMSGSIZE;
	kfree(path);
	return ret;
}

static struct mem_cgroup *tdxgmem_nl_memcg_get(struct tdxgmem_file *f)
{
	if (f->memcg)
		css_get(&f->memcg->css);
	return f->memcg;
}

static void tdxgmem_nl_memcg_put(struct mem_cgroup *memcg)
{
	if (memcg)
		css_put(&memcg->css);
}
#else
static int tdxgmem_nl_put_memcg(struct sk_buff *skb, struct mem_cgroup *memcg)
{
	return 0;
}

static struct mem_cgroup *tdxgmem_nl_memcg_get(struct tdxgmem_file *f)
{
	return NULL;
}

static void tdxgmem_nl_memcg_put(struct mem_cgroup *memcg)
{
}
#endif

/* Bindings go into the message while they fit; the count says how many. */
struct tdxgmem_nl_bindings {
	struct sk_buff *skb;
	bool full;
};

static int tdxgmem_nl_put_binding(void *arg,
				  const struct tdxgmem_binding_info *bi)
{
	struct tdxgmem_nl_bindings *nb = arg;
	struct sk_buff *skb = nb->skb;
	struct nlattr *nest;

	if (nb->full)
		return 0;
	nest = nla_nest_start(skb, TDXGMEM_FILE_A_BINDING);
	if (!nest ||
	    nla_put_string(skb, TDXGMEM_BINDING_A_CONSUMER, bi->consumer) ||
	    nla_put_u32(skb, TDXGMEM_BINDING_A_PID,
			tdxgmem_nl_pid(bi->pid, task_active_pid_ns(current))) ||
	    nla_put_string(skb, TDXGMEM_BINDING_A_COMM, bi->comm) ||
	    nla_put_u64_64bit(skb, TDXGMEM_BINDING_A_OFFSET,
			      bi->pgoff << PAGE_SHIFT, TDXGMEM_BINDING_A_PAD) ||
	    nla_put_u64_64bit(skb, TDXGMEM_BINDING_A_SIZE,
			      bi->npages << PAGE_SHIFT, TDXGMEM_BINDING_A_PAD) ||
	    nla_put_u64_64bit(skb, TDXGMEM_BINDING_A_GFN, bi->base_gfn,
			      TDXGMEM_BINDING_A_PAD)) {
		if (nest)
			nla_nest_cancel(skb, nest);
		nb->full = true;
		return 0;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * A TDXGMEM_A_FILE nest for @f, with its bindings if @bindings.
 * Return: 0, -EMSGSIZE, or -ENOENT if the file is being released.
 */
static int tdxgmem_nl_put_file(struct sk_buff *skb, struct tdxgmem_file *f,
			       bool bindings)
{
	struct address_space *mapping = f->inode->i_mapping;
	struct tdxgmem_nl_bindings nb = { .skb = skb };
	struct mem_cgroup *memcg = NULL;
	struct tdxgmem_census cs;
	struct nlattr *nest;
	int n, err;

	nest = nla_nest_start(skb, TDXGMEM_A_FILE);
	if (!nest)
		return -EMSGSIZE;
	filemap_invalidate_lock_shared(mapping);
	if (f->released) {
		err = -ENOENT;
		goto unlock;
	}
	tdxgmem_store_census(f, &cs);
	memcg = tdxgmem_nl_memcg_get(f);
	n = tdxgmem_bindings_report(f, bindings ? tdxgmem_nl_put_binding : NULL,
				    &nb);
	err = tdxgmem_nl_put_identity(skb, f, current_user_ns(),
				      task_active_pid_ns(current)) ?:
	      tdxgmem_nl_put_census(skb, f, &cs) ?:
	      nla_put_u32(skb, TDXGMEM_FILE_A_NR_BINDINGS, n);
unlock:
	filemap_invalidate_unlock_shared(mapping);
	if (!err && memcg)
		err = tdxgmem_nl_put_memcg(skb, memcg);
	tdxgmem_nl_memcg_put(memcg);
	if (err) {
		nla_nest_cancel(skb, nest);
		return err;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Dump state, in netlink_callback.ctx. */
struct tdxgmem_nl_dump {
	unsigned long next_id;
	struct tdxgmem_viewer viewer;
};

/**
 * tdxgmem_nl_list_start() - LIST_FILES begins: note who asks.
 * @cb: the dump.
 *
 * Runs in the requester's context, so its credentials decide, not those
 * of whoever reads the later parts of the dump.
 *
 * Return: 0.
 */
int tdxgmem_nl_list_start(struct netlink_callback *cb)
{
	struct tdxgmem_nl_dump *d = (struct tdxgmem_nl_dump *)cb->ctx;

	BUILD_BUG_ON(sizeof(*d) > sizeof(cb->ctx));
	d->next_id = 0;
	tdxgmem_nl_viewer(cb->skb, &d->viewer);
	return 0;
}

/**
 * tdxgmem_nl_list_files() - LIST_FILES: one message per visible file.
 * @skb: the part of the dump being filled.
 * @cb:  the dump; ctx says where to go on.
 *
 * Return: the length filled (0 when the dump is over) or an error.
 */
int tdxgmem_nl_list_files(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct tdxgmem_nl_dump *d = (struct tdxgmem_nl_dump *)cb->ctx;
	struct tdxgmem_file *f;
	void *hdr;
	int err;

	while ((f = tdxgmem_files_get(&d->next_id, &d->viewer, false))) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &tdxgmem_nl_family,
				  NLM_F_MULTI, TDXGMEM_CMD_LIST_FILES);
		err = hdr ? tdxgmem_nl_put_file(skb, f, false) : -EMSGSIZE;
		tdxgmem_file_put(f);
		if (err) {
			if (hdr)
				genlmsg_cancel(skb, hdr);
			/* Full: this file opens the next part. */
			if (err == -EMSGSIZE && skb->len)
				return skb->len;
			if (err != -ENOENT)
				return err;
		} else {
			genlmsg_end(skb, hdr);
		}
		d->next_id++;
	}
	return skb->len;
}

/*
 * TDXGMEM_A_EXTENT nests for [@start, @end) of @f while they fit, then
 * TDXGMEM_A_EXTENTS_NEXT.
 */
static int tdxgmem_nl_put_extents(struct sk_buff *skb, struct tdxgmem_file *f,
				  pgoff_t start, pgoff_t end)
{
	struct address_space *mapping = f->inode->i_mapping;
	struct tdxgmem_extent_buf eb = { .cap = TDXGMEM_NL_MAX_EXTENTS };
	u64 next = 0;
	u32 i;
	int err = 0;

	eb.ext = kvcalloc(eb.cap, sizeof(*eb.ext), GFP_KERNEL);
	if (!eb.ext)
		return -ENOMEM;
	filemap_invalidate_lock_shared(mapping);
	if (f->released)
		err = -ENOENT;
	else
		next = (u64)tdxgmem_store_describe(f, start, end, &eb) << PAGE_SHIFT;
	filemap_invalidate_unlock_shared(mapping);
	if (err)
		goto out;

	for (i = 0; i < eb.nr; i++) {
		const struct tdxgmem_extent *e = &eb.ext[i];
		struct nlattr *nest = nla_nest_start(skb, TDXGMEM_A_EXTENT);

		/* Keep room for TDXGMEM_A_EXTENTS_NEXT. */
		if (!nest || skb_tailroom(skb) < nla_total_size_64bit(8) ||
		    nla_put_u64_64bit(skb, TDXGMEM_EXTENT_A_OFFSET, e->offset,
				      TDXGMEM_EXTENT_A_PAD) ||
		    nla_put_u64_64bit(skb, TDXGMEM_EXTENT_A_SIZE, e->size,
				      TDXGMEM_EXTENT_A_PAD) ||
		    nla_put_u32(skb, TDXGMEM_EXTENT_A_STATE, e->state) ||
		    nla_put_u8(skb, TDXGMEM_EXTENT_A_BACKING_LOG2,
			       e->backing_log2) ||
		    nla_put_u8(skb, TDXGMEM_EXTENT_A_MAP_LOG2, e->map_log2) ||
		    skb_tailroom(skb) < nla_total_size_64bit(8)) {
			if (nest)
				nla_nest_cancel(skb, nest);
			next = e->offset;
			break;
		}
		nla_nest_end(skb, nest);
	}
	if (nla_put_u64_64bit(skb, TDXGMEM_A_EXTENTS_NEXT, next, TDXGMEM_A_PAD))
		err = -EMSGSIZE;
out:
	kvfree(eb.ext);
	return err;
}

/**
 * tdxgmem_nl_get_file() - GET_FILE: one file, and extents if asked.
 * @skb:  the request.
 * @info: its attributes (validated by the policy).
 *
 * Return: 0 (the reply is sent), -EINVAL, -ENOENT, -ENOMEM or -EMSGSIZE.
 */
int tdxgmem_nl_get_file(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	bool extents = attrs[TDXGMEM_A_EXTENTS_OFFSET] ||
		       attrs[TDXGMEM_A_EXTENTS_SIZE];
	struct tdxgmem_viewer viewer;
	struct tdxgmem_file *f;
	unsigned long id;
	u64 start = 0, end = 0;
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, TDXGMEM_A_FILE_ID))
		return -EINVAL;
	id = nla_get_u64(attrs[TDXGMEM_A_FILE_ID]);
	tdxgmem_nl_viewer(skb, &viewer);
	f = tdxgmem_files_get(&id, &viewer, true);
	if (!f) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[TDXGMEM_A_FILE_ID],
				    "no such file (or not yours)");
		return -ENOENT;
	}
	if (extents &&
	    tdxgmem_range_query(attrs[TDXGMEM_A_EXTENTS_OFFSET] ?
				nla_get_u64(attrs[TDXGMEM_A_EXTENTS_OFFSET]) : 0,
				attrs[TDXGMEM_A_EXTENTS_SIZE] ?
				nla_get_u64(attrs[TDXGMEM_A_EXTENTS_SIZE]) :
				U64_MAX & PAGE_MASK,
				f->size, &start, &end)) {
		NL_SET_ERR_MSG(info->extack,
			       "extent range: page-aligned offset below the file size and non-zero page-aligned size wanted");
		err = -EINVAL;
		goto out;
	}

	err = -ENOMEM;
	msg = genlmsg_new(TDXGMEM_NL_FILE_MSG_SIZE, GFP_KERNEL);
	if (!msg)
		goto out;
	hdr = genlmsg_put_reply(msg, info, &tdxgmem_nl_family, 0,
				TDXGMEM_CMD_GET_FILE);
	err = hdr ? tdxgmem_nl_put_file(msg, f, true) : -EMSGSIZE;
	if (!err && extents)
		err = tdxgmem_nl_put_extents(msg, f, start, end);
	if (err) {
		nlmsg_free(msg);
		if (err == -ENOENT)
			NL_SET_ERR_MSG(info->extack, "the file was released");
		goto out;
	}
	genlmsg_end(msg, hdr);
	err = genlmsg_reply(msg, info);
out:
	tdxgmem_file_put(f);
	return err;
}
