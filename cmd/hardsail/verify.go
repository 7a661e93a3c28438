package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/render"
	"github.com/hardsail/hardsail/tui/theme"
)

// VerifyOptions are verify's and plan's inputs: plan is a verify printed as the preview, with its
// own exit rule (steps.CheckVerdict).
type VerifyOptions struct {
	sessionOptions
	command string // "verify" or "plan"
	ids     []string
	// strict and onlyFindings are verify's: a warning finding exits 2; print the findings alone.
	strict, onlyFindings bool
	// fleet is --all and its limits: every instance at once (runFleet).
	fleet fleetFlags
}

func newVerifyCmd(f *Factory, runF func(*VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{command: "verify"}
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
	}
	cmd.Flags().BoolVar(&opts.strict, "strict", false, "a warning finding exits 2, like drift")
	cmd.Flags().BoolVar(&opts.onlyFindings, "only-findings", false, "print the findings alone (the audit); with --json too")
	return checkCmd(f, cmd, opts, runF)
}

// checkCmd finishes verify or plan: the step flags, --all, and the run.
func checkCmd(f *Factory, cmd *cobra.Command, opts *VerifyOptions, runF func(*VerifyOptions) error) *cobra.Command {
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		opts.load(f)
		opts.ids = args
		if runF != nil {
			return runF(opts)
		}
		return verifyRun(cmd.Context(), opts)
	}
	addStepFlags(f, cmd, &opts.settings)
	withFleet(f, cmd, &opts.fleet)
	return cmd
}

// verifyRun checks the steps and prints the recap (verify) or the preview (plan); with --all, for
// every instance (runFleet).
func verifyRun(ctx context.Context, o *VerifyOptions) error {
	if o.fleet.all {
		return runFleet(ctx, o, o.command, o.ids)
	}
	s, err := o.open(ctx, &o.sessionOptions, o.ids, false)
	if err != nil {
		return err
	}
	defer s.Close()
	results := s.engine.Verify(ctx)
	code := exitCodeOfVerdict(steps.CheckVerdict(results, o.command == "plan"))
	if o.strict && code == exitOK && render.Warned(results) {
		code = exitDrift
	}
	switch {
	case o.onlyFindings:
		printAudit(&o.sessionOptions, results)
	case o.json:
		o.io.Out.Write(s.report(o.command, results).JSON())
	case o.command == "plan":
		fmt.Fprint(o.io.Out, render.Plan(o.io.Theme(), results))
	default:
		fmt.Fprint(o.io.Out, s.header(o.io.Theme()))
		fmt.Fprint(o.io.Out, render.Recap(o.io.Theme(), results))
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

// header names what is being checked, and warns about the root user (render.Header, the one
// header renderer the wizard uses too).
func (s *session) header(t theme.Theme) string {
	return render.Header(t, s.key.Instance, s.key.Region, s.key.Account, s.identity.Root())
}
