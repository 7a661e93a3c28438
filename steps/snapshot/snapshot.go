// Package snapshot is the step that keeps a way back: a manual snapshot of the instance before
// the first change of an apply run (the engine's Prepare hook), and Lightsail's automatic daily
// snapshots add-on, reported and enabled on request.
package snapshot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
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
// https://awsapi.amazon.com/lightsail/pricing/ when updating.
const (
	PricePerGBMonth = 0.05
	priceAsOf       = "2026"
)

// autoSnapshot is Lightsail's name for the automatic daily snapshots add-on.
const autoSnapshot = "AutoSnapshot"

// Snapshot is the step, and the engine's Prepare hook.
type Snapshot struct{}

// New returns the step.
func New() *Snapshot { return &Snapshot{} }

var (
	_ steps.Step     = (*Snapshot)(nil)
	_ steps.Preparer = (*Snapshot)(nil)
)

func (s *Snapshot) ID() string    { return ID }
func (s *Snapshot) Title() string { return "Snapshots: a way back" }

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

// Check reads the add-ons of the instance and its snapshots.
func (s *Snapshot) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	f, err := look(ctx, env)
	if err != nil {
		return steps.State{Step: ID}, err
	}
	return steps.State{Step: ID, Facts: f}, nil
}

func look(ctx context.Context, env *steps.Env) (Facts, error) {
	f := Facts{Instance: env.Instance}
	out, err := env.AWS.Lightsail.GetInstance(ctx, &lightsail.GetInstanceInput{InstanceName: aws.String(env.Instance)})
	if err != nil {
		return f, awsapi.Classify("read the add-ons of "+env.Instance, err)
	}
	if out.Instance != nil {
		for _, a := range out.Instance.AddOns {
			st := aws.ToString(a.Status)
			if aws.ToString(a.Name) == autoSnapshot && (st == "Enabled" || st == "Enabling") {
				f.AutoSnapshot = true
			}
		}
	}
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

func addOnAddress(instance string) string { return "lightsail:" + instance + "/add-on/" + autoSnapshot }

func snapshotAddress(instance, name string) string {
	return "lightsail:" + instance + "/snapshot/" + name
}

// costNote is the price line shown wherever hardsail offers a snapshot.
func costNote() string {
	return fmt.Sprintf("Snapshots are billed as storage: $%.2f per GB-month (Lightsail price as of %s) until deleted.", PricePerGBMonth, priceAsOf)
}

// Plan enables automatic snapshots when the user asked for them and they are off.
func (s *Snapshot) Plan(st steps.State, set steps.Settings) (steps.Plan, error) {
	f, ok := st.Facts.(Facts)
	if !ok {
		return steps.Plan{}, fmt.Errorf("snapshot: plan from facts of type %T", st.Facts)
	}
	p := steps.Plan{Step: ID}
	if n := len(f.Snapshots); n > 0 {
		newest := f.Snapshots[0]
		p.Notes = append(p.Notes, fmt.Sprintf("%s has %d snapshot(s); the newest is %s (%s, %d GB).", f.Instance, n, newest.Name, newest.State, newest.SizeGB))
	}
	switch {
	case f.AutoSnapshot:
	case set.AutoSnapshot:
		p.Changes = append(p.Changes, steps.Change{Action: steps.Create, Address: addOnAddress(f.Instance),
			After: "enabled (daily)",
			Why:   "Lightsail then keeps the last seven daily snapshots, so a bad update or a break-in can be rolled back."})
		p.Notes = append(p.Notes, "Automatic snapshots: "+costNote())
	default:
		p.Findings = append(p.Findings, steps.Finding{Severity: "warning",
			Message: "No automatic snapshots: if an update or an intruder breaks " + f.Instance + ", there is no recent copy to go back to.",
			Fix:     "hardsail apply snapshot --auto-snapshot"})
	}
	return p, nil
}

// record is what the journal keeps: the snapshot hardsail made, or the add-on it enabled.
type record struct {
	Snapshot string `json:"snapshot,omitempty"`
	AddOn    string `json:"add_on,omitempty"`
}

// Apply enables the automatic snapshots add-on.
func (s *Snapshot) Apply(ctx context.Context, env *steps.Env, plan steps.Plan, j *steps.Journal) (steps.Outcome, error) {
	o := steps.Outcome{Step: ID}
	if plan.Empty() {
		o.Status, o.Detail = steps.StatusOK, "nothing to change"
		return o, nil
	}
	f, err := look(ctx, env)
	if err != nil {
		return o, err
	}
	if (steps.State{Step: ID, Facts: f}).Fingerprint() != plan.Fingerprint {
		return o, &steps.StalePlanError{Step: ID}
	}
	c := plan.Changes[0]
	id, err := j.Begin(ID, c, record{AddOn: autoSnapshot})
	if err != nil {
		return o, err
	}
	what := "enable automatic snapshots of " + env.Instance
	env.Emit(steps.Event{Kind: steps.EventCommand, Step: ID, Address: c.Address, Message: "lightsail EnableAddOn AutoSnapshot " + env.Instance, At: env.Clock()})
	out, err := env.AWS.Lightsail.EnableAddOn(ctx, &lightsail.EnableAddOnInput{ResourceName: aws.String(env.Instance),
		AddOnRequest: &types.AddOnRequest{AddOnType: types.AddOnTypeAutoSnapshot}})
	if err != nil {
		err = awsapi.Classify(what, err)
		return o, errors.Join(err, j.Fail(id, err))
	}
	if err := j.Done(id); err != nil {
		return o, err
	}
	if err := env.AWS.Wait(ctx, what, out.Operations, awsapi.WaitOptions{Progress: progress(env, c.Address)}); err != nil {
		return o, err
	}
	o.Status, o.Detail = steps.StatusChanged, "automatic daily snapshots enabled"
	return o, nil
}

func progress(env *steps.Env, addr string) func(types.Operation, time.Duration) {
	return func(op types.Operation, elapsed time.Duration) {
		env.Emit(steps.Event{Kind: steps.EventWait, Step: ID, Address: addr,
			Message: fmt.Sprintf("waiting for %s (%s)… %s", op.OperationType, op.Status, elapsed.Round(time.Second)), At: env.Clock()})
	}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// Name is the snapshot hardsail takes of instance at t: hardsail-WordPress-1-20260301-120000 (UTC).
func Name(instance string, t time.Time) string {
	return "hardsail-" + unsafeName.ReplaceAllString(instance, "-") + "-" + t.UTC().Format("20060102-150405")
}

// snapshotTimeout bounds the wait for a snapshot: a large disk takes a while.
const snapshotTimeout = 30 * time.Minute

// Prepare offers a snapshot before the first change of a run (default yes) and waits until it is
// available. With no one to ask it takes it: a snapshot is the safe default.
func (s *Snapshot) Prepare(ctx context.Context, env *steps.Env, j *steps.Journal) (steps.Outcome, error) {
	o := steps.Outcome{Step: ID}
	name := Name(env.Instance, env.Clock())
	asked := env.Ask != nil
	if asked {
		q := fmt.Sprintf("Take a snapshot of %s (%s) before changing anything? %s", env.Instance, name, costNote())
		yes, err := env.Ask.Confirm(ctx, q, true)
		if err != nil {
			return o, err
		}
		if !yes {
			o.Status, o.Detail = steps.StatusSkipped, "no snapshot taken: you chose to go on without one"
			return o, nil
		}
	}
	c := steps.Change{Action: steps.Create, Address: snapshotAddress(env.Instance, name), After: name,
		Why: "A restore point taken before hardsail changes anything."}
	id, err := j.Begin(ID, c, record{Snapshot: name})
	if err != nil {
		return o, err
	}
	what := "snapshot " + env.Instance + " as " + name
	env.Emit(steps.Event{Kind: steps.EventCommand, Step: ID, Address: c.Address, Message: "lightsail CreateInstanceSnapshot " + name, At: env.Clock()})
	out, err := env.AWS.Lightsail.CreateInstanceSnapshot(ctx, &lightsail.CreateInstanceSnapshotInput{
		InstanceName: aws.String(env.Instance), InstanceSnapshotName: aws.String(name)})
	if err != nil {
		err = awsapi.Classify(what, err)
		return o, errors.Join(err, j.Fail(id, err))
	}
	if err := j.Done(id); err != nil {
		return o, err
	}
	if err := env.AWS.Wait(ctx, what, out.Operations, awsapi.WaitOptions{Timeout: snapshotTimeout, Progress: progress(env, c.Address)}); err != nil {
		return o, err
	}
	if err := waitAvailable(ctx, env, name); err != nil {
		return o, err
	}
	o.Status, o.Detail = steps.StatusChanged, "snapshot "+name+" is available"
	if !asked {
		o.Detail += " (taken without asking: no one to ask, and a snapshot is the safe default)"
	}
	return o, nil
}

// waitAvailable polls the snapshot until Lightsail reports it available: its operation can finish
// while the copy is still being made.
func waitAvailable(ctx context.Context, env *steps.Env, name string) error {
	b := env.AWS.Poll
	if b.Initial == 0 {
		b = awsapi.DefaultBackoff
	}
	ctx, cancel := context.WithTimeout(ctx, snapshotTimeout)
	defer cancel()
	start, delay := time.Now(), b.Initial
	for {
		out, err := env.AWS.Lightsail.GetInstanceSnapshot(ctx, &lightsail.GetInstanceSnapshotInput{InstanceSnapshotName: aws.String(name)})
		if err != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return &awsapi.TimeoutError{Op: "wait for snapshot " + name, Type: "CreateInstanceSnapshot", Elapsed: time.Since(start)}
			}
			return awsapi.Classify("read snapshot "+name, err)
		}
		switch out.InstanceSnapshot.State {
		case types.InstanceSnapshotStateAvailable:
			return nil
		case types.InstanceSnapshotStateError:
			return &awsapi.OperationError{Op: "snapshot " + name, Type: "CreateInstanceSnapshot", Details: "Lightsail reports the snapshot in state error"}
		}
		env.Emit(steps.Event{Kind: steps.EventWait, Step: ID, Address: snapshotAddress(env.Instance, name),
			Message: fmt.Sprintf("waiting for snapshot %s (%s)… %s", name, aws.ToString(out.InstanceSnapshot.Progress), time.Since(start).Round(time.Second)), At: env.Clock()})
		select {
		case <-ctx.Done():
			return &awsapi.TimeoutError{Op: "wait for snapshot " + name, Type: "CreateInstanceSnapshot", Elapsed: time.Since(start)}
		case <-time.After(delay):
		}
		delay = min(delay+delay/2, b.Max)
	}
}

