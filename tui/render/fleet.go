package render

import (
	"fmt"
	"strings"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/fleet"
	"github.com/hardsail/hardsail/tui/theme"
)

// FleetReport is the --json document of `verify --all` and `plan --all`: one entry per instance,
// each with a single verify's per-step schema.
type FleetReport struct {
	SchemaVersion int             `json:"schema_version"`
	Command       string          `json:"command"`
	Demo          bool            `json:"demo"`
	Account       string          `json:"account,omitempty"`
	Instances     []FleetInstance `json:"instances"`
	// Summary counts instances by their worst status (ok, drift, pending, failed; every one,
	// zero included) and in all.
	Summary map[string]int `json:"summary"`
}

// FleetInstance is one instance of a fleet report: a single verify's report (region, instance,
// steps, summary) plus what the fleet knows of it.
type FleetInstance struct {
	Report
	Flavour string       `json:"flavour,omitempty"`
	State   string       `json:"state,omitempty"`
	Status  steps.Status `json:"status"`
	Counts  fleet.Counts `json:"counts"`
	// Error is why the instance could not be checked at all; Hint its fix.
	Error string `json:"error,omitempty"`
	Hint  string `json:"hint,omitempty"`
	// FirstFix is the first thing to fix, as the text output's line says it (apply --all: why the
	// apply failed or was skipped).
	FirstFix string `json:"first_fix,omitempty"`
	// Changed are the steps apply --all changed on the instance.
	Changed []string `json:"changed,omitempty"`
}

// NewFleetReport builds the report of results, in their order.
func NewFleetReport(command, account string, results []fleet.Result) FleetReport {
	r := FleetReport{SchemaVersion: SchemaVersion, Command: command, Account: account,
		Instances: []FleetInstance{}, Summary: zeroCounts("ok", "drift", "pending", "failed")}
	r.Summary["instances"] = len(results)
	for _, res := range results {
		in := FleetInstance{Report: NewReport(command, res.Results), Flavour: res.Flavour, State: res.State,
			Status: res.Status(), Counts: res.Counts(), FirstFix: res.FirstFix()}
		in.Account, in.Region, in.Instance = account, res.Region, res.Name
		if res.Err != nil {
			in.Error, in.Hint = res.Err.Error(), steps.HintOf(res.Err)
		}
		r.Instances = append(r.Instances, in)
		r.Summary[string(in.Status)]++
	}
	return r
}

// JSON encodes the report, indented, with a trailing newline.
// Every instance is of the document's account, so each says the document's demo.
func (r FleetReport) JSON() []byte {
	r.Instances = append([]FleetInstance(nil), r.Instances...)
	for i := range r.Instances {
		r.Instances[i].Demo = r.Demo
	}
	return encode(r)
}

// Fleet is one line per instance (status, region, name, flavour, counts, the first thing to fix),
// in the order given (sort them worst first), then the summary line.
func Fleet(t theme.Theme, results []fleet.Result) string {
	cols := NewFleetColumns(results)
	var b strings.Builder
	for _, r := range results {
		b.WriteString(FleetLine(t, r, cols))
		if fix := FleetFix(t, r); fix != "" {
			b.WriteString("  " + fix)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n" + FleetSummary(results) + "\n")
	return b.String()
}

// FleetColumns are the widths of the region, instance and flavour columns of a fleet's lines.
type FleetColumns struct{ Region, Name, Flavour int }

// NewFleetColumns fits the columns to results (and their headings' words).
func NewFleetColumns(results []fleet.Result) FleetColumns {
	c := FleetColumns{len("region"), len("instance"), len("flavour")}
	for _, r := range results {
		c = FleetColumns{max(c.Region, len(r.Region)), max(c.Name, len(r.Name)), max(c.Flavour, len(flavourWord(r)))}
	}
	return c
}

// FleetLine is one instance's line without the first thing to fix: status, region, name,
// flavour, counts.
func FleetLine(t theme.Theme, r fleet.Result, cols FleetColumns) string {
	s := r.Status()
	c := r.Counts()
	return fmt.Sprintf("%s %s %-*s %-*s %-*s %s", StatusStyle(t, s)(s.Symbol()), StatusStyle(t, s)(fmt.Sprintf("%-7s", s)),
		cols.Region, r.Region, cols.Name, r.Name, cols.Flavour, flavourWord(r),
		fmt.Sprintf("%2d ok %2d drift %2d pending %2d failed", c.OK, c.Drift, c.Pending, c.Failed))
}

// FleetFix is the first thing to fix on the instance as "→ what (fix: …)", "" when all is ok.
func FleetFix(t theme.Theme, r fleet.Result) string {
	if fix := r.FirstFix(); fix != "" {
		return t.Hint.Render("→ " + under(fix))
	}
	return ""
}

func flavourWord(r fleet.Result) string {
	if r.Flavour == "" {
		return "unknown"
	}
	return r.Flavour
}

// FleetSummary is the last line: "12 instances: 9 ok, 1 drift, 0 pending, 2 failed.".
func FleetSummary(results []fleet.Result) string {
	n, head := countInstances(results, func(r fleet.Result) steps.Status { return r.Status() })
	return fmt.Sprintf("%s: %d ok, %d drift, %d pending, %d failed.", head,
		n[steps.StatusOK], n[steps.StatusDrift], n[steps.StatusPending], n[steps.StatusFailed])
}

// countInstances counts the instances by status, and says how many there are ("1 instance").
func countInstances(results []fleet.Result, status func(fleet.Result) steps.Status) (map[steps.Status]int, string) {
	n := map[steps.Status]int{}
	for _, r := range results {
		n[status(r)]++
	}
	if len(results) == 1 {
		return n, "1 instance"
	}
	return n, fmt.Sprintf("%d instances", len(results))
}

// FleetProgress is the progress line on a terminal: "checking 12/100: eu-west-1/shop-3, …".
func FleetProgress(p fleet.Progress) string {
	now := strings.Join(p.Running, ", ")
	if len(now) > 60 {
		now = now[:57] + "..."
	}
	return fmt.Sprintf("checking %d/%d instances  %s", p.Done, p.Total, now)
}
