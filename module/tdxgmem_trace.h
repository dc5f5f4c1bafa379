/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of tdxgmem: tracefs events/tdxgmem/, perf -e 'tdxgmem:*',
 * trace-cmd -e tdxgmem, bpftrace tracepoint:tdxgmem:*. Every event but
 * pool_put (a block) names its file by id (netlink, fdinfo "tdxgmem_id");
 * ranges are in pages (pgoff, npages) or guest frames (split and
 * invalidate: [start, end)).
 * Every field prints as key=value. Tracefs is root's: get_pfn shows pfns.
 *
 * Built out of tree: trace.c defines the events and is compiled with this
 * directory on its include path (Kbuild), which TRACE_INCLUDE_PATH below
 * relies on.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM tdxgmem

#if !defined(_TDXGMEM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TDXGMEM_TRACE_H

#include <linux/mm_types.h>
#include <linux/tdxgmem.h>
#include <linux/tracepoint.h>

#include "tdxgmem_internal.h"
#include <uapi/linux/tdxgmem_netlink.h>

TRACE_DEFINE_ENUM(TDXGMEM_INVAL_PUNCH);
TRACE_DEFINE_ENUM(TDXGMEM_INVAL_TO_SHARED);
TRACE_DEFINE_ENUM(TDXGMEM_INVAL_UNBIND);
TRACE_DEFINE_ENUM(TDXGMEM_INVAL_RELEASE);
TRACE_DEFINE_ENUM(TDXGMEM_INVAL_TO_PRIVATE);
TRACE_DEFINE_ENUM(TDXGMEM_LOOKUP_PRIVATE);
TRACE_DEFINE_ENUM(TDXGMEM_LOOKUP_PEEK);
TRACE_DEFINE_ENUM(TDXGMEM_LOOKUP_SHARED);
TRACE_DEFINE_ENUM(TDXGMEM_QUARANTINE_CONSUMER);
TRACE_DEFINE_ENUM(TDXGMEM_QUARANTINE_DIRECTMAP);

#define tdxgmem_show_reason(r) __print_symbolic(r,			\
	{ TDXGMEM_INVAL_PUNCH,		"punch" },			\
	{ TDXGMEM_INVAL_TO_SHARED,	"to_shared" },			\
	{ TDXGMEM_INVAL_UNBIND,		"unbind" },			\
	{ TDXGMEM_INVAL_RELEASE,	"release" },			\
	{ TDXGMEM_INVAL_TO_PRIVATE,	"to_private" })

#define tdxgmem_show_lookup(k) __print_symbolic(k,			\
	{ TDXGMEM_LOOKUP_PRIVATE,	"private" },			\
	{ TDXGMEM_LOOKUP_PEEK,		"peek" },			\
	{ TDXGMEM_LOOKUP_SHARED,	"shared" })

#define tdxgmem_show_cause(c) __print_symbolic(c,			\
	{ TDXGMEM_QUARANTINE_CONSUMER,	"consumer" },			\
	{ TDXGMEM_QUARANTINE_DIRECTMAP,	"directmap" })

/* Pages [pgoff, pgoff + npages) of one chunk got backing of 2^order pages. */
TRACE_EVENT(tdxgmem_populate,
	    TP_PROTO(u64 file, unsigned long pgoff, unsigned long npages,
		     unsigned int order, int ret),
	    TP_ARGS(file, pgoff, npages, order, ret),
	    TP_STRUCT__entry(__field(u64, file)
			     __field(unsigned long, pgoff)
			     __field(unsigned long, npages)
			     __field(unsigned int, order)
			     __field(int, ret)),
	    TP_fast_assign(__entry->file = file;
			   __entry->pgoff = pgoff;
			   __entry->npages = npages;
			   __entry->order = order;
			   __entry->ret = ret;),
	    TP_printk("file=%llu pgoff=%#lx npages=%lu order=%u ret=%d",
		      __entry->file, __entry->pgoff, __entry->npages,
		      __entry->order, __entry->ret));

