#include <sm/time_page.h>
#include "kern/bootstrap.h"
#include "kern/boot_script.h"
#include "kern/elf.h"
#include "kern/task.h"
#include "kern/thread.h"
#include "kern/host.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "ipc/port.h"
#include "device/device_layer.h"
#include "ipc/space.h"
#include "vm/pmap.h"
#include "i386/layout.h"

#define MAX_ARGS 16
#define CMDLINE_MAX 256

/* Write into a task's fresh pages through the direct map (they may be
 * read-only to the task). */
static void write_task(struct task *t, uintptr_t va, const void *src, size_t len)
{
	const char *s = src;
	while (len) {
		uintptr_t pa;
		if (!pmap_lookup(&t->pmap, va, &pa, NULL))
			panic("bootstrap: %p not mapped in a task being built", (void *)va);
		size_t chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		if (chunk > len)
			chunk = len;
		memcpy(P2V(pa), s, chunk);
		va += chunk, s += chunk, len -= chunk;
	}
}

static int split_args(char *line, char **argv)
{
	int argc = 0;
	for (char *p = line; *p && argc < MAX_ARGS;) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
	}
	return argc;
}

/* The SysV initial stack: argc, argv pointers, NULL, an empty envp, NULL, the
 * auxiliary vector (the time page, include/sm/time_page.h), then the
 * strings. Returns the initial esp. */
static uint32_t build_stack(struct task *t, int argc, char **argv)
{
	uint32_t sp = USER_STACK_TOP;
	uint32_t uargv[MAX_ARGS];
	for (int i = argc - 1; i >= 0; i--) {
		size_t n = strlen(argv[i]) + 1;
		sp -= n;
		write_task(t, sp, argv[i], n);
		uargv[i] = sp;
	}
	sp &= ~15u;
	uint32_t words[MAX_ARGS + 8];
	int n = 0;
	words[n++] = argc;
	for (int i = 0; i < argc; i++)
		words[n++] = uargv[i];
	words[n++] = 0;                   /* end of argv */
	words[n++] = 0;                   /* empty envp */
	words[n++] = SM_AT_TIME_PAGE;     /* the auxiliary vector: the time page */
	words[n++] = SM_TIME_PAGE_ADDR;
	words[n++] = SM_AT_NULL;
	words[n++] = 0;
	sp -= n * 4;
	sp &= ~15u;
	write_task(t, sp, words, n * 4);
	return sp;
}

static const char *start_task(const struct multiboot_module *mod, int argc, char **argv)
{
	const void *image = P2V(mod->mod_start);
	size_t len = mod->mod_end - mod->mod_start;
	struct elf_image elf;
	const char *why = elf_parse(image, len, &elf);
	if (why)
		return why;
	const char *base = argv[0];
	for (const char *c = argv[0]; *c; c++)
		if (*c == '/')
			base = c + 1;
	struct task *t = task_spawn(base);
	if (!t)
		return "out of memory for a task";
	for (int i = 0; i < elf.nsegments; i++) {
		const struct elf_segment *s = &elf.seg[i];
		uintptr_t first = PAGE_ROUND_DOWN(s->vaddr);
		if (task_map_zeroed(t, first, PAGE_ROUND_UP(s->vaddr + s->memsz) - first, s->writable) < 0) {
			task_destroy(t, -1);
			return "out of memory for its segments";
		}
		write_task(t, s->vaddr, (const char *)image + s->offset, s->filesz);
	}
	if (task_map_zeroed(t, USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_SIZE, true) < 0) {
		task_destroy(t, -1);
		return "out of memory for its stack";
	}
	uint32_t esp = build_stack(t, argc, argv);
	/* Boot modules are the trusted tasks: the privileged host port, as GNU
	 * Mach's boot script's ${host-port}; mach_host_self() names the plain one. */
	ipc_port_make_send(host_priv_port());
	ipc_space_insert_at(t->space, 1, host_priv_port(), MACH_PORT_TYPE_SEND);
	ipc_port_make_send(device_master_port());
	ipc_space_insert_at(t->space, 2, device_master_port(), MACH_PORT_TYPE_SEND);
	device_grant_from_args(t, argc, argv);     /* device=...: names 3, 4, ... */
	if (!thread_create_user(t, elf.entry, esp)) {
		task_destroy(t, -1);
		return "out of memory for its thread";
	}
	kprintf("task %u (%s) started: entry %p, %d segments\n", t->id, t->name, (void *)elf.entry, elf.nsegments);
	return NULL;
}

int bootstrap_start_modules(const struct multiboot_info *mbi)
{
	if (!(mbi->flags & MULTIBOOT_INFO_MODS) || mbi->mods_count == 0) {
		kprintf("bootstrap: no modules to start\n");
		return 0;
	}
	const struct multiboot_module *mods = P2V(mbi->mods_addr);
	const char *kernel_cmdline = (mbi->flags & MULTIBOOT_INFO_CMDLINE) ? P2V(mbi->cmdline) : "";
	int started = 0;
	for (uint32_t i = 0; i < mbi->mods_count; i++) {
		char line[CMDLINE_MAX];
		strlcpy(line, mods[i].string ? P2V(mods[i].string) : "module", sizeof line);
		char *argv[MAX_ARGS];
		int argc = split_args(line, argv);
		static char expanded[2 * CMDLINE_MAX];   /* the words boot-script substitution rewrote */
		const char *why = boot_script_expand(&argc, argv, expanded, sizeof expanded, kernel_cmdline);
		if (argc == 0)
			argv[argc++] = "module";
		if (!why)
			why = start_task(&mods[i], argc, argv);
		if (why)
			kprintf("bootstrap: module %u (%s) not started: %s\n", i, argv[0], why);
		else
			started++;
	}
	return started;
}
