#include "kern/host.h"
#include "kern/printf.h"
#include "ipc/port.h"
#include "kern/task.h"

static struct ipc_port *host, *host_priv, *device_master;

void host_init(void)
{
	host = ipc_port_alloc_kobject(IKOT_HOST, &host);
	host_priv = ipc_port_alloc_kobject(IKOT_HOST_PRIV, &host_priv);
	device_master = ipc_port_alloc_kobject(IKOT_DEVICE_MASTER, &device_master);
	if (!host || !host_priv || !device_master)
		panic("host: cannot allocate the host ports");
}

struct ipc_port *host_port(void) { return host; }
struct ipc_port *host_priv_port(void) { return host_priv; }
struct ipc_port *device_master_port(void) { return device_master; }

bool host_port_word_ok(uint32_t port_word)
{
	return ipc_port_kobject(port_word, IKOT_HOST) || ipc_port_kobject(port_word, IKOT_HOST_PRIV);
}

bool host_priv_port_word_ok(uint32_t port_word)
{
	return ipc_port_kobject(port_word, IKOT_HOST_PRIV) != NULL;
}

bool host_priv_required(uint32_t port_word, const char *routine)
{
	if (host_priv_port_word_ok(port_word))
		return true;
	struct task *t = current_task();
	kwarn("task %u (%s): %s needs the privileged host port\n", t->id, t->name, routine);
	return false;
}
