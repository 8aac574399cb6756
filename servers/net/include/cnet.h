/*
 * cnet.h - what module CNet shows servers/net: the network device
 * interface's constants (<device/net_status.h>), the project's statistics
 * flavor (<sm/net_stats.h>) and the virtio constants.
 */
#ifndef SERVERS_NET_CNET_H
#define SERVERS_NET_CNET_H

#include <sm/swift_runtime.h>
#include <device/device_types.h>
#include <device/net_status.h>
#include <sm/net_stats.h>
#include <sm/virtio_spec.h>

#endif
