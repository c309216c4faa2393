// SPDX-License-Identifier: GPL-2.0
/*
 * pvcount.c -- a QEMU TCG plugin (plugin API version 1, QEMU 7.2) that counts
 * the guest instructions each vCPU executes, split into user mode, and kernel
 * mode by where the code lives: named address ranges (a module's text, read
 * from a file the guest writes) and the rest of the kernel.
 *
 *   qemu-system-x86_64 ... -plugin build/pvcount/pvcount.so,out=FILE[,ranges=FILE]
 *
 * out=FILE     snapshots are appended here, one line per vCPU (below).
 * ranges=FILE  lines "NAME START END" (hex, END exclusive): kernel
 *              instructions at [START, END) count under NAME. Read again at
 *              every snapshot, so the guest can write it after loading its
 *              modules; a NAME may have several lines (its text sections).
 * profile=FILE every snapshot also appends the count of every kernel block
 *              that ran: "profile TAG SEQ", then "ADDR N0 N1 ..." (hex start
 *              address, decimal instructions per vCPU, and "a=A/N" when
 *              A of the block's N instructions are atomic), "end". The
 *              difference of two is a profile of the kernel in between
 *              (bench/pvcount/pvprofile.py resolves it with /proc/kallsyms).
 *
 * A snapshot is taken when a guest process in user mode executes the marker
 * "xchg %bx,%bx; nopl TAG(%rax)" (bytes 66 87 db 0f 1f 80 + TAG, 32 bits,
 * little endian), which bench/pvcount/pvcount-mark.c does, and once more
 * when QEMU exits (tag "exit"). Each snapshot writes, per vCPU:
 *
 *   snap tag=TAG seq=N vcpu=V user=U kernel=K kernel_other=O NAME=C ...
 *
 *   ... atomics_user=AU atomics_kernel=AK atomics_NAME=AC ...
 *
 * counts since the guest started: U user-mode instructions, K kernel-mode
 * instructions of which C in each named range and O elsewhere; AU, AK and AC
 * the atomic read-modify-write instructions among them (LOCK-prefixed, and
 * XCHG with a memory operand, whose lock is implicit). Under multi-threaded
 * TCG those are host atomics on memory other vCPU threads may share, dearer
 * than their count of instructions says. Before a snapshot whose ranges
 * differ from the previous one: "range NAME START END" lines. The cost of
 * something is the difference of two snapshots.
 *
 * How: at translation, each block is classified by its start address (x86-64:
 * the upper half is the kernel's), its atomic instructions are counted from
 * their bytes (insn_atomic()), and it gets an execution callback with the
 * vCPU's index. User blocks add to the vCPU's user counts. A kernel block adds
 * to a per-vCPU counter of its own (one per start address and length), so
 * that a snapshot can attribute it to the ranges known at that moment, even
 * if it was translated before the guest wrote them; its atomics are its
 * instructions times its share of atomics (both fixed per block). The
 * counters are per vCPU because the plugin API's inline additions are not
 * atomic across the vCPU threads of multi-threaded TCG; each counter has one
 * writer.
 *
 * A block is counted whole when it is entered: if an exception (a page
 * fault) leaves it early, the instructions after the faulting one are counted
 * although they did not run, and again when the block is re-entered. That is
 * a few instructions per fault.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The part of QEMU's plugin API (include/qemu/qemu-plugin.h, version 1)
 * that this plugin uses. Debian ships no header; these follow the documented
 * API. QEMU resolves the functions when it loads the plugin.
 */
#define PV_EXPORT __attribute__((visibility("default")))

typedef uint64_t qemu_plugin_id_t;

typedef struct {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus;
			int max_vcpus;
		} system;
	};
} qemu_info_t;

struct qemu_plugin_tb;
struct qemu_plugin_insn;

enum qemu_plugin_cb_flags {
	QEMU_PLUGIN_CB_NO_REGS,
	QEMU_PLUGIN_CB_R_REGS,
	QEMU_PLUGIN_CB_RW_REGS,
};

typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index,
					    void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags,
					  void *userdata);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    qemu_plugin_vcpu_udata_cb_t cb,
					    enum qemu_plugin_cb_flags flags,
					    void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_outs(const char *string);

PV_EXPORT int qemu_plugin_version = 1;
PV_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
				  int argc, char **argv);

/* ---------------------------------------------------------------- state */

#define MAX_VCPUS	64
#define CHUNK_BITS	12			/* blocks per counter chunk: 4096 */
#define CHUNK		(1u << CHUNK_BITS)
#define MAX_CHUNKS	4096			/* up to 16M distinct kernel blocks */
#define N_BITS		10			/* a block has at most 512 insns */
#define MAX_RANGES	32
#define NAME_LEN	32
#define MAX_NAMES	8

struct range {
	char name[NAME_LEN];
	uint64_t start, end;
};

struct user_ctr {			/* one cache line per vCPU */
	_Atomic uint64_t n;		/* instructions */
	_Atomic uint64_t a;		/* of which atomic */
	char pad[48];
};

struct pvcount {
	unsigned int nvcpus;
	char *out_path, *ranges_path, *profile_path;
	FILE *out, *profile;
	pthread_mutex_t lock;		/* blocks table, snapshots, output */
	/* kernel blocks: id -> start address; per vCPU, id -> instructions */
	uint64_t nblocks;
	uint64_t *vaddr[MAX_CHUNKS];
	uint32_t *shape[MAX_CHUNKS];	/* id -> n | atomics << 16 */
	_Atomic(_Atomic uint64_t *) cnt[MAX_VCPUS][MAX_CHUNKS];
	/* (start, length) -> id + 1, open addressing */
	uint64_t *hkey;
	uint64_t *hval;
	uint64_t hcap;
	struct user_ctr user[MAX_VCPUS];
	/* named ranges of the last snapshot */
	struct range ranges[MAX_RANGES];
	unsigned int nranges;
	uint64_t seq;
	bool failed;
};

static struct pvcount pv = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* ---------------------------------------------------------------- blocks */

static uint64_t hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static bool table_grow(void)
{
	uint64_t ncap = pv.hcap ? pv.hcap * 2 : 1u << 16;
	uint64_t *nkey = calloc(ncap, sizeof(*nkey));
	uint64_t *nval = calloc(ncap, sizeof(*nval));
	uint64_t i, j;

	if (!nkey || !nval) {
		free(nkey);
		free(nval);
		return false;
	}
	for (i = 0; i < pv.hcap; i++) {
		if (!pv.hval[i])
			continue;
		for (j = hash64(pv.hkey[i]) & (ncap - 1); nval[j]; j = (j + 1) & (ncap - 1))
			;
		nkey[j] = pv.hkey[i];
		nval[j] = pv.hval[i];
	}
	free(pv.hkey);
	free(pv.hval);
	pv.hkey = nkey;
	pv.hval = nval;
	pv.hcap = ncap;
	return true;
}

/* A new block's counters; called with pv.lock held. */
static bool block_new(uint64_t vaddr, uint32_t shape, uint64_t *id)
{
	uint64_t n = pv.nblocks, c = n >> CHUNK_BITS;
	unsigned int v;

	if (c >= MAX_CHUNKS)
		return false;
	if (!pv.vaddr[c]) {
		pv.vaddr[c] = calloc(CHUNK, sizeof(uint64_t));
		pv.shape[c] = calloc(CHUNK, sizeof(uint32_t));
		if (!pv.vaddr[c] || !pv.shape[c])
			return false;
		for (v = 0; v < pv.nvcpus; v++) {
			_Atomic uint64_t *p = calloc(CHUNK, sizeof(*p));

			if (!p)
				return false;
			atomic_store_explicit(&pv.cnt[v][c], p, memory_order_release);
		}
	}
	pv.vaddr[c][n & (CHUNK - 1)] = vaddr;
	pv.shape[c][n & (CHUNK - 1)] = shape;
	pv.nblocks = n + 1;
	*id = n;
	return true;
}

/*
 * The id of the kernel block (vaddr, n) with @atomics atomic instructions, a
 * new one if it is new.
 */
