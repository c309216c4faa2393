/* SPDX-License-Identifier: GPL-2.0-only */
/* numa.c: the CPUs for iothread_cpus=auto: no vCPU, the vCPUs' NUMA node(s). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "qemu/tune/numa.h"
#include "util/util.h"

static void read_set(const char *root, const char *path, struct pvt_cpuset *cs)
{
	char *s = NULL;

	if (pvt_read_file(root, path, &s, NULL) < 0 || pvt_cpulist_parse(s, cs, NULL) < 0)
		memset(cs, 0, sizeof(*cs));
	free(s);
}

/*
 * Host CPUs that run no vCPU of this VM, in the vCPUs' NUMA node(s). The
 * vCPUs' CPUs are vcpu_cpus= when given, else their current affinities. If
 * that leaves nothing (unpinned vCPUs), the last online CPU, with a warning.
 */
char *tune_auto_io_cpus(struct job *j, const struct pvt_cpuset *vcpus, char **note)
{
	struct pvt_cpuset online, nodes = {0}, out = {0};
	struct pvt_strv names = {0};
	bool any_node = false;

	read_set(j->root, "/sys/devices/system/cpu/online", &online);
	pvt_list_dir(j->root, "/sys/devices/system/node", &names, NULL);
	for (size_t i = 0; i < names.n; i++) {
		struct pvt_cpuset n;
		char *p;
		bool hit = false;

		if (strncmp(names.v[i], "node", 4) != 0)
			continue;
		p = pvt_xasprintf("/sys/devices/system/node/%s/cpulist", names.v[i]);
		read_set(j->root, p, &n);
		free(p);
		for (int c = 0; c < PVT_MAX_CPUS; c++)
			hit |= n.cpu[c] && vcpus->cpu[c];
		if (hit) {
			any_node = true;
			for (int c = 0; c < PVT_MAX_CPUS; c++)
				nodes.cpu[c] |= n.cpu[c];
		}
	}
	pvt_strv_free(&names);
	for (int c = 0; c < PVT_MAX_CPUS; c++)
		out.cpu[c] = online.cpu[c] && !vcpus->cpu[c] && (!any_node || nodes.cpu[c]);
	if (pvt_cpuset_count(&out) == 0) {
		int last = -1;

		for (int c = 0; c < PVT_MAX_CPUS; c++)
			if (online.cpu[c])
				last = c;
		if (last < 0)
			last = 0;
		out.cpu[last] = true;
		*note = pvt_xasprintf("every CPU may run a vCPU; iothreads on CPU %d (set vcpu_cpus to keep them apart)", last);
	}
	return pvt_cpulist_format(&out);
}
