package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/fleet"
	"github.com/hardsail/hardsail/tui/iostreams"
	"github.com/hardsail/hardsail/tui/theme"
)

// fleetResults are three instances as steps/fleet checks them, in discovery order: one ok, one
// with a step to do, one that could not be checked.
func fleetResults() []fleet.Result {
	ok := []steps.Result{{Step: "firewall", Status: steps.StatusOK}, {Step: "auto-upgrades", Status: steps.StatusOK}}
	return []fleet.Result{
		{Instance: fleet.Instance{Region: "us-east-1", Name: "WordPress-1", Flavour: "bitnami", State: "running"}, Results: ok},
		{Instance: fleet.Instance{Region: "us-east-1", Name: "shop", Flavour: "lightsail", State: "running"},
			Results: []steps.Result{{Step: "firewall", Status: steps.StatusDrift, Detail: "22-tcp open to 0.0.0.0/0", Fix: "hardsail apply firewall"},
				{Step: "auto-upgrades", Status: steps.StatusOK}}},
		{Instance: fleet.Instance{Region: "us-east-1", Name: "blog", Flavour: "bitnami", State: "stopped"},
			Err: &fleet.NotRunningError{Instance: fleet.Instance{Region: "us-east-1", Name: "blog", State: "stopped"}}},
	}
}

// fleetOptions are the wizard's options for a region of three instances: Fleet checks them (and
// counts its calls), Open opens WordPress-1's engine (the fixture's) and refuses the others.
func fleetOptions(f *fixture, checks *atomic.Int32) Options {
	return fleetOptionsCounting(f, checks, new(atomic.Int32))
}

// fleetOptionsCounting is fleetOptions counting the instances opened too.
func fleetOptionsCounting(f *fixture, checks, opens *atomic.Int32) Options {
	io, _, _ := iostreams.Test("")
	o := f.options(io)
	o.Instance, o.Engine = "", nil
	o.Instances = []string{"WordPress-1", "shop", "blog"}
	o.Fleet = func(ctx context.Context, progress func(fleet.Progress)) ([]fleet.Result, error) {
		checks.Add(1)
		progress(fleet.Progress{Done: 1, Total: 3, Running: []string{"us-east-1/shop"}})
		rs := fleetResults()
		fleet.SortWorstFirst(rs)
		return rs, nil
	}
	o.Open = func(ctx context.Context, instance string) (*steps.Engine, error) {
		opens.Add(1)
		if instance != "WordPress-1" {
			return nil, errors.New(instance + " cannot be opened here")
		}
		return f.engine, nil
	}
	return o
}

