/* Commands about the whole system: devices, tasks, kill and time. The lists
 * come from the kernel's sminfo interface (include/sm/sminfo.defs) on the
 * privileged host port, one call per entry. */
#include "shell.h"
#include <sm/smhost_types.h>
#include <sm/virtio_spec.h>
#include <mach/time_value.h>
#include "sminfo.h"
#include "mach_host_ext.h"

#define LIST_MAX 64             /* never walk a list longer than this */

static const char *virtio_type_name(natural_t type)
{
	switch (type) {
	case VIRTIO_ID_NET: return "net";
	case VIRTIO_ID_BLOCK: return "blk";
	case 3: return "console";
	case 4: return "rng";
	default: return "other";
	}
}

natural_t device_virtio_type(const char *name)
{
	mach_port_t priv = smrt_host_priv_port();
	char desc[SM_DEVICE_NAME_MAX];
	natural_t owner = 0, found = 0, type, drv, modern, lo, hi, irq, count, how;
	for (natural_t i = 0; i < LIST_MAX && !found; i++) {
		if (sm_device_at(priv, i, desc, &drv) != KERN_SUCCESS)
			return 0;
		if (!strcmp(desc, name))
			found = 1, owner = drv;
	}
	natural_t seen = 0;
	for (natural_t i = 0; owner && i < LIST_MAX; i++) {
		if (sm_virtio_at(priv, i, desc, &type, &drv, &modern, &lo, &hi, &irq, &count, &how) != KERN_SUCCESS)
			break;
		if (drv != owner)
			continue;
		if (seen && seen != type)
			return 0;
		seen = type;
	}
	return seen;
}

/* The name of task id into name (size SM_DEVICE_NAME_MAX), "-" if none. */
static void task_name(natural_t id, char *name)
{
	copy_string(name, id ? "(gone)" : "kernel", SM_DEVICE_NAME_MAX);
	natural_t tid, threads, pages, ports, driver;
	sm_device_name_t n;
	for (natural_t i = 0; id && i < LIST_MAX; i++) {
		if (sm_task_at(smrt_host_priv_port(), i, &tid, n, &threads, &pages, &ports, &driver) != KERN_SUCCESS)
			return;
		if (tid == id) {
			copy_string(name, n, SM_DEVICE_NAME_MAX);
			return;
		}
	}
}

int cmd_devices(int argc, char **argv)
{
	mach_port_t priv = smrt_host_priv_port();
	if (argc != 1) {
		printf("devices: takes no arguments\n");
		return 1;
	}
	printf("PCI functions:\n  %-8s %-10s %-7s %-4s %s\n", "address", "vendor:dev", "class", "irq", "what");
	natural_t loc, ids, class, irq;
	sm_device_name_t desc;
	kern_return_t kr = KERN_SUCCESS;
	for (natural_t i = 0; i < LIST_MAX; i++) {
		kr = sm_pci_at(priv, i, &loc, &ids, &class, &irq, desc);
		if (kr != KERN_SUCCESS)
			break;
		char irqs[8];
		snprintf(irqs, sizeof irqs, irq == 255 ? "-" : "%u", irq);
		printf("  %02x:%02x.%x  %04x:%04x  %06x  %-4s %s\n", loc >> 16, (loc >> 8) & 0xff, loc & 0xff,
		       ids >> 16, ids & 0xffff, class, irqs, desc);
	}
	if (kr == KERN_INVALID_HOST) {
		printf("devices: this task lacks the privileged host port\n");
		return 1;
	}
	printf("virtio devices:\n  %-8s %-5s %-9s %-18s %-18s %s\n", "address", "type", "transport", "features",
	       "interrupts", "driver task");
	natural_t type, owner, modern, lo, hi, count, how;
	for (natural_t i = 0; i < LIST_MAX; i++) {
		if (sm_virtio_at(priv, i, desc, &type, &owner, &modern, &lo, &hi, &irq, &count, &how) != KERN_SUCCESS)
			break;
		char who[SM_DEVICE_NAME_MAX], mode[20];
		task_name(owner, who);
		if (how == SM_VIRTIO_IRQ_MSIX_QUEUE)
			snprintf(mode, sizeof mode, "MSI-X/queue: %u", count);
		else if (how == SM_VIRTIO_IRQ_MSIX_DEVICE)
			snprintf(mode, sizeof mode, "MSI-X/device: %u", count);
		else if (how == SM_VIRTIO_IRQ_INTX)
			snprintf(mode, sizeof mode, "INTx %u: %u", irq, count);
		else
			snprintf(mode, sizeof mode, "none");
		printf("  %-8s %-5s %-9s 0x%08x%08x %-18s %s%s%s\n", desc, virtio_type_name(type),
		       modern ? "modern" : "legacy", hi, lo, mode, owner ? "" : "-", owner ? who : "",
		       owner ? "" : " (unclaimed)");
	}
	printf("device names:\n");
	for (natural_t i = 0; i < LIST_MAX; i++) {
		if (sm_device_at(priv, i, desc, &owner) != KERN_SUCCESS)
			break;
		char who[SM_DEVICE_NAME_MAX];
		task_name(owner, who);
		if (owner)
			printf("  %-10s task %u (%s)\n", desc, owner, who);
		else
			printf("  %-10s the kernel\n", desc);
	}
	return 0;
}