/* A userspace fault on a mapping of the file. */
TRACE_EVENT(tdxgmem_fault,
	    TP_PROTO(u64 file, unsigned long pgoff, bool write, int err,
		     vm_fault_t fault),
	    TP_ARGS(file, pgoff, write, err, fault),
	    TP_STRUCT__entry(__field(u64, file)
			     __field(unsigned long, pgoff)
			     __field(bool, write)
			     __field(int, err)
			     __field(unsigned int, fault)),
	    TP_fast_assign(__entry->file = file;
			   __entry->pgoff = pgoff;
			   __entry->write = write;
			   __entry->err = err;
			   __entry->fault = (__force unsigned int)fault;),
	    TP_printk("file=%llu pgoff=%#lx write=%d err=%d fault=%#x",
		      __entry->file, __entry->pgoff, __entry->write, __entry->err,
		      __entry->fault));

/* TDXGMEM_SET_ATTRIBUTES; error_pgoff is meaningful with -EAGAIN/-EIO. */
TRACE_EVENT(tdxgmem_convert,
	    TP_PROTO(u64 file, unsigned long pgoff, unsigned long npages,
		     bool private, bool preserve, int ret,
		     unsigned long error_pgoff),
	    TP_ARGS(file, pgoff, npages, private, preserve, ret, error_pgoff),
	    TP_STRUCT__entry(__field(u64, file)
			     __field(unsigned long, pgoff)
			     __field(unsigned long, npages)
			     __field(bool, private)
			     __field(bool, preserve)
			     __field(int, ret)
			     __field(unsigned long, error_pgoff)),
	    TP_fast_assign(__entry->file = file;
			   __entry->pgoff = pgoff;
			   __entry->npages = npages;
			   __entry->private = private;
			   __entry->preserve = preserve;
			   __entry->ret = ret;
			   __entry->error_pgoff = error_pgoff;),
	    TP_printk("file=%llu pgoff=%#lx npages=%lu to=%s contents=%s ret=%d error_pgoff=%#lx",
		      __entry->file, __entry->pgoff, __entry->npages,
		      __entry->private ? "private" : "shared",
		      __entry->preserve ? "preserve" : "zero", __entry->ret,
		      __entry->error_pgoff));

/* A consumer's split callback for gfns [start, end). */
TRACE_EVENT(tdxgmem_split,
	    TP_PROTO(u64 file, u64 start, u64 end, int ret),
	    TP_ARGS(file, start, end, ret),
	    TP_STRUCT__entry(__field(u64, file)
			     __field(u64, start)
			     __field(u64, end)
			     __field(int, ret)),
	    TP_fast_assign(__entry->file = file;
			   __entry->start = start;
			   __entry->end = end;
			   __entry->ret = ret;),
	    TP_printk("file=%llu start=%#llx end=%#llx ret=%d",
		      __entry->file, __entry->start, __entry->end, __entry->ret));

/* A consumer's invalidate_begin/_end pair; ret is invalidate_end's. */
TRACE_EVENT(tdxgmem_invalidate,
	    TP_PROTO(u64 file, u64 start, u64 end,
		     enum tdxgmem_inval_reason reason, int ret),
	    TP_ARGS(file, start, end, reason, ret),
	    TP_STRUCT__entry(__field(u64, file)
			     __field(u64, start)
			     __field(u64, end)
			     __field(int, reason)
			     __field(int, ret)),
	    TP_fast_assign(__entry->file = file;
			   __entry->start = start;
			   __entry->end = end;
			   __entry->reason = reason;
			   __entry->ret = ret;),
	    TP_printk("file=%llu start=%#llx end=%#llx reason=%s ret=%d",
		      __entry->file, __entry->start, __entry->end,
		      tdxgmem_show_reason(__entry->reason), __entry->ret));

