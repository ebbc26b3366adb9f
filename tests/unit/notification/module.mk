# Unit tests of the notification-controller: one binary per
# tests/unit/notification/test_*.c, linked with its library and libcommon.
UT_NOTIFICATION := $(patsubst tests/unit/notification/%.c,$(O)/tests/notification/%,\
                     $(wildcard tests/unit/notification/test_*.c))
TESTS += $(UT_NOTIFICATION)
$(UT_NOTIFICATION): $(O)/tests/notification/%: $(O)/tests/unit/notification/%.o $(O)/tests/unit/testlib.o \
                    $(LIBNOTIFICATION) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(O)/tests/unit/notification/%.o: CFLAGS += -Inotification-controller
