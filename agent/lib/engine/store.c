/* SPDX-License-Identifier: GPL-2.0-only */
/* store.c: the rollback store, persisted as JSON, and its lock. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "engine/store.h"
#include "util/json.h"
#include "util/tunable.h"
#include "util/util.h"

void pvt_store_add(struct pvt_store *s, const char *path, const char *value, const char *unit,
		const char *device)
{
	s->e = pvt_xrealloc(s->e, (s->n + 1) * sizeof(*s->e));
	s->e[s->n++] = (struct pvt_saved){
		.path = pvt_xstrdup(path), .value = pvt_xstrdup(value),
		.unit = pvt_xstrdup(unit), .device = device ? pvt_xstrdup(device) : NULL,
	};
}

/* Parse @text into @s: 0, or -EINVAL with why in @e. */
static int parse(const char *text, struct pvt_store *s, struct pvt_err *e)
{
	struct json_object *root = json_tokener_parse(text), *entries, *fixed;
	int ret = 0;

	if (!root || !json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "saved", &entries) ||
	    !json_object_is_type(entries, json_type_array)) {
		ret = pvt_errf(e, "not a pvtune rollback store");
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(entries); i++) {
		struct json_object *x = json_object_array_get_idx(entries, i);
		const char *path = pvt_json_string(x, "path");
		const char *value = pvt_json_string(x, "value");
		const char *unit = pvt_json_string(x, "unit");
		struct json_object *dev = NULL;

		if (!path || !value || !unit ||
		    (json_object_object_get_ex(x, "device", &dev) &&
		     !json_object_is_type(dev, json_type_string))) {
			ret = pvt_errf(e, "entry %zu lacks path, value or unit", i);
			goto out;
		}
		if (!pvt_tunable_path_ok(path)) {
			ret = pvt_errf(e, "entry %zu: '%.200s' is no kernel tunable", i, path);
			goto out;
		}
		pvt_store_add(s, path, value, unit, pvt_json_string(x, "device"));
	}
	if (json_object_object_get_ex(root, "fixed", &fixed) &&
	    json_object_is_type(fixed, json_type_array))
		for (size_t i = 0; i < json_object_array_length(fixed); i++) {
			struct json_object *f = json_object_array_get_idx(fixed, i);

			if (json_object_is_type(f, json_type_string))
				pvt_strv_push(&s->fixed, json_object_get_string(f));
		}
out:
	json_object_put(root);
	if (ret < 0)
		pvt_store_free(s);
	return ret;
}

int pvt_store_load(const struct pvt_ctx *ctx, struct pvt_store *s, struct pvt_err *e)
{
	struct pvt_err why;
	struct pvt_file_id before, after;
	char *text = NULL, *from, *to;
	int ret;

	memset(s, 0, sizeof(*s));
	if (!pvt_exists(ctx->root, PVT_STORE_FILE))
		return 0;
	before = pvt_file_id_hold(ctx->root, PVT_STORE_FILE);
	ret = pvt_read_file(ctx->root, PVT_STORE_FILE, &text, &why);
	after = pvt_file_id_of(ctx->root, PVT_STORE_FILE);
	if (ret == -EFBIG)
		ret = pvt_errf(&why, "over 1 MiB");
	else if (ret < 0)
		return pvt_fail(e, -ret, "%s", why.msg);
	else
		ret = parse(text, s, &why);
	free(text);
	if (ret == 0) {
		/* the file read, unless it was replaced meanwhile (read without the lock) */
		if (pvt_file_id_same(&before, &after))
			s->file = before;	/* held open */
		else
			pvt_file_id_release(&before);
		return 0;
	}
	pvt_file_id_release(&before);
	/* moved aside: the daemon starts, and the evidence is kept */
	from = pvt_rooted(ctx->root, PVT_STORE_FILE);
	to = pvt_xasprintf("%s.corrupt", from);
	if (rename(from, to) < 0)
		ret = pvt_fail(e, errno, "%s: %s, and cannot be moved aside: %s", PVT_STORE_FILE,
			       why.msg, strerror(errno));
	else
		ret = (pvt_fail(e, EINVAL, "%s: %s: moved aside to %s.corrupt; the originals it held are lost",
				PVT_STORE_FILE, why.msg, PVT_STORE_FILE), 1);
	free(from);
	free(to);
	return ret;
}

