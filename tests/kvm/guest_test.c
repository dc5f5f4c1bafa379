// SPDX-License-Identifier: GPL-2.0
/*
 * A real nested guest on private memory from a backend (mem.h), as TAP:
 * private memory, guest-requested conversions, memory-fault exits, punch
 * while the vCPU is live, KVM's mapping-size stats, and memory back at its
 * baseline once the fds are closed and the VM is gone. Run inside the test
 * VM with kvm + kvm-amd loaded (scripts/check kvm-7.3); tdxgmem needs the
 * patched KVM of patches/kvm/ and tdxgmem.ko loaded.
 *
 *   guest_test [-b BACKEND] [-M MIB]
 *     -b  gmem (default) or tdxgmem
 *     -M  size of the baseline test's region (default 64 MiB)
 *
 * With tdxgmem, $TDXGMEM_KO names tdxgmem.ko: the last test unloads the
 * module once no memslot is bound to it, and loads it again from there.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/kvm_para.h>

#include "tests/selftests/helpers.h"
#include "tests/unit/tap.h"
#include "mem.h"
#include "vmm.h"

#define DATA_GPA	SZ_1G		/* the backend's region */
#define PLAIN_GPA	(512ULL << 20)	/* a memslot without guest_memfd */
#define REGION		(8ULL << 20)	/* most tests' region */

/* What each backend maps: huge = 2 MiB NPT entries for 2 MiB-aligned private chunks. */
static const struct {
	const char *name;
	bool huge;
} expect[] = {
	{ "gmem", false },	/* kvm_gmem_get_pfn() reports max_order 0 */
	{ "tdxgmem", true },
};

static const struct vmm_mem_ops *backend;
static bool backend_huge;
static uint64_t baseline_size = 64ULL << 20;
static struct vmm *cur;		/* the current test's VM, for messages */
static const char *skip_reason;

/* A failed call: print the VMM's explanation and leave the test. */
#define REQUIRE(cond) do {						\
	if (!(cond)) {							\
		if (!skip_reason)					\
			printf("#   %s:%d: REQUIRE(%s) failed: %s\n",	\
			       __FILE__, __LINE__, #cond,		\
			       cur ? cur->err : "");			\
		tap_cur_failed = 1;					\
		goto out;						\
	}								\
} while (0)
#define OK(call) REQUIRE((call) == 0)

#define CHECK_HEX(a, b) do {						\
	unsigned long long __a = (a), __b = (b);			\
	if (__a != __b) {						\
		printf("#   %s:%d: %s == %#llx, want %s == %#llx\n",	\
		       __FILE__, __LINE__, #a, __a, #b, __b);		\
		tap_cur_failed = 1;					\
	}								\
} while (0)

#define RUN_T(name) do {						\
	tap_cur_failed = 0;						\
	skip_reason = NULL;						\
	cur = NULL;							\
	name();								\
	tap_n++;							\
	tap_failed += tap_cur_failed && !skip_reason;			\
	printf("%s %d %s%s%s\n", tap_cur_failed && !skip_reason ? "not ok" : "ok", \
	       tap_n, #name, skip_reason ? " # SKIP " : "",		\
	       skip_reason ? skip_reason : "");				\
	fflush(stdout);							\
} while (0)

/* A VM with the guest running and @size bytes of the backend at DATA_GPA. */
static struct vmm *new_vm(uint64_t size, struct vmm_mem **mem)
{
	char err[VMM_ERR_LEN];
	struct vmm *vm = vmm_create(KVM_X86_SW_PROTECTED_VM, err, sizeof(err));
	struct vmm_mem *m;

	if (!vm) {
		printf("#   VM: %s\n", err);
		return NULL;
	}
	cur = vm;
	m = vmm_mem_new(vm, backend, size);
	if (!m || vmm_mem_map(m, DATA_GPA, 0, size) || vmm_start(vm)) {
		static char why[VMM_ERR_LEN];

		printf("#   setup: %s\n", vm->err);
		if (!m && strstr(vm->err, "not written yet")) {
			snprintf(why, sizeof(why), "%s", vm->err);
			skip_reason = why;
		}
		vmm_destroy(vm);
		cur = NULL;
		return NULL;
	}
	if (mem)
		*mem = m;
	return vm;
}

static void end_vm(struct vmm *vm)
{
	vmm_destroy(vm);
	cur = NULL;
}

/* Does the host view hold only zero bytes? */
static bool zero(const void *p, size_t len)
{
	const uint64_t *w = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i])
			return false;
	return true;
}

static void host_fill(void *p, uint64_t gpa, uint64_t size, uint64_t pattern)
{
	uint64_t *w = p, i;

	for (i = 0; i < size / 8; i++)
		w[i] = guest_word(pattern, GUEST_F_TAG, gpa + i * 8);
}

/* First host word of [gpa, +size) that is not the tagged pattern; ~0 if none. */
static uint64_t host_check(const void *p, uint64_t gpa, uint64_t size, uint64_t pattern)
{
	const uint64_t *w = p;
	uint64_t i;

	for (i = 0; i < size / 8; i++)
		if (w[i] != guest_word(pattern, GUEST_F_TAG, gpa + i * 8))
			return gpa + i * 8;
	return ~0ULL;
}

/* Does reading @p kill a child with SIGBUS (a private page of tdxgmem)? */
static bool host_sigbus(const void *p)
{
	return touch_sig((volatile void *)p, 0) == SIGBUS;
}

