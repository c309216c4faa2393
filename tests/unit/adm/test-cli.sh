#!/usr/bin/env bash
# test-cli.sh: pvtune-adm --no-daemon --root FAKE against a fake tree:
# output, JSON shape and exit code of every command, errors included;
# tuned's habits (profile a b, profile and profile_info without a name,
# auto_profile, profile_mode, verify -i, --version, the same-name override),
# check, honest results, and the examples of pvtune-profile(5) as written.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../assert.sh"
R=$(mktemp -d /tmp/pvtune-cli.XXXXXX)
trap 'rm -rf "$R"' EXIT
"$here/../mkfake.sh" "$R"
A=("$ADM" --no-daemon --root "$R")

# example NAME: the example of pvtune-profile(5) marked NAME, as written
example() {
	awk -v want="(example $1)" '
		index($0, "test-cli.sh applies this example as written " want) { on = 1; next }
		on && /^\.nf/ { take = 1; next }
		take && /^\.fi/ { exit }
		take { print }' "$top/man/pvtune-profile.5"
}
# profile NAME TEXT: /etc/pvtune/profiles/NAME/tuned.conf
profile() { mkdir -p "$R/etc/pvtune/profiles/$1"; printf '%s\n' "$2" >"$R/etc/pvtune/profiles/$1/tuned.conf"; }

### the plain commands
run "${A[@]}" list
expect_rc 0 "list"
expect_re "^- pvblk-guest +- Balanced" "list shows pvblk-guest with its summary"
expect_out "pvblk-guest-latency" "list shows pvblk-guest-latency"
expect_out "No current active profile." "list: nothing active yet"
run "${A[@]}" --json list
shape list "list --json"
run "${A[@]}" --json list extra
expect_rc 2 "list takes no argument"
shape list "list --json, a usage error, in list's shape"

run "${A[@]}" active
expect_rc 0 "active"
expect_out "No current active profile." "active: none"
run "${A[@]}" --json active
shape active "active --json"

run "${A[@]}" recommend
expect_rc 0 "recommend"
[ "$out" = pvblk-guest ] && ok "recommend prints pvblk-guest in a guest" || bad "recommend: '$out'"
run "${A[@]}" --json recommend
shape recommend "recommend --json"

run "${A[@]}" profile_info pvblk-guest-latency
expect_rc 0 "profile_info"
expect_out "Profile chain: pvblk-guest pvblk-guest-latency" "profile_info shows the include chain"
expect_out "  /usr/lib/pvtune/profiles/pvblk-guest/tuned.conf" "profile_info shows the files read"
expect_out "  elevator = none" "profile_info shows merged options"
run "${A[@]}" --json profile_info pvblk-guest-latency
shape profile_info "profile_info --json"
run "${A[@]}" profile_info
expect_rc 3 "profile_info without a name and no active profile: not found"
expect_out "no profile is active" "profile_info says why"
run "${A[@]}" --json profile_info
shape profile_info "profile_info --json without an active profile"

run "${A[@]}" verify
expect_rc 3 "verify without an active profile: not found"
expect_out "no profile is active" "verify says why"
run "${A[@]}" --json verify
shape verify "verify --json without an active profile"

run "${A[@]}" --version
expect_rc 0 "--version"
expect_re "^pvtune-adm [0-9]+\.[0-9]+" "--version prints the version"
run "${A[@]}" --json --version
shape version "--version --json"

run "${A[@]}" profile_mode
expect_rc 0 "profile_mode"
expect_out "Profile selection mode: manual" "manual without a mode file"
run "${A[@]}" --json profile_mode
shape profile_mode "profile_mode --json"

