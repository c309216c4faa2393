#!/usr/bin/env bash
# test-fuzz.sh: each libFuzzer harness (tests/fuzz/, built by `make -C agent
# fuzzers`) over its committed seed corpus, then FUZZ_CHECK_SECONDS (default
# 5) of fuzzing from there: a crash, leak, undefined behaviour or hang fails.
# `make -C agent fuzz` fuzzes longer (FUZZ_SECONDS).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../assert.sh"
FB=$top/agent/build/fuzz
secs=${FUZZ_CHECK_SECONDS:-5}
for f in profile qmp; do
	bin=$FB/fuzz_$f
	if [ ! -x "$bin" ]; then
		bad "fuzz_$f not built (make -C agent fuzzers)"
		continue
	fi
	work=$(mktemp -d /tmp/pvtune-fuzz.XXXXXX)
	out=$(cd "$work" && PVTUNE_TOP=$top "$bin" -max_total_time="$secs" -max_len=4096 -timeout=10 \
		-dict="$top/tests/fuzz/$f.dict" -artifact_prefix="$work/" "$work" "$top/tests/fuzz/corpus/$f" 2>&1)
	rc=$?
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' <<<"$out")
	if [ "$rc" = 0 ] && [ -n "$runs" ]; then
		ok "fuzz_$f: seeds and $runs runs in ${secs} s, no finding"
	else
		bad "fuzz_$f: exit $rc" "$(grep -v '^#[0-9]' <<<"$out" | tail -40)" "$(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* 2>/dev/null)"
		mkdir -p "$FB" && cp "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$FB/" 2>/dev/null
	fi
	rm -rf "$work"
done
summary
