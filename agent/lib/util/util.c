/* SPDX-License-Identifier: GPL-2.0-only */
/* util.c: strings, string vectors and files resolved under a root prefix. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

void *pvt_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		abort();
	return p;
}

void *pvt_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		abort();
	return p;
}

void *pvt_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

char *pvt_xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		abort();
	return d;
}

char *pvt_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	return s;
}

void pvt_strv_push(struct pvt_strv *sv, const char *s)
{
	if (sv->n + 2 > sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 8;
		sv->v = pvt_xrealloc(sv->v, sv->cap * sizeof(*sv->v));
	}
	sv->v[sv->n++] = pvt_xstrdup(s);
	sv->v[sv->n] = NULL;
}

bool pvt_strv_contains(const struct pvt_strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

void pvt_strv_free(struct pvt_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

void pvt_strv_split(struct pvt_strv *sv, const char *s, const char *seps)
{
	char *copy = pvt_xstrdup(s), *save = NULL;

	for (char *t = strtok_r(copy, seps, &save); t; t = strtok_r(NULL, seps, &save))
		pvt_strv_push(sv, t);
	free(copy);
}

char *pvt_strip(char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

bool pvt_parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s)
		return false;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return false;
	*out = v;
	return true;
}

char *pvt_words_normalize(const char *s)
{
	char *out = pvt_xmalloc(strlen(s) + 1), *o = out;
	bool blank = false;

	while (isspace((unsigned char)*s))
		s++;
	for (; *s; s++) {
		if (isspace((unsigned char)*s)) {
			blank = true;
			continue;
		}
		if (blank && o != out)
			*o++ = ' ';
		blank = false;
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

char *pvt_rooted(const char *root, const char *path)
{
	size_t rl;

	if (!root || !*root || strcmp(root, "/") == 0)
		return pvt_xstrdup(path);
	rl = strlen(root);
	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	return pvt_xasprintf("%.*s%s%s", (int)rl, root, path[0] == '/' ? "" : "/", path);
}

bool pvt_exists(const char *root, const char *path)
{
	char *p = pvt_rooted(root, path);
	bool r = access(p, F_OK) == 0;

	free(p);
	return r;
}

bool pvt_is_dir(const char *root, const char *path)
{
	char *p = pvt_rooted(root, path);
	struct stat st;
	bool r = stat(p, &st) == 0 && S_ISDIR(st.st_mode);

	free(p);
	return r;
}

int pvt_read_file(const char *root, const char *path, char **out, struct pvt_err *e)
{
	char *p = pvt_rooted(root, path);
	size_t cap = 4096, len = 0;
	char *buf;
	int ret, fd = open(p, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		ret = pvt_fail(e, errno, "cannot read %s: %s", path, strerror(errno));
		free(p);
		return ret;
	}
	buf = pvt_xmalloc(cap);
	for (;;) {
		ssize_t r;

		if (len + 1 >= cap) {
			if (cap >= (1u << 20)) {
				ret = pvt_fail(e, EFBIG, "%s: file too large", path);
				goto fail;
			}
			cap *= 2;
			buf = pvt_xrealloc(buf, cap);
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = pvt_fail(e, errno, "cannot read %s: %s", path, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	while (len > 0 && isspace((unsigned char)buf[len - 1]))
		buf[--len] = '\0';
	close(fd);
	free(p);
	*out = buf;
	return 0;
fail:
	close(fd);
	free(buf);
	free(p);
	return ret;
}

int pvt_mkdir_p(const char *root, const char *path, struct pvt_err *e)
{
	char *p = pvt_rooted(root, path);

	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST) {
				int r = pvt_fail(e, errno, "cannot create directory %s: %s", p,
						 strerror(errno));

				free(p);
				return r;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return 0;
}

static struct pvt_file_id file_id(const struct stat *st, int fd)
{
	return (struct pvt_file_id){
		.dev = (uint64_t)st->st_dev, .ino = (uint64_t)st->st_ino,
		.size = (uint64_t)st->st_size,
		.mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec,
		.fd = fd, .valid = true,
	};
}

struct pvt_file_id pvt_file_id_of(const char *root, const char *path)
{
	char *p = pvt_rooted(root, path);
	struct pvt_file_id id = { .fd = -1, .valid = false };
	struct stat st;

	if (stat(p, &st) == 0)
		id = file_id(&st, -1);
	free(p);
	return id;
}

struct pvt_file_id pvt_file_id_hold(const char *root, const char *path)
{
	char *p = pvt_rooted(root, path);
	struct pvt_file_id id = { .fd = -1, .valid = false };
	struct stat st;
	int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	free(p);
	if (fd < 0)
		return id;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return id;
	}
	return file_id(&st, fd);
}

void pvt_file_id_release(struct pvt_file_id *id)
{
	if (id->valid && id->fd >= 0)
		close(id->fd);
	id->fd = -1;
	id->valid = false;
}

bool pvt_file_id_same(const struct pvt_file_id *a, const struct pvt_file_id *b)
{
	return a->valid && b->valid && a->dev == b->dev && a->ino == b->ino &&
	       a->size == b->size && a->mtime_ns == b->mtime_ns;
}

int pvt_write_atomic(const char *root, const char *path, const char *data,
		     struct pvt_err *e)
{
	struct pvt_file_id id = { .fd = -1, .valid = false };
	int ret = pvt_write_atomic_id(root, path, data, &id, e);

	pvt_file_id_release(&id);
	return ret;
}

int pvt_write_atomic_id(const char *root, const char *path, const char *data,
			struct pvt_file_id *id, struct pvt_err *e)
{
	struct stat st;

	char *dir = pvt_xstrdup(path), *slash = strrchr(dir, '/');
	char *p, *tmp;
	size_t len = strlen(data);
	int fd, ret;

	pvt_file_id_release(id);
	if (slash && slash != dir) {
		*slash = '\0';
		ret = pvt_mkdir_p(root, dir, e);
		if (ret < 0) {
			free(dir);
			return ret;
		}
	}
	free(dir);
	p = pvt_rooted(root, path);
	/* a name of its own, in the same directory (rename stays atomic) */
	tmp = pvt_xasprintf("%s.XXXXXX", p);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = pvt_fail(e, errno, "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	errno = 0;
	if (fchmod(fd, 0644) < 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) < 0 ||
	    fstat(fd, &st) < 0) {
		ret = pvt_fail(e, errno ? errno : EIO, "cannot write %s: %s", tmp,
			       strerror(errno ? errno : EIO));
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, p) < 0) {
		ret = pvt_fail(e, errno, "cannot rename %s to %s: %s", tmp, p, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	*id = file_id(&st, fd);	/* a rename keeps the inode and its mtime; held open */
	ret = 0;
out:
	free(tmp);
	free(p);
	return ret;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int pvt_list_dir(const char *root, const char *path, struct pvt_strv *out,
		 struct pvt_err *e)
{
	char *p = pvt_rooted(root, path);
	DIR *d = opendir(p);
	struct dirent *de;
	size_t first = out->n;

	if (!d) {
		int r = pvt_fail(e, errno, "cannot list %s: %s", path, strerror(errno));

		free(p);
		return r;
	}
	free(p);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			pvt_strv_push(out, de->d_name);
	closedir(d);
	if (out->n > first)
		qsort(out->v + first, out->n - first, sizeof(char *), cmp_str);
	return 0;
}

uint64_t pvt_mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
