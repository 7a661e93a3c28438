// Command hardsail hardens an AWS Lightsail WordPress instance, step by step, with a preview before
// every change and an undo after.
package main

import (
	"os"

	"github.com/hardsail/hardsail/tui/iostreams"
)

// Set by GoReleaser's ldflags; buildinfo fills them in for go install / go run.
var (
	version = ""
	commit  = ""
	date    = ""
)

func main() {
	os.Exit(run(os.Args[1:], iostreams.System()))
}