/* 0 if the guest sees the tagged pattern (or zeroes for pattern 0) over the range. */
static int verify(struct vmm *vm, uint64_t gpa, uint64_t size, uint64_t pattern)
{
	int r = guest_verify(vm, gpa, size, pattern, pattern ? GUEST_F_TAG : 0, NULL, NULL);

	if (r == 1)
		printf("#   %s\n", vm->err);
	return r;
}

/*
 * Anything unexpected is a failure with a clear message: an unknown
 * command, an access where no memslot is (KVM_EXIT_MMIO), a guest
 * exception (non-canonical address: #GP).
 */
TEST(unexpected_exits_fail)
{
	struct guest_cmd bad = { .op = 99 };
	struct vmm *vm;

	vm = new_vm(REGION, NULL);
	REQUIRE(vm);
	CHECK_EQ(vmm_cmd(vm, &bad, NULL), -EINVAL);
	CHECK(strstr(vm->err, "does not know command 99"));
	CHECK_EQ(guest_write(vm, 3ULL << 30, 8, 1, 0), -EFAULT);
	CHECK(strstr(vm->err, "no memslot"));
	printf("#   %s\n", vm->err);
	end_vm(vm);

	vm = new_vm(REGION, NULL);
	REQUIRE(vm);
	CHECK_EQ(guest_touch(vm, 1ULL << 63, 4096, false), -EFAULT);
	CHECK(strstr(vm->err, "guest exception 13"));
	printf("#   %s\n", vm->err);
out:
	end_vm(vm);
}

/* The guest writes and verifies private memory; the VMM's view never has it. */
TEST(private_memory)
{
	struct vmm_mem *m;
	struct vmm *vm = new_vm(REGION, &m);
	uint64_t bad = 0, found = 0;

	REQUIRE(vm);
	OK(guest_write(vm, DATA_GPA, REGION, 0x5a5a0000f00d0000ULL, GUEST_F_TAG));
	CHECK_EQ(verify(vm, DATA_GPA, REGION, 0x5a5a0000f00d0000ULL), 0);
	/* The verifier can fail: another pattern is reported at the first word. */
	CHECK_EQ(guest_verify(vm, DATA_GPA, REGION, 0x1111, GUEST_F_TAG, &bad, &found), 1);
	CHECK_HEX(bad, DATA_GPA);
	CHECK_HEX(found, 0x5a5a0000f00d0000ULL ^ DATA_GPA);
	/*
	 * gmem's shared view is other memory; tdxgmem's is the same file,
	 * whose private pages the VMM cannot touch.
	 */
	if (backend == &vmm_mem_gmem)
		CHECK(zero(vmm_mem_hva(vm, DATA_GPA), REGION));
	else
		CHECK(host_sigbus(vmm_mem_hva(vm, DATA_GPA + REGION - SZ_4K)));
out:
	end_vm(vm);
}

/*
 * Private -> shared -> private through KVM_HC_MAP_GPA_RANGE, for a 2 MiB
 * chunk and a single 4 KiB page: the VMM's data is what the guest reads,
 * the guest's data is what the VMM reads, each conversion leaves zeroes
 * (mem.h), and the neighbours keep their private data.
 */
TEST(guest_conversion)
{
	static const struct { uint64_t off, size; } ranges[] = {
		{ 2 * SZ_2M, SZ_2M }, { SZ_2M + 5 * SZ_4K, SZ_4K },
	};
	const uint64_t p1 = 0x1000000000000001ULL, p2 = 0x2000000000000002ULL;
	const uint64_t p3 = 0x3000000000000003ULL;
	struct vmm_mem *m;
	struct vmm *vm = new_vm(REGION, &m);
	unsigned int i;
	int64_t ret;

	REQUIRE(vm);
	OK(guest_write(vm, DATA_GPA, REGION, p1, GUEST_F_TAG));
	for (i = 0; i < 2; i++) {
		uint64_t gpa = DATA_GPA + ranges[i].off, size = ranges[i].size;
		unsigned long n = vm->nr_map_gpa;
		uint8_t *hva = vmm_mem_hva(vm, gpa);

		printf("#   range [%#llx, +%#llx)\n", (unsigned long long)gpa,
		       (unsigned long long)size);
		OK(guest_map_gpa(vm, gpa, size / SZ_4K, KVM_MAP_GPA_RANGE_DECRYPTED, &ret));
		CHECK_EQ(ret, 0);
		CHECK_EQ(vm->nr_map_gpa, n + 1);
		CHECK_EQ(verify(vm, gpa, size, 0), 0);
		CHECK(zero(hva, size));
		host_fill(hva, gpa, size, p2);
		CHECK_EQ(verify(vm, gpa, size, p2), 0);
		OK(guest_write(vm, gpa, size, p3, GUEST_F_TAG));
		CHECK_HEX(host_check(hva, gpa, size, p3), ~0ULL);

		OK(guest_map_gpa(vm, gpa, size / SZ_4K, KVM_MAP_GPA_RANGE_ENCRYPTED, &ret));
		CHECK_EQ(ret, 0);
		CHECK_EQ(vm->nr_map_gpa, n + 2);
		CHECK_EQ(verify(vm, gpa, size, 0), 0);
		if (backend == &vmm_mem_gmem)	/* private: no host view elsewhere */
			CHECK(zero(hva, size));
		else				/* the same page, now private */
			CHECK(host_sigbus(hva));
		OK(guest_write(vm, gpa, size, p1, GUEST_F_TAG));
	}
	CHECK_EQ(verify(vm, DATA_GPA, REGION, p1), 0);
out:
	end_vm(vm);
}

/*
 * Bad conversion requests: KVM refuses an unaligned gpa and zero pages
 * itself (no exit); the VMM refuses a range outside its regions. Nothing
 * changes.
 */
