/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdxgmem internal declarations shared by the module's files.
 */
#ifndef _TDXGMEM_INTERNAL_H
#define _TDXGMEM_INTERNAL_H

#include <linux/atomic.h>
#include <linux/slab.h>
#include <linux/types.h>
#include <linux/tdxgmem.h>
#include <uapi/linux/tdxgmem.h>

#ifndef HAVE_KZALLOC_OBJ
/* 7.x's typed allocator, for older kernels. */
#define kzalloc_obj(obj, gfp)	kzalloc(sizeof(obj), gfp)
#endif

struct file;
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
};

extern struct tdxgmem_stats tdxgmem_stats;

/* Module parameters (main.c). */
extern unsigned long tdxgmem_max_file_size;

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
int tdxgmem_bindings_split(struct tdxgmem_file *f, pgoff_t start, pgoff_t end);
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
int tdxgmem_directmap_init(void);
enum tdxgmem_directmap_mode tdxgmem_directmap_mode(void);
const char *tdxgmem_directmap_name(void);

/* debugfs.c */
void tdxgmem_debugfs_init(void);
void tdxgmem_debugfs_exit(void);

#endif /* _TDXGMEM_INTERNAL_H */
