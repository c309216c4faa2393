#!/usr/bin/env bash
# run-all.sh BUILDDIR TEST...: run the cmocka test binaries (TEST is a path
# under tests/unit/ without .c, e.g. lib/units/test_units) and the shell tests
# (daemon/test-*.sh, adm/test-*.sh), then print one summary line over all of them.
set -u
dir=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
pass=0
fail=0
failed_suites=()

count() { # suite output-file rc
	local p f
	p=$(sed -n 's/.*\[  PASSED  \] \([0-9]*\) test.*/\1/p; s/^RESULT: \([0-9]*\) passed.*/\1/p' "$2" | tail -1)
	f=$(sed -n 's/.*\[  FAILED  \] \([0-9]*\) test.*/\1/p; s/^RESULT: [0-9]* passed, \([0-9]*\) failed.*/\1/p' "$2" | tail -1)
	p=${p:-0}
	f=${f:-0}
	if [ "$3" != 0 ] && [ "$f" = 0 ]; then
		f=1 # crashed or exited non-zero without a count
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	[ "$f" = 0 ] || failed_suites+=("$1")
}

out=$(mktemp)
for t in "$@"; do
	echo "== $t"
	"$dir/$t" >"$out" 2>&1
	rc=$?
	cat "$out"
	count "$t" "$out" "$rc"
done
for s in "$here"/*/test-*.sh; do
	echo "== ${s#$here/}"
	bash "$s" >"$out" 2>&1
	rc=$?
	cat "$out"
	count "${s#$here/}" "$out" "$rc"
done
rm -f "$out"
echo "=================================================="
[ ${#failed_suites[@]} = 0 ] || echo "failing: ${failed_suites[*]}"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
