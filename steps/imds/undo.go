package imds

import (
	"context"
	"fmt"

	"github.com/hardsail/hardsail/steps"
)

// Undo puts back the metadata options from before each journaled change, newest first. An entry
// whose options are already those from before closes with nothing to do (also an unknown or
// interrupted one that never took effect). It refuses when the options are neither what hardsail
// wrote nor what was there before, unless env.Force, and refuses to act at all on journal data
// that is not a change hardsail could have made (*steps.TamperedError).
func (s *Step) Undo(ctx context.Context, env *steps.Env, entries []steps.Entry, rec *steps.Recorder) (steps.Report, error) {
	decodeOne := func(e steps.Entry) (record, error) { return decode(e, env.Instance) }
	return steps.UndoEach(entries, decodeOne, func(e steps.Entry, d record) (string, error) {
		live, _, err := read(ctx, env)
		if err == nil && live == nil {
			err = fmt.Errorf("%s: Lightsail reports no instance metadata options for %s, so there is nothing to put back", ID, env.Instance)
		}
		if err != nil {
			return "", err
		}
		c := steps.Change{Action: steps.Update, Address: address(env.Instance), Before: describe(live.Tokens), After: describe(d.Prior.Tokens)}
		var what string
		switch {
		case *live == d.Prior:
			c.Why, what = "The metadata options are already as they were before hardsail changed them.", "already as before"
			err = rec.Reverse(ctx, e, c, nil, nil)
		case *live == d.Put || env.Force:
			c.Why, what = "Undo: put back the metadata options from before hardsail changed them.", "httpTokens "+d.Prior.Tokens+" put back"
			from := *live
			err = rec.Reverse(ctx, e, c, d, func(ctx context.Context) error { return update(ctx, env, from, d.Prior) })
		default:
			err = &ChangedError{Instance: env.Instance, Prior: d.Prior, Put: d.Put, Live: *live}
		}
		return what, err
	})
}

// decode reads an entry's data and refuses anything hardsail could not have written: another
// instance's options, a value Lightsail does not take, or a write other than tokens optional →
// required with everything else kept.
func decode(e steps.Entry, instance string) (record, error) {
	var d record
	if e.Change.Address != address(instance) {
		return d, &steps.TamperedError{Entry: e.ID, Why: fmt.Sprintf("it changes %s, not the metadata options of %s", e.Change.Address, instance)}
	}
	if err := e.Decode(&d); err != nil {
		return d, &steps.TamperedError{Entry: e.ID, Why: "its data is not metadata options: " + err.Error()}
	}
	for _, o := range []struct {
		name string
		opts Options
	}{{"before", d.Prior}, {"written", d.Put}} {
		if why := invalid(o.opts); why != "" {
			return d, &steps.TamperedError{Entry: e.ID, Why: fmt.Sprintf("the options it records as %s are not ones Lightsail has: %s", o.name, why)}
		}
	}
	want := d.Prior
	want.Tokens = TokensRequired
	if d.Prior.Tokens != TokensOptional || d.Put != want {
		return d, &steps.TamperedError{Entry: e.ID, Why: fmt.Sprintf("hardsail only changes httpTokens from %s to %s, and it records %+v → %+v", TokensOptional, TokensRequired, d.Prior, d.Put)}
	}
	return d, nil
}

// ChangedError refuses an undo over metadata options someone changed after hardsail set them.
type ChangedError struct {
	Instance         string
	Prior, Put, Live Options
}

func (e *ChangedError) Error() string {
	show := func(o Options) string {
		return fmt.Sprintf("httpTokens %s, httpEndpoint %s, hop limit %d", o.Tokens, o.Endpoint, o.HopLimit)
	}
	return fmt.Sprintf("the metadata options of %s changed since hardsail set them; nothing was undone (before hardsail: %s; hardsail set: %s; now: %s)",
		e.Instance, show(e.Prior), show(e.Put), show(e.Live))
}

// HintText names the fix.
func (e *ChangedError) HintText() string {
	return "Review the options above; `hardsail undo " + ID + " --force` puts back the options from before hardsail anyway."
}
