/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interface of the "tdxgmem" generic netlink family: netlink.c
 * (family, policies, GET_STATS), netlink_files.c (LIST_FILES, GET_FILE)
 * and events.c (the "events" group).
 */
#ifndef _TDXGMEM_NETLINK_H
#define _TDXGMEM_NETLINK_H

#include <net/genetlink.h>

struct tdxgmem_file;

/* Index of the "events" group in the family's mcgrps. */
#define TDXGMEM_NL_GRP_EVENTS	0

extern struct genl_family tdxgmem_nl_family;

struct pid_namespace;
struct user_namespace;

int tdxgmem_nl_put_identity(struct sk_buff *skb, struct tdxgmem_file *f,
			    struct user_namespace *uns,
			    struct pid_namespace *pns);
int tdxgmem_nl_get_file(struct sk_buff *skb, struct genl_info *info);
int tdxgmem_nl_list_start(struct netlink_callback *cb);
int tdxgmem_nl_list_files(struct sk_buff *skb, struct netlink_callback *cb);

#endif /* _TDXGMEM_NETLINK_H */
