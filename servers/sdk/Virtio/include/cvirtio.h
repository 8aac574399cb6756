/*
 * cvirtio.h - the C declarations module CVirtio shows the Swift virtio
 * layer: the kernel's virtio transport (MIG user stubs of
 * include/sm/virtio.defs, generated into gen/virtio.h), its types and
 * error codes (virtio_fill_alloc among the stubs: pages that are both
 * DMA-addressable and ordinary task memory, so they can leave the task as
 * out-of-line data), the sm_virtio_notify trap, and gnumach.defs' stubs.
 */
#ifndef SDK_CVIRTIO_H
#define SDK_CVIRTIO_H

#include <sm/swift_runtime.h>
#include <mach/message.h>
#include <mach/mig_errors.h>
#include <sm/virtio_types.h>
#include <sm/virtio_spec.h>
#include <sm/virtio_rng.h>
#include <sm/virtio_notify.h>
#include "virtio.h"
#include "gnumach.h"
#include "vring_access.h"

#endif
