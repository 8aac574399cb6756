#include "kern/task.h"
#include "kern/thread.h"
#include "kern/sched.h"
#include "kern/halt.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "vm/kalloc.h"
#include "vm/pmm.h"
#include "ipc/port.h"
#include "ipc/space.h"
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
struct task *current_task(void) { return current_thread()->task; }
int task_count(void) { return ntasks; }
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
	t->next = tasks;
	tasks = t;
	ntasks++;
	return t;
}

int task_map_zeroed(struct task *t, uintptr_t va, size_t size, bool writable)
{
	for (uintptr_t off = 0; off < size; off += PAGE_SIZE) {
		uintptr_t pa = 0;
		if (t->pmap.user_pages >= t->page_limit || !(pa = pmm_alloc_page()) ||
		    pmap_enter(&t->pmap, va + off, pa, writable) < 0) {
			if (pa)
				pmm_free_page(pa);
			for (uintptr_t undo = 0; undo < off; undo += PAGE_SIZE)
				pmm_free_page(pmap_remove(&t->pmap, va + undo));
			return -1;
		}
	}
	return 0;
}

void task_destroy(struct task *t, int status)
{
	if (t == &kernel_task_store)
		panic("task_destroy: the kernel task");
	kprintf("task %u (%s) exited with status %d\n", t->id, t->name, status);
	bool halt = halt_task[0] && strcmp(t->name, halt_task) == 0;
	struct thread *self = current_thread();
	bool suicide = false;
	for (struct thread *th = t->threads; th; th = th->task_next) {
		if (th == self)
			suicide = true;
		thread_destroy(th);
	}
	for (struct task **p = &tasks; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	ntasks--;
	ipc_port_destroy_kobject(t->self_port);
	ipc_space_destroy(t->space);
	pmap_destroy(&t->pmap);
	if (halt)
		halt_after(t);
	kfree(t);
	if (suicide) {
		sched_switch();
		panic("task_destroy: a dead thread was scheduled");
	}
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
	struct task *t = current_task();
	if (t->exit_pending)
		task_destroy(t, t->exit_status);
}

void task_check_all_done(void)
{
	if (!exit_when_idle || ntasks > 0)
		return;
	kprintf("all tasks finished: %u KiB free, %u bytes of kernel heap in use\n",
		(unsigned)(pmm_free_pages() * 4), (unsigned)kalloc_bytes_in_use());
	machine_halt(HALT_DONE);
}
