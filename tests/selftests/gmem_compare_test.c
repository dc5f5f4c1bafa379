// SPDX-License-Identifier: GPL-2.0
/*
 * tdxgmem beside upstream guest_memfd: the same operation sequences on a
 * guest_memfd file (KVM_CREATE_GUEST_MEMFD on a default VM, through the
 * nested KVM that QEMU's -cpu max offers: load kvm_amd) and on a tdxgmem
 * file, with the same flags. Each scenario notes what a VMM can see -
 * return values, errnos, fstat fields, VmFlags and other smaps fields,
 * contents, signals - as "key value" lines; the two notebooks must match
 * line by line, except for the accepted differences listed below, each
 * with its reason. An accepted difference that no longer shows fails too,
 * so the list stays true.
 *
 * Not compared at all: st_dev and st_ino (each file is its own inode, the
 * two live on different pseudo file systems), times (compared as "did it
 * change"), pfns.
 *
 * guest_memfd's mmap (GUEST_MEMFD_FLAG_MMAP | INIT_SHARED) is in 7.3; 6.12
 * knows flags 0 only, so there the file scenarios run (flags 0 on both
 * sides) and the mapping ones SKIP.
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "helpers.h"

/*
 * Each test runs its sequence on both backends and forks for every access
 * it checks: on the debug kernel of a loaded host that outlasts the
 * harness's 30 s (same_madvise did). A watchdog, not a time budget.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300

/* KVM's uapi as of 7.x; Debian 12's headers predate guest_memfd. */
#define KVMIO				0xAE
#define KVM_CREATE_VM			_IO(KVMIO, 0x01)
#define KVM_CHECK_EXTENSION		_IO(KVMIO, 0x03)
#define KVM_CAP_GUEST_MEMFD_FLAGS	244
#define GUEST_MEMFD_FLAG_MMAP		(1ULL << 0)
#define GUEST_MEMFD_FLAG_INIT_SHARED	(1ULL << 1)
struct kvm_create_guest_memfd {
	__u64 size;
	__u64 flags;
	__u64 reserved[6];
};
#define KVM_CREATE_GUEST_MEMFD	_IOWR(KVMIO, 0xd4, struct kvm_create_guest_memfd)

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE		25
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL	102
#define MADV_GUARD_REMOVE	103
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE	0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC		0x80000
#endif
#ifndef MPOL_PREFERRED
#define MPOL_DEFAULT		0
#define MPOL_PREFERRED		1
#define MPOL_BIND		2
#endif
#define MPOL_F_ADDR		(1 << 1)

#define FSIZE		(4ULL << 20)
#define SHARED		(GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED)

/* The differences a VMM may see, each with why it is accepted. */
static const struct accepted {
	const char *scenario, *key, *reason;
} accepted[] = {
	{ "fd", "cloexec",
	  "DESIGN section 3: TDXGMEM_CREATE returns an O_CLOEXEC fd (a VMM hands "
	  "it on deliberately); KVM_CREATE_GUEST_MEMFD's fd is inheritable" },
	{ "fd", "fd_link",
	  "the file's name: anon_inode:[tdxgmem] against guest_memfd's own" },
	{ "io", "pread",
	  "DESIGN section 3: pread/pwrite fail with -EINVAL on tdxgmem files; "
	  "guest_memfd's fd is not positionable (-ESPIPE). Neither has data to read" },
	{ "io", "pwrite", "as pread" },
	{ "io", "sendfile",
	  "as pread: sendfile() with an offset needs a positionable fd first" },
	{ "maps", "maps_path",
	  "the file's name in /proc/pid/maps, as fd_link" },
	{ "residency", "mincore_unmapped",
	  "mincore() reports page-cache residency for pages a process has not "
	  "mapped; tdxgmem memory is never page cache, guest_memfd's is" },
	{ "residency", "cachestat_nr_cache",
	  "cachestat() counts page-cache pages; tdxgmem memory is never page cache" },
};

/* One scenario's notes: "key value" lines, in order. */
#define MAX_NOTES	192
struct notes {
	int n;
	char key[MAX_NOTES][48];
	char val[MAX_NOTES][160];
};

static void note(struct notes *nb, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (nb->n == MAX_NOTES)
		return;
	snprintf(nb->key[nb->n], sizeof(nb->key[0]), "%s", key);
	va_start(ap, fmt);
	vsnprintf(nb->val[nb->n], sizeof(nb->val[0]), fmt, ap);
	va_end(ap);
	nb->n++;
}

/* A call's result as a VMM sees it: the value, or -1 and the errno's name. */
static void note_ret(struct notes *nb, const char *key, long r)
{
	if (r < 0)
		note(nb, key, "-1 %s", strerrorname_np(errno));
	else
		note(nb, key, "%ld", r);
}

#define NOTE_RET(nb, key, call)				\
	do {						\
		long r_;				\
		errno = 0;				\
		r_ = (call);				\
		note_ret(nb, key, r_);			\
	} while (0)

