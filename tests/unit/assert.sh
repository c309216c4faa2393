# assert.sh: a few assertions for the shell tests (adm/, daemon/); source it, call `summary` last.
PASS=0
FAIL=0
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ADM=${PVTUNE_ADM:-$top/agent/pvtune-adm}
PVTUNED=${PVTUNED:-$top/agent/pvtuned}

ok() { PASS=$((PASS + 1)); echo "ok   - $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL - $1"; shift; for l in "$@"; do echo "       $l"; done; }

# run CMD...: sets $out (stdout+stderr) and $rc
run() { out=$("$@" 2>&1); rc=$?; }

# expect_rc WANT NAME
expect_rc() { if [ "$rc" = "$1" ]; then ok "$2 (exit $rc)"; else bad "$2: exit $rc, want $1" "$out"; fi; }
# expect_out TEXT NAME: output contains TEXT
expect_out() {
	if grep -qF -- "$1" <<<"$out"; then ok "$2"; else bad "$2: output lacks '$1'" "$out"; fi
}
# expect_re REGEX NAME: a line of the output matches the extended REGEX
expect_re() {
	if grep -qE -- "$1" <<<"$out"; then ok "$2"; else bad "$2: no line matches '$1'" "$out"; fi
}
expect_no_re() {
	if grep -qE -- "$1" <<<"$out"; then bad "$2: a line matches '$1'" "$out"; else ok "$2"; fi
}
expect_no_out() {
	if grep -qF -- "$1" <<<"$out"; then bad "$2: output has '$1'" "$out"; else ok "$2"; fi
}
# expect_file ROOT PATH WANT NAME
expect_file() {
	local got
	got=$(cat "$1$2" 2>/dev/null)
	if [ "$got" = "$3" ]; then ok "$4"; else bad "$4: $2 is '$got', want '$3'"; fi
}

# shape CMD NAME [EXPR]: $out is `pvtune-adm --json CMD`'s answer for exit
# $rc (tests/unit/adm/json_shape.py; EXPR: a Python expression on it, d, that
# must hold). Checked together by shapes_done, in one Python process.
SHAPES=$(mktemp -d /tmp/pvtune-shapes.XXXXXX)
SHAPE_N=0
shape() {
	SHAPE_N=$((SHAPE_N + 1))
	printf '%s' "$out" >"$SHAPES/$SHAPE_N"
	[ -z "${3:-}" ] || printf '%s' "$3" >"$SHAPES/$SHAPE_N.expr"
	echo "$SHAPES/$SHAPE_N $1 $rc $2" >>"$SHAPES/list"
}
shapes_done() {
	local st rest
	[ -e "$SHAPES/list" ] || { rm -rf "$SHAPES"; return; }
	while IFS= read -r line; do
		st=${line%% *}
		rest=${line#* }
		if [ "$st" = ok ]; then ok "$rest"; else bad "$rest"; fi
	done < <(python3 "$top/tests/unit/adm/json_shape.py" --batch "$SHAPES/list")
	rm -rf "$SHAPES"
}

summary() {
	shapes_done
	echo "RESULT: $PASS passed, $FAIL failed"
	[ "$FAIL" = 0 ]
}
