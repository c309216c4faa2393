#!/usr/bin/env bash
# mkimage.sh: the Debian 12 guest image of image mode (tests/harness/README.md,
# "Image mode"). Prints the image directory, build/image/<key>/, holding:
#   root.img        raw ext4 (the whole disk, no partition table), UUID $UUID
#   vmlinuz-KVER, initrd.img-KVER   the image's own kernel and initramfs
#                   (copied out of /boot, for the first boot)
#   repo/           a flat apt repository (Packages.gz) with what the tests
#                   install offline: the 6.12 kernel and headers, pvtune's
#                   libraries, dbus
#   info            KVER=, KVER_NEXT=, UUID=
# The key hashes this script and the two kernel versions, so an image is
# built once and reused until one of them changes; older images are deleted.
# Downloaded .debs stay in build/cache/image-debs (and the test kernels'
# .debs from build/cache/debs are used), so a rebuild downloads nothing new.
#
# The image: debootstrap --variant=minbase bookworm, plus systemd, udev,
# kmod, initramfs-tools, the 6.1 kernel and its headers, dkms (with its
# compiler) and fio (with --no-install-recommends), dpkg without fsync,
# an empty sources.list (the guest has no network), a serial console, and
# pvtest-image.service, which mounts the 9p shares of the harness and runs
# guest-run.sh (only when the kernel command line has pvtest.top=).
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$PWD
build=$top/build
MIRROR=${PVTEST_MIRROR:-http://deb.debian.org/debian}
SECURITY=${PVTEST_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
SUITE=bookworm
UUID=5e1f0c3a-9b7d-4e0a-8c1b-2f6d7a9e0b11
SIZE=4G

# build/kernels.list: "KVER ROLE SUITE" (scripts/kernels.conf); the image
# boots bookworm's generic kernels, the ones of role full.
mapfile -t kvers < <(awk '$2 == "full" && $3 == "bookworm" { print $1 }' "$build/kernels.list")
KVER=$(printf '%s\n' "${kvers[@]}" | grep '^6\.1\.' | head -n1)
KVER_NEXT=$(printf '%s\n' "${kvers[@]}" | grep '^6\.12\.' | head -n1)
[ -n "$KVER" ] && [ -n "$KVER_NEXT" ] || {
	echo "mkimage: need a 6.1 and a 6.12 kernel in build/kernels.list (make deps)" >&2
	exit 1
}

# In the image (no recommends): what booting, apt and the tests need, and
# dkms with its compiler and the 6.1 headers: installing those in the guest
# (under TCG) cost over ten minutes of `make check`, for nothing of ours.
IMAGE_PKGS=(systemd systemd-sysv udev kmod initramfs-tools zstd fio "linux-image-$KVER"
	dkms "linux-headers-$KVER")
# In repo/ (with recommends, as `apt install` takes them): the closure of
# these less what the image has: pvtune's dependencies, and the second
# kernel with its headers.
REPO_PKGS=("linux-image-$KVER_NEXT" "linux-headers-$KVER_NEXT" dbus libiniparser1 libjson-c5)

key=$( { cat "$0"; echo "$KVER $KVER_NEXT $MIRROR $SECURITY"; } | sha256sum | cut -c1-16)
out=$build/image/$key
mkdir -p "$build/image"
exec 9> "$build/image/.lock"
flock 9	# one build at a time; the others then find it done
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi
for old in "$build"/image/*/; do	# older keys
	[ -d "$old" ] && [ "${old%/}" != "$out" ] && rm -rf "$old"
done

exec 3>&1 1>&2	# progress to stderr; the result line to stdout
t0=$(date +%s)
cache=$build/cache/image-debs
mkdir -p "$cache/partial"
cp -l "$build"/cache/debs/linux-image-*.deb "$cache/" 2>/dev/null || true
rm -rf "$out"
mkdir -p "$out/repo"
root=$out/root
log=$out/build.log
: > "$log"

mounts=()
cleanup() {
	local i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount -l "${mounts[$i]}" 2>/dev/null || true
	done
}
trap cleanup EXIT
trap 'exit 1' INT TERM	# run the EXIT trap (unmount) on a signal too
bindmount() {
	mkdir -p "$2"
	mount --bind "$1" "$2"
	mounts+=("$2")
}
step() { echo "mkimage: [$(( $(date +%s) - t0 ))s] $*"; }
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }

step "debootstrap --variant=minbase $SUITE (log: ${log#$top/})"
if ! debootstrap --variant=minbase --cache-dir="$cache" "$SUITE" "$root" "$MIRROR" >> "$log" 2>&1; then
	tail -n 30 "$log"
	exit 1
fi

cat > "$root/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY $SUITE-security main
EOF
# no documentation, translations or man pages in the image: smaller, faster
cat > "$root/etc/dpkg/dpkg.cfg.d/01-pvtest-nodoc" <<'EOF'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
EOF
echo 'APT::Install-Recommends "false";' > "$root/etc/apt/apt.conf.d/01-pvtest-norecommends"
# update-initramfs runs under TCG in the tests (each install, removal and
# kernel): zstd -1 instead of the default level costs a little size
mkdir -p "$root/etc/initramfs-tools/conf.d"
echo COMPRESSLEVEL=1 > "$root/etc/initramfs-tools/conf.d/pvtest-speed.conf"
# /proc only: the host's /dev and /sys stay out of the chroot (maintainer
# scripts there must not touch the host's device nodes); debootstrap made
# the static /dev nodes apt and dpkg need.
bindmount /proc "$root/proc"
bindmount "$cache" "$root/var/cache/apt/archives"

step "apt-get install ${IMAGE_PKGS[*]}"
{
	in_root apt-get update -q
	in_root apt-get upgrade -y -q	# debootstrap took bookworm, not its updates
	in_root apt-get install -y -q "${IMAGE_PKGS[@]}"
} >> "$log" 2>&1 || { tail -n 30 "$log"; exit 1; }

step "repo: ${REPO_PKGS[*]} and what they need (with recommends)"
{
	in_root apt-get install -y -q --download-only -o APT::Install-Recommends=true "${REPO_PKGS[@]}"
	in_root apt-get install -s -q -o APT::Install-Recommends=true "${REPO_PKGS[@]}" |
		sed -n 's/^Inst \([^ ]*\) .*(\([^ ]*\) .*/\1 \2/p' > "$out/repo.list"
} >> "$log" 2>&1 || { tail -n 30 "$log"; exit 1; }
while read -r pkg ver; do
	f=$(ls "$cache/${pkg}_${ver/:/%3a}_"*.deb 2>/dev/null | head -n1)
	[ -n "$f" ] || { echo "mkimage: $pkg $ver not downloaded" >&2; exit 1; }
	cp -l "$f" "$out/repo/" 2>/dev/null || cp "$f" "$out/repo/"
done < "$out/repo.list"
(cd "$out/repo" && dpkg-scanpackages -m . 2>/dev/null | gzip -9 > Packages.gz)

step "configure the guest"
# The initramfs made in the guest from now on takes only the modules the
# root disk and file system need (MODULES=dep) plus those in
# /etc/initramfs-tools/modules, where virtio_blk stands as an admin of a
# dep system would put it (README.md: removal with MODULES=dep). Debian's
# MODULES=most copies 747 modules with about 13,000 execs: more than 40
# minutes per initramfs under TCG on a loaded machine, four times per test.
# The first boot's initramfs above was made with MODULES=most.
echo MODULES=dep > "$root/etc/initramfs-tools/conf.d/pvtest-modules.conf"
echo virtio_blk >> "$root/etc/initramfs-tools/modules"
# apt and dpkg as Debian ships them (the tests install as a user would),
# but for dpkg's fsyncs (slow under TCG; a test guest shuts down cleanly)
rm -f "$root/etc/apt/apt.conf.d/01-pvtest-norecommends" "$root/etc/dpkg/dpkg.cfg.d/01-pvtest-nodoc"
echo force-unsafe-io > "$root/etc/dpkg/dpkg.cfg.d/01-pvtest-unsafe-io"
cat > "$root/etc/apt/sources.list" <<'EOF'
# The test image has no network: the tests add a local repository.
EOF
rm -rf "$root"/var/lib/apt/lists/*
mkdir -p "$root/var/lib/apt/lists/partial"
echo "UUID=$UUID / ext4 errors=remount-ro 0 1" > "$root/etc/fstab"
echo pvimage > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tpvimage\n' > "$root/etc/hosts"
: > "$root/etc/machine-id"
in_root passwd -d root >> "$log" 2>&1
# units a test guest without network or a real console does not need
for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer \
	dpkg-db-backup.timer systemd-timesyncd.service getty@tty1.service \
	systemd-networkd-wait-online.service e2scrub_reap.service; do
	ln -sfn /dev/null "$root/etc/systemd/system/$u"
done
cat > "$root/usr/local/sbin/pvtest-image-run" <<'EOF'
#!/bin/sh
# pvtest-image-run: started by pvtest-image.service. With pvtest.top= on the
# kernel command line (the harness's image mode), mount the run directory
# (9p tag pvtest) on /pvtest and the source tree (9p tag pvtop, read-only)
# at its host path, then run the harness's guest-run.sh as in systemd mode.
top=
for w in $(cat /proc/cmdline); do
	case $w in
	pvtest.top=*) top=${w#*=} ;;
	esac
done
[ -n "$top" ] || exit 0
modprobe -a 9pnet_virtio 9p
o=trans=virtio,version=9p2000.L,msize=512000
mkdir -p /pvtest "$top"
mount -t 9p -o "$o,cache=none" pvtest /pvtest || exit 1
mount -t 9p -o "ro,$o,cache=loose" pvtop "$top" || exit 1
exec /bin/sh "$top/tests/harness/guest-run.sh" systemd
EOF
chmod 0755 "$root/usr/local/sbin/pvtest-image-run"
cat > "$root/etc/systemd/system/pvtest-image.service" <<'EOF'
[Unit]
Description=pvtest guest script (harness image mode)
After=basic.target systemd-udevd.service systemd-udev-trigger.service

[Service]
Type=simple
ExecStart=/usr/local/sbin/pvtest-image-run
StandardInput=null
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
EOF
ln -sfn /etc/systemd/system/pvtest-image.service \
	"$root/etc/systemd/system/multi-user.target.wants/pvtest-image.service"

cp "$root/boot/vmlinuz-$KVER" "$root/boot/initrd.img-$KVER" "$out/"
cleanup
mounts=()
rm -rf "$root"/var/cache/apt/archives/* "$root"/var/cache/apt/*.bin
mkdir -p "$root/var/cache/apt/archives/partial"

step "mkfs.ext4 -d ($SIZE, sparse)"
mkfs.ext4 -q -F -U "$UUID" -L pvroot -d "$root" "$out/root.img" "$SIZE" >> "$log" 2>&1
rm -rf "$root"
printf 'KVER=%s\nKVER_NEXT=%s\nUUID=%s\n' "$KVER" "$KVER_NEXT" "$UUID" > "$out/info"
du -sh --apparent-size "$out/root.img" | sed 's/^/mkimage: apparent /'
du -sh "$out/root.img" "$out/repo" | sed 's/^/mkimage: /'
step "done: ${out#$top/}"
touch "$out/.done"
echo "$out" >&3