### profile, verify, off
run "${A[@]}" profile pvblk-guest
expect_rc 0 "profile pvblk-guest"
expect_re "^disk +vda +elevator +expected none +actual mq-deadline +changed$" "profile prints each change"
expect_out "Applying the profile succeeded" "profile summary"
expect_file "$R" /sys/block/vda/queue/scheduler none "virtio disk gets none"
expect_file "$R" /sys/block/pvda/pvblk/batch_kicks 1 "pvblk tunable set"
expect_file "$R" /sys/block/vda/pvblk/batch_kicks "" "virtio disk has no pvblk tunables"
expect_file "$R" /proc/sys/vm/swappiness 30 "vm swappiness set"
expect_file "$R" /etc/pvtune/active_profile pvblk-guest "active profile persisted"
expect_file "$R" /etc/pvtune/profile_mode manual "profile selects manual mode"

# re-applying prints each item once: nothing restored, nothing changed
run "${A[@]}" profile pvblk-guest
expect_rc 0 "profile pvblk-guest again"
expect_no_out "restored" "re-apply restores nothing"
expect_no_re " changed$" "re-apply changes nothing"
expect_out "0 changed" "re-apply says nothing changed"
run "${A[@]}" --json profile pvblk-guest
shape profile "profile --json"

run "${A[@]}" active
expect_out "Current active profile: pvblk-guest" "active after profile"
run "${A[@]}" profile_info
expect_rc 0 "profile_info without a name: the active profile's"
expect_out "Profile name: pvblk-guest" "profile_info names the active profile"

run "${A[@]}" verify
expect_rc 0 "verify passes after profile"
expect_re "^disk +vda +rq_affinity +expected 1 +actual 1 +ok$" "verify prints expected and actual"
expect_out "Verification succeeded" "verify summary"
run "${A[@]}" verify -i
expect_rc 0 "verify -i (tuned-adm's --ignore-missing) is taken"
run "${A[@]}" verify --ignore-missing --json
shape verify "verify --ignore-missing --json"
run "${A[@]}" off -i
expect_rc 2 "-i belongs to verify"

echo 2 >"$R/sys/block/vda/queue/rq_affinity"
run "${A[@]}" verify
expect_rc 1 "verify mismatch: exit 1"
expect_re "^disk +vda +rq_affinity +expected 1 +actual 2 +MISMATCH$" "verify names the mismatch"
expect_out "Verification failed: 1 item(s) do not hold" "verify failure summary"
run "${A[@]}" --json verify
shape verify "verify --json with a mismatch"
echo 1 >"$R/sys/block/vda/queue/rq_affinity"

# a tunable a disk lacks: n/a, at verify and at apply, the rest applied
rm "$R/sys/block/pvdb/pvblk/batch_kicks"
run "${A[@]}" verify
expect_rc 0 "a missing sysfs node is not a failure"
expect_re "^pvblk +pvdb +batch_kicks +expected 1 +actual n/a +n/a: node does not exist" "missing node shown as n/a"
run "${A[@]}" profile pvblk-guest-latency
expect_rc 0 "the latency profile with a tunable pvdb lacks: applied"
expect_out "n/a: device pvdb lacks this tunable (/sys/block/pvdb/pvblk/batch_kicks does not exist)" "the n/a item names the device"
expect_file "$R" /proc/sys/vm/swappiness 10 "the rest is applied"
expect_file "$R" /proc/irq/25/smp_affinity_list 0 "irq spread: queue 0 on CPU 0"
expect_file "$R" /proc/irq/26/smp_affinity_list 1 "irq spread: queue 1 on CPU 1"
expect_file "$R" /proc/irq/24/smp_affinity_list 0-1 "config interrupt untouched"
echo 0 >"$R/sys/block/pvdb/pvblk/batch_kicks"

run "${A[@]}" off
expect_rc 0 "off"
expect_file "$R" /sys/block/vda/queue/scheduler mq-deadline "off restores the scheduler"
expect_file "$R" /sys/block/pvda/pvblk/batch_kicks 0 "off restores pvblk tunables"
expect_file "$R" /sys/block/vda/queue/add_random 1 "off restores add_random"
expect_file "$R" /proc/sys/vm/swappiness 60 "off restores swappiness"
expect_file "$R" /proc/sys/vm/dirty_ratio 20 "off restores dirty_ratio"
expect_file "$R" /proc/irq/26/smp_affinity_list 0-1 "off restores IRQ affinity"
run "${A[@]}" --json off
shape off "off --json"
run "${A[@]}" active
expect_out "No current active profile." "off clears the active profile"

