#!/usr/bin/env bash
# test-depcheck.sh: agent/tools/depcheck.py passes on the agent as built,
# and fails, naming what ties it, on small trees that break each rule: a
# call circle, an include circle, a folder circle, the library using a
# program, one daemon front end using another.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../assert.sh"
DEPCHECK=$top/agent/tools/depcheck.py
T=$(mktemp -d /tmp/pvtune-depcheck.XXXXXX)
trap 'rm -rf "$T"' EXIT

run python3 "$DEPCHECK" --root "$top/agent"
expect_rc 0 "the agent as built keeps the rule"
expect_out "ok   - no include or call circle between modules" "no module circle in the agent"
expect_out "ok   - no circle between folders" "no folder circle in the agent"

# fake ROOT FILE=TEXT...: a tree with those files, each .c compiled under ROOT/build
fake() {
	local root=$1 f
	shift
	rm -rf "$root"
	for f in "$@"; do
		mkdir -p "$root/$(dirname "${f%%=*}")"
		printf '%s\n' "${f#*=}" >"$root/${f%%=*}"
	done
	(cd "$root" && find . -name '*.c' | while read -r c; do
		mkdir -p "build/$(dirname "$c")"
		cc -c -I lib -o "build/${c%.c}.o" "$c" || exit 1
	done)
}

fake "$T/calls" \
	'lib/a/x.c=void y(void); void x(void) { y(); }' \
	'lib/a/y.c=void x(void); void y(void) { x(); }'
run python3 "$DEPCHECK" --root "$T/calls"
expect_rc 1 "a call circle fails"
expect_out "circle: lib/a/x <-> lib/a/y" "the call circle is named"
expect_out "lib/a/x.o uses y" "with the symbol that ties it"

fake "$T/incl" \
	'lib/a/p.h=#pragma once
#include "b/q.h"' \
	'lib/b/q.h=#pragma once
#include "a/p.h"' \
	'lib/a/p.c=#include "a/p.h"'
run python3 "$DEPCHECK" --root "$T/incl"
expect_rc 1 "an include circle fails"
expect_out "circle: lib/a/p <-> lib/b/q" "the include circle is named"
expect_out "lib/b/q.h includes lib/a/p.h" "with the include that ties it"
expect_out "ok   - every source has its object" "(the fake tree compiles)"

fake "$T/folders" \
	'lib/a/one.c=void two(void); void one(void) { two(); }' \
	'lib/b/two.c=void three(void); void two(void) { three(); }' \
	'lib/a/three.c=void three(void) { }'
run python3 "$DEPCHECK" --root "$T/folders"
expect_rc 1 "a folder circle fails"
expect_out "ok   - no include or call circle between modules" "(its modules make no circle)"
expect_out "circle: lib/a <-> lib/b" "the folder circle is named"

fake "$T/layers" \
	'lib/a/x.c=void bus_start(void); void x(void) { bus_start(); }' \
	'daemon/bus.c=void bus_start(void) { }' \
	'daemon/host.c=void bus_start(void); void host(void) { bus_start(); }'
run python3 "$DEPCHECK" --root "$T/layers"
expect_rc 1 "the library using the daemon fails"
expect_out "lib/a/x -> daemon/bus" "the library's use of the daemon is named"
expect_out "daemon/host -> daemon/bus: daemon/host.o uses bus_start" "one front end using another is named"

summary