static bool block_id(uint64_t vaddr, size_t n, unsigned int atomics, uint64_t *id)
{
	uint64_t key = vaddr ^ ((uint64_t)n << 52), j;
	bool ok = true;

	pthread_mutex_lock(&pv.lock);
	if ((pv.nblocks + 1) * 2 > pv.hcap && !table_grow()) {
		ok = false;
		goto out;
	}
	for (j = hash64(key) & (pv.hcap - 1); pv.hval[j]; j = (j + 1) & (pv.hcap - 1)) {
		if (pv.hkey[j] == key && pv.vaddr[(pv.hval[j] - 1) >> CHUNK_BITS]
		    [(pv.hval[j] - 1) & (CHUNK - 1)] == vaddr) {
			*id = pv.hval[j] - 1;
			goto out;
		}
	}
	ok = block_new(vaddr, (uint32_t)n | (uint32_t)atomics << 16, id);
	if (ok) {
		pv.hkey[j] = key;
		pv.hval[j] = *id + 1;
	}
out:
	pthread_mutex_unlock(&pv.lock);
	return ok;
}

/* ---------------------------------------------------------------- execution */

/* One writer per counter: a plain add, readable whole by the others. */
static void ctr_add(_Atomic uint64_t *c, uint64_t x)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + x,
			      memory_order_relaxed);
}

/* @ud: the block's instructions, and its atomic ones << N_BITS. */
static void exec_user(unsigned int vcpu, void *ud)
{
	uintptr_t u = (uintptr_t)ud;

	if (vcpu >= pv.nvcpus)
		return;
	ctr_add(&pv.user[vcpu].n, u & ((1u << N_BITS) - 1));
	if (u >> N_BITS)
		ctr_add(&pv.user[vcpu].a, u >> N_BITS);
}

static void exec_kernel(unsigned int vcpu, void *ud)
{
	uintptr_t u = (uintptr_t)ud;
	uint64_t id = u >> N_BITS;
	_Atomic uint64_t *c;

	if (vcpu >= pv.nvcpus)
		return;
	c = atomic_load_explicit(&pv.cnt[vcpu][id >> CHUNK_BITS], memory_order_acquire);
	ctr_add(c + (id & (CHUNK - 1)), u & ((1u << N_BITS) - 1));
}

/* Atomic instructions of a block that ran for @insns instructions in all. */
static uint64_t block_atomics(uint64_t b, uint64_t insns)
{
	uint32_t sh = pv.shape[b >> CHUNK_BITS][b & (CHUNK - 1)];
	uint32_t n = sh & 0xffff, a = sh >> 16;

	return a && n ? insns / n * a : 0;
}

/* ---------------------------------------------------------------- snapshots */

static void fail(const char *what)
{
	char msg[512];

	if (pv.failed)
		return;
	pv.failed = true;
	snprintf(msg, sizeof(msg), "pvcount: %s: %s\n", what, strerror(errno));
	qemu_plugin_outs(msg);
	fputs(msg, stderr);
}

static bool valid_name(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	}
	return i > 0 && i < NAME_LEN && strcmp(s, "user") && strcmp(s, "kernel") &&
	       strcmp(s, "kernel_other") && strcmp(s, "tag") && strcmp(s, "seq") &&
	       strcmp(s, "vcpu") && strcmp(s, "by") && strncmp(s, "atomics_", 8);
}

/*
 * Read the ranges file into R; returns how many. A missing file means no
 * ranges yet; a line that does not parse is reported in the output and
 * skipped.
 */
static unsigned int read_ranges(struct range *r)
{
	char line[256], name[NAME_LEN + 1];
	unsigned long long a, b;
	unsigned int n = 0, lineno = 0;
	FILE *f;

	if (!pv.ranges_path)
		return 0;
	f = fopen(pv.ranges_path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%32s %llx %llx", name, &a, &b) != 3 || !valid_name(name) ||
		    a >= b || n >= MAX_RANGES) {
			fprintf(pv.out, "# pvcount: %s line %u ignored: %s%s", pv.ranges_path,
				lineno, n >= MAX_RANGES ? "too many ranges: " : "", line);
			if (!strchr(line, '\n'))
				fputc('\n', pv.out);
			continue;
		}
		memcpy(r[n].name, name, strlen(name) + 1);	/* valid_name: < NAME_LEN */
		r[n].start = a;
		r[n].end = b;
		n++;
	}
	fclose(f);
	return n;
}

