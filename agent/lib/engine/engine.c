/* engine.c: apply, verify and roll back plan items. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util/cpulist.h"
#include "engine/engine.h"
#include "util/util.h"

int pvt_engine_plan(const struct pvt_ctx *ctx, const struct pvt_profile *p, const char *disk,
		    struct pvt_plan *plan, struct pvt_err *e)
{
	for (size_t i = 0; i < p->nsec; i++) {
		const struct pvt_section *s = &p->sec[i];
		const struct pvt_unit *u = pvt_unit_find(s->name);
		const char *en = pvt_section_get(s, "enabled");

		if (!u || (en && strcmp(en, "0") == 0))
			continue;
		if (disk && !u->per_disk && !u->on_hotplug)
			continue;
		if (u->plan(ctx, s, disk, plan, e) < 0) {
			pvt_plan_free(plan);
			return -1;
		}
	}
	return 0;
}

int pvt_engine_precheck(const struct pvt_ctx *ctx, const struct pvt_plan *plan,
			struct pvt_err *e)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct pvt_item *it = &plan->it[i];

		if (it->path && !pvt_exists(ctx->root, it->path)) {
			if (strcmp(it->unit, "pvblk") == 0)
				return pvt_errf(e, "%s: [pvblk] %s: device %s lacks this tunable (%s does not exist); nothing applied",
						it->origin, it->key, it->device, it->path);
			return pvt_errf(e, "%s: [%s] %s: %s%s%s%s does not exist; nothing applied",
					it->origin, it->unit, it->key, it->device ? "device " : "",
					it->device ? it->device : "", it->device ? ": " : "",
					it->path);
		}
	}
	return 0;
}

static char *bracketed(const char *s)
{
	const char *a = strchr(s, '['), *b = a ? strchr(a, ']') : NULL;

	if (a && b)
		return pvt_xasprintf("%.*s", (int)(b - a - 1), a + 1);
	return pvt_words_normalize(s);
}

int pvt_read_current(const struct pvt_ctx *ctx, const char *path, enum pvt_cmp cmp,
		     char **out, struct pvt_err *e)
{
	char *raw;

	if (pvt_read_file(ctx->root, path, &raw, e) < 0)
		return -1;
	*out = cmp == PVT_CMP_BRACKET ? bracketed(raw) : pvt_words_normalize(raw);
	free(raw);
	return 0;
}

static bool equal(enum pvt_cmp cmp, const char *a, const char *b)
{
	int64_t x, y;

	switch (cmp) {
	case PVT_CMP_INT:
		if (pvt_parse_i64(a, &x) && pvt_parse_i64(b, &y))
			return x == y;
		break;
	case PVT_CMP_CPULIST:
		return pvt_cpulist_equal(a, b);
	default:
		break;
	}
	return strcmp(a, b) == 0;
}

static char *expected_text(const struct pvt_item *it)
{
	if (it->op == PVT_OP_SET)
		return pvt_xstrdup(it->value);
	return pvt_xasprintf("%c%s", (char)it->op, it->value);
}

static void add_result(struct pvt_report *rep, const struct pvt_item *it, const char *actual,
		       enum pvt_status st, const char *note)
{
	char *exp = expected_text(it);

	pvt_report_add(rep, it->unit, it->device, it->key, it->path, exp, actual, st, note);
	free(exp);
}

static void apply_check(const struct pvt_ctx *ctx, const struct pvt_item *it,
			struct pvt_report *rep)
{
	char *actual = NULL;
	bool ok = it->check(ctx, it, &actual);

	add_result(rep, it, actual, ok ? PVT_ST_OK : it->soft ? PVT_ST_WARN : PVT_ST_MISMATCH,
		   NULL);
	free(actual);
}

/*
 * Concurrent writes. Some block-layer writes wait rather than work: a new
 * scheduler or nr_requests freezes and quiesces the queue, which waits for
 * it to drain and for RCU grace periods. One device after the other, 16
 * disks wait 32 times in a row; from one thread per device the waits
 * overlap. Items are grouped by the block device whose /sys/block/DEV/ node
 * they write; a group runs in plan order on one thread (the scheduler
 * before nr_requests), groups run concurrently on up to ctx->writers
 * threads, the rest (sysctls, IRQs) on the caller's thread meanwhile. The
 * workers only read and write nodes; results are reported, and the store
 * changed, afterwards on the caller's thread, in plan order.
 */
