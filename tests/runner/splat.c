// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module for the VM runner's self-test: it provokes one kernel
 * report on purpose, so the runner can prove it fails a run that shows it.
 * kind= picks the report; all but "warn" need the debug kernel's checkers
 * (scripts/debug-kernel) and are only loaded there. Every bug here is
 * deliberate. Never loaded by the default test suites.
 */
#include <linux/bug.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/kfence.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timer.h>

static char *kind = "warn";
module_param(kind, charp, 0444);
MODULE_PARM_DESC(kind, "report to provoke: warn kasan kfence lockdep sleep list vm kmemleak odebug");

/* Written with WRITE_ONCE(), so the stores are not optimised away. */
static void *sink;

/* KASAN: read a freed slab object. */
static void splat_kasan(void)
{
	char *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return;
	kfree(p);
	pr_info("tdxgmem_splat: read after free: %d\n", READ_ONCE(p[8]));
}

/* KFENCE: a freed KFENCE object is an unmapped page; KASAN leaves it alone. */
static void splat_kfence(void)
{
	unsigned long end = jiffies + 30 * HZ;
	char *p;

	while (time_before(jiffies, end)) {
		p = kmalloc(32, GFP_KERNEL);
		if (!p)
			return;
		if (is_kfence_address(p)) {
			kfree(p);
			pr_info("tdxgmem_splat: read after free: %d\n", READ_ONCE(p[0]));
			return;
		}
		kfree(p);
		usleep_range(500, 1000);
	}
	pr_err("tdxgmem_splat: no KFENCE object in 30 s\n");
}

/* lockdep: a before b, then b before a (never at once: no deadlock). */
static DEFINE_MUTEX(splat_a);
static DEFINE_MUTEX(splat_b);

static void splat_lockdep(void)
{
	mutex_lock(&splat_a);
	mutex_lock(&splat_b);
	mutex_unlock(&splat_b);
	mutex_unlock(&splat_a);

	mutex_lock(&splat_b);
	mutex_lock(&splat_a);
	mutex_unlock(&splat_a);
	mutex_unlock(&splat_b);
}

/* DEBUG_ATOMIC_SLEEP: a sleeping call under a spinlock. */
static DEFINE_SPINLOCK(splat_lock);

static void splat_sleep(void)
{
	spin_lock(&splat_lock);
	might_sleep();
	spin_unlock(&splat_lock);
}

/* DEBUG_LIST: delete an entry twice (the check refuses the second). */
static void splat_list(void)
{
	LIST_HEAD(head);
	struct list_head entry;

	list_add(&entry, &head);
	list_del(&entry);
	list_del(&entry);
}

/*
 * DEBUG_VM: put_page() on a tail page of a non-compound block, whose
 * refcount is 0 (the mistake a split block invites). VM_BUG_ON_PAGE stops
 * it before the count goes negative; the block is leaked on purpose.
 */
static void splat_vm(void)
{
	struct page *page = alloc_pages(GFP_KERNEL, 1);

	if (page)
		put_page(page + 1);
}

/*
 * kmemleak: objects nobody points to. Several, in case a stale copy of
 * one pointer survives somewhere kmemleak scans.
 */
static void splat_kmemleak(void)
{
	int i;

	for (i = 0; i < 8; i++)
		WRITE_ONCE(sink, kmalloc(128, GFP_KERNEL));
	WRITE_ONCE(sink, NULL);
}

/* DEBUG_OBJECTS: free a pending timer (debugobjects cancels it first). */
static void splat_timer_fn(struct timer_list *t)
{
}

static void splat_odebug(void)
{
	struct timer_list *t = kmalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return;
	timer_setup(t, splat_timer_fn, 0);
	mod_timer(t, jiffies + 3600 * HZ);
	kfree(t);
}

static const struct {
	const char *name;
	void (*fn)(void);
} kinds[] = {
	{ "kasan", splat_kasan },
	{ "kfence", splat_kfence },
	{ "lockdep", splat_lockdep },
	{ "sleep", splat_sleep },
	{ "list", splat_list },
	{ "vm", splat_vm },
	{ "kmemleak", splat_kmemleak },
	{ "odebug", splat_odebug },
};

static int __init tdxgmem_splat_init(void)
{
	int i;

	if (!strcmp(kind, "warn")) {
		WARN(1, "tdxgmem runner self-test: deliberate WARN\n");
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (!strcmp(kind, kinds[i].name)) {
			pr_info("tdxgmem_splat: provoking a %s report\n", kind);
			kinds[i].fn();
			return 0;
		}
	}
	return -EINVAL;
}

static void __exit tdxgmem_splat_exit(void)
{
}

module_init(tdxgmem_splat_init);
module_exit(tdxgmem_splat_exit);

MODULE_DESCRIPTION("tdxgmem VM runner self-test: deliberate kernel reports");
MODULE_LICENSE("GPL");