### honest results: a required check that does not hold, a soft one
sed -i 's/ x2apic / /' "$R/proc/cpuinfo"
run "${A[@]}" profile pvblk-guest-latency
expect_rc 1 "x2apic=require without x2APIC: profile exits 1"
expect_re "^cpu +- +x2apic +expected enabled +actual disabled.* +MISMATCH$" "the item that does not hold is shown"
expect_out "Applying the profile failed: 1 item(s) do not hold" "and the summary says so"
run "${A[@]}" verify
expect_rc 1 "verify agrees"
run "${A[@]}" profile pvblk-guest
expect_rc 0 "x2apic=prefer: a warning, exit 0"
expect_re "^cpu +- +x2apic +expected enabled +actual disabled.* +warning$" "the warning is shown as such"
expect_out "1 warning(s)" "and counted"
run "${A[@]}" off
sed -i 's/ apic / apic x2apic /' "$R/proc/cpuinfo"

### profile a b (merged, later wins), profile without a name (a list)
run "${A[@]}" profile pvblk-guest pvblk-guest-throughput
expect_rc 0 "profile a b"
expect_file "$R" /etc/pvtune/active_profile "pvblk-guest pvblk-guest-throughput" "both names active"
expect_file "$R" /proc/sys/vm/dirty_ratio 40 "the later one wins"
expect_file "$R" /sys/block/vda/queue/add_random 0 "the earlier one's other keys apply"
run "${A[@]}" verify
expect_rc 0 "verify of a b"
run "${A[@]}" profile
expect_rc 0 "profile without a name lists, as tuned-adm"
expect_out "Available profiles:" "the list"
expect_out "Current active profile: pvblk-guest pvblk-guest-throughput" "and what is active"
run "${A[@]}" --json profile
shape profile-list "profile --json without a name: list's shape"
run "${A[@]}" off

### auto_profile and profile_mode
run "${A[@]}" auto_profile
expect_rc 0 "auto_profile"
expect_file "$R" /etc/pvtune/active_profile pvblk-guest "auto_profile applies the recommended profile"
run "${A[@]}" profile_mode
expect_out "Profile selection mode: auto" "auto mode"
run "${A[@]}" --json auto_profile
shape auto_profile "auto_profile --json"
run "${A[@]}" profile pvblk-guest-latency
run "${A[@]}" profile_mode
expect_out "Profile selection mode: manual" "profile selects manual mode again"
run "${A[@]}" off
run "${A[@]}" profile_mode
expect_out "Profile selection mode: manual" "off: manual"

### verify says when the profile's file changed since it was applied
run "${A[@]}" profile pvblk-guest
sed -i 's/^swappiness=30/swappiness=35/' "$R/usr/lib/pvtune/profiles/pvblk-guest/tuned.conf"
run "${A[@]}" verify
expect_rc 1 "verify after an edit: the edited value does not hold"
expect_re "^profile +- +files +.*warning: changed since profile pvblk-guest was applied" "verify says the file changed"
expect_out "re-apply with 'pvtune-adm profile pvblk-guest'" "and how to re-apply"
run "${A[@]}" profile pvblk-guest
run "${A[@]}" verify
expect_rc 0 "re-applied: verify passes"
expect_no_out "changed since" "and says nothing about changes"
sed -i 's/^swappiness=35/swappiness=30/' "$R/usr/lib/pvtune/profiles/pvblk-guest/tuned.conf"
run "${A[@]}" off

