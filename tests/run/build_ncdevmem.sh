#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the kernel's own ncdevmem (tools/testing/selftests/net/ncdevmem.c,
# GPL-2.0) from Debian's linux-source-6.12 tarball, into the build
# directory only, so the run suite can test `devmem-lab run` against the
# real tool: its YNL library and generated netdev code as the kernel's
# Makefiles make them, the UAPI headers cleaned as `make headers_install`
# cleans them.  Nothing of it is committed or linked into the library.
#   build_ncdevmem.sh TARBALL OUT_BINARY WORKDIR CC
set -eu
tarball=$1 out=$2 work=$3 cc=$4
top=$(basename "$tarball" .tar.xz)

rm -rf "$work"
mkdir -p "$work"
tar -xJmf "$tarball" -C "$work" \
	"$top/tools/net/ynl" \
	"$top/tools/testing/selftests/net/ncdevmem.c" \
	"$top/Documentation/netlink" \
	"$top/include/uapi/linux" \
	"$top/include/uapi/asm-generic"
src=$work/$top
# ynl-gen-c.py finds the tree's root by its MAINTAINERS file.
: >"$src/MAINTAINERS"

gen=$src/tools/net/ynl/generated
for kind in header source; do
	ext=h
	[ "$kind" = source ] && ext=c
	python3 "$src/tools/net/ynl/ynl-gen-c.py" --mode user --$kind \
		--spec "$src/Documentation/netlink/specs/netdev.yaml" -o "$gen/netdev-user.$ext"
done

# What headers_install does to the UAPI: no kernel-only annotations.
inc=$work/include
mkdir -p "$inc"
cp -r "$src/include/uapi/linux" "$src/include/uapi/asm-generic" "$inc/"
find "$inc" -name '*.h' -exec sed -i -E \
	-e 's/([[:space:](])(__user|__force|__iomem)[[:space:]]/\1/g' \
	-e 's/__attribute_const__([[:space:]]|$)/\1/g' \
	-e 's@^#include <linux/compiler(|_types).h>@@' {} +

# The kernel's code, built as its Makefiles build it (its warnings are its own).
flags="-std=gnu11 -O2 -w -I$src/tools/net/ynl/lib -I$gen -I$inc"
$cc $flags -o "$out" "$src/tools/testing/selftests/net/ncdevmem.c" \
	"$gen/netdev-user.c" "$src/tools/net/ynl/lib/ynl.c"
