/* Host unit tests of MSI-X table programming (kernel/device/pci/msix.c)
 * and of per-source vector registration over it
 * (kernel/device/virtio/vectors.c), against a fake PCI function (its
 * configuration space and MSI-X table are arrays here), the fake
 * transport's vector registers (virtio_fake.c) and a fake pool of CPU
 * vectors. What is checked: a table the kernel must not use is refused
 * (a BAR that is not memory, a table outside its BAR, a table that cannot
 * be mapped); attach masks every entry and leaves MSI-X off; an entry is
 * programmed with the platform's message and unmasked; turning MSI-X off
 * masks every entry; a registration is refused with its code for a
 * source the device does not have, a device or platform without MSI-X,
 * a source already registered, a full table, no free CPU vector, and a
 * device that reads NO_VECTOR back (virtio 1.x 4.1.5.1.2), which also
 * takes nothing away; release undoes everything. */
/* The kernel's syscall() (kern/syscall.h, reached through vdev.h) is not
 * the C library's syscall() of check.h's <unistd.h>: rename it here. */
#define syscall kernel_syscall
#include "device/virtio/vdev.h"
#undef syscall
#include "check.h"
#include "kernel_stubs.h"
#include "virtio_fake.h"
#include "device/pci/mmio.h"
#include "device/irq.h"
#include "i386/irqchip.h"
#include "ipc/port.h"
#include <mach/kern_return.h>
#include <string.h>

/* ---------------------------------------------------------------- a fake PCI function */

#define CAP_AT 0x40
#define TABLE_BAR 1
#define TABLE_OFFSET 0x800
static uint8_t config_space[256];
static uint8_t cap_offset;                      /* what pci_find_cap reports */
static uint32_t bar_memory[1024];               /* BAR 1's 4 KiB */
static int mmio_refuse;
static uint64_t mmio_pa;

static struct pci_function function;

uint8_t pci_find_cap(const struct pci_function *f, uint8_t id) { return id == PCI_CAP_ID_MSIX ? cap_offset : 0; }

uint32_t pci_read(const struct pci_function *f, uint8_t off, int width)
{
	uint32_t v = 0;
	for (int i = 0; i < width; i++)
		v |= (uint32_t)config_space[off + i] << (8 * i);
	return v;
}

void pci_write(const struct pci_function *f, uint8_t off, int width, uint32_t v)
{
	for (int i = 0; i < width; i++)
		config_space[off + i] = v >> (8 * i);
}

volatile void *mmio_map(uint64_t pa, uint32_t len)
{
	mmio_pa = pa;
	if (mmio_refuse || pa < function.bar[TABLE_BAR].base ||
	    pa + len > function.bar[TABLE_BAR].base + sizeof bar_memory)
		return NULL;
	return (uint8_t *)bar_memory + (pa - function.bar[TABLE_BAR].base);
}

static uint16_t control(void) { return (uint16_t)pci_read(&function, CAP_AT + 2, 2); }

/* A function whose MSI-X capability says `entries` entries in BAR bir at
 * `offset`, left enabled and function-masked by "firmware", every entry
 * unmasked. */
static void make_function(uint16_t entries, uint8_t bir, uint32_t offset, enum pci_bar_type type)
{
	memset(config_space, 0, sizeof config_space);
	memset(bar_memory, 0, sizeof bar_memory);
	memset(&function, 0, sizeof function);
	function.bar[TABLE_BAR] = (struct pci_bar){ .type = type, .base = 0xFE000000u, .size = sizeof bar_memory };
	cap_offset = CAP_AT;
	mmio_refuse = 0;
	config_space[CAP_AT] = PCI_CAP_ID_MSIX;
	pci_write(&function, CAP_AT + 2, 2, (entries - 1u) | 1u << 15 | 1u << 14);
	pci_write(&function, CAP_AT + 4, 4, offset | bir);
}

static volatile uint32_t *table_entry(uint16_t e) { return &bar_memory[TABLE_OFFSET / 4 + 4 * e]; }
static bool entry_masked(uint16_t e) { return table_entry(e)[3] & 1; }

/* ---------------------------------------------------------------- fake CPU vectors and the rest of the kernel */

#define FAKE_VECTORS 4
static struct { bool used; irq_handler_t fn; void *arg; } cpu_vector[FAKE_VECTORS];
static int vectors_in_use, vector_frees_bad;
static bool apic = true;

int msi_vector_alloc(irq_handler_t fn, void *arg)
{
	for (int v = 0; v < FAKE_VECTORS; v++)
		if (!cpu_vector[v].used) {
			cpu_vector[v].used = true;
			cpu_vector[v].fn = fn;
			cpu_vector[v].arg = arg;
			vectors_in_use++;
			return 0x40 + v;
		}
	return -1;
}

