#!/bin/sh
# mkiso.sh OUT.iso "KERNEL ARGS" KERNEL.elf [MODULE[:ARGS]...]
# Builds a GRUB (i386-pc) rescue ISO that boots KERNEL with the given command
# line and loads each MODULE (a file; its name, then ARGS, is its command line).
set -eu
out=$1; kargs=$2; kernel=$3; shift 3
work=$(mktemp -d "${TMPDIR:-/tmp}/mkiso.XXXXXX")
trap 'rm -rf "$work"' EXIT
dir=$work/iso          # what goes on the ISO; the log stays outside it
mkdir -p "$dir/boot/grub"
cp "$kernel" "$dir/boot/kernel.elf"
{
	echo 'set timeout=0'
	echo 'set default=0'
	echo 'menuentry "swiftmach" {'
	echo "  multiboot /boot/kernel.elf $kargs"
	for spec in "$@"; do
		file=${spec%%:*}
		args=
		case $spec in *:*) args=" ${spec#*:}" ;; esac
		name=$(basename "$file")
		cp "$file" "$dir/boot/$name"
		echo "  module /boot/$name $name$args"
	done
	echo '  boot'
	echo '}'
} > "$dir/boot/grub/grub.cfg"
grub-mkrescue -o "$out" "$dir" >"$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }
