package main

import (
	"fmt"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/render"
)

// printAudit prints verify --only-findings: plain or --json.
func printAudit(o *sessionOptions, results []steps.Result) {
	if o.json {
		rep := render.NewAuditReport(results)
		rep.Demo = o.demo != ""
		o.io.Out.Write(rep.JSON())
		return
	}
	fmt.Fprint(o.io.Out, render.Audit(o.io.Theme(), results))
}
