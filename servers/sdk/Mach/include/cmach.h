/*
 * cmach.h - the C declarations module CMach shows Swift (module.modulemap).
 *
 * The runtime (SMRuntime: heap, console, traps, mach_msg, smhost stubs) plus
 * the MIG stubs the SDK wraps: port rights (mach_port.h), memory (mach.h, for
 * vm_deallocate of out-of-line data) and GNU Mach's device interface, both
 * the client side (device.h) and the server side (device_server.h: the
 * device_server demux and the ds_* prototypes a device server implements).
 * The generated headers come from $(top_builddir)/gen.
 */
#ifndef _SDK_CMACH_H_
#define _SDK_CMACH_H_

#include <sm/swift_runtime.h>
#include <mach/message.h>
#include <mach/mig_errors.h>
#include <mach/mig_support.h>
#include <mach/port.h>
#include <mach/notify.h>
#include <device/device_types.h>
#include "mach.h"
#include "mach_port.h"
#include "device.h"
#include "device_server.h"
#include "device_reply.h"

/* MIG's server headers declare the routines but not the demux itself. */
boolean_t device_server(mach_msg_header_t *in, mach_msg_header_t *out);

#endif
