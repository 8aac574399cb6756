/* console: the interactive console task `make run` ends at. A prompt on the
 * serial console; each line is one command with its arguments, looked up in
 * the table below; `help` lists them. Boot module arguments: allow-write
 * (the write command may change disks; without it, it refuses).
 *
 * Written in C on the runtime rather than in Swift on the SDK: it is a
 * client of a dozen kernel and driver interfaces (sminfo, device.defs,
 * blk_stats.h, the net device interface), all plain MIG user stubs and C
 * structs the runtime already links, it formats a great deal of text
 * (printf), and it has no device to serve, which is what the SDK's
 * receive loop and device server are for (docs/console.md). */
#include "shell.h"
#include <device/device_types.h>
#include <mach/mig_errors.h>
#include "smhost.h"
#include "sminfo.h"
#include <sm/smhost_types.h>

bool write_allowed;

static int cmd_help(int argc, char **argv);

static const struct command {
	const char *name;
	const char *usage;
	const char *what;
	command_fn *run;
} commands[] = {
	{ "help", "", "this list", cmd_help },
	{ "devices", "", "PCI functions, virtio devices, device names and their tasks", cmd_devices },
	{ "stats", "<dev>", "a driver's statistics (vda: requests, bytes, in flight, pool)", cmd_stats },
	{ "tasks", "", "tasks with their threads, pages and port names", cmd_tasks },
	{ "kill", "[-f] <task>", "end a task, by id or name (-f needed for a driver)", cmd_kill },
	{ "time", "", "uptime and the time of day (UTC)", cmd_time },
	{ "read", "<dev> <record> [count]", "hex dump of records (count up to 8)", cmd_read },
	{ "write", "<dev> <record> <text>", "write text into a record (boot flag allow-write)", cmd_write },
	{ "ping", "<ip> [count]", "ICMP echo through eth0", cmd_ping },
	{ "arp", "", "the ARP table of the network device", cmd_arp },
	{ "bench", "ipc|blk|net|time", "a short benchmark (Ctrl-C stops it)", cmd_bench },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static int cmd_help(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("commands (Ctrl-C stops a running one; up arrow recalls a line):\n");
	for (unsigned i = 0; i < NCOMMANDS; i++) {
		char left[40];
		snprintf(left, sizeof left, "%s %s", commands[i].name, commands[i].usage);
		printf("  %-30s %s\n", left, commands[i].what);
	}
	return 0;
}

void copy_string(char *dst, const char *src, unsigned size)
{
	unsigned i = 0;
	for (; src[i] && i + 1 < size; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

bool parse_number(const char *s, uint32_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return false;
		v = v * base + d;
		if (v > 0xffffffffu)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

uint64_t uptime_ns(void)
{
	uint64_t ns = 0;
	sm_host_uptime(smrt_host_port(), &ns);
	return ns;
}

const char *kr_name(kern_return_t kr)
{
	static char other[24];
	switch (kr) {
	case KERN_SUCCESS: return "success";
	case KERN_INVALID_ARGUMENT: return "invalid argument";
	case KERN_INVALID_HOST: return "not the privileged host port";
	case KERN_NO_SPACE: return "no space";
	case KERN_RESOURCE_SHORTAGE: return "resource shortage";
	case MIG_BAD_ID: return "not implemented (MIG_BAD_ID)";
	case MIG_SERVER_DIED: return "the server died";
	case MACH_SEND_INVALID_DEST: return "invalid destination (server gone)";
	case MACH_RCV_TIMED_OUT: return "timed out";
	case D_IO_ERROR: return "I/O error";
	case D_WOULD_BLOCK: return "would block";
	case D_NO_SUCH_DEVICE: return "no such device";
	case D_ALREADY_OPEN: return "already open";
	case D_DEVICE_DOWN: return "device down";
	case D_INVALID_OPERATION: return "invalid operation";
	case D_INVALID_RECNUM: return "record out of range";
	case D_INVALID_SIZE: return "invalid size";
	case D_NO_MEMORY: return "no memory";
	case D_READ_ONLY: return "read-only";
	default:
		snprintf(other, sizeof other, "error 0x%x", (unsigned)kr);
		return other;
	}
}

/* Split line into words at spaces; returns how many (at most ARGS_MAX). */
static int split(char *line, char **argv)
{
	int argc = 0;
	for (char *p = line; *p;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		if (argc == ARGS_MAX)
			return -1;
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	return argc;
}

static void run_line(char *line)
{
	char *argv[ARGS_MAX + 1];
	int argc = split(line, argv);
	if (argc < 0) {
		printf("console: more than %d words\n", ARGS_MAX);
		return;
	}
	if (argc == 0)
		return;
	argv[argc] = NULL;
	for (unsigned i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[0], commands[i].name) == 0) {
			commands[i].run(argc, argv);
			return;
		}
	printf("%s: unknown command (help lists them)\n", argv[0]);
}

/* Whether every other task serves a device name: the boot modules are
 * servers, and each has registered once it is up. */
static bool servers_up(void)
{
	mach_port_t priv = smrt_host_priv_port();
	natural_t id, threads, pages, ports, driver, owner, self = 0;
	sm_device_name_t name;
	int tasks = 0, serving = 0;
	for (natural_t i = 0; i < 64; i++, tasks++)
		if (sm_task_at(priv, i, &id, name, &threads, &pages, &ports, &driver) != KERN_SUCCESS)
			break;
	for (natural_t t = 0; t < (natural_t)tasks; t++) {
		sm_task_at(priv, t, &id, name, &threads, &pages, &ports, &driver);
		if (strcmp(name, "console") == 0 && !self) {
			self = id;
			continue;
		}
		for (natural_t i = 0; i < 64; i++) {
			if (sm_device_at(priv, i, name, &owner) != KERN_SUCCESS)
				break;
			if (owner == id) {
				serving++;
				break;
			}
		}
	}
	return serving >= tasks - 1;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "allow-write") == 0)
			write_allowed = true;
		else
			printf("console: unknown boot argument %s (ignored)\n", argv[i]);
	}
	if (!term_open())
		return 1;
	/* The prompt comes last, after what the servers print as they start. */
	for (int waited = 0; waited < 10000 && !servers_up(); waited += 50)
		smrt_sleep_ms(50);
	smrt_sleep_ms(200);
	printf("console: type help for the commands%s\n", write_allowed ? " (write is enabled)" : "");
	char line[LINE_MAX];
	for (;;) {
		if (term_read_line("swiftmach> ", line, sizeof line))
			run_line(line);
		smrt_console_flush();
	}
}
