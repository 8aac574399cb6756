/* A task that breaks its own memory rules and must be killed for it, while
 * test-vm runs on beside it (tests/expect/test-vm.expect):
 *   vm-fault-task            makes a page read-only, then writes to it;
 *   vm-fault-task unmapped   deallocates a page, then reads it. */
#include <sm/runtime.h>
#include <sm/traps.h>
#include <mach/vm_prot.h>
#include "mach.h"

int main(int argc, char **argv)
{
	int unmapped = argc > 1 && strcmp(argv[1], "unmapped") == 0;
	vm_address_t a = 0;
	kern_return_t kr = vm_allocate(mach_task_self(), &a, 4096, TRUE);
	if (kr == KERN_SUCCESS)
		kr = unmapped ? vm_deallocate(mach_task_self(), a, 4096)
			      : vm_protect(mach_task_self(), a, 4096, FALSE, VM_PROT_READ);
	if (kr != KERN_SUCCESS) {
		printf("vm-fault-task: setting up the page failed: %d\n", kr);
		return 1;
	}
	if (unmapped) {
		printf("vm-fault-task: reading deallocated %p\n", (void *)a);
		smrt_console_flush();
		printf("vm-fault-task: read %d (wrong)\n", *(volatile int *)a);
	} else {
		printf("vm-fault-task: reading %d, then writing to read-only %p\n", *(volatile int *)a, (void *)a);
		smrt_console_flush();
		*(volatile int *)a = 1;
	}
	printf("vm-fault-task: still alive after the fault (wrong)\n");
	return 0;
}
