/* main.c: pvtune-adm, the command line, tuned-adm style: options, commands, a back end. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adm.h"
#include "output.h"
#include "profile/profile.h"
#include "qemu/args.h"
#include "qemu/version.h"
#include "units/check.h"

#define EXIT_USAGE 2

struct adm {
	const struct adm_backend *ops;
	void *h;
	bool json;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pvtune-adm [--json] [--no-daemon] [--root DIR] COMMAND\n"
		"Commands:\n"
		"  list               profiles and their summaries, and the active one\n"
		"  active             the active profile\n"
		"  profile NAME       switch to profile NAME\n"
		"  off                restore every original value, no active profile\n"
		"  verify             compare every item of the active profile with the system\n"
		"  recommend          the profile for this machine\n"
		"  profile_info NAME  a profile's summary, include chain and options\n"
		"  qemu-args NAME     QEMU arguments for a VM, from the profile's [qemu]\n"
		"  libvirt-xml NAME   the libvirt domain XML equivalent\n"
		"Options:\n"
		"  -j, --json         JSON output\n"
		"  -n, --no-daemon    work in-process, without pvtuned\n"
		"  -r, --root DIR     resolve every system path under DIR (with --no-daemon;\n"
		"                     also $PVTUNE_ROOT)\n"
		"  -h, --help         this text\n"
		"Exit status: 0 success, 1 failure or verify mismatch, 2 usage error.\n");
}

static int fail(const struct adm *a, const char *msg)
{
	adm_print_error(a->json, msg);
	return 1;
}

static int cmd_list(struct adm *a)
{
	struct pvt_strv names = {0}, sums = {0};
	struct pvt_err e;
	char *active = NULL;

	if (a->ops->list(a->h, &names, &sums, &e) < 0 || a->ops->active(a->h, &active, &e) < 0) {
		pvt_strv_free(&names);
		pvt_strv_free(&sums);
		return fail(a, e.msg);
	}
	adm_print_list(a->json, &names, &sums, active);
	free(active);
	pvt_strv_free(&names);
	pvt_strv_free(&sums);
	return 0;
}

static int cmd_name(struct adm *a, bool recommend)
{
	struct pvt_err e;
	char *name = NULL;
	int r = recommend ? a->ops->recommend(a->h, &name, &e) : a->ops->active(a->h, &name, &e);

	if (r < 0)
		return fail(a, e.msg);
	adm_print_name(a->json, recommend, name);
	free(name);
	return 0;
}

static int cmd_report(struct adm *a, const char *cmd, const char *arg)
{
	struct pvt_report rep = {0};
	struct pvt_err e = {{0}};
	int r, ret;

	if (strcmp(cmd, "profile") == 0)
		r = a->ops->profile(a->h, arg, &rep, &e);
	else if (strcmp(cmd, "off") == 0)
		r = a->ops->off(a->h, &rep, &e);
	else
		r = a->ops->verify(a->h, &rep, &e);
	ret = adm_print_report(a->json, r, &rep, e.msg,
			   strcmp(cmd, "profile") == 0 ? "Applying the profile" :
			   strcmp(cmd, "off") == 0 ? "Restoring the originals" : "Verification",
			   strcmp(cmd, "verify") == 0);
	pvt_report_free(&rep);
	return ret;
}

static int cmd_info(struct adm *a, const char *name)
{
	struct adm_info info = {0};
	struct pvt_err e;

	if (a->ops->info(a->h, name, &info, &e) < 0)
		return fail(a, e.msg);
	adm_print_info(a->json, &info);
	adm_info_free(&info);
	return 0;
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
static int cmd_qemu(const struct adm *a, const char *cmd, const char *root, const char *name)
{
	struct pvt_ctx ctx;
	struct pvt_profile p;
	struct pvt_qemu_cfg c;
	struct pvt_err e;
	char *online = NULL, *out;

	pvt_ctx_init(&ctx, root);
	if (pvt_profile_load(&ctx, name, &p, &e) < 0) {
		pvt_ctx_free(&ctx);
		return fail(a, e.msg);
	}
	if (!pvt_profile_section(&p, "qemu")) {
		pvt_errf(&e, "profile %s has no [qemu] section (try pvblk-host)", name);
		pvt_profile_free(&p);
		pvt_ctx_free(&ctx);
		return fail(a, e.msg);
	}
	if (pvt_qemu_cfg_parse(pvt_profile_section(&p, "qemu"), &c, &e) < 0) {
		pvt_profile_free(&p);
		pvt_ctx_free(&ctx);
		return fail(a, e.msg);
	}
	pvt_read_file(ctx.root, "/sys/devices/system/cpu/online", &online, NULL);
	if (!strcmp(cmd, "qemu-args")) {
		const char *v = getenv("PVTUNE_QEMU_VERSION");	/* "9.0": for tests */
		int ma, mi, ver = v && sscanf(v, "%d.%d", &ma, &mi) == 2 ? ma * 10000 + mi * 100 :
				  pvt_qemu_local_version();

		out = pvt_qemu_args(p.name, &c, ver, online);
	} else {
		struct pvt_libvirt_ver lv;

		if (libvirt_version(&lv, &e) < 0) {
			free(online);
			pvt_profile_free(&p);
			pvt_ctx_free(&ctx);
			return fail(a, e.msg);
		}
		out = pvt_libvirt_xml(p.name, &c, &lv, online);
	}
	adm_print_text(a->json, p.name, cmd, out);
	free(out);
	free(online);
	pvt_profile_free(&p);
	pvt_ctx_free(&ctx);
	return 0;
}

