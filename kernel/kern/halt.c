#include "kern/halt.h"
#include "i386/cpu.h"

#define DEBUG_EXIT_PORT 0xf4

void machine_halt(enum halt_code code)
{
	cli();
	outl(DEBUG_EXIT_PORT, code);
	for (;;)
		hlt();
}