#define NOTE_MAP(nb, key, call)				\
	do {						\
		void *m_;				\
		errno = 0;				\
		m_ = (call);				\
		note(nb, key, m_ == MAP_FAILED ? "MAP_FAILED %s" : "ok",	\
		     strerrorname_np(errno));		\
	} while (0)

/* Which file this run works on. */
struct backend {
	const char *name;
	int (*create)(unsigned long long size, unsigned long long flags);
};

/*
 * A VM of this process (KVM refuses VM ioctls from another mm, so every
 * forked child makes its own), or -errno.
 */
static int kvm_vm(void)
{
	static pid_t owner;
	static int vm = -ENODEV;
	int kvm;

	if (owner == getpid())
		return vm;
	owner = getpid();
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return vm = -errno;
	vm = xioctl(kvm, KVM_CREATE_VM, 0);
	close(kvm);
	return vm;
}

static int gmem_create(unsigned long long size, unsigned long long flags)
{
	struct kvm_create_guest_memfd g = { .size = size, .flags = flags };
	int vm = kvm_vm();

	return vm < 0 ? vm : xioctl(vm, KVM_CREATE_GUEST_MEMFD, &g);
}

/* The flag bits mirror guest_memfd's; huge_page_size_log2 0 as a VMM would. */
static int tdx_create(unsigned long long size, unsigned long long flags)
{
	return newfile(size, flags, 0);
}

static const struct backend backends[2] = {
	{ "guest_memfd", gmem_create },
	{ "tdxgmem", tdx_create },
};

struct ctx {
	const struct backend *b;
	unsigned long long flags;	/* SHARED, or 0 without gmem mmap */
};

typedef void (*scenario_fn)(struct notes *nb, const struct ctx *c);

static void note_touch(struct notes *nb, const char *key, void *p, int write)
{
	note(nb, key, "%s", sigabbrev_np(touch_sig(p, write)) ?: "none");
}

/* VmFlags of the mapping at @p, as /proc/self/smaps spells them. */
static void note_vmflags(struct notes *nb, const char *key, void *p)
{
	char v[256];

	if (smaps_field(p, "VmFlags", v, sizeof(v)))
		snprintf(v, sizeof(v), "(no smaps entry)");
	note(nb, key, "%s", v);
}

static void note_smaps_kb(struct notes *nb, const char *key, void *p,
			  const char *field)
{
	note(nb, key, "%lld", smaps_kb(p, field));
}

