package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/registry"
	"github.com/hardsail/hardsail/tui/iostreams"
)

// options are the global and step flags, shared by every command.
type options struct {
	io *iostreams.IOStreams

	instance   string
	region     string
	profile    string
	json       bool
	noColor    bool
	accessible bool
	demo       string // "" off, else the demo instance's blueprint (demoBlueprints)
	demoReset  bool   // --demo-reset: the demo starts over from a new account and instance
	demoWorld  *demoWorld

	steps      stepFlags // the steps' own flags, as given
	acceptCost bool
	noSnapshot bool
	// yes is apply's or undo's --yes: no question is asked, even at a terminal.
	yes bool
	// strict and onlyFindings are verify's: a warning finding exits 2; print the findings alone.
	strict, onlyFindings bool
	// fleet is verify's and plan's --all and its limits.
	fleet fleetFlags

	sshUser       string
	sshKey        string
	sshHost       string
	sshPort       int
	acceptHostKey string

	// cleanups run when the command ends, whatever happened (the demo's emulator and temp dir).
	cleanups []func()
}

func run(args []string, io *iostreams.IOStreams) int {
	root, o := newRootCmd(io)
	root.SetArgs(args)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, cancelSignals...)
	defer signal.Stop(sigs)
	sig, err := execute(ctx, cancel, root, sigs, o)
	for i := len(o.cleanups) - 1; i >= 0; i-- {
		o.cleanups[i]()
	}
	var se *statusError
	switch {
	case err != nil && !errors.As(err, &se):
		printError(io, err, o.cli())
	case se != nil && sig == nil:
		return se.code
	}
	if sig != nil {
		return exitCancelled
	}
	return exitCodeOf(err)
}

// cancelSignals end a run the way Ctrl-C does: a closed terminal (SIGHUP), `timeout`, systemd or
// a cancelled CI job (SIGTERM).
var cancelSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// signalError is the cause of a run cancelled by a signal: a context.Canceled that names it.
type signalError struct{ sig os.Signal }

func (e *signalError) Error() string        { return signalName(e.sig) + " received" }
func (e *signalError) Is(target error) bool { return target == context.Canceled }

func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return sig.String()
}

// execute runs the command until it returns. The first signal cancels its context, with the signal
// as the cause, and waits: every rollback runs on a context of its own, so a cancelled change is
// put back before hardsail exits. A second signal stops waiting.
func execute(ctx context.Context, cancel context.CancelCauseFunc, root *cobra.Command, sigs <-chan os.Signal, o *options) (os.Signal, error) {
	io := o.io
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	var got os.Signal
	for {
		select {
		case err := <-done:
			return got, err
		case sig := <-sigs:
			if got != nil {
				fmt.Fprintf(io.ErrOut, "%s again: quitting at once. A change being put back may not be: `%s` shows it, `%s` reverses it.\n",
					signalName(sig), o.cli().Line("history"), o.cli().Line("undo"))
				return got, nil
			}
			got = sig
			cancel(&signalError{sig})
			fmt.Fprintf(io.ErrOut, "\n%s: cancelling; anything half done is put back first (send it again to quit at once).\n", signalName(sig))
		}
	}
}

// prepare runs before every command: every value is checked before anything runs or is written,
// then the demo starts when asked.
func (o *options) prepare(cmd *cobra.Command) error {
	if o.noColor {
		o.io.NoColor = true
	}
	if o.accessible {
		o.io.Accessible = true
	}
	// Every value is checked before anything runs or is written.
	if err := o.checkGlobalFlags(cmd.Flags()); err != nil {
		return err
	}
	if o.fleet.all {
		if err := o.fleet.check(o, cmd.Flags()); err != nil {
			return err
		}
	}
	if _, err := o.steps.over(steps.Settings{}); err != nil {
		return err
	}
	if o.demo != "" {
		stop, err := startDemo(o)
		if err != nil {
			return fmt.Errorf("start the demo: %w", err)
		}
		o.cleanups = append(o.cleanups, stop)
	}
	return nil
}