/* tdxgmem_get_pfn(), _peek_pfn() or _get_shared_pfn() for a consumer. */
TRACE_EVENT(tdxgmem_get_pfn,
	    TP_PROTO(u64 file, u64 gfn, enum tdxgmem_lookup kind,
		     unsigned long pfn, int order, int ret),
	    TP_ARGS(file, gfn, kind, pfn, order, ret),
	    TP_STRUCT__entry(__field(u64, file)
			     __field(u64, gfn)
			     __field(int, kind)
			     __field(unsigned long, pfn)
			     __field(int, order)
			     __field(int, ret)),
	    TP_fast_assign(__entry->file = file;
			   __entry->gfn = gfn;
			   __entry->kind = kind;
			   __entry->pfn = pfn;
			   __entry->order = order;
			   __entry->ret = ret;),
	    TP_printk("file=%llu gfn=%#llx kind=%s pfn=%#lx order=%d ret=%d",
		      __entry->file, __entry->gfn,
		      tdxgmem_show_lookup(__entry->kind), __entry->pfn,
		      __entry->order, __entry->ret));

/* One batch of direct-map changes: pages changed, TLB flushes, result. */
TRACE_EVENT(tdxgmem_directmap,
	    TP_PROTO(bool restore, unsigned long pages, unsigned int runs,
		     unsigned int flushes, int ret),
	    TP_ARGS(restore, pages, runs, flushes, ret),
	    TP_STRUCT__entry(__field(bool, restore)
			     __field(unsigned long, pages)
			     __field(unsigned int, runs)
			     __field(unsigned int, flushes)
			     __field(int, ret)),
	    TP_fast_assign(__entry->restore = restore;
			   __entry->pages = pages;
			   __entry->runs = runs;
			   __entry->flushes = flushes;
			   __entry->ret = ret;),
	    TP_printk("op=%s pages=%lu runs=%u flushes=%u ret=%d",
		      __entry->restore ? "restore" : "zap", __entry->pages,
		      __entry->runs, __entry->flushes, __entry->ret));

/* nr pages of [pgoff, pgoff + npages) newly quarantined. */
TRACE_EVENT(tdxgmem_quarantine,
	    TP_PROTO(u64 file, unsigned long pgoff, unsigned long npages,
		     unsigned long nr, u32 cause, int err),
	    TP_ARGS(file, pgoff, npages, nr, cause, err),
	    TP_STRUCT__entry(__field(u64, file)
			     __field(unsigned long, pgoff)
			     __field(unsigned long, npages)
			     __field(unsigned long, nr)
			     __field(u32, cause)
			     __field(int, err)),
	    TP_fast_assign(__entry->file = file;
			   __entry->pgoff = pgoff;
			   __entry->npages = npages;
			   __entry->nr = nr;
			   __entry->cause = cause;
			   __entry->err = err;),
	    TP_printk("file=%llu pgoff=%#lx npages=%lu quarantined=%lu cause=%s err=%d",
		      __entry->file, __entry->pgoff, __entry->npages, __entry->nr,
		      tdxgmem_show_cause(__entry->cause), __entry->err));

/* tdxgmem noticed that memory failure hit a page of the file. */
TRACE_EVENT(tdxgmem_hwpoison,
	    TP_PROTO(u64 file, unsigned long pgoff),
	    TP_ARGS(file, pgoff),
	    TP_STRUCT__entry(__field(u64, file)
			     __field(unsigned long, pgoff)),
	    TP_fast_assign(__entry->file = file;
			   __entry->pgoff = pgoff;),
	    TP_printk("file=%llu pgoff=%#lx", __entry->file, __entry->pgoff));

/*
 * A freed block of 2^order pages went into tdxgmem's pool instead of back
 * to the page allocator: like mm_page_free, the end of its file's use.
 */
TRACE_EVENT(tdxgmem_pool_put,
	    TP_PROTO(u64 pfn, unsigned int order),
	    TP_ARGS(pfn, order),
	    TP_STRUCT__entry(__field(u64, pfn)
			     __field(unsigned int, order)),
	    TP_fast_assign(__entry->pfn = pfn;
			   __entry->order = order;),
	    TP_printk("pfn=%#llx order=%u", __entry->pfn, __entry->order));

#endif /* _TDXGMEM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE tdxgmem_trace
#include <trace/define_trace.h>