static int ts_eq(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* Did mtime/ctime move since *@st? Updates *@st. Times are jiffy-grained. */
static void note_times(struct notes *nb, const char *key, int fd,
		       struct stat *st)
{
	struct stat now;

	fstat(fd, &now);
	note(nb, key, "mtime %s ctime %s",
	     ts_eq(now.st_mtim, st->st_mtim) ? "same" : "changed",
	     ts_eq(now.st_ctim, st->st_ctim) ? "same" : "changed");
	*st = now;
	usleep(20000);
}

static char *map(int fd, unsigned long long len, int prot, int flags,
		 unsigned long long off)
{
	return mmap(NULL, len, prot, flags, fd, off);
}

#define RW	(PROT_READ | PROT_WRITE)

/* ---- scenarios -------------------------------------------------------- */

static void sc_fd(struct notes *nb, const struct ctx *c)
{
	int fd = c->b->create(FSIZE, c->flags);
	char path[64], link[128] = "";
	struct statx sx;
	struct stat st;
	ssize_t n;

	note_ret(nb, "create", fd < 0 ? (errno = -fd, -1) : 0);
	if (fd < 0)
		return;
	fstat(fd, &st);
	note(nb, "st_mode", "%o", st.st_mode);
	note(nb, "st_nlink", "%lu", (unsigned long)st.st_nlink);
	note(nb, "st_size", "%lld", (long long)st.st_size);
	note(nb, "st_blksize", "%ld", (long)st.st_blksize);
	note(nb, "st_blocks", "%lld", (long long)st.st_blocks);
	note(nb, "st_uid_is_me", "%d", st.st_uid == geteuid());
	note(nb, "st_gid_is_me", "%d", st.st_gid == getegid());
	NOTE_RET(nb, "statx", statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx));
	note(nb, "statx_mode", "%o", sx.stx_mode);
	note(nb, "statx_has_type", "%d", !!(sx.stx_mask & STATX_TYPE));
	note(nb, "cloexec", "%d", fcntl(fd, F_GETFD) & FD_CLOEXEC);
	note(nb, "getfl", "%#x", fcntl(fd, F_GETFL));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	note(nb, "fd_link", "%s", link);
	NOTE_RET(nb, "f_add_seals", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
	NOTE_RET(nb, "f_get_seals", fcntl(fd, F_GET_SEALS));
	NOTE_RET(nb, "ioctl_unknown", ioctl(fd, _IO('x', 0x42), 0));
	NOTE_RET(nb, "dup", dup(fd) >= 0 ? 0 : -1);
	close(fd);
}

static void sc_io(struct notes *nb, const struct ctx *c)
{
	int fd = c->b->create(FSIZE, c->flags), pfd[2];
	struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };
	char buf[SZ_4K] = {};
	struct iovec iov = { buf, sizeof(buf) };
	loff_t off = 0;

	if (fd < 0)
		return;
	NOTE_RET(nb, "read", read(fd, buf, sizeof(buf)));
	NOTE_RET(nb, "write", write(fd, buf, sizeof(buf)));
	NOTE_RET(nb, "pread", pread(fd, buf, sizeof(buf), 0));
	NOTE_RET(nb, "pwrite", pwrite(fd, buf, sizeof(buf), 0));
	NOTE_RET(nb, "readv", readv(fd, &iov, 1));
	NOTE_RET(nb, "writev", writev(fd, &iov, 1));
	NOTE_RET(nb, "lseek_set", lseek(fd, SZ_4K, SEEK_SET));
	NOTE_RET(nb, "lseek_end", lseek(fd, 0, SEEK_END));
	NOTE_RET(nb, "lseek_data", lseek(fd, 0, SEEK_DATA));
	NOTE_RET(nb, "fsync", fsync(fd));
	NOTE_RET(nb, "fdatasync", fdatasync(fd));
	NOTE_RET(nb, "sync_file_range", sync_file_range(fd, 0, SZ_4K, 0));
	NOTE_RET(nb, "fadvise_willneed", -posix_fadvise(fd, 0, SZ_4K, POSIX_FADV_WILLNEED));
	NOTE_RET(nb, "fadvise_dontneed", -posix_fadvise(fd, 0, SZ_4K, POSIX_FADV_DONTNEED));
	NOTE_RET(nb, "readahead", readahead(fd, 0, SZ_4K));
	NOTE_RET(nb, "ftruncate_grow", ftruncate(fd, 2 * FSIZE));
	NOTE_RET(nb, "ftruncate_same", ftruncate(fd, FSIZE));
	NOTE_RET(nb, "ftruncate_zero", ftruncate(fd, 0));
	NOTE_RET(nb, "fchmod", fchmod(fd, 0644));
	NOTE_RET(nb, "fchown", fchown(fd, 1, 1));
	NOTE_RET(nb, "futimens", futimens(fd, ts));
	NOTE_RET(nb, "flock", flock(fd, LOCK_EX));
	NOTE_RET(nb, "setlk", fcntl(fd, F_SETLK, &(struct flock){ .l_type = F_WRLCK }));
	if (!pipe(pfd)) {
		NOTE_RET(nb, "splice_out", splice(fd, &off, pfd[1], NULL, SZ_4K, 0));
		NOTE_RET(nb, "splice_in", splice(pfd[0], NULL, fd, &off, SZ_4K,
						 SPLICE_F_NONBLOCK));
		close(pfd[0]);
		close(pfd[1]);
	}
	NOTE_RET(nb, "sendfile", sendfile(STDOUT_FILENO, fd, &off, SZ_4K));
	NOTE_RET(nb, "copy_file_range", copy_file_range(fd, NULL, fd, NULL, SZ_4K, 0));
	close(fd);
}

static void sc_fallocate(struct notes *nb, const struct ctx *c)
{
	static const struct { const char *name; int mode; } modes[] = {
		{ "mode_0", 0 },
		{ "keep", FALLOC_FL_KEEP_SIZE },
		{ "punch_keep", FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE },
		{ "punch", FALLOC_FL_PUNCH_HOLE },
		{ "zero", FALLOC_FL_ZERO_RANGE },
		{ "zero_keep", FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE },
		{ "collapse", FALLOC_FL_COLLAPSE_RANGE },
		{ "insert", FALLOC_FL_INSERT_RANGE },
		{ "unshare_keep", FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_KEEP_SIZE },
	};
	static const struct { const char *name; long long off, len; } ranges[] = {
		{ "page", 0, SZ_4K },
		{ "all", 0, FSIZE },
		{ "unaligned_off", 1, SZ_4K },
		{ "unaligned_len", 0, 100 },
		{ "empty", 0, 0 },
		{ "at_eof", FSIZE, SZ_4K },
		{ "across_eof", FSIZE - SZ_4K, 2 * SZ_4K },
		{ "far", 1LL << 40, SZ_4K },
		{ "overflow", 0x7ffffffffffff000LL, SZ_4K },
		{ "negative", -SZ_4K, SZ_4K },
	};
	int fd = c->b->create(FSIZE, c->flags);
	char key[48];
	struct stat st;

	if (fd < 0)
		return;
	fstat(fd, &st);
	usleep(20000);
	for (unsigned int m = 0; m < sizeof(modes) / sizeof(modes[0]); m++)
		for (unsigned int r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
			snprintf(key, sizeof(key), "%s/%s", modes[m].name, ranges[r].name);
			NOTE_RET(nb, key, fallocate(fd, modes[m].mode, ranges[r].off,
						    ranges[r].len));
		}
	fstat(fd, &st);
	note(nb, "st_size_after", "%lld", (long long)st.st_size);
	/* Times: a success changes mtime and ctime, a failure does not. */
	usleep(20000);
	NOTE_RET(nb, "allocate", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, SZ_4K));
	note_times(nb, "times_allocate", fd, &st);
	NOTE_RET(nb, "bad", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, FSIZE + SZ_4K));
	note_times(nb, "times_failed", fd, &st);
	NOTE_RET(nb, "punch", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					0, SZ_4K));
	note_times(nb, "times_punch", fd, &st);
	NOTE_RET(nb, "punch_past_eof", fallocate(fd, FALLOC_FL_PUNCH_HOLE |
						 FALLOC_FL_KEEP_SIZE, FSIZE, SZ_4K));
	note_times(nb, "times_punch_past_eof", fd, &st);
	close(fd);
}

