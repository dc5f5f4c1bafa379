/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdxgmemctl: a minimal JSON writer (objects, arrays, numbers, strings,
 * booleans) producing one valid document. The document is built in
 * memory and printed whole by json_finish(), so a command that fails
 * half-way prints none.
 */
#ifndef TDXGMEMCTL_JSON_H
#define TDXGMEMCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	16

struct json {
	FILE *out;		/* the document being built */
	FILE *dest;
	char *buf;
	size_t len;
	int depth;
	bool first[JSON_MAX_DEPTH];
};

/* Start a document for @dest; false if out of memory. */
bool json_begin(struct json *j, FILE *dest);
/* @key is NULL inside arrays and for the top level. */
void json_obj(struct json *j, const char *key);
void json_arr(struct json *j, const char *key);
void json_end_obj(struct json *j);
void json_end_arr(struct json *j);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_s64(struct json *j, const char *key, int64_t v);
void json_str(struct json *j, const char *key, const char *s);
void json_bool(struct json *j, const char *key, bool v);
/* Print the document and a newline to its destination. */
void json_finish(struct json *j);
/* Drop the document unprinted. */
void json_abort(struct json *j);

#endif