/* Called with pv.lock held, after snapshot() counted pv.seq. */
static void write_profile(const char *tag)
{
	uint64_t b, x[MAX_VCPUS], any;
	unsigned int v;
	uint32_t sh;

	fprintf(pv.profile, "profile %s %" PRIu64 "\n", tag, pv.seq);
	for (b = 0; b < pv.nblocks; b++) {
		any = 0;
		for (v = 0; v < pv.nvcpus; v++) {
			_Atomic uint64_t *c = atomic_load_explicit(&pv.cnt[v][b >> CHUNK_BITS],
								   memory_order_acquire);

			x[v] = atomic_load_explicit(&c[b & (CHUNK - 1)], memory_order_relaxed);
			any |= x[v];
		}
		if (!any)
			continue;
		sh = pv.shape[b >> CHUNK_BITS][b & (CHUNK - 1)];
		fprintf(pv.profile, "%" PRIx64, pv.vaddr[b >> CHUNK_BITS][b & (CHUNK - 1)]);
		for (v = 0; v < pv.nvcpus; v++)
			fprintf(pv.profile, " %" PRIu64, x[v]);
		if (sh >> 16)
			fprintf(pv.profile, " a=%u/%u", sh >> 16, sh & 0xffff);
		fputc('\n', pv.profile);
	}
	fputs("end\n", pv.profile);
	if (fflush(pv.profile))
		fail(pv.profile_path);
}

/* Called with pv.lock held. */
static void snapshot(const char *tag, int vcpu_hint)
{
	struct range r[MAX_RANGES];
	char names[MAX_NAMES][NAME_LEN];
	unsigned int nr, nn = 0, i, k, v;
	int idx[MAX_RANGES];
	uint64_t b;
	/* per vCPU: instructions, then atomics, per name and all kernel */
	static uint64_t sums[MAX_VCPUS][MAX_NAMES + 1], asums[MAX_VCPUS][MAX_NAMES + 1];

	if (!pv.out)
		return;
	memset(r, 0, sizeof(r));
	nr = read_ranges(r);
	if (nr != pv.nranges || memcmp(r, pv.ranges, nr * sizeof(r[0]))) {
		for (i = 0; i < nr; i++)
			fprintf(pv.out, "range %s %" PRIx64 " %" PRIx64 "\n", r[i].name,
				r[i].start, r[i].end);
		memcpy(pv.ranges, r, nr * sizeof(r[0]));
		pv.nranges = nr;
	}
	for (i = 0; i < nr; i++) {
		for (k = 0; k < nn && strcmp(names[k], r[i].name); k++)
			;
		if (k == nn && nn < MAX_NAMES)
			memcpy(names[nn++], r[i].name, NAME_LEN);
		idx[i] = k < nn ? (int)k : -1;
	}
	memset(sums, 0, sizeof(sums));
	memset(asums, 0, sizeof(asums));
	/* sums[v][0..nn-1]: per name; sums[v][MAX_NAMES]: all kernel */
	for (b = 0; b < pv.nblocks; b++) {
		uint64_t va = pv.vaddr[b >> CHUNK_BITS][b & (CHUNK - 1)];
		int where = -1;

		for (i = 0; i < nr; i++) {
			if (va >= r[i].start && va < r[i].end) {
				where = idx[i];
				break;
			}
		}
		for (v = 0; v < pv.nvcpus; v++) {
			_Atomic uint64_t *c = atomic_load_explicit(&pv.cnt[v][b >> CHUNK_BITS],
								   memory_order_acquire);
			uint64_t x = atomic_load_explicit(&c[b & (CHUNK - 1)],
							  memory_order_relaxed);
			uint64_t a = block_atomics(b, x);

			sums[v][MAX_NAMES] += x;
			asums[v][MAX_NAMES] += a;
			if (where >= 0) {
				sums[v][where] += x;
				asums[v][where] += a;
			}
		}
	}
	pv.seq++;
	for (v = 0; v < pv.nvcpus; v++) {
		uint64_t named = 0;

		for (k = 0; k < nn; k++)
			named += sums[v][k];
		fprintf(pv.out, "snap tag=%s seq=%" PRIu64 " vcpu=%u user=%" PRIu64
			" kernel=%" PRIu64 " kernel_other=%" PRIu64, tag, pv.seq, v,
			atomic_load_explicit(&pv.user[v].n, memory_order_relaxed),
			sums[v][MAX_NAMES], sums[v][MAX_NAMES] - named);
		for (k = 0; k < nn; k++)
			fprintf(pv.out, " %s=%" PRIu64, names[k], sums[v][k]);
		fprintf(pv.out, " atomics_user=%" PRIu64 " atomics_kernel=%" PRIu64,
			atomic_load_explicit(&pv.user[v].a, memory_order_relaxed),
			asums[v][MAX_NAMES]);
		for (k = 0; k < nn; k++)
			fprintf(pv.out, " atomics_%s=%" PRIu64, names[k], asums[v][k]);
		fprintf(pv.out, "%s\n", v == (unsigned int)vcpu_hint ? " by=1" : "");
	}
	if (fflush(pv.out))
		fail(pv.out_path);
	if (pv.profile)
		write_profile(tag);
}

