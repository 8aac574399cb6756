#!/bin/sh
# gdbinit.sh OUT PORT KERNEL.elf [TASK.elf...]
# Writes a .gdbinit for `make debug` / `make debug-TOPIC`: the kernel's
# symbols, then every task's (all tasks are linked at 0x400000, each in its
# own address space, so their symbols overlap: a breakpoint on a task's
# function stops whichever task runs that address, and `task-symbols FILE`
# keeps only the kernel's and FILE's for clean backtraces), and a
# connection to QEMU's gdb stub on PORT.
set -eu
out=$1; port=$2; kernel=$3; shift 3
{
	echo "# Written by make debug ($0): the kernel's and the tasks' symbols."
	echo "set confirm off"
	echo "set pagination off"
	echo "set architecture i386"
	echo "file $kernel"
	for task in "$@"; do
		echo "add-symbol-file $task"
	done
	echo "define task-symbols"
	echo "  symbol-file $kernel"
	echo "  add-symbol-file \$arg0"
	echo "end"
	echo "document task-symbols"
	echo "Keep only the kernel's symbols and those of one task: task-symbols servers/blk/blk"
	echo "end"
	echo "target remote localhost:$port"
} > "$out"
