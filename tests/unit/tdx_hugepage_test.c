// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the KVM series' arch/x86/kvm/vmx/tdx_hugepage.h: the level
 * a TD's private leaf may have, and which leaves a split must demote. The
 * header is taken from the patch that adds it (out/tdx_hugepage.h, made by
 * the Makefile), so the code tested is the code the series applies.
 */
#include <stdbool.h>

#include "tap.h"

/* enum pg_level, as arch/x86/include/asm/pgtable_types.h. */
enum pg_level { PG_LEVEL_NONE, PG_LEVEL_4K, PG_LEVEL_2M, PG_LEVEL_1G };

#include "tdx_hugepage.h"

/*
 * The level a private fault maps at, as the TDP MMU composes it: the
 * backing store's order (tdxgmem's max_order, guest_memfd's 0) caps the
 * fault first (kvm_max_level_for_order()), then the vendor hook
 * (tdx_gmem_max_mapping_level() = tdx_private_max_level(runnable, 9)).
 */
static int fault_level(bool runnable, int order)
{
	int level = order >= 18 ? PG_LEVEL_1G :
		    order >= 9 ? PG_LEVEL_2M : PG_LEVEL_4K;
	int cap = tdx_private_max_level(runnable, TDX_HUGEPAGE_ORDER);

	return level < cap ? level : cap;
}

TEST(level_choice)
{
	/* AUG at 2MiB exactly where the store says order 9 (or more). */
	CHECK_EQ(tdx_private_max_level(true, 9), PG_LEVEL_2M);
	CHECK_EQ(tdx_private_max_level(true, 18), PG_LEVEL_2M);	/* no 1GiB */
	CHECK_EQ(tdx_private_max_level(true, 8), PG_LEVEL_4K);
	CHECK_EQ(tdx_private_max_level(true, 0), PG_LEVEL_4K);
	/* TD build (TDH.MEM.PAGE.ADD): 4KiB whatever the order. */
	CHECK_EQ(tdx_private_max_level(false, 9), PG_LEVEL_4K);
	CHECK_EQ(tdx_private_max_level(false, 0), PG_LEVEL_4K);
}

TEST(fault_level_by_backing)
{
	/* tdxgmem: max_order 9 for a whole private chunk, else 0. */
	CHECK_EQ(fault_level(true, 9), PG_LEVEL_2M);
	CHECK_EQ(fault_level(true, 0), PG_LEVEL_4K);
	/* guest_memfd of 7.3 hands out order 0: TDs on it stay at 4KiB. */
	CHECK_EQ(fault_level(true, 0), PG_LEVEL_4K);
	/* A store offering 1GiB still gets 2MiB leaves. */
	CHECK_EQ(fault_level(true, 18), PG_LEVEL_2M);
	CHECK_EQ(fault_level(false, 9), PG_LEVEL_4K);
}

TEST(leaf_npages)
{
	CHECK_EQ(tdx_leaf_npages(PG_LEVEL_4K), 1);
	CHECK_EQ(tdx_leaf_npages(PG_LEVEL_2M), 512);
	CHECK_EQ(tdx_leaf_npages(PG_LEVEL_1G), 0);
	CHECK_EQ(tdx_leaf_npages(PG_LEVEL_NONE), 0);
}

TEST(straddles)
{
	/* The 2MiB leaf at gfn 512 covers [512, 1024). */
	CHECK(!tdx_leaf_straddles(512, PG_LEVEL_2M, 512, 1024));	/* whole */
	CHECK(!tdx_leaf_straddles(512, PG_LEVEL_2M, 0, 2048));	/* inside */
	CHECK(!tdx_leaf_straddles(512, PG_LEVEL_2M, 1024, 1536));	/* after */
	CHECK(!tdx_leaf_straddles(512, PG_LEVEL_2M, 0, 512));	/* before */
	CHECK(tdx_leaf_straddles(512, PG_LEVEL_2M, 513, 514));	/* both edges */
	CHECK(tdx_leaf_straddles(512, PG_LEVEL_2M, 1023, 1100));	/* start */
	CHECK(tdx_leaf_straddles(512, PG_LEVEL_2M, 0, 513));	/* end */
	CHECK(tdx_leaf_straddles(512, PG_LEVEL_2M, 600, 1024));	/* start */
	/* 4KiB leaves never straddle. */
	CHECK(!tdx_leaf_straddles(513, PG_LEVEL_4K, 513, 514));
	CHECK(!tdx_leaf_straddles(512, PG_LEVEL_4K, 513, 514));
}

/*
 * kvm_split_boundary_leafs() demotes the 2MiB leaves that map gfn - 1 and
 * gfn for either edge that is not 2MiB aligned: exactly the leaves that
 * tdx_leaf_straddles() names, for every 2MiB leaf of a 16 MiB space and
 * every range in it.
 */
TEST(split_edges_match_straddles)
{
	unsigned long long s, e, leaf;

	for (s = 0; s < 4096; s += 37)
		for (e = s + 1; e <= 4096; e += 41)
			for (leaf = 0; leaf < 4096; leaf += 512) {
				bool by_edges =
					((s % 512) && s / 512 * 512 == leaf) ||
					((e % 512) && e / 512 * 512 == leaf);

				CHECK_EQ(tdx_leaf_straddles(leaf, PG_LEVEL_2M, s, e),
					 by_edges);
			}
}

int main(void)
{
	TAP_PLAN(5);
	RUN(level_choice);
	RUN(fault_level_by_backing);
	RUN(leaf_npages);
	RUN(straddles);
	RUN(split_edges_match_straddles);
	TAP_DONE();
}