// TestFleetGolden: the list the wizard opens on with several instances, checked, and while its
// first check runs.
func TestFleetGolden(t *testing.T) {
	for _, sz := range sizes {
		for _, scene := range []string{"fleet", "fleet-checking"} {
			t.Run(scene+"-"+fmtInt(sz.w)+"x"+fmtInt(sz.h), func(t *testing.T) {
				var checks atomic.Int32
				m := newModel(fleetOptions(newFixture(t), &checks), newRunner(context.Background()), theme.Plain())
				m.Update(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
				m.fleet.startCheck()
				m.fleet.progress = fleet.Progress{Done: 1, Total: 3, Running: []string{"us-east-1/shop", "us-east-1/blog"}}
				if scene == "fleet" {
					rs := fleetResults()
					fleet.SortWorstFirst(rs)
					settle(t, m, fleetCheckedMsg{results: rs})
				}
				out := ansi.Strip(m.render())
				checkFrame(t, out, sz.w, sz.h)
				golden.RequireEqual(t, out+"\n")
			})
		}
	}
}

// TestJourneyFleetList: with several instances the wizard opens on their list, checked, worst
// first with what each needs; r checks them all again; enter opens the chosen one's dashboard,
// esc goes back to the list; an instance that cannot be opened says why and the list stays.
func TestJourneyFleetList(t *testing.T) {
	f := newFixture(t)
	var checks, opens atomic.Int32
	j := startJourneyWith(t, fleetOptionsCounting(f, &checks, &opens), 120, 36)

	j.see("3 Lightsail instances in us-east-1: which one?", "3 instances: 1 ok, 1 drift, 0 pending, 1 failed.",
		"→ blog is stopped, not running", "→ firewall: 22-tcp open to 0.0.0.0/0 (fix: hardsail apply firewall)")
	frame := j.frame.Load().(string)
	blog, shop, wp := strings.Index(frame, "failed  us-east-1 blog"), strings.Index(frame, "drift   us-east-1 shop"), strings.Index(frame, "ok      us-east-1 WordPress-1")
	if blog < 0 || shop < 0 || wp < 0 || blog > shop || shop > wp {
		t.Fatalf("the list is not one line per instance, worst first:\n%s", frame)
	}

	j.key("r")
	j.waitFor(func(string) bool { return checks.Load() == 2 }, []string{"r checked every instance again"})
	j.see("3 instances: 1 ok")

	j.key("enter") // the cursor is on the worst: blog, which cannot be opened
	j.see("✗ blog cannot be opened here", "which one?")

	j.key("j")
	j.key("j")
	j.key("enter")
	j.see("WordPress-1 in us-east-1", "! to do    firewall", "2 steps: 1 ok, 1 to do, 0 failed.", "esc all instances")

	j.key("esc")
	j.see("which one?", "→ blog is stopped")
	if strings.Contains(j.frame.Load().(string), "to do    firewall") {
		t.Error("esc on the dashboard did not go back to the list of instances")
	}
	j.key("enter") // the cursor stayed on WordPress-1: opened again, not reopened
	j.see("WordPress-1 in us-east-1", "2 steps: 1 ok, 1 to do, 0 failed.")
	j.quit()
	if n := opens.Load(); n != 2 {
		t.Errorf("Open was called %d times, want 2 (blog, then WordPress-1 once)", n)
	}
	if n := checks.Load(); n != 2 {
		t.Errorf("the instances were checked %d times, want 2 (on start, on r)", n)
	}
}

// TestFleetListWithoutCheck: without Options.Fleet the list names the instances, unchecked, and
// r does nothing.
func TestFleetListWithoutCheck(t *testing.T) {
	var checks atomic.Int32
	o := fleetOptions(newFixture(t), &checks)
	o.Fleet = nil
	m := newModel(o, newRunner(context.Background()), theme.Plain())
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.Update(tea.KeyPressMsg{Code: 'r', Text: "r"})
	out := ansi.Strip(m.render())
	if m.fleet.checking || !strings.Contains(out, "shop not checked yet") {
		t.Errorf("the list without a check:\n%s", out)
	}
}

// TestFleetListScrolls: a list longer than the screen follows the cursor, and the frame still
// fits the terminal.
func TestFleetListScrolls(t *testing.T) {
	var checks atomic.Int32
	o := fleetOptions(newFixture(t), &checks)
	var rs []fleet.Result
	for i := range 30 {
		rs = append(rs, fleet.Result{Instance: fleet.Instance{Region: "eu-west-1", Name: fmt.Sprintf("wp-%03d", i+1), Flavour: "bitnami", State: "running"},
			Results: []steps.Result{{Step: "firewall", Status: steps.StatusDrift, Detail: "22-tcp open to 0.0.0.0/0"}}})
	}
	m := newModel(o, newRunner(context.Background()), theme.Plain())
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.fleet.done(fleetCheckedMsg{results: rs})
	for range 29 {
		m.Update(tea.KeyPressMsg{Code: 'j', Text: "j"})
	}
	out := ansi.Strip(m.render())
	checkFrame(t, out, 80, 24)
	if !strings.Contains(out, "› ! drift   eu-west-1 wp-030") || strings.Contains(out, "wp-001") {
		t.Errorf("the list did not scroll to the cursor on the last instance:\n%s", out)
	}
	for range 29 {
		m.Update(tea.KeyPressMsg{Code: 'k', Text: "k"})
	}
	if out := ansi.Strip(m.render()); !strings.Contains(out, "› ! drift   eu-west-1 wp-001") {
		t.Errorf("the list did not scroll back to the first instance:\n%s", out)
	}
}
