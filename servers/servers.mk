# servers/servers.mk - user-task runtime (libsmrt.a, crt0.o), the Swift
# SDK (servers/sdk: modules Mach and Virtio, libmach.a and libvirtio.a) and
# the Embedded Swift servers: servers/hello/hello, servers/time/time and every
# driver servers/NAME/NAME (blk, rng, ...; see "drivers" below).
#
# Plain GNU make, included by the top Makefile.am.  Sources are read from
# $(top_srcdir); every output lands under the build directory.  From
# configure: SWIFTC, LIBGCC32 (gcc -m32 -print-libgcc-file-name), MIG.
# The MIG user stubs gen/smhost_user.c and gen/smhost.h come from
# include/mig.mk.
#
# Linking a C user program (e.g. in tests/user-qemu.mk):
#
#   tests/test-foo: tests/test-foo.o $(USER_LINK_DEPS)
#   	$(USER_LINK) -o $@ $(filter-out $(USER_LINK_DEPS),$^) $(USER_LIBS)
#
# USER_LINK already names crt0.o and user.ld; USER_LIBS must come after the
# program's objects (GNU ld reads archives in command-line order).  Compile
# the objects with $(USER_CC) $(USER_CFLAGS).

USER_CC = $(CC)
USER_AR = ar
USER_NM = nm
USER_OBJDUMP = objdump
USER_READELF = readelf

SMRT_SRC = $(top_srcdir)/servers/runtime
SMRT_DIR = servers/runtime
SMRT_GEN = $(top_builddir)/gen

USER_CPPFLAGS = -I$(SMRT_SRC)/include/libc -I$(SMRT_SRC)/include -I$(top_srcdir)/include -I$(SMRT_GEN)
USER_CFLAGS = -m32 -march=i686 -ffreestanding -fno-pic -fno-pie \
	-fno-stack-protector -fno-builtin -fno-tree-loop-distribute-patterns \
	-mno-sse -mno-mmx -fno-asynchronous-unwind-tables -std=gnu11 \
	-O2 -g -Wall -Wextra -Wno-unused-parameter $(USER_CPPFLAGS)

USER_LDSCRIPT = $(SMRT_SRC)/user.ld
USER_CRT0 = $(SMRT_DIR)/crt0.o
USER_LIBSMRT = $(SMRT_DIR)/libsmrt.a
USER_LINK_FLAGS = -m32 -nostdlib -static -no-pie -Wl,-T,$(USER_LDSCRIPT) \
	-Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack -Wl,--build-id=none
USER_LINK = $(USER_CC) $(USER_LINK_FLAGS) $(USER_CRT0)
USER_LIBS = $(USER_LIBSMRT) $(LIBGCC32)
USER_LINK_DEPS = $(USER_CRT0) $(USER_LIBSMRT) $(USER_LDSCRIPT)
# Optional after USER_LINK: drop unreferenced sections (the Swift programs
# use it; user.ld KEEPs .init_array).
USER_GC_SECTIONS = -Wl,--gc-sections
# `$(USER_CHECK_ELF) ELF` fails unless ELF is a static i386 task linked at
# 0x400000 with no undefined symbols and no SSE/MMX code; prints its sizes.
USER_CHECK_ELF = READELF=$(USER_READELF) NM=$(USER_NM) \
	OBJDUMP=$(USER_OBJDUMP) $(SHELL) $(SMRT_SRC)/check-user-elf.sh

# The MIG user stubs every task can call: the kernel's interfaces (GNU Mach's
# and smhost) and GNU Mach's device interface for clients of driver servers.
SMRT_USER_INTERFACES = smhost mach mach_port mach_host mach_host_ext gnumach device device_request device_reply virtio mach_i386 mach_i386_ext smtime sminfo
SMRT_OBJS = $(addprefix $(SMRT_DIR)/,traps.o mach_msg.o malloc.o \
	console.o start.o support.o thread.o time.o) $(SMRT_USER_INTERFACES:%=$(SMRT_DIR)/%_user.o) \
	$(SMRT_FREESTANDING_OBJS)
