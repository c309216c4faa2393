/* SPDX-License-Identifier: GPL-2.0-only */
/* json.c: members of json-c objects (see json.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util/json.h"

int64_t pvt_json_i64(json_object *o, const char *key, int64_t missing)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : missing;
}

bool pvt_json_bool(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

const char *pvt_json_text(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

const char *pvt_json_string(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

json_object *pvt_json_new_string(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static const char *type_name(enum json_type t)
{
	switch (t) {
	case json_type_null: return "null";
	case json_type_boolean: return "a boolean";
	case json_type_double: return "a number";
	case json_type_int: return "an integer";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	}
	return "?";
}

static int check(json_object *o, const struct pvt_json_type *t, char *path, size_t len,
		 size_t cap, struct pvt_err *e)
{
	enum json_type got = json_object_get_type(o);

	if (got != t->type)
		return pvt_errf(e, "%s: %s where %s is expected", path, type_name(got),
				type_name(t->type));
	if (t->type == json_type_int && t->min < t->max) {
		int64_t v = json_object_get_int64(o);

		if (v < t->min || v > t->max)
			return pvt_errf(e, "%s: %" PRId64 " out of range %" PRId64 "-%" PRId64, path,
					v, t->min, t->max);
	}
	if (t->type == json_type_object && t->members)
		for (const struct pvt_json_member *m = t->members; m->name; m++) {
			json_object *v;
			int r;

			if (!json_object_object_get_ex(o, m->name, &v)) {
				if (m->required)
					return pvt_errf(e, "%s: no member '%s'", path, m->name);
				continue;
			}
			snprintf(path + len, cap - len, ".%s", m->name);
			r = check(v, &m->t, path, strlen(path), cap, e);
			path[len] = 0;
			if (r < 0)
				return r;
		}
	if (t->type == json_type_array && t->items)
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			int r;

			snprintf(path + len, cap - len, "[%zu]", i);
			r = check(json_object_array_get_idx(o, i), t->items, path, strlen(path), cap, e);
			path[len] = 0;
			if (r < 0)
				return r;
		}
	return 0;
}

int pvt_json_check(json_object *o, const struct pvt_json_type *t, const char *what,
		   struct pvt_err *e)
{
	char path[256];

	snprintf(path, sizeof(path), "%s", what);
	return check(o, t, path, strlen(path), sizeof(path), e);
}
