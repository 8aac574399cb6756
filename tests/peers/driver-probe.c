/* driver-probe NAME: the client `make run-driver` boots beside a driver
 * (tools/run-driver.sh): opens device NAME on the device master port
 * (waiting while the driver starts), reads 16 bytes from it and closes it,
 * printing what each step answered. Its one check is that the open
 * succeeded: the driver came up and registered its name. A read may be
 * refused (a new driver offers nothing yet), and is only reported. */
#include "guest-check.h"
#include <sm/traps.h>
#include <device/device_types.h>
#include "mach.h"
#include "device.h"

#define MASTER 2

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "";
	mach_port_t dev;
	kern_return_t kr = D_NO_SUCH_DEVICE;
	for (int i = 0; i < 100 && kr == D_NO_SUCH_DEVICE; i++)
		if ((kr = device_open(MASTER, D_READ, (char *)name, &dev)) == D_NO_SUCH_DEVICE)
			smrt_sleep_ms(50);          /* the driver is still starting */
	CHECK(kr == D_SUCCESS, "device_open(\"%s\"): %x", name, kr);
	if (kr == D_SUCCESS) {
		io_buf_ptr_t data = 0;
		mach_msg_type_number_t got = 0;
		kr = device_read(dev, 0, 0, 16, &data, &got);
		printf("driver-probe: %s: device_read of 16 bytes: %x, %u bytes:", name, kr, got);
		for (unsigned i = 0; data && i < got && i < 16; i++)
			printf(" %02x", ((unsigned char *)data)[i]);
		printf("\n");
		if (data)
			vm_deallocate(smrt_task_port(), (vm_address_t)data, got);
		printf("driver-probe: %s: device_close: %x\n", name, device_close(dev));
	}
	return guest_summary("driver-probe");
}