static void exec_marker(unsigned int vcpu, void *ud)
{
	char tag[16];

	snprintf(tag, sizeof(tag), "%u", (unsigned int)(uintptr_t)ud);
	pthread_mutex_lock(&pv.lock);
	snapshot(tag, (int)vcpu);
	pthread_mutex_unlock(&pv.lock);
}

static void at_exit(qemu_plugin_id_t id, void *ud)
{
	(void)id;
	(void)ud;
	pthread_mutex_lock(&pv.lock);
	snapshot("exit", -1);
	fclose(pv.out);
	pv.out = NULL;
	if (pv.profile) {
		fclose(pv.profile);
		pv.profile = NULL;
	}
	pthread_mutex_unlock(&pv.lock);
}

/* ---------------------------------------------------------------- translation */

static const unsigned char MARK1[] = { 0x66, 0x87, 0xdb };	/* xchg %bx,%bx */
static const unsigned char MARK2[] = { 0x0f, 0x1f, 0x80 };	/* nopl imm32(%rax) */

static bool insn_is(const struct qemu_plugin_insn *insn, const unsigned char *p,
		    size_t len, size_t size)
{
	return qemu_plugin_insn_size(insn) == size &&
	       !memcmp(qemu_plugin_insn_data(insn), p, len);
}

/*
 * Whether an instruction is an atomic read-modify-write: a LOCK prefix among
 * its legacy prefixes, or XCHG (opcode 86/87, after an optional REX prefix)
 * with a memory operand (ModRM mod != 3), which locks without the prefix.
 * The marker's "xchg %bx,%bx" is register to register: not atomic.
 */
static bool insn_atomic(const unsigned char *d, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		switch (d[i]) {
		case 0xf0:
			return true;
		case 0xf2: case 0xf3: case 0x2e: case 0x36: case 0x3e:
		case 0x26: case 0x64: case 0x65: case 0x66: case 0x67:
			continue;
		}
		break;
	}
	if (i < len && (d[i] & 0xf0) == 0x40)
		i++;
	return i + 1 < len && (d[i] == 0x86 || d[i] == 0x87) && (d[i + 1] >> 6) != 3;
}

static unsigned int tb_atomics(const struct qemu_plugin_tb *tb, size_t n)
{
	unsigned int a = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		a += insn_atomic(qemu_plugin_insn_data(insn), qemu_plugin_insn_size(insn));
	}
	return a;
}

