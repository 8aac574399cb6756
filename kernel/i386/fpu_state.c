/* thread_get_state / thread_set_state for i386_FLOAT_STATE: a thread's x87
 * registers in GNU Mach's layout (<mach/thread_status.h>), translated from
 * and to the image the kernel keeps (kernel/i386/fpu.c), which is in fxsave
 * format on every CPU with FXSR and in fnsave format otherwise.
 *
 * fxsave keeps an abridged tag (one bit a register: empty or not) where
 * fnsave keeps two bits (valid, zero, special, empty); the full tag is
 * worked out from each register's contents (Intel SDM vol. 1, 10.5.1.1), and
 * only the empty/non-empty distinction goes back. Going in, the SSE part of
 * the image (MXCSR, XMM registers) is left as it was, so nothing a user
 * sends can make fxrstor fault. */
#include "i386/fpu_state.h"
#include "i386/fpu.h"
#include "kern/thread.h"
#include "kern/string.h"
#include <mach/thread_status.h>
#include <stdint.h>

/* Offsets in the fxsave image. */
#define FX_FCW   0
#define FX_FSW   2
#define FX_FTW   4              /* abridged: bit i set = physical register i in use */
#define FX_FOP   6
#define FX_FIP   8
#define FX_FCS   12
#define FX_FDP   16
#define FX_FDS   20
#define FX_ST0   32             /* ST(i) at FX_ST0 + 16 * i, 10 bytes used */

#define TAG_VALID   0
#define TAG_ZERO    1
#define TAG_SPECIAL 2
#define TAG_EMPTY   3

static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* The two-bit tag of an 80-bit register in use. */
static unsigned classify(const uint8_t *reg)
{
	uint64_t mantissa;
	memcpy(&mantissa, reg, 8);
	uint16_t exponent = get16(reg + 8) & 0x7fff;
	if (exponent == 0x7fff)
		return TAG_SPECIAL;                 /* infinity or NaN */
	if (exponent == 0)
		return mantissa == 0 ? TAG_ZERO : TAG_SPECIAL;   /* zero or denormal */
	return (mantissa >> 63) ? TAG_VALID : TAG_SPECIAL; /* no integer bit: unnormal */
}

static void fx_to_fnsave(const uint8_t *fx, struct i386_fp_save *env, struct i386_fp_regs *regs)
{
	memset(env, 0, sizeof *env);
	env->fp_control = get16(fx + FX_FCW);
	env->fp_status = get16(fx + FX_FSW);
	env->fp_opcode = get16(fx + FX_FOP) & 0x7ff;
	env->fp_eip = get32(fx + FX_FIP);
	env->fp_cs = get16(fx + FX_FCS);
	env->fp_dp = get32(fx + FX_FDP);
	env->fp_ds = get16(fx + FX_FDS);
	unsigned top = (env->fp_status >> 11) & 7;
	uint16_t tag = 0;
	for (unsigned phys = 0; phys < 8; phys++) {
		unsigned st = (phys - top) & 7;   /* physical register phys is ST(st) */
		unsigned t = (fx[FX_FTW] >> phys) & 1 ? classify(fx + FX_ST0 + 16 * st) : TAG_EMPTY;
		tag |= t << (2 * phys);
	}
	env->fp_tag = tag;
	for (unsigned st = 0; st < 8; st++)
		memcpy(regs->fp_reg_word[st], fx + FX_ST0 + 16 * st, 10);
}

static void fnsave_to_fx(const struct i386_fp_save *env, const struct i386_fp_regs *regs, uint8_t *fx)
{
	put16(fx + FX_FCW, env->fp_control);
	put16(fx + FX_FSW, env->fp_status);
	uint8_t abridged = 0;
	for (unsigned phys = 0; phys < 8; phys++)
		if (((env->fp_tag >> (2 * phys)) & 3) != TAG_EMPTY)
			abridged |= 1u << phys;
	fx[FX_FTW] = abridged;
	fx[FX_FTW + 1] = 0;
	put16(fx + FX_FOP, env->fp_opcode & 0x7ff);
	put32(fx + FX_FIP, env->fp_eip);
	put16(fx + FX_FCS, env->fp_cs);
	put16(fx + FX_FCS + 2, 0);
	put32(fx + FX_FDP, env->fp_dp);
	put16(fx + FX_FDS, env->fp_ds);
	put16(fx + FX_FDS + 2, 0);
	for (unsigned st = 0; st < 8; st++) {
		memcpy(fx + FX_ST0 + 16 * st, regs->fp_reg_word[st], 10);
		memset(fx + FX_ST0 + 16 * st + 10, 0, 6);
	}
}

kern_return_t fpu_get_float_state(struct thread *t, thread_state_t out, mach_msg_type_number_t *count)
{
	if (*count < i386_FLOAT_STATE_COUNT)
		return KERN_INVALID_ARGUMENT;
	struct i386_float_state s;
	memset(&s, 0, sizeof s);
	fpu_flush(t->fpu_state);
	s.fpkind = fpu_has_fxsr() ? FP_387FX : FP_387;
	s.initialized = 1;                     /* every thread has an image from birth */
	struct i386_fp_save env;
	struct i386_fp_regs regs;
	if (fpu_has_fxsr()) {
		fx_to_fnsave(t->fpu_state, &env, &regs);
		memcpy(s.hw_state, &env, sizeof env);
		memcpy(s.hw_state + sizeof env, &regs, sizeof regs);
	} else {
		memcpy(s.hw_state, t->fpu_state, FP_STATE_BYTES);
	}
	memcpy(out, &s, sizeof s);
	*count = i386_FLOAT_STATE_COUNT;
	return KERN_SUCCESS;
}

kern_return_t fpu_set_float_state(struct thread *t, const thread_state_t in, mach_msg_type_number_t count)
{
	if (count < i386_FLOAT_STATE_COUNT)
		return KERN_INVALID_ARGUMENT;
	struct i386_float_state s;
	memcpy(&s, in, sizeof s);
	fpu_flush(t->fpu_state);
	if (!s.initialized) {
		fpu_init_state(t->fpu_state);
		return KERN_SUCCESS;
	}
	if (fpu_has_fxsr()) {
		struct i386_fp_save env;
		struct i386_fp_regs regs;
		memcpy(&env, s.hw_state, sizeof env);
		memcpy(&regs, s.hw_state + sizeof env, sizeof regs);
		fnsave_to_fx(&env, &regs, t->fpu_state);
	} else {
		memcpy(t->fpu_state, s.hw_state, FP_STATE_BYTES);
	}
	return KERN_SUCCESS;
}
