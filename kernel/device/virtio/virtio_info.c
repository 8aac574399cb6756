/* The virtio class's side of include/sm/sminfo.defs: sm_virtio_at, one
 * virtio PCI function per call, for the console task's `devices`. Needs the
 * privileged host port. */
#include <mach/mach_types.h>
#include "device/virtio/vdev.h"
#include "kern/host.h"
#include "kern/task.h"
#include "kern/string.h"
#include "sminfo_server.h"

/* How d's interrupts reach its driver now (vectors.c, vdev.c). */
static natural_t irq_mode_of(const struct vdev *d)
{
	if (d->whole_msix)
		return SM_VIRTIO_IRQ_MSIX_DEVICE;
	if (d->entries_used)
		return SM_VIRTIO_IRQ_MSIX_QUEUE;
	if (d->irq_port)
		return SM_VIRTIO_IRQ_INTX;
	return SM_VIRTIO_IRQ_NONE;
}

kern_return_t sm_virtio_at(mach_port_t host_priv, natural_t index, sm_device_name_t location,
			   natural_t *virtio_type, natural_t *owner, natural_t *modern, natural_t *features_lo,
			   natural_t *features_hi, natural_t *irq_line, natural_t *interrupts, natural_t *irq_mode)
{
	if (!host_priv_required(host_priv, "sm_virtio_at"))
		return KERN_INVALID_HOST;
	struct vdev *d = index < VDEV_MAX ? vdev_at((int)index) : NULL;
	if (!d)
		return KERN_INVALID_ARGUMENT;
	strlcpy(location, d->name, SM_DEVICE_NAME_MAX);
	*virtio_type = d->virtio_type;
	*owner = d->owner ? d->owner->id : 0;
	*modern = d->tr.modern;
	*features_lo = (natural_t)d->core.accepted;
	*features_hi = (natural_t)(d->core.accepted >> 32);
	*irq_line = d->pci->irq_pin ? d->pci->irq_line : 255;
	*interrupts = d->st.interrupts;
	*irq_mode = irq_mode_of(d);
	return KERN_SUCCESS;
}
