/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * json.h: members of json-c objects read the same way everywhere (the
 * rollback store, the QMP replies, the saved VM originals). A missing
 * member, or a NULL object, gives the stated default.
 */
#ifndef PVT_JSON_H
#define PVT_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/* The member as an integer (json-c's conversion), or @missing. */
int64_t pvt_json_i64(json_object *o, const char *key, int64_t missing);
/* The member as a boolean (json-c's conversion), or false. */
bool pvt_json_bool(json_object *o, const char *key);
/* The member as text, whatever its type, or NULL. */
const char *pvt_json_text(json_object *o, const char *key);
/* The member if it is a string, else NULL. */
const char *pvt_json_string(json_object *o, const char *key);
/* A new JSON string, or JSON null for NULL. */
json_object *pvt_json_new_string(const char *s);

/*
 * The shape a JSON value must have before it is used (a peer's reply): its
 * type (json-c's: a null is json_type_null, never what a member needs), for
 * integers a range, for objects the members that matter, for arrays their
 * items' shape. Members not listed are not looked at.
 */
struct pvt_json_member;
struct pvt_json_type {
	enum json_type type;
	int64_t min, max;			/* json_type_int: the range, if min < max */
	const struct pvt_json_member *members;	/* json_type_object: {NULL}-ended, or NULL */
	const struct pvt_json_type *items;	/* json_type_array: each item, or NULL */
};
struct pvt_json_member {
	const char *name;
	bool required;
	struct pvt_json_type t;
};

/*
 * 0 if @o has the shape @t; else -EINVAL and "@what[3].thread-id: null where
 * an integer is expected" in @e.
 */
int pvt_json_check(json_object *o, const struct pvt_json_type *t, const char *what,
		   struct pvt_err *e);

#endif
