// Package snapshot is the step that keeps a way back: a manual snapshot of the instance before
// the first change of an apply run (the engine's Preparer), and Lightsail's automatic daily
// snapshots add-on, reported and enabled on request.
package snapshot

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
)

// ID is the step's stable name.
const ID = "snapshot"

// PricePerGBMonth is what Lightsail charges for snapshot storage, in USD per GB-month, manual and
// automatic alike. As of 2026 (Lightsail FAQ and pricing page; lightsail-notes.md §A.10): check
// https://aws.amazon.com/lightsail/pricing/ when updating.
const (
	PricePerGBMonth = 0.05
	priceAsOf       = "2026"
)

// autoSnapshot is Lightsail's name for the automatic daily snapshots add-on.
const autoSnapshot = "AutoSnapshot"

// Step is the step, and the engine's Preparer.
type Step struct{ steps.Identity }

// New returns the step.
func New() *Step { return &Step{steps.Named(ID, "Snapshots: a way back")} }

var _ steps.Preparer = (*Step)(nil)
var _ steps.Optioner = (*Step)(nil)

// Facts is what Check read.
type Facts struct {
	Instance     string `json:"instance"`
	AutoSnapshot bool   `json:"auto_snapshot"`
	// Snapshots are the instance's snapshots, newest first. They stay out of the fingerprint: the
	// snapshot taken before a run must not make that run's plans stale.
	Snapshots []Info `json:"-"`
}

// Info is one snapshot of the instance.
type Info struct {
	Name    string
	State   string
	SizeGB  int32
	Created time.Time
	Auto    bool
}

// Options are the step's settings: --auto-snapshot.
func (s *Step) Options() []steps.Option {
	return []steps.Option{steps.Switch(steps.Option{
		Flag:     "auto-snapshot",
		Usage:    "turn on Lightsail's automatic daily snapshots (an add-on billed per GB-month of storage)",
		Question: "Turn on Lightsail's automatic daily snapshots?",
		Note:     "Lightsail keeps the last seven daily snapshots. " + costNote(),
	}, func(set *steps.Settings) *bool { return &set.AutoSnapshot },
		"Use --auto-snapshot to turn automatic snapshots on, or leave it out.")}
}

// Check reads the add-ons of the instance and its snapshots; with automatic snapshots off and not
// asked for, it reports that there is no recent copy to go back to.
func (s *Step) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	st := steps.State{Step: ID}
	f, err := look(ctx, env)
	if err != nil {
		return st, err
	}
	st.Facts = f
	if !f.AutoSnapshot && !env.Settings.AutoSnapshot {
		st.Findings = append(st.Findings, steps.Finding{ID: ID + ".auto_snapshot_off", Severity: "warning",
			Message: "No automatic snapshots: if an update or an intruder breaks " + f.Instance + ", there is no recent copy to go back to.",
			Fix:     "hardsail apply snapshot --auto-snapshot"})
	}
	return st, nil
}

func look(ctx context.Context, env *steps.Env) (Facts, error) {
	f := Facts{Instance: env.Instance}
	on, err := addOnOn(ctx, env)
	if err != nil {
		return f, err
	}
	f.AutoSnapshot = on
	var token *string
	for {
		page, err := env.AWS.Lightsail.GetInstanceSnapshots(ctx, &lightsail.GetInstanceSnapshotsInput{PageToken: token})
		if err != nil {
			return f, awsapi.Classify("list the snapshots of "+env.Instance, err)
		}
		for _, sn := range page.InstanceSnapshots {
			if aws.ToString(sn.FromInstanceName) != env.Instance {
				continue
			}
			f.Snapshots = append(f.Snapshots, Info{Name: aws.ToString(sn.Name), State: string(sn.State),
				SizeGB: aws.ToInt32(sn.SizeInGb), Created: aws.ToTime(sn.CreatedAt), Auto: aws.ToBool(sn.IsFromAutoSnapshot)})
		}
		if aws.ToString(page.NextPageToken) == "" {
			break
		}
		token = page.NextPageToken
	}
	slices.SortFunc(f.Snapshots, func(a, b Info) int { return cmp.Or(b.Created.Compare(a.Created), cmp.Compare(a.Name, b.Name)) })
	return f, nil
}