TEST(map_gpa_errors)
{
	struct vmm *vm = new_vm(REGION, NULL);
	unsigned long n;
	int64_t ret;

	REQUIRE(vm);
	OK(guest_write(vm, DATA_GPA, REGION, 0x77, GUEST_F_TAG));
	n = vm->nr_map_gpa;
	OK(guest_map_gpa(vm, DATA_GPA + 8, 1, 0, &ret));
	CHECK_EQ(ret, -KVM_EINVAL);
	OK(guest_map_gpa(vm, DATA_GPA, 0, 0, &ret));
	CHECK_EQ(ret, -KVM_EINVAL);
	CHECK_EQ(vm->nr_map_gpa, n);
	OK(guest_map_gpa(vm, DATA_GPA + REGION - SZ_4K, 2, 0, &ret));
	CHECK_EQ(ret, -EINVAL);
	CHECK_EQ(vm->nr_map_gpa, n + 1);
	CHECK_EQ(verify(vm, DATA_GPA, REGION, 0x77), 0);
out:
	end_vm(vm);
}

/*
 * What upstream itself gives, under the backend's discards: an attribute
 * change alone (KVM_SET_MEMORY_ATTRIBUTES) leaves both views' contents,
 * so the guest sees the VMM's data while shared and its own private data
 * again once private.
 */
TEST(attributes_keep_contents)
{
	const uint64_t p = 0x4b4b4b4b00000000ULL, q = 0x5c5c5c5c00000000ULL;
	struct vmm *vm;

	if (backend != &vmm_mem_gmem) {
		skip_reason = "guest_memfd semantics only";
		return;
	}
	vm = new_vm(REGION, NULL);
	REQUIRE(vm);
	OK(guest_write(vm, DATA_GPA, SZ_2M, p, GUEST_F_TAG));
	OK(vmm_set_attributes(vm, DATA_GPA, SZ_2M, false));
	host_fill(vmm_mem_hva(vm, DATA_GPA), DATA_GPA, SZ_2M, q);
	CHECK_EQ(verify(vm, DATA_GPA, SZ_2M, q), 0);
	OK(vmm_set_attributes(vm, DATA_GPA, SZ_2M, true));
	CHECK_EQ(verify(vm, DATA_GPA, SZ_2M, p), 0);
out:
	end_vm(vm);
}

static int fault_to_shared(struct vmm *vm, const struct vmm_fault *f)
{
	int r = vmm_set_attributes(vm, f->gpa, f->size, false);

	return r ? r : VMM_RESUME;
}

static int fault_stop(struct vmm *vm, const struct vmm_fault *f)
{
	return VMM_STOP;
}

/*
 * KVM_EXIT_MEMORY_FAULT: the VMM marks a page private where no
 * guest_memfd backs it (a plain memslot); the guest's access exits with
 * the page's gpa, size and the private flag; the VMM converts it back to
 * shared and the guest's access completes with the VMM's data. A handler
 * may also stop the command instead.
 */
TEST(memory_fault)
{
	const uint64_t q = 0x6d6d000000000000ULL;
	struct vmm *vm = new_vm(REGION, NULL);
	uint8_t *plain;

	REQUIRE(vm);
	plain = vmm_add_plain_slot(vm, PLAIN_GPA, SZ_2M);
	REQUIRE(plain);
	host_fill(plain, PLAIN_GPA, SZ_2M, q);
	OK(vmm_set_attributes(vm, PLAIN_GPA + SZ_4K, SZ_4K, true));
	vm->on_memory_fault = fault_to_shared;
	CHECK_EQ(verify(vm, PLAIN_GPA, SZ_2M, q), 0);
	CHECK_EQ(vm->nr_memory_faults, 1);
	CHECK_HEX(vm->last_fault.gpa, PLAIN_GPA + SZ_4K);
	CHECK_HEX(vm->last_fault.size, SZ_4K);
	CHECK_EQ(vm->last_fault.private, true);

	OK(vmm_set_attributes(vm, PLAIN_GPA, SZ_4K, true));
	vm->on_memory_fault = fault_stop;
	CHECK_EQ(guest_touch(vm, PLAIN_GPA, SZ_4K, false), -EFAULT);
	CHECK_EQ(vm->nr_memory_faults, 2);
	CHECK_HEX(vm->last_fault.gpa, PLAIN_GPA);
	CHECK(strstr(vm->err, "stopped at a memory fault"));
out:
	end_vm(vm);
}

/* A lazy VMM: the guest's request only changes its access kind... */
static int lazy_map_gpa(struct vmm *vm, uint64_t gpa, uint64_t size, bool private)
{
	return vmm_set_attributes(vm, gpa, size, private);
}

/* ... and the memory follows on the exit an access of the other kind makes. */
static int fault_convert_memory(struct vmm *vm, const struct vmm_fault *f)
{
	uint64_t off;
	struct vmm_mem *m = vmm_mem_find(vm, f->gpa, &off);
	int r;

	if (!m)
		return vmm_fail(vm, EINVAL, "memory fault at %#llx outside the regions",
				(unsigned long long)f->gpa);
	r = vmm_tdxgmem_set_memory(m, off, f->size, f->private);
	return r ? r : VMM_RESUME;
}

/*
 * tdxgmem: an access whose kind does not match the page's state in
 * tdxgmem exits with KVM_EXIT_MEMORY_FAULT (private flag = the access's
 * kind, exact gpa and size); the VMM converts the memory and the access
 * completes, both ways. The shared page's data is what the VMM reads
 * through its mapping of the file, and the page is private (SIGBUS there)
 * and zeroed once converted back.
 */
