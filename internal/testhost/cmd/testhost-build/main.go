// Command testhost-build builds (or finds) the cached root filesystems that internal/testhost
// instances overlay: one Debian 12 per blueprint flavour, and the OS-only Ubuntu 24.04 one.
// make test runs it first so the ~25 s build is not charged to whichever test happens to start a host first.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hardsail/hardsail/internal/hostmanifest"
	"github.com/hardsail/hardsail/internal/testhost"
)

func main() {
	verbose := flag.Bool("v", false, "show mmdebstrap output")
	flavour := flag.String("flavour", "", "build only this rootfs (bitnami, lightsail or "+testhost.Ubuntu2404+"); default: all")
	flag.Parse()
	flavours := append(append([]string(nil), hostmanifest.Flavours...), testhost.Ubuntu2404)
	if *flavour != "" {
		if !slices.Contains(flavours, *flavour) {
			fmt.Fprintf(os.Stderr, "testhost-build: unknown rootfs %q (want one of %s)\n", *flavour, strings.Join(flavours, ", "))
			os.Exit(3)
		}
		flavours = []string{*flavour}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var log io.Writer
	if *verbose {
		log = os.Stderr
	}
	if m := testhost.Unavailable(); m != "" {
		msg := "testhost-build: needs root and mmdebstrap (run scripts/testhost-deps): " + m
		if os.Getenv(testhost.RequireEnv) == "1" {
			fmt.Fprintln(os.Stderr, msg)
			os.Exit(1)
		}
		// Tests needing the host will skip with the same message; a build failure here would only hide the rest of make test.
		fmt.Fprintln(os.Stderr, msg+"; real-host tests will skip")
		return
	}
	// Side by side: a build is mostly download and dpkg, and each recipe has its own lock.
	type result struct {
		base *testhost.Base
		took time.Duration
		err  error
	}
	results := make([]result, len(flavours))
	var wg sync.WaitGroup
	for i, f := range flavours {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			b, err := testhost.EnsureBaseFor(ctx, f, log)
			results[i] = result{b, time.Since(start), err}
		}()
	}
	wg.Wait()
	failed := false
	for i, f := range flavours {
		r := results[i]
		if r.err != nil {
			fmt.Fprintf(os.Stderr, "testhost-build: %s: %v\n", f, r.err)
			failed = true
			continue
		}
		what := "cached"
		if r.base.Built {
			what = "built"
		}
		fmt.Printf("testhost %s rootfs %s in %s\ntarball %s\nbase    %s\n", f, what, r.took.Round(time.Millisecond), r.base.Tarball, r.base.Dir)
	}
	if failed {
		os.Exit(1)
	}
}
