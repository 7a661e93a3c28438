# The one test command: `make test` (scripts/test). It installs what the tests need, checks gofmt and
# go vet, builds the real-host rootfs if it is not cached, and runs every test.
# CI (CI=true, .ci/run) also runs the race detector, staticcheck and the release check (GoReleaser).
# A newcomer's first `make test` runs none of those three unless asked: the race detector doubles the
# compile and slows the real-host tests (RACE=1 turns it on); staticcheck spends about 4 CPU-minutes on
# a fresh machine (LINT=1, or `make lint`); compiling GoReleaser from source takes about 8 minutes on
# a 2-core machine (it runs where the pinned GoReleaser is installed; `make release-check` installs it
# and runs the check).
SHELL := /bin/bash
GOBIN := $(shell go env GOPATH)/bin
RACE ?= $(if $(filter true,$(CI)),1,)
# GNU make predefines LINT (as `lint`, C's old checker), which made every `make test` run staticcheck:
# only a LINT given on the command line or in the environment counts.
ifeq ($(origin LINT),default)
LINT :=
endif
# Without the race detector many test packages spend their time waiting on the test hosts (SSH round
# trips, host-side timers, the SDK's retry back-off): four packages at once keep both cores busy. With
# it (CI) go test's default, one package per core.
GO_TEST_FLAGS ?= $(if $(RACE),-race,-p 4) -count=1 -timeout 30m

.PHONY: test deps tools gotestsum host-deps release-deps lint vet staticcheck testhost release-check unit demo build

# scripts/test runs it: the Go tools and the real-host packages first, then the tests at once, with
# gofmt, go vet and the rootfs builds beside them (in CI before them, with staticcheck); the release check after.
test:
	@GO_TEST_FLAGS='$(GO_TEST_FLAGS)' RACE='$(RACE)' LINT='$(LINT)' scripts/test

deps:
	@scripts/install-test-deps

tools:
	@scripts/install-test-deps --tools

gotestsum:
	@scripts/install-test-deps --gotestsum

host-deps:
	@scripts/install-test-deps --host

release-deps:
	@scripts/install-test-deps --release

# lint is vet and staticcheck (a newcomer's `make test` runs vet only: see the top).
lint: vet staticcheck

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	go vet ./...

staticcheck:
	@scripts/install-test-deps --staticcheck
	$(GOBIN)/staticcheck ./...

# Build (or find in the cache) the Debian rootfs the real-host tests boot; only root can.
testhost: host-deps
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
