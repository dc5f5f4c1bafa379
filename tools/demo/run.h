/* SPDX-License-Identifier: GPL-2.0 */
/* The demos' last step: run a command (tdxgmemctl) while their state lives. */
#ifndef TDXGMEM_DEMO_RUN_H
#define TDXGMEM_DEMO_RUN_H

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run argv[] to its end; its exit status (127: not found, 1: killed). */
static inline int demo_run(char **argv)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		perror("fork");
		return 1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

#endif
