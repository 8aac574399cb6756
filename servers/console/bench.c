/* bench: short forms of the benchmark families `make bench` runs in full
 * (tools/run-bench.sh, docs/benchmarks.md), small enough to watch at the
 * prompt: a few thousand operations each, a dot of progress per step and
 * Ctrl-C between steps. Wall-clock figures from the uptime clock: under
 * QEMU's TCG they move with the host's load. */
#include "shell.h"
#include <device/device_types.h>
#include <mach/time_value.h>
#include <sm/mapped_time.h>
#include <mach/vm_prot.h>
#include <mach/vm_inherit.h>
#include "device.h"
#include "mach.h"
#include "mach_host_ext.h"
#include "smhost.h"

#define STEPS 10                 /* progress dots per test */

struct row { const char *name; uint32_t ops; uint64_t ns; uint64_t bytes; };

static void print_table(const char *family, const struct row *rows, int n)
{
	printf("bench %s (short form):\n  %-22s %8s %10s %10s\n", family, "test", "ops", "ns/op", "MB/s");
	for (int i = 0; i < n; i++) {
		uint64_t per = rows[i].ops ? rows[i].ns / rows[i].ops : 0;
		if (rows[i].bytes && rows[i].ns)
			printf("  %-22s %8u %10llu %10llu\n", rows[i].name, rows[i].ops, (unsigned long long)per,
			       (unsigned long long)(rows[i].bytes * 1000 / rows[i].ns));
		else
			printf("  %-22s %8u %10llu %10s\n", rows[i].name, rows[i].ops, (unsigned long long)per, "-");
	}
}

/* Run op ops times in STEPS steps with a dot after each; false on Ctrl-C or
 * a failed op (reported). */
static bool timed(struct row *r, uint32_t ops, kern_return_t (*op)(void *), void *arg)
{
	printf("  %-22s ", r->name);
	term_flush();
	uint64_t start = uptime_ns();
	for (uint32_t step = 0; step < STEPS; step++) {
		for (uint32_t i = 0; i < ops / STEPS; i++) {
			kern_return_t kr = op(arg);
			if (kr != KERN_SUCCESS) {
				printf("\nbench: %s failed: %s\n", r->name, kr_name(kr));
				return false;
			}
		}
		printf(".");
		term_flush();
		if (term_interrupted()) {
			printf("bench: stopped\n");
			return false;
		}
	}
	r->ns = uptime_ns() - start;
	r->ops = ops / STEPS * STEPS;
	printf("\n");
	return true;
}

static kern_return_t null_kernel_rpc(void *arg)
{
	uint64_t ns;
	(void)arg;
	return sm_host_uptime(smrt_host_port(), &ns);
}

/* One message to a port of our own and back out of it, in one mach_msg. */
static kern_return_t self_message(void *arg)
{
	mach_port_t port = *(mach_port_t *)arg;
	mach_msg_header_t m = { 0 };
	m.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND_ONCE, 0);
	m.msgh_size = sizeof m;
	m.msgh_remote_port = port;
	m.msgh_id = 1;
	return mach_msg(&m, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m, sizeof m, port, 0, MACH_PORT_NULL);
}

static kern_return_t uptime64(void *arg)
{
	time_value64_t t;
	(void)arg;
	return host_get_uptime64(smrt_host_port(), &t);
}

static kern_return_t time_of_day64(void *arg)
{
	time_value64_t t;
	(void)arg;
	return host_get_time64(smrt_host_port(), &t);
}

struct disk_read { mach_port_t dev; uint32_t records, rsize, bytes, next; bool random; };

static kern_return_t disk_read(void *arg)
{
	struct disk_read *d = arg;
	uint32_t per = d->bytes / d->rsize;
	if (d->random)
		d->next = arc4random() % (d->records - per);
	else if (d->next + per > d->records)
		d->next = 0;
	io_buf_ptr_t data = 0;
	mach_msg_type_number_t got = 0;
	kern_return_t kr = device_read(d->dev, D_READ, d->next, (int)d->bytes, &data, &got);
	if (kr == D_SUCCESS)
		vm_deallocate(smrt_task_port(), (vm_address_t)data, got);
	if (!d->random)
		d->next += per;
	return kr;
}

static int bench_ipc(void)
{
	struct row rows[2] = { { "kernel null RPC", 0, 0, 0 }, { "message to self", 0, 0, 0 } };
	mach_port_t port;
	if (mach_port_allocate(smrt_task_port(), MACH_PORT_RIGHT_RECEIVE, &port) != KERN_SUCCESS) {
		printf("bench: cannot allocate a port\n");
		return 1;
	}
	bool ok = timed(&rows[0], 2000, null_kernel_rpc, NULL) && timed(&rows[1], 2000, self_message, &port);
	mach_port_destroy(smrt_task_port(), port);
	if (ok)
		print_table("ipc", rows, 2);
	return !ok;
}