/* One line per thread of task id, under the task's line. */
static void print_threads(natural_t task_id)
{
	static const char *const states[] = { "ready", "running", "waiting", "ending" };
	natural_t id, state, priority, suspended, run_us;
	for (natural_t i = 0; i < LIST_MAX; i++) {
		if (sm_thread_at(smrt_host_priv_port(), task_id, i, &id, &state, &priority, &suspended, &run_us) !=
		    KERN_SUCCESS)
			return;
		printf("       thread %u: %s, priority %u%s, ran %u.%03u ms\n", id, state < 4 ? states[state] : "?",
		       priority, suspended ? ", suspended" : "", run_us / 1000, run_us % 1000);
	}
}

int cmd_tasks(int argc, char **argv)
{
	if (argc != 1) {
		printf("tasks: takes no arguments\n");
		return 1;
	}
	printf("  %4s %-16s %7s %6s %6s\n", "id", "name", "threads", "KiB", "ports");
	natural_t id, threads, pages, ports, driver;
	sm_device_name_t name;
	for (natural_t i = 0; i < LIST_MAX; i++) {
		kern_return_t kr = sm_task_at(smrt_host_priv_port(), i, &id, name, &threads, &pages, &ports, &driver);
		if (kr == KERN_INVALID_HOST) {
			printf("tasks: this task lacks the privileged host port\n");
			return 1;
		}
		if (kr != KERN_SUCCESS)
			break;
		printf("  %4u %-16s %7u %6u %6u%s\n", id, name, threads, pages * 4, ports, driver ? "  driver" : "");
		print_threads(id);
	}
	return 0;
}

int cmd_kill(int argc, char **argv)
{
	bool force = argc == 3 && strcmp(argv[1], "-f") == 0;
	if (argc != 2 && !force) {
		printf("kill: usage: kill [-f] <task id or name> (tasks lists them)\n");
		return 1;
	}
	const char *which = argv[argc - 1];
	uint32_t id = 0;
	bool by_id = parse_number(which, &id);
	natural_t tid, threads, pages, ports, driver = 0;
	sm_device_name_t name;
	bool found = false;
	for (natural_t i = 0; i < LIST_MAX && !found; i++) {
		if (sm_task_at(smrt_host_priv_port(), i, &tid, name, &threads, &pages, &ports, &driver) != KERN_SUCCESS)
			break;
		found = by_id ? tid == id : strcmp(name, which) == 0;
	}
	if (!found) {
		printf("kill: no task %s\n", which);
		return 1;
	}
	id = tid;
	if (driver && !force) {
		printf("kill: task %u (%s) drives a device: its clients will fail. kill -f %u to do it\n", id, name, id);
		return 1;
	}
	kern_return_t kr = sm_task_kill(smrt_host_priv_port(), id);
	if (kr != KERN_SUCCESS) {
		printf("kill: task %u (%s): %s\n", id, name, kr_name(kr));
		return 1;
	}
	printf("killed task %u (%s)\n", id, name);
	return 0;
}

/* Days since 1970-01-01 to a civil date (the proleptic Gregorian calendar,
 * counted in 400-year eras of 146097 days that start on March 1st). */
static void civil_date(int64_t days, int *y, unsigned *m, unsigned *d)
{
	days += 719468;                         /* from 0000-03-01 */
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	unsigned doe = (unsigned)(days - era * 146097);                 /* [0, 146096] */
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);        /* from March 1st */
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yoe + era * 400) + (*m <= 2);
}

int cmd_time(int argc, char **argv)
{
	if (argc != 1) {
		printf("time: takes no arguments\n");
		return 1;
	}
	time_value64_t up, now;
	kern_return_t kr = host_get_uptime64(smrt_host_port(), &up);
	if (kr == KERN_SUCCESS)
		kr = host_get_time64(smrt_host_port(), &now);
	if (kr != KERN_SUCCESS) {
		printf("time: %s\n", kr_name(kr));
		return 1;
	}
	uint32_t s = (uint32_t)up.seconds;
	printf("uptime %u:%02u:%02u.%03u\n", s / 3600, s / 60 % 60, s % 60, (uint32_t)(up.nanoseconds / 1000000));
	int y;
	unsigned mo, d;
	int64_t days = now.seconds / 86400, rest = now.seconds % 86400;
	if (rest < 0) {
		rest += 86400;
		days--;
	}
	civil_date(days, &y, &mo, &d);
	printf("UTC    %04d-%02u-%02u %02u:%02u:%02u\n", y, mo, d, (unsigned)(rest / 3600), (unsigned)(rest / 60 % 60),
	       (unsigned)(rest % 60));
	return 0;
}