static void sc_mmap_modes(struct notes *nb, const struct ctx *c)
{
	int fd = c->b->create(FSIZE, c->flags), nofd;

	if (fd < 0)
		return;
	NOTE_MAP(nb, "private", map(fd, SZ_4K, RW, MAP_PRIVATE, 0));
	NOTE_MAP(nb, "private_ro", map(fd, SZ_4K, PROT_READ, MAP_PRIVATE, 0));
	NOTE_MAP(nb, "shared", map(fd, SZ_4K, RW, MAP_SHARED, 0));
	NOTE_MAP(nb, "shared_exec", map(fd, SZ_4K, RW | PROT_EXEC, MAP_SHARED, 0));
	NOTE_MAP(nb, "shared_past_eof", map(fd, SZ_4K, RW, MAP_SHARED, 2 * FSIZE));
	NOTE_MAP(nb, "shared_validate", map(fd, SZ_4K, RW, MAP_SHARED_VALIDATE, 0));
	NOTE_MAP(nb, "sync", map(fd, SZ_4K, RW, MAP_SHARED_VALIDATE | MAP_SYNC, 0));
	NOTE_MAP(nb, "hugetlb", map(fd, SZ_2M, RW, MAP_SHARED | MAP_HUGETLB, 0));
	NOTE_MAP(nb, "unaligned", map(fd, SZ_4K, RW, MAP_SHARED, 100));
	/* Without the mmap flag. */
	nofd = c->b->create(FSIZE, 0);
	if (nofd >= 0) {
		NOTE_MAP(nb, "no_mmap_flag", map(nofd, SZ_4K, RW, MAP_SHARED, 0));
		close(nofd);
	}
	close(fd);
}

static void sc_access(struct notes *nb, const struct ctx *c)
{
	int fd = c->b->create(FSIZE, c->flags), pfd[2];
	char *p = map(fd, FSIZE + 2 * SZ_4K, RW, MAP_SHARED, 0), *q, buf[64];
	struct iovec local = { buf, sizeof(buf) }, remote;
	struct stat st;

	if (fd < 0 || p == MAP_FAILED)
		return;
	note_vmflags(nb, "vmflags", p);
	note_smaps_kb(nb, "rss_fresh", p, "Rss");
	fstat(fd, &st);
	usleep(20000);
	note(nb, "fresh_is_zero", "%d", p[0] == 0 && p[FSIZE - 1] == 0);
	note_times(nb, "times_read_fault", fd, &st);
	for (unsigned long long i = 0; i < FSIZE; i += SZ_4K)
		p[i + 7] = (char)(i >> 12);
	note_times(nb, "times_write_fault", fd, &st);
	note_smaps_kb(nb, "rss_written", p, "Rss");
	note(nb, "st_blocks", "%lld", (long long)st.st_blocks);
	q = map(fd, FSIZE, PROT_READ, MAP_SHARED, 0);
	note(nb, "second_map_sees", "%d", q != MAP_FAILED && q[7] == 0 &&
	     q[FSIZE - SZ_4K + 7] == (char)((FSIZE - SZ_4K) >> 12));
	if (q != MAP_FAILED)
		munmap(q, FSIZE);
	note_touch(nb, "touch_past_eof", p + FSIZE, 0);
	note_touch(nb, "write_past_eof", p + FSIZE + SZ_4K, 1);
	/* The mapping as a buffer for syscalls (copy_*_user, GUP). */
	if (!pipe(pfd)) {
		NOTE_RET(nb, "pipe_write", write(pfd[1], "payload", 8));
		NOTE_RET(nb, "read_into_map", read(pfd[0], p + 100, 8));
		note(nb, "read_into_map_data", "%s", p + 100);
		NOTE_RET(nb, "write_from_map", write(pfd[1], p + 100, 8));
		remote.iov_base = p + 100;
		remote.iov_len = sizeof(buf);
		NOTE_RET(nb, "process_vm_readv",
			 process_vm_readv(getpid(), &local, 1, &remote, 1, 0));
		remote.iov_len = 8;
		NOTE_RET(nb, "vmsplice", vmsplice(pfd[1], &remote, 1, 0));
		close(pfd[0]);
		close(pfd[1]);
	}
	/* Punch through the mapping's file: reads back zero. */
	NOTE_RET(nb, "punch", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					0, SZ_2M));
	note(nb, "punched_reads", "%d %d", p[7], p[SZ_2M + 7]);
	NOTE_RET(nb, "madv_remove", madvise(p + SZ_2M, SZ_4K, MADV_REMOVE));
	note(nb, "removed_reads", "%d %d", p[SZ_2M + 7], p[SZ_2M + SZ_4K + 7]);
	/* The mapping outlives the fd. */
	close(fd);
	p[9] = 9;
	note(nb, "after_close", "%d", p[9]);
	munmap(p, FSIZE + 2 * SZ_4K);
}

