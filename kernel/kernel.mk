# kernel/kernel.mk - the i386 kernel (everything under kernel/, the device layer
# in kernel/device/ included) as kernel/kernel.elf.
# Plain GNU make, included by the top Makefile.am.

KERNEL_CFLAGS = -m32 -march=i686 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	-fno-builtin -mgeneral-regs-only -fno-asynchronous-unwind-tables -std=gnu11 \
	-O2 -g -Wall -Wextra -Wno-unused-parameter -DKERNEL -ffunction-sections -fdata-sections \
	-I$(top_srcdir)/kernel -I$(top_srcdir) -I$(top_srcdir)/include -I$(top_builddir)/gen \
	-flto

# Every .c and .S under kernel/ is part of the kernel, and so is the
# freestanding library (freestanding/: string and printf routines, shared
# with the user runtime).
KERNEL_C_FILES = $(patsubst $(top_srcdir)/%,%,$(sort $(wildcard $(top_srcdir)/kernel/*/*.c \
	$(top_srcdir)/kernel/device/*/*.c $(top_srcdir)/freestanding/*.c)))
KERNEL_ASM_FILES = $(patsubst $(top_srcdir)/%,%,$(sort $(wildcard $(top_srcdir)/kernel/*/*.S)))

# The interfaces the kernel serves (see kernel/ipc/kobject.c): GNU Mach's own
# and the project's. Each gets its MIG server stub and weak defaults for the
# routines the kernel does not implement.
KERNEL_INTERFACES = mach mach_port mach_host mach_host_ext gnumach smhost virtio device mach_i386 mach_i386_ext smtime sminfo
KERNEL_MIG_SERVER = $(call mig_server_files,$(KERNEL_INTERFACES)) $(call mig_stamps,$(KERNEL_INTERFACES))
KERNEL_MIG_OBJS = $(KERNEL_INTERFACES:%=kobj/gen/%_server.o) $(KERNEL_INTERFACES:%=kobj/gen/%_defaults.o) \
	$(KERNEL_CLIENT_INTERFACES:%=kobj/gen/%_user.o)
# The interfaces the kernel calls as a client (exc.defs: kern/exception.c).
# Their user stubs are compiled over ipc/kernel_rpc.c: its header, forced in,
# turns the stubs' mach_msg and reply-port calls into the kernel's own.
KERNEL_CLIENT_INTERFACES = exc
KERNEL_MIG_SERVER += $(call mig_user_files,$(KERNEL_CLIENT_INTERFACES)) $(call mig_stamps,$(KERNEL_CLIENT_INTERFACES))

KERNEL_OBJS = $(KERNEL_ASM_FILES:%.S=kobj/%.o) $(KERNEL_C_FILES:%.c=kobj/%.o) $(KERNEL_MIG_OBJS)
KERNEL_ELF = kernel/kernel.elf

# The objects depend on this file so that a change of KERNEL_CFLAGS rebuilds them.
kobj/%.o: $(top_srcdir)/%.c $(KERNEL_MIG_SERVER) $(top_srcdir)/kernel/kernel.mk
	@mkdir -p $(@D)
	$(SM_V_CC)$(CC) $(KERNEL_CFLAGS) -MMD -MP -c -o $@ $<

# The library's loops must stay loops, not calls to memset/memcpy (itself);
# kept out of link-time optimization, where that option might not follow
# each function into the link's own compilation.
kobj/freestanding/%.o: KERNEL_CFLAGS += -fno-tree-loop-distribute-patterns -fno-lto

kobj/%.o: $(top_srcdir)/%.S $(top_srcdir)/kernel/kernel.mk
	@mkdir -p $(@D)
	$(SM_V_CC)$(CC) $(KERNEL_CFLAGS) -D__ASSEMBLER__ -MMD -MP -c -o $@ $<

kobj/gen/%_server.o: $(MIG_GEN)/%_server.c $(KERNEL_MIG_SERVER) $(top_srcdir)/kernel/kernel.mk
	@mkdir -p $(@D)
	$(SM_V_CC)$(CC) $(KERNEL_CFLAGS) -w -c -o $@ $<

kobj/gen/%_user.o: $(MIG_GEN)/%_user.c $(KERNEL_MIG_SERVER) $(top_srcdir)/kernel/ipc/kernel_rpc.h \
	$(top_srcdir)/kernel/kernel.mk
	@mkdir -p $(@D)
	$(SM_V_CC)$(CC) $(KERNEL_CFLAGS) -w -include $(top_srcdir)/kernel/ipc/kernel_rpc.h -c -o $@ $<

$(MIG_GEN)/%_defaults.c: $(MIG_GEN)/%_server.h $(top_srcdir)/tools/mig-defaults.py
	$(AM_V_GEN)$(PYTHON) $(top_srcdir)/tools/mig-defaults.py $< -o $@

kobj/gen/%_defaults.o: $(MIG_GEN)/%_defaults.c $(top_srcdir)/kernel/kernel.mk
	@mkdir -p $(@D)
	$(SM_V_CC)$(CC) $(KERNEL_CFLAGS) -w -c -o $@ $<

# The kernel is optimized as one program at link time (-flto above): calls
# across files are inlined like calls within one, and the message path's
# calls and returns, each of which QEMU's TCG enters through a lookup, are
# fewer (docs/benchmarks.md, "The kernel optimized at link time"). First the
# objects become one relocatable object, compiled as one partition with its
# functions and data in sections of their own; then kernel.ld places them.
# kernel.ld places the hot path's functions and data by section name;
# tools/check-hot-list.sh fails the link when a name there is in no section
# of that object, so the list stays true. The link's compilation does not
# repeat -Wmaybe-uninitialized: each file was checked when it was compiled,
# and across files it flags MIG stubs' out-parameters that are read only
# when the routine succeeded.
KERNEL_LTO_OBJ = kobj/kernel-lto.o
$(KERNEL_LTO_OBJ): $(KERNEL_OBJS)
	$(SM_V_LD)$(CC) $(KERNEL_CFLAGS) -Wno-maybe-uninitialized -flto-partition=one \
		-flinker-output=nolto-rel -nostdlib -r -Wl,-z,noexecstack -o $@ $(KERNEL_OBJS)

$(KERNEL_ELF): $(KERNEL_LTO_OBJ) $(top_srcdir)/kernel/i386/kernel.ld $(top_srcdir)/tools/check-hot-list.sh
	@mkdir -p $(@D)
	$(AM_V_at)$(SHELL) $(top_srcdir)/tools/check-hot-list.sh $(top_srcdir)/kernel/i386/kernel.ld \
		$(KERNEL_LTO_OBJ) >/dev/null
	$(SM_V_LD)$(CC) -m32 -nostdlib -static -no-pie -Wl,-T,$(top_srcdir)/kernel/i386/kernel.ld \
		-Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack -Wl,--build-id=none -o $@ $(KERNEL_LTO_OBJ) $(LIBGCC32)

-include $(KERNEL_OBJS:.o=.d)

CLEANFILES += $(KERNEL_ELF)
CLEAN_DIRS += kobj
