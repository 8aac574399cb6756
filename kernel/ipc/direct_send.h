/* Single-copy delivery of a task's message to a receiver already waiting
 * for it (kernel/ipc/direct_send.c says what it takes and what it leaves to
 * the queued path). */
#ifndef IPC_DIRECT_SEND_H
#define IPC_DIRECT_SEND_H
#include <stdbool.h>
#include <stdint.h>
#include <mach/message.h>
struct task;

/* A receiver's wait_data when its message was copied into its buffer whole
 * (its mach_msg result is in its rcv_result); never a kernel message's
 * address. */
#define IPC_HANDED_IN_PLACE ((void *)1)

/* Send task's message of size bytes at uaddr (a whole number of words, at
 * most KMSG_MAX_SIZE), which *src shows in the kernel (user_window,
 * vm/copyio.h), straight into its waiting receiver's buffer. False if this
 * path does not take it: then no right has moved and the queued path must
 * send it, from *src (which this may have taken again). True when it was
 * dealt with, *result being the send's result (a refusal is the queued
 * path's own). */
bool ipc_direct_send(struct task *task, uintptr_t uaddr, const char **src, uint32_t size, mach_msg_return_t *result);
/* Messages delivered so since boot. */
uint32_t ipc_direct_send_count(void);
#endif