void msi_vector_free(int vector)
{
	int v = vector - 0x40;
	if (v < 0 || v >= FAKE_VECTORS || !cpu_vector[v].used) {
		vector_frees_bad++;
		return;
	}
	cpu_vector[v].used = false;
	vectors_in_use--;
}

void msi_message(int vector, uint32_t *address, uint32_t *data)
{
	*address = 0xFEE00000u;
	*data = (uint32_t)vector;
}

bool irqchip_apic(void) { return apic; }

static int refusals, ports_released, events_sent;
static char last_refusal[256];
void vdev_refuse(struct vdev *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_refusal, sizeof last_refusal, fmt, ap);
	va_end(ap);
	refusals++;
}
/* ipc_port_release_send is inline (kernel/ipc/port.h): a test port holds one send right or none, so its release lands here. */
void ipc_port_release_last_send(struct ipc_port *p) { ports_released++; }
/* The inline release's path for a port with more send rights: never taken, a test port has none. */
void ipc_port_release_last(struct ipc_port *p) { ports_released += 1000; }
bool vdev_send_event(struct vdev *d, struct ipc_port **portp, struct device_event *ev, uint32_t id, uint32_t a, uint32_t b)
{
	events_sent++;
	if (ev)
		ev->in_flight = (struct kmsg *)&events_sent;   /* in flight until received or acked, as vdev.c marks it */
	return true;
}
void vdev_irq_raise(struct vdev *d, uint8_t isr) { }

/* ---------------------------------------------------------------- msix.c */

static void test_attach_refusals(void)
{
	struct msix x;
	make_function(4, TABLE_BAR, TABLE_OFFSET, PCI_BAR_IO);
	CHECK(msix_attach(&x, &function) != NULL && x.table_size == 0, "a table in an I/O BAR was used");
	make_function(4, 6, TABLE_OFFSET, PCI_BAR_MEM32);
	CHECK(msix_attach(&x, &function) != NULL && x.table_size == 0, "BIR 6 was used");
	make_function(4, 2, TABLE_OFFSET, PCI_BAR_MEM32);           /* BAR 2 not implemented */
	CHECK(msix_attach(&x, &function) != NULL && x.table_size == 0, "a table in an absent BAR was used");
	/* 256 entries of 16 bytes from 0x800 end 0x800 past a 4 KiB BAR. */
	make_function(256, TABLE_BAR, TABLE_OFFSET, PCI_BAR_MEM32);
	CHECK(msix_attach(&x, &function) != NULL && x.table_size == 0, "a table outside its BAR was used");
	/* The last entry ending exactly at the BAR's end is fine. */
	make_function(128, TABLE_BAR, TABLE_OFFSET, PCI_BAR_MEM64);
	CHECK(msix_attach(&x, &function) == NULL && x.table_size == 128, "a table ending at its BAR's end");
	make_function(4, TABLE_BAR, TABLE_OFFSET, PCI_BAR_MEM32);
	mmio_refuse = 1;
	CHECK(msix_attach(&x, &function) != NULL && x.table_size == 0, "an unmappable table was used");
	/* No capability: not an error, and nothing to enable. */
	make_function(4, TABLE_BAR, TABLE_OFFSET, PCI_BAR_MEM32);
	cap_offset = 0;
	uint16_t before = control();
	CHECK(msix_attach(&x, &function) == NULL && x.table_size == 0, "no capability");
	msix_enable(&x, true);
	CHECK(control() == before && !x.enabled, "MSI-X enabled on a function without it");
}

static void test_program(void)
{
	struct msix x;
	make_function(3, TABLE_BAR, TABLE_OFFSET, PCI_BAR_MEM32);
	CHECK(msix_attach(&x, &function) == NULL && x.table_size == 3, "attach: %u entries", x.table_size);
	CHECK(mmio_pa == function.bar[TABLE_BAR].base + TABLE_OFFSET, "table mapped at %#llx",
	      (unsigned long long)mmio_pa);
	CHECK(entry_masked(0) && entry_masked(1) && entry_masked(2), "attach left an entry unmasked");
	CHECK(!(control() & (1u << 15)) && !(control() & (1u << 14)), "attach left MSI-X on (control %#x)",
	      control());
	CHECK((control() & 0x7FF) == 2, "attach changed the table size field");
	msix_set_entry(&x, 1, 0xFEE00000u, 0x41);
	CHECK(table_entry(1)[0] == 0xFEE00000u && table_entry(1)[1] == 0 && table_entry(1)[2] == 0x41 &&
	      !entry_masked(1), "entry 1: %#x %#x %#x %#x", table_entry(1)[0], table_entry(1)[1], table_entry(1)[2],
	      table_entry(1)[3]);
	CHECK(entry_masked(0) && entry_masked(2), "programming entry 1 unmasked another");
	msix_enable(&x, true);
	CHECK((control() & (1u << 15)) && x.enabled, "enable: control %#x", control());
	msix_enable(&x, false);
	CHECK(!(control() & (1u << 15)) && !x.enabled && entry_masked(1), "disable: control %#x, entry 1 %s",
	      control(), entry_masked(1) ? "masked" : "live");
}

