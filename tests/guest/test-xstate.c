/* test-xstate: the whole FPU image through GNU Mach's i386_XFLOAT_STATE and
 * i386_get_xstate_size (sm/mach_i386_ext.defs). A thread holding known SSE
 * values waits; another reads its image, checks the values are there,
 * changes XMM7 and MXCSR, and the thread sees the change when it goes on.
 * Bad records are refused (short counts, another save format) or made safe
 * (MXCSR bits the CPU lacks, which would make the kernel's fxrstor fault),
 * and the kernel keeps running. */
#include "guest-check.h"
#include <sm/traps.h>
#include <sm/threads.h>
#include <sm/gsync.h>
#include <mach/thread_status.h>
#include <stdbool.h>
#include <stdint.h>
#include "mach.h"
#include "mach_i386_ext.h"
#include "gnumach.h"

#define RECORD_MAX 1024
#define MXCSR_DEFAULT 0x1f80
#define MXCSR_ROUND_UP_FTZ 0x9f80       /* round toward +inf (RC=10) and FTZ */

static mach_port_t self;
static uint8_t xmm3_in[16] __attribute__((aligned(16)));
static volatile uint8_t xmm3_out[16], xmm7_out[16];
static volatile uint32_t mxcsr_in = MXCSR_DEFAULT, mxcsr_out;
static volatile uint32_t gate;
static volatile int done;

/* Loads XMM3 and MXCSR, waits, then stores XMM3, XMM7 and MXCSR. */
static void sse_holder(void *arg)
{
	(void)arg;
	__asm__ volatile("movups %0, %%xmm3\n\tpxor %%xmm7, %%xmm7\n\tldmxcsr %1"
			 : : "m"(xmm3_in), "m"(mxcsr_in) : "memory");
	gsync_wait(self, (vm_address_t)&gate, 0, 0, 0, 0);
	__asm__ volatile("movups %%xmm3, %0\n\tmovups %%xmm7, %1\n\tstmxcsr %2"
			 : "=m"(xmm3_out), "=m"(xmm7_out), "=m"(mxcsr_out) : : "memory");
	done = 1;
}

static mach_port_t start_holder(void)
{
	mach_port_t th;
	done = 0;
	CHECK_EQ(smrt_thread_start(sse_holder, NULL, NULL, 0, &th), KERN_SUCCESS);
	CHECK(thread_blocks(th), "the SSE holder did not block");
	return th;
}

static void release_holder(mach_port_t th)
{
	CHECK_EQ(gsync_wake(self, (vm_address_t)&gate, 0, 0), KERN_SUCCESS);
	for (int i = 0; i < 2000 && !done; i++)
		smrt_sleep_ms(1);
	CHECK(done, "the SSE holder did not go on");
	CHECK_EQ(smrt_thread_join(th), KERN_SUCCESS);
}

static bool all_bytes(const volatile uint8_t *p, uint8_t v)
{
	for (int i = 0; i < 16; i++)
		if (p[i] != v)
			return false;
	return true;
}

static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static bool cpu_has_sse(void)
{
	uint32_t a = 1, b, c, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
	return (d & (1u << 24)) && (d & (1u << 25));    /* FXSR and SSE */
}