static void sc_fork(struct notes *nb, const struct ctx *c)
{
	int fd = c->b->create(FSIZE, c->flags), status;
	volatile char *p = (char *)map(fd, FSIZE, RW, MAP_SHARED, 0);
	pid_t pid;

	if (fd < 0 || p == MAP_FAILED)
		return;
	p[0] = 'p';
	pid = fork();
	if (pid == 0) {
		if (p[0] != 'p')
			_exit(1);
		p[1] = 'c';
		p[SZ_2M] = 'n';	/* not faulted in the parent */
		_exit(0);
	}
	waitpid(pid, &status, 0);
	note(nb, "child_exit", "%d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	note(nb, "parent_sees", "%c%c", p[1], p[SZ_2M]);
	/* MADV_DONTFORK: the child has no mapping there. */
	NOTE_RET(nb, "dontfork", madvise((void *)p, SZ_4K, MADV_DONTFORK));
	pid = fork();
	if (pid == 0) {
		(void)p[0];
		_exit(0);
	}
	waitpid(pid, &status, 0);
	note(nb, "dontfork_child", "%s", WIFSIGNALED(status) ?
	     sigabbrev_np(WTERMSIG(status)) : "none");
	munmap((void *)p, FSIZE);
	close(fd);
}

static void sc_mlock(struct notes *nb, const struct ctx *c)
{
	int fd = c->b->create(2 * SZ_4K, c->flags);
	char *p = map(fd, 4 * SZ_4K, RW, MAP_SHARED, 0), *q;

	if (fd < 0 || p == MAP_FAILED)
		return;
	NOTE_RET(nb, "mlock_in_eof", mlock(p, 2 * SZ_4K));
	note_vmflags(nb, "vmflags_locked", p);
	note_smaps_kb(nb, "locked_kb", p, "Locked");
	NOTE_RET(nb, "munlock", munlock(p, 2 * SZ_4K));
	note_smaps_kb(nb, "locked_after_munlock", p, "Locked");
	NOTE_RET(nb, "mlock_past_eof", mlock(p, 4 * SZ_4K));
	NOTE_RET(nb, "munlock_all", munlock(p, 4 * SZ_4K));
	NOTE_RET(nb, "dontneed", madvise(p, 4 * SZ_4K, MADV_DONTNEED));
	NOTE_RET(nb, "mlock2_onfault", mlock2(p, 4 * SZ_4K, MLOCK_ONFAULT));
	note_vmflags(nb, "vmflags_onfault", p);
	note_smaps_kb(nb, "rss_onfault", p, "Rss");
	p[SZ_4K] = 1;
	note_smaps_kb(nb, "locked_onfault_touched", p, "Locked");
	note_touch(nb, "onfault_past_eof", p + 3 * SZ_4K, 0);
	NOTE_RET(nb, "munlock_onfault", munlock(p, 4 * SZ_4K));
	munmap(p, 4 * SZ_4K);
	q = map(fd, 2 * SZ_4K, RW, MAP_SHARED | MAP_LOCKED, 0);
	NOTE_MAP(nb, "map_locked", q);
	if (q != MAP_FAILED) {
		note_vmflags(nb, "vmflags_map_locked", q);
		note_smaps_kb(nb, "locked_map_locked", q, "Locked");
		munmap(q, 2 * SZ_4K);
	}
	q = map(fd, 2 * SZ_4K, RW, MAP_SHARED | MAP_POPULATE, 0);
	NOTE_MAP(nb, "map_populate", q);
	if (q != MAP_FAILED) {
		note_smaps_kb(nb, "rss_map_populate", q, "Rss");
		munmap(q, 2 * SZ_4K);
	}
	close(fd);
}

static void sc_madvise(struct notes *nb, const struct ctx *c)
{
	static const struct { const char *name; int advice; } advs[] = {
		{ "normal", MADV_NORMAL }, { "random", MADV_RANDOM },
		{ "sequential", MADV_SEQUENTIAL }, { "willneed", MADV_WILLNEED },
		{ "dontneed", MADV_DONTNEED }, { "free", MADV_FREE },
		{ "remove", MADV_REMOVE }, { "dontfork", MADV_DONTFORK },
		{ "dofork", MADV_DOFORK }, { "mergeable", MADV_MERGEABLE },
		{ "unmergeable", MADV_UNMERGEABLE }, { "hugepage", MADV_HUGEPAGE },
		{ "nohugepage", MADV_NOHUGEPAGE }, { "dontdump", MADV_DONTDUMP },
		{ "dodump", MADV_DODUMP }, { "wipeonfork", MADV_WIPEONFORK },
		{ "keeponfork", MADV_KEEPONFORK }, { "cold", MADV_COLD },
		{ "populate_read", MADV_POPULATE_READ },
		{ "populate_write", MADV_POPULATE_WRITE },
		{ "dontneed_locked", MADV_DONTNEED_LOCKED },
		{ "collapse", MADV_COLLAPSE },
	};
	int fd = c->b->create(FSIZE, c->flags);
	char *p = map(fd, FSIZE, RW, MAP_SHARED, 0), key[48];

	if (fd < 0 || p == MAP_FAILED)
		return;
	for (unsigned int i = 0; i < sizeof(advs) / sizeof(advs[0]); i++) {
		memset(p, 0x5a, 2 * SZ_4K);
		snprintf(key, sizeof(key), "%s", advs[i].name);
		NOTE_RET(nb, key, madvise(p, FSIZE, advs[i].advice));
		snprintf(key, sizeof(key), "%s_vmflags", advs[i].name);
		note_vmflags(nb, key, p);
		snprintf(key, sizeof(key), "%s_data", advs[i].name);
		note(nb, key, "%s", sigabbrev_np(touch_sig(p, 0)) ?: "none");
		if (!touch_sig(p, 0)) {
			snprintf(key, sizeof(key), "%s_reads", advs[i].name);
			note(nb, key, "%#x", (unsigned char)p[SZ_4K]);
		}
	}
	/* A guard on one page: that page faults, its neighbour does not. */
	NOTE_RET(nb, "guard_one", madvise(p + SZ_4K, SZ_4K, MADV_GUARD_INSTALL));
	note_touch(nb, "guarded_touch", p + SZ_4K, 0);
	note_touch(nb, "neighbour_touch", p, 0);
	NOTE_RET(nb, "unguard_one", madvise(p + SZ_4K, SZ_4K, MADV_GUARD_REMOVE));
	note_touch(nb, "unguarded_touch", p + SZ_4K, 0);
	munmap(p, FSIZE);
	close(fd);
}

static void sc_mremap(struct notes *nb, const struct ctx *c)
{
	int fd = c->b->create(4 * SZ_4K, c->flags);
	char *p = map(fd, SZ_4K, RW, MAP_SHARED, 0), *q;

	if (fd < 0 || p == MAP_FAILED)
		return;
	p[0] = 'm';
	q = mremap(p, SZ_4K, 2 * SZ_4K, 0);
	note(nb, "grow_in_place", q == MAP_FAILED ? "MAP_FAILED %s" : "ok",
	     strerrorname_np(errno));
	if (q == MAP_FAILED)
		q = p;
	p = mremap(q, q == p ? SZ_4K : 2 * SZ_4K, 8 * SZ_4K, MREMAP_MAYMOVE);
	note(nb, "grow_maymove", p == MAP_FAILED ? "MAP_FAILED %s" : "ok",
	     strerrorname_np(errno));
	if (p == MAP_FAILED)
		return;
	note(nb, "moved_data", "%c", p[0]);
	note_touch(nb, "grown_in_eof", p + 3 * SZ_4K, 1);
	note_touch(nb, "grown_past_eof", p + 5 * SZ_4K, 0);
	note_vmflags(nb, "vmflags_grown", p);
	q = mremap(p, 8 * SZ_4K, 2 * SZ_4K, 0);
	note(nb, "shrink", q == MAP_FAILED ? "MAP_FAILED %s" : "ok",
	     strerrorname_np(errno));
	q = mremap(q, 2 * SZ_4K, 2 * SZ_4K, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
	note(nb, "dontunmap", q == MAP_FAILED ? "MAP_FAILED %s" : "ok",
	     strerrorname_np(errno));
	close(fd);
}

static void sc_protect(struct notes *nb, const struct ctx *c)
{
	int fd = c->b->create(FSIZE, c->flags);
	char *p = map(fd, FSIZE, RW, MAP_SHARED, 0);

	if (fd < 0 || p == MAP_FAILED)
		return;
	p[0] = 1;
	NOTE_RET(nb, "mprotect_ro", mprotect(p, SZ_4K, PROT_READ));
	note_touch(nb, "write_ro", p, 1);
	NOTE_RET(nb, "mprotect_none", mprotect(p, SZ_4K, PROT_NONE));
	note_touch(nb, "read_none", p, 0);
	NOTE_RET(nb, "mprotect_exec", mprotect(p, SZ_4K, PROT_READ | PROT_EXEC));
	NOTE_RET(nb, "mprotect_rw", mprotect(p, SZ_4K, RW));
	NOTE_RET(nb, "msync_sync", msync(p, SZ_4K, MS_SYNC));
	NOTE_RET(nb, "msync_async", msync(p, SZ_4K, MS_ASYNC));
	NOTE_RET(nb, "msync_invalidate", msync(p, SZ_4K, MS_INVALIDATE));
	NOTE_RET(nb, "munmap_part", munmap(p + SZ_4K, SZ_4K));
	note(nb, "after_partial_unmap", "%d", p[0]);
	munmap(p, FSIZE);
	close(fd);
}

/* Residency as the kernel reports it: mincore, cachestat, pagemap. */
static void sc_residency(struct notes *nb, const struct ctx *c)
{
	struct { unsigned long long off, len; } range = { 0, 0 };
	unsigned long long cs[5] = {}, pm = 0;
	int fd = c->b->create(FSIZE, c->flags), pmfd;
	char *p = map(fd, FSIZE, RW, MAP_SHARED, 0), *q;
	unsigned char vec[4] = {};

	if (fd < 0 || p == MAP_FAILED)
		return;
	NOTE_RET(nb, "mincore_fresh", mincore(p, 4 * SZ_4K, vec));
	note(nb, "mincore_fresh_vec", "%d%d%d%d", vec[0], vec[1], vec[2], vec[3]);
	p[0] = 1;
	p[2 * SZ_4K] = 1;
	NOTE_RET(nb, "mincore", mincore(p, 4 * SZ_4K, vec));
	note(nb, "mincore_vec", "%d%d%d%d", vec[0], vec[1], vec[2], vec[3]);
	/* A second mapping that has faulted nothing in. */
	q = map(fd, 4 * SZ_4K, RW, MAP_SHARED, 0);
	if (q != MAP_FAILED) {
		mincore(q, 4 * SZ_4K, vec);
		note(nb, "mincore_unmapped", "%d%d%d%d", vec[0], vec[1], vec[2], vec[3]);
		munmap(q, 4 * SZ_4K);
	}
	NOTE_RET(nb, "cachestat", syscall(451, fd, &range, cs, 0));
	note(nb, "cachestat_nr_cache", "%llu", cs[0]);
	note(nb, "cachestat_nr_dirty", "%llu", cs[1]);
	pmfd = open("/proc/self/pagemap", O_RDONLY);
	if (pmfd >= 0 && pread(pmfd, &pm, 8, (unsigned long)p / SZ_4K * 8) == 8)
		note(nb, "pagemap_flags", "%#llx", pm >> 55);
	if (pmfd >= 0)
		close(pmfd);
	munmap(p, FSIZE);
	close(fd);
}

static void sc_maps(struct notes *nb, const struct ctx *c)
{
	int fd = c->b->create(FSIZE, c->flags);
	char *p = map(fd, FSIZE, RW, MAP_SHARED, 0), line[512], path[256] = "";
	unsigned long lo, hi;
	FILE *f;

	if (fd < 0 || p == MAP_FAILED)
		return;
	f = fopen("/proc/self/maps", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char perms[8];
		int n = 0;

		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &lo, &hi, perms, &n) >= 3 &&
		    lo == (unsigned long)p) {
			note(nb, "maps_perms", "%s", perms);
			snprintf(path, sizeof(path), "%s", line + n);
			path[strcspn(path, "\n")] = '\0';
		}
	}
	if (f)
		fclose(f);
	note(nb, "maps_path", "%s", path);
	munmap(p, FSIZE);
	close(fd);
}