### recommend names what profile takes; machines that do not fit
run "${A[@]}" profile "$("${A[@]}" recommend)"
expect_rc 0 "profile \$(recommend)"
run "${A[@]}" off
run "${A[@]}" profile pvblk-host
expect_rc 0 "a host profile in a guest: applied (nothing to apply)"
expect_re "^qemu +- +section +.*warning: this machine is a KVM guest" "and says it does not apply here"
run "${A[@]}" off
cp "$R/proc/cpuinfo" "$R/cpuinfo.guest"
sed -i 's/ hypervisor//' "$R/proc/cpuinfo"
run "${A[@]}" recommend
expect_rc 3 "recommend on bare metal: not found"
expect_out "no profile fits this machine" "recommend says why"
run "${A[@]}" --json recommend
shape recommend "recommend --json, not found"
run "${A[@]}" profile pvblk-guest
expect_rc 0 "a guest profile on a host: applied"
expect_re "^pvblk +- +section +.*warning: this machine is not a KVM guest" "and says it is for guests"
run "${A[@]}" off
touch "$R/dev/kvm"
run "${A[@]}" recommend
[ "$out" = pvblk-host ] && ok "recommend on a KVM host: pvblk-host" || bad "recommend on a host: '$out'"
run "${A[@]}" profile pvblk-host
expect_rc 0 "profile pvblk-host on a host, without pvtuned"
expect_out "is applied to running VMs by pvtuned's host mode" "says that only pvtuned's host mode applies it"
run "${A[@]}" off
rm "$R/dev/kvm"
cp "$R/cpuinfo.guest" "$R/proc/cpuinfo"

### the examples of pvtune-profile(5), as written
# (a fake node keeps what was written last: the kernel's scheduler lists back)
echo "[mq-deadline] kyber bfq none" >"$R/sys/block/vda/queue/scheduler"
echo "[none] mq-deadline" | tee "$R/sys/block/pvda/queue/scheduler" >"$R/sys/block/pvdb/queue/scheduler"
mine=$(example mine)
[ -n "$mine" ] && ok "pvtune-profile(5) has the example 'mine'" || bad "no example 'mine' in pvtune-profile(5)"
profile mine "$mine"
run "${A[@]}" check mine
expect_rc 0 "check: the example has no error"
run "${A[@]}" profile mine
expect_rc 0 "the example applies"
expect_file "$R" /proc/sys/vm/swappiness 10 "its swappiness"
run "${A[@]}" verify
expect_rc 0 "and verify agrees"
run "${A[@]}" off
override=$(example pvblk-guest)
[ -n "$override" ] && ok "pvtune-profile(5) has the same-name override example" || bad "no override example"
profile pvblk-guest "$override"
run "${A[@]}" list
expect_no_out "broken" "the override breaks no profile"
run "${A[@]}" profile pvblk-guest
expect_rc 0 "the override applies"
expect_file "$R" /proc/sys/vm/swappiness 10 "with its value"
expect_file "$R" /proc/sys/vm/dirty_ratio 30 "and the shipped one's others"
run "${A[@]}" profile_info pvblk-guest
expect_out "  /etc/pvtune/profiles/pvblk-guest/tuned.conf" "profile_info lists both files"
run "${A[@]}" profile pvblk-guest-latency
expect_rc 0 "a profile including it"
run "${A[@]}" off
rm -r "$R/etc/pvtune/profiles/pvblk-guest"

### conflicts: two items for one node are an error naming both places
profile clash "[main]
include=pvblk-guest
[sysctl]
vm.swappiness=10"
run "${A[@]}" profile clash
expect_rc 6 "a [sysctl] key beside an inherited [vm] key: invalid"
expect_re "clash/tuned.conf:4: \[sysctl\] vm.swappiness=10 and .*pvblk-guest/tuned.conf:[0-9]+: \[vm\] swappiness=30 both set /proc/sys/vm/swappiness" "names both places"
expect_out "nothing was changed" "and that nothing changed"
expect_file "$R" /proc/sys/vm/swappiness 60 "refused: nothing written"
profile clash2 "[disk]
readahead=4096
[disk.slow]
devices=vda
readahead=128"
run "${A[@]}" profile clash2
expect_rc 6 "[disk] and [disk.slow] on one disk: invalid"
expect_re "clash2/tuned.conf:2: \[disk\] readahead=4096 and .*clash2/tuned.conf:5: \[disk.slow\] readahead=128 both set /sys/block/vda/queue/read_ahead_kb" "names both and the disk"

