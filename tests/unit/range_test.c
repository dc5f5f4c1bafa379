// SPDX-License-Identifier: GPL-2.0
/* Unit tests of module/range.c: ranges, per-chunk state, extent merging. */
#include <string.h>

#include "tap.h"
#include "range.h"

#define PG	4096ULL
#define M2	(2ULL << 20)
#define U64MAX	(~0ULL)

TEST(check_size)
{
	CHECK_EQ(tdxgmem_check_size(0, 1ULL << 40), -EINVAL);
	CHECK_EQ(tdxgmem_check_size(1, 1ULL << 40), -EINVAL);
	CHECK_EQ(tdxgmem_check_size(PG - 1, 1ULL << 40), -EINVAL);
	CHECK_EQ(tdxgmem_check_size(PG + 1, 1ULL << 40), -EINVAL);
	CHECK_EQ(tdxgmem_check_size(PG, 1ULL << 40), 0);
	CHECK_EQ(tdxgmem_check_size(1ULL << 40, 1ULL << 40), 0);
	CHECK_EQ(tdxgmem_check_size((1ULL << 40) + PG, 1ULL << 40), -EINVAL);
	CHECK_EQ(tdxgmem_check_size(U64MAX, U64MAX), -EINVAL);
	CHECK_EQ(tdxgmem_check_size(U64MAX & ~(PG - 1), U64MAX), 0);
}

/* max_file_size=0 means no limit but loff_t's: the largest aligned size. */
TEST(size_limit)
{
	u64 top = (1ULL << 63) - PG;

	CHECK_EQ(tdxgmem_size_limit(0), top);
	CHECK_EQ(tdxgmem_size_limit(1ULL << 40), 1ULL << 40);
	CHECK_EQ(tdxgmem_size_limit(PG + 1), PG);
	CHECK_EQ(tdxgmem_size_limit(top), top);
	CHECK_EQ(tdxgmem_size_limit(top + 1), top);
	CHECK_EQ(tdxgmem_size_limit(U64MAX), top);
	CHECK_EQ(tdxgmem_check_size(top, tdxgmem_size_limit(0)), 0);
	CHECK_EQ(tdxgmem_check_size(top + PG, tdxgmem_size_limit(0)), -EINVAL);
	CHECK_EQ(tdxgmem_check_size(U64MAX & ~(PG - 1), tdxgmem_size_limit(U64MAX)),
		 -EINVAL);
	CHECK_EQ(tdxgmem_check_size(PG, tdxgmem_size_limit(PG - 1)), -EINVAL);
}

TEST(range_alloc)
{
	u64 s = 7, e = 7;

	CHECK_EQ(tdxgmem_range_alloc(0, M2, M2, &s, &e), 0);
	CHECK_EQ(s, 0);
	CHECK_EQ(e, 512);
	CHECK_EQ(tdxgmem_range_alloc(PG, PG, M2, &s, &e), 0);
	CHECK_EQ(s, 1);
	CHECK_EQ(e, 2);
	CHECK_EQ(tdxgmem_range_alloc(M2 - PG, PG, M2, &s, &e), 0);
	CHECK_EQ(e, 512);
	/* Zero, unaligned, beyond EOF, overflow. */
	CHECK_EQ(tdxgmem_range_alloc(0, 0, M2, &s, &e), -EINVAL);
	CHECK_EQ(tdxgmem_range_alloc(1, PG, M2, &s, &e), -EINVAL);
	CHECK_EQ(tdxgmem_range_alloc(0, PG + 1, M2, &s, &e), -EINVAL);
	CHECK_EQ(tdxgmem_range_alloc(0, M2 + PG, M2, &s, &e), -EINVAL);
	CHECK_EQ(tdxgmem_range_alloc(M2, PG, M2, &s, &e), -EINVAL);
	CHECK_EQ(tdxgmem_range_alloc(M2 + PG, PG, M2, &s, &e), -EINVAL);
	CHECK_EQ(tdxgmem_range_alloc(PG, U64MAX & ~(PG - 1), M2, &s, &e), -EINVAL);
	CHECK_EQ(tdxgmem_range_alloc(U64MAX & ~(PG - 1), 2 * PG, U64MAX, &s, &e),
		 -EINVAL);
	CHECK_EQ(tdxgmem_range_alloc(U64MAX, U64MAX, U64MAX, &s, &e), -EINVAL);
}

