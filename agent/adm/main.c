/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * main.c: pvtune-adm, the command line, tuned-adm style: global options,
 * a command with its own options (each takes --help), a back end (pvtuned
 * over D-Bus, or --no-daemon), and the exit code (adm.h) of what happened.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "adm.h"
#include "ops/ops.h"
#include "output.h"
#include "profile/profile.h"
#include "qemu/args.h"
#include "qemu/version.h"
#include "units/check.h"

#ifndef PVT_VERSION
#define PVT_VERSION "unknown"
#endif

struct command {
	const char *name;
	const char *args;	/* for the usage line */
	int min, max;		/* positional arguments (max -1: any number) */
	bool local;		/* reads files only: no back end (--root without --no-daemon) */
	const char *help;
};

static const struct command commands[] = {
	{ "list", "", 0, 0, false,
	  "The profiles with their summaries (a profile that does not load: its error), and\n"
	  "the active one." },
	{ "active", "", 0, 0, false, "The active profile." },
	{ "profile", "[NAME...]", 0, -1, false,
	  "Switch to profile NAME; several are merged in that order, later ones winning key\n"
	  "by key (as tuned-adm). Without a name: list. Selects manual mode." },
	{ "off", "", 0, 0, false,
	  "Restore every original value; no profile is active (manual mode)." },
	{ "verify", "[-i]", 0, 0, false,
	  "Compare every item of the active profile with the system.\n"
	  "  -i, --ignore-missing  as tuned-adm's: a node that does not exist is not a\n"
	  "                        failure (never one in pvtune-adm: it is n/a)" },
	{ "recommend", "", 0, 0, false, "The profile for this machine (one that `profile` takes)." },
	{ "profile_info", "[NAME]", 0, 1, false,
	  "A profile's summary, include chain, files and merged options; without NAME, the\n"
	  "active profile's." },
	{ "profile_mode", "", 0, 0, false,
	  "manual, or auto (pvtuned applies the recommended profile when it starts)." },
	{ "auto_profile", "", 0, 0, false, "Switch to the recommended profile, in auto mode." },
	{ "check", "PROFILE|FILE", 1, 1, true,
	  "Load and plan a profile (by name, or a tuned.conf path: an argument with a '/')\n"
	  "for the devices present, applying nothing; report every error." },
	{ "qemu-args", "NAME", 1, 1, true, "QEMU arguments for a VM, from the profile's [qemu]." },
	{ "libvirt-xml", "NAME", 1, 1, true, "The libvirt domain XML equivalent." },
};

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: pvtune-adm [--json] [--no-daemon] [--root DIR] COMMAND [ARG...]\n"
		   "Commands (COMMAND --help says more):\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *c = &commands[i];
		int n = (int)strcspn(c->help, "\n");

		fprintf(f, "  %-12s %-14s %.*s\n", c->name, c->args, n, c->help);
	}
	fprintf(f, "Options:\n"
		   "  -j, --json         JSON output (one object per command)\n"
		   "  -n, --no-daemon    work in-process, without pvtuned\n"
		   "  -r, --root DIR     resolve every system path under DIR (with --no-daemon;\n"
		   "                     also $PVTUNE_ROOT)\n"
		   "  -v, --version      the version\n"
		   "  -h, --help         this text\n"
		   "Exit status: 0 ok, 1 mismatch, 2 usage, 3 not found, 4 pvtuned not running,\n"
		   "5 denied, 6 invalid profile, 7 failed (pvtune-adm(8)).\n");
}

static void command_help(const struct command *c)
{
	printf("Usage: pvtune-adm [--json] [--no-daemon] [--root DIR] %s %s\n%s\n", c->name, c->args,
	       c->help);
}

struct adm {
	const struct adm_backend *ops;
	void *h;
	struct adm_out out;
	const char *root;
	bool ignore_missing;
};

/* An error of the back end: its exit code, and the message. */
static int fail(struct adm *a, int r, const char *msg)
{
	return adm_out_end(&a->out, adm_exit_code(r), msg);
}

