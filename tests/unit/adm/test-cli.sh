#!/usr/bin/env bash
# test-cli.sh: pvtune-adm --no-daemon --root FAKE against a fake tree:
# output and exit codes of every command.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../assert.sh"
R=$(mktemp -d /tmp/pvtune-cli.XXXXXX)
trap 'rm -rf "$R"' EXIT
"$here/../mkfake.sh" "$R"
A=("$ADM" --no-daemon --root "$R")

run "${A[@]}" list
expect_rc 0 "list"
expect_out "- pvblk-guest                    - Balanced" "list shows pvblk-guest with its summary"
expect_out "pvblk-guest-latency" "list shows pvblk-guest-latency"
expect_out "pvblk-guest-throughput" "list shows pvblk-guest-throughput"
expect_out "No current active profile." "list: nothing active yet"

run "${A[@]}" active
expect_rc 0 "active"
expect_out "No current active profile." "active: none"

run "${A[@]}" recommend
expect_rc 0 "recommend"
[ "$out" = pvblk-guest ] && ok "recommend prints pvblk-guest in a guest" || bad "recommend: '$out'"

run "${A[@]}" profile_info pvblk-guest-latency
expect_rc 0 "profile_info"
expect_out "Profile chain: pvblk-guest pvblk-guest-latency" "profile_info shows the include chain"
expect_out "  elevator = none" "profile_info shows merged options"

run "${A[@]}" verify
expect_rc 1 "verify without an active profile fails"
expect_out "no profile is active" "verify says why"

run "${A[@]}" profile pvblk-guest
expect_rc 0 "profile pvblk-guest"
expect_out "disk   vda            elevator         expected none         actual mq-deadline  changed" "profile prints each change"
expect_file "$R" /sys/block/vda/queue/scheduler none "virtio disk gets none"
expect_file "$R" /sys/block/pvda/pvblk/batch_kicks 1 "pvblk tunable set"
expect_file "$R" /sys/block/vda/queue/add_random 0 "virtio disk tuned"
expect_file "$R" /sys/block/vda/pvblk/batch_kicks "" "virtio disk has no pvblk tunables"
expect_file "$R" /proc/sys/vm/swappiness 30 "vm swappiness set"
expect_file "$R" /etc/pvtune/active_profile pvblk-guest "active profile persisted"

run "${A[@]}" active
expect_out "Current active profile: pvblk-guest" "active after profile"

run "${A[@]}" verify
expect_rc 0 "verify passes after profile"
expect_out "disk   vda            rq_affinity      expected 1            actual 1            ok" "verify prints expected and actual"
expect_out "Verification succeeded" "verify summary"

echo 2 >"$R/sys/block/vda/queue/rq_affinity"
run "${A[@]}" verify
expect_rc 1 "verify fails after a manual change"
expect_out "disk   vda            rq_affinity      expected 1            actual 2            MISMATCH" "verify names the mismatch"
expect_out "Verification failed: 1 item(s) not as expected" "verify failure summary"

echo 1 >"$R/sys/block/vda/queue/rq_affinity"
rm "$R/sys/block/pvdb/pvblk/batch_kicks"
run "${A[@]}" verify
expect_rc 0 "a missing sysfs node is not a failure"
expect_out "actual n/a          n/a: node does not exist" "missing node shown as n/a"

run "${A[@]}" --json verify
expect_rc 0 "verify --json"
if python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["ok"] is True; assert any(i["status"]=="n/a" for i in d["items"])' <<<"$out"; then
	ok "verify --json is valid JSON with per-item status"
else
	bad "verify --json" "$out"
fi
run "${A[@]}" --json list
if python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["active"]=="pvblk-guest"; assert len(d["profiles"])==4' <<<"$out"; then
	ok "list --json"
else
	bad "list --json" "$out"
fi

run "${A[@]}" off
expect_rc 0 "off"
expect_file "$R" /sys/block/vda/queue/scheduler mq-deadline "off restores the scheduler"
expect_file "$R" /sys/block/pvda/pvblk/batch_kicks 0 "off restores pvblk tunables"
expect_file "$R" /sys/block/vda/queue/add_random 1 "off restores add_random"
expect_file "$R" /proc/sys/vm/swappiness 60 "off restores swappiness"
expect_file "$R" /proc/sys/vm/dirty_ratio 20 "off restores dirty_ratio"
run "${A[@]}" active
expect_out "No current active profile." "off clears the active profile"

