#!/usr/bin/env bash
# test-daemon.sh: pvtuned on a private D-Bus bus (dbus-daemon with the
# shipped policy file) against a fake tree: pvtune-adm through the daemon,
# its exit codes and JSON over D-Bus, a non-root caller denied,
# ProfileChanged signal, auto mode, kill -9 then restart and off restores,
# rollback on SIGTERM, --config and --root.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../assert.sh"
for tool in dbus-daemon setpriv; do
	if ! command -v $tool >/dev/null; then
		echo "missing $tool"
		echo "RESULT: 0 passed, 1 failed"
		exit 1
	fi
done
# nobody, in no group: the bus policy lets it read only; nobody in group
# sudo (an administrator): the bus lets it call, pvtuned asks polkit
SUDO_GID=$(getent group sudo | cut -d: -f3)
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
ADMIN=(setpriv --reuid=65534 --regid=65534 --groups="${SUDO_GID:-27}")
T=$(mktemp -d /tmp/pvtune-daemon.XXXXXX)
chmod 755 "$T"
R=$T/root
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
"$here/../mkfake.sh" "$R"

sed -e "s|@DIR@|$T|g" -e "s|@TOP@|$top|g" "$here/private-bus.conf.in" >"$T/bus.conf"
dbus-daemon --config-file="$T/bus.conf" --nofork --nopidfile >"$T/bus.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$T/bus" ] && break; sleep 0.1; done
chmod 777 "$T/bus"
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$T/bus

