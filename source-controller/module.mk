# source-controller binary: its own sources linked with libcommon.
SOURCEC_SRCS := $(sort $(wildcard source-controller/*.c))
BINARIES += $(BIN)/source-controller

$(BIN)/source-controller: $(call objs,$(SOURCEC_SRCS)) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