TEST(wrong_kind_converts)
{
	const uint64_t p1 = 0x1a1a000000000000ULL, p2 = 0x2b2b000000000000ULL;
	const uint64_t page = DATA_GPA + SZ_2M + 3 * SZ_4K;
	struct vmm *vm;
	unsigned long n;
	int64_t ret;

	if (backend != &vmm_mem_tdxgmem) {
		skip_reason = "tdxgmem only: a guest_memfd region never faults for its kind";
		return;
	}
	vm = new_vm(REGION, NULL);
	REQUIRE(vm);
	OK(guest_write(vm, DATA_GPA, REGION, p1, GUEST_F_TAG));
	vm->on_map_gpa = lazy_map_gpa;
	vm->on_memory_fault = fault_convert_memory;
	n = vm->nr_memory_faults;

	OK(guest_map_gpa(vm, page, 1, KVM_MAP_GPA_RANGE_DECRYPTED, &ret));
	CHECK_EQ(ret, 0);
	CHECK_EQ(vm->nr_memory_faults, n);		/* nothing touched yet */
	OK(guest_write(vm, page, SZ_4K, p2, GUEST_F_TAG));
	CHECK_EQ(vm->nr_memory_faults, n + 1);
	CHECK_HEX(vm->last_fault.gpa, page);
	CHECK_HEX(vm->last_fault.size, SZ_4K);
	CHECK_EQ(vm->last_fault.private, false);
	CHECK_HEX(host_check(vmm_mem_hva(vm, page), page, SZ_4K, p2), ~0ULL);

	OK(guest_map_gpa(vm, page, 1, KVM_MAP_GPA_RANGE_ENCRYPTED, &ret));
	CHECK_EQ(ret, 0);
	CHECK_EQ(verify(vm, page, SZ_4K, 0), 0);	/* converted, zeroed */
	CHECK_EQ(vm->nr_memory_faults, n + 2);
	CHECK_HEX(vm->last_fault.gpa, page);
	CHECK_EQ(vm->last_fault.private, true);
	CHECK(host_sigbus(vmm_mem_hva(vm, page)));
	CHECK_EQ(verify(vm, DATA_GPA, SZ_2M + 3 * SZ_4K, p1), 0);
	CHECK_EQ(verify(vm, page + SZ_4K, DATA_GPA + REGION - page - SZ_4K, p1), 0);
out:
	end_vm(vm);
}

/*
 * Punch-hole of private memory while the vCPU has it mapped: KVM drops
 * exactly those mappings (gmem: pages_4k), the guest's next access reads
 * fresh zeroes, the rest keeps its data, and the hole takes new data.
 */
TEST(punch_live)
{
	const uint64_t p = 0x7e7e000000000000ULL, hole = DATA_GPA + SZ_2M + SZ_1G / 1024;
	const uint64_t hole_size = SZ_1G / 1024;	/* 1 MiB inside the second chunk */
	struct vmm *vm = new_vm(REGION, NULL);
	int64_t before, after, m2_before, m2_after;

	REQUIRE(vm);
	OK(guest_write(vm, DATA_GPA, REGION, p, GUEST_F_TAG));
	before = vmm_stat(vm, "pages_4k");
	m2_before = vmm_stat(vm, "pages_2m");
	OK(vmm_mem_punch(vm, hole, hole_size));
	after = vmm_stat(vm, "pages_4k");
	m2_after = vmm_stat(vm, "pages_2m");
	printf("#   pages_4k %lld -> %lld, pages_2m %lld -> %lld over the punch\n",
	       (long long)before, (long long)after, (long long)m2_before,
	       (long long)m2_after);
	if (!backend_huge) {
		CHECK_EQ(before - after, hole_size / SZ_4K);
	} else {
		/* The chunk's 2M entry is split first, then the hole zapped. */
		CHECK_EQ(m2_before - m2_after, 1);
		CHECK_EQ(after - before, SZ_2M / SZ_4K - hole_size / SZ_4K);
	}
	CHECK_EQ(verify(vm, hole, hole_size, 0), 0);
	CHECK_EQ(verify(vm, DATA_GPA, hole - DATA_GPA, p), 0);
	CHECK_EQ(verify(vm, hole + hole_size, DATA_GPA + REGION - hole - hole_size, p), 0);
	OK(guest_write(vm, hole, hole_size, p, GUEST_F_TAG));
	CHECK_EQ(verify(vm, DATA_GPA, REGION, p), 0);
out:
	end_vm(vm);
}

struct counts {
	int64_t k4, m2, g1;
};

static struct counts counts(struct vmm *vm, const char *when)
{
	struct counts c = {
		vmm_stat(vm, "pages_4k"), vmm_stat(vm, "pages_2m"), vmm_stat(vm, "pages_1g"),
	};

	printf("#   %-34s pages_4k %6lld  pages_2m %4lld  pages_1g %lld\n", when,
	       (long long)c.k4, (long long)c.m2, (long long)c.g1);
	return c;
}

/*
 * KVM's own mapping sizes (binary stats) for a 2 MiB-aligned private range
 * the guest touches, then after a 4 KiB conversion inside its second chunk
 * (the guest touches the shared page), then once that page is private
 * again and re-faulted. Upstream guest_memfd maps everything at 4 KiB: the
 * counts move by exactly the pages touched, zapped and re-faulted.
 * tdxgmem: one 2M entry per chunk; the conversion splits that chunk's
 * entry alone (511 private 4K entries stay, the shared page adds one),
 * and the chunk is one 2M entry again once whole and re-faulted.
 */
