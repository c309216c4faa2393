/* SPDX-License-Identifier: GPL-2.0-only */
/* util.h: strings, string vectors and files resolved under a root prefix. */
#ifndef PVT_UTIL_H
#define PVT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* A growable NULL-terminated vector of owned strings. */
struct pvt_strv {
	char **v;
	size_t n;
	size_t cap;
};

void *pvt_xmalloc(size_t n);
void *pvt_xcalloc(size_t n, size_t size);
void *pvt_xrealloc(void *p, size_t n);
char *pvt_xstrdup(const char *s);
char *pvt_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Microseconds of CLOCK_MONOTONIC (for the times pvtuned logs). */
uint64_t pvt_mono_usec(void);

void pvt_strv_push(struct pvt_strv *sv, const char *s);
bool pvt_strv_contains(const struct pvt_strv *sv, const char *s);
void pvt_strv_free(struct pvt_strv *sv);
/* Split @s on any of @seps, skipping empty fields, appending to @sv. */
void pvt_strv_split(struct pvt_strv *sv, const char *s, const char *seps);

/* Trim leading and trailing white space in place; returns @s advanced. */
char *pvt_strip(char *s);
/* Parse a whole decimal integer (surrounding blanks allowed). */
bool pvt_parse_i64(const char *s, int64_t *out);
/* Collapse runs of white space to one blank (for multi-field values). */
char *pvt_words_normalize(const char *s);

/* "@root@path" (root "/" or "" means no prefix). Caller frees. */
char *pvt_rooted(const char *root, const char *path);
bool pvt_exists(const char *root, const char *path);
bool pvt_is_dir(const char *root, const char *path);
/* Read a whole file (at most 1 MiB) with trailing white space removed. */
int pvt_read_file(const char *root, const char *path, char **out, struct pvt_err *e);
/*
 * Create or replace a regular file atomically, parents made: a temporary
 * file of a unique name (mkstemp) in the same directory, written, fsync'd,
 * renamed over @path. Concurrent writers never share a temporary file.
 */
PVT_MUST_CHECK int pvt_write_atomic(const char *root, const char *path, const char *data,
		     struct pvt_err *e);
/*
 * Which file a path names, and its last change: a file replaced by a
 * rename (pvt_write_atomic) or written in place differs. An id that holds
 * its file open (@fd >= 0) stays exact: while the file is open its inode
 * cannot be freed and given to a new file, so no later file of the same
 * size and (coarse) mtime can pass for it.
 */
struct pvt_file_id {
	uint64_t dev, ino, size;
	int64_t mtime_ns;
	int fd;			/* the file held open, or -1 */
	bool valid;		/* false: unknown, never equal */
};
/* The id of @path now (valid false if it cannot be stat'ed); holds nothing open. */
struct pvt_file_id pvt_file_id_of(const char *root, const char *path);
/* The id of @path, the file held open (valid false if it cannot be opened). */
struct pvt_file_id pvt_file_id_hold(const char *root, const char *path);
/* Close what @id holds open; @id is then invalid. A no-op on an invalid id. */
void pvt_file_id_release(struct pvt_file_id *id);
bool pvt_file_id_same(const struct pvt_file_id *a, const struct pvt_file_id *b);
/*
 * pvt_write_atomic(); what *@id held is released first, and on success
 * *@id is the file written, held open.
 */
PVT_MUST_CHECK int pvt_write_atomic_id(const char *root, const char *path, const char *data,
				       struct pvt_file_id *id, struct pvt_err *e);
int pvt_mkdir_p(const char *root, const char *path, struct pvt_err *e);
/* Sorted names in a directory (no dot entries). */
int pvt_list_dir(const char *root, const char *path, struct pvt_strv *out,
		 struct pvt_err *e);

#endif