static void on_translate(qemu_plugin_id_t pid, struct qemu_plugin_tb *tb)
{
	uint64_t va = qemu_plugin_tb_vaddr(tb), id;
	size_t n = qemu_plugin_tb_n_insns(tb), i;
	unsigned int atomics;

	(void)pid;
	if (!n)
		return;
	if (n >= (1u << N_BITS)) {
		pthread_mutex_lock(&pv.lock);
		errno = E2BIG;
		fail("block of 1024 or more instructions");
		pthread_mutex_unlock(&pv.lock);
		return;
	}
	atomics = tb_atomics(tb, n);
	if (!(va >> 63)) {
		qemu_plugin_register_vcpu_tb_exec_cb(tb, exec_user, QEMU_PLUGIN_CB_NO_REGS,
						     (void *)(uintptr_t)(atomics << N_BITS | n));
		for (i = 0; i + 1 < n; i++) {
			struct qemu_plugin_insn *a = qemu_plugin_tb_get_insn(tb, i);
			struct qemu_plugin_insn *b = qemu_plugin_tb_get_insn(tb, i + 1);
			const unsigned char *d;
			uint32_t tag;

			if (!insn_is(a, MARK1, 3, 3) || !insn_is(b, MARK2, 3, 7))
				continue;
			d = qemu_plugin_insn_data(b);
			tag = (uint32_t)d[3] | (uint32_t)d[4] << 8 | (uint32_t)d[5] << 16 |
			      (uint32_t)d[6] << 24;
			qemu_plugin_register_vcpu_insn_exec_cb(b, exec_marker,
							       QEMU_PLUGIN_CB_NO_REGS,
							       (void *)(uintptr_t)tag);
		}
		return;
	}
	if (!block_id(va, n, atomics, &id)) {
		pthread_mutex_lock(&pv.lock);
		errno = ENOMEM;
		fail("kernel block table");
		pthread_mutex_unlock(&pv.lock);
		return;
	}
	qemu_plugin_register_vcpu_tb_exec_cb(tb, exec_kernel, QEMU_PLUGIN_CB_NO_REGS,
					     (void *)(uintptr_t)(id << N_BITS | n));
}

/* ---------------------------------------------------------------- install */

PV_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
				  int argc, char **argv)
{
	int i, max;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4)) {
			pv.out_path = argv[i] + 4;
		} else if (!strncmp(argv[i], "ranges=", 7)) {
			pv.ranges_path = argv[i] + 7;
		} else if (!strncmp(argv[i], "profile=", 8)) {
			pv.profile_path = argv[i] + 8;
		} else {
			fprintf(stderr, "pvcount: unknown argument '%s' (out=FILE, ranges=FILE, profile=FILE)\n",
				argv[i]);
			return -1;
		}
	}
	if (!info->system_emulation || strcmp(info->target_name, "x86_64")) {
		fprintf(stderr, "pvcount: x86_64 system emulation only (not %s%s)\n",
			info->target_name, info->system_emulation ? "" : " user mode");
		return -1;
	}
	if (!pv.out_path) {
		fprintf(stderr, "pvcount: out=FILE is required\n");
		return -1;
	}
	max = info->system.max_vcpus;
	if (max < 1 || max > MAX_VCPUS) {
		fprintf(stderr, "pvcount: %d vCPUs; at most %d\n", max, MAX_VCPUS);
		return -1;
	}
	pv.nvcpus = (unsigned int)max;
	pv.out = fopen(pv.out_path, "a");
	if (!pv.out) {
		fprintf(stderr, "pvcount: %s: %s\n", pv.out_path, strerror(errno));
		return -1;
	}
	if (pv.profile_path) {
		pv.profile = fopen(pv.profile_path, "a");
		if (!pv.profile) {
			fprintf(stderr, "pvcount: %s: %s\n", pv.profile_path, strerror(errno));
			fclose(pv.out);
			return -1;
		}
	}
	fprintf(pv.out, "# pvcount 1: vcpus %u, ranges %s\n", pv.nvcpus,
		pv.ranges_path ? pv.ranges_path : "(none)");
	fflush(pv.out);
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