TEST(mapping_sizes)
{
	const uint64_t page = DATA_GPA + SZ_2M + 7 * SZ_4K;
	struct vmm *vm = new_vm(REGION, NULL);
	struct counts c0, c1, c2, c3;
	int64_t ret;

	REQUIRE(vm);
	c0 = counts(vm, "started");
	REQUIRE(c0.k4 >= 0 && c0.m2 >= 0 && c0.g1 >= 0);
	OK(guest_touch(vm, DATA_GPA, REGION, true));
	c1 = counts(vm, "region touched (private)");
	OK(guest_map_gpa(vm, page, 1, KVM_MAP_GPA_RANGE_DECRYPTED, &ret));
	CHECK_EQ(ret, 0);
	OK(guest_touch(vm, page, SZ_4K, true));
	c2 = counts(vm, "4 KiB shared and touched");
	OK(guest_map_gpa(vm, page, 1, KVM_MAP_GPA_RANGE_ENCRYPTED, &ret));
	CHECK_EQ(ret, 0);
	OK(guest_touch(vm, DATA_GPA, REGION, true));
	c3 = counts(vm, "private again, re-touched");
	CHECK_EQ(c1.g1, c0.g1);
	if (backend_huge) {
		/* 2M entries for every whole private chunk. */
		CHECK_EQ(c1.m2 - c0.m2, REGION / SZ_2M);
		CHECK_EQ(c1.k4, c0.k4);
		CHECK_EQ(c2.m2, c1.m2 - 1);
		CHECK_EQ(c2.k4, c1.k4 + SZ_2M / SZ_4K);
		CHECK_EQ(c3.m2, c1.m2);
		CHECK_EQ(c3.k4, c1.k4);
	} else {
		CHECK_EQ(c1.k4 - c0.k4, REGION / SZ_4K);
		CHECK_EQ(c1.m2, c0.m2);
		/* The private page's entry went, the shared page's came. */
		CHECK_EQ(c2.k4, c1.k4);
		CHECK_EQ(c2.m2, c1.m2);
		CHECK_EQ(c3.k4, c1.k4);
		CHECK_EQ(c3.m2, c1.m2);
	}
out:
	end_vm(vm);
}

/* Pages on the per-CPU free lists (/proc/zoneinfo "count:"): free, not in MemFree. */
static long long pcp_kb(void)
{
	FILE *f = fopen("/proc/zoneinfo", "r");
	long long n = 0, v;
	char line[256];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %lld", &v) == 1)
			n += v;
	fclose(f);
	return n * 4;
}

/* Memory counters, once they stop moving (late frees: RCU, deferred work). */
struct mem {
	long long free_kb, unevictable_kb, anon_kb;
};

static struct mem mem_now(const char *when)
{
	struct mem a = { 0 }, b;
	int i;

	/* Blocks in tdxgmem's pool are free memory too: give them back. */
	if (tdxgmem_pool_release())
		printf("#   could not empty tdxgmem's pool of freed blocks\n");
	for (i = 0; i < 20; i++) {
		b.free_kb = meminfo_kb("MemFree") + pcp_kb();
		b.unevictable_kb = meminfo_kb("Unevictable");
		b.anon_kb = meminfo_kb("AnonPages");
		if (i && llabs(b.free_kb - a.free_kb) < 1024 &&
		    b.unevictable_kb == a.unevictable_kb)
			break;
		a = b;
		usleep(200 * 1000);
	}
	printf("#   %-22s free %8lld kB  Unevictable %7lld kB  AnonPages %7lld kB\n",
	       when, b.free_kb, b.unevictable_kb, b.anon_kb);
	return b;
}

/* TDXGMEM_GET_CAPS.page_sizes, or 0 if the device does not answer. */
static unsigned long long caps_page_sizes(void)
{
	struct tdxgmem_caps caps = { 0 };
	int dev = tdxgmem_open_dev();
	long r = dev < 0 ? -errno : xioctl(dev, TDXGMEM_GET_CAPS, &caps);

	if (dev >= 0)
		close(dev);
	if (r < 0)
		printf("#   TDXGMEM_GET_CAPS: %s\n", strerror((int)-r));
	return r < 0 ? 0 : caps.page_sizes;
}

/*
 * The first extent of [off, off + size) of @fd whose backing is not
 * 2^@log2, or -1 if all of it is (then *bad_log2 is left alone); -2 if
 * the query fails.
 */
static long long backing_not(int fd, uint64_t off, uint64_t size,
			     unsigned int log2, unsigned int *bad_log2)
{
	struct tdxgmem_extent ext[64];
	unsigned long long next = off;
	unsigned int nr, i;

	while (next < off + size) {
		if (tdxgmem_query(fd, next, off + size - next, ext, 64, &nr, &next) || !nr)
			return -2;
		for (i = 0; i < nr; i++)
			if (ext[i].backing_log2 != log2) {
				*bad_log2 = ext[i].backing_log2;
				return ext[i].offset;
			}
	}
	return -1;
}

/*
 * 1 GiB chunks: a memslot of one whole, 1 GiB-aligned GiB at a 1 GiB
 * offset of a tdxgmem file created with huge_page_size_log2 30, its host
 * view 1 GiB aligned too. The guest's first touch of the empty GiB gets it
 * one physically contiguous GiB, which KVM maps with one 1G entry (NPT
 * allows 1G; the slot covers the GiB, all private). A 4 KiB conversion to
 * shared in the middle then splits that entry as the split callback
 * promises: 512 2M entries, the one holding the page 512 4K entries, the
 * page's own dropped and faulted again shared; nothing else is unmapped
 * (reading everything back faults nothing in) and the guest reads back
 * all it wrote. Closing the file unmaps all of it and frees the GiB.
 * Skipped (saying why) when GET_CAPS offers no 1 GiB chunks or the file
 * got none (no free, aligned GiB in this kernel: QUERY's backing_log2,
 * the giga_allocs/giga_fallbacks counters).
 */
