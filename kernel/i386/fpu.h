/* Floating point state. User code may use x87 (Embedded Swift emits it for
 * Double), so every user thread has its own FPU image (fxsave format when the
 * CPU has FXSR, fnsave otherwise). Switching is lazy: the FPU keeps the image
 * of its last user (the owner) and CR0.TS is set whenever another thread runs;
 * that thread's first FPU instruction traps (#NM, vector 7) and only then is
 * the owner's image saved and the new one loaded. Most threads never touch
 * the FPU, so most switches cost nothing here. The kernel itself is built
 * with -mgeneral-regs-only and never touches the FPU. */
#ifndef I386_FPU_H
#define I386_FPU_H
#include "i386/cpu.h"
#include <stdbool.h>
#include <stdint.h>
void fpu_init(void);
void fpu_init_state(void *area);     /* a clean image for a new thread */
/* Whose image the FPU registers hold (fpu.c keeps it). */
extern void *fpu_owner;
/* A thread whose image is `state` (NULL for kernel threads) is about to
 * run: TS clear only if its image is the loaded one, so that its first
 * FPU instruction otherwise traps (#NM) and loads it. Inline: every
 * switch makes this test. */
static inline void fpu_switch(void *state)
{
	uint32_t cr0 = read_cr0();
	if (state && state == fpu_owner) {
		if (cr0 & CR0_TS)
			__asm__ volatile("clts");
	} else if (!(cr0 & CR0_TS)) {
		write_cr0(cr0 | CR0_TS);
	}
}
/* #NM from user mode: make `state` the loaded image. */
void fpu_device_not_available(void *state);
/* The image is being freed: never save into it again. */
void fpu_forget(void *state);
/* Before the kernel reads or rewrites the image `state`: if the FPU holds
 * it, save it there and make its next user instruction load it again. */
void fpu_flush(void *state);
/* Whether images are in fxsave format (else fnsave's 108 bytes). */
bool fpu_has_fxsr(void);
/* The MXCSR bits fxrstor accepts on this CPU (0 without FXSR): a set bit
 * outside them makes fxrstor fault. */
uint32_t fpu_mxcsr_mask(void);
#define T_DEVICE_NOT_AVAILABLE 7
#define FPU_AREA_SIZE 512
#endif