# the latency profile asks for tunables pvdb lacks now: refused, nothing applied
run "${A[@]}" profile pvblk-guest-latency
expect_rc 1 "profile refused when a pvblk disk lacks a tunable"
expect_out "device pvdb lacks this tunable" "error names the device"
expect_file "$R" /proc/sys/vm/swappiness 60 "refused profile changes nothing"
echo 0 >"$R/sys/block/pvdb/pvblk/batch_kicks"

run "${A[@]}" profile pvblk-guest-latency
expect_rc 0 "profile pvblk-guest-latency"
expect_file "$R" /proc/irq/25/smp_affinity_list 0 "irq spread: queue 0 on CPU 0"
expect_file "$R" /proc/irq/26/smp_affinity_list 1 "irq spread: queue 1 on CPU 1"
expect_file "$R" /proc/irq/24/smp_affinity_list 0-1 "config interrupt untouched"
run "${A[@]}" off
expect_file "$R" /proc/irq/26/smp_affinity_list 0-1 "off restores IRQ affinity"

# bad input
run "${A[@]}" profile ../../etc
expect_rc 2 "profile name with .. refused"
expect_out "invalid profile name '../../etc'" "bad name message"
run "${A[@]}" profile a/b
expect_rc 2 "profile name with / refused"
run "${A[@]}" profile no-such
expect_rc 1 "unknown profile"
expect_out "profile 'no-such' not found" "unknown profile message"
mkdir -p "$R/etc/pvtune/profiles/broken"
printf '[main]\nsummary=broken\n[disk]\nelevator=cfq\n' >"$R/etc/pvtune/profiles/broken/tuned.conf"
run "${A[@]}" profile broken
expect_rc 1 "profile with a bad value"
expect_out "broken/tuned.conf:4: [disk] elevator=cfq: unknown elevator 'cfq'" "bad value names file and line"
run "${A[@]}" list
expect_out "(broken: " "list marks a broken profile"
# an unreadable profile (as a user that may not read it)
chmod 755 "$R"
mkdir -p "$R/etc/pvtune/profiles/secret"
printf '[main]\nsummary=secret\n' >"$R/etc/pvtune/profiles/secret/tuned.conf"
chmod 000 "$R/etc/pvtune/profiles/secret/tuned.conf"
run setpriv --reuid=65534 --regid=65534 --clear-groups "${A[@]}" profile_info secret
expect_rc 1 "unreadable profile"
expect_out "secret/tuned.conf: cannot open: Permission denied" "unreadable file named with the reason"
run "${A[@]}" frobnicate
expect_rc 2 "unknown command"
run "${A[@]}" profile
expect_rc 2 "profile without a name"
run "$ADM" --root "$R" list
expect_rc 2 "--root needs --no-daemon"

# qemu-args / libvirt-xml: from the profile files, no daemon needed
PVTUNE_QEMU_VERSION=7.2 run "$ADM" --root "$R" qemu-args pvblk-host
expect_rc 0 "qemu-args pvblk-host"
expect_out "-object iothread,id=io0,poll-max-ns=32768,poll-grow=0,poll-shrink=0" "qemu-args: iothread with polling"
expect_out "cache.direct=on,aio=native" "qemu-args: cache=none and aio=native"
expect_out "-device virtio-blk-pci,drive=disk0,iothread=io0" "qemu-args: the disk on the iothread"
expect_out "-cpu host,+x2apic" "qemu-args: x2apic"
# libvirt-xml, checked against libvirt's own schemas (virt-xml-validate, from
# libvirt-clients, which `make deps` installs: missing is a failure, not a skip)
if ! command -v virt-xml-validate >/dev/null; then
	bad "virt-xml-validate not found: install libvirt-clients (make deps)"
