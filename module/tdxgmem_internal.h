/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdxgmem internal declarations shared by the module's files.
 */
#ifndef _TDXGMEM_INTERNAL_H
#define _TDXGMEM_INTERNAL_H

#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/slab.h>
#include <linux/types.h>
#include <linux/tdxgmem.h>
#include <uapi/linux/tdxgmem.h>

#ifndef HAVE_KZALLOC_OBJ
/* 7.x's typed allocator, for older kernels. */
#define kzalloc_obj(obj, gfp)	kzalloc(sizeof(obj), gfp)
#endif

struct file;
struct pid;
struct sk_buff;
struct vm_area_struct;
struct tdxgmem_file;

/* Module-wide counters; every file's contribution returns to 0 on release. */
struct tdxgmem_stats {
	atomic64_t files;		/* open tdxgmem files */
	atomic64_t pages;		/* 4 KiB pages held by all files */
	atomic64_t chunk_allocs;	/* 2 MiB allocations that succeeded */
	atomic64_t page_allocs;		/* 4 KiB allocations (incl. fallbacks) */
	atomic64_t fallbacks;		/* 2 MiB wanted, 4 KiB given */
	atomic64_t frees;		/* 4 KiB pages let go (punch, close) */
	atomic64_t limit_fails;		/* allocations refused by mem_limit_pct */
	atomic64_t bindings;		/* live consumer bindings */
	atomic64_t quarantined;		/* pages never freed: unmap failed */
	atomic64_t hwpoison;		/* pages found hit by memory failure */
	atomic64_t splits;		/* split callbacks made */
	atomic64_t invalidations;	/* invalidate_begin callbacks made */
	atomic64_t dm_zapped_pages;	/* pages taken out of the direct map */
	atomic64_t dm_restored_pages;	/* pages put back into the direct map */
	atomic64_t dm_tlb_flushes;	/* kernel TLB flushes for the above */
	atomic64_t dm_failures;		/* failed direct-map changes */
	atomic64_t dm_poison_skipped;	/* poisoned pages left unmapped */
	atomic64_t tdx_reset_pages;	/* TD pages reset on their way back */
	atomic64_t poison_scans;	/* whole-chunk scans for 2 MiB answers */
	atomic64_t block_frees;		/* chunks freed as one 2 MiB block */
	atomic64_t block_splits;	/* 2 MiB blocks split into 4 KiB pages */
	atomic64_t giga_allocs;		/* 1 GiB allocations that succeeded */
	atomic64_t giga_fallbacks;	/* 1 GiB wanted, 2 MiB chunks given */
	atomic64_t giga_frees;		/* 1 GiB ranges freed in one call */
	atomic64_t zeroed_pages;		/* cleared before anybody read them */
	atomic64_t zero_skipped_pages;	/* populated uncleared (INITIALIZES) */
	atomic64_t pool_blocks;		/* freed 2 MiB blocks pooled now */
	atomic64_t pool_puts;		/* blocks put into the pool */
	atomic64_t pool_hits;		/* new chunks backed from the pool */
	atomic64_t pool_releases;	/* pooled blocks given back */
};

extern struct tdxgmem_stats tdxgmem_stats;

/* stats.c: each counter by name (debugfs) and attribute (netlink). */
struct tdxgmem_stat_desc {
	const char *name;
	size_t offset;
	int attr;
};

extern const struct tdxgmem_stat_desc tdxgmem_stat_descs[];
extern const unsigned int tdxgmem_nr_stats;
s64 tdxgmem_stat_read(const struct tdxgmem_stat_desc *d);

/* Module parameters (main.c, store.c, directmap.c). */
extern unsigned long tdxgmem_max_file_size;
extern unsigned int tdxgmem_mem_limit_pct;
extern bool tdxgmem_dm_allow_resolve;

/* dev.c */
int tdxgmem_dev_init(void);
void tdxgmem_dev_exit(void);
void tdxgmem_caps_fill(struct tdxgmem_caps *caps);

/* create.c */
u64 tdxgmem_supported_flags(void);
long tdxgmem_create_ioctl(void __user *argp);

/* file.c */
extern const struct file_operations tdxgmem_file_fops;
extern const struct inode_operations tdxgmem_file_iops;
int tdxgmem_invalidate(struct tdxgmem_file *f, pgoff_t start, pgoff_t end,
		       enum tdxgmem_inval_reason reason);

void tdxgmem_unmap_user(struct tdxgmem_file *f, pgoff_t start, pgoff_t end);

/* pins.c */
void tdxgmem_drain_lru_caches(void);