/* a worker reads and writes small files: its stack and TLS fit easily */
#define PVT_WRITER_STACK (128 * 1024)

struct pool {
	size_t ngroups;
	size_t *start;		/* group g is idx[start[g]] .. idx[start[g + 1] - 1] */
	size_t *idx;
	void (*fn)(void *arg, size_t i);
	void *arg;
	atomic_size_t next;
};

/* Is @path a node of block device @device ("/sys/block/DEVICE/...")? */
static bool block_node(const char *path, const char *device)
{
	static const char pfx[] = "/sys/block/";
	size_t n;

	if (!path || !device || strncmp(path, pfx, sizeof(pfx) - 1) != 0)
		return false;
	n = strlen(device);
	return strncmp(path + sizeof(pfx) - 1, device, n) == 0 && path[sizeof(pfx) - 1 + n] == '/';
}

/*
 * Group the @n entries by key(i) (NULL: not grouped, the caller runs it).
 * Returns the ungrouped indexes in order in *@rest (count in *@nrest).
 */
static void pool_group(struct pool *p, size_t n, const char *(*key)(void *arg, size_t i),
		       size_t **rest, size_t *nrest)
{
	const char **keys = pvt_xcalloc(n ? n : 1, sizeof(*keys));
	size_t *grp = pvt_xcalloc(n ? n : 1, sizeof(*grp)), *fill;

	p->ngroups = 0;
	*rest = pvt_xcalloc(n ? n : 1, sizeof(**rest));
	*nrest = 0;
	for (size_t i = 0; i < n; i++) {
		const char *k = key(p->arg, i);
		size_t g;

		if (!k) {
			(*rest)[(*nrest)++] = i;
			grp[i] = SIZE_MAX;
			continue;
		}
		for (g = 0; g < p->ngroups && strcmp(keys[g], k) != 0; g++)
			;
		if (g == p->ngroups)
			keys[p->ngroups++] = k;
		grp[i] = g;
	}
	p->start = pvt_xcalloc(p->ngroups + 1, sizeof(*p->start));
	p->idx = pvt_xcalloc(n ? n : 1, sizeof(*p->idx));
	for (size_t i = 0; i < n; i++)
		if (grp[i] != SIZE_MAX)
			p->start[grp[i] + 1]++;
	for (size_t g = 0; g < p->ngroups; g++)
		p->start[g + 1] += p->start[g];
	fill = pvt_xcalloc(p->ngroups ? p->ngroups : 1, sizeof(*fill));
	for (size_t i = 0; i < n; i++)
		if (grp[i] != SIZE_MAX)
			p->idx[p->start[grp[i]] + fill[grp[i]]++] = i;
	free(fill);
	free(grp);
	free(keys);
}

static void pool_work(struct pool *p)
{
	size_t g;

	while ((g = atomic_fetch_add(&p->next, 1)) < p->ngroups)
		for (size_t j = p->start[g]; j < p->start[g + 1]; j++)
			p->fn(p->arg, p->idx[j]);
}

static void *pool_thread(void *v)
{
	pool_work(v);
	return NULL;
}

/*
 * Run every group on the pool, and the ungrouped entries @rest on this
 * thread meanwhile; returns when all are done. If no thread can be
 * started, this thread does the groups too.
 */
