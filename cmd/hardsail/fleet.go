package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/fleet"
	"github.com/hardsail/hardsail/steps/registry"
	"github.com/hardsail/hardsail/tui/render"
)

// fleetFlags are verify's, plan's and apply's flags for every instance at once.
type fleetFlags struct {
	all       bool
	parallel  int
	awsRate   int
	keepGoing bool
}

func (f *fleetFlags) register(fs *pflag.FlagSet, parallel int, verb string) {
	fs.BoolVar(&f.all, "all", false, "every WordPress instance in every region (--region: one region; --instance: names or globs, comma separated)")
	fs.IntVar(&f.parallel, "parallel", parallel, "with --all, "+verb+" at most `N` instances at once")
	fs.IntVar(&f.awsRate, "aws-rate", fleet.DefaultRate, "with --all, make at most `N` AWS calls per second in all")
}

// withFleet lets verify or plan take --all (verifyRun runs runFleet then); prepare checks its
// limits, and --instance takes names or globs with it.
func withFleet(f *Factory, c *cobra.Command, fl *fleetFlags) {
	fl.register(c.Flags(), fleet.DefaultParallel, "check")
	fl.prepare(f, c)
}

// withFleetApply lets apply take --all (with --keep-going): one instance at a time unless --parallel.
func withFleetApply(f *Factory, c *cobra.Command, fl *fleetFlags) {
	fl.register(c.Flags(), 1, "apply to")
	c.Flags().BoolVar(&fl.keepGoing, "keep-going", false, "with --all, go on to the next instances after one failed")
	fl.prepare(f, c)
}

// prepare lets --instance take names or globs with --all, and has prepare check the limits.
func (fl *fleetFlags) prepare(f *Factory, c *cobra.Command) {
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
	var progress func(fleet.Progress)
	if o.io.ErrTTY && !o.io.Accessible {
		progress = func(p fleet.Progress) { fmt.Fprint(o.io.ErrOut, "\r\033[K"+render.FleetProgress(p)) }
	}
	id, results, err := checkFleet(ctx, &o.sessionOptions, &o.fleet, selected, progress)
	if progress != nil {
		fmt.Fprint(o.io.ErrOut, "\r\033[K")
	}
	if err != nil {
		return err
	}
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

// checkFleet checks every instance --region and --instance select, each in its own quiet session,
// worst first; progress, when set, hears of each instance starting and ending.
func checkFleet(ctx context.Context, o *sessionOptions, fl *fleetFlags, selected []steps.Step, progress func(fleet.Progress)) (awsapi.Identity, []fleet.Result, error) {
	// Reads are shared: the account's (IAM, STS, DNS zones) are made once for the whole run,
	// Lightsail's listings once per region (discovery's instance listing included).
	reads := fleet.NewRegionReads()
	base, id, instances, err := discoverFleet(ctx, o, fl, reads)
	if err != nil {
		return id, nil, err
	}
	runner := fleet.Runner{Parallel: fl.parallel, Progress: progress, Check: func(ctx context.Context, in fleet.Instance) ([]steps.Result, error) {
		clients := base.InRegion(in.Region)
		reads.Share(clients, in.Region)
		s, err := newSession(o, sessionTarget{selected: selected, clients: clients, identity: id, instance: in.Name, quiet: true}, false)
		if err != nil {
			return nil, err
		}
		defer s.Close()
		return s.engine.Verify(ctx), nil
	}}
	results := runner.Run(ctx, instances)
	fleet.SortWorstFirst(results)
	return id, results, nil
}

// discoverFleet finds the instances --region and --instance select, with the AWS clients and
// identity the run uses. With reads (verify, plan) the regions' listings are kept for the checks.
func discoverFleet(ctx context.Context, o *sessionOptions, fl *fleetFlags, reads *fleet.RegionReads) (*awsapi.Clients, awsapi.Identity, []fleet.Instance, error) {
	var id awsapi.Identity
	patterns, err := fleet.ParsePatterns(o.instance)
	if err != nil {
		return nil, id, nil, err
	}
	sel := fleet.Selection{Patterns: patterns}
	if o.region != "" {
		sel.Regions = []string{o.region}
	}
	base, err := loadFleetClients(ctx, o, fl)
	if err != nil {
		return nil, id, nil, err
	}
	if id, err = base.Identity(ctx); err != nil {
		return nil, id, nil, err
	}
	instances, err := fleet.Discover(ctx, base.Lightsail, func(region string) fleet.Lister {
		if reads != nil {
			return reads.For(region, base.InRegion(region).Lightsail)
		}
		return base.InRegion(region).Lightsail
	}, sel)
	return base, id, instances, err
}

// loadFleetClients loads the AWS configuration with the run's shared rate limit. Without a region
// (none given, none configured) Lightsail's list of regions is read from us-east-1.
func loadFleetClients(ctx context.Context, o *sessionOptions, fl *fleetFlags) (*awsapi.Clients, error) {
	limit := fleet.NewLimiter(float64(fl.awsRate), fl.awsRate).HTTPClient
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
		switch {
		case errors.Is(r.Err, fleet.ErrStopped):
			continue // the instance that stopped the run has the code
		case r.Err == nil && command == "apply":
			statuses := make([]steps.Status, len(r.Outcomes))
			for i, x := range r.Outcomes {
				statuses[i] = x.Status
			}
			code = exitCodeOfStatuses(statuses)
		case r.Err == nil:
			code = exitCodeOfVerdict(steps.CheckVerdict(r.Results, command == "plan"))
		}
		if rank[code] > rank[worst] {
			worst = code
		}
	}
	return worst
}