TEST(range_punch)
{
	u64 s, e;

	CHECK_EQ(tdxgmem_range_punch(0, M2, M2, &s, &e), 0);
	CHECK_EQ(s, 0);
	CHECK_EQ(e, 512);
	/* Clipped at EOF. */
	CHECK_EQ(tdxgmem_range_punch(PG, 4 * M2, M2, &s, &e), 0);
	CHECK_EQ(s, 1);
	CHECK_EQ(e, 512);
	/* At or after EOF: nothing to do, but fine. */
	CHECK_EQ(tdxgmem_range_punch(M2, PG, M2, &s, &e), 0);
	CHECK_EQ(s, e);
	CHECK_EQ(tdxgmem_range_punch(8 * M2, PG, M2, &s, &e), 0);
	CHECK_EQ(s, e);
	CHECK_EQ(tdxgmem_range_punch(0, U64MAX & ~(PG - 1), M2, &s, &e), 0);
	CHECK_EQ(s, 0);
	CHECK_EQ(e, 512);
	/* Bad. */
	CHECK_EQ(tdxgmem_range_punch(0, 0, M2, &s, &e), -EINVAL);
	CHECK_EQ(tdxgmem_range_punch(3, PG, M2, &s, &e), -EINVAL);
	CHECK_EQ(tdxgmem_range_punch(0, 3, M2, &s, &e), -EINVAL);
	CHECK_EQ(tdxgmem_range_punch(PG, U64MAX & ~(PG - 1), M2, &s, &e), -EINVAL);
	CHECK_EQ(tdxgmem_range_punch(U64MAX & ~(PG - 1), PG, M2, &s, &e), -EINVAL);
}

TEST(range_query)
{
	u64 s, e;

	CHECK_EQ(tdxgmem_range_query(0, PG, M2, &s, &e), 0);
	CHECK_EQ(e, 1);
	CHECK_EQ(tdxgmem_range_query(PG, 8 * M2, M2, &s, &e), 0);
	CHECK_EQ(s, 1);
	CHECK_EQ(e, 512);
	/* Overflowing size means "to EOF". */
	CHECK_EQ(tdxgmem_range_query(M2 - PG, U64MAX & ~(PG - 1), M2, &s, &e), 0);
	CHECK_EQ(s, 511);
	CHECK_EQ(e, 512);
	CHECK_EQ(tdxgmem_range_query(M2, PG, M2, &s, &e), -EINVAL);
	CHECK_EQ(tdxgmem_range_query(U64MAX & ~(PG - 1), PG, M2, &s, &e), -EINVAL);
	CHECK_EQ(tdxgmem_range_query(0, 0, M2, &s, &e), -EINVAL);
	CHECK_EQ(tdxgmem_range_query(1, PG, M2, &s, &e), -EINVAL);
	CHECK_EQ(tdxgmem_range_query(0, PG - 1, M2, &s, &e), -EINVAL);
}

TEST(bits)
{
	u64 map[TDXGMEM_CHUNK_WORDS] = {};

	tdxgmem_bits_assign(map, 60, 70, true);
	CHECK_EQ(tdxgmem_bits_count(map, 0, 512), 10);
	CHECK(!tdxgmem_bit_test(map, 59));
	CHECK(tdxgmem_bit_test(map, 60));
	CHECK(tdxgmem_bit_test(map, 63));
	CHECK(tdxgmem_bit_test(map, 64));
	CHECK(tdxgmem_bit_test(map, 69));
	CHECK(!tdxgmem_bit_test(map, 70));
	tdxgmem_bits_assign(map, 0, 512, true);
	CHECK_EQ(tdxgmem_bits_count(map, 0, 512), 512);
	CHECK(tdxgmem_bit_test(map, 511));
	tdxgmem_bits_assign(map, 511, 512, false);
	CHECK_EQ(tdxgmem_bits_count(map, 0, 512), 511);
	CHECK_EQ(tdxgmem_bits_count(map, 500, 512), 11);
}