### check: every error at once, without applying
profile tp "[main]
summary=copied from tuned
[cpu]
governor=performance
[vm]
dirty_bytes=40%
[vm.thunderx]
type=vm
uname_regex=aarch64
transparent_hugepages=never
[disk]
readahead=>4096
elevator=cfq
[video]
panel_power_savings=0
[sysctl]
kernel.x=\${f:exec:/bin/true}"
run "${A[@]}" check tp
expect_rc 6 "check of a profile copied from tuned: invalid"
expect_out "tp/tuned.conf:4: [cpu] governor=performance: a key of tuned's cpu plugin" "check: a tuned key"
expect_out "tp/tuned.conf:6: [vm] dirty_bytes=40%: bad value '40%' for dirty_bytes: tuned's 'N%' form" "check: a tuned value"
expect_out "tp/tuned.conf:13: [disk] elevator=cfq: unknown elevator 'cfq'" "check: a bad value"
expect_out "tp/tuned.conf:14: [video]: tuned's video plugin, which pvtune does not have; the section must go" "check: a tuned section"
expect_out "tp/tuned.conf:17: [sysctl] kernel.x: tuned's \${f:exec} runs a program" "check: a tuned function"
expect_out "note: " "check: notes"
expect_out "[vm.thunderx] uname_regex=aarch64: skipped: uname_regex=aarch64 does not match" "check: a conditional section skipped here"
expect_out "tp: 5 error(s)" "check counts them"
run "${A[@]}" --json check tp
shape check "check --json with errors"
run "${A[@]}" check "$R/etc/pvtune/profiles/tp/tuned.conf"
expect_rc 6 "check FILE"
expect_out "tp: 5 error(s)" "check FILE finds them too"
cp "$R/etc/pvtune/profiles/mine/tuned.conf" "$R/mine.conf"
echo "[mq-deadline] kyber bfq none" >"$R/sys/block/vda/queue/scheduler"
run "${A[@]}" check "$R/mine.conf"
expect_rc 0 "check FILE of a good profile"
run "${A[@]}" --json check pvblk-guest
shape check "check --json of a good profile"
run "${A[@]}" check nope
expect_rc 3 "check of no such profile: not found"
run "${A[@]}" check "$R/no/such.conf"
expect_rc 3 "check of no such file: not found"
expect_out "cannot open" "and says why"
profile nomatch "[disk]
devices=sdz
add_random=0"
run "${A[@]}" profile nomatch
expect_rc 0 "devices= matching no disk: applied (nothing)"
expect_re "^disk +- +devices +expected sdz +.*n/a: devices=sdz matches no disk present" "and said"
run "${A[@]}" off

### exit codes and errors
run "${A[@]}" profile ../../etc
expect_rc 2 "profile name with .. refused"
expect_out "invalid profile name '../../etc'" "bad name message"
run "${A[@]}" --json profile a/b
expect_rc 2 "profile name with / refused"
shape profile "profile --json, a usage error, in profile's shape"
run "${A[@]}" profile no-such
expect_rc 3 "unknown profile: not found"
expect_out "profile 'no-such' not found" "unknown profile message"
run "${A[@]}" --json profile no-such
shape profile "profile --json, not found"
profile broken "[main]
summary=broken
[disk]
elevator=cfq"
run "${A[@]}" profile broken
expect_rc 6 "profile with a bad value: invalid"
expect_out "broken/tuned.conf:4: [disk] elevator=cfq: unknown elevator 'cfq'" "bad value names file and line"
run "${A[@]}" --json profile broken
shape profile "profile --json, invalid"
run "${A[@]}" list
expect_out "(broken: " "list marks a broken profile"
profile broken2 "[vm]
swappiness=900
dirty_ratio=101"
run "${A[@]}" list
expect_re "^- broken2 +- \(broken: .*broken2/tuned.conf:2: \[vm\] swappiness=900: .*; 1 more: pvtune-adm check broken2\)$" \
	"list: the first error of a profile, on one line, and how to see the rest"
