#!/bin/sh
# run-driver.sh SRCDIR NAME KERNEL - boots servers/NAME/NAME (already built) with
# the devices of servers/NAME/run.conf and tests/driver-probe, which opens
# the device the driver registers and reads from it; the console is on
# this terminal.  Exits 0 when the probe could open the device.  `make
# run-driver NAME=foo` builds what it needs and calls it.
set -eu
[ $# -eq 3 ] || { echo "usage: $0 SRCDIR NAME KERNEL" >&2; exit 2; }
srcdir=$1 name=$2 kernel=$3
conf=$srcdir/servers/$name/run.conf
[ -f "$conf" ] || { echo "run-driver: no $conf (tools/new-driver.sh writes one)" >&2; exit 2; }
MODULE_ARGS= QEMU_DEVICES= DEVICE_NAME=${name}0
. "$conf"
iso=servers/$name/$name.iso
sh "$srcdir/tools/mkiso.sh" "$iso" "exit-when-idle halt-when=driver-probe" "$kernel" \
	"tests/driver-probe:$DEVICE_NAME" "servers/$name/$name:$MODULE_ARGS"
# shellcheck disable=SC2086 # QEMU_DEVICES is a list of arguments
GUEST_CONSOLE=1 GUEST_SUMMARY=driver-probe QEMU="${QEMU:-qemu-system-i386}" \
	sh "$srcdir/tests/scripts/run-guest-test.sh" "servers/$name/$name-run" "$iso" /dev/null 60 $QEMU_DEVICES
