/* Floating point state. User code may use x87 (Embedded Swift emits it for
 * Double), so every user thread has its own FPU image, saved and restored
 * eagerly on each switch (fxsave when the CPU has it, fnsave otherwise). The
 * kernel itself is built with -mgeneral-regs-only and never touches the FPU. */
#ifndef I386_FPU_H
#define I386_FPU_H
void fpu_init(void);
void fpu_init_state(void *area);     /* a clean image for a new thread */
void fpu_save(void *area);
void fpu_restore(const void *area);
#define FPU_AREA_SIZE 512
#endif
