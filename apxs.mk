# Builds and installs mod_writekit.so with apxs.  Included by Makefile,
# which provides CORE_LIB, GLUE_SRC, ALL_CFLAGS and the settings from
# config.mk.  `make install DESTDIR=/tmp/stage` installs into a staging
# tree.

APXS_CFLAGS = $(CFLAGS) $(WARN) -Imod_writekit -I$(BUILD) $(DEP_CFLAGS)

$(MODULE): $(GLUE_SRC) $(wildcard mod_writekit/*.h) $(CORE_LIB)
	$(APXS) -c -o $(BUILD)/mod_writekit.la \
	    $(foreach f,$(APXS_CFLAGS),-Wc,$(f)) \
	    $(GLUE_SRC) $(CORE_LIB) $(DEP_LIBS)
	cp $(BUILD)/.libs/mod_writekit.so $@.new && mv $@.new $@

install: $(MODULE) $(CLI)
	mkdir -p $(DESTDIR)$(HTTPD_LIBEXECDIR)
	$(APXS) -i -S LIBEXECDIR=$(DESTDIR)$(HTTPD_LIBEXECDIR) \
	    -n writekit $(BUILD)/mod_writekit.la
	install -d $(DESTDIR)/usr/local/bin $(DESTDIR)/usr/local/share/writekit
	install -m 755 $(CLI) $(DESTDIR)/usr/local/bin/writekit
	cp -R templates $(DESTDIR)/usr/local/share/writekit/
	if [ -f studio/dist/index.html ]; then \
	    rm -rf $(DESTDIR)/usr/local/share/writekit/studio; \
	    cp -R studio/dist $(DESTDIR)/usr/local/share/writekit/studio; \
	fi
