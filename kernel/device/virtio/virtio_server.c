/* The kernel's side of include/sm/virtio.defs. Each routine gets the device
 * port as a word (ipc/kobject.c conventions), checks that it is a virtio
 * device and, for anything that changes the device, that the caller owns it
 * (claimed it with virtio_reset); checks every offset, width, size and
 * index; and answers with a code, logging what it refused (vdev_refuse). */
#include "device/virtio/vdev.h"
#include "kern/task.h"
#include "vm/vm_map.h"
#include "vm/pmap.h"
#include "vm/copyio.h"
#include "vm/vm_fault.h"
#include "vm/pmm.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "ipc/port.h"
#include "i386/layout.h"
#include <mach/mig_errors.h>
#include "virtio_server.h"

_Static_assert(VT_STATE_NONE == SM_VIRTIO_STATE_IDLE && VT_STATE_DRIVER == SM_VIRTIO_STATE_DRIVER &&
	       VT_STATE_FEATURES_OK == SM_VIRTIO_STATE_FEATURES_OK && VT_STATE_DRIVER_OK == SM_VIRTIO_STATE_DRIVER_OK,
	       "sm_virtio_info.state is core.c's state");
_Static_assert(sizeof(sm_virtio_info_t) == 24 * 4 && sizeof(sm_virtio_stats_t) == 16 * 4,
	       "the structs of virtio.defs");

static struct vdev *device_of(mach_port_t port, const char *routine)
{
	struct vdev *d = vdev_from_port(port);
	if (!d) {
		struct task *t = current_task();
		kwarn("virtio: task %u (%s): %s on a port that is not a virtio device\n", t->id, t->name, routine);
	}
	return d;
}

/* The device, if the caller owns it; else NULL with *kr set. */
static struct vdev *owned(mach_port_t port, const char *routine, kern_return_t *kr)
{
	struct vdev *d = device_of(port, routine);
	if (!d) {
		*kr = KERN_INVALID_CAPABILITY;
		return NULL;
	}
	if (d->owner != current_task()) {
		vdev_refuse(d, "%s: the device is %s", routine, d->owner ? "owned by another task" : "not claimed (call virtio_reset)");
		*kr = KERN_NO_ACCESS;
		return NULL;
	}
	return d;
}

/* The opening of every routine that needs the caller to own the device:
 * declares d (the device) and kr, or returns why the caller may not act
 * on it. Refusals name the routine (__func__, the MIG routine's name). */
#define OWNED_OR_RETURN(d, port) \
	kern_return_t kr; \
	struct vdev *d = owned(port, __func__, &kr); \
	if (!d) \
		return kr

static kern_return_t from_core(struct vdev *d, int r, const char *routine)
{
	switch (r) {
	case VT_OK: return KERN_SUCCESS;
	case VT_ERANGE:
		vdev_refuse(d, "%s: offset, width, size or queue out of range", routine);
		return KERN_INVALID_ARGUMENT;
	case VT_ESTATE:
		vdev_refuse(d, "%s: not allowed in this state (order: reset, negotiate, queues, driver_ok)", routine);
		return SM_VIRTIO_E_STATE;
	case VT_EREFUSED:
		vdev_refuse(d, "%s: the device refused the features (FEATURES_OK cleared); status set FAILED", routine);
		return SM_VIRTIO_E_REFUSED;
	case VT_EFEATURES:
		vdev_refuse(d, "%s: modern device does not offer VERSION_1; status set FAILED", routine);
		return SM_VIRTIO_E_FEATURES;
	case VT_ENOMEM:
		return KERN_RESOURCE_SHORTAGE;
	default:
		vdev_refuse(d, "%s: device is broken (%s); reset it", routine, d->tr.broken_why ? d->tr.broken_why : "?");
		return SM_VIRTIO_E_BROKEN;
	}
}

