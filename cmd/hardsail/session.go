package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/registry"
	"github.com/hardsail/hardsail/tui"
	"github.com/hardsail/hardsail/tui/iostreams"
	"github.com/hardsail/hardsail/tui/render"
)

// session is one command's view of the world: the AWS identity, the instance, its files, the
// settings in force, and the engine over the selected steps.
type session struct {
	identity awsapi.Identity
	key      steps.Key
	paths    steps.Paths
	engine   *steps.Engine
	close    []func()
	// repaired says what opening the journal cut off (a torn last line), for warnRepaired.
	repaired string
	demo     bool // the demo's emulated account (--demo): said in --json
}

// warnRepaired says on stderr that the journal had a torn last line, cut off when it was opened
// (the dashboard only logs it: the screen is the TUI's).
func (s *session) warnRepaired(io *iostreams.IOStreams) {
	if s.repaired != "" {
		fmt.Fprintln(io.ErrOut, "warning: "+s.repaired)
	}
}

// openJournaled opens the session of a command that changes the instance (apply, undo): with the
// journal, after the warning of a torn last line it cut off.
func (o *sessionOptions) openJournaled(ctx context.Context, ids []string) (*session, error) {
	s, err := o.open(ctx, o, ids, true)
	if err != nil {
		return nil, err
	}
	s.warnRepaired(o.io)
	return s, nil
}

func (s *session) Close() {
	for i := len(s.close) - 1; i >= 0; i-- {
		s.close[i]()
	}
}

// openSession resolves everything a step command needs. Usage errors come first, then AWS
// credentials: until both pass nothing is written (no state dir, no log).
func openSession(ctx context.Context, o *sessionOptions, ids []string, withJournal bool) (*session, error) {
	selected, err := steps.Select(registry.All(), ids)
	if err != nil {
		return nil, err
	}
	clients, err := awsapi.Load(ctx, awsapi.Options{Profile: o.profile, Region: o.region})
	if err != nil {
		return nil, err
	}
	id, err := clients.Identity(ctx)
	if err != nil {
		return nil, err
	}
	instance, err := chooseInstance(ctx, clients, o.instance)
	if err != nil {
		return nil, err
	}
	return newSession(o, sessionTarget{selected: selected, clients: clients, identity: id, instance: instance}, withJournal)
}

// sessionTarget is what a session is opened on: the steps, the AWS clients of the instance's
// region, who the caller is, and the instance.
type sessionTarget struct {
	selected []steps.Step
	clients  *awsapi.Clients
	identity awsapi.Identity
	instance string
	// quiet keeps the steps' progress off stderr (a fleet run shows its own).
	quiet bool
}

// newSession opens the instance's files and builds its engine: its own saved settings, journal key
// and SSH connection.
func newSession(o *sessionOptions, t sessionTarget, withJournal bool) (*session, error) {
	selected, clients, id, instance := t.selected, t.clients, t.identity, t.instance
	s := &session{demo: o.demo != "", identity: id, key: steps.Key{Account: id.Account, Region: clients.Config.Region, Instance: instance}}
	s.paths = steps.PathsFor(steps.StateDir(), s.key)
	saved, err := steps.LoadSettings(s.paths.Settings)
	if err != nil {
		return nil, err
	}
	settings, err := o.settings.over(saved)
	if err != nil {
		return nil, err
	}
	logger, closeLog, err := openLog(s.paths.Log)
	if err != nil {
		return nil, err
	}
	s.close = append(s.close, closeLog)
	logger = logger.With("instance", instance, "region", s.key.Region)
	env := &steps.Env{
		Instance: instance, Region: s.key.Region, Account: id.Account,
		Settings: steps.WithDefaults(settings, steps.OptionsOf(registry.All())),
		Log:      logger, AWS: clients, AcceptCost: o.acceptCost, CLI: o.cli(),
		Observer: steps.ObserverFunc(func(e steps.Event) {
			logger.Info(string(e.Kind), "step", e.Step, "address", e.Address, "message", e.Message, "status", string(e.Status))
			o.demoWorld.observe(e, logger.Warn)
			// Progress goes to stderr so stdout stays the report (and --json stays parseable).
			if line := render.Progress(o.io.Theme(), e); line != "" && !t.quiet {
				fmt.Fprintln(o.io.ErrOut, line)
			}
		}),
	}
	// The command log holds every AWS operation of the run, reads included.
	clients.Observe(func(c awsapi.Call) {
		msg := "aws: " + c.Service + " " + c.Operation
		if c.Err != nil {
			msg += " (failed: " + c.Err.Error() + ")"
		}
		env.Emit(steps.Event{Kind: steps.EventCommand, Message: msg})
	})
	// The SDK's own warnings go to the run's log, never onto the terminal.
	clients.LogTo(func(m string) { logger.Warn("aws sdk: " + m) })
	s.close = append(s.close, func() { clients.Observe(nil); clients.LogTo(nil) })
	env.SSH = s.sshDialer(o, clients, env, withJournal)
	if withJournal && o.io.Interactive() && !o.yes {
		// Apply and undo at a terminal can ask (the MFA codes, a load balancer's cost, the snapshot).
		// With --yes nobody is asked: each question takes its safe default and the step says so.
		env.Ask = o.demoWorld.asker(tui.PlainAsker(o.io))
	}
	s.engine = &steps.Engine{Steps: selected, Env: env}
	if withJournal && !o.noSnapshot {
		s.engine.Prepare = steps.PreparerOf(registry.All())
	}
	if withJournal {
		j, err := steps.OpenJournal(s.paths)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.close = append(s.close, func() { j.Close() })
		if s.repaired = j.Repaired(); s.repaired != "" {
			logger.Warn(s.repaired)
		}
		s.engine.Journal, s.engine.SettingsPath = j, s.paths.Settings
	}
	return s, nil
}

func openLog(path string) (*slog.Logger, func(), error) {
	f, err := steps.OpenLog(path)
	if err != nil {
		return nil, nil, err
	}
	return slog.New(slog.NewJSONHandler(f, nil)), func() { f.Close() }, nil
}

// chooseInstance takes --instance, or the account's only instance in the region.
func chooseInstance(ctx context.Context, c *awsapi.Clients, want string) (string, error) {
	names, err := c.InstanceNames(ctx)
	if err != nil {
		return "", err
	}
	region := c.Config.Region
	switch {
	case want != "" && slices.Contains(names, want):
		return want, nil
	case want != "":
		return "", &steps.UsageError{Msg: fmt.Sprintf("no Lightsail instance %q in %s", want, region),
			Hint: instancesHint(names, region)}
	case len(names) == 1:
		return names[0], nil
	case len(names) == 0:
		return "", &steps.UsageError{Msg: "no Lightsail instances in " + region,
			Hint: "Pass the instance's region with --region (e.g. --region eu-west-2)."}
	}
	return "", &steps.UsageError{Msg: fmt.Sprintf("%d Lightsail instances in %s; which one?", len(names), region),
		Hint: instancesHint(names, region)}
}

func instancesHint(names []string, region string) string {
	if len(names) == 0 {
		return "There are no instances in " + region + "; pass the right --region."
	}
	return "Pass --instance with one of: " + strings.Join(names, ", ") + "."
}
