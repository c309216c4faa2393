#!/usr/bin/env bash
# test-asan.sh: every cmocka unit test again, built by clang over the
# library instrumented for the fuzzers (agent/build/fuzz/tests/), under
# AddressSanitizer (leaks too) and UndefinedBehaviorSanitizer: a finding
# fails the suite even where the plain build passes.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../assert.sh"
FB=$top/agent/build/fuzz/tests
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
n=0
for t in $(cd "$FB" 2>/dev/null && find . -type f -name 'test_*' | sort); do
	n=$((n + 1))
	out=$("$FB/$t" 2>&1)
	rc=$?
	if [ "$rc" = 0 ] && ! grep -q "Sanitizer\|runtime error" <<<"$out"; then
		ok "${t#./} under ASan and UBSan"
	else
		bad "${t#./} under ASan and UBSan (exit $rc)" "$(grep -A25 "Sanitizer\|runtime error\|FAILED" <<<"$out" | head -60)"
	fi
done
[ "$n" -gt 0 ] || bad "no instrumented test built (make -C agent fuzzers)"
summary
