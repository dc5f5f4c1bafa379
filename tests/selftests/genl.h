/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw generic netlink for the tdxgmem netlink selftests: no library, so
 * the tests can also send what no library would (bad attributes, wrong
 * types, truncated messages).
 */
#ifndef TDXGMEM_SELFTEST_GENL_H
#define TDXGMEM_SELFTEST_GENL_H

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "uapi/linux/tdxgmem_netlink.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

#define GENL_BUF	(64 * 1024)

struct genl {
	int fd;
	uint16_t family;
	uint32_t events_grp;
	uint32_t seq;
	int err;		/* last NLMSG_ERROR's error */
	char ext[256];		/* and its extended-ack message */
	int parts;		/* recv() calls of the last exchange */
};

/* A message being built: nlmsghdr, genlmsghdr, attributes. */
struct genl_msg {
	union {
		struct nlmsghdr nlh;
		char buf[4096];
	};
};

static inline void *genl_msg_init(struct genl_msg *m, uint16_t type,
				  uint16_t flags, uint8_t cmd, uint8_t version)
{
	struct genlmsghdr *g;

	memset(m, 0, sizeof(*m));
	m->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m->nlh.nlmsg_type = type;
	m->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	g = NLMSG_DATA(&m->nlh);
	g->cmd = cmd;
	g->version = version;
	return g;
}

