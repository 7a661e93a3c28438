package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/fleet"
	"github.com/hardsail/hardsail/steps/registry"
	"github.com/hardsail/hardsail/tui/render"
)

// fleetFlags are verify's and plan's flags for every instance at once.
type fleetFlags struct {
	all      bool
	parallel int
	awsRate  int
}

func (f *fleetFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&f.all, "all", false, "every WordPress instance in every region (--region: one region; --instance: names or globs, comma separated)")
	fs.IntVar(&f.parallel, "parallel", fleet.DefaultParallel, "with --all, check at most `N` instances at once")
	fs.IntVar(&f.awsRate, "aws-rate", fleet.DefaultRate, "with --all, make at most `N` AWS calls per second in all")
}

// withFleet lets verify or plan take --all (verifyRun runs runFleet then); prepare checks its
// limits, and --instance takes names or globs with it.
func withFleet(f *Factory, c *cobra.Command, fl *fleetFlags) {
	fl.register(c.Flags())
	f.patterns[c] = func() bool { return fl.all }
	f.onPrepare(c, func(fs *pflag.FlagSet) error {
		if !fl.all {
			return nil
		}
		return fl.check(fs)
	})
}

// check refuses flags that name one host, or limits out of range (exit 3, before any call).
func (f *fleetFlags) check(fs *pflag.FlagSet) error {
	for _, name := range []string{"ssh-host", "ssh-port", "accept-host-key"} {
		if fs.Changed(name) {
			return &steps.UsageError{Msg: fmt.Sprintf("--%s cannot be used with --all: it names one host, and --all checks many", name),
				Hint: "Leave --" + name + " out, or check that instance alone with --instance NAME instead of --all."}
		}
	}
	if f.parallel < 1 || f.parallel > 64 {
		return &steps.UsageError{Msg: fmt.Sprintf("--parallel %d: not between 1 and 64", f.parallel), Hint: "Give e.g. --parallel 8, or leave it out."}
	}
	if f.awsRate < 1 || f.awsRate > 1000 {
		return &steps.UsageError{Msg: fmt.Sprintf("--aws-rate %d: not between 1 and 1000", f.awsRate), Hint: "Give e.g. --aws-rate 20, or leave it out."}
	}
	return nil
}

// runFleet checks every selected instance, each in its own session, and prints one line (or one
// JSON entry) per instance, worst first. The exit code is the worst instance's.
func runFleet(ctx context.Context, o *VerifyOptions, command string, ids []string) error {
	selected, err := steps.Select(registry.All(), ids)
	if err != nil {
		return err
	}
	patterns, err := fleet.ParsePatterns(o.instance)
	if err != nil {
		return err
	}
	sel := fleet.Selection{Patterns: patterns}
	if o.region != "" {
		sel.Regions = []string{o.region}
	}
	base, err := loadFleetClients(ctx, o)
	if err != nil {
		return err
	}
	id, err := base.Identity(ctx)
	if err != nil {
		return err
	}
	instances, err := fleet.Discover(ctx, base.Lightsail, func(region string) fleet.Lister {
		return base.InRegion(region).Lightsail
	}, sel)
	if err != nil {
		return err
	}
	// IAM is the account's, not an instance's: its reads are made once for the whole run.
	sharedIAM := fleet.ShareIAM(base.IAM)
	runner := fleet.Runner{Parallel: o.fleet.parallel, Check: func(ctx context.Context, in fleet.Instance) ([]steps.Result, error) {
		clients := base.InRegion(in.Region)
		clients.IAM = sharedIAM
		s, err := newSession(&o.sessionOptions, sessionTarget{selected: selected, clients: clients, identity: id, instance: in.Name, quiet: true}, false)
		if err != nil {
			return nil, err
		}
		defer s.Close()
		return s.engine.Verify(ctx), nil
	}}
	if o.io.ErrTTY && !o.io.Accessible {
		runner.Progress = func(p fleet.Progress) { fmt.Fprint(o.io.ErrOut, "\r\033[K"+render.FleetProgress(p)) }
	}
	results := runner.Run(ctx, instances)
	if runner.Progress != nil {
		fmt.Fprint(o.io.ErrOut, "\r\033[K")
	}
	fleet.SortWorstFirst(results)
	if o.json {
		rep := render.NewFleetReport(command, id.Account, results)
		rep.Demo = o.demo != ""
		o.io.Out.Write(rep.JSON())
	} else {
		fmt.Fprint(o.io.Out, render.Fleet(o.io.Theme(), results))
	}
	if code := fleetExitCode(command, results); code != exitOK {
		return &statusError{code: code}
	}
	return nil
}

// loadFleetClients loads the AWS configuration with the run's shared rate limit. Without a region
// (none given, none configured) Lightsail's list of regions is read from us-east-1.
func loadFleetClients(ctx context.Context, o *VerifyOptions) (*awsapi.Clients, error) {
	limit := fleet.NewLimiter(float64(o.fleet.awsRate), o.fleet.awsRate).HTTPClient
	c, err := awsapi.Load(ctx, awsapi.Options{Profile: o.profile, Region: o.region, WrapHTTP: limit})
	if o.region == "" && awsapi.IsKind(err, awsapi.KindUsage) {
		return awsapi.Load(ctx, awsapi.Options{Profile: o.profile, Region: "us-east-1", WrapHTTP: limit})
	}
	return c, err
}

// fleetExitCode is the worst instance's exit code: cancelled, then a credentials or permission
// problem, then a failure, then drift or pending (plan: changes).
func fleetExitCode(command string, results []fleet.Result) int {
	rank := map[int]int{exitOK: 0, exitDrift: 1, exitError: 2, exitUsage: 3, exitAuth: 4, exitCancelled: 5}
	worst := exitOK
	for _, r := range results {
		code := exitCodeOf(r.Err)
		if r.Err == nil {
			code = exitCodeOfVerdict(steps.CheckVerdict(r.Results, command == "plan"))
		}
		if rank[code] > rank[worst] {
			worst = code
		}
	}
	return worst
}