/* ---------------------------------------------------------------- vectors.c */

static struct fake_dev fake;
static struct vdev dev;
/* Stand-ins for send rights: zeroed ports, so that the inline ipc_port_release_send
 * (kernel/ipc/port.h) finds no second right and calls the counting stub above. */
static struct ipc_port port_a, port_b, port_c;
#define PORT(p) ((struct ipc_port *)&(p))

/* A modern (or legacy) virtio device with `queues` queues and an MSI-X
 * table of `entries` entries. */
static void make_vdev(int modern, uint16_t queues, uint16_t entries)
{
	make_function(entries, TABLE_BAR, TABLE_OFFSET, PCI_BAR_MEM32);
	fake_dev_init(&fake, modern, 0, queues);
	memset(&dev, 0, sizeof dev);
	strcpy(dev.name, "00:04.0");
	dev.pci = &function;
	dev.tr = fake.t;
	memset(cpu_vector, 0, sizeof cpu_vector);
	vectors_in_use = vector_frees_bad = refusals = ports_released = 0;
	apic = true;
	vdev_msix_attach(&dev);
}

static void test_register_refusals(void)
{
	make_vdev(1, 2, 3);
	CHECK(dev.msix.table_size == 3 && vdev_msix_usable(&dev), "modern device with 3 entries not usable");
	CHECK(vdev_vector_register(&dev, 2, PORT(port_a)) == KERN_INVALID_ARGUMENT, "queue 2 of 2 accepted");
	CHECK(vdev_vector_register(&dev, VT_MAX_QUEUES, PORT(port_a)) == KERN_INVALID_ARGUMENT,
	      "source VT_MAX_QUEUES accepted");
	CHECK(vdev_vector_register(&dev, 0xFFFFFFFFu, PORT(port_a)) == KERN_INVALID_ARGUMENT, "source ~0 accepted");
	CHECK(refusals == 3 && vectors_in_use == 0 && fake.vector_writes == 0, "refusals %d, vectors %d, writes %u",
	      refusals, vectors_in_use, fake.vector_writes);

	apic = false;                                   /* the 8259 path delivers no MSI */
	CHECK(vdev_vector_register(&dev, 0, PORT(port_a)) == SM_VIRTIO_E_NO_MSIX, "MSI-X without an APIC");
	make_vdev(0, 2, 3);                             /* legacy: the kernel offers no MSI-X */
	CHECK(dev.msix.table_size == 0 && vdev_vector_register(&dev, 0, PORT(port_a)) == SM_VIRTIO_E_NO_MSIX,
	      "MSI-X on the legacy transport");
	CHECK(strstr(last_refusal, "legacy") != NULL, "refusal says: %s", last_refusal);
}

