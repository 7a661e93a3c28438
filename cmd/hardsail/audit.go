package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/render"
)

// addAuditFlags are verify's flags for the findings.
func addAuditFlags(cmd *cobra.Command, o *options) {
	cmd.Flags().BoolVar(&o.strict, "strict", false, "a warning finding exits 2, like drift")
	cmd.Flags().BoolVar(&o.onlyFindings, "only-findings", false, "print the findings alone (the audit); with --json too")
}

// printAudit prints verify --only-findings: plain or --json.
func printAudit(o *options, results []steps.Result) {
	if o.json {
		rep := render.NewAuditReport(results)
		rep.Demo = o.demo != ""
		o.io.Out.Write(rep.JSON())
		return
	}
	fmt.Fprint(o.io.Out, render.Audit(o.io.Theme(), results))
}
