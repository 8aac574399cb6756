/* test-gnumach-native: a client built the way a GNU Mach user builds one.
 *
 * Its include path holds GNU Mach's own installed i386 headers
 * (gnumach-dev:i386), the user stubs Debian's i686-gnu-mig generates from GNU
 * Mach's own .defs with GNU Mach's own type .defs (gen/gnumach-native/), and
 * tests/lib/gnumach-libc/ (the four declarations a GNU Mach program takes from its
 * C library); none of this project's headers. It is compiled with -Werror and
 * linked with the project's user runtime, which plays the C library's part
 * (traps, reply ports, printf). It calls the host, task, thread, port, VM and
 * device interfaces through those stubs, and sends messages it builds by hand
 * in GNU Mach's i386 layout: a 24-byte header, a port right in the body, and
 * out-of-line data behind a 4-byte pointer. */
#include <mach/mach_types.h>
#include <mach/message.h>
#include <mach/host_info.h>
#include <mach/task_info.h>
#include <mach/thread_info.h>
#include <mach/vm_param.h>
#include <device/device_types.h>
#include <mach_init.h>
#include <stdio.h>
#include <string.h>
#include "mach.h"
#include "mach_host.h"
#include "mach_port.h"
#include "device.h"

/* The layout this program was compiled for: GNU Mach's i386 ABI. */
_Static_assert(sizeof(mach_msg_header_t) == 24, "GNU Mach's i386 header is 24 bytes");
_Static_assert(sizeof(mach_msg_type_long_t) == 12, "long type descriptor");
_Static_assert(sizeof(thread_array_t) == 4 && sizeof(io_buf_ptr_t) == 4, "out-of-line pointers");

#define DEVICE_MASTER 2		/* ${device-port}: the boot script's device port */

static int passed, failed;

#define EXPECT(cond, ...) do { if (cond) passed++; else { failed++; \
	printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

static void test_host(void)
{
	mach_port_t host = mach_host_self();
	struct host_basic_info info;
	mach_msg_type_number_t n = HOST_BASIC_INFO_COUNT;
	kern_return_t kr = host_info(host, HOST_BASIC_INFO, (host_info_t)&info, &n);
	EXPECT(kr == KERN_SUCCESS && info.avail_cpus >= 1 && info.memory_size > 0,
	       "host_info: %d, %d cpus, %u bytes", kr, info.avail_cpus, (unsigned)info.memory_size);
	kernel_version_t version;
	memset(version, 0, sizeof version);
	kr = host_kernel_version(host, version);
	EXPECT(kr == KERN_SUCCESS && version[0] != 0, "host_kernel_version: %d", kr);
	time_value_t now = { 0, 0 };
	kr = host_get_time(host, &now);
	EXPECT(kr == KERN_SUCCESS && (now.seconds > 0 || now.microseconds > 0), "host_get_time: %d", kr);
}

/* task_threads writes a 4-byte pointer into thread_array_t, as on GNU Mach. */
static void test_task_and_thread(void)
{
	mach_port_t task = mach_task_self();
	struct task_basic_info tinfo;
	mach_msg_type_number_t n = TASK_BASIC_INFO_COUNT;
	kern_return_t kr = task_info(task, TASK_BASIC_INFO, (task_info_t)&tinfo, &n);
	EXPECT(kr == KERN_SUCCESS && tinfo.virtual_size > 0, "task_info: %d", kr);

	thread_array_t threads = 0;
	mach_msg_type_number_t count = 0;
	kr = task_threads(task, &threads, &count);
	EXPECT(kr == KERN_SUCCESS && count == 1 && threads && MACH_PORT_VALID(threads[0]),
	       "task_threads: %d, %u threads", kr, count);
	if (kr != KERN_SUCCESS || !threads)
		return;
	struct thread_basic_info thinfo;
	n = THREAD_BASIC_INFO_COUNT;
	kr = thread_info(threads[0], THREAD_BASIC_INFO, (thread_info_t)&thinfo, &n);
	EXPECT(kr == KERN_SUCCESS && thinfo.run_state == TH_STATE_RUNNING, "thread_info: %d, state %d",
	       kr, thinfo.run_state);
	for (mach_msg_type_number_t i = 0; i < count; i++)
		mach_port_deallocate(task, threads[i]);
	kr = vm_deallocate(task, (vm_address_t)threads, count * sizeof *threads);
	EXPECT(kr == KERN_SUCCESS, "vm_deallocate of the thread array: %d", kr);
}

