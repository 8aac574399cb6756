#!/bin/sh
# warning-count-check.sh MAX LOG - a guest test's post-check (tests/user-qemu.mk):
# the serial log LOG holds fewer than MAX kernel warning lines. A test that
# makes the kernel warn on every one of very many calls uses it to prove the
# warnings are rate-limited (kernel/kern/kwarn.c).
max=$1; log=$2
n=$(grep -c '^warning: ' "$log")
echo "$n kernel warning lines (limit $max)"
[ "$n" -lt "$max" ]
