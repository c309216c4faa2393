#!/usr/bin/env bash
# test-concurrent.sh: three pvtune-adm --no-daemon writers at once, then
# `off`, 20 times over, on the fake tree: every original comes back exactly
# (the store's lock and unique temporary files; without them tuned values
# were left in place in 10 of 15 runs), and the active profile, the mode and
# what was applied agree after each round. ROUNDS=N changes the count.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../assert.sh"
R=$(mktemp -d /tmp/pvtune-conc.XXXXXX)
trap 'rm -rf "$R"' EXIT
"$here/../mkfake.sh" "$R"
A=("$ADM" --no-daemon --root "$R")
ROUNDS=${ROUNDS:-20}

# every tunable of the fake tree, path and value
snapshot() { (cd "$R" && find sys proc -type f | sort | while read -r f; do printf '%s=%s\n' "$f" "$(cat "$f")"; done); }

# one profile and off first: the fake files then hold values as the agent
# writes them back (a scheduler file "[none] mq-deadline" reads back "none")
run "${A[@]}" profile pvblk-guest
expect_rc 0 "first profile"
run "${A[@]}" off
expect_rc 0 "first off"
orig=$(snapshot)
grep -q '^proc/sys/vm/swappiness=60$' <<<"$orig" && ok "baseline holds the originals" || bad "baseline" "$orig"

bad_rounds=0
for i in $(seq "$ROUNDS"); do
	pids=()
	for p in pvblk-guest pvblk-guest-latency pvblk-guest-throughput; do
		"${A[@]}" profile "$p" >"$R/out.$p" 2>&1 &
		pids+=($!)
	done
	rcs=
	for pid in "${pids[@]}"; do
		wait "$pid"
		rcs="$rcs $?"
	done
	if [ "$rcs" != " 0 0 0" ]; then
		bad "round $i: a writer failed (exit$rcs)" "$(cat "$R"/out.*)"
		bad_rounds=$((bad_rounds + 1))
	fi
	# the state beside the store is written under the same lock: what was
	# applied names the active profile (the last writer's), mode manual
	act=$(cat "$R/etc/pvtune/active_profile" 2>/dev/null)
	rec=$(head -n1 "$R/run/pvtune/applied" 2>/dev/null)
	if [ -z "$act" ] || [ "$act" != "$rec" ] || [ "$(cat "$R/etc/pvtune/profile_mode")" != manual ]; then
		bad "round $i: active_profile '$act', applied '$rec', profile_mode '$(cat "$R/etc/pvtune/profile_mode")' disagree"
		bad_rounds=$((bad_rounds + 1))
	fi
	run "${A[@]}" off
	if [ "$rc" != 0 ]; then
		bad "round $i: off (exit $rc)" "$out"
		bad_rounds=$((bad_rounds + 1))
	fi
	now=$(snapshot)
	if [ "$now" != "$orig" ]; then
		bad "round $i: originals not restored" "$(diff <(echo "$orig") <(echo "$now"))"
		bad_rounds=$((bad_rounds + 1))
	fi
	if ls "$R/run/pvtune" | grep -v '^saved\.\(json\|lock\)$' > /dev/null; then
		bad "round $i: files left in /run/pvtune" "$(ls "$R/run/pvtune")"
		bad_rounds=$((bad_rounds + 1))
	fi
done
[ "$bad_rounds" = 0 ] && ok "$ROUNDS rounds of 3 concurrent writers, then off: every original restored"
summary
