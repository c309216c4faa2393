/* SPDX-License-Identifier: GPL-2.0-only */
/* test_store.c: the rollback store: persisted, reloaded, refused when corrupt. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/store.h"
#include "fake.h"
#include "util/tunable.h"
#include "util/util.h"

static int setup(void **state)
{
	struct fake_env *t = fake_env_new();

	assert_int_equal(pvt_store_load(&t->ctx, &t->store, &t->e), 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	fake_env_free(*state);
	return 0;
}

static void test_persist_reload(void **state)
{
	struct fake_env *t = *state;
	struct pvt_store again;

	assert_int_equal(pvt_store_remember(&t->ctx, &t->store, "/proc/sys/vm/swappiness", "60",
					    "vm", NULL, &t->e), 0);
	assert_int_equal(pvt_store_remember(&t->ctx, &t->store, "/sys/block/vda/queue/nr_requests",
					    "256", "disk", "vda", &t->e), 0);
	/* the first original wins */
	assert_int_equal(pvt_store_remember(&t->ctx, &t->store, "/proc/sys/vm/swappiness", "10",
					    "vm", NULL, &t->e), 0);
	assert_int_equal(t->store.n, 2);
	assert_true(pvt_exists(t->root, "/run/pvtune/saved.json"));
	assert_int_equal(pvt_store_load(&t->ctx, &again, &t->e), 0);
	assert_int_equal(again.n, 2);
	assert_string_equal(again.e[0].path, "/proc/sys/vm/swappiness");
	assert_string_equal(again.e[0].value, "60");
	assert_null(again.e[0].device);
	assert_string_equal(again.e[1].device, "vda");
	assert_string_equal(again.e[1].unit, "disk");
	pvt_store_free(&again);
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* The store's file is held open (its inode cannot pass to a new file), and let go. */
static void test_store_file_held(void **state)
{
	struct fake_env *t = *state;
	struct pvt_store a = {0}, b;
	char *path = pvt_rooted(t->ctx.root, PVT_STORE_FILE);
	struct stat held, now;
	int fds = open_fds();

	pvt_store_add(&a, "/proc/sys/vm/swappiness", "60", "sysctl", NULL);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(pvt_store_persist(&t->ctx, &a, &t->e), 0);
		assert_true(a.file.fd >= 0);
		assert_int_equal(fstat(a.file.fd, &held), 0);
		assert_int_equal(stat(path, &now), 0);
		assert_true(held.st_ino == now.st_ino && held.st_dev == now.st_dev);
		assert_int_equal(pvt_store_load(&t->ctx, &b, &t->e), 0);
		assert_true(b.file.fd >= 0);
		assert_int_equal(fstat(b.file.fd, &held), 0);
		assert_true(held.st_ino == now.st_ino);
		pvt_store_free(&b);
		assert_int_equal(b.file.fd, -1);
	}
	/* one descriptor held, by @a: none left behind by 20 persists and loads */
	assert_int_equal(open_fds(), fds + 1);
	pvt_store_free(&a);
	assert_int_equal(open_fds(), fds);
	free(path);
}

/* Current while the file is the one a store was loaded from or persisted to. */
static void test_store_current(void **state)
{
	struct fake_env *t = *state;
	struct pvt_store a = {0}, b;

	/* no file: never current (read it: it may appear) */
	assert_false(pvt_store_current(&t->ctx, &a));
	pvt_store_add(&a, "/proc/sys/vm/swappiness", "60", "sysctl", NULL);
	assert_int_equal(pvt_store_persist(&t->ctx, &a, &t->e), 0);
	assert_true(pvt_store_current(&t->ctx, &a));
	/* another writer replaces the file */
	assert_int_equal(pvt_store_load(&t->ctx, &b, &t->e), 0);
	assert_true(pvt_store_current(&t->ctx, &b));
	pvt_store_add(&b, "/proc/sys/vm/dirty_ratio", "20", "sysctl", NULL);
	assert_int_equal(pvt_store_persist(&t->ctx, &b, &t->e), 0);
	assert_false(pvt_store_current(&t->ctx, &a));
	assert_true(pvt_store_current(&t->ctx, &b));
	/* read again: current, with both entries */
	pvt_store_free(&a);
	assert_int_equal(pvt_store_load(&t->ctx, &a, &t->e), 0);
	assert_true(pvt_store_current(&t->ctx, &a));
	assert_int_equal(a.n, 2);
	/* a freed store is never current */
	pvt_store_free(&a);
	assert_false(pvt_store_current(&t->ctx, &a));
	pvt_store_free(&b);
}

/* A corrupt store is moved aside with a warning naming both files; loading goes on, empty. */
static void test_corrupt_store(void **state)
{
	static const char *const bad[][2] = {
		{ "{ not json", "not a pvtune rollback store" },
		{ "[1, 2]", "not a pvtune rollback store" },
		{ "{\"saved\": {}}", "not a pvtune rollback store" },
		{ "{\"saved\":[{\"path\":\"/x\"}]}", "entry 0 lacks path, value or unit" },
		{ "{\"saved\":[null]}", "entry 0 lacks path, value or unit" },
		{ "{\"saved\":[{\"path\":\"/sys/a\",\"value\":\"1\",\"unit\":\"disk\",\"device\":3}]}",
		  "entry 0 lacks path, value or unit" },
		{ "{\"saved\":[{\"path\":\"/etc/shadow\",\"value\":\"x\",\"unit\":\"disk\"}]}",
		  "entry 0: '/etc/shadow' is no kernel tunable" },
		{ "{\"saved\":[{\"path\":\"/sys/../etc/passwd\",\"value\":\"x\",\"unit\":\"disk\"}]}",
		  "entry 0: '/sys/../etc/passwd' is no kernel tunable" },
	};
	struct fake_env *t = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pvt_store s;
		char *aside;

		fake_write(t->root, "/run/pvtune/saved.json", bad[i][0]);
		assert_int_equal(pvt_store_load(&t->ctx, &s, &t->e), 1);
		if (!strstr(t->e.msg, bad[i][1]) ||
		    !strstr(t->e.msg, "/run/pvtune/saved.json: ") ||
		    !strstr(t->e.msg, "moved aside to /run/pvtune/saved.json.corrupt"))
			fail_msg("case %zu: %s", i, t->e.msg);
		assert_int_equal(s.n, 0);
		assert_null(fake_read(t->root, "/run/pvtune/saved.json"));
		aside = fake_read(t->root, "/run/pvtune/saved.json.corrupt");
		assert_non_null(aside);
		assert_string_equal(aside, bad[i][0]);
		free(aside);
		/* and the next load finds no store */
		assert_int_equal(pvt_store_load(&t->ctx, &s, &t->e), 0);
	}
}

