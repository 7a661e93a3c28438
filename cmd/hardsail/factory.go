package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/registry"
	"github.com/hardsail/hardsail/tui/iostreams"
)

// Factory is what every command is built from, as cli/cli's cmdutil.Factory: the streams, the
// global flags as parsed, and the run's demo. It is built once in run and builds nothing heavy
// itself: the steps' options are read from the registry on first use, the AWS configuration only
// when a command opens a session (openSession), so `hardsail version` stays fast.
type Factory struct {
	io *iostreams.IOStreams
	globals
	// demoWorld is the running demo (--demo), nil otherwise; prepare starts it.
	demoWorld *demoWorld
	// cleanups run when the command ends, whatever happened (the demo's emulator and temp dir).
	cleanups []func()
	// checks are each command's own flag checks, run by prepare after the global ones and before
	// anything runs (the demo included), so that every bad value is refused first.
	checks map[*cobra.Command][]func(fs *pflag.FlagSet) error
	// patterns is set for a command whose --instance takes names or globs (verify --all): its
	// own check (fleet.ParsePatterns) reads it, not the one-name check.
	patterns map[*cobra.Command]func() bool
	// stateDir is where the journals, settings and log are: read when asked, after the demo (which
	// moves it) has started.
	stateDir func() string
	// stepOptions are the registry's options, read once (the step flags).
	stepOptions func() []steps.Option
	// openSession opens a step command's session (AWS, the instance, its files, the engine) when
	// the command runs, never before: openSession, or a test's own.
	openSession sessionOpener
}

// sessionOpener opens the session of a command on the steps ids (none: all), with the journal
// (apply, undo, the wizard) or without (verify, plan).
type sessionOpener func(ctx context.Context, o *sessionOptions, ids []string, withJournal bool) (*session, error)

// globals are the values of the flags every command takes (the root's persistent flags).
type globals struct {
	instance   string
	region     string
	profile    string
	json       bool
	noColor    bool
	accessible bool
	demo       string // "" off, else the demo instance's blueprint (demoBlueprints)
	demoReset  bool   // --demo-reset: the demo starts over from a new account and instance

	acceptCost bool
	noSnapshot bool

	sshUser       string
	sshKey        string
	sshHost       string
	sshPort       int
	acceptHostKey string
}

func newFactory(io *iostreams.IOStreams) *Factory {
	return &Factory{
		io:       io,
		checks:   map[*cobra.Command][]func(*pflag.FlagSet) error{},
		patterns: map[*cobra.Command]func() bool{},
		stepOptions: sync.OnceValue(func() []steps.Option {
			return steps.OptionsOf(registry.All())
		}),
		openSession: openSession,
		stateDir:    steps.StateDir,
	}
}

// onPrepare adds a check of cmd's own flags to the ones prepare runs before cmd.
func (f *Factory) onPrepare(cmd *cobra.Command, check func(fs *pflag.FlagSet) error) {
	f.checks[cmd] = append(f.checks[cmd], check)
}

// prepare runs before every command: every value is checked before anything runs or is written,
// then the demo starts when asked.
func (f *Factory) prepare(cmd *cobra.Command) error {
	if f.noColor {
		f.io.NoColor = true
	}
	if f.accessible {
		f.io.Accessible = true
	}
	patterns := f.patterns[cmd] != nil && f.patterns[cmd]()
	if err := f.checkGlobalFlags(cmd.Flags(), patterns); err != nil {
		return err
	}
	for _, check := range f.checks[cmd] {
		if err := check(cmd.Flags()); err != nil {
			return err
		}
	}
	if f.demo != "" {
		stop, err := startDemo(f)
		if err != nil {
			return fmt.Errorf("start the demo: %w", err)
		}
		f.cleanups = append(f.cleanups, stop)
	}
	return nil
}

// cli builds the command lines this run suggests: a demo's carry its --demo, so that a line copied
// from the screen never reaches a real account.
func (g *globals) cli() steps.CommandLine {
	switch g.demo {
	case "":
		return steps.CommandLine{}
	case demoDefault:
		return steps.CommandLine{Flags: "--demo"}
	}
	return steps.CommandLine{Flags: "--demo=" + g.demo}
}

// localOptions are the inputs of a command that opens no session (history, info): the streams,
// the region, --json, the demo, and where the state dir is.
type localOptions struct {
	io         *iostreams.IOStreams
	region     string
	json, demo bool
	stateDir   func() string
}

// local is what a command with localOptions reads from f, once the flags are parsed.
func (f *Factory) local() localOptions {
	return localOptions{io: f.io, region: f.region, json: f.json, demo: f.demo != "", stateDir: f.stateDir}
}

// sessionOptions are the inputs of a command that opens a session on an instance (verify, plan,
// apply, undo, the wizard): the global flags that choose the account, instance and host, the
// demo, and the command's own step flags and --yes.
type sessionOptions struct {
	io *iostreams.IOStreams
	globals
	demoWorld *demoWorld
	// settings are the command's step flags, set over the saved settings (none on undo).
	settings stepFlags
	// yes is apply's or undo's --yes: no question is asked, even at a terminal.
	yes bool
	// open opens the session, when the command runs (Factory.openSession).
	open sessionOpener
}

// load takes what the command reads from f, once the flags are parsed and the demo started.
func (o *sessionOptions) load(f *Factory) {
	o.io, o.globals, o.demoWorld, o.open = f.io, f.globals, f.demoWorld, f.openSession
}

// addStepFlags gives cmd a flag for every step option, parsed into sf and checked by prepare.
func addStepFlags(f *Factory, cmd *cobra.Command, sf *stepFlags) {
	sf.register(cmd.Flags(), f.stepOptions())
	f.onPrepare(cmd, func(*pflag.FlagSet) error {
		_, err := sf.over(steps.Settings{})
		return err
	})
}

// requireYes refuses a command that would prompt when nobody can answer.
func (o *sessionOptions) requireYes() error {
	if o.yes || o.io.Interactive() {
		return nil
	}
	return &steps.UsageError{
		Msg:  "--yes required when not running interactively",
		Hint: "Review the changes with `" + o.cli().Line("plan") + "`, then run this again with --yes.",
	}
}
