/* json.c: members of json-c objects (see json.h). */
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