static int cmd_list(struct adm *a)
{
	struct pvt_strv names = {0}, sums = {0};
	struct pvt_err e;
	char *active = NULL, *mode = NULL;
	int r = a->ops->list(a->h, &names, &sums, &e);

	if (r >= 0)
		r = a->ops->active(a->h, &active, &e);
	if (r >= 0)
		r = a->ops->mode(a->h, &mode, &e);
	if (r >= 0)
		adm_out_list(&a->out, &names, &sums, active, mode);
	free(active);
	free(mode);
	pvt_strv_free(&names);
	pvt_strv_free(&sums);
	return r < 0 ? fail(a, r, e.msg) : adm_out_end(&a->out, ADM_OK, NULL);
}

static int cmd_active(struct adm *a, const char *cmd)
{
	struct pvt_err e;
	char *name = NULL, *mode = NULL;
	int r = 0;

	if (!strcmp(cmd, "active"))
		r = a->ops->active(a->h, &name, &e);
	if (r >= 0)
		r = a->ops->mode(a->h, &mode, &e);
	if (r >= 0 && !strcmp(cmd, "active")) {
		adm_out_active(&a->out, name, mode);
	} else if (r >= 0) {
		char *text = pvt_xasprintf("Profile selection mode: %s", mode);

		adm_out_value(&a->out, "mode", mode, text);
		free(text);
	}
	free(name);
	free(mode);
	return r < 0 ? fail(a, r, e.msg) : adm_out_end(&a->out, ADM_OK, NULL);
}

static int cmd_recommend(struct adm *a)
{
	struct pvt_err e;
	char *name = NULL;
	int r = a->ops->recommend(a->h, &name, &e);

	if (r < 0)
		return fail(a, r, e.msg);
	adm_out_value(&a->out, "recommended", name, name);
	free(name);
	return adm_out_end(&a->out, ADM_OK, NULL);
}

static int cmd_report(struct adm *a, const char *cmd, const char *names)
{
	struct pvt_report rep = {0};
	struct pvt_err e = {{0}};
	char *profile = NULL;
	int r, code;

	if (!strcmp(cmd, "profile")) {
		r = a->ops->profile(a->h, names, &rep, &e);
	} else if (!strcmp(cmd, "auto_profile")) {
		r = a->ops->auto_profile(a->h, &rep, &e);
	} else if (!strcmp(cmd, "off")) {
		r = a->ops->off(a->h, &rep, &e);
	} else {
		r = a->ops->verify(a->h, &rep, &e);
	}
	/* the profile it was about (auto_profile: what was picked) */
	if (r >= 0 && strcmp(cmd, "off"))
		a->ops->active(a->h, &profile, NULL);
	code = adm_out_report(&a->out, profile, r, &rep,
			      !strcmp(cmd, "off") ? "Restoring the originals" :
			      !strcmp(cmd, "verify") ? "Verification" : "Applying the profile",
			      !strcmp(cmd, "verify"));
	if (r < 0 && (!strcmp(cmd, "profile") || !strcmp(cmd, "auto_profile")) &&
	    code == ADM_INVALID) {
		char *msg = pvt_xasprintf("%s\nnothing was changed", e.msg);

		adm_out_end(&a->out, code, msg);
		free(msg);
	} else {
		adm_out_end(&a->out, code, r < 0 || e.msg[0] ? e.msg : NULL);
	}
	free(profile);
	pvt_report_free(&rep);
	return code;
}

static int cmd_info(struct adm *a, const char *name)
{
	struct adm_info info = {0};
	struct pvt_err e;
	char *active = NULL;
	int r = 0;

	if (!name) {	/* as tuned-adm: the active profile's */
		r = a->ops->active(a->h, &active, &e);
		if (r == 0 && !active)
			r = pvt_fail(&e, ENOENT, "no profile is active (No current active profile.)");
		name = active;
	}
	if (r == 0)
		r = a->ops->info(a->h, name, &info, &e);
	if (r == 0)
		adm_out_info(&a->out, &info);
	adm_info_free(&info);
	free(active);
	return r < 0 ? fail(a, r, e.msg) : adm_out_end(&a->out, ADM_OK, NULL);
}

/* check: read here, as the daemon would (no daemon needed). */
static int cmd_check(struct adm *a, const char *target)
{
	struct pvt_errs errs = {0};
	struct pvt_report notes = {0};
	struct pvt_ctx ctx;
	char *name = NULL;
	bool file = strchr(target, '/') != NULL;
	int n, code;

	pvt_ctx_init(&ctx, a->root);
	n = pvt_op_check(&ctx, target, file, &name, &errs, &notes);
	adm_out_check(&a->out, name, &errs, &notes);
	code = n ? adm_exit_code(errs.code[0]) : ADM_OK;
	/* with text, the errors are on stdout already */
	code = adm_out_end(&a->out, code, n && a->out.json ? errs.msg[0] : NULL);
	pvt_errs_free(&errs);
	pvt_report_free(&notes);
	free(name);
	pvt_ctx_free(&ctx);
	return code;
}

