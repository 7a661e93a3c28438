package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/fleet"
	"github.com/hardsail/hardsail/steps/registry"
	"github.com/hardsail/hardsail/tui"
)

// DashboardOptions are plain `hardsail`'s inputs: the wizard's session and its step flags.
type DashboardOptions struct {
	sessionOptions
}

// newDashboardCmd is plain `hardsail`: the root command, that newRootCmd hangs the others on.
func newDashboardCmd(f *Factory, runF func(*DashboardOptions) error) *cobra.Command {
	opts := &DashboardOptions{}
	cmd := &cobra.Command{
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
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          unknownCommand,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.load(f)
			if opts.demo == "" && !opts.io.Interactive() {
				return cmd.Help()
			}
			if runF != nil {
				return runF(opts)
			}
			return dashboardRun(cmd.Context(), opts)
		},
	}
	addStepFlags(f, cmd, &opts.settings)
	return cmd
}

// dashboardRun is plain `hardsail`: the wizard on a terminal (plain prompts with --accessible or
// TERM=dumb); off a terminal, the state of every step as `hardsail verify` prints it.
func dashboardRun(ctx context.Context, o *DashboardOptions) error {
	if !o.io.Interactive() || o.json {
		return verifyRun(ctx, &VerifyOptions{sessionOptions: o.sessionOptions, command: "verify"})
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
		s, err := o.open(ctx, &o.sessionOptions, nil, true)
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
		SSH:        o.sshDescription(),
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
		opts.Open, opts.Fleet = open, fleetOfRegion(o.sessionOptions, clients.Config.Region)
	}
	return tui.Run(ctx, opts)
}

// fleetOfRegion checks every instance of region for the wizard's list (steps/fleet, as
// `verify --all --region REGION` does), quietly: the screen is the wizard's.
func fleetOfRegion(o sessionOptions, region string) func(context.Context, func(fleet.Progress)) ([]fleet.Result, error) {
	o.instance, o.region = "", region
	fl := fleetFlags{parallel: fleet.DefaultParallel, awsRate: fleet.DefaultRate}
	return func(ctx context.Context, progress func(fleet.Progress)) ([]fleet.Result, error) {
		_, results, err := checkFleet(ctx, &o, &fl, registry.All(), progress)
		return results, err
	}
}

// sshDescription says in one line how hardsail will reach the instance.
func (o *globals) sshDescription() string {
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