static void sc_numa(struct notes *nb, const struct ctx *c)
{
	int fd = c->b->create(FSIZE, c->flags), mode = -1;
	char *p = map(fd, FSIZE, RW, MAP_SHARED, 0);
	unsigned long node0 = 1, got = 0;

	if (fd < 0 || p == MAP_FAILED)
		return;
	NOTE_RET(nb, "mbind_preferred",
		 syscall(SYS_mbind, p, FSIZE, MPOL_PREFERRED, &node0, 64, 0));
	NOTE_RET(nb, "get_mempolicy",
		 syscall(SYS_get_mempolicy, &mode, &got, 64, p, MPOL_F_ADDR));
	note(nb, "policy", "%d %#lx", mode, got);
	p[0] = 1;
	NOTE_RET(nb, "mbind_bind", syscall(SYS_mbind, p, FSIZE, MPOL_BIND, &node0, 64, 0));
	NOTE_RET(nb, "mbind_default", syscall(SYS_mbind, p, FSIZE, MPOL_DEFAULT, NULL, 0, 0));
	munmap(p, FSIZE);
	close(fd);
}

static void sc_userfaultfd(struct notes *nb, const struct ctx *c)
{
	int fd = c->b->create(FSIZE, c->flags), uffd;
	char *p = map(fd, FSIZE, RW, MAP_SHARED, 0);
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {};

	if (fd < 0 || p == MAP_FAILED)
		return;
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api)) {
		note(nb, "uffd", "unavailable");
		goto out;
	}
	reg.range.start = (unsigned long)p;
	reg.range.len = FSIZE;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	NOTE_RET(nb, "register_missing", ioctl(uffd, UFFDIO_REGISTER, &reg));
	reg.mode = UFFDIO_REGISTER_MODE_MINOR;
	NOTE_RET(nb, "register_minor", ioctl(uffd, UFFDIO_REGISTER, &reg));
	close(uffd);
