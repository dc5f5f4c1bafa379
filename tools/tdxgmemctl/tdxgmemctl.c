// SPDX-License-Identifier: GPL-2.0
/*
 * tdxgmemctl: what tdxgmem holds and why, for admins and VMM operators,
 * through the module's generic netlink family (tdxgmemctl.8).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdxgmemctl.h"


static void usage(FILE *out)
{
	fprintf(out,
"Usage: tdxgmemctl [OPTIONS] COMMAND [ARGS]\n"
"Show what the tdxgmem module holds: files, pages, consumers, events.\n"
"\n"
"Commands:\n"
"  status                      module version, direct-map backend, parameters\n"
"                              and counters\n"
"  files                       open tdxgmem files (yours; all with CAP_SYS_ADMIN)\n"
"  file ID                     one file: identity, page counts, bindings\n"
"  extents ID [OFFSET [SIZE]]  the file's pages as TDXGMEM_QUERY extents (state,\n"
"                              backing, largest mapping); default: all of it\n"
"  monitor                     print events as they happen (needs CAP_SYS_ADMIN)\n"
"\n"
"Options:\n"
"  -j, --json         JSON: one document (monitor: one per line)\n"
"  -n, --count N      monitor: exit after N events\n"
"  -t, --timeout SEC  monitor: exit after SEC seconds\n"
"  -h, --help         this text\n"
"  -V, --version      tdxgmemctl's version\n"
"\n"
"OFFSET and SIZE take K, M, G, T suffixes (binary) and 0x prefixes.\n"
"Exit status: 0 ok, 1 failure, 2 bad arguments, 3 module not loaded,\n"
"4 permission denied, 5 no such file. See tdxgmemctl(8).\n");
}

static int bad_args(const char *fmt, const char *arg)
{
	fprintf(stderr, "tdxgmemctl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see tdxgmemctl --help)\n");
	return EXIT_USAGE;
}

int fail(const char *what, int err, const char *why)
{
	char e[32];
	int code = EXIT_FAIL;

	if (err == -EPERM || err == -EACCES)
		code = EXIT_PERM;
	else if (err == -ENOENT && !strncmp(what, "file ", 5))
		code = EXIT_NOFILE;
	if (code == EXIT_NOFILE)
		fprintf(stderr, "tdxgmemctl: %s: no such file (or not yours)\n",
			what);
	else if (why && *why)
		fprintf(stderr, "tdxgmemctl: %s: %s (%s)\n", what, why,
			errno_str(err, e, sizeof(e)));
	else
		fprintf(stderr, "tdxgmemctl: %s: %s\n", what, strerror(-err));
	return code;
}

static bool parse_id(const char *s, uint64_t *id)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*id = strtoull(s, &end, 10);
	return !errno && !*end && *id;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .timeout_ms = -1 };
	bool monitor_opts = false;
	uint64_t id = 0, off = 0, size = 0;
	const char *cmd;
	struct ctl c;
	char *end;
	int opt, err, ret;
	long v;

	while ((opt = getopt_long(argc, argv, "jn:t:hV", lopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			o.json = true;
			break;
		case 'n':
		case 't':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v <= 0 || v > 86400 * 365)
				return bad_args("bad number '%s'", optarg);
			if (opt == 'n')
				o.count = v;
			else
				o.timeout_ms = (int)(v > 2000000 ? 2000000000 : v * 1000);
			monitor_opts = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("tdxgmemctl %s\n", TDXGMEM_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return bad_args("%s", "no command given");
	cmd = argv[optind++];
	argc -= optind;
	argv += optind;

	if (!strcmp(cmd, "status") || !strcmp(cmd, "files") ||
	    !strcmp(cmd, "monitor")) {
		if (argc)
			return bad_args("unexpected argument '%s'", argv[0]);
	} else if (!strcmp(cmd, "file") || !strcmp(cmd, "extents")) {
		if (!argc)
			return bad_args("%s: a file id is needed", cmd);
		if (!parse_id(argv[0], &id))
			return bad_args("bad file id '%s'", argv[0]);
		if (argc > (!strcmp(cmd, "file") ? 1 : 3))
			return bad_args("unexpected argument '%s'",
					argv[!strcmp(cmd, "file") ? 1 : 3]);
		if (argc > 1 && !fmt_parse_size(argv[1], &off))
			return bad_args("bad offset '%s'", argv[1]);
		if (argc > 2 && (!fmt_parse_size(argv[2], &size) || !size))
			return bad_args("bad size '%s'", argv[2]);
	} else {
		return bad_args("unknown command '%s'", cmd);
	}
	if (monitor_opts && strcmp(cmd, "monitor"))
		return bad_args("%s", "--count and --timeout are for monitor");

	err = ctl_connect(&c);
	if (err == -ENOENT) {
		fprintf(stderr,
			"tdxgmemctl: the tdxgmem module is not loaded (no generic netlink family \"%s\")\n",
			TDXGMEM_GENL_NAME);
		ctl_close(&c);
		return EXIT_NOMODULE;
	}
	if (err) {
		fprintf(stderr, "tdxgmemctl: cannot open a generic netlink socket: %s\n",
			strerror(-err));
		ctl_close(&c);
		return EXIT_FAIL;
	}
	if (!strcmp(cmd, "status"))
		ret = cmd_status(&c, &o);
	else if (!strcmp(cmd, "files"))
		ret = cmd_files(&c, &o);
	else if (!strcmp(cmd, "file"))
		ret = cmd_file(&c, &o, id);
	else if (!strcmp(cmd, "extents"))
		ret = cmd_extents(&c, &o, id, off, size);
	else
		ret = cmd_monitor(&c, &o);
	ctl_close(&c);
	return ret;
}
