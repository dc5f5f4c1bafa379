// SPDX-License-Identifier: GPL-2.0
/*
 * Telling pins from the kernel's own transient references.
 *
 * A conversion to private refuses a page that anybody but tdxgmem still
 * references (a GUP pin, a pipe, I/O in flight). The kernel itself keeps
 * references in per-CPU folio batches for a while: when a page of a
 * locked (mlock, MAP_LOCKED) mapping is mapped or unmapped, mlock.c
 * queues it with a reference until the batch is drained. Such references
 * go away when asked; pins do not. lru_add_drain() empties the calling
 * CPU's batches but is not exported; __folio_batch_release() runs it
 * before releasing a batch (and says so), so releasing an empty batch on
 * every CPU drains them all.
 */
#include <linux/cpu.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/workqueue.h>
#ifdef HAVE_FOLIO_BATCH_H
#include <linux/folio_batch.h>
#else
#include <linux/pagevec.h>
#endif

#include "tdxgmem_internal.h"

#ifndef HAVE_SYSTEM_PERCPU_WQ
#define system_percpu_wq	system_wq
#endif

static DEFINE_PER_CPU(struct work_struct, tdxgmem_drain_work);
static DEFINE_MUTEX(tdxgmem_drain_lock);

static void tdxgmem_drain_cpu(struct work_struct *work)
{
	struct folio_batch empty;

	folio_batch_init(&empty);
	__folio_batch_release(&empty);	/* lru_add_drain() on this CPU */
}

/**
 * tdxgmem_drain_lru_caches() - drop the references of every CPU's batches.
 *
 * Waits until each online CPU has drained its LRU and mlock batches.
 * Context: process context, may sleep; for the slow path of a pin check.
 */
void tdxgmem_drain_lru_caches(void)
{
	int cpu;

	mutex_lock(&tdxgmem_drain_lock);
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct work_struct *w = per_cpu_ptr(&tdxgmem_drain_work, cpu);

		INIT_WORK(w, tdxgmem_drain_cpu);
		queue_work_on(cpu, system_percpu_wq, w);
	}
	for_each_online_cpu(cpu)
		flush_work(per_cpu_ptr(&tdxgmem_drain_work, cpu));
	cpus_read_unlock();
	mutex_unlock(&tdxgmem_drain_lock);
}
