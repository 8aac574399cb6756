#include "kern/time_page.h"
#include "kern/task.h"
#include "i386/user_ldt.h"
#include "kern/thread.h"
#include "kern/sched.h"
#include "kern/halt.h"
#include "kern/clock.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "vm/kalloc.h"
#include "vm/pmm.h"
#include "ipc/port.h"
#include "ipc/space.h"
#include "device/device_layer.h"
#include "i386/layout.h"

#define DEFAULT_PAGE_LIMIT (64 * 1024 * 1024 / PAGE_SIZE)

static struct task kernel_task_store;
static struct task *tasks;
static int ntasks;
static uint32_t next_task_id = 1;
static bool exit_when_idle;
static char halt_task[TASK_NAME_MAX];   /* halt the machine when this task ends */

void task_init(void)
{
	strlcpy(kernel_task_store.name, "kernel", TASK_NAME_MAX);
	kernel_task_store.pmap = *pmap_kernel();
}

struct task *kernel_task(void) { return &kernel_task_store; }
int task_count(void) { return ntasks; }
struct task *task_list(void) { return tasks; }

struct task *task_receiving_on(const struct ipc_port *port)
{
	if (!port->active || !port->receiver)
		return NULL;
	for (struct task *t = tasks; t; t = t->next)
		if (t->space == port->receiver)
			return t;
	return NULL;
}
void task_set_exit_when_idle(bool on) { exit_when_idle = on; }
void task_set_halt_when(const char *name) { strlcpy(halt_task, name, TASK_NAME_MAX); }

/* The end of a run under test: say what is still running, then stop. */
static void halt_after(const struct task *done)
{
	kprintf("halt-when: %s finished; %d task%s still running:", done->name, ntasks, ntasks == 1 ? "" : "s");
	for (struct task *t = tasks; t; t = t->next)
		kprintf(" %s", t->name);
	kprintf("\nall tasks finished or halted: %u KiB free, %u bytes of kernel heap in use\n",
		(unsigned)(pmm_free_pages() * 4), (unsigned)kalloc_bytes_in_use());
	machine_halt(HALT_DONE);
}

struct task *task_spawn(const char *name)
{
	struct task *t = kalloc(sizeof *t);
	if (!t)
		return NULL;
	if (pmap_create(&t->pmap) < 0) {
		kfree(t);
		return NULL;
	}
	if (!time_page_map(&t->pmap)) {
		pmap_destroy(&t->pmap);
		kfree(t);
		return NULL;
	}
	t->space = ipc_space_create();
	t->self_port = ipc_port_alloc_kobject(IKOT_TASK, t);
	if (!t->space || !t->self_port) {
		if (t->space)
			ipc_space_destroy(t->space);
		if (t->self_port)
			ipc_port_destroy_kobject(t->self_port);
		pmap_destroy(&t->pmap);
		kfree(t);
		return NULL;
	}
	t->id = next_task_id++;
	strlcpy(t->name, name, TASK_NAME_MAX);
	t->page_limit = DEFAULT_PAGE_LIMIT;
	t->priority = PRIORITY_USER;
	t->created_ns = clock_uptime_ns();
	t->ldt = NULL;                              /* the kernel's LDT until i386_set_ldt */
	t->ldt_entries = 0;
	t->next = tasks;
	tasks = t;
	ntasks++;
	return t;
}

int task_map_zeroed(struct task *t, uintptr_t va, size_t size, bool writable)
{
	uintptr_t addr = va;
	int prot = VM_PROT_READ | VM_PROT_EXECUTE | (writable ? VM_PROT_WRITE : 0);
	return vm_map_allocate(t, &addr, PAGE_ROUND_UP(size), false, prot) == KERN_SUCCESS ? 0 : -1;
}

void task_destroy(struct task *t, int status)
{
	if (t == &kernel_task_store)
		panic("task_destroy: the kernel task");
	if (!t->exit_pending) {
		t->exit_pending = true;
		t->exit_status = status;
	}
	if (t->self_port) {                          /* holders see a dead name now */
		ipc_port_destroy_kobject(t->self_port);
		t->self_port = NULL;
	}
	struct thread *self = current_thread();
	struct thread *next;
	for (struct thread *th = t->threads; th; th = next) {
		next = th->task_next;
		if (th != self)
			thread_terminate_other(th);          /* in a wait: unwinds, ends later */
	}
	if (self->task == t)
		thread_exit_self();                      /* frees t if it is the last */
	if (t->nthreads == 0)
		task_finish(t);
}

static struct waitq task_death;

struct waitq *task_death_queue(void) { return &task_death; }

bool task_alive(uint32_t id)
{
	for (struct task *t = tasks; t; t = t->next)
		if (t->id == id)
			return true;
	return false;
}

void task_finish(struct task *t)
{
	kprintf("task %u (%s) exited with status %d\n", t->id, t->name, t->exit_status);
	bool halt = halt_task[0] && strcmp(t->name, halt_task) == 0;
	for (struct task **p = &tasks; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	ntasks--;
	if (t->self_port)
		ipc_port_destroy_kobject(t->self_port);
	if (t->bootstrap_port)
		ipc_port_release_send(t->bootstrap_port);
	if (t->exception_port)
		ipc_port_release_send(t->exception_port);
	device_task_cleanup(t);                     /* devices reset before their DMA memory goes */
	ipc_space_destroy(t->space);
	pmap_destroy(&t->pmap);                     /* frees every page its map held */
	vm_map_destroy(&t->map);
	user_ldt_free(t);
	if (halt)
		halt_after(t);
	kfree(t);
	waitq_wake_all(&task_death, WAIT_AWAKENED);
}

void task_request_exit(struct task *t, int status)
{
	if (t == current_task()) {
		t->exit_pending = true;
		t->exit_status = status;
	} else {
		task_destroy(t, status);
	}
}

void task_exit_point(void)
{
	thread_return_point();
}

void task_check_all_done(void)
{
	if (!exit_when_idle || ntasks > 0)
		return;
	kprintf("all tasks finished: %u KiB free, %u bytes of kernel heap in use\n",
		(unsigned)(pmm_free_pages() * 4), (unsigned)kalloc_bytes_in_use());
	machine_halt(HALT_DONE);
}