/* libvirt-xml: $PVTUNE_LIBVIRT_VERSION, else virsh/libvirtd --version, else unknown (0). */
static int libvirt_version(struct pvt_libvirt_ver *lv, struct pvt_err *e)
{
	const char *v = getenv("PVTUNE_LIBVIRT_VERSION");

	if (v && *v) {
		lv->version = pvt_version_parse(v);
		lv->source = "PVTUNE_LIBVIRT_VERSION";
		if (!lv->version)
			return pvt_errf(e, "PVTUNE_LIBVIRT_VERSION=%s: not a version (e.g. 9.0.0)", v);
		return 0;
	}
	lv->version = pvt_libvirt_local_version(&lv->source);
	return 0;
}

/* qemu-args, libvirt-xml: read the profile here (no daemon needed). */
static int cmd_qemu(struct adm *a, const char *cmd, const char *name)
{
	struct pvt_ctx ctx;
	struct pvt_profile p;
	struct pvt_qemu_cfg c;
	struct pvt_libvirt_ver lv;
	struct pvt_err e;
	char *online = NULL, *out = NULL;
	int r;

	pvt_ctx_init(&ctx, a->root);
	r = pvt_profile_load(&ctx, name, &p, &e);
	if (r < 0) {
		pvt_ctx_free(&ctx);
		return fail(a, r, e.msg);
	}
	if (!pvt_profile_section(&p, "qemu"))
		r = pvt_errf(&e, "profile %s has no [qemu] section (try pvblk-host)", name);
	else
		r = pvt_qemu_cfg_parse(pvt_profile_section(&p, "qemu"), &c, &e);
	if (r == 0 && strcmp(cmd, "qemu-args"))
		r = libvirt_version(&lv, &e);
	if (r == 0) {
		pvt_read_file(ctx.root, "/sys/devices/system/cpu/online", &online, NULL);
		if (!strcmp(cmd, "qemu-args")) {
			const char *v = getenv("PVTUNE_QEMU_VERSION");	/* "9.0": for tests */
			int ma, mi, ver = v && sscanf(v, "%d.%d", &ma, &mi) == 2 ?
					  ma * 10000 + mi * 100 : pvt_qemu_local_version();

			out = pvt_qemu_args(p.name, &c, ver, online);
		} else {
			out = pvt_libvirt_xml(p.name, &c, &lv, online);
		}
		adm_out_text(&a->out, p.name, cmd, out);
	}
	free(out);
	free(online);
	pvt_profile_free(&p);
	pvt_ctx_free(&ctx);
	return r < 0 ? fail(a, r, e.msg) : adm_out_end(&a->out, ADM_OK, NULL);
}

