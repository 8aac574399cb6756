/* The device layer's side of include/sm/sminfo.defs, for the console task:
 * the names behind the device master port (sm_device_at) and the PCI
 * functions (sm_pci_at). Virtio devices are listed by their class
 * (device/virtio/virtio_info.c). Everything needs the privileged host port. */
#include <mach/mach_types.h>
#include "device/device_layer.h"
#include "device/registry.h"
#include "device/pci/pci.h"
#include "kern/kernel_device.h"
#include "kern/host.h"
#include "kern/task.h"
#include "kern/string.h"
#include "sminfo_server.h"

kern_return_t sm_device_at(mach_port_t host_priv, natural_t index, sm_device_name_t name, natural_t *owner)
{
	if (!host_priv_required(host_priv, "sm_device_at"))
		return KERN_INVALID_HOST;
	const char *kname = kernel_device_name(index);
	if (kname) {
		strlcpy(name, kname, SM_DEVICE_NAME_MAX);
		*owner = 0;
		return KERN_SUCCESS;
	}
	unsigned nkernel = 0;
	while (kernel_device_name(nkernel))
		nkernel++;
	const char *rname;
	struct ipc_port *port;
	if (!device_registry_at((int)(index - nkernel), &rname, &port))
		return KERN_INVALID_ARGUMENT;
	strlcpy(name, rname, SM_DEVICE_NAME_MAX);
	struct task *t = task_receiving_on(port);
	*owner = t ? t->id : 0;
	return KERN_SUCCESS;
}

kern_return_t sm_pci_at(mach_port_t host_priv, natural_t index, natural_t *location, natural_t *ids,
			natural_t *class, natural_t *irq_line, sm_device_name_t description)
{
	if (!host_priv_required(host_priv, "sm_pci_at"))
		return KERN_INVALID_HOST;
	int count;
	const struct pci_function *all = pci_functions(&count);
	if (index >= (natural_t)count)
		return KERN_INVALID_ARGUMENT;
	const struct pci_function *f = &all[index];
	*location = (natural_t)f->bus << 16 | (natural_t)f->dev << 8 | f->fn;
	*ids = (natural_t)f->vendor << 16 | f->device;
	*class = (natural_t)f->class_code << 16 | (natural_t)f->subclass << 8 | f->prog_if;
	*irq_line = f->irq_pin ? f->irq_line : 255;
	strlcpy(description, pci_describe(f->vendor, f->device), SM_DEVICE_NAME_MAX);
	return KERN_SUCCESS;
}