// Undo disables the add-on hardsail enabled and deletes the snapshots hardsail took, newest first.
// A snapshot is a backup: deleting it is asked first, and off a terminal refused unless env.Force.
func (s *Snapshot) Undo(ctx context.Context, env *steps.Env, entries []steps.Entry, j *steps.Journal) (steps.Outcome, error) {
	o := steps.Outcome{Step: ID, Status: steps.StatusChanged}
	var did, kept, refused []string
	for _, e := range entries {
		var d record
		if err := e.Decode(&d); err != nil {
			return o, err
		}
		switch {
		case d.AddOn != "":
			msg, err := undoAddOn(ctx, env, e, j)
			if err != nil {
				return o, err
			}
			did = append(did, msg)
		case d.Snapshot != "":
			msg, outcome, err := undoSnapshot(ctx, env, e, j, d.Snapshot)
			if err != nil {
				return o, err
			}
			switch outcome {
			case "kept":
				kept = append(kept, msg)
			case "refused":
				refused = append(refused, d.Snapshot)
			default:
				did = append(did, msg)
			}
		default:
			return o, fmt.Errorf("journal entry %s: neither a snapshot nor an add-on", e.ID)
		}
	}
	o.Detail = strings.Join(append(did, kept...), "; ")
	if len(did) == 0 && len(refused) == 0 {
		o.Status = steps.StatusSkipped
	}
	if len(refused) > 0 {
		o.Status = steps.StatusFailed
		return o, &KeepError{Instance: env.Instance, Names: refused}
	}
	return o, nil
}