# The freestanding library (string and printf routines, freestanding/),
# the same sources the kernel is built with.
SMRT_FREESTANDING_OBJS = $(patsubst $(top_srcdir)/%.c,$(SMRT_DIR)/%.o,$(wildcard $(top_srcdir)/freestanding/*.c))

# What sources including generated MIG headers wait for: the headers and
# mig.mk's size check of the stubs.
SMRT_MIG_HDRS = $(call mig_user_files,$(SMRT_USER_INTERFACES)) $(call mig_stamps,$(SMRT_USER_INTERFACES)) \
	$(MIG_GNU_HDRS)

$(SMRT_DIR)/%.o: $(SMRT_SRC)/%.c $(SMRT_MIG_HDRS)
	@mkdir -p $(@D)
	$(SM_V_CC)$(USER_CC) $(USER_CFLAGS) -MMD -MP -c -o $@ $<

$(SMRT_DIR)/freestanding/%.o: $(top_srcdir)/freestanding/%.c
	@mkdir -p $(@D)
	$(SM_V_CC)$(USER_CC) $(USER_CFLAGS) -MMD -MP -c -o $@ $<

$(SMRT_DIR)/%.o: $(SMRT_SRC)/%.S
	@mkdir -p $(@D)
	$(SM_V_CC)$(USER_CC) $(USER_CFLAGS) -MMD -MP -c -o $@ $<

# MIG output: generated code, so fewer warnings.  One section per stub, so
# a program linked with USER_GC_SECTIONS carries only the stubs it calls.
$(SMRT_DIR)/%_user.o: $(SMRT_GEN)/%_user.c $(SMRT_MIG_HDRS)
	@mkdir -p $(@D)
	$(SM_V_CC)$(USER_CC) $(USER_CFLAGS) -w -ffunction-sections -MMD -MP -c -o $@ $<

$(USER_LIBSMRT): $(SMRT_OBJS)
	@rm -f $@
	$(AM_V_GEN)$(USER_AR) rcs $@ $(SMRT_OBJS)

# ---------------------------------------------------------------- Swift

SWIFT_USER_FLAGS = -target i686-unknown-none-elf \
	-enable-experimental-feature Embedded -wmo -parse-as-library \
	-Osize -target-cpu i686 -Xfrontend -disable-stack-protector \
	-Xcc -ffreestanding \
	-I $(SMRT_SRC)/include $(addprefix -Xcc ,$(USER_CPPFLAGS))

# ------------------------------------------------------------ Swift SDK
# Module Mach (servers/sdk/Mach/*.swift over the C module CMach) compiled
# once: $(SDK_DIR)/Mach.swiftmodule for `import Mach`, and libmach.a with its
# object plus the device.defs server stub (device_server demux, whose ds_*
# routines DeviceServer.swift defines), linked by Swift programs before
# $(USER_LIBS).  A Swift program using the SDK:
#
#   foo.o: $(FOO_SWIFT) $(SDK_DEPS)
#   	$(SWIFTC) $(SWIFT_SDK_USER_FLAGS) -module-name Foo \
#   		-module-cache-path DIR/module-cache -c -o $@ $(FOO_SWIFT)
#   foo: foo.o $(SDK_LIB) $(USER_LINK_DEPS)
#   	$(USER_LINK) $(USER_GC_SECTIONS) -o $@ foo.o $(SDK_LIB) $(USER_LIBS)

SDK_SRC = $(top_srcdir)/servers/sdk/Mach
SDK_DIR = servers/sdk
SDK_LIB = $(SDK_DIR)/libmach.a
SDK_SWIFT = $(addprefix $(SDK_SRC)/,Port.swift Message.swift \
	ReceiveLoop.swift Notifications.swift Device.swift Support.swift \
	PendingReply.swift DeviceReplies.swift ParkedReply.swift DeviceServer.swift WhenIdle.swift OpenTable.swift \
	MessageEvents.swift DeviceHost.swift Time.swift \
	NetFilter.swift NetInterface.swift NetDelivery.swift NetWrites.swift)
SDK_MIG = $(call mig_server_files,device) $(call mig_stamps,device)
SDK_C_DEPS = $(SDK_SRC)/include/module.modulemap $(SDK_SRC)/include/cmach.h \
	$(SMRT_SRC)/include/module.modulemap $(wildcard $(SMRT_SRC)/include/sm/*.h) \
	$(SMRT_MIG_HDRS) $(SDK_MIG)
# What a Swift program importing Mach waits for.
SDK_DEPS = $(SDK_DIR)/Mach.o $(SDK_C_DEPS)
SWIFT_SDK_USER_FLAGS = $(SWIFT_USER_FLAGS) -I $(SDK_SRC)/include -I $(SDK_DIR)
# Mach.o is compiled for speed, after the -Osize of SWIFT_USER_FLAGS
# (swiftc takes the last one): what programs take from it rather than
# compile into themselves, DeviceServer's ds_* routines (the device_server
# stub calls them), is on every device request's path.  With it the block
# server takes 60-120 fewer guest instructions per 4 KiB read (QD32, QD1)
# for 80 bytes more text.  The servers' own code stays -Osize (blk's
# aside, SWIFT_DRIVER_OPT_blk): -O everywhere made them 4-11 KB larger for
# no measured gain; Mach.o's -O adds 2-4 KB to each (docs/benchmarks.md,
# "The SDK compiled with -O").  Virtio keeps -Osize: programs link none of
# Virtio.o (they compile what they use of the module into themselves), and
# the module at -O left blk as it was but made net 3.6 KB larger.
SWIFT_SDK_OPT = -O

# Mach.swiftmodule is written beside the object by the same command.
# Programs get most of Mach compiled into their own object (Embedded
# Swift); what they take from Mach.o is chiefly DeviceServer's ds_*
# routines, so one section per function lets USER_GC_SECTIONS drop the rest.
$(SDK_DIR)/Mach.o: $(SDK_SWIFT) $(SDK_C_DEPS)
	@mkdir -p $(@D)
	$(AM_V_GEN)$(SWIFTC) $(SWIFT_USER_FLAGS) $(SWIFT_SDK_OPT) -I $(SDK_SRC)/include \
		-Xfrontend -function-sections \
		-module-name Mach -module-cache-path $(SDK_DIR)/module-cache \
		-emit-module -emit-module-path $(SDK_DIR)/Mach.swiftmodule \
		-c -o $@ $(SDK_SWIFT)

$(SDK_DIR)/device_server.o: $(SMRT_GEN)/device_server.c $(SDK_MIG) $(SMRT_MIG_HDRS)
	@mkdir -p $(@D)
	$(SM_V_CC)$(USER_CC) $(USER_CFLAGS) -w -c -o $@ $<

$(SDK_LIB): $(SDK_DIR)/Mach.o $(SDK_DIR)/device_server.o
	@rm -f $@
	$(AM_V_GEN)$(USER_AR) rcs $@ $(SDK_DIR)/Mach.o $(SDK_DIR)/device_server.o

# ---------------------------------------------------------------- hello

HELLO_DIR = servers/hello
HELLO_ELF = $(HELLO_DIR)/hello
HELLO_SWIFT = $(addprefix $(top_srcdir)/servers/hello/,Hello.swift \
	Console.swift Uptime.swift Outcome.swift ScratchDevice.swift)

$(HELLO_DIR)/hello.o: $(HELLO_SWIFT) $(SDK_DEPS)
	@mkdir -p $(@D)
	$(AM_V_GEN)$(SWIFTC) $(SWIFT_SDK_USER_FLAGS) -module-name HelloTask \
		-module-cache-path $(HELLO_DIR)/module-cache \
		-c -o $@ $(HELLO_SWIFT)

# Linked to a temporary name and only renamed once the checks pass, so a
# bad ELF never looks up to date.
$(HELLO_ELF): $(HELLO_DIR)/hello.o $(SDK_LIB) $(USER_LINK_DEPS) \
		$(SMRT_SRC)/check-user-elf.sh
	$(SM_V_LD)$(USER_LINK) $(USER_GC_SECTIONS) -o $@.tmp $(HELLO_DIR)/hello.o \
		$(SDK_LIB) $(USER_LIBS)
	$(AM_V_at)$(USER_CHECK_ELF) $@.tmp
	$(AM_V_at)mv -f $@.tmp $@

# ------------------------------------------------------ Swift SDK: Virtio
# Module Virtio (servers/sdk/Virtio/*.swift over the C modules CVirtio and
# CVirtioRing in servers/sdk/Virtio/include): device attach, features,
# split virtqueues, DMA pools, interrupts (docs/sdk.md).  A virtio driver:
#
#   drv.o: $(DRV_SWIFT) $(VIRTIO_SDK_DEPS)
#   	$(SWIFTC) $(SWIFT_VIRTIO_USER_FLAGS) -module-name Drv \
#   		-module-cache-path DIR/module-cache -c -o $@ $(DRV_SWIFT)
#   drv: drv.o $(VIRTIO_SDK_LIB) $(SDK_LIB) $(USER_LINK_DEPS)
#   	$(USER_LINK) $(USER_GC_SECTIONS) -o $@ drv.o $(VIRTIO_SDK_LIB) $(SDK_LIB) $(USER_LIBS)

VIRTIO_SDK_SRC = $(top_srcdir)/servers/sdk/Virtio
VIRTIO_SDK_LIB = $(SDK_DIR)/libvirtio.a
# The ring logic (no kernel calls) comes first: tests/host.mk builds it
# into a host test with a fake device.
VIRTIO_SDK_RING_SWIFT = $(addprefix $(VIRTIO_SDK_SRC)/,Features.swift DMA.swift \
	IndirectTables.swift Virtqueue.swift ChainBuilder.swift InterruptService.swift DMAPool.swift \
	PageReserve.swift BootArguments.swift BufferRing.swift)
VIRTIO_SDK_SWIFT = $(VIRTIO_SDK_RING_SWIFT) $(addprefix $(VIRTIO_SDK_SRC)/,\
	VirtioDevice.swift Interrupts.swift KernelPages.swift BatchedKick.swift VirtioServer.swift)
VIRTIO_SDK_C_DEPS = $(addprefix $(VIRTIO_SDK_SRC)/include/,module.modulemap cvirtio.h \
	vring_access.h) $(call mig_user_files,virtio gnumach)
VIRTIO_SDK_DEPS = $(SDK_DIR)/Virtio.o $(SDK_DEPS) $(VIRTIO_SDK_C_DEPS)
SWIFT_VIRTIO_USER_FLAGS = $(SWIFT_SDK_USER_FLAGS) -I $(VIRTIO_SDK_SRC)/include

$(SDK_DIR)/Virtio.o: $(VIRTIO_SDK_SWIFT) $(SDK_DEPS) $(VIRTIO_SDK_C_DEPS)
	@mkdir -p $(@D)
	$(AM_V_GEN)$(SWIFTC) $(SWIFT_VIRTIO_USER_FLAGS) -module-name Virtio \
		-module-cache-path $(SDK_DIR)/virtio-module-cache \
		-emit-module -emit-module-path $(SDK_DIR)/Virtio.swiftmodule \
		-c -o $@ $(VIRTIO_SDK_SWIFT)

$(VIRTIO_SDK_LIB): $(SDK_DIR)/Virtio.o
	@rm -f $@
	$(AM_V_GEN)$(USER_AR) rcs $@ $(SDK_DIR)/Virtio.o

# -------------------------------------------------------------- drivers
# Every other folder servers/NAME with Swift files (but servers/time, which
# has MIG server stubs and its own rules below) is a driver built the
# same way, with no make edits: its *.swift compiled into one object over
# the SDK (and its own C module, if it has servers/NAME/include with a
# module.modulemap), linked and checked as servers/NAME/NAME.  The boot
# module line is the program's business (blk: Main.swift, Config.swift;
# rng: Rng.swift); `make run-driver NAME=foo` boots one (tools/run-driver.sh).
#   servers/blk: the virtio-blk server, "vda", "vdb", ...
#   servers/rng: the virtio-rng server, "rng0"
#   servers/net: the virtio-net server, "eth0", "eth1", ... (docs/net.md)

SWIFT_DRIVERS = $(filter-out hello sdk runtime time,$(sort $(notdir $(patsubst %/,%,$(dir \
	$(wildcard $(top_srcdir)/servers/*/*.swift))))))
