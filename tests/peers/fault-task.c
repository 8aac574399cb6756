/* A task that writes through a null pointer. The kernel must report the page
 * fault, kill this task only, and keep running everything else. */
#include <sm/runtime.h>

int main(void)
{
	printf("fault-task: writing to address 0\n");
	smrt_console_flush();
	*(volatile int *)0 = 1;
	printf("fault-task: still alive after the fault (wrong)\n");
	return 0;
}