// addOnOn reads whether the automatic snapshots add-on is on (or being turned on).
func addOnOn(ctx context.Context, env *steps.Env) (bool, error) {
	out, err := env.AWS.Lightsail.GetInstance(ctx, &lightsail.GetInstanceInput{InstanceName: new(env.Instance)})
	if err != nil {
		return false, awsapi.Classify("read the add-ons of "+env.Instance, err)
	}
	if out.Instance == nil {
		return false, nil
	}
	return slices.ContainsFunc(out.Instance.AddOns, func(a types.AddOn) bool {
		st := aws.ToString(a.Status)
		return aws.ToString(a.Name) == autoSnapshot && (st == "Enabled" || st == "Enabling")
	}), nil
}

func addOnAddress(instance string) string { return "lightsail:" + instance + "/add-on/" + autoSnapshot }

func snapshotAddress(instance, name string) string {
	return "lightsail:" + instance + "/snapshot/" + name
}

// costNote is the price line shown wherever hardsail offers a snapshot.
func costNote() string {
	return fmt.Sprintf("Snapshots are billed as storage: $%.2f per GB-month (Lightsail price as of %s) until deleted.", PricePerGBMonth, priceAsOf)
}

// Plan enables automatic snapshots when the user asked for them and they are off.
func (s *Step) Plan(st steps.State, set steps.Settings) (steps.Plan, error) {
	f, err := steps.FactsOf[Facts](st)
	if err != nil {
		return steps.Plan{}, err
	}
	p := steps.Plan{Step: ID}
	if n := len(f.Snapshots); n > 0 {
		newest := f.Snapshots[0]
		p.Notes = append(p.Notes, fmt.Sprintf("%s has %d snapshot(s); the newest is %s (%s, %d GB).", f.Instance, n, newest.Name, newest.State, newest.SizeGB))
	}
	if !f.AutoSnapshot && set.AutoSnapshot {
		p.Changes = append(p.Changes, steps.Change{Action: steps.Create, Address: addOnAddress(f.Instance),
			After: "enabled (daily)",
			Why:   "Lightsail then keeps the last seven daily snapshots, so a bad update or a break-in can be rolled back."})
		p.Notes = append(p.Notes, "Automatic snapshots: "+costNote())
	}
	return p, nil
}

// record is what the journal keeps: the snapshot hardsail made, or the add-on it enabled.
type record struct {
	Snapshot string `json:"snapshot,omitempty"`
	AddOn    string `json:"add_on,omitempty"`
}

// Apply enables the automatic snapshots add-on and waits until Lightsail has.
func (s *Step) Apply(ctx context.Context, env *steps.Env, live steps.State, plan steps.Plan, rec *steps.Recorder) (steps.Report, error) {
	if plan.Empty() {
		return steps.Report{Detail: "nothing to change"}, nil
	}
	for _, c := range plan.Changes {
		if c.Address != addOnAddress(env.Instance) {
			return steps.Report{}, fmt.Errorf("snapshot: the plan has a change this step does not make: %s", c.Address)
		}
		what := "enable automatic snapshots of " + env.Instance
		err := rec.Do(ctx, c, record{AddOn: autoSnapshot}, func(ctx context.Context) error {
			out, err := env.AWS.Lightsail.EnableAddOn(ctx, &lightsail.EnableAddOnInput{ResourceName: new(env.Instance),
				AddOnRequest: &types.AddOnRequest{AddOnType: types.AddOnTypeAutoSnapshot}})
			if err != nil {
				return awsapi.Classify(what, err)
			}
			return env.WaitLightsail(ctx, ID, c.Address, what, out.Operations, 0)
		})
		if err != nil {
			return steps.Report{}, err
		}
	}
	return steps.Report{Detail: "automatic daily snapshots enabled"}, nil
}

var unsafeName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^A-Za-z0-9_-]`) })

// Name is the snapshot hardsail takes of instance at t: hardsail-WordPress-1-20260301-120000 (UTC).
func Name(instance string, t time.Time) string {
	return "hardsail-" + unsafeName().ReplaceAllString(instance, "-") + "-" + t.UTC().Format("20060102-150405")
}

// ownName reports whether name is one Name could have given instance.
func ownName(instance, name string) bool {
	re := `^hardsail-` + regexp.QuoteMeta(unsafeName().ReplaceAllString(instance, "-")) + `-[0-9]{8}-[0-9]{6}$`
	ok, err := regexp.MatchString(re, name)
	return err == nil && ok
}
