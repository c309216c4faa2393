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
