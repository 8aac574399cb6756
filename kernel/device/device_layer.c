/* The device layer's entry (device_layer.h): the tables of device classes
 * and PCI drivers, and the calls the core kernel makes, passed on to each
 * class in turn. */
#include "device/device_layer.h"
#include "device/pci/pci.h"
#include "device/virtio/vdev.h"
#include "ipc/port.h"

static const struct device_class *const classes[] = { &virtio_class };
#define NCLASSES (int)(sizeof classes / sizeof classes[0])

const struct pci_driver *const pci_drivers[] = { &virtio_pci_driver, NULL };

void device_layer_init(void)
{
	pci_scan();
}

int device_grant_from_args(struct task *t, int argc, char **argv)
{
	int given = 0;
	for (int i = 0; i < NCLASSES; i++)
		if (classes[i]->grant)
			given += classes[i]->grant(t, argc, argv);
	return given;
}

void device_task_cleanup(struct task *t)
{
	for (int i = 0; i < NCLASSES; i++)
		if (classes[i]->task_cleanup)
			classes[i]->task_cleanup(t);
}

bool device_task_drives(const struct task *t)
{
	for (int i = 0; i < NCLASSES; i++)
		if (classes[i]->task_drives && classes[i]->task_drives(t))
			return true;
	return false;
}

const struct trap_entry *device_trap_find(int number)
{
	for (int i = 0; i < NCLASSES; i++)
		for (int j = 0; j < classes[i]->ntraps; j++)
			if (classes[i]->traps[j].number == number)
				return &classes[i]->traps[j];
	return NULL;
}

boolean_t device_layer_server(mach_msg_header_t *in, mach_msg_header_t *out)
{
	for (int i = 0; i < NCLASSES; i++)
		if (classes[i]->server && classes[i]->server(in, out))
			return TRUE;
	return FALSE;
}

struct ipc_port *device_object_port(struct device_object *obj)
{
	return ipc_port_alloc_kobject(IKOT_DEVICE_CLASS, obj);
}

void *device_object_from_port(uint32_t port_word, const struct device_class *cls)
{
	struct device_object *obj = ipc_port_kobject(port_word, IKOT_DEVICE_CLASS);
	return obj && obj->cls == cls ? obj : NULL;
}
