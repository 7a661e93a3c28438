package render

import (
	"fmt"
	"strings"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/tui/theme"
)

// FindingJSON is one finding of the audit (verify --only-findings --json), with the step it is under.
type FindingJSON struct {
	Step string `json:"step"`
	steps.Finding
}

// Warned reports whether any result carries a warning finding: what verify --strict counts as drift.
func Warned(results []steps.Result) bool {
	for _, r := range results {
		for _, f := range r.Findings {
			if f.Severity == "warning" {
				return true
			}
		}
	}
	return false
}

// Audit renders the findings alone (verify --only-findings): each step that has some, its findings
// with severity and fix, the steps that could not be checked (their findings are unknown), and a
// count line.
func Audit(t theme.Theme, results []steps.Result) string {
	var b strings.Builder
	n := map[string]int{}
	for _, r := range results {
		if len(r.Findings) > 0 {
			fmt.Fprintf(&b, "%s\n", t.Title.Render("# "+r.Step+": "+r.Title))
			writeFindings(&b, t, r.Findings, "  ")
			b.WriteString("\n")
		}
		for _, f := range r.Findings {
			n[f.Severity]++
		}
	}
	bad := false
	for _, r := range results {
		if r.Status.Bad() {
			b.WriteString(StatusLine(t, r.Status, r.Step, "could not check: "+r.Detail, r.Fix) + "\n")
			bad = true
		}
	}
	if bad {
		b.WriteString("\n")
	}
	total := n["warning"] + n["info"]
	noun := "findings"
	if total == 1 {
		noun = "finding"
	}
	line := fmt.Sprintf("%d %s: %d warning, %d info.", total, noun, n["warning"], n["info"])
	if total == 0 {
		line = "No findings."
	}
	b.WriteString(t.Bold.Render(line) + "\n")
	return b.String()
}

// NewAuditReport is the --json document of verify --only-findings: the findings with their step
// and id, the steps that could not be checked, and the count of findings by severity.
func NewAuditReport(results []steps.Result) Report {
	r := Report{SchemaVersion: SchemaVersion, Command: "verify", Summary: map[string]int{"warning": 0, "info": 0}}
	all := []FindingJSON{}
	for _, res := range results {
		for _, f := range res.Findings {
			all = append(all, FindingJSON{Step: res.Step, Finding: f})
			r.Summary[f.Severity]++
		}
		if res.Status.Bad() {
			r.Unchecked = append(r.Unchecked, OutcomeJSON{Step: res.Step, Status: res.Status, Detail: res.Detail})
		}
	}
	r.Findings = &all
	return r
}
