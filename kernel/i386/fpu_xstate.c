/* i386_XFLOAT_STATE for thread_get_state / thread_set_state, and
 * i386_get_xstate_size (mach_i386_ext.defs, GNU Mach's id 3809): a thread's
 * whole FPU image, x87 and SSE, in the kernel's own save format, as
 * <mach/thread_status.h> describes it.
 *
 * The record is the four-int header and then the image: with FXSR the
 * 512-byte fxsave image and a 64-byte XSAVE header (this kernel does not use
 * XSAVE, so only xfp_features is filled in, naming what the image holds);
 * without FXSR the 108-byte fnsave image. A record coming in is checked so
 * that restoring it cannot fault in the kernel: fxrstor raises #GP for an
 * MXCSR bit the CPU lacks (Intel SDM vol. 1, 10.5.1.1), so those bits are
 * cleared; frstor takes any 108 bytes. */
#include "i386/fpu_state.h"
#include "i386/fpu.h"
#include "kern/thread.h"
#include "kern/host.h"
#include "kern/string.h"
#include "kern/printf.h"
#include "mach_i386_ext_server.h"
#include <stdint.h>

#define XFEATURE_X87 (1u << 0)
#define XFEATURE_SSE (1u << 1)

/* The bytes after the four-int header. */
static uint32_t image_bytes(void)
{
	return fpu_has_fxsr() ? I386_FXSAVE_BYTES + I386_XSAVE_HEADER_BYTES : FP_STATE_BYTES;
}

static uint32_t record_bytes(void) { return sizeof(struct i386_xfloat_state) + image_bytes(); }
static uint32_t record_words(void) { return record_bytes() / sizeof(natural_t); }
static int save_kind(void) { return fpu_has_fxsr() ? FP_SAVE_FXSAVE : FP_SAVE_FNSAVE; }

kern_return_t i386_get_xstate_size(mach_port_t host, vm_size_t *size)
{
	if (!host_port_word_ok(host))
		return KERN_INVALID_HOST;
	*size = record_bytes();
	return KERN_SUCCESS;
}

kern_return_t fpu_get_xfloat_state(struct thread *t, thread_state_t out, mach_msg_type_number_t *count)
{
	if (*count < record_words())
		return KERN_INVALID_ARGUMENT;
	struct i386_xfloat_state head = {
		.fpkind = fpu_has_fxsr() ? FP_387FX : FP_387,
		.initialized = 1,                /* every thread has an image from birth */
		.exc_status = 0,
		.fp_save_kind = save_kind(),
	};
	fpu_flush(t->fpu_state);
	uint8_t *dst = (uint8_t *)out;
	memcpy(dst, &head, sizeof head);
	dst += sizeof head;
	if (fpu_has_fxsr()) {
		memcpy(dst, t->fpu_state, I386_FXSAVE_BYTES);
		uint8_t header[I386_XSAVE_HEADER_BYTES];
		memset(header, 0, sizeof header);
		uint64_t features = XFEATURE_X87 | XFEATURE_SSE;
		memcpy(header, &features, sizeof features);
		memcpy(dst + I386_FXSAVE_BYTES, header, sizeof header);
	} else {
		memcpy(dst, t->fpu_state, FP_STATE_BYTES);
	}
	*count = record_words();
	return KERN_SUCCESS;
}

kern_return_t fpu_set_xfloat_state(struct thread *t, const thread_state_t in, mach_msg_type_number_t count)
{
	if (count < record_words())
		return KERN_INVALID_ARGUMENT;
	struct i386_xfloat_state head;
	const uint8_t *src = (const uint8_t *)in;
	memcpy(&head, src, sizeof head);
	src += sizeof head;
	fpu_flush(t->fpu_state);
	if (!head.initialized) {
		fpu_init_state(t->fpu_state);
		return KERN_SUCCESS;
	}
	if (head.fp_save_kind != save_kind()) {
		kwarn("thread_set_state: i386_XFLOAT_STATE of save kind %d, this CPU's is %d\n",
		      head.fp_save_kind, save_kind());
		return KERN_INVALID_ARGUMENT;
	}
	if (fpu_has_fxsr()) {
		uint8_t image[I386_FXSAVE_BYTES] __attribute__((aligned(16)));
		memcpy(image, src, sizeof image);
		uint32_t mxcsr;
		memcpy(&mxcsr, image + I386_FXSAVE_MXCSR, sizeof mxcsr);
		mxcsr &= fpu_mxcsr_mask();
		memcpy(image + I386_FXSAVE_MXCSR, &mxcsr, sizeof mxcsr);
		memcpy(t->fpu_state, image, sizeof image);
	} else {
		memcpy(t->fpu_state, src, FP_STATE_BYTES);
	}
	return KERN_SUCCESS;
}
