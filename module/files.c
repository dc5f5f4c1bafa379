// SPDX-License-Identifier: GPL-2.0
/*
 * The open tdxgmem files by id, and who created them: what netlink's
 * LIST_FILES and GET_FILE walk, and the access rule they apply.
 *
 * Ids come from a 64-bit counter: never reused while the module is loaded.
 * A file is registered once it is fully set up (TDXGMEM_CREATE) and leaves
 * the registry first thing in its ->release(). A file found in the
 * registry therefore still holds the open file's reference, so a reader
 * may take its own (struct tdxgmem_file.ref) under the registry's lock;
 * it then checks ->released under the invalidate lock before looking at
 * the file's state (netlink_files.c).
 *
 * Lock order: the registry's xa_lock is innermost; nothing is taken
 * inside it but the reference.
 */
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/xarray.h>

#include "store.h"
#include "tdxgmem_internal.h"

static DEFINE_XARRAY(tdxgmem_files);
static atomic64_t tdxgmem_last_id = ATOMIC64_INIT(0);

/**
 * tdxgmem_files_add() - give a new file its id and make it visible.
 * @f: the file, fully set up; called by its creator.
 *
 * Records the caller as the creator (effective uid, thread group, comm).
 *
 * Return: 0 or -ENOMEM; on error @f has no id and nothing to undo.
 */
int tdxgmem_files_add(struct tdxgmem_file *f)
{
	int ret;

	f->uid = current_euid();
	f->pid = get_task_pid(current, PIDTYPE_TGID);
	get_task_comm(f->comm, current);
	f->id = atomic64_inc_return(&tdxgmem_last_id);
	ret = xa_insert(&tdxgmem_files, f->id, f, GFP_KERNEL_ACCOUNT);
	if (ret) {
		put_pid(f->pid);
		f->pid = NULL;
		f->id = 0;
	}
	return ret;
}

/**
 * tdxgmem_files_del() - take a file out of the registry.
 * @f: the file, from its ->release(); no-op if it was never registered.
 */
void tdxgmem_files_del(struct tdxgmem_file *f)
{
	if (f->id)
		xa_erase(&tdxgmem_files, f->id);
}

static bool tdxgmem_file_visible(const struct tdxgmem_file *f,
				 const struct tdxgmem_viewer *v)
{
	return v->all || uid_eq(f->uid, v->uid);
}

/**
 * tdxgmem_files_get() - a file @v may see, with a reference taken.
 * @id:    in: the id to look up (@exact) or to start from; out: the id of
 *         the file returned.
 * @v:     who asks.
 * @exact: only the file with id *@id; else the first visible one at or
 *         after it.
 *
 * Files @v may not see are skipped as if they did not exist. Drop the
 * reference with tdxgmem_file_put().
 *
 * Return: the file, or NULL.
 */
struct tdxgmem_file *tdxgmem_files_get(unsigned long *id,
				       const struct tdxgmem_viewer *v,
				       bool exact)
{
	unsigned long max = exact ? *id : ULONG_MAX;
	struct tdxgmem_file *f, *found = NULL;

	xa_lock(&tdxgmem_files);
	while ((f = xa_find(&tdxgmem_files, id, max, XA_PRESENT))) {
		if (tdxgmem_file_visible(f, v)) {
			kref_get(&f->ref);
			found = f;
			break;
		}
		if (*id == max)
			break;
		(*id)++;
	}
	xa_unlock(&tdxgmem_files);
	return found;
}
