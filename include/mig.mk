# include/mig.mk -- MIG stub generation and the build-time size check.
#
# Plain GNU make, `include`d by the top Makefile.am.  For an interface X
# (a file X.defs found on MIG_DEFS_DIRS) it generates, into $(MIG_GEN):
#   X_user.c  X.h                 user stub and user header (-> user programs)
#   X_server.c  X_server.h        server stub and its header (-> the server)
#   X.sizecheck.stamp             every Request/Reply struct of both stubs
#                                 checked against MIG's sizes under gcc -m32,
#                                 see tools/mig-sizecheck.py
# Build any of these by name, or use the lists below as prerequisites.
#
# MIG is Debian's i686-gnu-mig (package mig-i686-gnu:i386): GNU Mach's
# native i386 message layout.  It reads our type .defs (include/) before
# GNU Mach's (GNUMACH_DEFS_DIR: gnumach-dev:i386's, whose machine types our
# mach/machine/machine_types.defs replaces).  KERNEL_SERVER and KERNEL_USER
# are always undefined: with them MIG switches to KernelServer/KernelUser
# stubs that hand the kernel ipc_port_t pointers converted by
# intran/outtran, which this kernel does not use.  Kernel server stubs are
# ordinary server stubs (see docs/abi.md).
#
# The mig script ignores preprocessor failures (a missing #include yields a
# truncated stub and exit status 0), so each .defs is preprocessed here
# first, the same way (-undef -ansi), and MIG reads the result.
#
# Per-interface hooks (optional): MIG_UFLAGS_X / MIG_SFLAGS_X add cpp flags
# to the user / server run, e.g. MIG_SFLAGS_foo = -DSERVERPREFIX=S_.

MIG ?= i686-gnu-mig
PYTHON ?= python3
MKDIR_P ?= mkdir -p
GNUMACH_DEFS_DIR ?= /usr/include/i386-linux-gnu

MIG_GEN = $(top_builddir)/gen
MIG_SIZECHECK = $(top_srcdir)/tools/mig-sizecheck.py

# Where X.defs is looked for: the project's own interfaces first.
MIG_DEFS_DIRS = $(top_srcdir)/include/sm \
	$(GNUMACH_DEFS_DIR)/mach $(GNUMACH_DEFS_DIR)/device \
	$(GNUMACH_DEFS_DIR)/mach/i386
vpath %.defs $(MIG_DEFS_DIRS)

MIG_CPP = $(CC) -E -x c -undef -ansi
MIG_CPPFLAGS = -I$(top_srcdir)/include -I$(GNUMACH_DEFS_DIR)
MIG_CPP_GUARD = -UKERNEL_SERVER -UKERNEL_USER

# Inputs every stub depends on besides its own .defs.
MIG_TYPE_DEFS = $(top_srcdir)/include/mach/std_types.defs \
	$(top_srcdir)/include/mach/mach_types.defs \
	$(top_srcdir)/include/mach/machine/machine_types.defs