/* Append an attribute (any length, so wrong ones too). */
static inline struct nlattr *genl_put(struct genl_msg *m, uint16_t type,
				      const void *data, uint16_t len)
{
	struct nlattr *a = (struct nlattr *)(m->buf + NLMSG_ALIGN(m->nlh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	m->nlh.nlmsg_len = NLMSG_ALIGN(m->nlh.nlmsg_len) + NLA_ALIGN(a->nla_len);
	return a;
}

static inline void genl_put_u64(struct genl_msg *m, uint16_t type, uint64_t v)
{
	genl_put(m, type, &v, sizeof(v));
}

static inline void genl_put_u32(struct genl_msg *m, uint16_t type, uint32_t v)
{
	genl_put(m, type, &v, sizeof(v));
}

static inline int genl_send(struct genl *g, struct genl_msg *m)
{
	m->nlh.nlmsg_seq = ++g->seq;
	return send(g->fd, m, m->nlh.nlmsg_len, 0) == (ssize_t)m->nlh.nlmsg_len ?
	       0 : -errno;
}

/* Attribute walking. */
#define nla_for_each(a, data, len)					\
	for (a = (struct nlattr *)(data);				\
	     (char *)(a) + NLA_HDRLEN <= (char *)(data) + (len) &&	\
	     (a)->nla_len >= NLA_HDRLEN &&				\
	     (char *)(a) + (a)->nla_len <= (char *)(data) + (len);	\
	     a = (struct nlattr *)((char *)(a) + NLA_ALIGN((a)->nla_len)))

static inline void *nla_payload(const struct nlattr *a)
{
	return (char *)a + NLA_HDRLEN;
}

static inline int nla_payload_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static inline int nla_kind(const struct nlattr *a)
{
	return a->nla_type & NLA_TYPE_MASK;
}

/* tb[0..max] of the attributes in [data, data + len); the last of a type wins. */
static inline void nla_parse_all(struct nlattr **tb, int max, void *data,
				 int len)
{
	struct nlattr *a;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	nla_for_each(a, data, len)
		if (nla_kind(a) <= max)
			tb[nla_kind(a)] = a;
}

static inline void nla_parse_nest(struct nlattr **tb, int max,
				  const struct nlattr *nest)
{
	if (!nest) {
		memset(tb, 0, (max + 1) * sizeof(*tb));
		return;
	}
	nla_parse_all(tb, max, nla_payload(nest), nla_payload_len(nest));
}

static inline uint64_t nla_u64(const struct nlattr *a)
{
	uint64_t v = 0;

	if (a && nla_payload_len(a) == 8)
		memcpy(&v, nla_payload(a), 8);
	return v;
}

static inline uint32_t nla_u32(const struct nlattr *a)
{
	uint32_t v = 0;

	if (a && nla_payload_len(a) == 4)
		memcpy(&v, nla_payload(a), 4);
	return v;
}

static inline uint8_t nla_u8(const struct nlattr *a)
{
	return a && nla_payload_len(a) >= 1 ? *(uint8_t *)nla_payload(a) : 0;
}

static inline const char *nla_str(const struct nlattr *a)
{
	return a && nla_payload_len(a) > 0 &&
	       ((char *)nla_payload(a))[nla_payload_len(a) - 1] == '\0' ?
	       nla_payload(a) : "";
}

/* Genetlink attributes of a reply message. */
static inline void *genl_attrs(struct nlmsghdr *nlh)
{
	return (char *)NLMSG_DATA(nlh) + GENL_HDRLEN;
}

static inline int genl_attrs_len(struct nlmsghdr *nlh)
{
	return nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
}

/* The extended ack's message of an NLMSG_ERROR. */
static inline void genl_ext_ack(struct genl *g, struct nlmsghdr *nlh)
{
	struct nlmsgerr *e = NLMSG_DATA(nlh);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*e);

	g->ext[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	if (off >= nlh->nlmsg_len - NLMSG_HDRLEN)
		return;
	nla_parse_all(tb, NLMSGERR_ATTR_MAX, (char *)e + off,
		      nlh->nlmsg_len - NLMSG_HDRLEN - off);
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(g->ext, sizeof(g->ext), "%s", nla_str(tb[NLMSGERR_ATTR_MSG]));
}

/* Called per reply; return non-zero to stop (becomes genl_exchange's result). */
typedef int (*genl_fn)(struct nlmsghdr *nlh, void *arg);

/*
 * Receive until the ack, NLMSG_DONE or an error. @fn sees every other
 * message. Return: 0, the kernel's -errno, @fn's value, or -ETIME when
 * nothing came within the socket's timeout.
 */
static inline int genl_recv_all(struct genl *g, genl_fn fn, void *arg)
{
	static char buf[GENL_BUF];
	struct nlmsghdr *nlh;
	ssize_t n;
	int r;

	g->err = 0;
	g->ext[0] = '\0';
	g->parts = 0;
	for (;;) {
		n = recv(g->fd, buf, sizeof(buf), 0);
		if (n < 0)
			return errno == EAGAIN ? -ETIME : -errno;
		g->parts++;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			/* Events (sequence 0) and late answers are not ours. */
			if (nlh->nlmsg_seq != g->seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				g->err = ((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
				if (g->err)
					genl_ext_ack(g, nlh);
				return g->err;
			}
			if (fn && (r = fn(nlh, arg)))
				return r;
		}
	}
}

/* Send @m with NLM_F_ACK (unless a dump) and take in every reply. */
static inline int genl_exchange(struct genl *g, struct genl_msg *m,
				genl_fn fn, void *arg)
{
	int r;

	if (!(m->nlh.nlmsg_flags & NLM_F_DUMP))
		m->nlh.nlmsg_flags |= NLM_F_ACK;
	r = genl_send(g, m);
	return r ? r : genl_recv_all(g, fn, arg);
}

struct genl_resolve {
	struct genl *g;
	bool found;
};

static int genl_resolve_reply(struct nlmsghdr *nlh, void *arg)
{
	struct genl_resolve *r = arg;
	struct nlattr *tb[CTRL_ATTR_MAX + 1], *grp, *gtb[CTRL_ATTR_MCAST_GRP_MAX + 1];

	nla_parse_all(tb, CTRL_ATTR_MAX, genl_attrs(nlh), genl_attrs_len(nlh));
	if (!tb[CTRL_ATTR_FAMILY_ID])
		return 0;
	r->found = true;
	r->g->family = *(uint16_t *)nla_payload(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_MCAST_GROUPS])
		nla_for_each(grp, nla_payload(tb[CTRL_ATTR_MCAST_GROUPS]),
			     nla_payload_len(tb[CTRL_ATTR_MCAST_GROUPS])) {
			nla_parse_nest(gtb, CTRL_ATTR_MCAST_GRP_MAX, grp);
			if (!strcmp(nla_str(gtb[CTRL_ATTR_MCAST_GRP_NAME]),
				    TDXGMEM_GENL_MCGRP_EVENTS))
				r->g->events_grp = nla_u32(gtb[CTRL_ATTR_MCAST_GRP_ID]);
		}
	return 0;
}

/*
 * A generic netlink socket with the "tdxgmem" family resolved and a
 * receive timeout of @timeout_ms. Return: 0, -ENOENT (no family), -errno.
 */
static inline int genl_open(struct genl *g, int timeout_ms)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct genl_resolve r = { .g = g };
	struct genl_msg m;
	int one = 1, rcvbuf = 4 << 20, ret;

	memset(g, 0, sizeof(*g));
	g->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (g->fd < 0)
		return -errno;
	if (bind(g->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(g->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(g->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		goto fail;
	/* Events may come in bursts; root may grow the buffer, others try. */
	setsockopt(g->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	genl_msg_init(&m, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, 1);
	genl_put(&m, CTRL_ATTR_FAMILY_NAME, TDXGMEM_GENL_NAME,
		 sizeof(TDXGMEM_GENL_NAME));
	ret = genl_exchange(g, &m, genl_resolve_reply, &r);
	if (ret || !r.found) {
		close(g->fd);
		return ret ? ret : -ENOENT;
	}
	return 0;
fail:
	ret = -errno;
	close(g->fd);
	return ret;
}

static inline int genl_join_events(struct genl *g)
{
	return setsockopt(g->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
			  &g->events_grp, sizeof(g->events_grp)) ? -errno : 0;
}

/* A request of the family: header only. */
static inline void tdxgmem_msg(struct genl *g, struct genl_msg *m, uint8_t cmd,
			       bool dump)
{
	genl_msg_init(m, g->family, dump ? NLM_F_DUMP : 0, cmd,
		      TDXGMEM_GENL_VERSION);
}

#endif