fi
# as_domain: the fragment on stdin in a minimal <domain>, its <disk> under <devices>
as_domain() {
	awk 'BEGIN { print "<domain type=\"kvm\">"; print "<name>pvtune-test</name>";
		     print "<memory unit=\"MiB\">256</memory>"; print "<vcpu>1</vcpu>";
		     print "<os><type arch=\"x86_64\">hvm</type></os>" }
	     /^<disk / { d = 1 }
	     d { dev = dev $0 "\n"; if ($0 ~ /^<\/disk>/) d = 0; next }
	     { print }
	     END { print "<devices>"; printf "%s", dev; print "</devices>"; print "</domain>" }'
}
# validate NAME XML: virt-xml-validate FILE domain
validate() {
	local f="$R/domain.xml" v
	as_domain <<<"$2" >"$f"
	if v=$(virt-xml-validate "$f" domain 2>&1); then ok "$1"; else bad "$1" "$v" "$(cat "$f")"; fi
}
# Debian 12's libvirt 9.0: no <poll> (9.4.0); the live command instead
PVTUNE_LIBVIRT_VERSION=9.0 run "${A[@]}" libvirt-xml pvblk-host
expect_rc 0 "libvirt-xml pvblk-host for libvirt 9.0"
expect_out '<!-- for libvirt 9.0.0 (PVTUNE_LIBVIRT_VERSION) -->' "libvirt-xml: says which libvirt and why"
expect_out '<driver name="qemu" type="raw" cache="none" io="native" iothread="1"/>' "libvirt-xml: disk driver"
expect_no_out '<poll ' "libvirt-xml 9.0: no <poll>"
expect_out 'virsh iothreadset DOMAIN 1 --poll-max-ns 32768 --poll-grow 0 --poll-shrink 0' "libvirt-xml 9.0: polling with virsh iothreadset"
validate "libvirt-xml 9.0 validates against libvirt's schemas" "$out"
# a libvirt with <poll>: its text (the schemas here are 9.0's), the rest validated
PVTUNE_LIBVIRT_VERSION=9.4.0 run "${A[@]}" libvirt-xml pvblk-host
expect_rc 0 "libvirt-xml pvblk-host for libvirt 9.4.0"
expect_out '<poll max="32768" grow="0" shrink="0"/>' "libvirt-xml 9.4: iothread polling"
expect_no_out 'iothreadset' "libvirt-xml 9.4: no virsh command"
validate "libvirt-xml 9.4 without <poll> validates against 9.0's schemas" "$(grep -v '<poll ' <<<"$out")"
PVTUNE_LIBVIRT_VERSION=nine run "${A[@]}" libvirt-xml pvblk-host
expect_rc 1 "libvirt-xml with a bad PVTUNE_LIBVIRT_VERSION"
expect_out "PVTUNE_LIBVIRT_VERSION=nine: not a version" "libvirt-xml names the bad version"
# probed: virsh --version first; neither virsh nor libvirtd: the oldest, said so
mkdir -p "$R/bin" "$R/nobin"
printf '#!/bin/sh\necho 10.0.0\n' >"$R/bin/virsh"
chmod +x "$R/bin/virsh"
PVTUNE_LIBVIRT_VERSION= PATH="$R/bin:$PATH" run "${A[@]}" libvirt-xml pvblk-host
expect_out '<!-- for libvirt 10.0.0 (virsh --version) -->' "libvirt-xml: version from virsh --version"
expect_out '<poll max="32768"' "libvirt-xml: probed 10.0 has <poll>"
PVTUNE_LIBVIRT_VERSION= PATH="$R/nobin" run "${A[@]}" libvirt-xml pvblk-host
expect_out 'libvirt version unknown (no PVTUNE_LIBVIRT_VERSION, virsh or libvirtd): assuming 9.0.0' "libvirt-xml: unknown version assumes the oldest"
validate "libvirt-xml of an unknown version validates" "$out"
run "${A[@]}" --json qemu-args pvblk-host
if python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["profile"]=="pvblk-host" and "-object iothread" in d["qemu-args"]' <<<"$out"; then
	ok "qemu-args --json"
else
	bad "qemu-args --json" "$out"
fi
run "${A[@]}" qemu-args pvblk-guest
expect_rc 1 "qemu-args of a profile without [qemu]"
expect_out "profile pvblk-guest has no [qemu] section (try pvblk-host)" "qemu-args names the missing section"
run "${A[@]}" qemu-args
expect_rc 2 "qemu-args without a name"
# a [qemu] profile applied with --no-daemon writes nothing (host mode is pvtuned's)
run "${A[@]}" profile pvblk-host
expect_rc 0 "profile pvblk-host without the daemon"
run "${A[@]}" off
expect_rc 0 "off"

summary