/* Word-at-a-time assignment against bit-by-bit, for every range. */
TEST(bits_assign_ranges)
{
	u64 map[TDXGMEM_CHUNK_WORDS], ref[TDXGMEM_CHUNK_WORDS];
	u32 first, end, i, v;

	for (v = 0; v < 2; v++)
		for (first = 0; first <= 512; first++)
			for (end = first; end <= 512; end++) {
				for (i = 0; i < TDXGMEM_CHUNK_WORDS; i++)
					map[i] = ref[i] = v ? 0x5a5a5a5a5a5a5a5aULL : 0;
				tdxgmem_bits_assign(map, first, end, !v);
				for (i = first; i < end; i++) {
					u64 m = 1ULL << (i % 64);

					ref[i / 64] = v ? ref[i / 64] & ~m : ref[i / 64] | m;
				}
				for (i = 0; i < TDXGMEM_CHUNK_WORDS; i++)
					CHECK_EQ(map[i], ref[i]);
			}
}

static void full_contig(struct tdxgmem_chunk_bits *b, bool private)
{
	tdxgmem_chunk_bits_init(b, private);
	tdxgmem_bits_assign(b->populated, 0, 512, true);
	b->nr_populated = 512;
	b->contig = true;
}

TEST(chunk_orders)
{
	struct tdxgmem_chunk_bits b;
	struct tdxgmem_page_info pi;

	tdxgmem_chunk_bits_init(&b, true);
	CHECK(tdxgmem_chunk_bits_uniform(&b, true));
	CHECK(!tdxgmem_chunk_bits_uniform(&b, false));
	CHECK(!tdxgmem_chunk_huge_mappable(&b));
	tdxgmem_chunk_page_info(&b, 3, 21, 0, &pi);
	CHECK_EQ(pi.state, TDXGMEM_STATE_PRIVATE);
	CHECK_EQ(pi.backing_log2, 0);
	CHECK_EQ(pi.map_log2, 0);

	/* Contiguous, full, private: 21/21. */
	full_contig(&b, true);
	CHECK(tdxgmem_chunk_huge_mappable(&b));
	CHECK(!tdxgmem_chunk_bits_uniform(&b, true));
	tdxgmem_chunk_page_info(&b, 511, 21, 21, &pi);
	CHECK_EQ(pi.state, TDXGMEM_STATE_PRIVATE | TDXGMEM_STATE_POPULATED);
	CHECK_EQ(pi.backing_log2, 21);
	CHECK_EQ(pi.map_log2, 21);

	/* Contiguous, full, shared: backing 21, no mapping. */
	full_contig(&b, false);
	CHECK(!tdxgmem_chunk_huge_mappable(&b));
	tdxgmem_chunk_page_info(&b, 0, 21, 0, &pi);
	CHECK_EQ(pi.state, TDXGMEM_STATE_POPULATED);
	CHECK_EQ(pi.backing_log2, 21);
	CHECK_EQ(pi.map_log2, 0);

	/* One shared page breaks 2M mapping for the whole chunk. */
	full_contig(&b, true);
	tdxgmem_bits_assign(b.private, 100, 101, false);
	CHECK(!tdxgmem_chunk_huge_mappable(&b));
	tdxgmem_chunk_page_info(&b, 0, 21, 0, &pi);
	CHECK_EQ(pi.map_log2, 12);
	CHECK_EQ(pi.backing_log2, 21);
	tdxgmem_chunk_page_info(&b, 100, 21, 0, &pi);
	CHECK_EQ(pi.map_log2, 0);

	/* A quarantined page: reported, never mappable, no 2M for the chunk. */
	full_contig(&b, true);
	tdxgmem_bits_assign(b.quarantined, 7, 8, true);
	b.nr_quarantined = 1;
	CHECK(!tdxgmem_chunk_huge_mappable(&b));
	tdxgmem_chunk_page_info(&b, 7, 21, 0, &pi);
	CHECK_EQ(pi.state, TDXGMEM_STATE_PRIVATE | TDXGMEM_STATE_POPULATED |
		 TDXGMEM_STATE_QUARANTINED);
	CHECK_EQ(pi.map_log2, 0);
	CHECK_EQ(pi.backing_log2, 21);
	tdxgmem_chunk_page_info(&b, 8, 21, 0, &pi);
	CHECK_EQ(pi.map_log2, 12);

	/* A punched page breaks it too; the rest stays 2M-backed. */
	full_contig(&b, true);
	tdxgmem_bits_assign(b.populated, 7, 8, false);
	b.nr_populated--;
	CHECK(!tdxgmem_chunk_huge_mappable(&b));
	tdxgmem_chunk_page_info(&b, 7, 21, 0, &pi);
	CHECK_EQ(pi.state, TDXGMEM_STATE_PRIVATE);
	CHECK_EQ(pi.backing_log2, 0);
	tdxgmem_chunk_page_info(&b, 8, 21, 0, &pi);
	CHECK_EQ(pi.backing_log2, 21);
	CHECK_EQ(pi.map_log2, 12);

	/* Not contiguous, full, private: 4K. */
	full_contig(&b, true);
	b.contig = false;
	CHECK(!tdxgmem_chunk_huge_mappable(&b));
	tdxgmem_chunk_page_info(&b, 0, 21, 0, &pi);
	CHECK_EQ(pi.backing_log2, 12);
	CHECK_EQ(pi.map_log2, 12);
}

