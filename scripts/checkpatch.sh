#!/usr/bin/env bash
# Run the kernel's checkpatch.pl (from Debian's linux-source tarball,
# extracted once into build/cache/checkpatch) over driver/. Fails on any
# error or warning.
set -euo pipefail
cd "$(dirname "$0")/.."
cp_dir=build/cache/checkpatch
if [ ! -x "$cp_dir/scripts/checkpatch.pl" ]; then
	tarball=$(ls /usr/src/linux-source-*.tar.xz | sort -V | tail -n1)
	top=$(basename "$tarball" .tar.xz)
	mkdir -p "$cp_dir"
	echo "checkpatch: extracting from $tarball"
	tar -xJf "$tarball" -C "$cp_dir" --strip-components=1 \
		"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
		"$top/scripts/const_structs.checkpatch"
fi
cp=("$cp_dir/scripts/checkpatch.pl" --no-tree --show-types --terse)
{
	"${cp[@]}" -f $(ls driver/*.[ch] | grep -v pvblk_compat.h)
	# The compatibility header exists to compare kernel versions.
	"${cp[@]}" --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON \
		-f driver/pvblk_compat.h
} | tee build/checkpatch.log
if grep -qE ': (ERROR|WARNING|CHECK):' build/checkpatch.log; then
	echo "checkpatch: driver/ has style errors or warnings" >&2
	exit 1
fi
echo "checkpatch: driver/ clean"
