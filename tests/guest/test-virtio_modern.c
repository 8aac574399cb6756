/* test-virtio_modern: the virtio transport test (tests/guest/virtio-transport.c)
 * with every device in its modern (virtio 1.x) form: QEMU's
 * disable-legacy=on, so the kernel drives them through the vendor
 * capabilities of virtio 1.2 section 4.1.4. */
#include "virtio-guest.h"

int main(void)
{
	return virtio_transport_test(SM_VIRTIO_MODERN, "test-virtio_modern");
}