out:
	munmap(p, FSIZE);
	close(fd);
}

/* ---- running and comparing -------------------------------------------- */

/* Run @fn for backend @b in a child; its notes land in shared memory. */
static void run(scenario_fn fn, const struct ctx *c, struct notes *nb)
{
	int status;
	pid_t pid;

	nb->n = 0;
	pid = fork();
	if (pid == 0) {
		fn(nb, c);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		note(nb, "child", "lost");
	else if (!WIFEXITED(status) || WEXITSTATUS(status))
		note(nb, "child", "died %s", WIFSIGNALED(status) ?
		     sigabbrev_np(WTERMSIG(status)) : "exit");
}

static const struct accepted *find_accepted(const char *sc, const char *key)
{
	for (unsigned int i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++)
		if (!strcmp(accepted[i].scenario, sc) && !strcmp(accepted[i].key, key))
			return &accepted[i];
	return NULL;
}

static unsigned long long gmem_flags(void)
{
	long r = ioctl(kvm_vm(), KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD_FLAGS);

	return r > 0 ? r : 0;
}

static void compare(struct __test_metadata *_metadata, const char *sc,
		    scenario_fn fn, int needs_mmap)
{
	struct notes *nb[2];
	struct ctx c = { .flags = SHARED };
	unsigned int seen[sizeof(accepted) / sizeof(accepted[0])] = {};
	int probe, diffs = 0;

	if (kvm_vm() < 0)
		SKIP(return, "no KVM VM (%s; load kvm_amd or kvm_intel): no guest_memfd to compare with",
		     strerror(-kvm_vm()));
	probe = gmem_create(SZ_4K, 0);
	if (probe < 0)
		SKIP(return, "KVM_CREATE_GUEST_MEMFD: %s", strerror(-probe));
	close(probe);
	if ((gmem_flags() & SHARED) != SHARED) {
		if (needs_mmap)
			SKIP(return, "guest_memfd here has no mmap (GUEST_MEMFD_FLAG_MMAP)");
		c.flags = 0;
	}
	for (int i = 0; i < 2; i++) {
		nb[i] = mmap(NULL, sizeof(*nb[i]), RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, nb[i]);
		c.b = &backends[i];
		run(fn, &c, nb[i]);
	}
	ASSERT_LT(0, nb[0]->n);
	for (int k = 0; k < nb[0]->n || k < nb[1]->n; k++) {
		const char *key = k < nb[0]->n ? nb[0]->key[k] : nb[1]->key[k];
		const char *g = k < nb[0]->n ? nb[0]->val[k] : "(none)";
		const char *t = k < nb[1]->n ? nb[1]->val[k] : "(none)";
		const struct accepted *a;

		if (k < nb[0]->n && k < nb[1]->n && strcmp(nb[0]->key[k], nb[1]->key[k])) {
			TH_LOG("%s: sequences part at %s / %s", sc, nb[0]->key[k],
			       nb[1]->key[k]);
			diffs++;
			break;
		}
		if (!strcmp(g, t)) {
			TH_LOG("same     %s: %s", key, g);
			continue;
		}
		a = find_accepted(sc, key);
		if (a) {
			seen[a - accepted] = 1;
			TH_LOG("accepted %s: guest_memfd \"%s\", tdxgmem \"%s\" (%s)",
			       key, g, t, a->reason);
			continue;
		}
		TH_LOG("DIFFERS  %s: guest_memfd \"%s\", tdxgmem \"%s\"", key, g, t);
		diffs++;
	}
	EXPECT_EQ(0, diffs);
	for (unsigned int i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++)
		if (!strcmp(accepted[i].scenario, sc) && !seen[i]) {
			TH_LOG("accepted difference %s/%s no longer seen: drop it",
			       sc, accepted[i].key);
			EXPECT_TRUE(seen[i]);
		}
	for (int i = 0; i < 2; i++)
		munmap(nb[i], sizeof(*nb[i]));
}

TEST(same_fd)			{ compare(_metadata, "fd", sc_fd, 0); }
TEST(same_io)			{ compare(_metadata, "io", sc_io, 0); }
TEST(same_fallocate)		{ compare(_metadata, "fallocate", sc_fallocate, 0); }
TEST(same_mmap_modes)		{ compare(_metadata, "mmap_modes", sc_mmap_modes, 1); }
TEST(same_access)		{ compare(_metadata, "access", sc_access, 1); }
TEST(same_fork)			{ compare(_metadata, "fork", sc_fork, 1); }
TEST(same_mlock)		{ compare(_metadata, "mlock", sc_mlock, 1); }
TEST(same_madvise)		{ compare(_metadata, "madvise", sc_madvise, 1); }
TEST(same_mremap)		{ compare(_metadata, "mremap", sc_mremap, 1); }
TEST(same_protect)		{ compare(_metadata, "protect", sc_protect, 1); }
TEST(same_residency)		{ compare(_metadata, "residency", sc_residency, 1); }
TEST(same_maps)			{ compare(_metadata, "maps", sc_maps, 1); }
TEST(same_numa)			{ compare(_metadata, "numa", sc_numa, 1); }
TEST(same_userfaultfd)		{ compare(_metadata, "userfaultfd", sc_userfaultfd, 1); }

TEST(zz_no_leaks)
{
	EXPECT_EQ(0, tdxgmem_stat("files"));
	EXPECT_EQ(0, tdxgmem_pages());
}

TEST_HARNESS_MAIN
