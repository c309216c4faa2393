# guest-lib.sh -- sourced (bash) at the top of every guest test script.
# Small helpers for talking to the host through /pvtest.

# pv_signal NAME: tell the host something happened (host: vm.wait_file(NAME)).
pv_signal() {
	touch "/pvtest/$1"
}

# pv_wait NAME [TIMEOUT]: wait until the host creates /pvtest/NAME
# (host: vm.signal(NAME)); fails after TIMEOUT seconds (default 60).
pv_wait() {
	local name=$1 tmo=${2:-60} i=0
	while [ ! -e "/pvtest/$name" ]; do
		i=$((i + 1))
		if [ $i -gt $((tmo * 10)) ]; then
			echo "pv_wait: /pvtest/$name did not appear within ${tmo}s" >&2
			return 1
		fi
		sleep 0.1
	done
}

# pv_next_boot [KVER]: image mode: choose the kernel and initramfs of the
# next boot. The host boots what this leaves in /pvtest/boot/ (copies of
# /boot/vmlinuz-KVER and /boot/initrd.img-KVER); by default the kernel that
# /vmlinuz points to, the newest, as a boot loader's default entry would.
pv_next_boot() {
	local k=${1:-}
	[ -n "$k" ] || k=$(basename "$(readlink -f /vmlinuz)" | sed 's/^vmlinuz-//')
	mkdir -p /pvtest/boot
	cp "/boot/vmlinuz-$k" /pvtest/boot/vmlinuz
	cp "/boot/initrd.img-$k" /pvtest/boot/initrd.img
	echo "$k" > /pvtest/boot/kver
}