func undoAddOn(ctx context.Context, env *steps.Env, e steps.Entry, j *steps.Journal) (string, error) {
	f, err := look(ctx, env)
	if err != nil {
		return "", err
	}
	c := steps.Change{Action: steps.Delete, Address: addOnAddress(env.Instance), Before: "enabled (daily)",
		Why: "Undo: hardsail enabled automatic snapshots."}
	if !f.AutoSnapshot {
		c.Why = "Automatic snapshots are already off."
		id, err := j.BeginUndo(e, c, record{AddOn: autoSnapshot})
		if err != nil {
			return "", err
		}
		return "automatic snapshots were already off", j.Done(id)
	}
	id, err := j.BeginUndo(e, c, record{AddOn: autoSnapshot})
	if err != nil {
		return "", err
	}
	what := "disable automatic snapshots of " + env.Instance
	out, err := env.AWS.Lightsail.DisableAddOn(ctx, &lightsail.DisableAddOnInput{ResourceName: aws.String(env.Instance), AddOnType: types.AddOnTypeAutoSnapshot})
	if err != nil {
		err = awsapi.Classify(what, err)
		return "", errors.Join(err, j.Fail(id, err))
	}
	if err := j.Done(id); err != nil {
		return "", err
	}
	return "automatic snapshots disabled", env.AWS.Wait(ctx, what, out.Operations, awsapi.WaitOptions{Progress: progress(env, c.Address)})
}

