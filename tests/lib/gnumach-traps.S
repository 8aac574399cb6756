/* The system-call stubs a GNU Mach program gets from <mach/syscall_sw.h>,
 * under gm_ names (ENTRY is defined first, as <mach/machine/asm.h> allows)
 * so that they sit beside the runtime's own: test-gnumach-headers calls
 * them to show the header's stubs enter this kernel. */
#define ENTRY(x)	.text; .p2align 4; .globl gm_##x; .type gm_##x, @function; gm_##x:
#define END(x)		.size gm_##x, . - gm_##x
#include <mach/syscall_sw.h>

	.section .note.GNU-stack, "", @progbits
