// Package steptest has a small in-memory step for testing the engine and the renderers.
package steptest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/hardsail/hardsail/steps"
)

// ErrCrash stands for the process dying between a journal "begin" and its "done": the change's fn
// closes the journal, so no end record can follow its begin, and returns ErrCrash.
var ErrCrash = errors.New("simulated crash after journal begin")

// MapStep keeps "live" values in a map. Its target is Want plus reboot-time from the settings.
// Keys listed in Files are file bodies (rendered as diffs); keys in Secret are sensitive.
type MapStep struct {
	Name   string
	Want   map[string]string
	Files  []string
	Secret []string
	// RebootDefault, when set, is the default of the reboot-time setting the step declares.
	RebootDefault string

	mu   sync.Mutex
	Live map[string]string
	// CrashAfterBegin makes Apply stop right after journaling the change to this key.
	CrashAfterBegin string
	// Forget makes Apply skip this key while reporting success: an inconsistent step.
	Forget string
	// BeforeMutate is called with each key just before the live map changes (to observe the journal).
	BeforeMutate func(key string)
	// Mutations counts changes made to Live.
	Mutations int
}

type mapFacts struct {
	Live map[string]string `json:"live"`
}

type undoData struct {
	Key     string `json:"key"`
	Existed bool   `json:"existed"`
}

// Options declares reboot-time with the default RebootDefault (none when it is empty), so the engine
// fills the default as it does for a real step's settings.
func (m *MapStep) Options() []steps.Option {
	if m.RebootDefault == "" {
		return nil
	}
	return []steps.Option{{Flag: "reboot-time", Arg: "HH:MM", Default: m.RebootDefault,
		Get: func(s steps.Settings) string { return s.RebootTime },
		Set: func(s *steps.Settings, v string) error { s.RebootTime = v; return nil }}}
}

func (m *MapStep) ID() string    { return m.Name }
func (m *MapStep) Title() string { return "Map " + m.Name }

// Get returns a live value.
func (m *MapStep) Get(k string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.Live[k]
	return v, ok
}

// Set changes a live value from outside hardsail (drift).
func (m *MapStep) Set(k, v string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Live[k] = v
}

func (m *MapStep) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return steps.State{Step: m.Name, Facts: mapFacts{Live: maps.Clone(m.Live)}}, nil
}

func (m *MapStep) target(s steps.Settings) map[string]string {
	t := maps.Clone(m.Want)
	if t == nil {
		t = map[string]string{}
	}
	if s.RebootTime != "" {
		t["reboot-time"] = s.RebootTime
	}
	return t
}

func (m *MapStep) Plan(state steps.State, s steps.Settings) (steps.Plan, error) {
	f, err := steps.FactsOf[mapFacts](state)
	if err != nil {
		return steps.Plan{}, err
	}
	live := f.Live
	want := m.target(s)
	var p steps.Plan
	for _, k := range slices.Sorted(maps.Keys(want)) {
		v, ok := live[k]
		c := steps.Change{Address: "map:" + m.Name + "/" + k, After: want[k],
			File: slices.Contains(m.Files, k), Sensitive: slices.Contains(m.Secret, k)}
		switch {
		case !ok:
			c.Action, c.Why = steps.Create, k+" is not set"
		case v != want[k]:
			c.Action, c.Before, c.Why = steps.Update, v, k+" differs from the target"
		default:
			continue
		}
		p.Changes = append(p.Changes, c)
	}
	return p, nil
}

func (m *MapStep) key(c steps.Change) string { return c.Address[len("map:"+m.Name+"/"):] }

func (m *MapStep) Apply(ctx context.Context, env *steps.Env, live steps.State, plan steps.Plan, rec *steps.Recorder) (steps.Report, error) {
	for _, c := range plan.Changes {
		k := m.key(c)
		_, existed := m.Get(k)
		err := rec.Do(ctx, c, undoData{Key: k, Existed: existed}, func(context.Context) error {
			if k == m.CrashAfterBegin {
				_ = rec.Journal().Close() // the process is gone: nothing more reaches the journal
				return ErrCrash
			}
			if k != m.Forget {
				m.mutate(k, m.target(env.Settings)[k], true)
			}
			return nil
		})
		if err != nil {
			return steps.Report{}, err
		}
	}
	return steps.Report{}, nil
}

func (m *MapStep) mutate(k, v string, set bool) {
	if m.BeforeMutate != nil {
		m.BeforeMutate(k)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if set {
		m.Live[k] = v
	} else {
		delete(m.Live, k)
	}
	m.Mutations++
}

func (m *MapStep) Undo(ctx context.Context, env *steps.Env, entries []steps.Entry, rec *steps.Recorder) (steps.Report, error) {
	n := 0
	for _, e := range entries {
		var d undoData
		if err := e.Decode(&d); err != nil {
			return steps.Report{}, err
		}
		live, _ := m.Get(d.Key)
		// An interrupted or unknown change may never have happened: then the prior value is still live.
		if e.State != steps.EntryDone && live == e.Change.Before {
			if err := rec.Reverse(ctx, e, steps.Change{Action: steps.Update, Address: e.Change.Address, Why: "already at the prior value"}, nil, nil); err != nil {
				return steps.Report{}, err
			}
			continue
		}
		if live != e.Change.After && !env.Force && !e.Change.Sensitive {
			return steps.Report{}, fmt.Errorf("%s changed since hardsail wrote it (now %q, hardsail wrote %q, before %q)", e.Change.Address, live, e.Change.After, e.Change.Before)
		}
		rev := steps.Change{Action: steps.Update, Address: e.Change.Address, Before: live, After: e.Change.Before, Why: "undo " + e.ID}
		if !d.Existed {
			rev = steps.Change{Action: steps.Delete, Address: e.Change.Address, Before: live, Why: "undo " + e.ID}
		}
		err := rec.Reverse(ctx, e, rev, nil, func(context.Context) error {
			m.mutate(d.Key, e.Change.Before, d.Existed)
			return nil
		})
		if err != nil {
			return steps.Report{}, err
		}
		n++
	}
	return steps.Report{Detail: fmt.Sprintf("restored %d value(s)", n)}, nil
}
