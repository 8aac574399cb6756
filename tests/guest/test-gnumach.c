/* test-gnumach: a small program written the way one is for GNU Mach — its
 * headers (<mach.h>, <mach_init.h>, <mach/mach_interface.h>, <stdio.h>), the
 * GNU Mach C API (mach_task_self, mach_port_allocate, vm_allocate, task_info,
 * thread_switch, mig_get_reply_port) and nothing of this project's — built
 * against the project's headers and runtime and run unchanged. It counts its
 * own checks, as GNU Mach's tests do, and prints the harness's summary line. */
#include <mach.h>
#include <mach_init.h>
#include <mach/mach_interface.h>
#include <mach/mach_port.h>
#include <mach/task_info.h>
#include <mach/thread_switch.h>
#include <stdio.h>
#include <string.h>

static int passed, failed;

#define ASSERT(cond, what) do { if (cond) passed++; else { failed++; printf("failed: %s\n", what); } } while (0)

int main(int argc, char *argv[], char *envp[])
{
	ASSERT(argc >= 1 && strcmp(argv[0], "test-gnumach") == 0, "argv[0] is the module name");
	ASSERT(envp != NULL, "envp is passed");

	mach_port_t port;
	kern_return_t kr = mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port);
	ASSERT(kr == KERN_SUCCESS && MACH_PORT_VALID(port), "mach_port_allocate");
	kr = mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND);
	ASSERT(kr == KERN_SUCCESS, "mach_port_insert_right");

	struct { mach_msg_header_t header; mach_msg_type_t type; int value; } msg;
	memset(&msg, 0, sizeof msg);
	msg.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
	msg.header.msgh_size = sizeof msg;
	msg.header.msgh_remote_port = port;
	msg.header.msgh_id = 1234;
	msg.type.msgt_name = MACH_MSG_TYPE_INTEGER_32;
	msg.type.msgt_size = 32;
	msg.type.msgt_number = 1;
	msg.type.msgt_inline = TRUE;
	msg.value = 42;
	kr = mach_msg(&msg.header, MACH_SEND_MSG, sizeof msg, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	ASSERT(kr == MACH_MSG_SUCCESS, "mach_msg send");
	memset(&msg, 0, sizeof msg);
	kr = mach_msg(&msg.header, MACH_RCV_MSG, 0, sizeof msg, port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	ASSERT(kr == MACH_MSG_SUCCESS && msg.header.msgh_id == 1234 && msg.value == 42, "mach_msg receive");

	vm_address_t addr = 0;
	kr = vm_allocate(mach_task_self(), &addr, 3 * vm_page_size, TRUE);
	ASSERT(kr == KERN_SUCCESS && addr != 0 && trunc_page(addr) == addr, "vm_allocate");
	if (kr == KERN_SUCCESS) {
		memset((void *)addr, 0x5a, 3 * vm_page_size);
		ASSERT(((unsigned char *)addr)[3 * vm_page_size - 1] == 0x5a, "allocated memory is usable");
		ASSERT(vm_deallocate(mach_task_self(), addr, 3 * vm_page_size) == KERN_SUCCESS, "vm_deallocate");
	}

	struct task_basic_info info;
	mach_msg_type_number_t count = TASK_BASIC_INFO_COUNT;
	kr = task_info(mach_task_self(), TASK_BASIC_INFO, (task_info_t)&info, &count);
	ASSERT(kr == KERN_SUCCESS && info.virtual_size > 0, "task_info");

	ASSERT(thread_switch(MACH_PORT_NULL, SWITCH_OPTION_NONE, 0) == KERN_SUCCESS, "thread_switch");
	ASSERT(MACH_PORT_VALID(mig_get_reply_port()), "mig_get_reply_port");
	ASSERT(mach_port_destroy(mach_task_self(), port) == KERN_SUCCESS, "mach_port_destroy");

	printf("test-gnumach: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