static void test_vm(void)
{
	mach_port_t task = mach_task_self();
	vm_address_t a = 0;
	kern_return_t kr = vm_allocate(task, &a, 2 * vm_page_size, TRUE);
	EXPECT(kr == KERN_SUCCESS && a != 0 && trunc_page(a) == a, "vm_allocate: %d", kr);
	if (kr != KERN_SUCCESS)
		return;
	static const char text[] = "written by vm_write through a 4-byte pointer";
	kr = vm_write(task, a + 100, (vm_offset_t)text, sizeof text);
	EXPECT(kr == KERN_SUCCESS && memcmp((char *)a + 100, text, sizeof text) == 0, "vm_write: %d", kr);
	vm_offset_t data = 0;
	mach_msg_type_number_t n = 0;
	kr = vm_read(task, a, vm_page_size, &data, &n);
	EXPECT(kr == KERN_SUCCESS && n == vm_page_size && data != 0 && data != a &&
	       memcmp((char *)data + 100, text, sizeof text) == 0, "vm_read: %d, %u bytes", kr, n);
	if (kr == KERN_SUCCESS)
		vm_deallocate(task, data, n);
	kr = vm_protect(task, a, vm_page_size, FALSE, VM_PROT_READ);
	EXPECT(kr == KERN_SUCCESS, "vm_protect: %d", kr);
	kr = vm_write(task, a, (vm_offset_t)text, sizeof text);
	EXPECT(kr == KERN_PROTECTION_FAILURE, "vm_write to a read-only page: %d", kr);
	EXPECT(vm_deallocate(task, a, 2 * vm_page_size) == KERN_SUCCESS, "vm_deallocate");
}

/* Messages built by hand in GNU Mach's i386 layout, sent to a port of this
 * task: one with a send right in the body, one with out-of-line data. */
struct right_msg {
	mach_msg_header_t head;
	mach_msg_type_t type;
	mach_port_t right;
};
struct ool_msg {
	mach_msg_header_t head;
	mach_msg_type_long_t type;
	char *data;			/* out of line: a 4-byte pointer */
};
_Static_assert(sizeof(struct right_msg) == 32, "24-byte header, type, port name");
_Static_assert(sizeof(struct ool_msg) == 40, "24-byte header, long type, 4-byte pointer");

