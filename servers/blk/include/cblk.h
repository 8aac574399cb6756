/*
 * cblk.h - what module CBlk shows servers/blk: the MIG user stubs of GNU
 * Mach's device_reply.defs (generated into gen/device_reply.h, prefix ds_),
 * with which the server answers device.defs and device_request.defs
 * requests after the device has finished them, and <sm/blk_stats.h>.
 */
#ifndef SERVERS_BLK_CBLK_H
#define SERVERS_BLK_CBLK_H

#include <sm/swift_runtime.h>
#include <device/device_types.h>
#include <sm/blk_stats.h>
#include <sm/virtio_spec.h>
#include "device_reply.h"

#endif