TEST(chunk_hwpoison)
{
	struct tdxgmem_chunk_bits b;
	struct tdxgmem_page_info pi;

	/* Only a populated page can be found poisoned, and only once. */
	tdxgmem_chunk_bits_init(&b, true);
	CHECK(!tdxgmem_chunk_mark_hwpoison(&b, 5));
	CHECK_EQ(b.nr_hwpoison, 0);

	full_contig(&b, true);
	CHECK(tdxgmem_chunk_mark_hwpoison(&b, 5));
	CHECK(!tdxgmem_chunk_mark_hwpoison(&b, 5));
	CHECK_EQ(b.nr_hwpoison, 1);

	/* Reported, never mappable, and no 2M for the rest of the chunk. */
	CHECK(!tdxgmem_chunk_huge_mappable(&b));
	tdxgmem_chunk_page_info(&b, 5, 21, 0, &pi);
	CHECK_EQ(pi.state, TDXGMEM_STATE_PRIVATE | TDXGMEM_STATE_POPULATED |
		 TDXGMEM_STATE_HWPOISON);
	CHECK_EQ(pi.backing_log2, 21);
	CHECK_EQ(pi.map_log2, 0);
	tdxgmem_chunk_page_info(&b, 4, 21, 0, &pi);
	CHECK_EQ(pi.state, TDXGMEM_STATE_PRIVATE | TDXGMEM_STATE_POPULATED);
	CHECK_EQ(pi.map_log2, 12);

	/* Shared and poisoned: still reported. */
	tdxgmem_bits_assign(b.private, 5, 6, false);
	tdxgmem_chunk_page_info(&b, 5, 21, 0, &pi);
	CHECK_EQ(pi.state, TDXGMEM_STATE_POPULATED | TDXGMEM_STATE_HWPOISON);
	CHECK_EQ(pi.map_log2, 0);

	/* Poisoned and quarantined: both bits. */
	tdxgmem_bits_assign(b.quarantined, 5, 6, true);
	b.nr_quarantined = 1;
	tdxgmem_chunk_page_info(&b, 5, 21, 0, &pi);
	CHECK_EQ(pi.state, TDXGMEM_STATE_POPULATED | TDXGMEM_STATE_HWPOISON |
		 TDXGMEM_STATE_QUARANTINED);

	/* The page leaves the file: the poison goes with it, the attribute stays. */
	full_contig(&b, true);
	CHECK(tdxgmem_chunk_mark_hwpoison(&b, 5));
	tdxgmem_bits_assign(b.private, 5, 6, false);
	tdxgmem_chunk_unpopulate(&b, 5);
	CHECK_EQ(b.nr_populated, 511);
	CHECK_EQ(b.nr_hwpoison, 0);
	CHECK(!tdxgmem_bit_test(b.hwpoison, 5));
	tdxgmem_chunk_page_info(&b, 5, 21, 0, &pi);
	CHECK_EQ(pi.state, 0);
	CHECK_EQ(pi.backing_log2, 0);
	/* Unpopulating an empty page changes nothing. */
	tdxgmem_chunk_unpopulate(&b, 5);
	CHECK_EQ(b.nr_populated, 511);

	/* An uncleared page's contents leave with it: its bit goes too. */
	tdxgmem_bits_assign(b.uncleared, 6, 8, true);
	b.nr_uncleared = 2;
	tdxgmem_chunk_unpopulate(&b, 7);
	CHECK_EQ(b.nr_uncleared, 1);
	CHECK(!tdxgmem_bit_test(b.uncleared, 7));
	CHECK(tdxgmem_bit_test(b.uncleared, 6));
}