static void test_ports_and_messages(void)
{
	mach_port_t task = mach_task_self(), port = MACH_PORT_NULL, other = MACH_PORT_NULL;
	kern_return_t kr = mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &port);
	EXPECT(kr == KERN_SUCCESS && MACH_PORT_VALID(port), "mach_port_allocate: %d", kr);
	kr = mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &other);
	EXPECT(kr == KERN_SUCCESS && MACH_PORT_VALID(other), "mach_port_allocate: %d", kr);
	EXPECT(mach_port_insert_right(task, port, port, MACH_MSG_TYPE_MAKE_SEND) == KERN_SUCCESS,
	       "mach_port_insert_right");
	mach_port_type_t type = 0;
	kr = mach_port_type(task, port, &type);
	EXPECT(kr == KERN_SUCCESS && (type & MACH_PORT_TYPE_SEND_RECEIVE) == MACH_PORT_TYPE_SEND_RECEIVE,
	       "mach_port_type: %d, %#x", kr, type);

	struct right_msg r;
	memset(&r, 0, sizeof r);
	r.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
	r.head.msgh_size = sizeof r;
	r.head.msgh_remote_port = port;
	r.head.msgh_id = 4321;
	r.type.msgt_name = MACH_MSG_TYPE_MAKE_SEND;
	r.type.msgt_size = 32;
	r.type.msgt_number = 1;
	r.type.msgt_inline = TRUE;
	r.right = other;
	kr = mach_msg(&r.head, MACH_SEND_MSG, sizeof r, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	EXPECT(kr == MACH_MSG_SUCCESS, "send a right: %#x", kr);
	mach_port_status_t status;
	kr = mach_port_get_receive_status(task, port, &status);
	EXPECT(kr == KERN_SUCCESS && status.mps_msgcount == 1, "mach_port_get_receive_status: %d, %u queued",
	       kr, status.mps_msgcount);
	memset(&r, 0, sizeof r);
	kr = mach_msg(&r.head, MACH_RCV_MSG, 0, sizeof r, port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	EXPECT(kr == MACH_MSG_SUCCESS && r.head.msgh_size == sizeof r && r.head.msgh_id == 4321 &&
	       r.head.msgh_local_port == port && (r.head.msgh_bits & MACH_MSGH_BITS_COMPLEX) &&
	       r.type.msgt_name == MACH_MSG_TYPE_PORT_SEND && r.right == other,
	       "receive a right: %#x, size %u, id %d, name %u", kr, r.head.msgh_size, r.head.msgh_id, r.right);

	static char page[4096] __attribute__((aligned(4096)));
	for (unsigned i = 0; i < sizeof page; i++)
		page[i] = (char)(i * 7 + 1);
	struct ool_msg m;
	memset(&m, 0, sizeof m);
	m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
	m.head.msgh_size = sizeof m;
	m.head.msgh_remote_port = port;
	m.head.msgh_id = 4322;
	m.type.msgtl_header.msgt_inline = FALSE;
	m.type.msgtl_header.msgt_longform = TRUE;
	m.type.msgtl_name = MACH_MSG_TYPE_BYTE;
	m.type.msgtl_size = 8;
	m.type.msgtl_number = 1000;
	m.data = page + 16;
	kr = mach_msg(&m.head, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	EXPECT(kr == MACH_MSG_SUCCESS, "send out-of-line data: %#x", kr);
	memset(&m, 0, sizeof m);
	kr = mach_msg(&m.head, MACH_RCV_MSG, 0, sizeof m, port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	EXPECT(kr == MACH_MSG_SUCCESS && m.head.msgh_size == sizeof m && m.type.msgtl_number == 1000 &&
	       m.data && m.data != page + 16 && memcmp(m.data, page + 16, 1000) == 0,
	       "receive out-of-line data: %#x at %p", kr, (void *)m.data);
	if (kr == MACH_MSG_SUCCESS && m.data)
		vm_deallocate(task, (vm_address_t)m.data, 1000);

	EXPECT(mach_port_destroy(task, port) == KERN_SUCCESS, "mach_port_destroy");
	EXPECT(mach_port_destroy(task, other) == KERN_SUCCESS, "mach_port_destroy");
}

/* Waits ms milliseconds: a receive that times out on a port of our own. */
static void sleep_ms(unsigned ms)
{
	mach_port_t p = mach_reply_port();
	mach_msg_header_t h;
	mach_msg(&h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof h, p, ms, MACH_PORT_NULL);
	mach_port_destroy(mach_task_self(), p);
}

/* GNU Mach's device interface, against the hello server (a module of this
 * boot): open, size, an inband write at the end and a read back, close. */
static void test_device(void)
{
	mach_port_t dev = MACH_PORT_NULL;
	kern_return_t kr = D_NO_SUCH_DEVICE;
	for (int tries = 0; tries < 200 && kr == D_NO_SUCH_DEVICE; tries++) {
		kr = device_open(DEVICE_MASTER, D_READ | D_WRITE, "hello", &dev);
		if (kr == D_NO_SUCH_DEVICE)
			sleep_ms(10);           /* the server has not registered yet */
	}
	EXPECT(kr == D_SUCCESS && MACH_PORT_VALID(dev), "device_open(hello): %d", kr);
	if (kr != D_SUCCESS)
		return;
	mach_port_t none = MACH_PORT_NULL;
	EXPECT(device_open(DEVICE_MASTER, D_READ, "no-such-device", &none) == D_NO_SUCH_DEVICE,
	       "device_open of an unknown name");
	int status[DEV_STATUS_MAX];
	mach_msg_type_number_t n = DEV_STATUS_MAX;
	kr = device_get_status(dev, DEV_GET_SIZE, status, &n);
	EXPECT(kr == D_SUCCESS && n == DEV_GET_SIZE_COUNT && status[DEV_GET_SIZE_RECORD_SIZE] == 1,
	       "device_get_status: %d, %u words", kr, n);
	if (kr == D_SUCCESS) {
		static const char line[] = "test-gnumach-native was here\n";
		io_buf_ptr_inband_t out;        /* the stub's parameter is the whole 128-byte array */
		memset(out, 0, sizeof out);
		memcpy(out, line, sizeof line - 1);
		recnum_t end = (recnum_t)status[DEV_GET_SIZE_DEVICE_SIZE];
		int written = 0;
		kr = device_write_inband(dev, 0, end, out, sizeof line - 1, &written);
		EXPECT(kr == D_SUCCESS && written == (int)sizeof line - 1, "device_write_inband: %d, %d", kr, written);
		io_buf_ptr_inband_t back;
		n = sizeof back;
		kr = device_read_inband(dev, 0, end, sizeof line - 1, back, &n);
		EXPECT(kr == D_SUCCESS && n == sizeof line - 1 && memcmp(back, line, n) == 0,
		       "device_read_inband: %d, %u bytes", kr, n);
	}
	EXPECT(device_close(dev) == D_SUCCESS, "device_close");
	mach_port_deallocate(mach_task_self(), dev);
}

int main(int argc, char *argv[])
{
	test_host();
	test_task_and_thread();
	test_vm();
	test_ports_and_messages();
	test_device();
	printf("test-gnumach-native: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