TEST(mapping_sizes_1g)
{
	const uint64_t p = 0x3c3c000000000000ULL, q = 0x4d4d000000000000ULL;
	const uint64_t page = DATA_GPA + SZ_1G / 2 + SZ_2M + 5 * SZ_4K;
	long long files0, pages0, giga0, fallbacks0, at;
	unsigned long long sizes = caps_page_sizes();
	static char why[VMM_ERR_LEN];
	char err[VMM_ERR_LEN];
	struct counts c0, c1, c2, c3, c4;
	unsigned int log2 = 0;
	struct vmm_mem *m;
	struct vmm *vm;
	struct mem m0, m1;
	int64_t ret;

	if (backend != &vmm_mem_tdxgmem) {
		skip_reason = "tdxgmem only";
		return;
	}
	if (!(sizes & SZ_1G)) {
		snprintf(why, sizeof(why), "GET_CAPS.page_sizes %#llx has no 1 GiB", sizes);
		skip_reason = why;
		return;
	}
	files0 = tdxgmem_stat("files");
	pages0 = tdxgmem_stat("pages");
	giga0 = tdxgmem_stat("giga_allocs");
	fallbacks0 = tdxgmem_stat("giga_fallbacks");
	m0 = mem_now("baseline");
	vm = vmm_create(KVM_X86_SW_PROTECTED_VM, err, sizeof(err));
	if (!vm) {
		printf("#   VM: %s\n", err);
		tap_cur_failed = 1;
		return;
	}
	cur = vm;
	m = vmm_mem_new_huge(vm, backend, 2 * SZ_1G, 30);
	REQUIRE(m);
	OK(vmm_mem_map(m, DATA_GPA, SZ_1G, SZ_1G));	/* the file's second GiB */
	OK(vmm_start(vm));
	c0 = counts(vm, "started");
	REQUIRE(c0.k4 >= 0 && c0.m2 >= 0 && c0.g1 >= 0);
	OK(guest_write(vm, DATA_GPA, SZ_1G, p, GUEST_F_TAG));
	c1 = counts(vm, "the GiB written (private)");
	printf("#   giga_allocs %lld -> %lld, giga_fallbacks %lld -> %lld\n", giga0,
	       tdxgmem_stat("giga_allocs"), fallbacks0, tdxgmem_stat("giga_fallbacks"));
	at = backing_not(m->fd, SZ_1G, SZ_1G, 30, &log2);
	REQUIRE(at != -2);
	if (at >= 0) {
		snprintf(why, sizeof(why),
			 "the file got no 1 GiB chunk (backing_log2 %u at offset %#llx; giga_fallbacks %lld -> %lld)",
			 log2, (unsigned long long)at, fallbacks0,
			 tdxgmem_stat("giga_fallbacks"));
		skip_reason = why;
		goto out;
	}
	CHECK_EQ(tdxgmem_stat("giga_allocs") - giga0, 1);
	/* One 1G entry, nothing else. */
	CHECK_EQ(c1.g1 - c0.g1, 1);
	CHECK_EQ(c1.m2, c0.m2);
	CHECK_EQ(c1.k4, c0.k4);

	/* One page in the middle to shared, as the guest asks; it touches it. */
	OK(guest_map_gpa(vm, page, 1, KVM_MAP_GPA_RANGE_DECRYPTED, &ret));
	CHECK_EQ(ret, 0);
	OK(guest_touch(vm, page, SZ_4K, true));
	c2 = counts(vm, "4 KiB shared and touched");
	CHECK_EQ(c2.g1, c1.g1 - 1);
	CHECK_EQ(c2.m2, c1.m2 + SZ_1G / SZ_2M - 1);
	CHECK_EQ(c2.k4, c1.k4 + SZ_2M / SZ_4K);
	CHECK_EQ(verify(vm, page, SZ_4K, 0), 0);
	CHECK(zero(vmm_mem_hva(vm, page), SZ_4K));
	host_fill(vmm_mem_hva(vm, page), page, SZ_4K, q);
	CHECK_EQ(verify(vm, page, SZ_4K, q), 0);
	CHECK_EQ(verify(vm, DATA_GPA, page - DATA_GPA, p), 0);
	CHECK_EQ(verify(vm, page + SZ_4K, DATA_GPA + SZ_1G - page - SZ_4K, p), 0);
	c3 = counts(vm, "the GiB read back");
	CHECK_EQ(c3.g1, c2.g1);
	CHECK_EQ(c3.m2, c2.m2);
	CHECK_EQ(c3.k4, c2.k4);

	/* Freeing the file unmaps all of it and gives the GiB back. */
	vmm_mem_close(m);
	c4 = counts(vm, "file closed");
	CHECK_EQ(c4.g1, c0.g1);
	CHECK_EQ(c4.m2, c0.m2);
	CHECK_EQ(c4.k4, c0.k4);
	CHECK_EQ(tdxgmem_stat("pages"), pages0);
	CHECK_EQ(tdxgmem_stat("files"), files0);
	end_vm(vm);
	m1 = mem_now("VM destroyed");
	CHECK(m0.free_kb - m1.free_kb <= 8 * 1024);
	return;
out:
	end_vm(vm);
}