kern_return_t virtio_device_info(mach_port_t device, sm_virtio_info_t *info)
{
	struct vdev *d = device_of(device, "virtio_device_info");
	if (!d)
		return KERN_INVALID_CAPABILITY;
	const struct pci_function *f = d->pci;
	memset(info, 0, sizeof *info);
	info->bus = f->bus, info->dev = f->dev, info->fn = f->fn;
	info->vendor_id = f->vendor, info->device_id = f->device;
	info->subsys_vendor = f->subsys_vendor, info->subsys_id = f->subsys_id, info->revision = f->revision;
	info->virtio_type = d->virtio_type;
	info->transport = d->tr.modern ? SM_VIRTIO_MODERN : SM_VIRTIO_LEGACY;
	info->num_queues = d->tr.num_queues;
	info->config_size = d->tr.config_size;
	info->irq_line = d->irq_hooked ? f->irq_line : 0;
	info->irq_pin = f->irq_pin;
	info->offered_lo = (uint32_t)d->offered, info->offered_hi = (uint32_t)(d->offered >> 32);
	info->state = d->core.state;               /* enum vt_state matches SM_VIRTIO_STATE_* */
	info->owner_task = d->owner ? d->owner->id : 0;
	info->msix_vectors = vdev_msix_usable(d) ? d->msix.table_size : 0;
	return KERN_SUCCESS;
}

static bool pci_access_ok(natural_t offset, natural_t width)
{
	return (width == 1 || width == 2 || width == 4) && offset < 256 && offset % width == 0;
}

kern_return_t virtio_pci_config_read(mach_port_t device, natural_t offset, natural_t width, natural_t *value)
{
	struct vdev *d = device_of(device, "virtio_pci_config_read");
	if (!d)
		return KERN_INVALID_CAPABILITY;
	if (!pci_access_ok(offset, width)) {
		vdev_refuse(d, "virtio_pci_config_read: offset %u width %u", offset, width);
		return KERN_INVALID_ARGUMENT;
	}
	*value = pci_read(d->pci, offset, width);
	return KERN_SUCCESS;
}

/* Bytes of a capability the kernel manages itself, from its offset. */
static uint32_t kernel_cap_length(const struct pci_function *f, const struct pci_cap *c)
{
	switch (c->id) {
	case PCI_CAP_ID_VENDOR: return pci_read(f, c->offset + VIRTIO_PCI_CAP_LEN, 1);
	case PCI_CAP_ID_MSI: return 24;
	case PCI_CAP_ID_MSIX: return 12;
	default: return 0;
	}
}

kern_return_t virtio_pci_config_write(mach_port_t device, natural_t offset, natural_t width, natural_t value)
{
	OWNED_OR_RETURN(d, device);
	bool ok = pci_access_ok(offset, width) && offset >= 0x40;
	const struct pci_function *f = d->pci;
	for (int i = 0; ok && i < f->ncaps; i++) {
		uint32_t len = kernel_cap_length(f, &f->cap[i]);
		if (offset + width > f->cap[i].offset && offset < f->cap[i].offset + len)
			ok = false;
	}
	if (!ok) {
		vdev_refuse(d, "virtio_pci_config_write: offset %#x width %u is the header, the kernel's, or invalid",
			    offset, width);
		return KERN_INVALID_ARGUMENT;
	}
	pci_write(f, offset, width, value);
	return KERN_SUCCESS;
}

kern_return_t virtio_reset(mach_port_t device)
{
	struct vdev *d = device_of(device, "virtio_reset");
	if (!d)
		return KERN_INVALID_CAPABILITY;
	if (d->owner && d->owner != current_task()) {
		vdev_refuse(d, "virtio_reset: the device is owned by task %u", d->owner->id);
		return KERN_NO_ACCESS;
	}
	return from_core(d, vdev_reset(d), "virtio_reset");
}

kern_return_t virtio_negotiate(mach_port_t device, uint64_t wanted, uint64_t *accepted)
{
	OWNED_OR_RETURN(d, device);
	*accepted = 0;
	return from_core(d, vcore_negotiate(&d->core, wanted, accepted), "virtio_negotiate");
}

kern_return_t virtio_config_read(mach_port_t device, natural_t offset, natural_t width, natural_t count,
				 sm_virtio_config_t data, mach_msg_type_number_t *dataCnt)
{
	struct vdev *d = device_of(device, "virtio_config_read");
	*dataCnt = 0;
	if (!d)
		return KERN_INVALID_CAPABILITY;
	uint32_t before = d->core.config_retries;
	kern_return_t kr = from_core(d, vcore_config_read(&d->core, offset, width, count, data), "virtio_config_read");
	d->st.config_retries += d->core.config_retries - before;
	if (kr == KERN_SUCCESS)
		*dataCnt = count;
	return kr;
}

