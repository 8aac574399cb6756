/*
 * Machine state of a thread for thread_get_state / thread_set_state on
 * i386.  Flavor numbers and the i386_thread_state layout are GNU Mach's;
 * a count is the size in natural_t words.
 *
 * i386_THREAD_STATE (and i386_REGS_SEGS_STATE, the same structure) is the
 * user register set the thread resumes with.  esp is the kernel's saved
 * stack pointer and is ignored on set; uesp is the user stack pointer.
 * On set, cs and ss must be the user code and data selectors (or 0, which
 * means "the usual one"), ds/es/fs/gs the user data selector or 0, and only
 * the flags user code may change are taken from efl (interrupts stay on).
 * A thread suspended while inside a kernel call (blocked in mach_msg, say)
 * finishes that call before it stops or when it resumes; thread_abort makes
 * a blocked call end at once. The call's result goes to eax unless another
 * thread set the thread's registers with thread_set_state meanwhile: the
 * registers set are the ones the thread resumes with, as in GNU Mach.
 *
 * i386_FLOAT_STATE is the x87 state in the 108-byte fnsave layout GNU Mach
 * uses (i386_fp_save then the eight registers from ST(0) down), whatever
 * the kernel saves internally; fpkind says which kind of FPU the kernel
 * drives (read only). Setting it replaces the x87 registers and leaves the
 * SSE state alone; setting it with initialized 0 resets the whole FPU state
 * to the one a new thread starts with.
 *
 * i386_XFLOAT_STATE (GNU Mach's flavor 8) is the whole FPU image, x87 and
 * SSE, in the format the kernel saves it in, named by fp_save_kind: the
 * 512-byte fxsave image followed by the 64-byte XSAVE header (all zero but
 * xfp_features, which names the components present: x87 and SSE) on a CPU
 * with FXSR, the 108-byte fnsave image otherwise. Its size varies with the
 * CPU, so a caller asks i386_get_xstate_size (mach_i386_ext.defs) and passes
 * that many bytes. Setting it takes the image as is, except what would make
 * the kernel's restore fault (MXCSR bits the CPU does not have are cleared)
 * and the header (ignored); a record of another fp_save_kind is refused.
 */

#ifndef _MACH_THREAD_STATUS_H_
#define _MACH_THREAD_STATUS_H_

#include <mach/mach_types.h>

#define THREAD_STATE_MAX	1024	/* largest state, in natural_t words */
typedef natural_t thread_state_data_t[THREAD_STATE_MAX];

#define i386_THREAD_STATE	1
#define i386_FLOAT_STATE	2
#define i386_ISA_PORT_MAP_STATE	3
#define i386_V86_ASSIST_STATE	4
#define i386_REGS_SEGS_STATE	5
#define i386_DEBUG_STATE	6

struct i386_thread_state {
	unsigned int	gs;
	unsigned int	fs;
	unsigned int	es;
	unsigned int	ds;
	unsigned int	edi;
	unsigned int	esi;
	unsigned int	ebp;
	unsigned int	esp;	/* kernel stack pointer: read only */
	unsigned int	ebx;
	unsigned int	edx;
	unsigned int	ecx;
	unsigned int	eax;
	unsigned int	eip;
	unsigned int	cs;
	unsigned int	efl;
	unsigned int	uesp;	/* user stack pointer */
	unsigned int	ss;
};
#define i386_THREAD_STATE_COUNT \
	(sizeof(struct i386_thread_state) / sizeof(unsigned int))

_Static_assert(i386_THREAD_STATE_COUNT == 17, "i386_thread_state is 17 words");

/* x87 environment as fnsave stores it in 32-bit protected mode. */
struct i386_fp_save {
	unsigned short	fp_control;
	unsigned short	fp_unused_1;
	unsigned short	fp_status;
	unsigned short	fp_unused_2;
	unsigned short	fp_tag;		/* two bits a register: 3 is empty */
	unsigned short	fp_unused_3;
	unsigned int	fp_eip;
	unsigned short	fp_cs;
	unsigned short	fp_opcode;
	unsigned int	fp_dp;
	unsigned short	fp_ds;
	unsigned short	fp_unused_4;
};
struct i386_fp_regs {
	unsigned short	fp_reg_word[8][5];	/* 80 bits each, ST(0) first */
};
#define FP_NO		0
#define FP_SOFT		1
#define FP_287		2
#define FP_387		3	/* fnsave/frstor */
#define FP_387FX	4	/* fxsave/fxrstor */

#define FP_STATE_BYTES \
	(sizeof(struct i386_fp_save) + sizeof(struct i386_fp_regs))
struct i386_float_state {
	int		fpkind;		/* FP_387 or FP_387FX; read only */
	int		initialized;
	unsigned char	hw_state[FP_STATE_BYTES];
	int		exc_status;	/* read only, always 0 */
};
#define i386_FLOAT_STATE_COUNT \
	(sizeof(struct i386_float_state) / sizeof(unsigned int))

_Static_assert(FP_STATE_BYTES == 108, "the fnsave image is 108 bytes");

#define i386_XFLOAT_STATE	8

/* fp_save_kind: the instruction the image is in the format of (GNU Mach's
 * numbering; this kernel uses the first two). */
#define FP_SAVE_FNSAVE	0
#define FP_SAVE_FXSAVE	1

struct i386_xfloat_state {
	int		fpkind;		/* FP_387 or FP_387FX; read only */
	int		initialized;
	int		exc_status;	/* read only, always 0 */
	int		fp_save_kind;	/* FP_SAVE_*; must match on set */
	unsigned char	hw_state[];	/* the image; size from i386_get_xstate_size */
};

/* The fxsave image (Intel SDM vol. 1, 10.5.1) and the XSAVE header after it. */
#define I386_FXSAVE_BYTES	512
#define I386_XSAVE_HEADER_BYTES	64
#define I386_FXSAVE_MXCSR	24	/* offsets in the fxsave image */
#define I386_FXSAVE_MXCSR_MASK	28
#define I386_FXSAVE_XMM0	160	/* XMM(i) at XMM0 + 16 * i */
_Static_assert(i386_FLOAT_STATE_COUNT == 30, "i386_float_state is 30 words");

#endif /* _MACH_THREAD_STATUS_H_ */
