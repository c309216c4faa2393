/* output.c: reports as text or JSON. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "util/util.h"

void pvt_report_print(FILE *f, const struct pvt_report *rep, bool only_changes)
{
	for (size_t i = 0; i < rep->n; i++) {
		const struct pvt_result *r = &rep->r[i];
		const char *what = r->key ? r->key : r->path ? r->path : "";

		if (only_changes && r->st == PVT_ST_OK)
			continue;
		fprintf(f, "%-6s %-14s %-16s expected %-12s actual %-12s %s%s%s\n",
			r->unit ? r->unit : "-", r->device ? r->device : "-", what,
			r->expected ? r->expected : "-", r->actual ? r->actual : "-",
			pvt_status_name(r->st), r->note ? ": " : "", r->note ? r->note : "");
	}
}

static struct json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

char *pvt_report_json(const struct pvt_report *rep, bool ok, const char *message)
{
	struct json_object *root = json_object_new_object(), *items = json_object_new_array();
	char *out;

	for (size_t i = 0; i < rep->n; i++) {
		const struct pvt_result *r = &rep->r[i];
		struct json_object *x = json_object_new_object();

		json_object_object_add(x, "unit", jstr(r->unit));
		json_object_object_add(x, "device", jstr(r->device));
		json_object_object_add(x, "key", jstr(r->key));
		json_object_object_add(x, "path", jstr(r->path));
		json_object_object_add(x, "expected", jstr(r->expected));
		json_object_object_add(x, "actual", jstr(r->actual));
		json_object_object_add(x, "status", json_object_new_string(pvt_status_name(r->st)));
		json_object_object_add(x, "note", jstr(r->note));
		json_object_array_add(items, x);
	}
	json_object_object_add(root, "ok", json_object_new_boolean(ok));
	if (message)
		json_object_object_add(root, "message", json_object_new_string(message));
	json_object_object_add(root, "items", items);
	out = pvt_xstrdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return out;
}