kern_return_t virtio_config_write(mach_port_t device, natural_t offset, natural_t width, natural_t value)
{
	OWNED_OR_RETURN(d, device);
	return from_core(d, vcore_config_write(&d->core, offset, width, value), "virtio_config_write");
}

kern_return_t virtio_queue_setup(mach_port_t device, natural_t queue, natural_t size, natural_t *actual_size,
				 vm_address_t *desc, rpc_phys_addr_t *desc_phys, vm_address_t *avail,
				 rpc_phys_addr_t *avail_phys, vm_address_t *used, rpc_phys_addr_t *used_phys)
{
	OWNED_OR_RETURN(d, device);
	if (queue >= VT_MAX_QUEUES) {
		vdev_refuse(d, "virtio_queue_setup: queue %u (the kernel manages 0-%u)", queue, VT_MAX_QUEUES - 1);
		return KERN_INVALID_ARGUMENT;
	}
	if (d->q[queue].active) {
		vdev_refuse(d, "virtio_queue_setup: queue %u is already set up", queue);
		return SM_VIRTIO_E_EXISTS;
	}
	uint16_t n;
	if ((kr = from_core(d, vcore_queue_size(&d->core, queue, size, &n), "virtio_queue_setup")) != KERN_SUCCESS)
		return kr;
	struct virtq_layout l = virtq_layout_for(n);
	uintptr_t uva, pa;
	if ((kr = vmem_alloc(d->owner, d, l.total / PAGE_SIZE, &uva, &pa)) != KERN_SUCCESS) {
		vdev_refuse(d, "virtio_queue_setup: no memory for %u ring pages", l.total / PAGE_SIZE);
		return kr;
	}
	if ((kr = from_core(d, vcore_queue_enable(&d->core, queue, n, pa), "virtio_queue_setup")) != KERN_SUCCESS) {
		vmem_release_one(d->owner, uva);
		return kr;
	}
	d->q[queue] = (struct vqueue){ true, n, pa, l.total / PAGE_SIZE, uva };
	vdev_msix_queue_added(d, queue);
	d->st.queues++;
	d->st.ring_pages += l.total / PAGE_SIZE;
	*actual_size = n;
	*desc = uva + l.desc_offset, *desc_phys = pa + l.desc_offset;
	*avail = uva + l.avail_offset, *avail_phys = pa + l.avail_offset;
	*used = uva + l.used_offset, *used_phys = pa + l.used_offset;
	return KERN_SUCCESS;
}

kern_return_t virtio_driver_ok(mach_port_t device)
{
	OWNED_OR_RETURN(d, device);
	return from_core(d, vcore_driver_ok(&d->core), "virtio_driver_ok");
}

kern_return_t virtio_queue_notify(mach_port_t device, natural_t queue)
{
	OWNED_OR_RETURN(d, device);
	kr = vdev_queue_notify(d, queue, "virtio_queue_notify", &d->st.notifies_rpc);
	return kr == SM_VIRTIO_E_BROKEN ? from_core(d, VT_EBROKEN, "virtio_queue_notify") : kr;
}

kern_return_t virtio_irq_register(mach_port_t device, mach_port_t port)
{
	OWNED_OR_RETURN(d, device);
	/* A kernel object's port would have the message served as a request,
	 * in interrupt context: only a port some task receives on will do. */
	struct ipc_port *irq_port = ipc_port_from_word(port);
	if (!irq_port || irq_port->kotype != IKOT_NONE) {
		vdev_refuse(d, "virtio_irq_register: null or dead port, or a kernel object's");
		return KERN_INVALID_ARGUMENT;
	}
	if (!d->irq_hooked && !vdev_msix_usable(d)) {
		vdev_refuse(d, "virtio_irq_register: the device has no usable interrupt line and no MSI-X");
		return KERN_RESOURCE_SHORTAGE;
	}
	if ((d->irq_port && d->irq_port->active) || (d->entries_used && !d->whole_msix)) {
		vdev_refuse(d, "virtio_irq_register: an interrupt port (or a per-source vector) is already registered");
		return SM_VIRTIO_E_EXISTS;
	}
	vdev_irq_set_port(d, irq_port);                 /* the send right is ours now */
	if (!vdev_whole_msix_start(d) && !d->irq_hooked) {
		vdev_irq_set_port(d, NULL);
		vdev_refuse(d, "virtio_irq_register: MSI-X setup failed and there is no INTx line");
		return KERN_RESOURCE_SHORTAGE;
	}
	return KERN_SUCCESS;
}

