package main

import (
	"context"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui"
)

// runDashboard is plain `hardsail`: the wizard on a terminal (plain prompts with --accessible or
// TERM=dumb); off a terminal, the state of every step as `hardsail verify` prints it.
func runDashboard(ctx context.Context, o *options) error {
	if !o.io.Interactive() || o.json {
		return runVerify(ctx, o, "verify", nil)
	}
	clients, err := awsapi.Load(ctx, awsapi.Options{Profile: o.profile, Region: o.region})
	if err != nil {
		return err
	}
	id, err := clients.Identity(ctx)
	if err != nil {
		return err
	}
	names, err := clients.InstanceNames(ctx)
	if err != nil {
		return err
	}
	var sessions []*session
	defer func() {
		for _, s := range sessions {
			s.Close()
		}
	}()
	open := func(ctx context.Context, instance string) (*steps.Engine, error) {
		o.instance = instance
		s, err := openSession(ctx, o, nil, true)
		if err != nil {
			return nil, err
		}
		sessions = append(sessions, s)
		// The session's observer prints progress lines; under the wizard only its log line stays.
		logger := s.engine.Env.Logger()
		s.engine.Env.Observer = steps.ObserverFunc(func(e steps.Event) {
			logger.Info(string(e.Kind), "step", e.Step, "address", e.Address, "message", e.Message, "status", string(e.Status))
			o.demoWorld.observe(e, logger.Warn)
		})
		return s.engine, nil
	}
	opts := tui.Options{
		IO:         o.io,
		Identity:   tui.Identity{Account: id.Account, ARN: id.ARN, Root: id.Root()},
		Region:     clients.Config.Region,
		Instances:  names,
		SSH:        sshDescription(o),
		Demo:       o.demo != "",
		Accessible: o.accessible || o.io.Accessible,
	}
	if o.demoWorld != nil {
		opts.Asker = o.demoWorld.asker
	}
	// One instance, or --instance: open it now (usage errors come before the screen is taken).
	if o.instance != "" || len(names) <= 1 {
		e, err := open(ctx, o.instance)
		if err != nil {
			return err
		}
		opts.Instance, opts.Engine = sessions[0].key.Instance, e
	} else {
		opts.Open = open
	}
	return tui.Run(ctx, opts)
}

// sshDescription says in one line how hardsail will reach the instance.
func sshDescription(o *options) string {
	how := "keyless: a temporary key from Lightsail, host key checked against Lightsail's"
	if o.sshKey != "" {
		how = "key " + o.sshKey + ", host key from ~/.ssh/known_hosts"
	}
	if o.sshUser != "" {
		how = o.sshUser + "@, " + how
	}
	if o.sshHost != "" {
		how += "; to " + o.sshHost
	}
	return how
}