/* Tunables only: under /sys, /proc/sys, /proc/irq, and no link leads out. */
static void test_tunable_paths(void **state)
{
	struct fake_env *t = *state;
	char *link, *target;

	assert_true(pvt_tunable_path_ok("/sys/block/vda/queue/scheduler"));
	assert_true(pvt_tunable_path_ok("/proc/sys/vm/swappiness"));
	assert_true(pvt_tunable_path_ok("/proc/irq/24/smp_affinity_list"));
	assert_false(pvt_tunable_path_ok("/etc/passwd"));
	assert_false(pvt_tunable_path_ok("/sys"));
	assert_false(pvt_tunable_path_ok("/sys/"));
	assert_false(pvt_tunable_path_ok("/proc/self/attr/current"));
	assert_false(pvt_tunable_path_ok("/sys/block/../../etc/passwd"));
	assert_false(pvt_tunable_path_ok("/sys/block/./x"));
	assert_false(pvt_tunable_path_ok("/sys//block"));
	assert_false(pvt_tunable_path_ok("/sys/block/vda/"));
	assert_false(pvt_tunable_path_ok("sys/block/vda"));

	assert_int_equal(pvt_write_tunable(t->root, "/etc/passwd", "x", &t->e), -EPERM);
	assert_non_null(strstr(t->e.msg, "/etc/passwd: not a kernel tunable"));

	/* a link within the tree is followed (sysfs' /sys/block/NAME) */
	fake_write(t->root, "/sys/devices/vda/queue/nr_requests", "128");
	fake_mkdir(t->root, "/sys/block");
	link = pvt_rooted(t->root, "/sys/block/vda");
	assert_int_equal(symlink("../devices/vda", link), 0);
	free(link);
	assert_int_equal(pvt_write_tunable(t->root, "/sys/block/vda/queue/nr_requests", "64", &t->e), 0);
	assert_file(t->root, "/sys/devices/vda/queue/nr_requests", "64");

	/* one leading out of it is not, nor is a link as the file itself */
	fake_write(t->root, "/etc/victim", "original");
	link = pvt_rooted(t->root, "/sys/block/evil");
	target = pvt_rooted(t->root, "/etc");
	assert_int_equal(symlink(target, link), 0);
	free(link);
	assert_true(pvt_write_tunable(t->root, "/sys/block/evil/victim", "pwned", &t->e) < 0);
	link = pvt_rooted(t->root, "/sys/block/rel");
	assert_int_equal(symlink("../../etc", link), 0);
	free(link);
	assert_true(pvt_write_tunable(t->root, "/sys/block/rel/victim", "pwned", &t->e) < 0);
	link = pvt_rooted(t->root, "/proc/sys/vm/evil");
	free(target);
	target = pvt_rooted(t->root, "/etc/victim");
	assert_int_equal(symlink(target, link), 0);
	free(link);
	free(target);
	assert_true(pvt_write_tunable(t->root, "/proc/sys/vm/evil", "pwned", &t->e) < 0);
	assert_file(t->root, "/etc/victim", "original");
}

/* The lock is exclusive: a second holder waits (seen with LOCK_NB from another fd). */
static void test_lock(void **state)
{
	struct fake_env *t = *state;
	int fd = pvt_store_lock(&t->ctx, &t->e), fd2;
	char *p;

	assert_true(fd >= 0);
	p = pvt_rooted(t->root, PVT_STORE_LOCK);
	fd2 = open(p, O_RDWR);
	free(p);
	assert_true(fd2 >= 0);
	assert_int_equal(flock(fd2, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	pvt_store_unlock(fd);
	assert_int_equal(flock(fd2, LOCK_EX | LOCK_NB), 0);
	close(fd2);
}

/* Temporary files are unique: none is left behind, and none is named .tmp. */
static void test_atomic_unique(void **state)
{
	struct fake_env *t = *state;
	struct pvt_strv names = {0};

	fake_mkdir(t->root, "/run/pvtune");
	fake_write(t->root, "/run/pvtune/saved.json.tmp", "someone else's");
	assert_int_equal(pvt_store_persist(&t->ctx, &t->store, &t->e), 0);
	assert_file(t->root, "/run/pvtune/saved.json.tmp", "someone else's");
	assert_int_equal(pvt_list_dir(t->root, "/run/pvtune", &names, NULL), 0);
	assert_int_equal(names.n, 2);	/* saved.json and the stranger's file */
	pvt_strv_free(&names);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_persist_reload), T(test_corrupt_store), T(test_tunable_paths), T(test_lock),
		T(test_atomic_unique), T(test_store_current), T(test_store_file_held),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
