# helm-controller: the Helm template engine and chart loader (engine/, no
# Kubernetes client inside) and the controller binary built on it.
HELMENGINE_SRCS := $(sort $(wildcard helm-controller/engine/*.c))
LIBHELMENGINE   := $(O)/libhelm-engine.a
HELMC_SRCS      := $(sort $(wildcard helm-controller/*.c))
LIBS            += $(LIBHELMENGINE)
BINARIES        += $(BIN)/helm-controller

$(LIBHELMENGINE): $(call objs,$(HELMENGINE_SRCS))
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BIN)/helm-controller: $(call objs,$(HELMC_SRCS)) $(LIBHELMENGINE) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