start_daemon() {
	"$PVTUNED" --root "$R" "$@" >>"$T/pvtuned.log" 2>&1 &
	dpid=$!
	pids+=($dpid)
	for _ in $(seq 50); do
		"$ADM" active >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

run "$ADM" active
expect_rc 4 "no daemon yet: not running"
expect_out "pvtuned is not running" "clear message without the daemon"
# every command that needs pvtuned: exit 4, in its own JSON shape
for c in list active profile_mode recommend verify off auto_profile "profile pvblk-guest" \
	"profile_info pvblk-guest"; do
	run "$ADM" --json $c
	expect_rc 4 "$c --json without the daemon: not running"
	shape "${c%% *}" "$c --json without the daemon: its shape, status not-running"
done

start_daemon && ok "pvtuned starts and owns org.pvblk.pvtune1" || bad "pvtuned did not start" "$(cat "$T/pvtuned.log")"
grep -q "ready (root $R" "$T/pvtuned.log" && ok "pvtuned logs ready" || bad "no ready line" "$(cat "$T/pvtuned.log")"
expect_file "$R" /run/pvtune/pvtuned.pid "$dpid" "pid file for the udev rules"

# a non-root caller may read but not change
run setpriv --reuid=65534 --regid=65534 --clear-groups "$ADM" list
expect_rc 0 "non-root may list"
expect_out "pvblk-guest-throughput" "list over D-Bus"
# the bus policy: a non-root caller outside group sudo never reaches pvtuned
for m in "profile pvblk-guest" off auto_profile; do
	run "${NOBODY[@]}" "$ADM" $m
	expect_rc 5 "non-root $m outside group sudo: denied"
	expect_out "access denied by the D-Bus policy (org.pvblk.pvtune1.conf)" "$m: denied by the bus policy, said so"
done
# a member of group sudo passes the bus; pvtuned asks polkit (none here)
run "${ADMIN[@]}" "$ADM" profile pvblk-guest
expect_rc 5 "group sudo, no polkit: profile refused by pvtuned"
expect_out "access denied: only root, or a user polkit authorizes (org.pvblk.pvtune1.profile), may call Profile" "AccessDenied from pvtuned for a non-root administrator"
expect_out "polkit: " "the denial says what polkit said (no polkit on this bus)"
run "${ADMIN[@]}" "$ADM" --json off
expect_rc 5 "group sudo, no polkit: off --json denied"
shape off "off --json denied: its shape, status denied" 'd["status"] == "denied" and "org.pvblk.pvtune1.off" in d["message"]'
expect_file "$R" /sys/block/pvda/queue/scheduler "[none] mq-deadline" "denied call changed nothing"
expect_file "$R" /etc/pvtune/active_profile "" "denied call set no profile"

# watch for the ProfileChanged signal
if command -v dbus-monitor >/dev/null; then
	dbus-monitor --address "$DBUS_SYSTEM_BUS_ADDRESS" \
		"type='signal',interface='org.pvblk.pvtune1',member='ProfileChanged'" >"$T/signals" 2>&1 &
	pids+=($!)
	sleep 0.5
fi

run "$ADM" profile pvblk-guest
expect_rc 0 "root: profile pvblk-guest through the daemon"
expect_file "$R" /sys/block/vda/queue/scheduler none "daemon applied the scheduler"
expect_file "$R" /sys/block/pvdb/pvblk/batch_kicks 1 "daemon applied pvblk tunables"
expect_file "$R" /proc/sys/vm/swappiness 30 "daemon applied vm"
if [ -e "$T/signals" ]; then
	sleep 0.5
	if grep -q 'string "pvblk-guest"' "$T/signals"; then ok "ProfileChanged signal emitted"; else bad "no ProfileChanged signal" "$(cat "$T/signals")"; fi
fi

run "$ADM" verify
expect_rc 0 "verify through the daemon"
expect_out "Verification succeeded" "verify summary through the daemon"
echo 4 >"$R/sys/block/vda/queue/nr_requests"
echo 2 >"$R/sys/block/vda/queue/rq_affinity"
run setpriv --reuid=65534 --regid=65534 --clear-groups "$ADM" verify
expect_rc 1 "verify (as non-root) fails after a manual change"
expect_re "rq_affinity +expected 1 +actual 2 +MISMATCH" "mismatch shown"
echo 1 >"$R/sys/block/vda/queue/rq_affinity"

run "$ADM" profile_info pvblk-guest-throughput
expect_out "Profile chain: pvblk-guest pvblk-guest-throughput" "profile_info through the daemon"
expect_out "  /usr/lib/pvtune/profiles/pvblk-guest-throughput/tuned.conf" "profile_info lists the files through the daemon"
run "$ADM" profile_info
expect_out "Profile name: pvblk-guest" "profile_info without a name: the active one's"
run "$ADM" recommend
expect_out "pvblk-guest" "recommend through the daemon"
run "$ADM" profile ../x
expect_rc 2 "bad name refused by the CLI"
run "$ADM" profile nope
expect_rc 3 "unknown profile refused by the daemon: not found"
expect_out "profile 'nope' not found" "daemon's error reaches the CLI"
mkdir -p "$R/etc/pvtune/profiles/bad"
printf '[disk]\nelevator=cfq\n[vm]\nswappiness=900\n' >"$R/etc/pvtune/profiles/bad/tuned.conf"
run "$ADM" profile bad
expect_rc 6 "an invalid profile through the daemon: invalid"
expect_out "bad/tuned.conf:2: [disk] elevator=cfq" "every error through the daemon (1)"
expect_out "bad/tuned.conf:4: [vm] swappiness=900" "every error through the daemon (2)"
rm -r "$R/etc/pvtune/profiles/bad"
for c in list active profile_mode recommend verify; do
	run "$ADM" --json $c
	shape $c "$c --json through the daemon: its shape"
done
run "$ADM" --json profile_info pvblk-guest
shape profile_info "profile_info --json through the daemon"

# auto_profile over D-Bus: the recommended profile, auto mode
run "$ADM" auto_profile
expect_rc 0 "auto_profile through the daemon"
run "$ADM" profile_mode
expect_out "Profile selection mode: auto" "auto mode through the daemon"
run "${ADMIN[@]}" "$ADM" auto_profile
expect_rc 5 "non-root auto_profile is refused (group sudo, no polkit)"
run "$ADM" profile pvblk-guest
run "$ADM" profile_mode
expect_out "Profile selection mode: manual" "profile: manual again"

# kill -9 halfway: the originals are on disk; restart and off restores them
kill -9 "$dpid"
wait "$dpid" 2>/dev/null
[ -s "$R/run/pvtune/saved.json" ] && ok "saved originals persisted" || bad "no saved.json"
start_daemon && ok "pvtuned restarts after kill -9" || bad "restart failed" "$(tail "$T/pvtuned.log")"
grep -q "saved originals from an earlier run" "$T/pvtuned.log" && ok "restart finds the saved originals" || bad "restart did not load the store"
expect_file "$R" /proc/sys/vm/swappiness 30 "restart re-applies the active profile"
run "$ADM" off
expect_rc 0 "off after restart"
expect_file "$R" /sys/block/vda/queue/scheduler mq-deadline "off restores the scheduler after a crash"
expect_file "$R" /sys/block/pvdb/pvblk/batch_kicks 0 "off restores pvblk tunables after a crash"
expect_file "$R" /proc/sys/vm/swappiness 60 "off restores swappiness after a crash"
expect_file "$R" /sys/block/vda/queue/add_random 1 "off restores add_random after a crash"

# --no-daemon while pvtuned runs: the daemon sees the originals it saved
# (a fake node holds what was last written: give vda the kernel's list back)
echo "[mq-deadline] kyber bfq none" >"$R/sys/block/vda/queue/scheduler"
run "$ADM" --no-daemon --root "$R" profile pvblk-guest
expect_rc 0 "--no-daemon profile beside the daemon"
expect_file "$R" /proc/sys/vm/swappiness 30 "--no-daemon applied"
run "$ADM" off
expect_rc 0 "off through the daemon"
expect_file "$R" /proc/sys/vm/swappiness 60 "daemon restores what --no-daemon changed"
expect_file "$R" /sys/block/vda/queue/scheduler mq-deadline "daemon restores the scheduler --no-daemon set"

# polkit: a non-root caller it authorizes may switch; each action on its own
FAKEPOLKIT_ALLOW=65534 FAKEPOLKIT_ACTIONS=org.pvblk.pvtune1.profile \
	"$top/agent/build/tests/daemon/fakepolkit" >"$T/polkit.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q ready "$T/polkit.log" && break; sleep 0.1; done
run "${ADMIN[@]}" "$ADM" profile pvblk-guest
expect_rc 0 "non-root profile authorized by polkit"
expect_file "$R" /proc/sys/vm/swappiness 30 "the polkit-authorized profile applied"
grep -q "org.pvblk.pvtune1.profile uid 65534 -> yes" "$T/polkit.log" && ok "polkit asked about the caller's uid and action" || bad "polkit not asked" "$(cat "$T/polkit.log")"
run "${ADMIN[@]}" "$ADM" off
expect_rc 5 "non-root off refused: polkit does not authorize that action (denied)"
expect_out "polkit: not authorized for org.pvblk.pvtune1.off" "the refusal names the action"
expect_file "$R" /proc/sys/vm/swappiness 30 "the refused off changed nothing"
run "${ADMIN[@]}" "$ADM" --json auto_profile
expect_rc 5 "non-root auto_profile refused: polkit authorizes profile only (denied)"
shape auto_profile "auto_profile --json denied by polkit: its shape" 'd["status"] == "denied" and "polkit: not authorized for org.pvblk.pvtune1.auto-profile" in d["message"]'
grep -q "org.pvblk.pvtune1.auto-profile uid 65534 -> no" "$T/polkit.log" && ok "AutoProfile asks polkit for its own action" || bad "polkit not asked for auto-profile" "$(cat "$T/polkit.log")"
# (daemon, uid 1: base-passwd's; a uid without a passwd entry cannot even
# connect to dbus-daemon)
run setpriv --reuid=1 --regid=1 --groups="${SUDO_GID:-27}" "$ADM" profile pvblk-guest-latency
expect_rc 5 "another non-root user refused by polkit (denied)"
grep -q "org.pvblk.pvtune1.profile uid 1 -> no" "$T/polkit.log" && ok "polkit refused that user" || bad "polkit not asked about uid 1" "$(cat "$T/polkit.log")"
run "$ADM" off
expect_rc 0 "root needs no polkit"
grep -q "uid 0" "$T/polkit.log" && bad "polkit asked about root" "$(cat "$T/polkit.log")" || ok "polkit not asked about root"
expect_file "$R" /proc/sys/vm/swappiness 60 "off as root"
kill "${pids[-1]}"
wait "${pids[-1]}" 2>/dev/null
FAKEPOLKIT_ALLOW=65534 FAKEPOLKIT_ACTIONS=org.pvblk.pvtune1.auto-profile \
	"$top/agent/build/tests/daemon/fakepolkit" >"$T/polkit.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q ready "$T/polkit.log" && break; sleep 0.1; done
run "${ADMIN[@]}" "$ADM" auto_profile
expect_rc 0 "non-root auto_profile authorized by polkit"
expect_file "$R" /etc/pvtune/active_profile pvblk-guest "the polkit-authorized auto_profile applied the recommended profile"
expect_file "$R" /etc/pvtune/profile_mode auto "and set auto mode"
run "${ADMIN[@]}" "$ADM" profile pvblk-guest-latency
expect_rc 5 "that user's profile refused: polkit authorizes auto-profile only"
run "$ADM" off
expect_rc 0 "off as root after auto_profile"
expect_file "$R" /proc/sys/vm/swappiness 60 "off restores what the authorized auto_profile changed"
kill "${pids[-1]}"

# host mode: a QMP socket is connected only if its file and its listener
# are root's or a qmp_users user's (tests/guest/fakeqmp.py plays QEMU)
waitlog() { for _ in $(seq 100); do grep -q -- "$1" "$T/pvtuned.log" && return 0; sleep 0.1; done; return 1; }
mkdir -p "$R/run/pvtune/qmp"
chmod 1777 "$R/run/pvtune/qmp"
setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 "$top/tests/guest/fakeqmp.py" \
	"$R/run/pvtune/qmp/nobody.sock" "$R/run/pvtune/qmp/fakeqmp.out" >"$T/fakeqmp.log" 2>&1 &
fq=$!
pids+=($fq)
waitlog "vm nobody: socket $R/run/pvtune/qmp/nobody.sock is owned by uid 65534, neither root nor in qmp_users: skipped" &&
	ok "a socket another user owns is skipped" || bad "another user's socket not skipped" "$(tail "$T/pvtuned.log")"
chown root "$R/run/pvtune/qmp/nobody.sock"
waitlog "vm nobody: the process on $R/run/pvtune/qmp/nobody.sock (pid [0-9]*) runs as uid 65534, neither root nor in qmp_users: skipped" &&
	ok "a root-owned socket whose listener is another user's is skipped" || bad "another user's listener not skipped" "$(tail "$T/pvtuned.log")"
grep -q "vm nobody: QMP connected" "$T/pvtuned.log" && bad "connected to another user's QEMU" || ok "no QMP session with it"
kill -TERM "$dpid"
wait "$dpid"
printf '[daemon]\nqmp_users = nobody\n' >"$R/etc/pvtune/pvtuned.conf"
start_daemon
waitlog "vm nobody: QMP connected (pid" && ok "qmp_users = nobody: its QEMU is connected" || bad "qmp_users not honoured" "$(tail "$T/pvtuned.log")"
kill "$fq"
rm -f "$R/etc/pvtune/pvtuned.conf" "$R/run/pvtune/qmp/nobody.sock"

# rollback on exit (the default): SIGTERM restores, the profile stays active
run "$ADM" profile pvblk-guest
expect_file "$R" /proc/sys/vm/swappiness 30 "profile again"
kill -TERM "$dpid"
wait "$dpid"
rc=$?
expect_rc 0 "pvtuned exits 0 on SIGTERM"
expect_file "$R" /proc/sys/vm/swappiness 60 "SIGTERM rolls back (rollback=auto)"
expect_file "$R" /etc/pvtune/active_profile pvblk-guest "active profile kept across the stop"
[ -e "$R/run/pvtune/pvtuned.pid" ] && bad "pid file left after exit" || ok "pid file removed on exit"

# rollback=not_on_exit leaves the tuning in place
printf '[daemon]\nrollback = not_on_exit\n' >"$R/etc/pvtune/pvtuned.conf"
start_daemon
expect_file "$R" /proc/sys/vm/swappiness 30 "start re-applies the active profile"
kill -TERM "$dpid"
wait "$dpid"
expect_file "$R" /proc/sys/vm/swappiness 30 "not_on_exit keeps the tuning"

# auto mode: started, pvtuned applies the recommended profile
run "$ADM" --no-daemon --root "$R" off
echo auto >"$R/etc/pvtune/profile_mode"
rm -f "$R/etc/pvtune/pvtuned.conf"
start_daemon
expect_file "$R" /etc/pvtune/active_profile pvblk-guest "auto mode: the recommended profile applied at start"
grep -q "profile pvblk-guest applied (auto mode)" "$T/pvtuned.log" && ok "logged as auto mode" || bad "no auto mode line" "$(tail "$T/pvtuned.log")"
kill -TERM "$dpid"
wait "$dpid"
rm -f "$R/etc/pvtune/profile_mode"

# --config FILE: under --root, and it must exist; --root must be a directory
run "$PVTUNED" --root "$R" --config /etc/pvtune/none.conf
expect_rc 1 "a --config FILE that does not exist"
expect_out "--config /etc/pvtune/none.conf: no such file: $R/etc/pvtune/none.conf (a FILE given is resolved under --root $R)" "says so, and where it looked"
run "$PVTUNED" --root "$R/nonexistent"
expect_rc 2 "--root of no directory"
expect_out "not a directory" "says so"

# a bad configuration stops the daemon with file and line
printf '[daemon]\nrollback = sometimes\n' >"$R/etc/pvtune/pvtuned.conf"
run "$PVTUNED" --root "$R"
expect_rc 1 "bad pvtuned.conf refused"
expect_out "pvtuned.conf:2: bad value 'sometimes' for rollback (accepted: auto not_on_exit)" "config error names file and line"
printf '[daemon]\nqmp_sockets = /run/pvtune/qmp/*.sock\nqmp_timeout_ms = 5\n' >"$R/etc/pvtune/pvtuned.conf"
run "$PVTUNED" --root "$R"
expect_rc 1 "bad qmp_timeout_ms refused"
expect_out "pvtuned.conf:3: bad value '5' for qmp_timeout_ms (10 to 600000)" "qmp_timeout_ms error names file and line"
printf '[daemon]\nrollback = auto\nwriters = 0\n' >"$R/etc/pvtune/pvtuned.conf"
run "$PVTUNED" --root "$R"
expect_rc 1 "bad writers refused"
expect_out "pvtuned.conf:3: bad value '0' for writers (1 to 64)" "writers error names file and line"
printf '[daemon]\nqmp_socket = x\n' >"$R/etc/pvtune/pvtuned.conf"
run "$PVTUNED" --root "$R"
expect_rc 1 "unknown key refused"
expect_out "unknown key 'qmp_socket' (known: rollback udev_buffer_size default_profile qmp_sockets qmp_users qmp_timeout_ms writers)" "unknown key listed with the known ones"

# a corrupt store is moved aside with a warning, and pvtuned starts
rm -f "$R/etc/pvtune/pvtuned.conf"
echo '{"saved": [{"path": "/etc/shadow", "value": "x", "unit": "disk"}]}' >"$R/run/pvtune/saved.json"
: >"$T/pvtuned.log"
start_daemon && ok "pvtuned starts over a corrupt store" || bad "no start over a corrupt store" "$(cat "$T/pvtuned.log")"
grep -q "saved.json: entry 0: '/etc/shadow' is no kernel tunable: moved aside to /run/pvtune/saved.json.corrupt" "$T/pvtuned.log" &&
	ok "the corrupt store is named in a warning" || bad "no warning for the corrupt store" "$(cat "$T/pvtuned.log")"
[ -s "$R/run/pvtune/saved.json.corrupt" ] && ok "the corrupt store kept aside" || bad "no saved.json.corrupt"
kill -TERM "$dpid"
wait "$dpid"

summary
