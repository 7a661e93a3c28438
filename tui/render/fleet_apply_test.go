package render_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/fleet"
	"github.com/hardsail/hardsail/tui/render"
	"github.com/hardsail/hardsail/tui/theme"
)

func TestFleetApplyLinesAndJSON(t *testing.T) {
	in := func(name string) fleet.Instance {
		return fleet.Instance{Region: "eu-west-1", Name: name, State: "running"}
	}
	results := []fleet.Result{
		{Instance: in("a"), Results: []steps.Result{{Step: "sshd", Status: steps.StatusDrift}},
			Outcomes: []steps.Outcome{{Step: "snapshot", Status: steps.StatusChanged}, {Step: "sshd", Status: steps.StatusChanged, Secrets: map[string]string{"password": "s3cret"}}}},
		{Instance: in("b"), Outcomes: []steps.Outcome{{Step: "sshd", Status: steps.StatusFailed, Detail: "sshd -t failed", Fix: "see the log"}}},
		{Instance: in("c"), Err: fleet.ErrStopped},
		{Instance: in("d")},
	}
	var lines []string
	for _, r := range results {
		lines = append(lines, render.FleetApplyLine(theme.Plain(), r))
	}
	want := []string{
		"~ changed eu-west-1      a  changed snapshot, sshd",
		"✗ failed  eu-west-1      b  sshd: sshd -t failed (fix: see the log)",
		"– skipped eu-west-1      c  " + fleet.ErrStopped.Error(),
		"✓ ok      eu-west-1      d  nothing to change",
	}
	if got := strings.Join(lines, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
	if s := render.FleetApplySummary(results); s != "4 instances: 1 changed, 1 ok, 1 failed, 1 skipped." {
		t.Errorf("summary %q", s)
	}
	b := render.NewFleetApplyReport("123456789012", results).JSON()
	if strings.Contains(string(b), "s3cret") {
		t.Errorf("a secret reached --json:\n%s", b)
	}
	var doc struct {
		Command   string
		Instances []struct {
			Instance, Status string
			Changed          []string
			FirstFix         string `json:"first_fix"`
			Outcomes         []struct{ Step, Status string }
		}
		Summary map[string]int
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	a, fail := doc.Instances[0], doc.Instances[1]
	if doc.Command != "apply" || a.Status != "changed" || len(a.Changed) != 2 || a.FirstFix != "" || len(a.Outcomes) != 2 ||
		fail.Status != "failed" || !strings.Contains(fail.FirstFix, "sshd -t failed") {
		t.Errorf("document: %+v", doc)
	}
	if doc.Summary["instances"] != 4 || doc.Summary["changed"] != 1 || doc.Summary["ok"] != 1 || doc.Summary["failed"] != 1 || doc.Summary["skipped"] != 1 {
		t.Errorf("summary %v", doc.Summary)
	}
}
