/* test-console-dev: the kernel's "console" device (kern/console_input.h)
 * and the sminfo interface (include/sm/sminfo.defs) as a client sees them,
 * with nothing typed (the harness gives QEMU no serial input): a read that
 * may not wait is refused at once, one that may waits (its reply is kept),
 * reads whose reply ports died give their slots back, absurd sizes are
 * refused, writes print; the sminfo lists answer only on the privileged
 * host port, end with KERN_INVALID_ARGUMENT, and no task can kill itself or
 * a task that does not exist. Kernel counts are back at the end. */
#include "guest-check.h"
#include <stdbool.h>
#include <sm/traps.h>
#include <sm/smhost_types.h>
#include <mach/mig_errors.h>
#include <device/device_types.h>
#include "smhost.h"
#include "sminfo.h"
#include "device.h"
#include "mach.h"

#define DEVICE_MASTER	2
#define HOST_PRIV	1
#define READ_INBAND_ID	2805
#define WRITE_INBAND_ID	2803
#define WAITERS_PLUS	6       /* more than the kernel's 4 waiting reads */

/* device_read_inband's request (device.defs), sent by hand so that its reply
 * port is ours to watch and destroy. */
struct read_request {
	mach_msg_header_t head;
	mach_msg_type_t mode_type;
	dev_mode_t mode;
	mach_msg_type_t recnum_type;
	recnum_t recnum;
	mach_msg_type_t wanted_type;
	int wanted;
};

static const mach_msg_type_t int_type = { MACH_MSG_TYPE_INTEGER_32, 32, 1, 1, 0, 0, 0 };

/* Send a blocking read whose reply goes to reply; true if sent. */
static bool send_read(mach_port_t dev, mach_port_t reply)
{
	struct read_request r = { 0 };
	r.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	r.head.msgh_size = sizeof r;
	r.head.msgh_remote_port = dev;
	r.head.msgh_local_port = reply;
	r.head.msgh_id = READ_INBAND_ID;
	r.mode_type = r.recnum_type = r.wanted_type = int_type;
	r.wanted = 16;
	return mach_msg(&r.head, MACH_SEND_MSG, sizeof r, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL) == MACH_MSG_SUCCESS;
}

/* Whether a message arrives on port within ms. */
static bool answered(mach_port_t port, unsigned ms)
{
	struct { mach_msg_header_t head; char body[256]; } m;
	return mach_msg(&m.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, port, ms, MACH_PORT_NULL) ==
	       MACH_MSG_SUCCESS;
}

static void test_reads(mach_port_t dev)
{
	char data[IO_INBAND_MAX];
	mach_msg_type_number_t n = sizeof data;
	CHECK_EQ(device_read_inband(dev, D_NOWAIT, 0, 16, data, &n), D_WOULD_BLOCK);
	n = sizeof data;
	CHECK_EQ(device_read_inband(dev, D_NOWAIT, 0, 0, data, &n), D_INVALID_SIZE);
	n = sizeof data;
	CHECK_EQ(device_read_inband(dev, D_NOWAIT, 0, -5, data, &n), D_INVALID_SIZE);
	/* Each read waits (no answer); its port then dies, and the kernel
	 * must reuse the slot: past four, a leaked slot would answer at once. */
	for (int i = 0; i < WAITERS_PLUS; i++) {
		mach_port_t reply;
		CHECK_EQ(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &reply), KERN_SUCCESS);
		CHECK(send_read(dev, reply), "read %d not sent", i);
		CHECK(!answered(reply, 50), "read %d answered with nothing typed", i);
		CHECK_EQ(mach_port_destroy(mach_task_self(), reply), KERN_SUCCESS);
	}
	n = sizeof data;                        /* every read sweeps the dead waiters */
	CHECK_EQ(device_read_inband(dev, D_NOWAIT, 0, 16, data, &n), D_WOULD_BLOCK);
}

static void test_writes(mach_port_t dev)
{
	static char line[IO_INBAND_MAX] = "test-console-dev: a line through device_write_inband\n";
	int written = 0;
	CHECK_EQ(device_write_inband(dev, 0, 0, line, strlen(line), &written), D_SUCCESS);
	CHECK_EQ(written, (int)strlen(line));
	/* More than the 128 bytes io_buf_ptr_inband_t holds, in a message of
	 * the size that count implies (all MIG's stub checks): refused. */
	struct {
		mach_msg_header_t head;
		mach_msg_type_t mode_type;
		dev_mode_t mode;
		mach_msg_type_t recnum_type;
		recnum_t recnum;
		mach_msg_type_t data_type;
		char data[200];
	} m = { 0 };
	m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	m.head.msgh_size = sizeof m;
	m.head.msgh_remote_port = dev;
	m.head.msgh_local_port = mig_get_reply_port();
	m.head.msgh_id = WRITE_INBAND_ID;
	m.mode_type = m.recnum_type = int_type;
	m.data_type = (mach_msg_type_t){ MACH_MSG_TYPE_CHAR, 8, sizeof m.data, 1, 0, 0, 0 };
	memset(m.data, 'x', sizeof m.data);
	CHECK_EQ(mach_msg(&m.head, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT, sizeof m, sizeof m,
			  m.head.msgh_local_port, 2000, MACH_PORT_NULL), MACH_MSG_SUCCESS);
	CHECK_EQ(((mig_reply_header_t *)&m.head)->RetCode, D_INVALID_SIZE);
}

