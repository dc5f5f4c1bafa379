// SPDX-License-Identifier: GPL-2.0
/* tdxgmemctl: sizes and aligned tables for human output. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

/*
 * Inexact values are cut, not rounded, to one decimal: 64 MiB less a page
 * reads 63.9 MiB, never more than there is.
 */
const char *fmt_size(uint64_t bytes, char buf[FMT_SIZE_LEN])
{
	static const char *const unit[] = {
		"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
	};
	int u = 0;

	while (u < 6 && bytes >= (1ULL << (10 * (u + 1))))
		u++;
	if (!u || !(bytes & ((1ULL << (10 * u)) - 1)))
		snprintf(buf, FMT_SIZE_LEN, "%llu %s",
			 (unsigned long long)(bytes >> (10 * u)), unit[u]);
	else
		snprintf(buf, FMT_SIZE_LEN, "%llu.%llu %s",
			 (unsigned long long)(bytes >> (10 * u)),
			 (unsigned long long)(((bytes & ((1ULL << (10 * u)) - 1)) *
					       10) >> (10 * u)), unit[u]);
	return buf;
}

bool fmt_parse_size(const char *s, uint64_t *v)
{
	unsigned long long n;
	char *end;
	int shift = 0;

	if (!*s || *s == '-' || isspace((unsigned char)*s))
		return false;
	errno = 0;
	n = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	switch (toupper((unsigned char)*end)) {
	case 'K': shift = 10; break;
	case 'M': shift = 20; break;
	case 'G': shift = 30; break;
	case 'T': shift = 40; break;
	case '\0': break;
	default: return false;
	}
	if (shift) {
		end++;
		/* Allow "K", "KB", "KiB". */
		if (!strcasecmp(end, "ib") || !strcasecmp(end, "b"))
			end += strlen(end);
	}
	if (*end || (shift && n > (~0ULL >> shift)))
		return false;
	*v = (uint64_t)n << shift;
	return true;
}

void table_init(struct table *t, int cols, const char *const *spec)
{
	int i;

	memset(t, 0, sizeof(*t));
	t->cols = cols < TABLE_MAX_COLS ? cols : TABLE_MAX_COLS;
	for (i = 0; i < t->cols; i++) {
		t->right[i] = spec[i][0] == '>';
		t->head[i] = spec[i] + t->right[i];
	}
}

bool table_row(struct table *t, ...)
{
	va_list ap;
	int i;

	if (t->rows == t->cap) {
		int cap = t->cap ? 2 * t->cap : 64;
		char **c = realloc(t->cells, (size_t)cap * t->cols * sizeof(*c));

		if (!c)
			return false;
		t->cells = c;
		t->cap = cap;
	}
	va_start(ap, t);
	for (i = 0; i < t->cols; i++) {
		const char *s = va_arg(ap, const char *);

		t->cells[t->rows * t->cols + i] = strdup(s ? s : "");
	}
	va_end(ap);
	t->rows++;
	return true;
}

static void table_line(struct table *t, const char *const *cells,
		       const int *w, FILE *out)
{
	int i;

	for (i = 0; i < t->cols; i++) {
		const char *s = cells[i] ? cells[i] : "";
		bool last = i == t->cols - 1;

		if (t->right[i])
			fprintf(out, "%*s", w[i], s);
		else if (last)
			fputs(s, out);	/* no trailing blanks */
		else
			fprintf(out, "%-*s", w[i], s);
		if (!last)
			fputs("  ", out);
	}
	fputc('\n', out);
}

void table_print(struct table *t, FILE *out)
{
	int w[TABLE_MAX_COLS], i, r;

	for (i = 0; i < t->cols; i++)
		w[i] = (int)strlen(t->head[i]);
	for (r = 0; r < t->rows; r++)
		for (i = 0; i < t->cols; i++) {
			const char *s = t->cells[r * t->cols + i];
			int n = s ? (int)strlen(s) : 0;

			if (n > w[i])
				w[i] = n;
		}
	table_line(t, t->head, w, out);
	for (r = 0; r < t->rows; r++)
		table_line(t, (const char *const *)&t->cells[r * t->cols], w, out);
}

void table_free(struct table *t)
{
	int i;

	for (i = 0; i < t->rows * t->cols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}