int pvt_store_lock(const struct pvt_ctx *ctx, struct pvt_err *e)
{
	char *p;
	int fd, r;

	r = pvt_mkdir_p(ctx->root, PVT_STATE_DIR, e);
	if (r < 0)
		return r;
	p = pvt_rooted(ctx->root, PVT_STORE_LOCK);
	fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	free(p);
	if (fd < 0)
		return pvt_fail(e, errno, "cannot open the store's lock %s: %s", PVT_STORE_LOCK,
				strerror(errno));
	while ((r = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (r < 0) {
		r = pvt_fail(e, errno, "cannot lock %s: %s", PVT_STORE_LOCK, strerror(errno));
		close(fd);
		return r;
	}
	return fd;
}

void pvt_store_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* the flock goes with its last fd */
}

int pvt_store_persist(const struct pvt_ctx *ctx, struct pvt_store *s, struct pvt_err *e)
{
	struct json_object *root = json_object_new_object();
	struct json_object *entries = json_object_new_array();
	struct json_object *fixed = json_object_new_array();
	int ret;

	for (size_t i = 0; i < s->n; i++) {
		struct json_object *x = json_object_new_object();

		json_object_object_add(x, "path", json_object_new_string(s->e[i].path));
		json_object_object_add(x, "value", json_object_new_string(s->e[i].value));
		json_object_object_add(x, "unit", json_object_new_string(s->e[i].unit));
		if (s->e[i].device)
			json_object_object_add(x, "device", json_object_new_string(s->e[i].device));
		json_object_array_add(entries, x);
	}
	for (size_t i = 0; i < s->fixed.n; i++)
		json_object_array_add(fixed, json_object_new_string(s->fixed.v[i]));
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "saved", entries);
	json_object_object_add(root, "fixed", fixed);
	ret = pvt_write_atomic_id(ctx->root, PVT_STORE_FILE,
				  json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY),
				  &s->file, e);
	json_object_put(root);
	return ret;
}

bool pvt_store_current(const struct pvt_ctx *ctx, const struct pvt_store *s)
{
	struct pvt_file_id now = pvt_file_id_of(ctx->root, PVT_STORE_FILE);

	return pvt_file_id_same(&s->file, &now);
}

const struct pvt_saved *pvt_store_find(const struct pvt_store *s, const char *path)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->e[i].path, path) == 0)
			return &s->e[i];
	return NULL;
}

int pvt_store_remember(const struct pvt_ctx *ctx, struct pvt_store *s, const char *path,
		       const char *value, const char *unit, const char *device,
		       struct pvt_err *e)
{
	int r;

	if (pvt_store_find(s, path))
		return 0;	/* the first original is the one to restore */
	pvt_store_add(s, path, value, unit, device);
	r = pvt_store_persist(ctx, s, e);
	if (r < 0)
		pvt_store_remove(s, s->n - 1);
	return r;
}

void pvt_store_remove(struct pvt_store *s, size_t i)
{
	free(s->e[i].path);
	free(s->e[i].value);
	free(s->e[i].unit);
	free(s->e[i].device);
	memmove(&s->e[i], &s->e[i + 1], (s->n - i - 1) * sizeof(*s->e));
	s->n--;
}

void pvt_store_free(struct pvt_store *s)
{
	while (s->n)
		pvt_store_remove(s, s->n - 1);
	free(s->e);
	s->e = NULL;
	pvt_strv_free(&s->fixed);
	pvt_file_id_release(&s->file);
}
