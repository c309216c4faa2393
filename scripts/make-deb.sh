#!/usr/bin/env bash
# make deb: build pvblk-dkms_<version>_all.deb and pvtune_<version>_<arch>.deb
# (and the native source package pvblk_<version>.dsc) into build/deb/ with
# dpkg-buildpackage (debian/), then run lintian on the three;
# an error or warning fails (overrides, each with its reason, live in
# debian/*.lintian-overrides).
#
# The source is the working tree's tracked and untracked-but-not-ignored
# files, copied to build/deb/src/pvblk-<version>/ (dpkg-buildpackage writes
# its results next to the source directory and must not see build/).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
version=$(scripts/version.sh)
out=$top/build/deb
src=$out/src/pvblk-$version

rm -rf "$out"
mkdir -p "$src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$top" ls-files -z --cached --others --exclude-standard |
		(cd "$top" && xargs -0 cp --parents -t "$src" 2>/dev/null || true)
	# files deleted in the work tree but still in the index: cp skipped them
else
	tar -C "$top" --exclude=./build -cf - . | tar -C "$src" -xf -
fi

echo "deb: dpkg-buildpackage in ${src#$top/}"
if ! (cd "$src" && dpkg-buildpackage -us -uc -j"$(nproc)") > "$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	echo "deb: dpkg-buildpackage failed, see ${out#$top/}/build.log" >&2
	exit 1
fi
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out"/src/*.dsc \
	"$out"/src/*.tar.* "$out"/
ls -l "$out"/*.deb
debs=("$out"/pvblk_"$version".dsc "$out"/pvblk-dkms_"$version"_all.deb "$out"/pvtune_"$version"_*.deb)

echo "deb: lintian (errors and warnings fail)"
if ! lintian --fail-on error,warning --display-info --display-experimental "${debs[@]}" > "$out/lintian.log" 2>&1; then
	cat "$out/lintian.log" >&2
	echo "deb: lintian found errors or warnings (${out#$top/}/lintian.log)" >&2
	exit 1
fi
cat "$out/lintian.log"
echo "deb: ok, no lintian error or warning"
