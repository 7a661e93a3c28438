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

func run(args []string, io *iostreams.IOStreams) int {
	f := newFactory(io)
	return runRoot(f, newRootCmd(f, nil), args)
}

// runRoot runs root with args and returns the exit code; the run's cleanups run at the end.
func runRoot(f *Factory, root *cobra.Command, args []string) int {
	root.SetArgs(args)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, cancelSignals...)
	defer signal.Stop(sigs)
	sig, err := execute(ctx, cancel, root, sigs, f)
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
	var se *statusError
	switch {
	case err != nil && !errors.As(err, &se):
		printError(f.io, err, f.cli())
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

// signalNames are the signals hardsail handles, by the names users know them by.
var signalNames = map[os.Signal]string{os.Interrupt: "SIGINT", syscall.SIGTERM: "SIGTERM", syscall.SIGHUP: "SIGHUP"}

func signalName(sig os.Signal) string {
	if n, ok := signalNames[sig]; ok {
		return n
	}
	return sig.String()
}

// execute runs the command until it returns. The first signal cancels its context, with the signal
// as the cause, and waits: every rollback runs on a context of its own, so a cancelled change is
// put back before hardsail exits. A second signal stops waiting.
func execute(ctx context.Context, cancel context.CancelCauseFunc, root *cobra.Command, sigs <-chan os.Signal, f *Factory) (os.Signal, error) {
	io := f.io
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
					signalName(sig), f.cli().Line("history"), f.cli().Line("undo"))
				return got, nil
			}
			got = sig
			cancel(&signalError{sig})
			fmt.Fprintf(io.ErrOut, "\n%s: cancelling; anything half done is put back first (send it again to quit at once).\n", signalName(sig))
		}
	}
}

// newRootCmd is plain `hardsail` (the wizard, newDashboardCmd) with every command under it.
func newRootCmd(f *Factory, runF func(*DashboardOptions) error) *cobra.Command {
	root := newDashboardCmd(f, runF)
	setHelp(root)
	root.SetOut(f.io.Out)
	root.SetErr(f.io.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &steps.UsageError{Msg: err.Error(), Hint: "Run `" + c.CommandPath() + " --help` for the flags it takes."}
	})
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error { return f.prepare(cmd) }
	f.globalFlags(root.PersistentFlags())

	root.AddGroup(&cobra.Group{ID: "steps", Title: "Hardening:"}, &cobra.Group{ID: "other", Title: "More:"})
	// The steps' own flags are on the commands that read the settings: the wizard, verify, plan, apply.
	for _, c := range []*cobra.Command{newVerifyCmd(f, nil), newPlanCmd(f, nil), newApplyCmd(f, nil), newUndoCmd(f, nil)} {
		c.GroupID = "steps"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{newHistoryCmd(f, nil), newPolicyCmd(f, nil), newInfoCmd(f, nil), newVersionCmd(f, nil), newManCmd(f, nil)} {
		c.GroupID = "other"
		root.AddCommand(c)
	}
	root.SetHelpCommandGroupID("other")
	root.SetCompletionCommandGroupID("other")
	return root
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
func (o *Factory) globalFlags(f *pflag.FlagSet) {
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