/*
 * Closing the backend while the vCPU still runs: guest_memfd drops its
 * pages at once (KVM unbinds the memslot, the guest's next private access
 * exits with a private memory fault the VMM cannot resolve); destroying
 * the VM then brings MemFree back.
 *
 * Free memory is MemFree plus the per-CPU free lists (which held 60 MiB
 * after a 64 MiB guest here). Tolerances: Unevictable (where
 * guest_memfd's pages are counted) within 1 MiB: only per-CPU LRU batches
 * (31 pages per CPU) delay it; free memory within 8 MiB: slab caches, the
 * VMM's heap and page tables; a leaked region is -M MiB (64 by default).
 * tdxgmem frees its pages when the file goes, the VM still alive: free
 * memory (and tdxgmem's own page count) is back then already.
 */
TEST(close_and_baseline)
{
	const uint64_t size = baseline_size, shared = SZ_2M;
	bool tdx = backend == &vmm_mem_tdxgmem;
	long long pages0 = tdx ? tdxgmem_stat("pages") : 0;
	struct mem m0, m1, m2, m3;
	struct vmm_mem *m;
	struct vmm *vm;
	int64_t ret;

	m0 = mem_now("baseline");
	vm = new_vm(size, &m);
	REQUIRE(vm);
	OK(guest_write(vm, DATA_GPA, size, 0x99, GUEST_F_TAG));
	OK(guest_map_gpa(vm, DATA_GPA + size - shared, shared / SZ_4K,
			 KVM_MAP_GPA_RANGE_DECRYPTED, &ret));
	CHECK_EQ(ret, 0);
	OK(guest_write(vm, DATA_GPA + size - shared, shared, 0x98, GUEST_F_TAG));
	m1 = mem_now("guest memory written");
	if (backend == &vmm_mem_gmem) {
		CHECK((m1.unevictable_kb - m0.unevictable_kb) * 1024 >= (long long)(size - shared) - (1 << 20));
		CHECK((m1.anon_kb - m0.anon_kb) * 1024 >= (long long)shared - (1 << 20));
	}
	CHECK((m0.free_kb - m1.free_kb) * 1024 >= (long long)size - (8 << 20));

	vmm_mem_close(m);
	vm->on_memory_fault = fault_stop;
	CHECK_EQ(guest_touch(vm, DATA_GPA, SZ_4K, false), -EFAULT);
	CHECK_EQ(vm->nr_memory_faults, 1);
	CHECK_HEX(vm->last_fault.gpa, DATA_GPA);
	CHECK_EQ(vm->last_fault.private, true);
	m2 = mem_now("fds closed, VM alive");
	CHECK(llabs(m2.unevictable_kb - m0.unevictable_kb) <= 1024);
	if (tdx) {
		CHECK_EQ(tdxgmem_stat("pages"), pages0);
		CHECK(m0.free_kb - m2.free_kb <= 8 * 1024);
	}
	end_vm(vm);
	m3 = mem_now("VM destroyed");
	CHECK(llabs(m3.unevictable_kb - m0.unevictable_kb) <= 1024);
	CHECK(m0.free_kb - m3.free_kb <= 8 * 1024);
	if (tdx)
		CHECK_EQ(tdxgmem_stat("files"), 0);
	return;
out:
	end_vm(vm);
}

/* KVM_SET_USER_MEMORY_REGION2 of a new memslot: 0 or -errno. */
static int bind(struct vmm *vm, uint64_t gpa, uint64_t size, void *hva, int fd,
		uint64_t offset)
{
	return vmm_set_memslot(vm, vm->next_slot++, gpa, size, hva, fd, offset);
}

/*
 * Bad memslots over tdxgmem files get guest_memfd's errnos: past the end
 * of the file or a misaligned offset -EINVAL, a file range another memslot
 * has -EEXIST, a file that is neither -EINVAL. A memslot whose file offset
 * is not congruent with its gpa modulo 2 MiB works, at 4 KiB only (its
 * userspace_addr is congruent: only tdxgmem's order can refuse 2 MiB).
 */
TEST(bind_errors)
{
	const uint64_t gpa = 2 * SZ_1G;
	struct vmm_mem *m, *m2;
	struct counts c0, c1;
	struct vmm *vm;
	int memfd;

	if (backend != &vmm_mem_tdxgmem) {
		skip_reason = "tdxgmem only";
		return;
	}
	vm = new_vm(REGION, &m);
	REQUIRE(vm);
	CHECK_EQ(bind(vm, gpa, REGION, m->shared, m->fd, SZ_2M), -EINVAL);
	CHECK_EQ(bind(vm, gpa, SZ_2M, m->shared, m->fd, 100), -EINVAL);
	CHECK_EQ(bind(vm, gpa, SZ_2M, m->shared, m->fd, REGION - SZ_4K), -EINVAL);
	CHECK_EQ(bind(vm, gpa, SZ_2M, m->shared, m->fd, SZ_2M), -EEXIST);
	memfd = memfd_create("not-tdxgmem", MFD_CLOEXEC);
	REQUIRE(memfd >= 0 && ftruncate(memfd, SZ_2M) == 0);
	CHECK_EQ(bind(vm, gpa, SZ_2M, m->shared, memfd, 0), -EINVAL);
	close(memfd);

	m2 = vmm_mem_new(vm, &vmm_mem_tdxgmem, 2 * SZ_2M);
	REQUIRE(m2);
	OK(bind(vm, gpa, SZ_2M, m2->shared, m2->fd, SZ_4K));
	OK(vmm_set_attributes(vm, gpa, SZ_2M, true));
	c0 = counts(vm, "offset 4 KiB off the gpa");
	OK(guest_write(vm, gpa, SZ_2M, 0x31, GUEST_F_TAG));
	c1 = counts(vm, "its 2 MiB touched");
	CHECK_EQ(c1.m2, c0.m2);
	CHECK_EQ(c1.k4 - c0.k4, SZ_2M / SZ_4K);
	CHECK_EQ(verify(vm, gpa, SZ_2M, 0x31), 0);
out:
	end_vm(vm);
}

