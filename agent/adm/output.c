/* output.c: what pvtune-adm prints: reports, lists and profiles, as text or JSON. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "util/json.h"
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

char *pvt_report_json(const struct pvt_report *rep, bool ok, const char *message)
{
	struct json_object *root = json_object_new_object(), *items = json_object_new_array();
	char *out;

	for (size_t i = 0; i < rep->n; i++) {
		const struct pvt_result *r = &rep->r[i];
		struct json_object *x = json_object_new_object();

		json_object_object_add(x, "unit", pvt_json_new_string(r->unit));
		json_object_object_add(x, "device", pvt_json_new_string(r->device));
		json_object_object_add(x, "key", pvt_json_new_string(r->key));
		json_object_object_add(x, "path", pvt_json_new_string(r->path));
		json_object_object_add(x, "expected", pvt_json_new_string(r->expected));
		json_object_object_add(x, "actual", pvt_json_new_string(r->actual));
		json_object_object_add(x, "status", json_object_new_string(pvt_status_name(r->st)));
		json_object_object_add(x, "note", pvt_json_new_string(r->note));
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

static void print_json(struct json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

void adm_print_error(bool json, const char *msg)
{
	if (json) {
		struct pvt_report none = {0};
		char *j = pvt_report_json(&none, false, msg);

		printf("%s\n", j);
		free(j);
	} else {
		fprintf(stderr, "pvtune-adm: %s\n", msg);
	}
}

void adm_print_list(bool json, const struct pvt_strv *names, const struct pvt_strv *sums,
		    const char *active)
{
	if (json) {
		struct json_object *o = json_object_new_object(), *arr = json_object_new_array();

		for (size_t i = 0; i < names->n; i++) {
			struct json_object *x = json_object_new_object();

			json_object_object_add(x, "name", json_object_new_string(names->v[i]));
			json_object_object_add(x, "summary", json_object_new_string(sums->v[i]));
			json_object_array_add(arr, x);
		}
		json_object_object_add(o, "profiles", arr);
		json_object_object_add(o, "active", active ? json_object_new_string(active) : NULL);
		print_json(o);
	} else {
		printf("Available profiles:\n");
		for (size_t i = 0; i < names->n; i++)
			printf("- %-30s - %s\n", names->v[i], sums->v[i]);
		if (active)
			printf("Current active profile: %s\n", active);
		else
			printf("No current active profile.\n");
	}
}

void adm_print_name(bool json, bool recommend, const char *name)
{
	if (json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, recommend ? "recommended" : "active",
				       name ? json_object_new_string(name) : NULL);
		print_json(o);
	} else if (recommend) {
		printf("%s\n", name);
	} else if (name) {
		printf("Current active profile: %s\n", name);
	} else {
		printf("No current active profile.\n");
	}
}

int adm_print_report(bool json, int r, const struct pvt_report *rep, const char *err,
		     const char *done, bool all)
{
	const char *msg = r < 0 || (r > 0 && err[0]) ? err : NULL;

	if (json) {
		char *j = pvt_report_json(rep, r == 0, msg);

		printf("%s\n", j);
		free(j);
		return r == 0 ? 0 : 1;
	}
	pvt_report_print(stdout, rep, !all);
	if (r < 0) {
		fprintf(stderr, "pvtune-adm: %s\n", err);
		return 1;
	}
	if (r > 0) {
		size_t bad = pvt_report_count(rep, PVT_ST_MISMATCH) +
			     pvt_report_count(rep, PVT_ST_FAILED);

		printf("%s failed: %zu item(s) not as expected%s%s\n", done, bad,
		       msg ? ": " : "", msg ? msg : "");
		return 1;
	}
	printf("%s succeeded (%zu item(s), %zu not applicable)\n", done, rep->n,
	       pvt_report_count(rep, PVT_ST_NA));
	return 0;
}

void adm_print_info(bool json, const struct adm_info *info)
{
	if (json) {
		struct json_object *o = json_object_new_object(), *chain = json_object_new_array();
		struct json_object *opts = json_object_new_array();

		json_object_object_add(o, "name", json_object_new_string(info->name));
		json_object_object_add(o, "summary", json_object_new_string(info->summary));
		json_object_object_add(o, "description", json_object_new_string(info->description));
		for (size_t i = 0; i < info->chain.n; i++)
			json_object_array_add(chain, json_object_new_string(info->chain.v[i]));
		json_object_object_add(o, "chain", chain);
		for (size_t i = 0; i < info->nopt; i++) {
			struct json_object *x = json_object_new_object();

			json_object_object_add(x, "section", json_object_new_string(info->opt[i].section));
			json_object_object_add(x, "key", json_object_new_string(info->opt[i].key));
			json_object_object_add(x, "value", json_object_new_string(info->opt[i].value));
			json_object_array_add(opts, x);
		}
		json_object_object_add(o, "options", opts);
		print_json(o);
	} else {
		const char *sec = "";

		printf("Profile name: %s\nProfile summary: %s\n", info->name, info->summary);
		if (*info->description)
			printf("Profile description: %s\n", info->description);
		printf("Profile chain:");
		for (size_t i = 0; i < info->chain.n; i++)
			printf(" %s", info->chain.v[i]);
		printf("\nProfile options:\n");
		for (size_t i = 0; i < info->nopt; i++) {
			if (strcmp(sec, info->opt[i].section) != 0) {
				sec = info->opt[i].section;
				printf("[%s]\n", sec);
			}
			printf("  %s = %s\n", info->opt[i].key, info->opt[i].value);
		}
	}
}

void adm_print_text(bool json, const char *profile, const char *cmd, const char *out)
{
	if (json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "profile", json_object_new_string(profile));
		json_object_object_add(o, cmd, json_object_new_string(out));
		print_json(o);
	} else {
		fputs(out, stdout);
	}
}
