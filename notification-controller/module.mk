# notification-controller binary: its own sources linked with libcommon.
NOTIFICATIONC_SRCS := $(sort $(wildcard notification-controller/*.c))
BINARIES += $(BIN)/notification-controller

$(BIN)/notification-controller: $(call objs,$(NOTIFICATIONC_SRCS)) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
