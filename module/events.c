// SPDX-License-Identifier: GPL-2.0
/*
 * The "events" multicast group of the tdxgmem netlink family: what an
 * admin wants to hear about without reading the kernel log (ABI:
 * uapi/linux/tdxgmem_netlink.h). Joining needs CAP_SYS_ADMIN; events go
 * to the initial network namespace only, so a container's root cannot
 * hear about the host's files.
 *
 * Called from the paths where things happen, some with the file's locks
 * held (file.lock, invalidate lock), always in process context. Nothing
 * is built unless somebody listens. Each event type is rate-limited on
 * its own, so a storm (a failing DIMM, thousands of files) cannot flood
 * listeners or the paths that report; the next event of the type that
 * goes out says how many were dropped. Listeners hold CAP_SYS_ADMIN in
 * the initial namespaces: uids and pids are given as seen from there.
 */
#include <linux/pid_namespace.h>
#include <linux/ratelimit.h>
#include <linux/user_namespace.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

#include "netlink.h"
#include "store.h"
#include "tdxgmem_internal.h"
#include <uapi/linux/tdxgmem_netlink.h>

#define TDXGMEM_EVENT_INTERVAL	(5 * HZ)
#define TDXGMEM_EVENT_BURST	50

static struct ratelimit_state tdxgmem_event_rs[TDXGMEM_EVENT_MAX + 1];
static atomic64_t tdxgmem_event_dropped[TDXGMEM_EVENT_MAX + 1];

/**
 * tdxgmem_events_init() - set up the rate limits; before any file exists.
 */
void tdxgmem_events_init(void)
{
	int i;

	for (i = 0; i <= TDXGMEM_EVENT_MAX; i++) {
		ratelimit_state_init(&tdxgmem_event_rs[i],
				     TDXGMEM_EVENT_INTERVAL,
				     TDXGMEM_EVENT_BURST);
		/* Dropped events are counted in the next one, not logged. */
		ratelimit_set_flags(&tdxgmem_event_rs[i],
				    RATELIMIT_MSG_ON_RELEASE);
	}
}

/* An in-progress event message. */
struct tdxgmem_event {
	struct sk_buff *skb;
	void *hdr;
	struct nlattr *nest;
};

/*
 * Start an event of @type about @f (may be NULL). False: nobody listens,
 * the type is over its rate, or no memory; nothing to send then.
 */
static bool tdxgmem_event_begin(struct tdxgmem_event *ev, u32 type,
				struct tdxgmem_file *f)
{
	u64 dropped;

