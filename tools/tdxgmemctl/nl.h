/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdxgmemctl: talking to the "tdxgmem" generic netlink family with libnl
 * (requests, replies, dumps, the events group, extended-ack errors).
 */
#ifndef TDXGMEMCTL_NL_H
#define TDXGMEMCTL_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "uapi/linux/tdxgmem_netlink.h"

/* Exit codes (tdxgmemctl.8). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_NOMODULE = 3,
	EXIT_PERM = 4,
	EXIT_NOFILE = 5,
};

struct ctl {
	struct nl_sock *sk;
	int family;
};

/* Called for each reply; tb: its top-level attributes. Return 0 or -errno. */
typedef int (*ctl_reply_fn)(struct nlmsghdr *nlh, struct nlattr **tb,
			    void *arg);

int ctl_connect(struct ctl *c);
void ctl_close(struct ctl *c);
struct nl_msg *ctl_msg(struct ctl *c, uint8_t cmd, bool dump);
int ctl_request(struct ctl *c, struct nl_msg *msg, ctl_reply_fn fn, void *arg,
		char *why, size_t whylen);
int ctl_join_events(struct ctl *c);
int ctl_listen(struct ctl *c, ctl_reply_fn fn, void *arg, int timeout_ms);
int ctl_fd(struct ctl *c);

/* Nested attributes of @nest into tb[0..max]; 0 or -1. */
int ctl_nested(struct nlattr **tb, int max, struct nlattr *nest);
uint64_t ctl_u64(struct nlattr *a);
uint32_t ctl_u32(struct nlattr *a);
uint8_t ctl_u8(struct nlattr *a);
int32_t ctl_s32(struct nlattr *a);
/* A string attribute, copied and NUL-terminated; "" if absent. */
void ctl_str(struct nlattr *a, char *buf, size_t len);

#endif
