/* test-device: device names behind the device master port. This task plays
 * both parts: it registers a port of its own as a driver, opens the device
 * through the master port with the asynchronous device_open_request, receives
 * the forwarded request on the driver port, answers it with
 * device_open_reply, and checks what the client side receives. */
#include "guest-check.h"
#include <sm/traps.h>
#include <mach/mig_errors.h>
#include "smhost.h"
#include "device.h"
#include "device_request.h"
#include "device_reply.h"

#define DEVICE_MASTER 2

/* device_open as the driver receives it (layout from device.defs). */
struct open_request {
	mach_msg_header_t head;
	mach_msg_type_t mode_type;
	dev_mode_t mode;
	mach_msg_type_long_t name_type;
	dev_name_t name;
};

/* device_open_reply as the client receives it (device_reply.defs). */
struct open_reply {
	mach_msg_header_t head;
	mach_msg_type_t code_type;
	kern_return_t code;
	mach_msg_type_t port_type;
	mach_port_t port;
};

static void test_register(mach_port_t driver)
{
	CHECK_EQ(sm_device_register(DEVICE_MASTER, "loop0", driver), KERN_SUCCESS);
	CHECK_EQ(sm_device_register(DEVICE_MASTER, "loop0", driver), KERN_NAME_EXISTS);
	CHECK_EQ(sm_device_register(mach_host_self(), "loop9", driver), KERN_INVALID_ARGUMENT);
	CHECK_EQ(sm_device_register(DEVICE_MASTER, "", driver), KERN_INVALID_ARGUMENT);
}

static void test_forwarded_open(mach_port_t driver)
{
	mach_port_t client_reply = mach_reply_port();
	CHECK_EQ(device_open_request(DEVICE_MASTER, client_reply, D_READ | D_WRITE, "loop0"), KERN_SUCCESS);

	struct open_request req;
	memset(&req, 0, sizeof req);
	CHECK_EQ(mach_msg(&req.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof req, driver, 1000, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(req.head.msgh_id, 2800);
	CHECK_EQ(req.head.msgh_local_port, driver);
	CHECK_EQ(MACH_MSGH_BITS_REMOTE(req.head.msgh_bits), MACH_MSG_TYPE_PORT_SEND_ONCE);
	CHECK_EQ(req.mode, D_READ | D_WRITE);
	CHECK(strcmp(req.name, "loop0") == 0, "name %s", req.name);

	mach_port_t device = mach_reply_port();
	CHECK_EQ(ds_device_open_reply(req.head.msgh_remote_port, MACH_MSG_TYPE_MOVE_SEND_ONCE, KERN_SUCCESS, device), KERN_SUCCESS);
	struct open_reply rep;
	memset(&rep, 0, sizeof rep);
	CHECK_EQ(mach_msg(&rep.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof rep, client_reply, 1000, 0), MACH_MSG_SUCCESS);
	CHECK_EQ(rep.head.msgh_id, 2900);
	CHECK_EQ(rep.code, KERN_SUCCESS);
	CHECK_EQ(rep.port, device);          /* this task holds the receive right: same name */
}

static void test_unknown_and_malformed(void)
{
	mach_port_t dev = MACH_PORT_NULL;
	CHECK_EQ(device_open(DEVICE_MASTER, D_READ, "nosuch", &dev), D_NO_SUCH_DEVICE);
	CHECK_EQ(dev, MACH_PORT_NULL);

	/* A device_open whose name item is an integer: refused, answered, not forwarded. */
	mach_port_t reply = mach_reply_port();
	struct { mach_msg_header_t head; mach_msg_type_t t; int v[2]; } bad;
	memset(&bad, 0, sizeof bad);
	bad.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	bad.head.msgh_size = sizeof bad;
	bad.head.msgh_remote_port = DEVICE_MASTER;
	bad.head.msgh_local_port = reply;
	bad.head.msgh_id = 2800;
	bad.t = (mach_msg_type_t){ MACH_MSG_TYPE_INTEGER_32, 32, 2, 1, 0, 0, 0 };
	mig_reply_header_t out;
	CHECK_EQ(mach_msg(&bad.head, MACH_SEND_MSG | MACH_RCV_MSG, sizeof bad, sizeof out, reply, 0, 0), MACH_MSG_SUCCESS);
	memcpy(&out, &bad, sizeof out);
	CHECK_EQ(out.Head.msgh_id, 2900);
	CHECK_EQ(out.RetCode, D_NO_SUCH_DEVICE);
	/* Other device routines on the master port are unknown there. */
	CHECK_EQ(device_close(DEVICE_MASTER), MIG_BAD_ID);
}

int main(void)
{
	mach_port_t driver = mach_reply_port();
	test_register(driver);
	test_forwarded_open(driver);
	test_unknown_and_malformed();
	return guest_summary("test-device");
}
