// SPDX-License-Identifier: GPL-2.0
/*
 * tdxgmemctl: the JSON writer. Strings from the kernel (a command name, a
 * cgroup path) may hold any byte: control characters, quotes and
 * backslashes are escaped, and bytes that are not UTF-8 become U+FFFD, so
 * the document always parses.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"

bool json_begin(struct json *j, FILE *dest)
{
	j->dest = dest;
	j->buf = NULL;
	j->len = 0;
	j->depth = 0;
	j->first[0] = true;
	j->out = open_memstream(&j->buf, &j->len);
	return j->out;
}

/* Length of a valid UTF-8 sequence at @s (1-4), or 0. */
static int utf8_len(const unsigned char *s)
{
	int n, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static void json_quote(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	int n;

	fputc('"', out);
	while (*s) {
		if (*s == '"' || *s == '\\') {
			fprintf(out, "\\%c", *s++);
		} else if (*s < 0x20 || *s == 0x7f) {
			fprintf(out, "\\u%04x", *s++);
		} else if ((n = utf8_len(s))) {
			fwrite(s, 1, n, out);
			s += n;
		} else {
			fputs("\\ufffd", out);
			s++;
		}
	}
	fputc('"', out);
}

/* Separator and key before a value. */
static void json_key(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->out);
	j->first[j->depth] = false;
	if (key) {
		json_quote(j->out, key);
		fputc(':', j->out);
	}
}

static void json_open(struct json *j, const char *key, char c)
{
	json_key(j, key);
	fputc(c, j->out);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

void json_obj(struct json *j, const char *key)
{
	json_open(j, key, '{');
}

void json_arr(struct json *j, const char *key)
{
	json_open(j, key, '[');
}

void json_end_obj(struct json *j)
{
	fputc('}', j->out);
	j->depth--;
}

void json_end_arr(struct json *j)
{
	fputc(']', j->out);
	j->depth--;
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	fprintf(j->out, "%llu", (unsigned long long)v);
}

void json_s64(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	fprintf(j->out, "%lld", (long long)v);
}

void json_str(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_quote(j->out, s);
}

void json_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	fputs(v ? "true" : "false", j->out);
}

void json_finish(struct json *j)
{
	fclose(j->out);
	fwrite(j->buf, 1, j->len, j->dest);
	fputc('\n', j->dest);
	fflush(j->dest);
	free(j->buf);
}

void json_abort(struct json *j)
{
	fclose(j->out);
	free(j->buf);
}