SWIFT_DRIVER_ELFS = $(foreach d,$(SWIFT_DRIVERS),servers/$(d)/$(d))
BLK_ELF = servers/blk/blk
NET_ELF = servers/net/net

# A driver's own optimisation mode, after the -Osize of SWIFT_USER_FLAGS
# (swiftc takes the last one).  blk is compiled for speed: its per-request
# path (and the SDK code Embedded Swift compiles into it: the virtqueue,
# the receive loop) takes ~700 fewer guest instructions per 4 KiB read at
# QD32 with -O, for ~11 KB more text (docs/benchmarks.md, "Fewer
# instructions per read in the block server and the client").
SWIFT_DRIVER_OPT_blk = -O

# swift_driver NAME: the object and the checked program of servers/NAME.
define swift_driver
servers/$(1)/$(1).o: $(wildcard $(top_srcdir)/servers/$(1)/*.swift $(top_srcdir)/servers/$(1)/include/*) \
		$(VIRTIO_SDK_DEPS) $(wildcard $(top_srcdir)/include/sm/*.h)
	@mkdir -p $$(@D)
	$$(AM_V_GEN)$$(SWIFTC) $$(SWIFT_VIRTIO_USER_FLAGS) $$(SWIFT_DRIVER_OPT_$(1)) \
		$(if $(wildcard $(top_srcdir)/servers/$(1)/include),-I $(top_srcdir)/servers/$(1)/include) \
		-module-name $(subst -,_,$(1))_driver -module-cache-path servers/$(1)/module-cache \
		-c -o $$@ $(wildcard $(top_srcdir)/servers/$(1)/*.swift)

servers/$(1)/$(1): servers/$(1)/$(1).o $$(VIRTIO_SDK_LIB) $$(SDK_LIB) $$(USER_LINK_DEPS) \
		$$(SMRT_SRC)/check-user-elf.sh
	$$(SM_V_LD)$$(USER_LINK) $$(USER_GC_SECTIONS) -o $$@.tmp $$< \
		$$(VIRTIO_SDK_LIB) $$(SDK_LIB) $$(USER_LIBS)
	$$(AM_V_at)$$(USER_CHECK_ELF) $$@.tmp
	$$(AM_V_at)mv -f $$@.tmp $$@
endef
$(foreach d,$(SWIFT_DRIVERS),$(eval $(call swift_driver,$(d))))

# ----------------------------------------------------------------- time
# The time server (servers/time, docs/time.md): reads the RTC, owns the
# time policy, answers GNU Mach's time calls. Boot module line: time.

TIME_DIR = servers/time
TIME_ELF = $(TIME_DIR)/time
TIME_SRC = $(top_srcdir)/servers/time
TIME_SWIFT = $(addprefix $(TIME_SRC)/,Main.swift RTC.swift Policy.swift)
TIME_INTERFACES = time_server time_server64
TIME_MIG = $(call mig_server_files,$(TIME_INTERFACES)) $(call mig_stamps,$(TIME_INTERFACES))
TIME_C_DEPS = $(TIME_SRC)/include/module.modulemap $(TIME_SRC)/include/ctimeserver.h \
	$(top_srcdir)/include/sm/time_page.h $(TIME_MIG)
TIME_STUB_OBJS = $(TIME_INTERFACES:%=$(TIME_DIR)/%_server.o)

$(TIME_DIR)/%_server.o: $(SMRT_GEN)/%_server.c $(TIME_MIG) $(SMRT_MIG_HDRS)
	@mkdir -p $(@D)
	$(SM_V_CC)$(USER_CC) $(USER_CFLAGS) -w -c -o $@ $<

$(TIME_DIR)/time.o: $(TIME_SWIFT) $(SDK_DEPS) $(TIME_C_DEPS)
	@mkdir -p $(@D)
	$(AM_V_GEN)$(SWIFTC) $(SWIFT_SDK_USER_FLAGS) -I $(TIME_SRC)/include \
		-module-name TimeServer -module-cache-path $(TIME_DIR)/module-cache \
		-c -o $@ $(TIME_SWIFT)

$(TIME_ELF): $(TIME_DIR)/time.o $(TIME_STUB_OBJS) $(SDK_LIB) $(USER_LINK_DEPS) \
		$(SMRT_SRC)/check-user-elf.sh
	$(SM_V_LD)$(USER_LINK) $(USER_GC_SECTIONS) -o $@.tmp $(TIME_DIR)/time.o $(TIME_STUB_OBJS) \
		$(SDK_LIB) $(USER_LIBS)
	$(AM_V_at)$(USER_CHECK_ELF) $@.tmp
	$(AM_V_at)mv -f $@.tmp $@

.PHONY: servers
servers: $(USER_LIBSMRT) $(USER_CRT0) $(SDK_LIB) $(HELLO_ELF) $(VIRTIO_SDK_LIB) $(SWIFT_DRIVER_ELFS) $(TIME_ELF)

-include $(SMRT_OBJS:.o=.d) $(USER_CRT0:.o=.d)

CLEANFILES += $(SMRT_OBJS) $(SMRT_OBJS:.o=.d) $(USER_CRT0) \
	$(USER_CRT0:.o=.d) $(USER_LIBSMRT) $(HELLO_DIR)/hello.o \
	$(HELLO_ELF) $(HELLO_ELF).tmp $(SDK_LIB) $(SDK_DIR)/Mach.o \
	$(SDK_DIR)/device_server.o $(SDK_DIR)/Mach.swiftmodule \
	$(SDK_DIR)/Mach.swiftdoc $(SDK_DIR)/Mach.swiftsourceinfo
CLEANFILES += $(SDK_DIR)/Virtio.o $(VIRTIO_SDK_LIB) $(SDK_DIR)/Virtio.swiftmodule \
	$(SDK_DIR)/Virtio.swiftdoc $(SDK_DIR)/Virtio.swiftsourceinfo \
	$(SWIFT_DRIVER_ELFS) $(SWIFT_DRIVER_ELFS:=.o) $(SWIFT_DRIVER_ELFS:=.tmp)
CLEANFILES += $(TIME_DIR)/time.o $(TIME_STUB_OBJS) $(TIME_ELF) $(TIME_ELF).tmp
CLEAN_DIRS += $(TIME_DIR)/module-cache
CLEAN_DIRS += $(HELLO_DIR)/module-cache $(SDK_DIR)/module-cache \
	$(SDK_DIR)/virtio-module-cache $(foreach d,$(SWIFT_DRIVERS),servers/$(d)/module-cache)

# -------------------------------------------------------------- console
# The interactive console task (servers/console, C on the runtime): the
# prompt `make run` ends at. Boot module line: console [allow-write].

CONSOLE_DIR = servers/console
CONSOLE_ELF = $(CONSOLE_DIR)/console
CONSOLE_OBJS = $(addprefix $(CONSOLE_DIR)/,main.o terminal.o system.o disk.o net.o bench.o)

$(CONSOLE_DIR)/%.o: $(top_srcdir)/servers/console/%.c $(top_srcdir)/servers/console/shell.h $(SMRT_MIG_HDRS)
	@mkdir -p $(@D)
	$(SM_V_CC)$(USER_CC) $(USER_CFLAGS) -MMD -MP -c -o $@ $<

$(CONSOLE_ELF): $(CONSOLE_OBJS) $(USER_LINK_DEPS) $(SMRT_SRC)/check-user-elf.sh
	$(SM_V_LD)$(USER_LINK) $(USER_GC_SECTIONS) -o $@.tmp $(CONSOLE_OBJS) $(USER_LIBS)
	$(AM_V_at)$(USER_CHECK_ELF) $@.tmp >/dev/null
	$(AM_V_at)mv -f $@.tmp $@

servers: $(CONSOLE_ELF)
-include $(CONSOLE_OBJS:.o=.d)
CLEANFILES += $(CONSOLE_OBJS) $(CONSOLE_OBJS:.o=.d) $(CONSOLE_ELF) $(CONSOLE_ELF).tmp
