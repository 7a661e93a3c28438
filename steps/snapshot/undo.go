package snapshot

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/lightsail"
	"github.com/aws/aws-sdk-go-v2/service/lightsail/types"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
)

// Undo disables the add-on hardsail enabled (only when it is still on) and closes the entries of
// the snapshots hardsail took without deleting them: a snapshot is a backup, and Report.Manual
// says how to delete it by hand. Every entry is checked before anything runs: one that names
// anything hardsail could not have made for this instance is refused as tampered.
func (s *Step) Undo(ctx context.Context, env *steps.Env, entries []steps.Entry, rec *steps.Recorder) (steps.Report, error) {
	records, err := steps.DecodeAll(entries, func(e steps.Entry) (record, error) { return decode(env.Instance, e) })
	if err != nil {
		return steps.Report{}, err
	}
	var did, kept []string
	for i, e := range entries {
		var (
			msg  string
			keep bool
			err  error
		)
		if records[i].AddOn != "" {
			msg, err = undoAddOn(ctx, env, rec, e)
		} else {
			msg, keep, err = keepSnapshot(ctx, env, rec, e, records[i].Snapshot)
		}
		if err != nil {
			return steps.Report{Detail: strings.Join(did, "; ")}, err
		}
		if keep {
			kept = append(kept, records[i].Snapshot)
			continue
		}
		did = append(did, msg)
	}
	rep := steps.Report{Detail: strings.Join(did, "; ")}
	if len(kept) > 0 {
		rep.Manual = fmt.Sprintf("hardsail does not delete snapshots, so snapshot %s of %s stays as a way back; "+
			"when you no longer need it, delete it in the Lightsail console (Snapshots tab). %s",
			strings.Join(kept, ", "), env.Instance, costNote())
	}
	return rep, nil
}

// decode reads an entry's record and refuses one this step could not have written for instance.
func decode(instance string, e steps.Entry) (record, error) {
	var d record
	if err := e.Decode(&d); err != nil {
		return d, &steps.TamperedError{Entry: e.ID, Why: err.Error()}
	}
	switch {
	case d.AddOn != "" && d.Snapshot != "":
		return d, &steps.TamperedError{Entry: e.ID, Why: "it names both a snapshot and an add-on"}
	case d.AddOn != "":
		if d.AddOn != autoSnapshot || e.Change.Address != addOnAddress(instance) {
			return d, &steps.TamperedError{Entry: e.ID, Why: fmt.Sprintf("add-on %q at %s is not the one hardsail enables on %s", d.AddOn, e.Change.Address, instance)}
		}
	case d.Snapshot != "":
		if !ownName(instance, d.Snapshot) || e.Change.Address != snapshotAddress(instance, d.Snapshot) {
			return d, &steps.TamperedError{Entry: e.ID, Why: fmt.Sprintf("snapshot %q at %s is not one hardsail takes of %s", d.Snapshot, e.Change.Address, instance)}
		}
	default:
		return d, &steps.TamperedError{Entry: e.ID, Why: "it names neither a snapshot nor an add-on"}
	}
	return d, nil
}

// undoAddOn turns automatic snapshots off if they are on; an entry whose enable never took effect
// (or was undone by hand) is closed with nothing to do.
func undoAddOn(ctx context.Context, env *steps.Env, rec *steps.Recorder, e steps.Entry) (string, error) {
	on, err := addOnOn(ctx, env)
	if err != nil {
		return "", err
	}
	c := steps.Change{Action: steps.Delete, Address: addOnAddress(env.Instance), Before: "enabled (daily)",
		Why: "Undo: hardsail enabled automatic snapshots."}
	if !on {
		c.Why = "Automatic snapshots are already off."
		return "automatic snapshots were already off", rec.Reverse(ctx, e, c, record{AddOn: autoSnapshot}, nil)
	}
	what := "disable automatic snapshots of " + env.Instance
	err = rec.Reverse(ctx, e, c, record{AddOn: autoSnapshot}, func(ctx context.Context) error {
		out, err := env.AWS.Lightsail.DisableAddOn(ctx, &lightsail.DisableAddOnInput{ResourceName: new(env.Instance), AddOnType: types.AddOnTypeAutoSnapshot})
		if err != nil {
			return awsapi.Classify(what, err)
		}
		return env.WaitLightsail(ctx, ID, c.Address, what, out.Operations, 0)
	})
	return "automatic snapshots disabled", err
}

// keepSnapshot closes a snapshot's entry without deleting it. keep is false when the snapshot is
// gone already (deleted by hand, or never made), so there is nothing left to do by hand.
func keepSnapshot(ctx context.Context, env *steps.Env, rec *steps.Recorder, e steps.Entry, name string) (msg string, keep bool, err error) {
	c := steps.Change{Action: steps.Update, Address: snapshotAddress(env.Instance, name), Before: name, After: name,
		Why: "Kept: hardsail does not delete the snapshots it takes; delete it by hand when it is no longer needed."}
	_, err = env.AWS.Lightsail.GetInstanceSnapshot(ctx, &lightsail.GetInstanceSnapshotInput{InstanceSnapshotName: new(name)})
	switch err = awsapi.Classify("read snapshot "+name, err); {
	case err == nil:
		return "kept snapshot " + name, true, rec.Reverse(ctx, e, c, nil, nil)
	case awsapi.IsKind(err, awsapi.KindNotFound):
		c.Action, c.After, c.Why = steps.Delete, "", "The snapshot is gone already."
		msg = "snapshot " + name + " was already deleted"
		if e.State != steps.EntryDone {
			msg = "snapshot " + name + " was never made"
		}
		return msg, false, rec.Reverse(ctx, e, c, nil, nil)
	}
	return "", false, err
}
