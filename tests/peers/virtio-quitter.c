/* virtio-quitter: a helper task of the virtio transport tests. It claims
 * the device it was given (name 3), sets up a queue, DMA memory and an
 * interrupt port (with MSI-X, a vector of its own for the queue), hands the device a buffer to fill, and exits without
 * undoing any of it. The kernel must reset the device, turn its bus
 * mastering off and only then free the memory (the test checks the log and
 * the device's state). */
#include "virtio-guest.h"

int main(void)
{
	struct vdev_u d;
	struct vq_u q;
	struct dma_u m;
	sm_virtio_info_t info;
	CHECK_EQ(virtio_device_info(SM_VIRTIO_FIRST_DEVICE_NAME, &info), KERN_SUCCESS);
	if (info.msix_vectors) {
		/* Its queue's interrupts on a vector and a port of its own: the
		 * test task, which holds blk and net, must never see them. */
		CHECK_EQ(vg_claim(&d, SM_VIRTIO_FIRST_DEVICE_NAME, 0), KERN_SUCCESS);
		CHECK_EQ(vg_queue(&d, &q, 0, 0), KERN_SUCCESS);
		CHECK_EQ(vg_queue_vector(&d, &q), KERN_SUCCESS);
	} else {
		CHECK_EQ(vg_bring_up(&d, SM_VIRTIO_FIRST_DEVICE_NAME, 0), KERN_SUCCESS);
		CHECK_EQ(vg_queue(&d, &q, 0, 0), KERN_SUCCESS);
	}
	CHECK_EQ(vg_dma(&d, &m, 4096), KERN_SUCCESS);
	CHECK_EQ(virtio_driver_ok(d.port), KERN_SUCCESS);
	struct vring_buf b = { m.pa, 64 };
	CHECK(vring_add(&q.ring, &b, 0, 1) >= 0, "buffer");
	vg_kick(&d, &q);
	printf("virtio-quitter: device %u:%u.%u set up; leaving without cleaning up\n", d.info.bus, d.info.dev,
	       d.info.fn);
	return guest_summary("virtio-quitter");
}
