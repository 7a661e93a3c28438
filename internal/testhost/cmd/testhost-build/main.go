// Command testhost-build builds (or finds) the cached Debian 12 rootfs that internal/testhost instances overlay.
// make test runs it first so the ~25 s build is not charged to whichever test happens to start a host first.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/hardsail/hardsail/internal/testhost"
)

func main() {
	verbose := flag.Bool("v", false, "show mmdebstrap output")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var log io.Writer
	if *verbose {
		log = os.Stderr
	}
	start := time.Now()
	b, err := testhost.EnsureBase(ctx, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testhost-build:", err)
		os.Exit(1)
	}
	what := "cached"
	if b.Built {
		what = "built"
	}
	fmt.Printf("testhost rootfs %s in %s\ntarball %s\nbase    %s\n", what, time.Since(start).Round(time.Millisecond), b.Tarball, b.Dir)
}