MIG_HDR_DEPS = $(wildcard $(top_srcdir)/include/mach/*.h \
	$(top_srcdir)/include/mach/machine/*.h $(top_srcdir)/include/sm/*.h \
	$(top_srcdir)/include/device/*.h $(top_srcdir)/include/mach_debug/*.h)

# The size check compiles hermetically: our headers and gcc's own
# freestanding ones only, never the x86_64 Hurd headers in /usr/include.
MIG_CHECK_CC = $(CC)
MIG_CHECK_SYSINC = $(shell $(MIG_CHECK_CC) -print-file-name=include)
MIG_CHECK_CFLAGS = -ffreestanding -fsyntax-only -Wall -nostdinc \
	-isystem $(MIG_CHECK_SYSINC) -I$(MIG_GEN) -I$(top_srcdir)/include

# --- File lists -----------------------------------------------------------
# $(call mig_user_files,X Y)    X_user.c X.h ...
# $(call mig_server_files,X Y)  X_server.c X_server.h ...
# $(call mig_stamps,X Y)        X.sizecheck.stamp ...
mig_user_files = $(foreach i,$(1),$(MIG_GEN)/$(i)_user.c $(MIG_GEN)/$(i).h)
mig_server_files = $(foreach i,$(1),$(MIG_GEN)/$(i)_server.c \
	$(MIG_GEN)/$(i)_server.h)
mig_stamps = $(foreach i,$(1),$(MIG_GEN)/$(i).sizecheck.stamp)
mig_check_files = $(foreach i,$(1),$(MIG_GEN)/$(i)_user.sizecheck.c \
	$(MIG_GEN)/$(i)_server.sizecheck.c $(MIG_GEN)/$(i)_user.defs.i \
	$(MIG_GEN)/$(i)_server.defs.i)

# The skeleton interface: user stub for user programs, server stub for the
# kernel.  Depend on the stamp too, so nothing builds on unchecked stubs.
MIG_SMHOST_USER = $(call mig_user_files,smhost)
MIG_SMHOST_SERVER = $(call mig_server_files,smhost)
MIG_SMHOST_STAMP = $(call mig_stamps,smhost)

# GNU Mach's interfaces, ready for whoever needs them.
MIG_GNUMACH_INTERFACES = mach mach_port mach_host gnumach \
	device device_request device_reply
MIG_INTERFACES = smhost $(MIG_GNUMACH_INTERFACES)

MIG_ALL_FILES = $(call mig_user_files,$(MIG_INTERFACES)) \
	$(call mig_server_files,$(MIG_INTERFACES))
MIG_ALL_STAMPS = $(call mig_stamps,$(MIG_INTERFACES))
MIG_CLEANFILES = $(MIG_ALL_FILES) $(MIG_ALL_STAMPS) \
	$(call mig_check_files,$(MIG_INTERFACES))

# --- Rules ----------------------------------------------------------------

$(MIG_GEN)/%_user.c $(MIG_GEN)/%.h: %.defs $(MIG_TYPE_DEFS)
	@$(MKDIR_P) $(MIG_GEN)
	$(MIG_CPP) $(MIG_CPPFLAGS) $(MIG_UFLAGS_$*) $(MIG_CPP_GUARD) $< \
	  > $(MIG_GEN)/$*_user.defs.i
	$(MIG) -user $(MIG_GEN)/$*_user.c -header $(MIG_GEN)/$*.h \
	  -server /dev/null $(MIG_GEN)/$*_user.defs.i \
	  || { rm -f $(MIG_GEN)/$*_user.c $(MIG_GEN)/$*.h; exit 1; }

$(MIG_GEN)/%_server.c $(MIG_GEN)/%_server.h: %.defs $(MIG_TYPE_DEFS)
	@$(MKDIR_P) $(MIG_GEN)
	$(MIG_CPP) $(MIG_CPPFLAGS) $(MIG_SFLAGS_$*) $(MIG_CPP_GUARD) $< \
	  > $(MIG_GEN)/$*_server.defs.i
	$(MIG) -user /dev/null -header /dev/null \
	  -server $(MIG_GEN)/$*_server.c -sheader $(MIG_GEN)/$*_server.h \
	  $(MIG_GEN)/$*_server.defs.i \
	  || { rm -f $(MIG_GEN)/$*_server.c $(MIG_GEN)/$*_server.h; exit 1; }

# GNU's names for the user headers, so programs written for GNU Mach find
# them: <mach/mach_interface.h> is mach.defs', <mach/X.h> and <device/X.h>
# the others'. Each is a one-line wrapper around the generated gen/X.h.
MIG_GNU_HDRS = $(MIG_GEN)/mach/mach_interface.h $(MIG_GEN)/mach/mach_port.h \
	$(MIG_GEN)/mach/mach_host.h $(MIG_GEN)/mach/gnumach.h \
	$(MIG_GEN)/device/device.h $(MIG_GEN)/device/device_request.h \
	$(MIG_GEN)/device/device_reply.h
mig_gnu_target = $(if $(filter mach_interface,$(1)),mach,$(1))
$(MIG_GEN)/mach/%.h $(MIG_GEN)/device/%.h:
	@$(MKDIR_P) $(@D)
	echo '#include "../$(call mig_gnu_target,$*).h"' > $@
$(MIG_GEN)/mach/mach_interface.h: $(MIG_GEN)/mach.h
$(MIG_GEN)/mach/mach_port.h: $(MIG_GEN)/mach_port.h
$(MIG_GEN)/mach/mach_host.h: $(MIG_GEN)/mach_host.h
$(MIG_GEN)/mach/gnumach.h: $(MIG_GEN)/gnumach.h
$(MIG_GEN)/device/device.h: $(MIG_GEN)/device.h
$(MIG_GEN)/device/device_request.h: $(MIG_GEN)/device_request.h
$(MIG_GEN)/device/device_reply.h: $(MIG_GEN)/device_reply.h

# User stub checked as user code, server stub as kernel code (-DKERNEL),
# both under gcc -m32 (host tests are -m32 programs too).
$(MIG_GEN)/%.sizecheck.stamp: $(MIG_GEN)/%_user.c $(MIG_GEN)/%.h \
		$(MIG_GEN)/%_server.c $(MIG_GEN)/%_server.h \
		$(MIG_SIZECHECK) $(MIG_HDR_DEPS)
	$(PYTHON) $(MIG_SIZECHECK) $(MIG_GEN)/$*_user.c \
	  -o $(MIG_GEN)/$*_user.sizecheck.c
	$(PYTHON) $(MIG_SIZECHECK) $(MIG_GEN)/$*_server.c \
	  -o $(MIG_GEN)/$*_server.sizecheck.c
	$(MIG_CHECK_CC) -m32 $(MIG_CHECK_CFLAGS) \
	  $(MIG_GEN)/$*_user.sizecheck.c
	$(MIG_CHECK_CC) -m32 -DKERNEL $(MIG_CHECK_CFLAGS) \
	  $(MIG_GEN)/$*_server.sizecheck.c
	touch $@

# Generate and check every known interface.  Naming the files here also
# keeps make from deleting them as intermediates.
.PHONY: mig-all mig-clean
mig-all: $(MIG_ALL_FILES) $(MIG_ALL_STAMPS)

mig-clean:
	rm -f $(MIG_CLEANFILES)
