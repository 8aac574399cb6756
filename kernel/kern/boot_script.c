/* GNU Mach's boot-script words in module command lines, so that the module
 * lines of a GNU Mach GRUB menu entry work here unchanged, e.g.
 *
 *   module /hurd/ext2fs.static ext2fs --host-priv-port='${host-port}'
 *          --device-master-port='${device-port}' -T typed '${root}'
 *          '$(task-create)' '$(task-resume)'
 *
 * (GRUB drops the quotes, which only keep GRUB from expanding the words
 * itself.) What each word becomes:
 *
 *   ${host-port}            "1": the new task's name for the privileged host
 *                           port (kern/bootstrap.c puts it there)
 *   ${device-port}          "2": its name for the device master port
 *   ${kernel-command-line}  the kernel's command line, as one word
 *   ${root}                 the value of root= on the kernel's command line
 *   $(task-create)          dropped: every module becomes a task here
 *   $(task-resume)          dropped: the task starts running
 *
 * Anything else of the script language is refused, and so is the whole
 * module (with a log line): a user variable (${exec-task}), a function
 * with a binding ($(exec-task=task-create)), ${root} without root=, and a
 * line with $(task-create) but no $(task-resume), which in GNU Mach leaves
 * the task suspended for another module to resume through a variable that
 * this kernel does not provide. A half-understood line would start a
 * server with wrong arguments; not starting it is the honest failure.
 * Lines without script words are handed over as they are. */
#include "kern/boot_script.h"
#include "kern/string.h"
#include "kern/printf.h"
#include <stdbool.h>

#define VALUE_MAX 128

/* The value of key= on the kernel's command line, copied into out. */
static bool cmdline_value(const char *cmdline, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);
	for (const char *p = cmdline; *p;) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			p += klen + 1;
			size_t n = 0;
			while (p[n] && p[n] != ' ')
				n++;
			if (n >= size)
				return false;
			memcpy(out, p, n);
			out[n] = '\0';
			return true;
		}
		while (*p && *p != ' ')
			p++;
	}
	return false;
}

/* The value of ${name}, or NULL (unknown, or root= missing). */
static const char *variable(const char *name, size_t len, const char *kernel_cmdline, char *scratch)
{
	if (len == 9 && !strncmp(name, "host-port", 9))
		return "1";
	if (len == 11 && !strncmp(name, "device-port", 11))
		return "2";
	if (len == 19 && !strncmp(name, "kernel-command-line", 19))
		return kernel_cmdline;
	if (len == 4 && !strncmp(name, "root", 4))
		return cmdline_value(kernel_cmdline, "root", scratch, VALUE_MAX) ? scratch : NULL;
	return NULL;
}

const char *boot_script_expand(int *argc, char **argv, char *buf, size_t size, const char *kernel_cmdline)
{
	bool create = false, resume = false;
	size_t used = 0;
	int kept = 0;
	for (int i = 0; i < *argc; i++) {
		char *w = argv[i];
		if (!strcmp(w, "$(task-create)")) {
			create = true;
			continue;
		}
		if (!strcmp(w, "$(task-resume)")) {
			resume = true;
			continue;
		}
		if (!strstr(w, "${") && !strstr(w, "$(")) {
			argv[kept++] = w;
			continue;
		}
		char *out = buf + used;
		size_t n = 0;
		for (const char *p = w; *p;) {
			const char *value = NULL;
			char scratch[VALUE_MAX];
			size_t skip = 1;
			if (p[0] == '$' && p[1] == '(') {
				kwarn("bootstrap: %s: boot-script function not supported\n", p);
				return "unsupported boot-script function";
			}
			if (p[0] == '$' && p[1] == '{') {
				const char *end = p + 2;
				while (*end && *end != '}')
					end++;
				if (!*end || !(value = variable(p + 2, end - (p + 2), kernel_cmdline, scratch))) {
					kwarn("bootstrap: %s: unknown boot-script variable (or root= not given)\n", w);
					return "unknown boot-script variable";
				}
				skip = end + 1 - p;
			}
			size_t vlen = value ? strlen(value) : 1;
			if (used + n + vlen + 1 > size)
				return "command line too long after boot-script substitution";
			memcpy(out + n, value ? value : p, vlen);
			n += vlen;
			p += skip;
		}
		out[n] = '\0';
		used += n + 1;
		argv[kept++] = out;
	}
	if (create && !resume) {
		kwarn("bootstrap: $(task-create) without $(task-resume): a suspended task is not supported\n");
		return "task left suspended by its boot script";
	}
	*argc = kept;
	return NULL;
}