int main(void)
{
	self = mach_task_self();
	static uint32_t words[RECORD_MAX / 4];
	struct i386_xfloat_state *rec = (struct i386_xfloat_state *)words;
	CHECK(cpu_has_sse(), "QEMU's CPU has no FXSR/SSE: this test needs them");

	/* The size, asked of either host port; anything else is no host. */
	vm_size_t size = 0, size_priv = 0;
	CHECK_EQ(i386_get_xstate_size(mach_host_self(), &size), KERN_SUCCESS);
	CHECK_EQ(i386_get_xstate_size(smrt_host_priv_port(), &size_priv), KERN_SUCCESS);
	CHECK_EQ(size, size_priv);
	CHECK_EQ(size, sizeof(struct i386_xfloat_state) + I386_FXSAVE_BYTES + I386_XSAVE_HEADER_BYTES);
	CHECK_EQ(i386_get_xstate_size(self, &size_priv), KERN_INVALID_HOST);
	mach_msg_type_number_t words_needed = size / 4;

	memset(xmm3_in, 0x33, sizeof xmm3_in);
	mxcsr_in = MXCSR_DEFAULT;
	mach_port_t th = start_holder();
	mach_msg_type_number_t n = words_needed - 1;
	CHECK_EQ(thread_get_state(th, i386_XFLOAT_STATE, (thread_state_t)words, &n), KERN_INVALID_ARGUMENT);
	n = RECORD_MAX / 4;
	CHECK_EQ(thread_get_state(th, i386_XFLOAT_STATE, (thread_state_t)words, &n), KERN_SUCCESS);
	CHECK_EQ(n, words_needed);
	CHECK_EQ(rec->fpkind, FP_387FX);
	CHECK_EQ(rec->initialized, 1);
	CHECK_EQ(rec->fp_save_kind, FP_SAVE_FXSAVE);
	uint8_t *img = rec->hw_state;
	CHECK(all_bytes(img + I386_FXSAVE_XMM0 + 16 * 3, 0x33), "XMM3 is not in the image");
	CHECK_EQ(get32(img + I386_FXSAVE_MXCSR), MXCSR_DEFAULT);
	uint64_t features;
	memcpy(&features, img + I386_FXSAVE_BYTES, sizeof features);
	CHECK_EQ(features, 3);                             /* x87 and SSE */

	/* Change XMM7 and MXCSR; a short count and another format are refused
	 * and change nothing. */
	memset(img + I386_FXSAVE_XMM0 + 16 * 7, 0x77, 16);
	put32(img + I386_FXSAVE_MXCSR, MXCSR_ROUND_UP_FTZ);
	CHECK_EQ(thread_set_state(th, i386_XFLOAT_STATE, (thread_state_t)words, words_needed - 1),
		 KERN_INVALID_ARGUMENT);
	rec->fp_save_kind = FP_SAVE_FNSAVE;
	CHECK_EQ(thread_set_state(th, i386_XFLOAT_STATE, (thread_state_t)words, words_needed),
		 KERN_INVALID_ARGUMENT);
	rec->fp_save_kind = FP_SAVE_FXSAVE;
	CHECK_EQ(thread_set_state(th, i386_XFLOAT_STATE, (thread_state_t)words, words_needed), KERN_SUCCESS);
	release_holder(th);
	CHECK(all_bytes(xmm7_out, 0x77), "XMM7 set through thread_set_state was not seen");
	CHECK(all_bytes(xmm3_out, 0x33), "XMM3 changed");
	CHECK_EQ(mxcsr_out, MXCSR_ROUND_UP_FTZ);

	/* MXCSR bits no CPU has (the upper half) would make fxrstor fault in
	 * the kernel: they are dropped, the thread runs on. */
	th = start_holder();
	n = RECORD_MAX / 4;
	CHECK_EQ(thread_get_state(th, i386_XFLOAT_STATE, (thread_state_t)words, &n), KERN_SUCCESS);
	put32(img + I386_FXSAVE_MXCSR, 0xFFFF0000u | MXCSR_DEFAULT);
	CHECK_EQ(thread_set_state(th, i386_XFLOAT_STATE, (thread_state_t)words, words_needed), KERN_SUCCESS);
	n = RECORD_MAX / 4;
	CHECK_EQ(thread_get_state(th, i386_XFLOAT_STATE, (thread_state_t)words, &n), KERN_SUCCESS);
	CHECK_EQ(get32(img + I386_FXSAVE_MXCSR), MXCSR_DEFAULT);
	release_holder(th);
	CHECK_EQ(mxcsr_out, MXCSR_DEFAULT);

	/* initialized = 0 gives the thread a new thread's FPU: XMM3 cleared. */
	th = start_holder();
	memset(words, 0, size);
	CHECK_EQ(thread_set_state(th, i386_XFLOAT_STATE, (thread_state_t)words, words_needed), KERN_SUCCESS);
	release_holder(th);
	CHECK(all_bytes(xmm3_out, 0), "XMM3 survived a reset");
	CHECK_EQ(mxcsr_out, MXCSR_DEFAULT);

	return guest_summary("test-xstate");
}