static void test_sminfo(void)
{
	natural_t id, threads, pages, ports, driver, owner, self = 0;
	sm_device_name_t name;
	CHECK_EQ(sm_task_at(mach_host_self(), 0, &id, name, &threads, &pages, &ports, &driver), KERN_INVALID_HOST);
	CHECK_EQ(sm_device_at(DEVICE_MASTER, 0, name, &owner), KERN_INVALID_HOST);
	CHECK_EQ(sm_task_kill(mach_host_self(), 1), KERN_INVALID_HOST);
	natural_t i = 0;
	for (; i < 100; i++) {
		if (sm_task_at(HOST_PRIV, i, &id, name, &threads, &pages, &ports, &driver) != KERN_SUCCESS)
			break;
		if (strcmp(name, "test-console-dev") == 0) {
			self = id;
			CHECK(threads == 1 && pages > 0 && ports > 0 && !driver, "own entry: %u threads %u pages %u ports",
			      threads, pages, ports);
		}
	}
	CHECK(self != 0, "own task not listed among %u", i);
	natural_t tid, state, priority, suspended, run_us;
	CHECK_EQ(sm_thread_at(HOST_PRIV, self, 0, &tid, &state, &priority, &suspended, &run_us), KERN_SUCCESS);
	CHECK(state == 1 && suspended == 0 && run_us > 0, "own thread: state %u, suspended %u, ran %u us", state,
	      suspended, run_us);
	CHECK_EQ(sm_thread_at(HOST_PRIV, self, 1, &tid, &state, &priority, &suspended, &run_us), KERN_INVALID_ARGUMENT);
	CHECK_EQ(sm_thread_at(HOST_PRIV, 0xffffffff, 0, &tid, &state, &priority, &suspended, &run_us),
		 KERN_INVALID_ARGUMENT);
	CHECK_EQ(sm_thread_at(mach_host_self(), self, 0, &tid, &state, &priority, &suspended, &run_us),
		 KERN_INVALID_HOST);
	CHECK_EQ(sm_task_at(HOST_PRIV, 0xffffffff, &id, name, &threads, &pages, &ports, &driver),
		 KERN_INVALID_ARGUMENT);
	CHECK_EQ(sm_task_kill(HOST_PRIV, self), KERN_INVALID_ARGUMENT);
	CHECK_EQ(sm_task_kill(HOST_PRIV, 0xffffffff), KERN_INVALID_ARGUMENT);
	bool console = false;
	for (i = 0; i < 100 && sm_device_at(HOST_PRIV, i, name, &owner) == KERN_SUCCESS; i++)
		console |= strcmp(name, "console") == 0 && owner == 0;
	CHECK(console, "the kernel's console device not listed");
	natural_t loc, ids, class, irq;
	CHECK_EQ(sm_pci_at(HOST_PRIV, 0, &loc, &ids, &class, &irq, name), KERN_SUCCESS);
	CHECK(ids >> 16 == 0x8086, "function 0 vendor %x", ids >> 16);
	CHECK_EQ(sm_pci_at(HOST_PRIV, 1000, &loc, &ids, &class, &irq, name), KERN_INVALID_ARGUMENT);
	natural_t type, modern, lo, hi, count, mode;
	CHECK_EQ(sm_virtio_at(HOST_PRIV, 1000, name, &type, &owner, &modern, &lo, &hi, &irq, &count, &mode),
		 KERN_INVALID_ARGUMENT);
}

/* Touch the stack the tests will use, so that its zero-filled pages are in
 * place before the baseline (they are the task's, not a kernel leak). */
static void warm_stack(void)
{
	volatile char pages[8192];
	for (unsigned i = 0; i < sizeof pages; i += 512)
		pages[i] = 0;
}

static void round_of_tests(void)
{
	mach_port_t dev;
	CHECK_EQ(device_open(DEVICE_MASTER, D_READ | D_WRITE, "console", &dev), D_SUCCESS);
	test_reads(dev);
	test_writes(dev);
	CHECK_EQ(device_close(dev), D_SUCCESS);
	CHECK_EQ(mach_port_deallocate(mach_task_self(), dev), KERN_SUCCESS);
	test_sminfo();
}

int main(void)
{
	uint32_t base[4];
	warm_stack();
	/* A first round grows the kernel heap's arena and this task's memory
	 * to what the tests need; the second must leave every count where it
	 * found it. */
	round_of_tests();
	kernel_counts_settled(base);
	round_of_tests();
	check_counts_back(base, "the console device and sminfo");
	return guest_summary("test-console-dev");
}
