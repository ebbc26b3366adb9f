# Test tools (not tests themselves): the webhook sink that records requests
# and the event load generator, built into $(O)/tools/ so the unit runner
# (which runs every executable under $(O)/tests/) leaves them alone. Built by
# `make tests`.
TOOLS_NOTIFICATION := $(O)/tools/webhook-sink $(O)/tools/event-flood
TESTS += $(TOOLS_NOTIFICATION)

$(O)/tools/webhook-sink: $(O)/tests/tools/webhook-sink.o $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/tools/event-flood: $(O)/tests/tools/event-flood.o
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