kern_return_t virtio_irq_ack(mach_port_t device)
{
	OWNED_OR_RETURN(d, device);
	vdev_irq_ack(d);
	return KERN_SUCCESS;
}

kern_return_t virtio_dma_alloc(mach_port_t device, vm_size_t size, vm_address_t *address, rpc_phys_addr_t *phys)
{
	OWNED_OR_RETURN(d, device);
	if (size == 0 || size > SM_VIRTIO_DMA_MAX_ALLOC) {
		vdev_refuse(d, "virtio_dma_alloc: size %u (1 to %u bytes)", size, SM_VIRTIO_DMA_MAX_ALLOC);
		return KERN_INVALID_ARGUMENT;
	}
	uintptr_t uva, pa;
	uint32_t pages = PAGE_ROUND_UP(size) / PAGE_SIZE;
	if ((kr = vmem_alloc(d->owner, NULL, pages, &uva, &pa)) != KERN_SUCCESS) {
		vdev_refuse(d, "virtio_dma_alloc: %u pages refused (task holds %u; limit %u bytes, or no memory)",
			    pages, vmem_dma_pages(d->owner), SM_VIRTIO_DMA_TASK_LIMIT);
		return kr;
	}
	*address = uva;
	*phys = pa;
	return KERN_SUCCESS;
}

kern_return_t virtio_fill_alloc(mach_port_t device, vm_size_t size, vm_address_t *address, rpc_phys_addr_t *phys)
{
	OWNED_OR_RETURN(d, device);
	uintptr_t va;
	uint64_t pa;
	if ((kr = vm_contiguous_enter(d->owner, size, 0, 0, 0, false, "virtio_fill_alloc", &va, &pa)) != KERN_SUCCESS) {
		vdev_refuse(d, "virtio_fill_alloc: %u bytes refused: %#x", size, kr);
		return kr;
	}
	*address = va;
	*phys = pa;
	return KERN_SUCCESS;
}

/* The checks virtio_phys_pages and virtio_lend_pages share: a page-aligned
 * range of user space, 1 to SM_VIRTIO_PAGES_MAX pages, that fits the reply.
 * *npages gets its length in pages. */
static kern_return_t page_range_ok(struct vdev *d, const char *routine, vm_address_t address, vm_size_t size,
				   mach_msg_type_number_t room, uint32_t *npages)
{
	uint32_t n = PAGE_ROUND_UP(size) / PAGE_SIZE;
	if (size == 0 || n > room || n > SM_VIRTIO_PAGES_MAX || address % PAGE_SIZE ||
	    !user_range_valid(address, (size_t)n * PAGE_SIZE)) {
		vdev_refuse(d, "%s: %u bytes at %#x (page aligned, 1 to %u pages)", routine, size, address,
			    SM_VIRTIO_PAGES_MAX);
		return KERN_INVALID_ARGUMENT;
	}
	*npages = n;
	return KERN_SUCCESS;
}

/* The owner's page at va present: a page reserved but never touched (a
 * client's untouched buffer passed out of line) is backed now, so the
 * device reads its zeros from a real frame (vm/vm_fault.h). */
static kern_return_t page_present(struct vdev *d, const char *routine, uintptr_t va)
{
	uintptr_t pa;
	if (pmap_lookup(&d->owner->pmap, va, &pa, NULL) ||
	    (vm_fault_fill(d->owner, va, false) == KERN_SUCCESS && pmap_lookup(&d->owner->pmap, va, &pa, NULL)))
		return KERN_SUCCESS;
	vdev_refuse(d, "%s: %#x is not mapped", routine, va);
	return KERN_INVALID_ADDRESS;
}

