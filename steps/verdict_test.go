package steps_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/steptest"
)

func TestCheckVerdictPlanCountsOnlyChanges(t *testing.T) {
	change := steps.Plan{Changes: []steps.Change{{Action: steps.Update, Address: "host:/etc/x"}}}
	for _, tc := range []struct {
		name         string
		results      []steps.Result
		verify, plan steps.Verdict
	}{
		{"all ok", []steps.Result{{Status: steps.StatusOK}, {Status: steps.StatusSkipped}}, steps.VerdictOK, steps.VerdictOK},
		{"drift with changes", []steps.Result{{Status: steps.StatusOK}, {Status: steps.StatusDrift, Plan: change}}, steps.VerdictDrift, steps.VerdictDrift},
		{"pending alone", []steps.Result{{Status: steps.StatusPending}}, steps.VerdictDrift, steps.VerdictOK},
		{"failed beats drift", []steps.Result{{Status: steps.StatusDrift, Plan: change}, {Status: steps.StatusUnknown}}, steps.VerdictFailed, steps.VerdictFailed},
		{"none", nil, steps.VerdictOK, steps.VerdictOK},
	} {
		if got := steps.CheckVerdict(tc.results, false); got != tc.verify {
			t.Errorf("%s: verify verdict %d, want %d", tc.name, got, tc.verify)
		}
		if got := steps.CheckVerdict(tc.results, true); got != tc.plan {
			t.Errorf("%s: plan verdict %d, want %d", tc.name, got, tc.plan)
		}
	}
	if got := steps.VerdictOf([]steps.Status{steps.StatusChanged, steps.StatusFailed, steps.StatusOK}); got != steps.VerdictFailed {
		t.Errorf("outcomes with a failure: verdict %d, want failed", got)
	}
}

// ReadJournals reads every journal of the state dir, filtered by instance, and one unreadable
// file (here a symlink, which the journal never follows) does not hide the others.
func TestReadJournalsFiltersAndKeepsGoingPastABadFile(t *testing.T) {
	dir := t.TempDir()
	k := steps.Key{Account: "123456789012", Region: "us-east-1", Instance: "WordPress-1"}
	p := steps.PathsFor(dir, k)
	j, err := steps.OpenJournal(p)
	if err != nil {
		t.Fatal(err)
	}
	rec := steps.NewRecorder(j, &steps.Env{}, "demo")
	if err := rec.Do(context.Background(), steps.Change{Action: steps.Create, Address: "host:/etc/motd"}, nil,
		func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	j.Close()
	other := steps.PathsFor(dir, steps.Key{Account: "123456789012", Region: "eu-west-2", Instance: "Other"}).Journal
	if err := os.Symlink(filepath.Join(dir, "elsewhere"), other); err != nil {
		t.Fatal(err)
	}
	all, err := steps.ReadJournals(dir, "", "")
	if err != nil || len(all) != 2 {
		t.Fatalf("ReadJournals: %d journals, %v; want 2", len(all), err)
	}
	var good, bad int
	for _, r := range all {
		switch {
		case r.Err != nil && r.Path == other:
			bad++
		case r.Err == nil && r.Path == p.Journal && len(r.Entries) == 1 && r.Name == "123456789012 / us-east-1 / WordPress-1":
			good++
		}
	}
	if good != 1 || bad != 1 {
		t.Errorf("got %+v; want WordPress-1's one entry and Other's read error", all)
	}
	one, err := steps.ReadJournals(dir, "WordPress-1", "us-east-1")
	if err != nil || len(one) != 1 || one[0].Path != p.Journal {
		t.Errorf("filtered to WordPress-1: %+v, %v", one, err)
	}
}

// preparing is a step that is also the apply's Preparer.
type preparing struct{ *steptest.MapStep }

func (preparing) Prepare(context.Context, *steps.Env, *steps.Recorder) (steps.Report, error) {
	return steps.Report{}, nil
}

func TestPreparerOfFindsTheStepThatPrepares(t *testing.T) {
	plain := &steptest.MapStep{Name: "plain"}
	p := preparing{&steptest.MapStep{Name: "snap"}}
	if got := steps.PreparerOf([]steps.Step{plain, p}); got == nil || got.ID() != "snap" {
		t.Errorf("PreparerOf: %v, want the snap step", got)
	}
	if got := steps.PreparerOf([]steps.Step{plain}); got != nil {
		t.Errorf("PreparerOf without one: %v, want nil", got)
	}
}
