/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * manager.h: pvtuned's state, the only mutable state of the daemon, and the
 * operations on it. This is the one header the daemon's front ends share:
 * bus.c (D-Bus), udev.c (disks that appear) and host.c (VMs over QMP) call
 * the manager and never each other; main.c starts and stops them.
 *
 * A D-Bus call may have to wait for the VMs: the caller hands the manager an
 * answer function, the manager asks host mode through the vms hook that
 * host.c sets when it starts, and host.c adds each VM's items to the wait
 * (struct manager_wait); the last release answers. So bus.c does not know
 * host.c, nor host.c D-Bus.
 */
#ifndef PVT_DAEMON_MANAGER_H
#define PVT_DAEMON_MANAGER_H

#include <systemd/sd-event.h>

#include "config.h"
#include "engine/report.h"
#include "engine/store.h"
#include "ops/ops.h"
#include "util/ctx.h"

struct bus;
struct udev_watch;
struct host;

/* What an operation asks of every VM (host mode). */
enum manager_vm_op {
	MANAGER_VM_APPLY,	/* restore the originals, then apply the active profile */
	MANAGER_VM_RESTORE,	/* restore the originals */
	MANAGER_VM_VERIFY,	/* verify the active profile */
};

/* The answer to a caller: @r 0 ok, 1 items failed or mismatched (never an error). */
typedef int (*manager_answer_fn)(void *ud, int r, const struct pvt_report *rep);

/* A caller waiting for the VMs: the report grows as each is done. */
struct manager_wait {
	struct pvt_report rep;	/* the guest's items, then the VMs' */
	size_t bad;		/* VM items that fail the call */
	int guest_r;		/* the guest part's result: 0 or 1 */
	int holds;		/* VMs (and the manager) still working on it */
	manager_answer_fn fn;
	void *ud;
};

struct manager {
	struct pvt_ctx ctx;
	struct pvt_store store;
	struct daemon_config cfg;
	sd_event *event;
	/* each front end's own state, opaque to the others */
	struct bus *bus;
	struct udev_watch *udev;
	struct host *host;
	/*
	 * Host mode's hook (host.c), NULL when it is off: run @op on every VM;
	 * with @w, hold it for each VM that works on it. Returns 0 when no VM
	 * is known (@w untouched), else 1.
	 */
	int (*vms)(struct manager *m, enum manager_vm_op op, struct manager_wait *w);
};

/*
 * The rollback store, re-read from /run/pvtune/saved.json (for Verify; the
 * operations that change the system re-read it themselves, under the
 * store's lock): the file is always current (it is written before every
 * change), and `pvtune-adm --no-daemon` may have changed it meanwhile.
 */
struct pvt_store *manager_store(struct manager *m);

/*
 * At start and on SIGHUP: in auto mode the recommended profile, else the
 * active one (or the configured default), applied and logged.
 */
void manager_apply_active(struct manager *m);
/* The operations (lib/ops) on the daemon's state: 0, 1 (items failed) or -errno. */
int manager_profile(struct manager *m, const char *name, struct pvt_report *rep,
		    struct pvt_err *e);
/* tuned-adm auto_profile: the recommended profile, in auto mode; *@name is it. */
int manager_auto_profile(struct manager *m, char **name, struct pvt_report *rep,
			 struct pvt_err *e);
int manager_off(struct manager *m, struct pvt_report *rep, struct pvt_err *e);
int manager_verify(struct manager *m, struct pvt_report *rep, struct pvt_err *e);
/* A disk appeared: the active profile applied to it; @t (may be NULL): where the time went. */
int manager_disk_added(struct manager *m, const char *disk, struct pvt_report *rep,
		       struct pvt_op_times *t, struct pvt_err *e);
/* Forget a disk's saved originals (the store persisted). */
PVT_MUST_CHECK int manager_disk_removed(struct manager *m, const char *disk, struct pvt_err *e);
/* Restore every original (on exit); returns the number of failures. */
size_t manager_restore_all(struct manager *m, struct pvt_report *rep);

/*
 * Answer a caller after the guest part of an operation (@guest_r, @guest):
 * at once through @fn if no VM is known (its result is returned), else
 * once every VM has done @op, with their items after the guest's (1 is
 * returned). @fn gets @ud, which it releases.
 */
int manager_answer(struct manager *m, enum manager_vm_op op, int guest_r,
		   const struct pvt_report *guest, manager_answer_fn fn, void *ud);
/* @op on every VM, nobody waiting (a SIGHUP). */
void manager_vms(struct manager *m, enum manager_vm_op op);
void manager_wait_hold(struct manager_wait *w);
/* The last release answers: 0, or 1 with failures. */
void manager_wait_release(struct manager_wait *w);

#endif
