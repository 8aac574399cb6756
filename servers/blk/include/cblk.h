/*
 * cblk.h - what module CBlk shows servers/blk: the project's status
 * flavors (<sm/blk_stats.h>) and the virtio constants.  The replies sent
 * once the device has finished come from the SDK (DeviceReplies.swift).
 */
#ifndef SERVERS_BLK_CBLK_H
#define SERVERS_BLK_CBLK_H

#include <sm/swift_runtime.h>
#include <device/device_types.h>
#include <sm/blk_stats.h>
#include <sm/virtio_spec.h>

#endif