TEST(extent_merge)
{
	struct tdxgmem_extent ext[4];
	struct tdxgmem_extent_buf eb = { ext, 2, 0 };
	struct tdxgmem_page_info a = { TDXGMEM_STATE_PRIVATE, 0, 0 };
	struct tdxgmem_page_info b = { TDXGMEM_STATE_PRIVATE, 12, 12 };

	memset(ext, 0xff, sizeof(ext));
	CHECK(tdxgmem_extent_add(&eb, 0, 1, &a));
	CHECK(tdxgmem_extent_add(&eb, 1, 511, &a));
	CHECK(tdxgmem_extent_add(&eb, 512, 512, &a));	/* across chunks */
	CHECK_EQ(eb.nr, 1);
	CHECK_EQ(ext[0].offset, 0);
	CHECK_EQ(ext[0].size, 2 * M2);
	CHECK_EQ(ext[0].pad[0], 0);
	CHECK_EQ(ext[0].reserved, 0);
	CHECK(tdxgmem_extent_add(&eb, 1024, 1, &b));
	CHECK_EQ(eb.nr, 2);
	/* Not adjacent: no merge, and the buffer is full. */
	CHECK(!tdxgmem_extent_add(&eb, 1026, 1, &b));
	CHECK(!tdxgmem_extent_add(&eb, 1025, 1, &a));
	CHECK_EQ(eb.nr, 2);
	CHECK_EQ(ext[1].size, PG);
	/* Still merges into the last one when full. */
	CHECK(tdxgmem_extent_add(&eb, 1025, 3, &b));
	CHECK_EQ(ext[1].size, 4 * PG);
	CHECK_EQ(ext[1].backing_log2, 12);
	CHECK_EQ(ext[2].size, U64MAX);	/* untouched */
}

TEST(chunk_describe)
{
	struct tdxgmem_extent ext[8];
	struct tdxgmem_extent_buf eb = { ext, 8, 0 };
	struct tdxgmem_chunk_bits b;
	u64 next;

	/* Absent chunks merge into one extent across chunk boundaries. */
	next = tdxgmem_chunk_describe(NULL, true, 5, 512, false, false, &eb);
	CHECK_EQ(next, 512);
	next = tdxgmem_chunk_describe(NULL, true, 512, 1024, false, false, &eb);
	CHECK_EQ(next, 1024);
	CHECK_EQ(eb.nr, 1);
	CHECK_EQ(ext[0].offset, 5 * PG);
	CHECK_EQ(ext[0].size, 1019 * PG);
	CHECK_EQ(ext[0].state, TDXGMEM_STATE_PRIVATE);

	/* A present but untouched chunk says the same and merges too. */
	tdxgmem_chunk_bits_init(&b, true);
	next = tdxgmem_chunk_describe(&b, true, 1024, 1536, false, false, &eb);
	CHECK_EQ(next, 1536);
	CHECK_EQ(eb.nr, 1);
	CHECK_EQ(ext[0].size, 1531 * PG);

	/* Full contiguous private chunk, then pages 10..19 punched. */
	full_contig(&b, true);
	tdxgmem_bits_assign(b.populated, 10, 20, false);
	b.nr_populated -= 10;
	eb.nr = 0;
	next = tdxgmem_chunk_describe(&b, true, 1536, 2048, false, false, &eb);
	CHECK_EQ(next, 2048);
	CHECK_EQ(eb.nr, 3);
	CHECK_EQ(ext[0].size, 10 * PG);
	CHECK_EQ(ext[0].backing_log2, 21);
	CHECK_EQ(ext[0].map_log2, 12);
	CHECK_EQ(ext[1].offset, 1546 * PG);
	CHECK_EQ(ext[1].size, 10 * PG);
	CHECK_EQ(ext[1].state, TDXGMEM_STATE_PRIVATE);
	CHECK_EQ(ext[2].size, 492 * PG);

	/* A full buffer stops at the first page it cannot describe. */
	eb.nr = 0;
	eb.cap = 2;
	next = tdxgmem_chunk_describe(&b, true, 1536, 2048, false, false, &eb);
	CHECK_EQ(next, 1556);
	CHECK_EQ(eb.nr, 2);
	/* And an absent chunk after a full buffer. */
	next = tdxgmem_chunk_describe(NULL, false, 2048, 2560, false, false, &eb);
	CHECK_EQ(next, 2048);

	/* Absent chunks as far as the largest file goes: one extent. */
	eb.nr = 0;
	next = tdxgmem_chunk_describe(NULL, false, 0, (1ULL << 51) - 1, false, false, &eb);
	CHECK_EQ(next, (1ULL << 51) - 1);
	CHECK_EQ(eb.nr, 1);
	CHECK_EQ(ext[0].size, (1ULL << 63) - PG);
}

