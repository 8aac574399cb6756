# tests/console.mk - the console session test: `make run`'s system (the
# ISO built by `make`) driven through its serial console by
# tests/scripts/console-session.py, on a fresh scratch disk, as part of `make check`;
# then the same system with the console booted with allow-write, where
# write must land.
#   make check-console

CONSOLE_SESSION = tests/console-session
CONSOLE_SESSION_TIMEOUT = 60

CONSOLE_WRITE_MODULES = $(filter-out $(CONSOLE_ELF),$(SYSTEM_MODULES)) $(CONSOLE_ELF):allow-write

$(CONSOLE_SESSION)-write.iso: $(KERNEL_ELF) $(call module_files,$(SYSTEM_MODULES)) $(top_srcdir)/tools/mkiso.sh
	$(AM_V_GEN)$(MKISO) $@ "" $(KERNEL_ELF) $(CONSOLE_WRITE_MODULES)

# session NAME ISO [write]
console_session = $(PYTHON) $(top_srcdir)/tools/mkdisk.py $(1).img 16 && \
	if $(PYTHON) $(top_srcdir)/tests/scripts/console-session.py $(QEMU) $(2) $(1).img $(1).log \
		$(CONSOLE_SESSION_TIMEOUT) $(3) > $(1).out 2>&1; then \
		tail -n 1 $(1).out; \
	else grep -v '^ok:' $(1).out; echo "(serial log: $(1).log)"; exit 1; fi

check-console: $(SYSTEM_ISO) $(CONSOLE_SESSION)-write.iso $(top_srcdir)/tools/mkdisk.py \
		$(top_srcdir)/tests/scripts/console-session.py
	@$(call console_session,$(CONSOLE_SESSION),$(SYSTEM_ISO),)
	@$(call console_session,$(CONSOLE_SESSION)-write,$(CONSOLE_SESSION)-write.iso,write)

CLEANFILES += $(addprefix $(CONSOLE_SESSION),.img .log .out -write.iso -write.img -write.log -write.out)
.PHONY: check-console

# `make run` with the console's write command enabled (allow-write): the
# ISO the write session boots, on `make run`'s disk and devices.
run-writable: $(CONSOLE_SESSION)-write.iso $(RUN_DISK)
	$(QEMU) -m 256M -nographic -no-reboot -cdrom $(CONSOLE_SESSION)-write.iso $(QEMU_DEVICES)
.PHONY: run-writable