// runFleetApply applies the named steps to every selected instance (steps/fleet's Applier), one
// line per instance as it finishes, then the summary or one JSON document. Exit: the worst.
func runFleetApply(ctx context.Context, opts *ApplyOptions) error {
	o, ids := &opts.sessionOptions, opts.ids
	selected, err := steps.Select(registry.All(), ids)
	if err != nil {
		return err
	}
	o.yes = true // nobody is asked: the snapshot offer takes its safe default, as apply --yes does
	base, id, instances, err := discoverFleet(ctx, o, &opts.fleet, nil)
	if err != nil {
		return err
	}
	t := o.io.Theme()
	applier := fleet.Applier{Parallel: opts.fleet.parallel, KeepGoing: opts.fleet.keepGoing,
		Open: func(ctx context.Context, in fleet.Instance) (*steps.Engine, func(), error) {
			s, err := newSession(o, sessionTarget{selected: selected, clients: base.InRegion(in.Region), identity: id, instance: in.Name, quiet: true}, true)
			if err != nil {
				return nil, nil, err
			}
			return s.engine, s.Close, nil
		},
		Done: func(r fleet.Result) {
			if !o.json {
				fmt.Fprintln(o.io.Out, render.FleetApplyLine(t, r))
			} else if slices.ContainsFunc(r.Outcomes, func(x steps.Outcome) bool { return len(x.Secrets) > 0 }) {
				fmt.Fprintf(o.io.ErrOut, "\n%s/%s:", r.Region, r.Name) // the secrets below are this instance's
			}
			printSecrets(o, r.Outcomes)
		}}
	results := applier.Run(ctx, instances)
	if o.json {
		rep := render.NewFleetApplyReport(id.Account, results)
		rep.Demo = o.demo != ""
		o.io.Out.Write(rep.JSON())
	} else {
		fmt.Fprint(o.io.Out, "\n"+render.FleetApplySummary(results)+"\n")
	}
	if code := fleetExitCode("apply", results); code != exitOK {
		return &statusError{code: code}
	}
	return nil
}

// checkAll refuses apply --all without step names or without --yes (exit 3, before anything runs):
// it changes many instances and asks nothing.
func (opts *ApplyOptions) checkAll() error {
	o := &opts.sessionOptions
	if len(opts.ids) == 0 {
		return &steps.UsageError{Msg: "apply --all needs the steps to apply, by name",
			Hint: "Run `" + o.cli().Line("plan --all") + "` to see what each instance needs, then name the steps (`hardsail apply --all STEP... --yes`).\n" + stepsLine()}
	}
	if !o.yes {
		return &steps.UsageError{Msg: "apply --all needs --yes: it changes many instances and asks nothing",
			Hint: "Review the changes with `" + o.cli().Line("plan --all "+strings.Join(opts.ids, " ")) + "`, then run this again with --yes."}
	}
	return nil
}
