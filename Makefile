# The one test command: `make test`. It installs what the tests need, checks formatting and
# lint, builds the real-host rootfs if it is not cached, and runs every test with the race detector.
# The release check (GoReleaser) runs too where the pinned GoReleaser is installed or CI=true (.ci/run):
# compiling GoReleaser from source takes most of half an hour on a fresh 2-core machine, so a
# newcomer's first `make test` does not; `make release-check` runs it (installing GoReleaser).
SHELL := /bin/bash
GOBIN := $(shell go env GOPATH)/bin
GO_TEST_FLAGS ?= -race -count=1 -timeout 30m

.PHONY: test deps release-deps lint testhost release-check unit demo build

# Lint is CPU, the rootfs builds are mostly network and disk: they run side by side.
test: deps
	@$(MAKE) --no-print-directory -j2 --output-sync=target lint testhost
	@if [ "$${CI:-}" = true ] || scripts/install-test-deps --have-release; then \
		$(MAKE) --no-print-directory release-check; \
	else \
		echo "make test: release check NOT run: GoReleaser (pinned version) is not installed; CI runs it, and 'make release-check' installs and runs it"; \
	fi
	$(GOBIN)/gotestsum --format standard-quiet -- $(GO_TEST_FLAGS) ./...

deps:
	@scripts/install-test-deps

release-deps:
	@scripts/install-test-deps --release

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	go vet ./...
	$(GOBIN)/staticcheck ./...

# Build (or find in the cache) the Debian rootfs the real-host tests boot; only root can.
testhost:
	@if [ "$$(id -u)" = 0 ]; then go run ./internal/testhost/cmd/testhost-build; fi

# GoReleaser check plus an offline snapshot of all four targets, and what it produced: archives,
# cask, checksums, size budget, the linux/amd64 binary's version.
release-check: release-deps
	@scripts/release-check

# A quick loop over the packages that need neither root nor the emulator's slow paths.
unit:
	go test -count=1 ./steps/... ./tui/... ./remote/... ./cmd/...

build:
	go build -o bin/hardsail ./cmd/hardsail

demo:
	go run ./cmd/hardsail --demo
