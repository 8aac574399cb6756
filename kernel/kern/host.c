#include "kern/host.h"
#include "kern/printf.h"
#include "ipc/port.h"

static struct ipc_port *host, *device_master;

void host_init(void)
{
	host = ipc_port_alloc_kobject(IKOT_HOST, &host);
	device_master = ipc_port_alloc_kobject(IKOT_DEVICE_MASTER, &device_master);
	if (!host || !device_master)
		panic("host: cannot allocate the host ports");
}

struct ipc_port *host_port(void) { return host; }
struct ipc_port *device_master_port(void) { return device_master; }