rm -r "$R/etc/pvtune/profiles/broken2"
run "${A[@]}" --json list
shape list "list --json: a broken profile has its error" \
	'[p for p in d["profiles"] if p["name"] == "broken"][0]["summary"] is None and "cfq" in [p for p in d["profiles"] if p["name"] == "broken"][0]["error"]' 
# an unreadable profile (as a user that may not read it)
chmod 755 "$R"
profile secret "[main]
summary=secret"
chmod 000 "$R/etc/pvtune/profiles/secret/tuned.conf"
run setpriv --reuid=65534 --regid=65534 --clear-groups "${A[@]}" profile_info secret
expect_rc 5 "unreadable profile: denied"
expect_out "secret/tuned.conf: cannot open: Permission denied" "unreadable file named with the reason"
run "${A[@]}" frobnicate
expect_rc 2 "unknown command"
run "${A[@]}" --json frobnicate
shape usage "unknown command --json"
run "${A[@]}" profile_info a b
expect_rc 2 "profile_info takes one name"
run "$ADM" --root "$R" list
expect_rc 2 "--root needs --no-daemon"
run "$ADM" --no-daemon --root /nonexistent list
expect_rc 2 "--root of no directory"
expect_out "--root /nonexistent: not a directory" "says so"
PVTUNE_ROOT=/nonexistent run "$ADM" --no-daemon list
expect_rc 2 "\$PVTUNE_ROOT of no directory"

### per-command --help, options anywhere
run "${A[@]}" verify --help
expect_rc 0 "verify --help"
expect_out "Usage: pvtune-adm [--json] [--no-daemon] [--root DIR] verify [-i]" "its usage line"
expect_out "--ignore-missing" "and its option"
for c in list active profile off recommend profile_info profile_mode auto_profile check qemu-args libvirt-xml; do
	run "$ADM" "$c" -h
	[ "$rc" = 0 ] && grep -q "pvtune-adm .* $c" <<<"$out" && ok "$c -h" || bad "$c -h" "$out"
done
run "$ADM" --help
expect_out "Exit status: 0 ok, 1 mismatch, 2 usage, 3 not found, 4 pvtuned not running" "--help lists the exit codes"
run "$ADM" --no-daemon list --root "$R" --json
expect_rc 0 "global options after the command"
shape list "and --json there too"

### bash completion: commands, options (a command's own too), profile names
complete_words() { # the words of a command line, the last one being completed
	bash -c '
		_init_completion() { words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
			cur=${words[cword]}; prev=${words[cword-1]}; }
		_filedir() { :; }
		complete() { :; }
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_pvtune_adm; printf "%s\n" "${COMPREPLY[@]}"' _ "$top/agent/pvtune-adm.bash-completion" "$@"
}
out=$(complete_words pvtune-adm ver)
[ "$out" = verify ] && ok "completion: a command" || bad "completion of 'ver'" "$out"
out=$(complete_words pvtune-adm verify --i)
[ "$out" = --ignore-missing ] && ok "completion: verify's own option" || bad "completion of 'verify --i'" "$out"
out=$(complete_words pvtune-adm --)
expect_out "--version" "completion: global options"
out=$(complete_words pvtune-adm profile --root "$R" pvblk-guest-l)
[ "$out" = pvblk-guest-latency ] && ok "completion: profile names under --root" || bad "completion of a name" "$out"
out=$(complete_words pvtune-adm check --root "$R" pvblk-h)
[ "$out" = pvblk-host ] && ok "completion: check takes profile names" || bad "completion for check" "$out"

