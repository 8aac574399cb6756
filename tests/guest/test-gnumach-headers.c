/* test-gnumach-headers: a program written for GNU Mach that includes the
 * headers GNU Mach installs beyond the basic ones (<mach/vm_param.h>,
 * <mach/exception.h>, <mach/vm_wire.h>, <mach/time_value.h>,
 * <mach/syscall_sw.h> through tests/lib/gnumach-traps.S, the <mach/machine/...>
 * headers, <device/device_types.h>'s io_return_t) and relies on
 * <mach/mach_types.h> alone for the info, thread-state and special-port
 * definitions, as GNU Mach's does. Each header is used, not just included:
 * its constants against GNU Mach's ABI values at compile time, its macros and
 * types against what the kernel reports at run time. Counts its checks and
 * prints the harness's summary line, as test-gnumach does. */
#include <mach.h>
#include <mach_init.h>
#include <mach/mach_types.h>      /* and with it task_info, thread_info, host_info, thread_status, special ports */
#include <mach/vm_param.h>
#include <mach/exception.h>
#include <mach/vm_wire.h>
#include <mach/time_value.h>
#include <mach/machine/vm_param.h>
#include <mach/machine/eflags.h>
#include <mach/machine/trap.h>
#include <mach/machine/exception.h>
#include <mach/machine/thread_status.h>
#include <mach/machine/boolean.h>
#include <mach/machine/kern_return.h>
#include <device/device.h>
#include <device/device_types.h>
#include <stdio.h>
#include <string.h>

static int passed, failed;

#define ASSERT(cond, what) do { if (cond) passed++; else { failed++; printf("failed: %s\n", what); } } while (0)

/* GNU Mach's ABI numbers: a program compiled here must mean the same. */
_Static_assert(PAGE_SIZE == 4096 && PAGE_SHIFT == 12 && PAGE_MASK == 4095, "page size");
_Static_assert(EXC_BAD_ACCESS == 1 && EXC_BAD_INSTRUCTION == 2 && EXC_ARITHMETIC == 3 && EXC_EMULATION == 4 &&
	       EXC_SOFTWARE == 5 && EXC_BREAKPOINT == 6, "exception classes");
_Static_assert(EXC_I386_DIV == 1 && EXC_I386_BPT == 2 && EXC_I386_GPFLT == 13 && EXC_I386_PGFLT == 14,
	       "i386 exception codes");
_Static_assert(T_GENERAL_PROTECTION == 13 && T_PAGE_FAULT == 14, "trap numbers");
_Static_assert(VM_WIRE_ALL == (VM_WIRE_CURRENT | VM_WIRE_FUTURE) && VM_WIRE_NONE == 0, "vm_wire");
_Static_assert(sizeof(vm_wire_t) == 4 && sizeof(io_return_t) == 4, "scalar types");
_Static_assert(MACH_MSG_USER_ALIGNMENT == 4, "i386 message items are 4-byte aligned");
_Static_assert(sizeof(time_value64_t) == 16, "time_value64_t");

/* The stubs <mach/syscall_sw.h> generated (tests/lib/gnumach-traps.S). */
mach_port_t gm_mach_task_self(void);
kern_return_t gm_syscall_vm_allocate(mach_port_t task, vm_address_t *address, vm_size_t size, boolean_t anywhere);
kern_return_t gm_syscall_vm_deallocate(mach_port_t task, vm_address_t address, vm_size_t size);
kern_return_t gm_syscall_mach_port_allocate(mach_port_t task, mach_port_right_t right, mach_port_t *name);
kern_return_t gm_syscall_mach_port_deallocate(mach_port_t task, mach_port_t name);