/* A usage error: in the command's JSON shape with --json. */
static int usage_error(bool json, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int usage_error(bool json, const char *cmd, const char *fmt, ...)
{
	struct adm_out out;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	adm_out_begin(&out, json, cmd);
	if (!json) {
		fprintf(stderr, "pvtune-adm: %s\n", msg);
		if (cmd && find(cmd))
			fprintf(stderr, "Usage: pvtune-adm %s %s (pvtune-adm %s --help)\n", cmd,
				find(cmd)->args, cmd);
		else
			usage(stderr);
		return ADM_USAGE;
	}
	return adm_out_end(&out, ADM_USAGE, msg);
}

static int version(bool json)
{
	struct adm_out out;

	adm_out_begin(&out, json, "version");
	adm_out_value(&out, "version", PVT_VERSION, "pvtune-adm " PVT_VERSION);
	return adm_out_end(&out, ADM_OK, NULL);
}

/* Join argv[from..argc) with blanks (several profile names). */
static char *join(int argc, char **argv, int from)
{
	char *s = pvt_xstrdup("");

	for (int i = from; i < argc; i++) {
		char *n = pvt_xasprintf("%s%s%s", s, *s ? " " : "", argv[i]);

		free(s);
		s = n;
	}
	return s;
}

static int run(struct adm *a, const struct command *c, const char *arg, bool local)
{
	struct pvt_err e;
	int r = 0, ret;

	if (!strcmp(c->name, "check"))
		return cmd_check(a, arg);
	if (!strcmp(c->name, "qemu-args") || !strcmp(c->name, "libvirt-xml"))
		return cmd_qemu(a, c->name, arg);
	a->h = local ? adm_local_open(a->root, &a->ops, &r, &e) : adm_bus_open(&a->ops, &r, &e);
	if (!a->h)
		return fail(a, r, e.msg);
	if (!strcmp(c->name, "list") || (!strcmp(c->name, "profile") && !arg))
		ret = cmd_list(a);
	else if (!strcmp(c->name, "active") || !strcmp(c->name, "profile_mode"))
		ret = cmd_active(a, c->name);
	else if (!strcmp(c->name, "recommend"))
		ret = cmd_recommend(a);
	else if (!strcmp(c->name, "profile_info"))
		ret = cmd_info(a, arg);
	else
		ret = cmd_report(a, c->name, arg);
	a->ops->close(a->h);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "no-daemon", no_argument, NULL, 'n' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ "ignore-missing", no_argument, NULL, 'i' },
		{ 0 }
	};
	struct adm a = {0};
	const struct command *c;
	const char *root = NULL, *cmd;
	bool local = false, json = false, help = false, ign = false;
	char *arg = NULL;
	struct pvt_err e;
	struct stat st;
	int opt, ret, first;

	/* the global options, up to the command */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+jnr:hv", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j': json = true; break;
		case 'n': local = true; break;
		case 'r': root = optarg; break;
		case 'h': usage(stdout); return ADM_OK;
		case 'v': return version(json);
		default:
			return usage_error(json, NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error(json, NULL, "no command");
	cmd = argv[optind];
	c = find(cmd);
	if (!c)
		return usage_error(json, NULL, "unknown command '%s'", cmd);
	/* the command's own options, and the global ones again, anywhere after it */
	first = optind;
	optind = 0;	/* glibc: a new argument vector */
	while ((opt = getopt_long(argc - first, argv + first, "jnr:hi", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j': json = true; break;
		case 'n': local = true; break;
		case 'r': root = optarg; break;
		case 'h': help = true; break;
		case 'i':
			if (strcmp(cmd, "verify"))
				return usage_error(json, cmd, "'%s' takes no -i/--ignore-missing (verify does)", cmd);
			ign = true;
			break;
		default:
			return usage_error(json, cmd, "unknown option '%s' for %s",
					   argv[first + optind - 1], cmd);
		}
	}
	if (help) {
		command_help(c);
		return ADM_OK;
	}
	optind += first;
	if (argc - optind < c->min || (c->max >= 0 && argc - optind > c->max))
		return usage_error(json, cmd, "'%s' takes %s", cmd,
				   c->max == 0 ? "no argument" : c->min == 1 ? "one argument" :
				   c->max == 1 ? "at most one profile name" : "profile names");
	if (argc > optind)
		arg = join(argc, argv, optind);
	if (arg && strcmp(cmd, "check") && pvt_names_check(arg, &e) < 0) {
		ret = usage_error(json, cmd, "%s", e.msg);
		free(arg);
		return ret;
	}
	if (!strcmp(cmd, "check") && arg && !strchr(arg, '/') && pvt_names_check(arg, &e) < 0) {
		ret = usage_error(json, cmd, "%s (a file needs a '/': ./tuned.conf)", e.msg);
		free(arg);
		return ret;
	}
	if (!root)
		root = getenv("PVTUNE_ROOT") && *getenv("PVTUNE_ROOT") ? getenv("PVTUNE_ROOT") : NULL;
	if (root && (stat(root, &st) < 0 || !S_ISDIR(st.st_mode))) {
		ret = usage_error(json, cmd, "--root %s: not a directory", root);
		free(arg);
		return ret;
	}
	if (root && !local && !c->local) {
		ret = usage_error(json, cmd, "--root needs --no-daemon (pvtuned has its own --root)");
		free(arg);
		return ret;
	}
	a.root = root;
	a.ignore_missing = ign;
	adm_out_begin(&a.out, json, !strcmp(cmd, "profile") && !arg ? "list" : cmd);
	ret = run(&a, c, arg, local);
	free(arg);
	return ret;
}
