/* test-virtio_legacy: the virtio transport test (tests/guest/virtio-transport.c)
 * with every device in its legacy form: QEMU's disable-modern=on, so the
 * kernel drives them through the I/O BAR0 of virtio 1.2 section 4.1.4.9. */
#include "virtio-guest.h"

int main(void)
{
	return virtio_transport_test(SM_VIRTIO_LEGACY, "test-virtio_legacy");
}