func newRootCmd(io *iostreams.IOStreams) (*cobra.Command, *options) {
	o := &options{io: io}
	root := &cobra.Command{
		Use:   "hardsail",
		Short: "Harden an AWS Lightsail WordPress instance, step by step",
		Long: `hardsail walks you through the AWS guide "Securing WordPress on Lightsail":
an IAM administrator instead of the root user, SSH closed to the world, HTTPS,
automatic security updates, and old logs cleaned up. Every change is previewed
first and can be undone.

Run it with no arguments in a terminal for the wizard, or try it safely first:

  hardsail --demo`,
		Example: `  hardsail --demo                  try the wizard on an emulated account (no AWS needed)
  hardsail verify                  check every step; exit 2 if anything drifted
  hardsail plan                    show what would change
  hardsail apply STEP              preview, confirm and apply one step
  hardsail undo STEP               reverse what hardsail changed
` + stepsLine(),
		SilenceUsage:      true,
		SilenceErrors:     true,
		Args:              unknownCommand,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error { return o.prepare(cmd) },
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.demo == "" && !io.Interactive() {
				return cmd.Help()
			}
			return runDashboard(cmd.Context(), o)
		},
	}
	setHelp(root)
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &steps.UsageError{Msg: err.Error(), Hint: "Run `" + c.CommandPath() + " --help` for the flags it takes."}
	})

	o.globalFlags(root.PersistentFlags())

	root.AddGroup(&cobra.Group{ID: "steps", Title: "Hardening:"}, &cobra.Group{ID: "other", Title: "More:"})
	// The steps' own flags go on the commands that read the settings: the wizard, verify, plan, apply.
	opts := steps.OptionsOf(registry.All())
	o.steps.register(root.Flags(), opts)
	for _, c := range []*cobra.Command{newVerifyCmd(o), newPlanCmd(o), newApplyCmd(o), newUndoCmd(o)} {
		if c.Name() != "undo" {
			o.steps.register(c.Flags(), opts)
		}
		if c.Name() == "verify" || c.Name() == "plan" {
			withFleet(o, c)
		}
		c.GroupID = "steps"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{newHistoryCmd(o), newPolicyCmd(o), newInfoCmd(o), newVersionCmd(o), newManCmd(o)} {
		c.GroupID = "other"
		root.AddCommand(c)
	}
	root.SetHelpCommandGroupID("other")
	root.SetCompletionCommandGroupID("other")
	return root, o
}

// unknownCommand refuses words after plain `hardsail` (exit 3): a mistyped command is named with the
// one that was meant, when there is one.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	hint := "Run `hardsail --help` for the commands."
	if near := cmd.SuggestionsFor(args[0]); len(near) > 0 {
		hint = "Did you mean `hardsail " + near[0] + "`? " + hint
	}
	return &steps.UsageError{Msg: fmt.Sprintf("unknown command %q", args[0]), Hint: hint}
}

// cli builds the command lines this run suggests: a demo's carry its --demo, so that a line copied
// from the screen never reaches a real account.
func (o *options) cli() steps.CommandLine {
	switch o.demo {
	case "":
		return steps.CommandLine{}
	case demoDefault:
		return steps.CommandLine{Flags: "--demo"}
	}
	return steps.CommandLine{Flags: "--demo=" + o.demo}
}

// requireYes refuses a command that would prompt when nobody can answer.
func requireYes(o *options, yes bool) error {
	if yes || o.io.Interactive() {
		return nil
	}
	return &steps.UsageError{
		Msg:  "--yes required when not running interactively",
		Hint: "Review the changes with `" + o.cli().Line("plan") + "`, then run this again with --yes.",
	}
}

// stepsLine names the steps a command takes, from the registry (cmd/ names no step itself).
func stepsLine() string {
	all := registry.All()
	ids := make([]string, len(all))
	for i, s := range all {
		ids[i] = s.ID()
	}
	return "  STEP is one of: " + strings.Join(ids, ", ")
}

// globalFlags are the flags every command takes.
func (o *options) globalFlags(f *pflag.FlagSet) {
	f.StringVar(&o.instance, "instance", "", "Lightsail instance `NAME` (chosen for you if the account has one)")
	f.StringVar(&o.region, "region", "", "AWS `REGION` (default: from the AWS profile or AWS_REGION)")
	f.StringVar(&o.profile, "profile", "", "AWS shared config `PROFILE` (default: AWS_PROFILE or default)")
	f.BoolVar(&o.json, "json", false, "print machine-readable JSON on stdout (schema_version 1)")
	f.BoolVar(&o.noColor, "no-color", false, "no colour in the output (also NO_COLOR)")
	f.BoolVar(&o.accessible, "accessible", false, "plain line-by-line prompts, no full-screen UI (also TERM=dumb)")
	f.StringVar(&o.demo, "demo", "", "run against a built-in emulated account and host (`BLUEPRINT`: lightsail, the default, or bitnami); nothing real is changed")
	f.Lookup("demo").NoOptDefVal = demoDefault
	f.BoolVar(&o.demoReset, "demo-reset", false, "start the demo over from a new account and instance (implies --demo; the demo otherwise carries on where it was left)")

	f.BoolVar(&o.noSnapshot, "no-snapshot", false, "do not take an instance snapshot before the first change")
	f.BoolVar(&o.acceptCost, "accept-cost", false, "agree to changes that cost money (a load balancer) when not asked at a terminal")

	f.StringVar(&o.sshUser, "ssh-user", "", "SSH `USER` (default: the instance's user, e.g. bitnami)")
	f.StringVar(&o.sshKey, "ssh-key", "", "log in with this private key `FILE`, or \"agent\" for ssh-agent, checking ~/.ssh/known_hosts (default: a temporary key from Lightsail, host keys as Lightsail reports them)")
	f.StringVar(&o.sshHost, "ssh-host", "", "connect to this `HOST` instead of the instance's public address")
	f.IntVar(&o.sshPort, "ssh-port", 22, "SSH `PORT`")
	f.StringVar(&o.acceptHostKey, "accept-host-key", "", "trust the host key with this `FINGERPRINT` (SHA256:…) when it is not in known_hosts")
}
