#!/bin/sh
# new-driver.sh SRCDIR NAME DEVICE - makes servers/NAME in SRCDIR: the
# skeleton of a virtio driver for virtio device ID DEVICE (virtio 1.2,
# section 5) that builds (servers/servers.mk builds every servers/NAME),
# brings its device up to DRIVER_OK with one queue, registers "NAME0"
# behind the device master port and refuses every request; and run.conf,
# which `make run-driver NAME=NAME` boots it with.  `make new-driver
# NAME=foo DEVICE=4` calls it.  docs/sdk.md starts from here.
set -eu
[ $# -eq 3 ] || { echo "usage: $0 SRCDIR NAME DEVICE-ID" >&2; exit 2; }
srcdir=$1 name=$2 id=$3
case $name in
''|*[!a-z0-9]*|[0-9]*) echo "new-driver: NAME must be lower-case letters and digits, starting with a letter" >&2; exit 2 ;;
hello|sdk|runtime) echo "new-driver: servers/$name is not a driver folder" >&2; exit 2 ;;
esac
# The device types the kernel names (device/virtio/vdev.c), the C constant
# (include/sm/virtio_spec.h), the spec section and a QEMU device to boot with.
case $id in
1) kind=net cid=VIRTIO_ID_NET section="5.1 Network Device"
   qemu='-netdev user,id=net0 -device virtio-net-pci,netdev=net0' ;;
2) kind=blk cid=VIRTIO_ID_BLOCK section="5.2 Block Device"
   qemu='-blockdev driver=null-co,node-name=disk0,size=16777216 -device virtio-blk-pci,drive=disk0' ;;
3) kind=console cid=VIRTIO_ID_CONSOLE section="5.3 Console Device" qemu='-device virtio-serial-pci' ;;
4) kind=rng cid=VIRTIO_ID_ENTROPY section="5.4 Entropy Device"
   qemu='-object rng-builtin,id=rng0 -device virtio-rng-pci,rng=rng0' ;;
5) kind=balloon cid=VIRTIO_ID_BALLOON section="5.5 Traditional Memory Balloon Device"
   qemu='-device virtio-balloon-pci' ;;
8) kind=scsi cid=VIRTIO_ID_SCSI section="5.6 SCSI Host Device" qemu='-device virtio-scsi-pci' ;;
*) echo "new-driver: device ID $id: one of 1 (net) 2 (blk) 3 (console) 4 (rng) 5 (balloon) 8 (scsi)" >&2; exit 2 ;;
esac
dir=$srcdir/servers/$name
[ ! -e "$dir" ] || { echo "new-driver: $dir exists already" >&2; exit 1; }
type=$(printf '%s' "$name" | cut -c1 | tr a-z A-Z)$(printf '%s' "$name" | cut -c2-)
mkdir -p "$dir"
cat > "$dir/$type.swift" <<SWIFT
// $type.swift - the $name server: a virtio-$kind device (virtio 1.2,
// $section) served as "${name}0" behind the device master port.
//
// GRUB starts it as a module:  module /boot/$name $name device=virtio-$kind
// Made by tools/new-driver.sh: it brings the device up and registers its
// name; every request is refused until you implement it (docs/sdk.md).

import Mach
import Virtio
import CVirtio

@_cdecl("main")
func ${name}Main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    DeviceHost<$type>.serveVirtio(type: UInt32($cid), logPrefix: "$name") { device, index, set throws(MachError) in
        try $type(device, index: index, set: set)
    }
}

/// What a chain in flight is for; the queue gives it back when the device
/// has used the chain.
struct Chain {
}

final class $type: ServedDevice {
    let name: String
    let device: VirtioDevice
    let queue: Virtqueue<Chain>

    /// 3.1.1 bring-up: reset, features, the first queue, interrupts, live.
    init(_ device: VirtioDevice, index: Int, set: PortName) throws(MachError) {
        name = "$name\\(index)"
        self.device = device
        try device.claim()
        try device.negotiate(.version1, logPrefix: "$name")
        queue = try device.makeQueue(0)
        queue.onUsed = { [self] used, chain in finished(used, chain) }
        try device.listenForInterrupts(in: set)
        try device.driverOK()
    }

    /// The device has used a chain (used.written: the bytes it wrote).
    func finished(_ used: UsedChain, _ chain: Chain) {
    }
}
SWIFT
printf '# build output: this driver (servers/servers.mk)\n/%s\n/%s.tmp\n' "$name" "$name" > "$dir/.gitignore"
cat > "$dir/run.conf" <<CONF
# make run-driver NAME=$name: the module's arguments, the QEMU devices to
# boot with, and the device name a client opens.
MODULE_ARGS='device=virtio-$kind'
QEMU_DEVICES='$qemu'
DEVICE_NAME=${name}0
CONF
echo "new-driver: made $dir ($type.swift, run.conf); build and boot it: make run-driver NAME=$name"