struct puncher {
	int fd;
	volatile bool stop, done;
	volatile long rounds;
};

/* Punch and repopulate the file's first 2 MiB until told to stop. */
static void *punch_loop(void *arg)
{
	struct puncher *p = arg;

	while (!p->stop) {
		if (fallocate(p->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, SZ_2M) ||
		    fallocate(p->fd, FALLOC_FL_KEEP_SIZE, 0, SZ_2M))
			break;
		p->rounds++;
	}
	p->done = true;
	return NULL;
}

/*
 * A binding does not pin the VM: another holder of the file may punch
 * while the VM is destroyed, and KVM's callbacks must never overlap the
 * teardown of its MMU (kvm_destroy_vm() ends the bindings first; before,
 * an invalidation in progress met the teardown's WARNs). A race test: each
 * round destroys a VM while a thread punches its file; any splat fails the
 * run; the file works afterwards and everything is freed with it.
 */
TEST(destroy_while_punching)
{
	struct puncher p = { .fd = -1 };
	long long files0 = tdxgmem_stat("files");
	struct vmm_mem *m;
	struct vmm *vm;
	pthread_t thr;
	long start;
	int i;

	if (backend != &vmm_mem_tdxgmem) {
		skip_reason = "tdxgmem only";
		return;
	}
	for (i = 0; i < 16; i++) {
		vm = new_vm(2 * SZ_2M, &m);
		REQUIRE(vm);
		OK(guest_write(vm, DATA_GPA, 2 * SZ_2M, 0x51, GUEST_F_TAG));
		p.fd = dup(m->fd);
		p.stop = p.done = false;
		start = p.rounds;
		REQUIRE(p.fd >= 0 && pthread_create(&thr, NULL, punch_loop, &p) == 0);
		while (p.rounds == start && !p.done)
			sched_yield();
		end_vm(vm);
		p.stop = true;
		pthread_join(thr, NULL);
		CHECK(p.rounds > start);
		/* Unbound now: the file still works on its own. */
		CHECK_EQ(fallocate(p.fd, FALLOC_FL_KEEP_SIZE, 0, 2 * SZ_2M), 0);
		close(p.fd);
		p.fd = -1;
	}
	printf("#   %d VMs destroyed, %ld punch rounds in all\n", i, p.rounds);
	CHECK_EQ(tdxgmem_stat("files"), files0);
	return;
out:
	end_vm(vm);
	if (p.fd >= 0)
		close(p.fd);
}

static long delete_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

/*
 * tdxgmem cannot go while a memslot is bound to one of its files, even
 * with every tdxgmem fd closed (KVM holds it through symbol_get()); once
 * the VM is gone it can. Loaded again from $TDXGMEM_KO afterwards.
 */
TEST(unload_while_bound)
{
	const char *ko = getenv("TDXGMEM_KO");
	struct vmm_mem *m;
	struct vmm *vm;
	int fd;

	if (backend != &vmm_mem_tdxgmem) {
		skip_reason = "tdxgmem only";
		return;
	}
	if (!ko) {
		skip_reason = "TDXGMEM_KO not set";
		return;
	}
	vm = new_vm(SZ_2M, &m);
	REQUIRE(vm);
	OK(guest_write(vm, DATA_GPA, SZ_2M, 0x42, GUEST_F_TAG));
	vmm_mem_close(m);
	CHECK_EQ(tdxgmem_stat("files"), 0);
	CHECK(delete_module("tdxgmem") == -1 && (errno == EWOULDBLOCK || errno == EBUSY));
	end_vm(vm);
	CHECK_EQ(delete_module("tdxgmem"), 0);
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0 && syscall(SYS_finit_module, fd, "", 0) == 0);
	if (fd >= 0)
		close(fd);
	return;
out:
	end_vm(vm);
}

int main(int argc, char **argv)
{
	const char *name = "gmem";
	unsigned int i;
	int c;

	while ((c = getopt(argc, argv, "b:M:")) != -1) {
		switch (c) {
		case 'b':
			name = optarg;
			break;
		case 'M':
			baseline_size = strtoull(optarg, NULL, 0) << 20;
			break;
		default:
			fprintf(stderr, "usage: %s [-b %s] [-M MIB]\n", argv[0],
				vmm_mem_backends());
			return 2;
		}
	}
	backend = vmm_mem_backend(name);
	if (!backend) {
		fprintf(stderr, "unknown backend %s (%s)\n", name, vmm_mem_backends());
		return 2;
	}
	for (i = 0; i < sizeof(expect) / sizeof(expect[0]); i++)
		if (!strcmp(expect[i].name, name))
			backend_huge = expect[i].huge;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (vmm_keep_static_keys())
		printf("# cannot keep an idle VM: %s\n", strerror(errno));

	TAP_PLAN(14);
	printf("# backend %s, VM type KVM_X86_SW_PROTECTED_VM\n", name);
	RUN_T(unexpected_exits_fail);
	RUN_T(private_memory);
	RUN_T(guest_conversion);
	RUN_T(map_gpa_errors);
	RUN_T(attributes_keep_contents);
	RUN_T(memory_fault);
	RUN_T(wrong_kind_converts);
	RUN_T(punch_live);
	RUN_T(mapping_sizes);
	RUN_T(mapping_sizes_1g);
	RUN_T(bind_errors);
	RUN_T(destroy_while_punching);
	RUN_T(close_and_baseline);
	RUN_T(unload_while_bound);
	TAP_DONE();
}
