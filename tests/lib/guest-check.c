#include "guest-check.h"
#include <string.h>
#include <sm/traps.h>
#include "smhost.h"
#include "mach.h"
#include <mach/thread_info.h>
#include <mach/thread_status.h>

int guest_passed, guest_failed;

int guest_summary(const char *topic)
{
	printf("%s: %d passed, %d failed\n", topic, guest_passed, guest_failed);
	return guest_failed ? 1 : 0;
}

void kernel_counts(uint32_t c[4])
{
	CHECK_EQ(sm_kernel_stats(smrt_host_port(), &c[0], &c[1], &c[2], &c[3]), KERN_SUCCESS);
}

void kernel_counts_settled(uint32_t c[4])
{
	uint32_t next[4];
	kernel_counts(c);
	for (int i = 0; i < 30; i++) {
		smrt_sleep_ms(100);
		kernel_counts(next);
		if (!memcmp(next, c, sizeof next))
			return;
		memcpy(c, next, sizeof next);
	}
}

bool counts_back(const uint32_t base[4], uint32_t now[4])
{
	for (int i = 0; i < 100; i++) {
		kernel_counts(now);
		if (!memcmp(now, base, 4 * sizeof now[0]))
			return true;
		smrt_sleep_ms(10);
	}
	return false;
}

void check_counts_back(const uint32_t base[4], const char *after)
{
	uint32_t now[4];
	counts_back(base, now);
	CHECK(!memcmp(now, base, sizeof now), "after %s: free pages %u->%u, heap %u->%u, ports %u->%u, ool %u->%u",
	      after, base[0], now[0], base[1], now[1], base[2], now[2], base[3], now[3]);
}

void check_round_leaves_nothing(const char *what, int tries, void (*round)(void *), void *arg)
{
	uint32_t before[4], now[4];
	bool back = false;
	for (int i = 0; i < tries && !back; i++) {
		kernel_counts_settled(before);
		round(arg);
		back = counts_back(before, now);
	}
	CHECK(back, "after %s (%d tries): free pages %u->%u, heap %u->%u, ports %u->%u, ool %u->%u", what, tries,
	      before[0], now[0], before[1], now[1], before[2], now[2], before[3], now[3]);
}

int thread_run_state(mach_port_t thread)
{
	struct thread_basic_info bi;
	mach_msg_type_number_t n = THREAD_BASIC_INFO_COUNT;
	if (thread_info(thread, THREAD_BASIC_INFO, (thread_info_t)&bi, &n) != KERN_SUCCESS)
		return -1;
	return bi.run_state;
}

int thread_blocks(mach_port_t thread)
{
	for (int i = 0; i < 1000 && thread_run_state(thread) != TH_STATE_WAITING; i++)
		smrt_sleep_ms(1);
	return thread_run_state(thread) == TH_STATE_WAITING;
}

void start_thread_at(mach_port_t task, uintptr_t eip, uintptr_t esp, mach_port_t *thread)
{
	mach_port_t th = MACH_PORT_NULL;
	CHECK_EQ(thread_create(task, &th), KERN_SUCCESS);
	struct i386_thread_state st;
	mach_msg_type_number_t n = i386_THREAD_STATE_COUNT;
	CHECK_EQ(thread_get_state(th, i386_THREAD_STATE, (thread_state_t)&st, &n), KERN_SUCCESS);
	st.eip = eip;
	st.uesp = esp;
	CHECK_EQ(thread_set_state(th, i386_THREAD_STATE, (thread_state_t)&st, i386_THREAD_STATE_COUNT), KERN_SUCCESS);
	CHECK_EQ(thread_resume(th), KERN_SUCCESS);
	*thread = th;
}

mach_msg_return_t receive_into(void *addr)
{
	mach_port_t self = mach_task_self(), port = MACH_PORT_NULL;
	CHECK_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port), KERN_SUCCESS);
	mach_msg_header_t h = { 0 };
	h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
	h.msgh_size = sizeof h;
	h.msgh_remote_port = port;
	CHECK_EQ(mach_msg(&h, MACH_SEND_MSG, sizeof h, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL), MACH_MSG_SUCCESS);
	mach_msg_return_t mr = mach_msg((mach_msg_header_t *)addr, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof h, port,
					100, MACH_PORT_NULL);
	CHECK_EQ(mach_port_destroy(self, port), KERN_SUCCESS);
	return mr;
}
