#!/bin/bash
# install-in-guest.sh TOP: install the built agent from the source tree TOP
# into a test guest's root (a tmpfs overlay over the host's root, see
# tests/harness): binaries, systemd unit, D-Bus policy, profiles, udev rules;
# then reload D-Bus, udev and systemd so that they see them.
set -euo pipefail
top=$1
a=$top/agent
install -m 0755 "$a/pvtuned" "$a/pvtune-adm" /usr/sbin/
install -m 0644 "$a/pvtuned.service" /etc/systemd/system/
mkdir -p /etc/dbus-1/system.d /usr/lib/pvtune/profiles /etc/pvtune/profiles
install -m 0644 "$a/org.pvblk.pvtune1.conf" /etc/dbus-1/system.d/
install -D -m 0644 "$a/org.pvblk.pvtune1.policy" /usr/share/polkit-1/actions/org.pvblk.pvtune1.policy
cp -r "$top"/tuned-profiles/* /usr/lib/pvtune/profiles/
install -m 0644 "$top/udev/60-pvtune.rules" /etc/udev/rules.d/
busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig
udevadm control --reload
udevadm trigger --action=change --subsystem-match=block
udevadm settle -t 30
systemctl daemon-reload
