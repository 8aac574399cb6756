/* The kernel's entry from boot.S: bring up the CPU tables, memory, time and
 * devices, start a task for every GRUB module, and schedule. */
#include "kern/time_page.h"
#include "kern/console.h"
#include "kern/console_input.h"
#include "kern/printf.h"
#include "kern/multiboot.h"
#include "kern/string.h"
#include "kern/clock.h"
#include "kern/sched.h"
#include "kern/load.h"
#include "kern/task.h"
#include "kern/host.h"
#include "kern/bootstrap.h"
#include "vm/pmm.h"
#include "vm/pmap.h"
#include "i386/gdt.h"
#include "i386/trap.h"
#include "i386/irqchip.h"
#include "i386/fpu.h"
#include "i386/layout.h"
#include "device/device_layer.h"
#include "kern/kernel_device.h"

void kmain(uint32_t magic, uint32_t mbi_phys)
{
	console_init();
	kprintf("\nswiftmach: i386 microkernel booting\n");
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		panic("not started by a multiboot loader (magic %#x)", magic);
	const struct multiboot_info *mbi = P2V(mbi_phys);
	const char *cmdline = (mbi->flags & MULTIBOOT_INFO_CMDLINE) ? P2V(mbi->cmdline) : "";
	kprintf("command line: %s\n", cmdline);

	gdt_init();
	idt_init();
	pmm_init(mbi);
	pmap_bootstrap(pmm_ram_top());
	irqchip_init(cmdline);          /* maps the APICs: after the MMIO window exists */
	fpu_init();
	task_init();
	sched_init();
	host_init();
	clock_init();
	time_page_init();                /* before the first task: each maps it */
	kernel_devices_init();           /* the time page reads the clock */
	console_input_init();
	load_init();
	device_layer_init();
	task_set_exit_when_idle(strstr(cmdline, "exit-when-idle") != NULL);
	const char *halt_when = strstr(cmdline, "halt-when=");
	if (halt_when) {
		char name[TASK_NAME_MAX];
		strlcpy(name, halt_when + strlen("halt-when="), sizeof name);
		for (char *c = name; *c; c++)
			if (*c == ' ')
				*c = '\0';
		task_set_halt_when(name);
	}
	int n = bootstrap_start_modules(mbi);
	kprintf("bootstrap: %d task%s started\n", n, n == 1 ? "" : "s");
	sched_start();
}
