/* The kernel's own devices (kern/kernel_device.h) and device.defs' routines
 * for their ports. Requests on other ports (a device.defs message sent to
 * some other kernel object) get MIG_BAD_ID, as before this interface was
 * served. */
#include "kern/kernel_device.h"
#include "kern/mapped_time.h"
#include "kern/console.h"
#include "kern/console_input.h"
#include "kern/printf.h"
#include "kern/string.h"
#include "kern/task.h"
#include "vm/kernel_memory_object.h"
#include "ipc/port.h"
#include "i386/layout.h"
#include <device/device_types.h>
#include <mach/mig_errors.h>
#include <mach/time_value.h>
#include "device_server.h"

static kern_return_t refuse(kern_return_t kr, const char *routine, const char *why)
{
	struct task *t = current_task();
	kwarn("task %u (%s): %s: %s\n", t->id, t->name, routine, why);
	return kr;
}

/* device_map of "time": the page, read-only. The whole object is one page;
 * offset and size must fall within it. */
static kern_return_t time_map(vm_prot_t prot, vm_offset_t offset, vm_size_t size, struct ipc_port **object)
{
	struct kernel_memory_object *mo = mapped_time_object();
	if (!mo)
		return D_NO_SUCH_DEVICE;
	if (prot & ~(VM_PROT_READ | VM_PROT_EXECUTE))
		return refuse(D_INVALID_OPERATION, "device_map", "the time page is read-only");
	if (offset > PAGE_SIZE || size > PAGE_SIZE - offset)
		return refuse(D_INVALID_SIZE, "device_map", "range beyond the time page");
	*object = kernel_memory_object_send(mo);
	return D_SUCCESS;
}

static kern_return_t console_read(struct ipc_port *reply, uint32_t reply_type, int mode, int wanted, char *data,
				  unsigned *count)
{
	return console_input_read(reply, reply_type, mode, wanted, data, count);
}

static kern_return_t console_print(const char *data, unsigned count, int *written)
{
	console_write(data, count);
	*written = (int)count;
	return D_SUCCESS;
}

static struct kernel_device devices[] = {
	{ "time", time_map, NULL, NULL, NULL },
	{ "console", NULL, console_read, console_print, NULL },
};
#define NDEVICES (sizeof devices / sizeof devices[0])

void kernel_devices_init(void)
{
	if (!mapped_time_init())
		panic("kernel devices: no memory for the time page");
	for (unsigned i = 0; i < NDEVICES; i++)
		if (!(devices[i].port = ipc_port_alloc_kobject(IKOT_DEVICE, &devices[i])))
			panic("kernel devices: no memory for the port of %s", devices[i].name);
}

static struct kernel_device *find(const char *name)
{
	for (unsigned i = 0; i < NDEVICES; i++)
		if (strcmp(devices[i].name, name) == 0)
			return &devices[i];
	return NULL;
}

bool kernel_device_exists(const char *name) { return find(name) != NULL; }
const char *kernel_device_name(unsigned i) { return i < NDEVICES ? devices[i].name : NULL; }

/* The kernel device a request names, or NULL with a warning: a device.defs
 * message sent to another kind of kernel object (answered MIG_BAD_ID). */
static struct kernel_device *device_of(mach_port_t word, const char *routine)
{
	struct kernel_device *d = ipc_port_kobject(word, IKOT_DEVICE);
	if (!d)
		refuse(MIG_BAD_ID, routine, "not a kernel device's port");
	return d;
}

kern_return_t ds_device_open(mach_port_t master_port, mach_port_t reply_port, mach_msg_type_name_t reply_portPoly,
			     dev_mode_t mode, const_dev_name_t name, mach_port_t *device, mach_msg_type_name_t *devicePoly)
{
	(void)reply_port, (void)reply_portPoly, (void)mode;
	if (!ipc_port_kobject(master_port, IKOT_DEVICE_MASTER))
		return refuse(MIG_BAD_ID, "device_open", "not the device master port");
	/* Only the master port's forwarding sends kernel devices' names here
	 * (device/registry.c), so the name was checked terminated. */
	struct kernel_device *d = find(name);
	if (!d)
		return D_NO_SUCH_DEVICE;
	ipc_port_make_send(d->port);
	*device = (mach_port_t)d->port;
	*devicePoly = MACH_MSG_TYPE_PORT_SEND;
	return D_SUCCESS;
}