static void test_register_bounds(void)
{
	make_vdev(1, 4, 2);
	CHECK(vdev_vector_register(&dev, 0, PORT(port_a)) == KERN_SUCCESS, "queue 0: %s", last_refusal);
	int v0 = dev.src[0].vector;
	CHECK(fake.queue_vector[0] == 0 && table_entry(0)[2] == (uint32_t)v0 && !entry_masked(0),
	      "queue 0: device entry %u, table data %#x", fake.queue_vector[0], table_entry(0)[2]);
	CHECK(control() & (1u << 15), "MSI-X not enabled after the first registration");
	CHECK(vdev_vector_register(&dev, 0, PORT(port_b)) == SM_VIRTIO_E_EXISTS, "queue 0 registered twice");
	CHECK(vdev_vector_register(&dev, SM_VIRTIO_CONFIG_SOURCE, PORT(port_b)) == KERN_SUCCESS,
	      "config: %s", last_refusal);
	CHECK(fake.config_vector == 1 && !entry_masked(1), "config at device entry %u", fake.config_vector);
	/* Two entries, both taken: a third source is refused, nothing changes. */
	uint32_t writes = fake.vector_writes;
	CHECK(vdev_vector_register(&dev, 1, PORT(port_c)) == SM_VIRTIO_E_VECTORS, "a third entry of two");
	CHECK(fake.vector_writes == writes && vectors_in_use == 2 && dev.entries_used == 2,
	      "a refused registration changed the device (%u writes, %d vectors)", fake.vector_writes - writes,
	      vectors_in_use);
	/* The interrupt reaches the port registered for it, once until acked. */
	int sent = events_sent;
	cpu_vector[v0 - 0x40].fn(v0, cpu_vector[v0 - 0x40].arg);
	cpu_vector[v0 - 0x40].fn(v0, cpu_vector[v0 - 0x40].arg);
	CHECK(events_sent == sent + 1 && dev.src[0].count == 2, "queue 0 interrupts: %d events, count %u",
	      events_sent - sent, dev.src[0].count);
	CHECK(vdev_vector_ack(&dev, 0) == KERN_SUCCESS && events_sent == sent + 2, "ack did not report the second");
	CHECK(vdev_vector_ack(&dev, 3) == KERN_INVALID_ARGUMENT, "ack of a source without a port");
	/* Release: vectors freed, ports released, entries masked, device told NO_VECTOR, MSI-X off. */
	vdev_msix_release(&dev);
	CHECK(vectors_in_use == 0 && vector_frees_bad == 0 && ports_released == 2, "release: %d vectors, %d bad frees, "
	      "%d ports", vectors_in_use, vector_frees_bad, ports_released);
	CHECK(entry_masked(0) && entry_masked(1) && !(control() & (1u << 15)), "release left MSI-X live");
	CHECK(fake.config_vector == VIRTIO_MSI_NO_VECTOR && fake.queue_vector[0] == VIRTIO_MSI_NO_VECTOR,
	      "release left the device's vectors set");
	CHECK(dev.entries_used == 0 && vdev_vector_register(&dev, 3, PORT(port_a)) == KERN_SUCCESS,
	      "no registration after release");
}

static void test_read_back(void)
{
	/* The device keeps only entry 0: entry 1 reads back NO_VECTOR (4.1.5.1.2). */
	make_vdev(1, 2, 4);
	fake.msix_accept_below = 1;
	CHECK(vdev_vector_register(&dev, 0, PORT(port_a)) == KERN_SUCCESS, "queue 0 at entry 0");
	CHECK(vdev_vector_register(&dev, 1, PORT(port_b)) == SM_VIRTIO_E_VECTORS, "a refused entry was accepted");
	CHECK(strstr(last_refusal, "read back") != NULL, "refusal says: %s", last_refusal);
	CHECK(vectors_in_use == 1 && dev.entries_used == 1 && entry_masked(1) && dev.src[1].port == NULL,
	      "after the refusal: %d vectors, %u entries, entry 1 %s", vectors_in_use, dev.entries_used,
	      entry_masked(1) ? "masked" : "live");
	CHECK(ports_released == 0, "the refused port was released by the kernel (the caller keeps it)");
	/* No free CPU vector. */
	make_vdev(1, 8, 8);
	for (uint16_t q = 0; q < FAKE_VECTORS; q++)
		CHECK(vdev_vector_register(&dev, q, PORT(port_a)) == KERN_SUCCESS, "queue %u", q);
	CHECK(vdev_vector_register(&dev, FAKE_VECTORS, PORT(port_a)) == KERN_RESOURCE_SHORTAGE,
	      "a registration with no free CPU vector");
	CHECK(dev.entries_used == FAKE_VECTORS && entry_masked(FAKE_VECTORS), "the failed entry was used");
	vdev_msix_release(&dev);
	CHECK(vectors_in_use == 0 && vector_frees_bad == 0, "release: %d vectors, %d bad frees", vectors_in_use,
	      vector_frees_bad);
}

static void test_whole_device(void)
{
	make_vdev(1, 2, 2);
	dev.q[1].active = true;
	CHECK(vdev_whole_msix_start(&dev) && dev.whole_msix, "device-wide MSI-X refused");
	CHECK(fake.config_vector == 0 && fake.queue_vector[1] == 1 && fake.queue_vector[0] == VIRTIO_MSI_NO_VECTOR,
	      "config at %u, queue 1 at %u", fake.config_vector, fake.queue_vector[1]);
	/* A device that refuses the queue's entry falls back to INTx entirely. */
	make_vdev(1, 2, 2);
	fake.msix_accept_below = 1;
	dev.q[0].active = true;
	CHECK(!vdev_whole_msix_start(&dev) && !dev.whole_msix && vectors_in_use == 0 && !(control() & (1u << 15)),
	      "a refused queue entry left MSI-X on (%d vectors)", vectors_in_use);
}

int main(void)
{
	test_attach_refusals();
	test_program();
	test_register_refusals();
	test_register_bounds();
	test_read_back();
	test_whole_device();
	return check_summary();
}
