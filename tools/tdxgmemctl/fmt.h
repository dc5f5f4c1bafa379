/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdxgmemctl: human output: sizes in B/KiB/MiB/GiB/TiB, size arguments,
 * and tables with aligned columns.
 */
#ifndef TDXGMEMCTL_FMT_H
#define TDXGMEMCTL_FMT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define FMT_SIZE_LEN	32

/* "512 B", "4 KiB", "1.5 MiB": exact values without decimals. */
const char *fmt_size(uint64_t bytes, char buf[FMT_SIZE_LEN]);
/* A size or offset argument: decimal, 0x hex, with K/M/G/T (binary). */
bool fmt_parse_size(const char *s, uint64_t *v);

#define TABLE_MAX_COLS	16

struct table {
	int cols;
	const char *head[TABLE_MAX_COLS];
	bool right[TABLE_MAX_COLS];	/* right-aligned (numbers, sizes) */
	int rows, cap;
	char **cells;			/* rows * cols strings */
};

/* @spec: "NAME" left-aligned, ">NAME" right-aligned, one per column. */
void table_init(struct table *t, int cols, const char *const *spec);
/* Add a row: @cols printf-formatted cells; false if out of memory. */
bool table_row(struct table *t, ...);
void table_print(struct table *t, FILE *out);
void table_free(struct table *t);

#endif