/* The device may write the page: a copy-on-write page becomes the driver's
 * own, and the frame is never shared copy-on-write from now on
 * (pmm_mark_device_visible). */
static kern_return_t give_to_device(struct vdev *d, const char *routine, uintptr_t va, uintptr_t *pa)
{
	kern_return_t kr = vm_fault_unshare(d->owner, va);
	if (kr != KERN_SUCCESS || !pmap_lookup(&d->owner->pmap, va, pa, NULL)) {
		vdev_refuse(d, "%s: the page at %#x cannot be made the driver's own (%#x)", routine, va, kr);
		return kr != KERN_SUCCESS ? kr : KERN_INVALID_ADDRESS;
	}
	pmm_mark_device_visible(PAGE_ROUND_DOWN(*pa));
	return KERN_SUCCESS;
}

/* The device only reads the page: no copy, the frame stays shared
 * copy-on-write with whoever else holds it, and the page's entry holds it
 * for the device until the driver unmaps the page (vm/pmap.h). */
static kern_return_t lend_to_device(struct vdev *d, const char *routine, uintptr_t va, uintptr_t *pa)
{
	if (pmap_lend_to_device(&d->owner->pmap, va, pa))
		return KERN_SUCCESS;
	vdev_refuse(d, "%s: the frame of the page at %#x has too many holders", routine, va);
	return KERN_RESOURCE_SHORTAGE;
}

/* virtio_phys_pages and virtio_lend_pages: the checks, then each page
 * present and handed over by `hand`, its physical address in pages[]. */
static kern_return_t device_pages(struct vdev *d, const char *routine,
				  kern_return_t (*hand)(struct vdev *, const char *, uintptr_t, uintptr_t *),
				  vm_address_t address, vm_size_t size, sm_virtio_pages_t pages,
				  mach_msg_type_number_t *count)
{
	kern_return_t kr;
	uint32_t n;
	if ((kr = page_range_ok(d, routine, address, size, *count, &n)) != KERN_SUCCESS)
		return kr;
	for (uint32_t i = 0; i < n; i++) {
		uintptr_t va = address + i * PAGE_SIZE, pa;
		if ((kr = page_present(d, routine, va)) != KERN_SUCCESS || (kr = hand(d, routine, va, &pa)) != KERN_SUCCESS)
			return kr;
		pages[i] = pa;
	}
	*count = n;
	return KERN_SUCCESS;
}

kern_return_t virtio_phys_pages(mach_port_t device, vm_address_t address, vm_size_t size, sm_virtio_pages_t pages,
				mach_msg_type_number_t *count)
{
	OWNED_OR_RETURN(d, device);
	return device_pages(d, __func__, give_to_device, address, size, pages, count);
}

kern_return_t virtio_lend_pages(mach_port_t device, vm_address_t address, vm_size_t size, sm_virtio_pages_t pages,
				mach_msg_type_number_t *count)
{
	OWNED_OR_RETURN(d, device);
	return device_pages(d, __func__, lend_to_device, address, size, pages, count);
}

kern_return_t virtio_device_stats(mach_port_t device, sm_virtio_stats_t *stats)
{
	struct vdev *d = device_of(device, "virtio_device_stats");
	if (!d)
		return KERN_INVALID_CAPABILITY;
	*stats = d->st;
	stats->dma_pages = d->owner ? vmem_dma_pages(d->owner) : 0;
	return KERN_SUCCESS;
}

kern_return_t virtio_vector_register(mach_port_t device, natural_t source, mach_port_t port)
{
	OWNED_OR_RETURN(d, device);
	struct ipc_port *p = ipc_port_from_word(port);
	if (!p || p->kotype != IKOT_NONE) {              /* as virtio_irq_register */
		vdev_refuse(d, "virtio_vector_register: null or dead port, or a kernel object's");
		return KERN_INVALID_ARGUMENT;             /* on an error the kernel releases the right */
	}
	return vdev_vector_register(d, source, p);
}

kern_return_t virtio_vector_ack(mach_port_t device, natural_t source)
{
	OWNED_OR_RETURN(d, device);
	return vdev_vector_ack(d, source);
}
