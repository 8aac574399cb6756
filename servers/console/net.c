/* Network commands: ping and arp as a client of eth0 through GNU Mach's
 * network device interface (device_open "eth0", device_get_status
 * NET_ADDRESS, device_set_filter with a port of ours, device_write of
 * whole Ethernet frames, frames back as net_rcv_msg). */
#include "shell.h"
#include <device/device_types.h>
#include "device.h"
#include "mach.h"

#define NET_DEVICE "eth0"

/* Open eth0 or say why not. */
static bool net_open(const char *cmd, mach_port_t *dev)
{
	kern_return_t kr = device_open(DEVICE_MASTER, D_READ | D_WRITE, NET_DEVICE, dev);
	if (kr == D_NO_SUCH_DEVICE) {
		printf("%s: no network device (%s is not registered: no net server is running)\n", cmd, NET_DEVICE);
		return false;
	}
	if (kr != D_SUCCESS) {
		printf("%s: %s: %s\n", cmd, NET_DEVICE, kr_name(kr));
		return false;
	}
	return true;
}

static bool parse_ip(const char *s, uint8_t ip[4])
{
	for (int i = 0; i < 4; i++) {
		uint32_t v = 0;
		int digits = 0;
		for (; *s >= '0' && *s <= '9' && digits < 4; s++, digits++)
			v = v * 10 + (uint32_t)(*s - '0');
		if (digits == 0 || v > 255 || (i < 3 && *s++ != '.'))
			return false;
		ip[i] = (uint8_t)v;
	}
	return *s == '\0';
}

int cmd_ping(int argc, char **argv)
{
	uint8_t ip[4];
	uint32_t count = 4;
	if (argc < 2 || argc > 3 || !parse_ip(argv[1], ip) || (argc == 3 && (!parse_number(argv[2], &count) ||
									   count == 0 || count > 100))) {
		printf("ping: usage: ping <a.b.c.d> [count 1-100]\n");
		return 1;
	}
	mach_port_t dev;
	if (!net_open("ping", &dev))
		return 1;
	device_close(dev);
	mach_port_deallocate(smrt_task_port(), dev);
	printf("ping: not yet\n");
	return 1;
}

int cmd_arp(int argc, char **argv)
{
	if (argc != 1) {
		printf("arp: takes no arguments\n");
		return 1;
	}
	mach_port_t dev;
	if (!net_open("arp", &dev))
		return 1;
	device_close(dev);
	mach_port_deallocate(smrt_task_port(), dev);
	printf("arp: not yet\n");
	return 1;
}

int net_bench(void)
{
	mach_port_t dev;
	if (!net_open("bench", &dev))
		return 1;
	device_close(dev);
	mach_port_deallocate(smrt_task_port(), dev);
	printf("bench: net: not yet\n");
	return 1;
}
