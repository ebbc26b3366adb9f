# libcommon: the shared controller runtime (static library linked by every binary).
LIBCOMMON_SRCS := $(sort $(wildcard libcommon/src/*.c))
LIBCOMMON      := $(O)/libcommon.a
LIBS           += $(LIBCOMMON)

$(LIBCOMMON): $(call objs,$(LIBCOMMON_SRCS))
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^
