/* SPDX-License-Identifier: GPL-2.0-only */
/* saved.c: the originals of one VM, persisted as JSON before the first change. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qemu/tune.h"
#include "util/json.h"
#include "util/util.h"

void pvt_qemu_saved_free(struct pvt_qemu_saved *s)
{
	for (size_t i = 0; i < s->naff; i++) {
		free(s->aff[i].what);
		free(s->aff[i].cpus);
	}
	for (size_t i = 0; i < s->npoll; i++)
		free(s->poll[i].id);
	free(s->aff);
	free(s->poll);
	memset(s, 0, sizeof(*s));
}

int pvt_qemu_saved_persist(const char *root, const char *path, const struct pvt_qemu_saved *s,
			   struct pvt_err *e)
{
	json_object *o = json_object_new_object(), *aff = json_object_new_array(),
		    *poll = json_object_new_array();
	int r;

	json_object_object_add(o, "pid", json_object_new_int(s->pid));
	for (size_t i = 0; i < s->naff; i++) {
		json_object *a = json_object_new_object();

		json_object_object_add(a, "tid", json_object_new_int(s->aff[i].tid));
		json_object_object_add(a, "what", json_object_new_string(s->aff[i].what));
		json_object_object_add(a, "cpus", json_object_new_string(s->aff[i].cpus));
		json_object_array_add(aff, a);
	}
	for (size_t i = 0; i < s->npoll; i++) {
		json_object *a = json_object_new_object();

		json_object_object_add(a, "id", json_object_new_string(s->poll[i].id));
		json_object_object_add(a, "poll-max-ns", json_object_new_int64(s->poll[i].max_ns));
		json_object_object_add(a, "poll-grow", json_object_new_int64(s->poll[i].grow));
		json_object_object_add(a, "poll-shrink", json_object_new_int64(s->poll[i].shrink));
		json_object_array_add(poll, a);
	}
	json_object_object_add(o, "affinity", aff);
	json_object_object_add(o, "poll", poll);
	r = pvt_write_atomic(root, path, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY), e);
	json_object_put(o);
	return r;
}

static const struct pvt_json_member aff_m[] = {
	{ "tid", true, { .type = json_type_int, .min = 1, .max = INT32_MAX } },
	{ "what", true, { .type = json_type_string } },
	{ "cpus", true, { .type = json_type_string } },
	{ .name = NULL },
};
static const struct pvt_json_type aff_t = { .type = json_type_object, .members = aff_m };
static const struct pvt_json_member poll_m[] = {
	{ "id", true, { .type = json_type_string } },
	{ "poll-max-ns", false, { .type = json_type_int } },
	{ "poll-grow", false, { .type = json_type_int } },
	{ "poll-shrink", false, { .type = json_type_int } },
	{ .name = NULL },
};
static const struct pvt_json_type poll_t = { .type = json_type_object, .members = poll_m };
static const struct pvt_json_member saved_m[] = {
	{ "pid", true, { .type = json_type_int } },
	{ "affinity", false, { .type = json_type_array, .items = &aff_t } },
	{ "poll", false, { .type = json_type_array, .items = &poll_t } },
	{ .name = NULL },
};
static const struct pvt_json_type saved_t = { .type = json_type_object, .members = saved_m };

int pvt_qemu_saved_load(const char *root, const char *path, struct pvt_qemu_saved *s,
			struct pvt_err *e)
{
	char *text = NULL;
	json_object *o, *a;
	int r;

	memset(s, 0, sizeof(*s));
	if (!pvt_exists(root, path))
		return 0;
	r = pvt_read_file(root, path, &text, e);
	if (r < 0)
		return r;
	o = json_tokener_parse(text);
	free(text);
	if (!o || pvt_json_check(o, &saved_t, "saved", e) < 0) {
		if (o)
			pvt_err_prefix(e, -EINVAL, "%s: ", path);
		else
			pvt_errf(e, "%s: not a JSON object", path);
		json_object_put(o);
		return -EINVAL;
	}
	s->pid = (pid_t)pvt_json_i64(o, "pid", -1);
	if (json_object_object_get_ex(o, "affinity", &a))
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			json_object *x = json_object_array_get_idx(a, i), *w, *c;

			json_object_object_get_ex(x, "what", &w);
			json_object_object_get_ex(x, "cpus", &c);
			s->aff = pvt_xrealloc(s->aff, (s->naff + 1) * sizeof(*s->aff));
			s->aff[s->naff++] = (struct pvt_qemu_aff){ (pid_t)pvt_json_i64(x, "tid", -1),
				pvt_xstrdup(json_object_get_string(w)),
				pvt_xstrdup(json_object_get_string(c)) };
		}
	if (json_object_object_get_ex(o, "poll", &a))
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			json_object *x = json_object_array_get_idx(a, i), *id;

			json_object_object_get_ex(x, "id", &id);
			s->poll = pvt_xrealloc(s->poll, (s->npoll + 1) * sizeof(*s->poll));
			s->poll[s->npoll++] = (struct pvt_qemu_poll){
				pvt_xstrdup(json_object_get_string(id)), pvt_json_i64(x, "poll-max-ns", -1),
				pvt_json_i64(x, "poll-grow", -1), pvt_json_i64(x, "poll-shrink", -1) };
		}
	json_object_put(o);
	return 0;
}