/* One read of GNU Mach's mapped time (the kernel's device "time"), by its
 * protocol (sm/mapped_time.h). */
static kern_return_t mapped_time_read(void *arg)
{
	(void)sm_mapped_time_us(arg);
	return KERN_SUCCESS;
}

/* The time page mapped read-only, or NULL having said why. */
static const volatile mapped_time_value_t *map_time(void)
{
	mach_port_t dev, object = MACH_PORT_NULL;
	kern_return_t kr = device_open(DEVICE_MASTER, D_READ, "time", &dev);
	if (kr != D_SUCCESS) {
		printf("bench: time: %s\n", kr_name(kr));
		return NULL;
	}
	kr = device_map(dev, VM_PROT_READ, 0, sizeof(mapped_time_value_t), &object, 0);
	vm_address_t addr = 0;
	if (kr == D_SUCCESS)
		kr = vm_map(smrt_task_port(), &addr, sizeof(mapped_time_value_t), 0, TRUE, object, 0, FALSE,
			    VM_PROT_READ, VM_PROT_READ, VM_INHERIT_NONE);
	if (object)
		mach_port_deallocate(smrt_task_port(), object);
	device_close(dev);
	mach_port_deallocate(smrt_task_port(), dev);
	if (kr != KERN_SUCCESS) {
		printf("bench: mapping the time page: %s\n", kr_name(kr));
		return NULL;
	}
	return (const volatile mapped_time_value_t *)addr;
}

static int bench_time(void)
{
	struct row rows[3] = { { "host_get_uptime64", 0, 0, 0 }, { "host_get_time64", 0, 0, 0 },
			       { "mapped time read", 0, 0, 0 } };
	const volatile mapped_time_value_t *m = map_time();
	if (!m)
		return 1;
	bool ok = timed(&rows[0], 2000, uptime64, NULL) && timed(&rows[1], 2000, time_of_day64, NULL) &&
		  timed(&rows[2], 100000, mapped_time_read, (void *)m);
	vm_deallocate(smrt_task_port(), (vm_address_t)m, 4096);
	if (ok)
		print_table("time", rows, 3);
	return !ok;
}

static int bench_blk(void)
{
	struct disk_read d = { 0 };
	kern_return_t kr = device_open(DEVICE_MASTER, D_READ, "vda", &d.dev);
	if (kr != D_SUCCESS) {
		printf("bench: vda: %s\n", kr_name(kr));
		return 1;
	}
	int words[2];
	mach_msg_type_number_t n = 2;
	kr = device_get_status(d.dev, DEV_GET_RECORDS, words, &n);
	bool ok = kr == D_SUCCESS && n == 2 && words[1] > 0 && (uint32_t)words[0] * (uint32_t)words[1] >= 1u << 20;
	if (!ok)
		printf("bench: vda: not a disk of 1 MiB or more (%s)\n", kr_name(kr));
	d.records = (uint32_t)words[0];
	d.rsize = (uint32_t)words[1];
	struct row rows[2] = { { "sequential 64 KiB read", 0, 0, 0 }, { "random 4 KiB read", 0, 0, 0 } };
	d.bytes = 65536;
	ok = ok && timed(&rows[0], 100, disk_read, &d);
	rows[0].bytes = (uint64_t)rows[0].ops * 65536;
	d.bytes = 4096 < d.rsize ? d.rsize : 4096;
	d.random = true;
	ok = ok && timed(&rows[1], 500, disk_read, &d);
	rows[1].bytes = (uint64_t)rows[1].ops * d.bytes;
	device_close(d.dev);
	mach_port_deallocate(smrt_task_port(), d.dev);
	if (ok)
		print_table("blk", rows, 2);
	return !ok;
}

int cmd_bench(int argc, char **argv)
{
	if (argc != 2) {
		printf("bench: usage: bench ipc|blk|net|time\n");
		return 1;
	}
	if (strcmp(argv[1], "ipc") == 0)
		return bench_ipc();
	if (strcmp(argv[1], "time") == 0)
		return bench_time();
	if (strcmp(argv[1], "blk") == 0)
		return bench_blk();
	if (strcmp(argv[1], "net") == 0)
		return net_bench();
	printf("bench: unknown family %s (ipc, blk, net or time)\n", argv[1]);
	return 1;
}
