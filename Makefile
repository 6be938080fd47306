# Build and install pushgate: `make install` (PREFIX=/usr/local, DESTDIR for staging).
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR := $(DESTDIR)$(PREFIX)/bin
MANDIR := $(DESTDIR)$(PREFIX)/share/man
SCRATCH := .build-install
PAGES_MD := $(wildcard docs/*.5.md docs/*.8.md)
PAGES := $(patsubst docs/%.md,$(SCRATCH)/man/%,$(PAGES_MD))
# The version is written once, in Version.swift: the package, its checks and the man pages'
# footers read it from there.
VERSION_SWIFT := Sources/PushgateCore/Version.swift
VERSION := $(shell sed -n 's/.*static let text = "\(.*\)".*/\1/p' $(VERSION_SWIFT))

.PHONY: all build man man-lint install uninstall deb test demo clean

all: build man

# pushgate-serve runs once per connection: as a fully static executable it starts in about
# 1 ms instead of 2 (no dynamic loader, no relocations; docs/benchmarks.md). The admin tool
# links libssh and zlib dynamically, so it is built apart, with Debian's hardening for a
# dynamic executable: relocations resolved at start and read-only (BIND_NOW, RELRO), and the
# C of CPushgate and CPushgateAdmin with glibc's checked functions (_FORTIFY_SOURCE).
HARDENING := -Xlinker -z -Xlinker relro -Xlinker -z -Xlinker now -Xcc -D_FORTIFY_SOURCE=2
build:
	swift build -c release --static-swift-stdlib $(HARDENING) --product pushgate \
	  --scratch-path $(SCRATCH)
	swift build -c release --static-swift-stdlib -Xswiftc -static-executable \
	  --product pushgate-serve --scratch-path $(SCRATCH)-serve

man: $(PAGES)

# pandoc's man output, with tables too wide for 80 columns made lists (scripts/man-tables.lua),
# then made lint-clean (scripts/man-fix); docs/packaging.md, "Man pages", says why.
# The date is the last commit of the page's source, else of Version.swift, else Version.swift's
# modification time: never the day of the build, so builds are reproducible.
$(SCRATCH)/man/%: docs/%.md $(VERSION_SWIFT) scripts/man-fix scripts/man-tables.lua
	@scripts/require-packages pandoc
	@mkdir -p $(@D)
	@date=$$(git log -1 --format=%cs -- $< 2>/dev/null) || date=; \
	[ -n "$$date" ] || date=$$(git log -1 --format=%cs -- $(VERSION_SWIFT) 2>/dev/null) || date=; \
	[ -n "$$date" ] || date=$$(date -u -r $(VERSION_SWIFT) +%Y-%m-%d); \
	echo "pandoc $< ($$date, $(VERSION)) > $@"; \
	pandoc -s -f markdown -t man --shift-heading-level-by=-1 --lua-filter=scripts/man-tables.lua \
	  -M section=$(subst .,,$(suffix $*)) -M date=$$date -M footer="pushgate $(VERSION)" $< \
	  -o $@.pandoc && scripts/man-fix < $@.pandoc > $@.tmp && mv $@.tmp $@ && rm $@.pandoc

# Every page passes mandoc's lint with no warning (issue 12); CI runs this.
man-lint:
	@scripts/require-packages mandoc groff-base python3
	@$(MAKE) --no-print-directory man
	@out=$$(mandoc -Tlint -W warning $(PAGES) 2>&1); \
	if [ -n "$$out" ]; then echo "$$out" >&2; exit 1; fi; \
	scripts/man-check $(VERSION) $(PAGES) && \
	echo "man-lint: ok ($(words $(PAGES)) pages: no lint warning, footers, tables within 80 columns)"

install: build man
	install -d $(BINDIR) $(MANDIR)/man5 $(MANDIR)/man8
	install -m 0755 $(SCRATCH)-serve/release/pushgate-serve $(SCRATCH)/release/pushgate $(BINDIR)/
	for page in $(PAGES); do \
	  section=$${page##*.}; install -m 0644 $$page $(MANDIR)/man$$section/; \
	done

uninstall:
	rm -f $(BINDIR)/pushgate-serve $(BINDIR)/pushgate
	for page in $(notdir $(PAGES)); do rm -f $(MANDIR)/man$${page##*.}/$$page; done

# pushgate_VERSION_ARCH.deb, with dpkg-deb (docs/packaging.md); scripts/test-deb installs it.
deb: build man
	scripts/deb $(VERSION) $(SCRATCH)

test:
	scripts/test

demo:
	scripts/demo

clean:
	rm -rf $(SCRATCH) $(SCRATCH)-serve demo-root pushgate_*.deb
