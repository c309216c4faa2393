#!/usr/bin/env bash
# make check: every test of the project, then one summary line.
#   1. the driver builds with no warnings under W=1 and sparse, per kernel
#   2. checkpatch.pl over driver/
#   3. the instruction-counting QEMU plugin of the benchmarks builds
#   4. the agent's unit and CLI tests (cmocka)
#   5. make deb: both Debian packages, lintian-clean
#   6. the guest tests (tests/run.py) on every test kernel, the image-mode
#      test (a debootstrapped Debian guest, built once into build/image/)
#      among them
#   7. make demo (scripts/demo.py) as a smoke test: it fails on any failed
#      step; its output goes to build/check-demo.log
# Each runner's own "N passed, N failed" line is added into the total.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
passed=0
failed=0
failures=()

one() {	# one NAME CMD...: a step that is one test
	local name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		echo "PASS $name"
	else
		failed=$((failed + 1))
		failures+=("$name")
		echo "FAIL $name"
	fi
}

many() { # many NAME CMD...: a runner that prints its own N passed, N failed
	local name=$1 log=build/check-$1.log rc line p f
	shift
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
	if [ -z "$line" ]; then
		failed=$((failed + 1))
		failures+=("$name (no summary line, rc $rc)")
		return
	fi
	p=$(echo "$line" | sed -E 's/^([A-Za-z]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2/')
	f=$(echo "$line" | sed -E 's/^([A-Za-z]+: )?([0-9]+) passed, ([0-9]+) failed.*/\3/')
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		failed=$((failed + 1))
		failures+=("$name (rc $rc)")
	elif [ "$f" != 0 ]; then
		failures+=("$name ($f failed)")
	fi
}

# A kernel of scripts/kernels.conf that make kernels could not get (sid
# unreachable, with no earlier build root) is a failure, not a silent skip.
if [ -s build/kernels.missing ]; then
	while read -r meta suite role; do
		one "kernel-$suite-$meta ($role): not available (make kernels says why)" false
	done < build/kernels.missing
fi
for kver in $(awk '{ print $1 }' build/kernels.list); do
	one "driver-build-$kver" scripts/build-driver.sh "$kver"
done
one checkpatch scripts/checkpatch.sh
one pvcount-build make -s pvcount
many agent make -s -C agent check
# the Debian packages and lintian (the image-mode guest test installs them)
one deb scripts/make-deb.sh
# Two guests at a time: each runs single-threaded TCG, one per core.
rm -f build/check-guest-failures.txt
many guest tests/run.py ${GUEST_ARGS:--j 2} --digest build/check-guest-failures.txt
# make demo, once the guest tests no longer share the CPUs with it
demo() {
	if scripts/demo.py > build/check-demo.log 2>&1; then
		grep "^== done" build/check-demo.log
		return 0
	fi
	tail -n 40 build/check-demo.log
	return 1
}
one demo demo

echo
# The guest failures in short, and the tests that passed only when run
# again (tests/run.py: a boot fault, or QEMU losing a notification
# of virtio_blk's), where a reader of only the output's end sees them (the
# full reports are above, with the tests' output).
if [ -s build/check-guest-failures.txt ]; then
	echo "== guest failures and retries in short (full reports above) =="
	cat build/check-guest-failures.txt
	echo
fi
for f in "${failures[@]}"; do
	echo "failed: $f"
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
