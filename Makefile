# mod_writekit: see README.md.  `make` builds the module and the CLI,
# `make test` runs every test, `make run` starts a demo blog.

-include config.mk

BUILD   = build
CFLAGS ?= -O2 -g
WARN    = -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
          -Wformat=2 -Wno-unused-parameter -Wno-missing-field-initializers
ALL_CFLAGS = $(CFLAGS) $(WARN) -fPIC -Imod_writekit -I$(BUILD) \
             $(APR_CFLAGS) $(DEP_CFLAGS)

# The core: plain APR, SQLite, cmark-gfm and json-c.  The module and the
# CLI both link this one archive.
CORE_SRC = mod_writekit/wk_buf.c mod_writekit/wk_template.c \
           mod_writekit/wk_markdown.c mod_writekit/wk_frontmatter.c \
           mod_writekit/wk_store.c mod_writekit/wk_store_write.c \
           mod_writekit/wk_cache.c \
           mod_writekit/wk_host.c mod_writekit/wk_view.c \
           mod_writekit/wk_import.c
# Rendered pages kept per process, and in files every process reads.
CORE_SRC += mod_writekit/wk_pagecache.c mod_writekit/wk_pagefile.c
# The studio's core: sign-in, editing, sanitizer, times.
CORE_SRC += mod_writekit/wk_auth.c mod_writekit/wk_timefmt.c \
            mod_writekit/wk_sanitize.c mod_writekit/wk_edit.c
# The studio's media: type detection, multipart bodies.
CORE_SRC += mod_writekit/wk_media.c mod_writekit/wk_multipart.c
# Imports from WordPress, Ghost and zip files, and exports.
CORE_SRC += mod_writekit/wk_wpformat.c mod_writekit/wk_import_source.c \
            mod_writekit/wk_import_media.c mod_writekit/wk_import_wxr.c \
            mod_writekit/wk_wxr_read.c \
            mod_writekit/wk_import_ghost.c mod_writekit/wk_ghost_render.c \
            mod_writekit/wk_archive.c mod_writekit/wk_export.c \
            mod_writekit/wk_export_wxr.c
CORE_OBJ = $(CORE_SRC:mod_writekit/%.c=$(BUILD)/core/%.o) $(BUILD)/core/wk_schema.o
CORE_LIB = $(BUILD)/libwkcore.a

GLUE_SRC = mod_writekit/mod_writekit.c mod_writekit/wk_config.c
# The studio API: framework, sessions and posts.
GLUE_SRC += mod_writekit/wk_api.c mod_writekit/wk_api_posts.c
# The studio API: media, preview, settings and export.
GLUE_SRC += mod_writekit/wk_api_media.c mod_writekit/wk_api_site.c
# The studio's app, built from studio/ by npm.
GLUE_SRC += mod_writekit/wk_studio.c
MODULE   = $(BUILD)/mod_writekit.so
CLI      = $(BUILD)/writekit

UNIT_SRC = $(wildcard t/unit/*_test.c)
UNIT_BIN = $(UNIT_SRC:t/unit/%.c=$(BUILD)/unit/%)

# The studio's app: npm installs what package-lock.json names and Vite
# builds it into studio/dist, which the module serves.  Without npm, or
# with a Node.js older than Vite needs, make builds the rest and says so.
STUDIO_SRC = $(wildcard studio/index.html studio/package.json \
                        studio/vite.config.js studio/scripts/*) \
             $(shell find studio/src -type f 2>/dev/null)
STUDIO_DEPS = studio/node_modules/.package-lock.json
STUDIO_INDEX = studio/dist/index.html
BROWSER_DEPS = t/browser/node_modules/.package-lock.json
NODE_OK := $(shell node -e 'const [a, b] = process.versions.node.split("."); \
             process.exit(a > 20 || (a == 20 && b >= 19) ? 0 : 1)' \
             2>/dev/null && command -v npm >/dev/null && echo yes)

.PHONY: all deps install test unit-test httpd-test browser-test studio run \
        clean distclean

all: $(MODULE) $(CLI) studio

ifeq ($(NODE_OK)$(wildcard studio/package-lock.json),yesstudio/package-lock.json)
studio: $(STUDIO_INDEX)
else
studio:
	@echo "make: the studio needs npm and Node.js 20.19 or later; not" \
	    "building studio/dist (the module and its API work without it)"
endif

$(STUDIO_DEPS): studio/package-lock.json
	cd studio && npm ci --no-audit --no-fund

# `npm run build` prints the gzipped size of the studio's JavaScript and
# fails over its 100 KB budget.
$(STUDIO_INDEX): $(STUDIO_SRC) $(STUDIO_DEPS)
	cd studio && npm run build

$(BROWSER_DEPS): t/browser/package-lock.json
	cd t/browser && npm ci --no-audit --no-fund

config.mk: configure
	./configure

deps:
	@sh scripts/install-deps

$(BUILD)/core $(BUILD)/unit:
	mkdir -p $@

# Migrations are compiled in, so a binary always carries the schema it
# expects.
$(BUILD)/wk_schema.c: scripts/embed-sql $(sort $(wildcard sql/*.sql)) | $(BUILD)/core
	sh scripts/embed-sql $(sort $(wildcard sql/*.sql)) >$@

$(BUILD)/core/wk_schema.o: $(BUILD)/wk_schema.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/core/%.o: mod_writekit/%.c $(wildcard mod_writekit/*.h) config.mk | $(BUILD)/core
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(CORE_LIB): $(CORE_OBJ)
	rm -f $@
	ar rcs $@ $(CORE_OBJ)

$(CLI): mod_writekit/writekit.c $(CORE_LIB)
	$(CC) $(ALL_CFLAGS) -o $@ mod_writekit/writekit.c $(CORE_LIB) \
	    $(DEP_LIBS) $(APR_LIBS)

$(BUILD)/unit/%: t/unit/%.c t/unit/tap.h $(CORE_LIB) | $(BUILD)/unit
	$(CC) $(ALL_CFLAGS) -It/unit -o $@ $< $(CORE_LIB) $(DEP_LIBS) $(APR_LIBS)

include apxs.mk

unit-test: $(UNIT_BIN)
	prove -v --exec '' $(UNIT_BIN)

httpd-test: all
	sh t/run-httpd-tests

# The studio in Debian's Chromium against its own httpd on 127.0.0.1
# (WK_BROWSER_PORT, default 8540); logs and failure screenshots go to
# t/browser/logs.
browser-test: all $(BROWSER_DEPS)
	@test -f $(STUDIO_INDEX) || { echo "make: $(STUDIO_INDEX) is" \
	    "missing; the browser tests need the built studio"; exit 1; }
	cd t/browser && node --test --test-concurrency=1 --test-reporter=spec

test: deps
	$(MAKE) all
	$(MAKE) unit-test
	$(MAKE) httpd-test
	$(MAKE) browser-test

run: deps
	$(MAKE) all
	sh scripts/run-demo

clean:
	rm -rf $(BUILD) studio/dist t/browser/logs t/logs \
	    t/conf/apache_test_config.pm t/conf/httpd.conf \
	    t/conf/extra.conf t/conf/modperl_inc.pl t/htdocs/index.html

distclean: clean
	rm -rf config.mk var studio/node_modules t/browser/node_modules

# `make bench`: throughput, latency and memory of the built module against
# a static copy of the post page in the same httpd (docs/benchmarks.md).
# Needs wrk; reports without failing the build.
.PHONY: bench
bench: all
	perl bench/bench.pl
