/* The FPU flavors of thread_get_state / thread_set_state: i386_FLOAT_STATE
 * (kernel/i386/fpu_state.c) and i386_XFLOAT_STATE (kernel/i386/fpu_xstate.c);
 * thread_server.c hands those flavors here. */
#ifndef I386_FPU_STATE_H
#define I386_FPU_STATE_H
#include <mach/kern_return.h>
#include <mach/thread_status.h>
#include <mach/message.h>

struct thread;

kern_return_t fpu_get_float_state(struct thread *t, thread_state_t out, mach_msg_type_number_t *count);
kern_return_t fpu_set_float_state(struct thread *t, const thread_state_t in, mach_msg_type_number_t count);
kern_return_t fpu_get_xfloat_state(struct thread *t, thread_state_t out, mach_msg_type_number_t *count);
kern_return_t fpu_set_xfloat_state(struct thread *t, const thread_state_t in, mach_msg_type_number_t count);
#endif
