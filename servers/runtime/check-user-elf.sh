#!/bin/sh
# check-user-elf.sh ELF - fail unless ELF is a user task the kernel can load.
#
#  - 32-bit i386 ET_EXEC, entry point inside the image;
#  - PT_LOAD segments page aligned (vaddr and file offset), between
#    0x00400000 and 0xC0000000, none both writable and executable;
#  - no PT_INTERP / PT_DYNAMIC (static only);
#  - no undefined symbols;
#  - no SSE/MMX instructions (x87 is allowed: the kernel saves FPU state).
# Prints the text/data/bss sizes on success.
# Tools can be overridden: READELF, NM, OBJDUMP, SIZE.

set -eu
elf=$1
READELF=${READELF:-readelf}
NM=${NM:-nm}
OBJDUMP=${OBJDUMP:-objdump}
SIZE=${SIZE:-size}
fail() { echo "check-user-elf: $elf: $*" >&2; exit 1; }

hdr=$($READELF -hW "$elf")
echo "$hdr" | grep -q 'Class: *ELF32' || fail "not ELF32"
echo "$hdr" | grep -q 'Type: *EXEC' || fail "not ET_EXEC"
echo "$hdr" | grep -q 'Machine: *Intel 80386' || fail "not i386"

$READELF -lW "$elf" | awk -v elf="$elf" '
	function num(s,   i, v) {	# "0x..." to a number, in any awk
		s = tolower(s); sub(/^0x/, "", s); v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	$1 == "INTERP" || $1 == "DYNAMIC" { print "dynamic segment " $1; bad = 1 }
	$1 == "LOAD" {
		off = num($2); va = num($3); msz = num($6); fl = $7 $8 $9
		n++
		if (va % 4096 || off % 4096) { print "LOAD at " $3 " not page aligned"; bad = 1 }
		# user range: 0x00400000 .. 0xC0000000 (mawk has no hex literals)
		if (va < 4194304 || va + msz > 3221225472) { print "LOAD " $3 " outside user range"; bad = 1 }
		if (fl ~ /W/ && fl ~ /E/) { print "LOAD " $3 " is writable and executable"; bad = 1 }
	}
	END {
		if (n == 0) { print "no LOAD segments"; bad = 1 }
		exit bad
	}' >&2 || fail "bad program headers"

undef=$($NM -u "$elf")
[ -z "$undef" ] || fail "undefined symbols: $(echo $undef)"

simd=$($OBJDUMP -d "$elf" | grep -E '%(x|y|z)mm[0-9]|%mm[0-7]|mxcsr' | head -5 || true)
[ -z "$simd" ] || fail "SSE/MMX instructions:
$simd"

$SIZE "$elf"