	if (!genl_has_listeners(&tdxgmem_nl_family, &init_net,
				TDXGMEM_NL_GRP_EVENTS))
		return false;
	if (!__ratelimit(&tdxgmem_event_rs[type]))
		goto drop;
	ev->skb = genlmsg_new(NLMSG_GOODSIZE,
			      GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
	if (!ev->skb)
		goto drop;
	ev->hdr = genlmsg_put(ev->skb, 0, 0, &tdxgmem_nl_family, 0,
			      TDXGMEM_CMD_EVENT);
	ev->nest = ev->hdr ? nla_nest_start(ev->skb, TDXGMEM_A_EVENT) : NULL;
	dropped = atomic64_xchg(&tdxgmem_event_dropped[type], 0);
	if (!ev->nest ||
	    nla_put_u32(ev->skb, TDXGMEM_EVENT_A_TYPE, type) ||
	    (f && nla_put_u64_64bit(ev->skb, TDXGMEM_EVENT_A_FILE_ID, f->id,
				    TDXGMEM_EVENT_A_PAD)) ||
	    (dropped && nla_put_u64_64bit(ev->skb, TDXGMEM_EVENT_A_DROPPED,
					  dropped, TDXGMEM_EVENT_A_PAD))) {
		nlmsg_free(ev->skb);
		atomic64_add(dropped, &tdxgmem_event_dropped[type]);
		goto drop;
	}
	return true;

drop:
	atomic64_inc(&tdxgmem_event_dropped[type]);
	return false;
}

/* Send the event if @ok (its attributes fit), else drop it. */
static void tdxgmem_event_end(struct tdxgmem_event *ev, u32 type, bool ok)
{
	if (!ok) {
		nlmsg_free(ev->skb);
		atomic64_inc(&tdxgmem_event_dropped[type]);
		return;
	}
	if (ev->nest)
		nla_nest_end(ev->skb, ev->nest);
	genlmsg_end(ev->skb, ev->hdr);
	genlmsg_multicast(&tdxgmem_nl_family, ev->skb, 0,
			  TDXGMEM_NL_GRP_EVENTS, GFP_KERNEL);
}

/* Pages [@start, @end) of the file as OFFSET and SIZE. */
static int tdxgmem_event_put_range(struct sk_buff *skb, pgoff_t start,
				   pgoff_t end)
{
	return nla_put_u64_64bit(skb, TDXGMEM_EVENT_A_OFFSET,
				 (u64)start << PAGE_SHIFT, TDXGMEM_EVENT_A_PAD) ?:
	       nla_put_u64_64bit(skb, TDXGMEM_EVENT_A_SIZE,
				 (u64)(end - start) << PAGE_SHIFT,
				 TDXGMEM_EVENT_A_PAD);
}

/**
 * tdxgmem_event_file() - a file was created, or released.
 * @f:       the file (registered: it has an id).
 * @created: true for TDXGMEM_EVENT_FILE_CREATED, else _RELEASED.
 */
void tdxgmem_event_file(struct tdxgmem_file *f, bool created)
{
	u32 type = created ? TDXGMEM_EVENT_FILE_CREATED :
			     TDXGMEM_EVENT_FILE_RELEASED;
	struct tdxgmem_event ev;
	struct nlattr *file;
	bool ok;

	if (!tdxgmem_event_begin(&ev, type, f))
		return;
	/* The file's identity beside the event, as LIST_FILES has it. */
	nla_nest_end(ev.skb, ev.nest);
	ev.nest = NULL;
	file = nla_nest_start(ev.skb, TDXGMEM_A_FILE);
	ok = file && !tdxgmem_nl_put_identity(ev.skb, f, &init_user_ns,
					      &init_pid_ns);
	if (ok)
		nla_nest_end(ev.skb, file);
	tdxgmem_event_end(&ev, type, ok);
}

/**
 * tdxgmem_event_quarantine() - pages were quarantined.
 * @f:     the file.
 * @start: first page of the range concerned.
 * @end:   one past its last page.
 * @nr:    pages newly quarantined.
 * @cause: enum tdxgmem_quarantine_cause.
 * @err:   the error that made it necessary.
 */
void tdxgmem_event_quarantine(struct tdxgmem_file *f, pgoff_t start,
			      pgoff_t end, unsigned long nr, u32 cause,
			      int err)
{
	struct tdxgmem_event ev;

	if (!tdxgmem_event_begin(&ev, TDXGMEM_EVENT_QUARANTINE, f))
		return;
	tdxgmem_event_end(&ev, TDXGMEM_EVENT_QUARANTINE,
			  !tdxgmem_event_put_range(ev.skb, start, end) &&
			  !nla_put_u64_64bit(ev.skb, TDXGMEM_EVENT_A_PAGES, nr,
					     TDXGMEM_EVENT_A_PAD) &&
			  !nla_put_u32(ev.skb, TDXGMEM_EVENT_A_CAUSE, cause) &&
			  !nla_put_s32(ev.skb, TDXGMEM_EVENT_A_ERROR, err));
}

/**
 * tdxgmem_event_hwpoison() - tdxgmem found a poisoned page.
 * @f:     the file.
 * @index: the page.
 */
void tdxgmem_event_hwpoison(struct tdxgmem_file *f, pgoff_t index)
{
	struct tdxgmem_event ev;

	if (!tdxgmem_event_begin(&ev, TDXGMEM_EVENT_HWPOISON, f))
		return;
	tdxgmem_event_end(&ev, TDXGMEM_EVENT_HWPOISON,
			  !tdxgmem_event_put_range(ev.skb, index, index + 1));
}

/**
 * tdxgmem_event_directmap() - a direct-map change failed.
 * @f:       the file.
 * @start:   first page of the run.
 * @npages:  pages in the run.
 * @restore: the change was a restore (else a zap).
 * @err:     its error (-EIO: the pages' state is unknown).
 */
void tdxgmem_event_directmap(struct tdxgmem_file *f, pgoff_t start,
			     unsigned long npages, bool restore, int err)
{
	u32 op = restore ? TDXGMEM_DIRECTMAP_OP_RESTORE :
			   TDXGMEM_DIRECTMAP_OP_ZAP;
	struct tdxgmem_event ev;

	if (!tdxgmem_event_begin(&ev, TDXGMEM_EVENT_DIRECTMAP_FAILURE, f))
		return;
	tdxgmem_event_end(&ev, TDXGMEM_EVENT_DIRECTMAP_FAILURE,
			  !tdxgmem_event_put_range(ev.skb, start,
						   start + npages) &&
			  !nla_put_u32(ev.skb, TDXGMEM_EVENT_A_DIRECTMAP_OP, op) &&
			  !nla_put_s32(ev.skb, TDXGMEM_EVENT_A_ERROR, err));
}

/**
 * tdxgmem_event_mem_limit() - mem_limit_pct refused an allocation.
 * @f:     the file allocating.
 * @want:  pages asked for.
 * @held:  pages all files held.
 * @limit: pages they may hold.
 */
void tdxgmem_event_mem_limit(struct tdxgmem_file *f, unsigned long want,
			     u64 held, u64 limit)
{
	struct tdxgmem_event ev;

	if (!tdxgmem_event_begin(&ev, TDXGMEM_EVENT_MEM_LIMIT, f))
		return;
	tdxgmem_event_end(&ev, TDXGMEM_EVENT_MEM_LIMIT,
			  !nla_put_u64_64bit(ev.skb, TDXGMEM_EVENT_A_PAGES, want,
					     TDXGMEM_EVENT_A_PAD) &&
			  !nla_put_u64_64bit(ev.skb, TDXGMEM_EVENT_A_HELD_PAGES,
					     held, TDXGMEM_EVENT_A_PAD) &&
			  !nla_put_u64_64bit(ev.skb,
					     TDXGMEM_EVENT_A_LIMIT_PAGES, limit,
					     TDXGMEM_EVENT_A_PAD));
}
