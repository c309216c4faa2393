#!/usr/bin/env bash
# make check: every test of the project, then one summary line.
#   1. the driver builds with no warnings under W=1 and sparse, per kernel
#   2. checkpatch.pl over driver/
#   3. the instruction-counting QEMU plugin of the benchmarks builds
#   4. the agent's unit and CLI tests (cmocka)
#   5. the guest tests (tests/run.py) on every test kernel
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

for kver in $(cat build/kernels.list); do
	one "driver-build-$kver" scripts/build-driver.sh "$kver"
done
one checkpatch scripts/checkpatch.sh
one pvcount-build make -s pvcount
many agent make -s -C agent check
# Two guests at a time: each runs single-threaded TCG, one per core.
many guest tests/run.py ${GUEST_ARGS:--j 2}

echo
for f in "${failures[@]}"; do
	echo "failed: $f"
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
