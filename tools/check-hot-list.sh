#!/bin/sh
# check-hot-list.sh LDSCRIPT OBJECT...: every section the linker script's
# hot-path lists name (`*(.text.NAME)`, `*(.data.NAME)`, `*(.bss.NAME)`,
# `*(.rodata.NAME)`: kernel/i386/kernel.ld) is a section of one of the
# objects. A NAME may hold `*`, as the linker's patterns do: the link-time
# optimizer names a file-local function or object that another file's
# shares NAME.lto_priv.N, N in no fixed order. Run on every link of the
# kernel (kernel/kernel.mk).
#
# Why: the linker accepts a pattern that matches nothing, so a function
# renamed or made inline would silently leave the hot path's pages, and the
# list would no longer say what it places. Prints each missing name and
# "hot list: N passed, M failed"; fails if any is missing.
set -eu
ld=$1; shift
: "${OBJDUMP:=objdump}"
have=$(mktemp)
trap 'rm -f "$have"' EXIT
"$OBJDUMP" -h "$@" | awk '$1 ~ /^[0-9]+$/ { print $2 }' | sort -u > "$have"
pass=0; fail=0
for name in $(sed -n 's/[^*]*\*(\(\.\(text\|data\|bss\|rodata\)\.[^ )]*\))/\1\n/gp' "$ld" | grep '^\.' | sort -u); do
	if grep -qx "$(printf '%s' "$name" | sed 's/\./\\./g; s/\*/.*/g')" "$have"; then
		pass=$((pass + 1))
	else
		echo "$ld: $name is in no object (renamed or inlined? update the list)" >&2
		fail=$((fail + 1))
	fi
done
echo "hot list: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
