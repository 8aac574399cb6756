/* Shared by tests/guest/test-hostile-ipc.c and tests/guest/hostile-ipc-stress.c. */
#ifndef TESTS_HOSTILE_IPC_H
#define TESTS_HOSTILE_IPC_H
#include <stdbool.h>
#include <stdint.h>
#include <mach/message.h>

extern mach_port_t self;

/* A message carrying one port right. */
struct port_msg { mach_msg_header_t head; mach_msg_type_t type; mach_port_t port; };

/* free pages, heap bytes, ports, out-of-line items (sm_kernel_stats) */
void kernel_stats(uint32_t s[4]);
/* CHECK that the kernel's counts are those of before. */
void expect_baseline(const uint32_t before[4], const char *what);
/* Send a struct port_msg (no reply port) without waiting for room. */
mach_msg_return_t send_right(mach_port_t dest, uint32_t dest_disp, mach_port_t right, uint32_t right_disp);
/* Receive one struct port_msg; its port item in *right if right is not NULL. */
mach_msg_return_t receive_right(mach_port_t from, mach_port_t *right, uint32_t timeout);

void test_random_stress(void);
#endif