TEST(chunk_census)
{
	struct tdxgmem_census cs = { 0 };
	struct tdxgmem_chunk_bits b;

	/* Untouched private tail chunk of 100 pages: bits past it not counted. */
	tdxgmem_chunk_bits_init(&b, true);
	tdxgmem_chunk_census(&b, 100, true, &cs);
	CHECK_EQ(cs.private, 100);
	CHECK_EQ(cs.populated, 0);
	CHECK_EQ(cs.dm_removed, 0);
	CHECK_EQ(cs.backing_2m + cs.backing_4k, 0);

	/* A 2 MiB block, 10 pages punched, 5 shared, 2 quarantined, 1 poisoned. */
	memset(&cs, 0, sizeof(cs));
	full_contig(&b, true);
	tdxgmem_bits_assign(b.populated, 10, 20, false);
	b.nr_populated -= 10;
	tdxgmem_bits_assign(b.private, 100, 105, false);
	tdxgmem_bits_assign(b.quarantined, 200, 202, true);
	b.nr_quarantined = 2;
	CHECK(tdxgmem_chunk_mark_hwpoison(&b, 300));
	tdxgmem_chunk_census(&b, 512, true, &cs);
	CHECK_EQ(cs.populated, 502);
	CHECK_EQ(cs.private, 507);
	CHECK_EQ(cs.quarantined, 2);
	CHECK_EQ(cs.hwpoison, 1);
	CHECK_EQ(cs.backing_2m, 1);
	CHECK_EQ(cs.backing_4k, 0);
	/* Populated, private, not quarantined: 512 - 10 - 5 - 2. */
	CHECK_EQ(cs.dm_removed, 495);

	/* Not NO_DIRECT_MAP: nothing out of the direct map; counts add up. */
	tdxgmem_chunk_census(&b, 512, false, &cs);
	CHECK_EQ(cs.dm_removed, 495);
	CHECK_EQ(cs.populated, 1004);
	CHECK_EQ(cs.backing_2m, 2);

	/* Pages backed one by one count as 4 KiB backing. */
	memset(&cs, 0, sizeof(cs));
	tdxgmem_chunk_bits_init(&b, false);
	tdxgmem_bits_assign(b.populated, 0, 3, true);
	b.nr_populated = 3;
	tdxgmem_bits_assign(b.private, 63, 66, true);
	tdxgmem_chunk_census(&b, 65, true, &cs);
	CHECK_EQ(cs.backing_4k, 3);
	CHECK_EQ(cs.backing_2m, 0);
	CHECK_EQ(cs.private, 2);	/* 63 and 64; 65 is past the span */
	CHECK_EQ(cs.dm_removed, 0);
}

int main(void)
{
	TAP_PLAN(11);
	RUN(check_size);
	RUN(size_limit);
	RUN(range_alloc);
	RUN(range_punch);
	RUN(range_query);
	RUN(bits);
	RUN(bits_assign_ranges);
	RUN(chunk_orders);
	RUN(chunk_hwpoison);
	RUN(extent_merge);
	RUN(chunk_describe);
	RUN(chunk_census);
	TAP_DONE();
}
