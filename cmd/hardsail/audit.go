package main

import (
	"fmt"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/render"
)

// printAudit prints verify --only-findings: plain or --json.
func printAudit(o *sessionOptions, results []steps.Result) {
	if o.json {
		o.io.Out.Write(render.NewAuditReport(results).JSON())
		return
	}
	fmt.Fprint(o.io.Out, render.Audit(o.io.Theme(), results))
}
