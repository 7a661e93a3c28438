package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/render"
)

func newVerifyCmd(o *options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify [STEP...]",
		Short: "Check every step (or the named ones); never changes anything",
		Long: `Check the instance and the account against what was applied (or, the first time, the
built-in targets) and report each step as ok, drift, pending, skipped or failed.

Findings (what a step reports but does not change: MFA off, an old access key, a full disk) are
listed under their step with severity and fix; they do not change the exit status unless --strict.

Exit status: 0 all ok, 2 drift or pending (or, with --strict, a warning finding), 1 a step failed
or could not be checked, 3 usage error, 4 AWS credentials or permissions. Safe to run from cron or CI.`,
		Example: "  hardsail verify\n  hardsail verify STEP... --json\n  hardsail verify --only-findings --strict\n" + stepsLine(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerify(cmd.Context(), o, "verify", args)
		},
	}
	addAuditFlags(cmd, o)
	return cmd
}

// runVerify checks the steps and prints the recap (verify) or the preview (plan).
func runVerify(ctx context.Context, o *options, command string, ids []string) error {
	s, err := openSession(ctx, o, ids, false)
	if err != nil {
		return err
	}
	defer s.Close()
	results := s.engine.Verify(ctx)
	statuses := make([]steps.Status, len(results))
	for i, r := range results {
		statuses[i] = r.Status
	}
	code := exitCodeOfStatuses(statuses)
	if o.strict && code == exitOK && render.Warned(results) {
		code = exitDrift
	}
	if o.onlyFindings {
		printAudit(o, results)
	} else if o.json {
		rep := s.report(command, results)
		o.io.Out.Write(rep.JSON())
	} else if command == "plan" {
		fmt.Fprint(o.io.Out, render.Plan(o.io.Theme(), results))
	} else {
		fmt.Fprint(o.io.Out, s.header(o))
		fmt.Fprint(o.io.Out, render.Recap(o.io.Theme(), results))
	}
	if command == "plan" && code == exitDrift && !steps.HasChanges(results) {
		// A plan "has changes" only when something would change; pending alone is not a change.
		code = exitOK
	}
	if code != exitOK {
		return &statusError{code: code}
	}
	return nil
}

// report is the JSON report with the session's identity filled in.
func (s *session) report(command string, results []steps.Result) render.Report {
	rep := render.NewReport(command, results)
	rep.Account, rep.Region, rep.Instance, rep.Demo = s.key.Account, s.key.Region, s.key.Instance, s.demo
	return rep
}

// header names what is being checked, and warns about the root user.
func (s *session) header(o *options) string {
	return render.Header(o.io.Theme(), s.key.Instance, s.key.Region, s.key.Account, s.identity.Root())
}