static void pool_run(const struct pvt_ctx *ctx, struct pool *p, const size_t *rest,
		     size_t nrest)
{
	size_t want = ctx->writers ? ctx->writers : PVT_WRITERS_DEFAULT;
	pthread_t *th;
	void *stacks;
	size_t started = 0;

	atomic_init(&p->next, 0);
	if (want > p->ngroups)
		want = p->ngroups;
	/* one group, or one writer: no thread to start */
	if (want <= 1) {
		for (size_t i = 0; i < nrest; i++)
			p->fn(p->arg, rest[i]);
		pool_work(p);
		return;
	}
	th = pvt_xcalloc(want, sizeof(*th));
	/*
	 * Our own stacks, unmapped after the join: glibc would keep its cached
	 * thread stacks (and their touched pages) mapped for the daemon's life.
	 */
	stacks = mmap(NULL, want * PVT_WRITER_STACK, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	for (size_t t = 0; t < want && stacks != MAP_FAILED; t++) {
		pthread_attr_t attr;

		if (pthread_attr_init(&attr) != 0)
			break;
		if (pthread_attr_setstack(&attr, (char *)stacks + t * PVT_WRITER_STACK,
					  PVT_WRITER_STACK) == 0 &&
		    pthread_create(&th[started], &attr, pool_thread, p) == 0)
			started++;
		pthread_attr_destroy(&attr);
	}
	for (size_t i = 0; i < nrest; i++)
		p->fn(p->arg, rest[i]);
	pool_work(p);		/* help, or do it all if no thread started */
	for (size_t t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	if (stacks != MAP_FAILED)
		munmap(stacks, want * PVT_WRITER_STACK);
	free(th);
}

static void pool_free(struct pool *p)
{
	free(p->start);
	free(p->idx);
}

/* What reading and writing one node gave, before it is reported. */
struct outcome {
	enum pvt_status st;
	char *actual;		/* the value read before writing; NULL if unreadable */
	char *note;		/* error message */
	int err;		/* the write's -errno */
};

static void outcome_free(struct outcome *o)
{
	free(o->actual);
	free(o->note);
}

/* Does @cur already satisfy the item? Sets *kept for a modifier that says "no". */
static bool satisfied(const struct pvt_item *it, const char *cur, bool *kept)
{
	int64_t want, have;

	*kept = false;
	if (it->op != PVT_OP_SET && pvt_parse_i64(it->value, &want) &&
	    pvt_parse_i64(cur, &have)) {
		*kept = !pvt_modifier_wants_write(it->op, want, have) && want != have;
		return !pvt_modifier_wants_write(it->op, want, have);
	}
	return equal(it->cmp, it->value, cur);
}

/*
 * Save the originals of every node the plan may write that the store does
 * not know yet, with one persist: nothing is written before its original
 * is on disk. Marks in @unread the items whose node cannot be read. Returns
 * the number of entries added (at the end of the store), or -1 if the store
 * cannot be persisted.
 */
static long save_originals(const struct pvt_ctx *ctx, struct pvt_store *s,
			   const struct pvt_plan *plan, bool *unread, struct pvt_err *e)
{
	size_t before = s->n;

	for (size_t i = 0; i < plan->n; i++) {
		const struct pvt_item *it = &plan->it[i];
		char *cur = NULL;

		if (it->check || pvt_store_find(s, it->path))
			continue;
		if (pvt_read_current(ctx, it->path, it->cmp, &cur, NULL) < 0) {
			unread[i] = true;
			continue;
		}
		pvt_store_add(s, it->path, cur, it->unit, it->device);
		free(cur);
	}
	if (s->n == before)
		return 0;
	if (pvt_store_persist(ctx, s, e) < 0) {
		while (s->n > before)
			pvt_store_remove(s, s->n - 1);
		return -1;
	}
	return (long)(s->n - before);
}

struct apply_job {
	const struct pvt_ctx *ctx;
	const struct pvt_plan *plan;
	const bool *unread;
	struct outcome *out;
};

/* A plan item the pool writes: a block device's node whose original is saved. */
static const char *apply_key(void *arg, size_t i)
{
	const struct apply_job *j = arg;
	const struct pvt_item *it = &j->plan->it[i];

	if (it->check || j->unread[i] || !block_node(it->path, it->device))
		return NULL;
	return it->device;
}

/* Read one item's node and write it if needed (any thread). */
static void apply_one(void *arg, size_t i)
{
	struct apply_job *j = arg;
	const struct pvt_item *it = &j->plan->it[i];
	struct outcome *o = &j->out[i];
	struct pvt_err e;
	bool kept;
	int w;

	if (it->check || j->unread[i])
		return;		/* reported by the caller */
	/*
	 * Read again, though save_originals() read most nodes just before: the
	 * write is decided on the freshest value. (Reusing the first read made
	 * no difference the guest bench could see: --no-daemon 308 against 311
	 * ms, one run each.)
	 */
	if (pvt_read_current(j->ctx, it->path, it->cmp, &o->actual, &e) < 0) {
		o->actual = NULL;
		o->st = PVT_ST_FAILED;
		o->note = pvt_xstrdup(e.msg);
	} else if (satisfied(it, o->actual, &kept)) {
		o->st = kept ? PVT_ST_KEPT : PVT_ST_OK;
	} else if ((w = pvt_write_file(j->ctx->root, it->path, it->value, &e)) == 0) {
		o->st = PVT_ST_CHANGED;
	} else {
		o->st = PVT_ST_FAILED;
		o->err = w;
		o->note = pvt_xstrdup(e.msg);
	}
}

/* Report one applied item (the caller's thread); true if it was written. */
static bool apply_report(struct pvt_store *s, const struct pvt_item *it,
			 const struct outcome *o, struct pvt_report *rep, size_t *failed)
{
	if (o->st == PVT_ST_FAILED && (o->err == -EIO || o->err == -EPERM) &&
	    strcmp(it->unit, "irq") == 0) {
		/* managed interrupts: the kernel owns their affinity (EIO, or
		 * EPERM from write_irq_affinity() on newer kernels, e.g. 6.12
		 * for a single-queue virtio disk's vector) */
		if (!pvt_strv_contains(&s->fixed, it->path))
			pvt_strv_push(&s->fixed, it->path);
		add_result(rep, it, o->actual, PVT_ST_NA,
			   "affinity managed by the kernel (write refused)");
		return false;
	}
	add_result(rep, it, o->actual, o->st, o->note);
	if (o->st == PVT_ST_FAILED)
		(*failed)++;
	return o->st == PVT_ST_CHANGED;
}

size_t pvt_engine_apply(const struct pvt_ctx *ctx, struct pvt_store *s,
			const struct pvt_plan *plan, struct pvt_report *rep)
{
	bool *unread = pvt_xcalloc(plan->n ? plan->n : 1, sizeof(*unread));
	struct outcome *out = pvt_xcalloc(plan->n ? plan->n : 1, sizeof(*out));
	struct apply_job job = { .ctx = ctx, .plan = plan, .unread = unread, .out = out };
	struct pool pool = { .fn = apply_one, .arg = &job };
	struct pvt_strv written = {0};
	size_t failed = 0, first, *rest, nrest, dropped = 0, nfixed = s->fixed.n;
	struct pvt_err e;
	long added;

	added = save_originals(ctx, s, plan, unread, &e);
	if (added < 0) {
		for (size_t i = 0; i < plan->n; i++) {
			if (!plan->it[i].check)
				add_result(rep, &plan->it[i], NULL, PVT_ST_FAILED, e.msg);
			outcome_free(&out[i]);
		}
		free(out);
		free(unread);
		return plan->n;
	}
	first = s->n - (size_t)added;
	pool_group(&pool, plan->n, apply_key, &rest, &nrest);
	pool_run(ctx, &pool, rest, nrest);
	for (size_t i = 0; i < plan->n; i++) {
		const struct pvt_item *it = &plan->it[i];

		if (it->check) {
			apply_check(ctx, it, rep);
		} else if (unread[i]) {
			char *tmp = NULL;

			/* no original saved: never written */
			if (pvt_read_current(ctx, it->path, it->cmp, &tmp, &e) == 0)
				pvt_errf(&e, "%s could not be read when the originals were saved",
					 it->path);
			free(tmp);
			add_result(rep, it, NULL, PVT_ST_FAILED, e.msg);
			failed++;
		} else if (apply_report(s, it, &out[i], rep, &failed)) {
			pvt_strv_push(&written, it->path);
		}
		outcome_free(&out[i]);
	}
	/* keep only the originals of what was written */
	for (size_t i = s->n; i > first; i--) {
		if (!pvt_strv_contains(&written, s->e[i - 1].path)) {
			pvt_store_remove(s, i - 1);
			dropped++;
		}
	}
	/* the first persist holds every original written; again only if less is left */
	if (dropped || s->fixed.n != nfixed)
		pvt_store_persist(ctx, s, NULL);
	pool_free(&pool);
	pvt_strv_free(&written);
	free(rest);
	free(out);
	free(unread);
	return failed;
}

size_t pvt_engine_verify(const struct pvt_ctx *ctx, const struct pvt_store *s,
			 const struct pvt_plan *plan, struct pvt_report *rep)
{
	size_t bad = 0;

	for (size_t i = 0; i < plan->n; i++) {
		const struct pvt_item *it = &plan->it[i];
		char *cur = NULL;
		bool kept;

		if (it->check) {
			apply_check(ctx, it, rep);
			bad += rep->r[rep->n - 1].st == PVT_ST_MISMATCH;
			continue;
		}
		if (!pvt_exists(ctx->root, it->path)) {
			add_result(rep, it, "n/a", PVT_ST_NA, "node does not exist");
			continue;
		}
		if (pvt_read_current(ctx, it->path, it->cmp, &cur, NULL) < 0) {
			add_result(rep, it, "n/a", PVT_ST_NA, "node cannot be read");
			continue;
		}
		if (satisfied(it, cur, &kept))
			add_result(rep, it, cur, PVT_ST_OK, NULL);
		else if (pvt_strv_contains(&s->fixed, it->path))
			add_result(rep, it, cur, PVT_ST_NA, "affinity managed by the kernel");
		else {
			add_result(rep, it, cur, PVT_ST_MISMATCH, NULL);
			bad++;
		}
		free(cur);
	}
	return bad;
}

static bool selected(const struct pvt_saved *x, const char *unit, const char *device)
{
	if (unit && strcmp(x->unit, unit) != 0)
		return false;
	if (device && (!x->device || strcmp(x->device, device) != 0))
		return false;
	return true;
}

struct rollback_job {
	const struct pvt_ctx *ctx;
	const struct pvt_store *s;
	const char *unit, *device;
	struct outcome *out;
};

static const char *rollback_key(void *arg, size_t i)
{
	const struct rollback_job *j = arg;
	const struct pvt_saved *x = &j->s->e[i];

	if (!selected(x, j->unit, j->device) || !block_node(x->path, x->device))
		return NULL;
	return x->device;
}

/* Write one saved original back (any thread): OK, NA (node gone) or FAILED. */
static void rollback_one(void *arg, size_t i)
{
	struct rollback_job *j = arg;
	const struct pvt_saved *x = &j->s->e[i];
	struct outcome *o = &j->out[i];
	struct pvt_err e;

	if (!selected(x, j->unit, j->device))
		return;
	if (!pvt_exists(j->ctx->root, x->path)) {
		o->st = PVT_ST_NA;
	} else if (pvt_write_file(j->ctx->root, x->path, x->value, &e) < 0) {
		o->st = PVT_ST_FAILED;
		o->note = pvt_xstrdup(e.msg);
	} else {
		o->st = PVT_ST_RESTORED;
	}
}

size_t pvt_engine_rollback(const struct pvt_ctx *ctx, struct pvt_store *s, const char *unit,
			   const char *device, struct pvt_report *rep)
{
	size_t n = s->n, failed = 0, kept = 0, *rest, nrest;
	struct outcome *out = pvt_xcalloc(n ? n : 1, sizeof(*out));
	struct rollback_job job = { .ctx = ctx, .s = s, .unit = unit, .device = device,
				    .out = out };
	struct pool pool = { .fn = rollback_one, .arg = &job };
	struct pvt_err e;

	pool_group(&pool, n, rollback_key, &rest, &nrest);
	pool_run(ctx, &pool, rest, nrest);
	/* report in the store's order; s->e shifts down as entries go */
	for (size_t i = 0; i < n; i++) {
		const struct pvt_saved *x = &s->e[kept];
		const struct outcome *o = &out[i];

		if (!selected(x, unit, device)) {
			kept++;
			continue;
		}
		if (o->st == PVT_ST_NA) {
			pvt_report_add(rep, x->unit, x->device, NULL, x->path, x->value, "n/a",
				       PVT_ST_NA, "node gone; nothing to restore");
		} else if (o->st == PVT_ST_FAILED) {
			pvt_report_add(rep, x->unit, x->device, NULL, x->path, x->value, NULL,
				       PVT_ST_FAILED, o->note);
			failed++;
			kept++;
			continue;
		} else {
			pvt_report_add(rep, x->unit, x->device, NULL, x->path, x->value, x->value,
				       PVT_ST_RESTORED, NULL);
		}
		pvt_store_remove(s, kept);
	}
	for (size_t i = 0; i < n; i++)
		outcome_free(&out[i]);
	pool_free(&pool);
	free(rest);
	free(out);
	if (!unit && !device)
		pvt_strv_free(&s->fixed);
	if (pvt_store_persist(ctx, s, &e) < 0) {
		pvt_report_add(rep, NULL, NULL, NULL, PVT_STORE_FILE, NULL, NULL, PVT_ST_FAILED,
			       e.msg);
		failed++;
	}
	return failed;
}

void pvt_engine_forget_device(const struct pvt_ctx *ctx, struct pvt_store *s,
			      const char *device)
{
	for (size_t i = 0; i < s->n;) {
		if (s->e[i].device && strcmp(s->e[i].device, device) == 0)
			pvt_store_remove(s, i);
		else
			i++;
	}
	pvt_store_persist(ctx, s, NULL);
}