int main(int argc, char *argv[])
{
	mach_port_t self = mach_task_self();
	ASSERT(printf("test-gnumach-headers: %s started\n", argv[0]) == 0, "printf returns 0, as GNU Mach's");

	/* <mach/vm_param.h> */
	ASSERT(PAGE_SIZE == vm_page_size, "PAGE_SIZE is vm_page_size");
	ASSERT(round_page(1) == PAGE_SIZE && trunc_page(PAGE_SIZE + 5) == PAGE_SIZE && atop(3 * PAGE_SIZE) == 3 &&
	       ptoa(2) == 2 * PAGE_SIZE, "page arithmetic");
	vm_address_t addr = 0;
	ASSERT(vm_allocate(self, &addr, 2 * PAGE_SIZE, TRUE) == KERN_SUCCESS && page_aligned(addr) &&
	       addr > VM_MIN_ADDRESS && addr + 2 * PAGE_SIZE <= VM_MAX_ADDRESS, "vm_allocate within VM_MAX_ADDRESS");
	vm_deallocate(self, addr, 2 * PAGE_SIZE);

	/* <mach/mach_types.h> alone brings the info, state and special-port headers. */
	struct host_basic_info hinfo;
	mach_msg_type_number_t count = HOST_BASIC_INFO_COUNT;
	mach_port_t host = mach_host_self();
	ASSERT(host_info(host, HOST_BASIC_INFO, (host_info_t)&hinfo, &count) == KERN_SUCCESS && hinfo.max_cpus >= 1,
	       "host_info(HOST_BASIC_INFO)");
	struct task_basic_info tinfo;
	count = TASK_BASIC_INFO_COUNT;
	ASSERT(task_info(self, TASK_BASIC_INFO, (task_info_t)&tinfo, &count) == KERN_SUCCESS && tinfo.virtual_size > 0,
	       "task_info(TASK_BASIC_INFO)");
	thread_t me = mach_thread_self();
	struct thread_basic_info thinfo;
	count = THREAD_BASIC_INFO_COUNT;
	ASSERT(thread_info(me, THREAD_BASIC_INFO, (thread_info_t)&thinfo, &count) == KERN_SUCCESS,
	       "thread_info(THREAD_BASIC_INFO)");
	mach_port_t bootstrap = MACH_PORT_NULL;
	ASSERT(task_get_special_port(self, TASK_BOOTSTRAP_PORT, &bootstrap) == KERN_SUCCESS, "task_get_special_port");

	/* <mach/time_value.h>: the thread's run time as a time_value64_t. */
	time_value64_t run = time_value64_from_time_value(thinfo.user_time);
	time_value64_add_nanos(&run, 2 * TIME_NANOS_MAX + 5);
	ASSERT(run.seconds == thinfo.user_time.seconds + 2 && run.nanoseconds < TIME_NANOS_MAX &&
	       run.nanoseconds == (int64_t)thinfo.user_time.microseconds * 1000 + 5,
	       "time_value64_t arithmetic");

	/* <mach/machine/thread_status.h> and <mach/machine/eflags.h>: this thread
	 * as a thread state, and its flags as the CPU has them. */
	struct i386_thread_state st;
	count = i386_THREAD_STATE_COUNT;
	ASSERT(thread_get_state(me, i386_THREAD_STATE, (thread_state_t)&st, &count) == KERN_SUCCESS, "thread_get_state");
	unsigned int efl;
	__asm__ volatile("pushfl\n\tpopl %0" : "=r"(efl));
	ASSERT((efl & EFL_IF) && !(efl & EFL_IOPL) && !(efl & EFL_NT) && !(efl & EFL_VM), "EFLAGS of a user thread");
	ASSERT((st.cs & 3) == 3 && (st.efl & EFL_USER_SET) == EFL_USER_SET && !(st.efl & EFL_USER_CLEAR),
	       "thread state selectors and flags");
	mach_port_deallocate(self, me);

	/* <mach/port.h>'s name macros. */
	mach_port_t port = MACH_PORT_NAME_NULL;
	mach_port_type_t type;
	ASSERT(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port) == KERN_SUCCESS && MACH_PORT_NAME_VALID(port),
	       "a new name is valid");
	ASSERT(!MACH_PORT_NAME_VALID(MACH_PORT_NAME_DEAD) && !MACH_PORT_NAME_VALID(MACH_PORT_NAME_NULL) &&
	       MACH_PORT_NAME_DEAD == MACH_PORT_DEAD, "null and dead names");
	ASSERT(mach_port_type(self, MACH_PORT_NAME_DEAD, &type) == KERN_INVALID_NAME, "the dead name names nothing");

	/* MACH_MSG_USER_ALIGNMENT: a message of 3 data bytes, its size rounded
	 * to the alignment, sent and received by hand. */
	struct { mach_msg_header_t head; mach_msg_type_t type; char bytes[4]; } msg;
	memset(&msg, 0, sizeof msg);
	msg.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
	msg.head.msgh_size = (sizeof msg.head + sizeof msg.type + 3 + MACH_MSG_USER_ALIGNMENT - 1) &
			     ~(MACH_MSG_USER_ALIGNMENT - 1);
	msg.head.msgh_remote_port = port;
	msg.head.msgh_id = 77;
	msg.type.msgt_name = MACH_MSG_TYPE_CHAR;
	msg.type.msgt_size = 8;
	msg.type.msgt_number = 3;
	msg.type.msgt_inline = TRUE;
	memcpy(msg.bytes, "gnu", 3);
	ASSERT(mach_msg(&msg.head, MACH_SEND_MSG, msg.head.msgh_size, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL) ==
	       MACH_MSG_SUCCESS, "send an aligned message");
	memset(&msg, 0, sizeof msg);
	ASSERT(mach_msg(&msg.head, MACH_RCV_MSG, 0, sizeof msg, port, 0, MACH_PORT_NULL) == MACH_MSG_SUCCESS &&
	       msg.head.msgh_id == 77 && !memcmp(msg.bytes, "gnu", 3), "receive it");
	mach_port_destroy(self, port);

	/* <device/device_types.h>: io_return_t from a device call. */
	mach_port_t device = MACH_PORT_NULL;
	io_return_t io = device_open(2, D_READ, "no-such-device", &device);
	ASSERT(io == D_NO_SUCH_DEVICE, "device_open of an unknown name");

	/* <mach/syscall_sw.h>: its stubs enter this kernel. */
	mach_port_t by_stub = gm_mach_task_self();
	ASSERT(by_stub == self, "mach_task_self through <mach/syscall_sw.h>");
	mach_port_deallocate(self, by_stub);
	addr = 0;
	ASSERT(gm_syscall_vm_allocate(self, &addr, PAGE_SIZE, TRUE) == KERN_SUCCESS && page_aligned(addr) && addr,
	       "syscall_vm_allocate through <mach/syscall_sw.h>");
	if (addr) {
		*(volatile int *)addr = 1;
		ASSERT(gm_syscall_vm_deallocate(self, addr, PAGE_SIZE) == KERN_SUCCESS, "syscall_vm_deallocate");
	}
	ASSERT(gm_syscall_mach_port_allocate(self, MACH_PORT_RIGHT_DEAD_NAME, &port) == KERN_SUCCESS &&
	       mach_port_type(self, port, &type) == KERN_SUCCESS && type == MACH_PORT_TYPE_DEAD_NAME &&
	       gm_syscall_mach_port_deallocate(self, port) == KERN_SUCCESS, "syscall_mach_port_allocate/deallocate");

	printf("test-gnumach-headers: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
