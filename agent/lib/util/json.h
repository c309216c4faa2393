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

#endif
