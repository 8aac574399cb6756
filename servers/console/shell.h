/* The console task's shared pieces: the terminal (terminal.c: the kernel's
 * "console" device read byte by byte, line editing, Ctrl-C), the command
 * table (main.c) and the commands (system.c, disk.c, net.c, bench.c).
 * Every command prints its own output and, on bad input or a failed call,
 * one line "name: what went wrong", and returns to the prompt. */
#ifndef CONSOLE_SHELL_H
#define CONSOLE_SHELL_H
#include <sm/runtime.h>
#include <sm/traps.h>
#include <stdbool.h>
#include <stdint.h>
#include <mach/kern_return.h>

#define DEVICE_MASTER	2       /* boot modules hold the device master port here */
#define LINE_MAX	200
#define ARGS_MAX	8

/* terminal.c */
bool term_open(void);                   /* the kernel's console device */
/* Read one edited line into buf (prompt shown first); false on Ctrl-C. */
bool term_read_line(const char *prompt, char *buf, unsigned size);
/* Whether Ctrl-C was typed since the command began (never blocks); other
 * bytes typed meanwhile are kept for the next line. Commands that take a
 * while call it between steps and stop, saying so, when it is true. */
bool term_interrupted(void);
void term_flush(void);                  /* push out a partial line (progress) */

/* Argument helpers (main.c): a number in decimal or 0x hex, or false. */
bool parse_number(const char *s, uint32_t *out);
uint64_t uptime_ns(void);
/* strlcpy: at most size - 1 bytes, always terminated. */
void copy_string(char *dst, const char *src, unsigned size);
/* The name of a kernel/MIG/device return code, for error lines. */
const char *kr_name(kern_return_t kr);
/* The boot line flag allow-write was given. */
extern bool write_allowed;

typedef int command_fn(int argc, char **argv);
/* system.c */
command_fn cmd_devices, cmd_tasks, cmd_kill, cmd_time;
/* The virtio type (VIRTIO_ID_*) of the devices the task serving `name`
 * drives, when they are all of one type; 0 when unknown. */
natural_t device_virtio_type(const char *name);
/* disk.c */
command_fn cmd_stats, cmd_read, cmd_write;
/* net.c */
command_fn cmd_ping, cmd_arp;
int net_bench(void);              /* bench net */
/* bench.c */
command_fn cmd_bench;
#endif