/* convert.c */
long tdxgmem_convert_ioctl(struct tdxgmem_file *f, void __user *argp);

/* binding.c */

/* What a pfn look-up wants (also in the get_pfn tracepoint). */
enum tdxgmem_lookup {
	TDXGMEM_LOOKUP_PRIVATE,		/* allocating */
	TDXGMEM_LOOKUP_PEEK,		/* private, never allocating */
	TDXGMEM_LOOKUP_SHARED,		/* allocating */
};

/**
 * struct tdxgmem_binding_info - a binding as netlink reports it.
 * @consumer: module holding the consumer's callbacks ("vmlinux": built in).
 * @pid:      thread group that bound (the VMM); may have exited.
 * @comm:     its command name at binding time.
 * @pgoff:    first file page bound.
 * @npages:   pages bound.
 * @base_gfn: guest frame of @pgoff.
 */
struct tdxgmem_binding_info {
	const char *consumer;
	struct pid *pid;
	const char *comm;
	u64 pgoff;
	u64 npages;
	u64 base_gfn;
};

int tdxgmem_bindings_report(struct tdxgmem_file *f,
			    int (*fn)(void *arg,
				      const struct tdxgmem_binding_info *bi),
			    void *arg);
int tdxgmem_bindings_split(struct tdxgmem_file *f, pgoff_t start, pgoff_t end);
bool tdxgmem_bindings_initialize(struct tdxgmem_file *f, pgoff_t start,
				 pgoff_t end);
void tdxgmem_bindings_invalidate(struct tdxgmem_file *f, pgoff_t start,
				 pgoff_t end, enum tdxgmem_inval_reason reason);
void tdxgmem_bindings_release(struct tdxgmem_file *f);
void tdxgmem_file_put(struct tdxgmem_file *f);

/* mmap.c */
int tdxgmem_mmap(struct file *file, struct vm_area_struct *vma);

/* query.c */
long tdxgmem_query_ioctl(struct tdxgmem_file *f, void __user *argp);

/* directmap.c */
extern atomic_t tdxgmem_dm_fail_next;
extern atomic_t tdxgmem_dm_fail_skip;

/* store.c */
extern bool tdxgmem_poison_scan_always;

/* tdx_reset.c */
struct page;
extern bool tdxgmem_tdx_pw_mce_force;
bool tdxgmem_tdx_reset_needed(const struct tdxgmem_file *f);
void tdxgmem_tdx_reset_addr(void *p);
void tdxgmem_tdx_reset_page(struct page *page);

/* zeroing.c */
bool tdxgmem_zeroing_skippable(void);
int tdxgmem_clear_unmapped(struct page **pages, unsigned int n, bool reset);

int tdxgmem_directmap_init(void);
enum tdxgmem_directmap_mode tdxgmem_directmap_mode(void);
const char *tdxgmem_directmap_name(void);

/* debugfs.c */
void tdxgmem_debugfs_init(void);
void tdxgmem_debugfs_exit(void);

/* files.c: open files by id, for netlink. */

/**
 * struct tdxgmem_viewer - who asks about files (netlink access rules).
 * @uid: the caller's effective uid: it sees the files this uid created.
 * @all: the caller has CAP_SYS_ADMIN: it sees every file.
 */
struct tdxgmem_viewer {
	kuid_t uid;
	bool all;
};

int tdxgmem_files_add(struct tdxgmem_file *f);
void tdxgmem_files_del(struct tdxgmem_file *f);
struct tdxgmem_file *tdxgmem_files_get(unsigned long *id,
				       const struct tdxgmem_viewer *v,
				       bool exact);

/* store.c: what mem_limit_pct allows now, in pages. */
u64 tdxgmem_mem_limit_pages(void);

/* netlink.c */
int tdxgmem_netlink_init(void);
void tdxgmem_netlink_exit(void);

/* events.c: the "events" multicast group. */
void tdxgmem_events_init(void);
void tdxgmem_event_file(struct tdxgmem_file *f, bool created);
void tdxgmem_event_quarantine(struct tdxgmem_file *f, pgoff_t start,
			      pgoff_t end, unsigned long nr, u32 cause,
			      int err);
void tdxgmem_event_hwpoison(struct tdxgmem_file *f, pgoff_t index);
void tdxgmem_event_directmap(struct tdxgmem_file *f, pgoff_t start,
			     unsigned long npages, bool restore, int err);
void tdxgmem_event_mem_limit(struct tdxgmem_file *f, unsigned long want,
			     u64 held, u64 limit);

#endif /* _TDXGMEM_INTERNAL_H */
