# Build and install pushgate: `make install` (PREFIX=/usr/local, DESTDIR for staging).
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR := $(DESTDIR)$(PREFIX)/bin
MANDIR := $(DESTDIR)$(PREFIX)/share/man
SCRATCH := .build-install
PAGES_MD := $(wildcard docs/*.5.md docs/*.8.md)
PAGES := $(patsubst docs/%.md,$(SCRATCH)/man/%,$(PAGES_MD))
# The version, from the one place it is written; the package and its checks use it.
VERSION := $(shell sed -n 's/^ *public static let text = "\(.*\)"$$/\1/p' \
  Sources/PushgateCore/Version.swift)

.PHONY: all build man install uninstall deb test demo clean

all: build man

# pushgate-serve runs once per connection: as a fully static executable it starts in about
# 1 ms instead of 2 (no dynamic loader, no relocations; docs/benchmarks.md). The admin tool
# links libssh and zlib dynamically, so it is built apart.
build:
	swift build -c release --static-swift-stdlib --product pushgate --scratch-path $(SCRATCH)
	swift build -c release --static-swift-stdlib -Xswiftc -static-executable \
	  --product pushgate-serve --scratch-path $(SCRATCH)-serve

man: $(PAGES)

$(SCRATCH)/man/%: docs/%.md
	@scripts/require-packages pandoc
	@mkdir -p $(@D)
	pandoc -s -f markdown -t man --shift-heading-level-by=-1 \
	  -M section=$(subst .,,$(suffix $*)) -M footer=pushgate $< -o $@

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
