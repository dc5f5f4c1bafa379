// SPDX-License-Identifier: GPL-2.0
/* Unit tests of module/order.c: binding geometry and max order. */
#include "order.h"
#include "tap.h"

#define U64_MAX_ ((u64)-1)

TEST(geom_check)
{
	struct tdxgmem_geom g = { .pgoff = 0, .npages = 1024, .base_gfn = 0 };

	CHECK_EQ(tdxgmem_geom_check(&g, 1024), 0);
	CHECK_EQ(tdxgmem_geom_check(&g, 1023), -EINVAL);
	g.npages = 0;
	CHECK_EQ(tdxgmem_geom_check(&g, 1024), -EINVAL);
	g = (struct tdxgmem_geom){ .pgoff = 1024, .npages = 1 };
	CHECK_EQ(tdxgmem_geom_check(&g, 1024), -EINVAL);
	g = (struct tdxgmem_geom){ .pgoff = 1, .npages = U64_MAX_ };
	CHECK_EQ(tdxgmem_geom_check(&g, 1024), -EINVAL);	/* wraps */
	g = (struct tdxgmem_geom){ .pgoff = 0, .npages = 2, .base_gfn = U64_MAX_ };
	CHECK_EQ(tdxgmem_geom_check(&g, 1024), -EINVAL);	/* gfn wraps */
	g = (struct tdxgmem_geom){ .pgoff = 1023, .npages = 1, .base_gfn = 7 };
	CHECK_EQ(tdxgmem_geom_check(&g, 1024), 0);
}

TEST(geom_overlap)
{
	struct tdxgmem_geom a = { .pgoff = 10, .npages = 10 };
	struct tdxgmem_geom b = { .pgoff = 20, .npages = 5 };

	CHECK(!tdxgmem_geom_overlap(&a, &b));
	CHECK(!tdxgmem_geom_overlap(&b, &a));
	b.pgoff = 19;
	CHECK(tdxgmem_geom_overlap(&a, &b));
	CHECK(tdxgmem_geom_overlap(&b, &a));
	b = (struct tdxgmem_geom){ .pgoff = 0, .npages = 100 };
	CHECK(tdxgmem_geom_overlap(&a, &b));		/* contains */
}

TEST(gfn_index)
{
	struct tdxgmem_geom g = { .pgoff = 100, .npages = 50, .base_gfn = 1000 };
	u64 idx = 0;

	CHECK(!tdxgmem_geom_gfn_to_index(&g, 999, &idx));
	CHECK(tdxgmem_geom_gfn_to_index(&g, 1000, &idx));
	CHECK_EQ(idx, 100);
	CHECK(tdxgmem_geom_gfn_to_index(&g, 1049, &idx));
	CHECK_EQ(idx, 149);
	CHECK(!tdxgmem_geom_gfn_to_index(&g, 1050, &idx));
	CHECK(!tdxgmem_geom_gfn_to_index(&g, U64_MAX_, &idx));
}

TEST(clip)
{
	struct tdxgmem_geom g = { .pgoff = 100, .npages = 50, .base_gfn = 1000 };
	u64 s = 0, e = 0;

	CHECK(!tdxgmem_geom_clip(&g, 0, 100, &s, &e));
	CHECK(!tdxgmem_geom_clip(&g, 150, 200, &s, &e));
	CHECK(tdxgmem_geom_clip(&g, 0, 101, &s, &e));
	CHECK_EQ(s, 1000);
	CHECK_EQ(e, 1001);
	CHECK(tdxgmem_geom_clip(&g, 120, U64_MAX_, &s, &e));
	CHECK_EQ(s, 1020);
	CHECK_EQ(e, 1050);
}

TEST(max_order)
{
	struct tdxgmem_geom g = { .pgoff = 0, .npages = 2048, .base_gfn = 4096 };

	for (u64 i = 0; i < 2048; i += 97)
		CHECK_EQ(tdxgmem_max_order(&g, i, 9), 9);
	CHECK_EQ(tdxgmem_max_order(&g, 5, 0), 0);
	/* Misaligned mod 512: works, but order 0. */
	g.base_gfn = 4097;
	CHECK_EQ(tdxgmem_max_order(&g, 5, 9), 0);
	/* Congruent but shifted: gfn 512+1 maps pgoff 1024+1. */
	g = (struct tdxgmem_geom){ .pgoff = 1024, .npages = 1024, .base_gfn = 512 };
	CHECK_EQ(tdxgmem_max_order(&g, 1030, 9), 9);
	/* The chunk sticks out of the binding at either end. */
	g = (struct tdxgmem_geom){ .pgoff = 1, .npages = 1534, .base_gfn = 1 };
	CHECK_EQ(tdxgmem_max_order(&g, 5, 9), 0);
	CHECK_EQ(tdxgmem_max_order(&g, 600, 9), 9);
	CHECK_EQ(tdxgmem_max_order(&g, 1030, 9), 0);
	/* Huge gfns do not overflow the congruence test. */
	g = (struct tdxgmem_geom){ .pgoff = 512, .npages = 512, .base_gfn = U64_MAX_ - 511 };
	CHECK_EQ(tdxgmem_max_order(&g, 700, 9), 9);
}

TEST(max_order_giga)
{
	const u64 gib = 1ULL << 18;
	struct tdxgmem_geom g = { .pgoff = 0, .npages = 2 * gib, .base_gfn = 4 * gib };

	CHECK_EQ(tdxgmem_max_order(&g, 5, 18), 18);
	CHECK_EQ(tdxgmem_max_order(&g, gib + 7, 18), 18);
	/* What the backing allows caps the answer. */
	CHECK_EQ(tdxgmem_max_order(&g, 5, 9), 9);
	CHECK_EQ(tdxgmem_max_order(&g, 5, 0), 0);
	/* Congruent mod 512 only: the 2 MiB chunk still may. */
	g.base_gfn = 4 * gib + 512;
	CHECK_EQ(tdxgmem_max_order(&g, 5, 18), 9);
	/* Congruent mod 2^18 but shifted in the file. */
	g = (struct tdxgmem_geom){ .pgoff = gib, .npages = gib, .base_gfn = 3 * gib };
	CHECK_EQ(tdxgmem_max_order(&g, gib + 1000, 18), 18);
	/* The GiB sticks out of the binding by one chunk: 2 MiB only. */
	g = (struct tdxgmem_geom){ .pgoff = 512, .npages = gib - 512, .base_gfn = 512 };
	CHECK_EQ(tdxgmem_max_order(&g, 1000, 18), 9);
	CHECK_EQ(tdxgmem_max_order(&g, gib - 1, 18), 9);
	/* Huge gfns do not overflow. */
	g = (struct tdxgmem_geom){ .pgoff = 0, .npages = gib, .base_gfn = U64_MAX_ - gib + 1 };
	CHECK_EQ(tdxgmem_max_order(&g, 3, 18), 18);
}

int main(void)
{
	TAP_PLAN(6);
	RUN(geom_check);
	RUN(geom_overlap);
	RUN(gfn_index);
	RUN(clip);
	RUN(max_order);
	RUN(max_order_giga);
	TAP_DONE();
}