kern_return_t ds_device_close(mach_port_t device)
{
	return device_of(device, "device_close") ? D_SUCCESS : MIG_BAD_ID;
}

kern_return_t ds_device_map(mach_port_t device, vm_prot_t prot, vm_offset_t offset, vm_size_t size,
			    mach_port_t *pager, int unmap)
{
	(void)unmap;
	struct kernel_device *d = device_of(device, "device_map");
	if (!d)
		return MIG_BAD_ID;
	if (!d->map)
		return refuse(D_INVALID_OPERATION, "device_map", "a device that cannot be mapped");
	struct ipc_port *object;
	kern_return_t kr = d->map(prot, offset, size, &object);
	if (kr == D_SUCCESS)
		*pager = (mach_port_t)object;
	return kr;
}

/* What the kernel's devices do not do. */
static kern_return_t unsupported(mach_port_t device, const char *routine)
{
	struct kernel_device *d = device_of(device, routine);
	if (!d)
		return MIG_BAD_ID;
	kwarn("task %u (%s): %s: the kernel's %s device does not do that\n", current_task()->id,
	      current_task()->name, routine, d->name);
	return D_INVALID_OPERATION;
}

kern_return_t ds_device_write(mach_port_t device, mach_port_t reply_port, mach_msg_type_name_t reply_portPoly,
			      dev_mode_t mode, recnum_t recnum, io_buf_ptr_t data, mach_msg_type_number_t dataCnt,
			      int *bytes_written)
{
	return unsupported(device, "device_write");
}

kern_return_t ds_device_write_inband(mach_port_t device, mach_port_t reply_port, mach_msg_type_name_t reply_portPoly,
				     dev_mode_t mode, recnum_t recnum, const io_buf_ptr_inband_t data,
				     mach_msg_type_number_t dataCnt, int *bytes_written)
{
	struct kernel_device *d = device_of(device, "device_write_inband");
	/* The stub checks the count only against the message's size, so a
	 * longer message carries more than io_buf_ptr_inband_t's 128 bytes. */
	if (d && d->write_inband && dataCnt > sizeof(io_buf_ptr_inband_t))
		return refuse(D_INVALID_SIZE, "device_write_inband", "more than 128 bytes");
	if (d && d->write_inband)
		return d->write_inband(data, dataCnt, bytes_written);
	return unsupported(device, "device_write_inband");
}

kern_return_t ds_device_read(mach_port_t device, mach_port_t reply_port, mach_msg_type_name_t reply_portPoly,
			     dev_mode_t mode, recnum_t recnum, int bytes_wanted, io_buf_ptr_t *data,
			     mach_msg_type_number_t *dataCnt)
{
	return unsupported(device, "device_read");
}

kern_return_t ds_device_read_inband(mach_port_t device, mach_port_t reply_port, mach_msg_type_name_t reply_portPoly,
				    dev_mode_t mode, recnum_t recnum, int bytes_wanted, io_buf_ptr_inband_t data,
				    mach_msg_type_number_t *dataCnt)
{
	struct kernel_device *d = device_of(device, "device_read_inband");
	if (d && d->read_inband)
		return d->read_inband(ipc_port_from_word(reply_port), reply_portPoly, mode, bytes_wanted, data,
				      dataCnt);
	return unsupported(device, "device_read_inband");
}

kern_return_t ds_device_set_status(mach_port_t device, dev_flavor_t flavor, const dev_status_t status,
				   mach_msg_type_number_t statusCnt)
{
	return unsupported(device, "device_set_status");
}

kern_return_t ds_device_get_status(mach_port_t device, dev_flavor_t flavor, dev_status_t status,
				   mach_msg_type_number_t *statusCnt)
{
	return unsupported(device, "device_get_status");
}

kern_return_t ds_device_set_filter(mach_port_t device, mach_port_t receive_port, int priority,
				   const filter_array_t filter, mach_msg_type_number_t filterCnt)
{
	return unsupported(device, "device_set_filter");
}

kern_return_t ds_device_intr_register(mach_port_t device, int id, int flags, mach_port_t receive_port)
{
	return unsupported(device, "device_intr_register");
}

kern_return_t ds_device_intr_ack(mach_port_t device, mach_port_t receive_port)
{
	return unsupported(device, "device_intr_ack");
}
