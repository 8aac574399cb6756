/*
 * sm/virtio_rng.h - the virtio entropy device (virtio 1.2, 5.4): device ID
 * VIRTIO_ID_ENTROPY (<sm/virtio_spec.h>), no feature bits, no
 * configuration, one queue of device-writable buffers the device fills
 * with random bytes (the used length says how many).  The one statement of
 * these facts in the tree: servers/rng uses it (module CVirtio).
 */
#ifndef _SM_VIRTIO_RNG_H_
#define _SM_VIRTIO_RNG_H_

#define VIRTIO_RNG_REQUESTQ		0	/* 5.4.2 */

#endif /* _SM_VIRTIO_RNG_H_ */
