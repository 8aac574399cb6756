/* hello-peer: a second C client of the "hello" device, booted beside
 * test-hello and running at the same time as it and the Swift client. It
 * appends tagged records and reads each back (an append that loses the race
 * for the end of the store to another client retries), checks that its
 * closed open refuses work, prints "hello-peer: N passed, N failed", then
 * reports in to test-hello with a device_open of "test-hello-sync" whose mode
 * is its failure count. */
#include "guest-check.h"
#include <sm/traps.h>
#include <device/device_types.h>
#include "device.h"

#define MASTER	2
#define ROUNDS	60

/* device_open, retried while the name is not registered yet. */
static kern_return_t open_retry(const char *name, dev_mode_t mode, mach_port_t *port)
{
	kern_return_t kr = D_NO_SUCH_DEVICE;
	for (int tries = 0; tries < 1000 && kr == D_NO_SUCH_DEVICE; tries++) {
		if ((kr = device_open(MASTER, mode, name, port)) == D_NO_SUCH_DEVICE)
			smrt_sleep_ms(10);
	}
	return kr;
}

static void round_trip(mach_port_t dev, int i)
{
	char out[IO_INBAND_MAX], in[IO_INBAND_MAX];
	unsigned len = 1 + (unsigned)(i * 37) % IO_INBAND_MAX;
	int n = snprintf(out, sizeof out, "peer#%d:", i);
	for (unsigned k = (unsigned)n; k < len; k++)
		out[k] = (char)('a' + (i + k) % 26);
	for (int tries = 0; tries < 100; tries++) {
		int status[2] = { -1, -1 }, written = -1;
		mach_msg_type_number_t cnt = 2;
		kern_return_t kr = device_get_status(dev, DEV_GET_SIZE, status, &cnt);
		CHECK_EQ(kr, D_SUCCESS);
		if (kr != D_SUCCESS)
			return;
		recnum_t at = (recnum_t)status[DEV_GET_SIZE_DEVICE_SIZE];
		kr = device_write_inband(dev, 0, at, out, len, &written);
		if (kr == D_INVALID_RECNUM)
			continue;        /* another client appended first */
		CHECK_EQ(kr, D_SUCCESS);
		CHECK_EQ(written, len);
		mach_msg_type_number_t got = sizeof in;
		CHECK_EQ(device_read_inband(dev, 0, at, len, in, &got), D_SUCCESS);
		CHECK(got == len && memcmp(in, out, len) == 0, "record %d at %u read back differently", i, at);
		return;
	}
	CHECK(0, "record %d never found the end of the store", i);
}

int main(void)
{
	mach_port_t dev = MACH_PORT_NULL, sync = MACH_PORT_NULL;
	CHECK_EQ(open_retry("hello", D_READ | D_WRITE, &dev), D_SUCCESS);
	for (int i = 0; i < ROUNDS; i++) {
		round_trip(dev, i);
		if (i % 8 == 0)
			swtch();
	}
	char buf[IO_INBAND_MAX];
	mach_msg_type_number_t n = sizeof buf;
	CHECK_EQ(device_read_inband(dev, 0, 0, 200, buf, &n), D_INVALID_SIZE);
	CHECK_EQ(device_close(dev), D_SUCCESS);
	CHECK_EQ(device_close(dev), D_NO_SUCH_DEVICE);
	n = sizeof buf;
	CHECK_EQ(device_read_inband(dev, 0, 0, 4, buf, &n), D_NO_SUCH_DEVICE);
	int status = guest_summary("hello-peer");
	kern_return_t kr = open_retry("test-hello-sync", (dev_mode_t)guest_failed, &sync);
	if (kr != D_SUCCESS)
		printf("hello-peer: could not report to test-hello: %x\n", kr);
	return status;
}