// undoSnapshot deletes one snapshot hardsail took, if the user agrees. outcome is "deleted",
// "gone", "kept" (the user said no) or "refused" (no one to ask, no --force).
func undoSnapshot(ctx context.Context, env *steps.Env, e steps.Entry, j *steps.Journal, name string) (msg, outcome string, err error) {
	c := steps.Change{Action: steps.Delete, Address: snapshotAddress(env.Instance, name), Before: name,
		Why: "Undo: hardsail took this snapshot before its changes."}
	if !strings.HasPrefix(name, "hardsail-") {
		return "", "", fmt.Errorf("journal entry %s names snapshot %q, which hardsail would not have made; not deleting it", e.ID, name)
	}
	out, err := env.AWS.Lightsail.GetInstanceSnapshot(ctx, &lightsail.GetInstanceSnapshotInput{InstanceSnapshotName: aws.String(name)})
	if err != nil {
		err = awsapi.Classify("read snapshot "+name, err)
		if !awsapi.IsKind(err, awsapi.KindNotFound) {
			return "", "", err
		}
		c.Why = "The snapshot is already gone."
		id, err := j.BeginUndo(e, c, record{Snapshot: name})
		if err != nil {
			return "", "", err
		}
		return "snapshot " + name + " was already deleted", "gone", j.Done(id)
	}
	if from := aws.ToString(out.InstanceSnapshot.FromInstanceName); from != env.Instance {
		return "", "", fmt.Errorf("snapshot %s is of %s, not %s; not deleting it", name, from, env.Instance)
	}
	switch {
	case env.Ask != nil:
		q := fmt.Sprintf("Delete snapshot %s of %s? It is the copy hardsail took before its changes; a deleted snapshot cannot be recovered.", name, env.Instance)
		yes, err := env.Ask.Confirm(ctx, q, false)
		if err != nil {
			return "", "", err
		}
		if !yes {
			return "kept snapshot " + name, "kept", nil
		}
	case !env.Force:
		return "", "refused", nil
	}
	id, err := j.BeginUndo(e, c, record{Snapshot: name})
	if err != nil {
		return "", "", err
	}
	what := "delete snapshot " + name
	del, err := env.AWS.Lightsail.DeleteInstanceSnapshot(ctx, &lightsail.DeleteInstanceSnapshotInput{InstanceSnapshotName: aws.String(name)})
	if err != nil {
		err = awsapi.Classify(what, err)
		return "", "", errors.Join(err, j.Fail(id, err))
	}
	if err := j.Done(id); err != nil {
		return "", "", err
	}
	return "snapshot " + name + " deleted", "deleted", env.AWS.Wait(ctx, what, del.Operations, awsapi.WaitOptions{Progress: progress(env, c.Address)})
}

// KeepError is an undo that would delete snapshots with no one to confirm it.
type KeepError struct {
	Instance string
	Names    []string
}

func (e *KeepError) Error() string {
	return fmt.Sprintf("not deleting snapshot %s of %s without confirmation: it is a backup", strings.Join(e.Names, ", "), e.Instance)
}

// HintText says how to confirm.
func (e *KeepError) HintText() string {
	return "Run `hardsail undo snapshot` on a terminal to confirm, or add --force to delete it without asking."
}
