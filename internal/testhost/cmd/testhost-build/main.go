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
	for _, f := range flavours {
		start := time.Now()
		b, err := testhost.EnsureBaseFor(ctx, f, log)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testhost-build:", err)
			os.Exit(1)
		}
		what := "cached"
		if b.Built {
			what = "built"
		}
		fmt.Printf("testhost %s rootfs %s in %s\ntarball %s\nbase    %s\n", f, what, time.Since(start).Round(time.Millisecond), b.Tarball, b.Dir)
	}
}
