#!/bin/sh
# The version of pvblk and pvtune: debian/changelog's first entry, the one
# place to bump it (`dch -v X.Y.Z`). Used by the Makefile (dkms-add, deb),
# scripts/build-driver.sh and the tests; driver/dkms.conf holds the
# placeholder #MODULE_VERSION# that dh_dkms -V and dkms-add replace.
sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$(dirname "$0")/../debian/changelog"
