# notification-controller: its sources (all but main.c) form a static library
# that the binary, the unit tests (tests/unit/notification) and the fuzz
# targets link; main.c only dispatches to notification_controller_main().
NOTIFICATIONC_SRCS := $(filter-out notification-controller/main.c,$(sort $(wildcard notification-controller/*.c)))
LIBNOTIFICATION    := $(O)/libnotification.a
LIBS               += $(LIBNOTIFICATION)
BINARIES           += $(BIN)/notification-controller

$(LIBNOTIFICATION): $(call objs,$(NOTIFICATIONC_SRCS))
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BIN)/notification-controller: $(call objs,notification-controller/main.c) $(LIBNOTIFICATION) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
