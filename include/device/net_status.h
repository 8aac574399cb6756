/*
 * Network device types named by GNU Mach's device_types.defs.  For now only
 * the packet-filter word and array that device_set_filter carries (at
 * most 128 16-bit words, inline); the status flavors and filter opcodes
 * will be added by whoever writes the first network server.
 */

#ifndef _DEVICE_NET_STATUS_H_
#define _DEVICE_NET_STATUS_H_

#include <device/device_types.h>

typedef unsigned short filter_t;
typedef filter_t *filter_array_t;
#define NET_MAX_FILTER	128

#endif /* _DEVICE_NET_STATUS_H_ */