### text columns stay aligned with long names
mkdir -p "$R/sys/block/pvdverylongdiskname0/queue" "$R/sys/block/pvdverylongdiskname0/device"
for f in scheduler:"[none] mq-deadline" read_ahead_kb:128 nr_requests:256 rq_affinity:1 add_random:1; do
	echo "${f#*:}" >"$R/sys/block/pvdverylongdiskname0/queue/${f%%:*}"
done
echo 0 >"$R/sys/block/pvdverylongdiskname0/removable"
run "${A[@]}" profile pvblk-guest
run "${A[@]}" verify
cols=$(grep -E '^(disk|pvblk|vm|cpu) ' <<<"$out" | awk '{ print index($0, " expected ") }' | sort -u)
[ "$(wc -l <<<"$cols")" = 1 ] && ok "columns aligned with a long device name" || bad "columns not aligned: $cols" "$out"
run "${A[@]}" off
rm -r "$R/sys/block/pvdverylongdiskname0"

### other tuners: what they will undo
mkdir -p "$R/proc/4242" "$R/proc/4343" "$R/usr/lib/tuned/virtual-guest" "$R/etc/tuned" \
	"$R/run/tuned" "$R/run/irqbalance"
echo irqbalance >"$R/proc/4242/comm"
echo tuned >"$R/proc/4343/comm"
echo 4343 >"$R/run/tuned/tuned.pid"
touch "$R/run/irqbalance/irqbalance4242.sock"
echo virtual-guest >"$R/etc/tuned/active_profile"
printf '[main]\nsummary=tuned profile\n[sysctl]\nvm.swappiness=30\n[disk]\nreadahead=>4096\n' \
	>"$R/usr/lib/tuned/virtual-guest/tuned.conf"
run "${A[@]}" profile pvblk-guest-latency
run "${A[@]}" verify
expect_rc 0 "verify with other tuners running: the items hold now"
expect_re "^irq +irq25:virtio0-req.0 +affinity .* warning: irqbalance \(pid 4242\) moves interrupts and will undo this" "irqbalance's undoing named per item"
expect_re "^vm +- +swappiness .* warning: tuned \(pid 4343, profile virtual-guest\) sets this too and will undo it: .*virtual-guest/tuned.conf:4: \[sysctl\] vm.swappiness=30" "tuned's named with its file and line"
expect_re "^disk +vda +readahead .* warning: tuned .*\[disk\] readahead=>4096" "and its disk settings"
run "${A[@]}" off
rm -r "$R/proc/4242" "$R/proc/4343" "$R/etc/tuned" "$R/run/tuned" "$R/run/irqbalance"

### qemu-args / libvirt-xml: from the profile files, no daemon needed
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
expect_rc 6 "libvirt-xml with a bad PVTUNE_LIBVIRT_VERSION: invalid"
expect_out "PVTUNE_LIBVIRT_VERSION=nine: not a version" "libvirt-xml names the bad version"
PVTUNE_LIBVIRT_VERSION=nine run "${A[@]}" --json libvirt-xml pvblk-host
shape libvirt-xml "libvirt-xml --json, an error"
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
PVTUNE_LIBVIRT_VERSION=9.0 run "${A[@]}" --json libvirt-xml pvblk-host
shape libvirt-xml "libvirt-xml --json"
run "${A[@]}" --json qemu-args pvblk-host
shape qemu-args "qemu-args --json" 'd["profile"] == "pvblk-host" and "-object iothread" in d["qemu-args"]' 
run "${A[@]}" qemu-args pvblk-guest
expect_rc 6 "qemu-args of a profile without [qemu]: invalid"
expect_out "profile pvblk-guest has no [qemu] section (try pvblk-host)" "qemu-args names the missing section"
run "${A[@]}" --json qemu-args pvblk-guest
shape qemu-args "qemu-args --json, an error"
run "${A[@]}" qemu-args
expect_rc 2 "qemu-args without a name"

summary