static int nargs(const char *cmd)
{
	if (!strcmp(cmd, "profile") || !strcmp(cmd, "profile_info") ||
	    !strcmp(cmd, "qemu-args") || !strcmp(cmd, "libvirt-xml"))
		return 1;
	if (!strcmp(cmd, "list") || !strcmp(cmd, "active") || !strcmp(cmd, "off") ||
	    !strcmp(cmd, "verify") || !strcmp(cmd, "recommend"))
		return 0;
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "no-daemon", no_argument, NULL, 'n' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct adm a = {0};
	const char *root = NULL, *cmd, *arg = NULL;
	bool local = false;
	struct pvt_err e;
	int c, ret;

	while ((c = getopt_long(argc, argv, "jnr:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': a.json = true; break;
		case 'n': local = true; break;
		case 'r': root = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	if (nargs(cmd) < 0) {
		fprintf(stderr, "pvtune-adm: unknown command '%s'\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (argc - optind - 1 != nargs(cmd)) {
		fprintf(stderr, "pvtune-adm: '%s' takes %s\n", cmd,
			nargs(cmd) ? "one profile name" : "no argument");
		return EXIT_USAGE;
	}
	if (nargs(cmd))
		arg = argv[optind + 1];
	if (arg && pvt_profile_name_check(arg, &e) < 0) {
		fprintf(stderr, "pvtune-adm: %s\n", e.msg);
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "qemu-args") || !strcmp(cmd, "libvirt-xml"))
		return cmd_qemu(&a, cmd, root, arg);
	if ((root || getenv("PVTUNE_ROOT")) && !local) {
		fprintf(stderr, "pvtune-adm: --root needs --no-daemon (pvtuned has its own --root)\n");
		return EXIT_USAGE;
	}
	a.h = local ? adm_local_open(root, &a.ops, &e) : adm_bus_open(&a.ops, &e);
	if (!a.h)
		return fail(&a, e.msg);
	if (!strcmp(cmd, "list"))
		ret = cmd_list(&a);
	else if (!strcmp(cmd, "active") || !strcmp(cmd, "recommend"))
		ret = cmd_name(&a, !strcmp(cmd, "recommend"));
	else if (!strcmp(cmd, "profile_info"))
		ret = cmd_info(&a, arg);
	else
		ret = cmd_report(&a, cmd, arg);
	a.ops->close(a.h);
	return ret;
}
