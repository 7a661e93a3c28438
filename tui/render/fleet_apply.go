package render

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/fleet"
	"github.com/hardsail/hardsail/tui/theme"
)

// NewFleetApplyReport is the --json document of `apply --all`: a fleet report whose instances'
// status is what the apply did (changed, ok: nothing to change, failed, skipped: stopped before it),
// each with its outcomes and the steps it changed, and first_fix why it failed or was skipped; the
// summary counts instances by that status.
func NewFleetApplyReport(account string, results []fleet.Result) FleetReport {
	r := NewFleetReport("apply", account, results)
	r.Summary = map[string]int{"instances": len(results)}
	for i, res := range results {
		in := &r.Instances[i]
		in.Status, in.Changed, in.FirstFix = res.Applied(), res.Changed(), ""
		if in.Status == steps.StatusFailed || in.Status == steps.StatusSkipped {
			in.FirstFix = ApplyWhat(res)
		}
		if len(res.Outcomes) > 0 {
			in.AddOutcomes(res.Outcomes)
		}
		r.Summary[string(in.Status)]++
	}
	return r
}

// ApplyWhat says what an apply did on one instance: the steps changed, nothing to change, or why
// it failed or was not applied (with the fix).
func ApplyWhat(r fleet.Result) string {
	if r.Err != nil {
		return r.FirstFix()
	}
	for _, o := range r.Outcomes {
		if o.Status.Bad() {
			return o.Step + ": " + strings.TrimSpace(cmp.Or(o.Detail, string(o.Status))) + fixSuffix(o.Fix)
		}
	}
	if ids := r.Changed(); len(ids) > 0 {
		return "changed " + strings.Join(ids, ", ")
	}
	return "nothing to change"
}

func fixSuffix(fix string) string {
	if fix == "" {
		return ""
	}
	return " (fix: " + strings.TrimSpace(fix) + ")"
}

// FleetApplyLine is one instance's line of `apply --all`, printed as it finishes.
func FleetApplyLine(t theme.Theme, r fleet.Result) string {
	s := r.Applied()
	st := StatusStyle(t, s)
	return fmt.Sprintf("%s %s %-14s %s  %s", st(s.Symbol()), st(fmt.Sprintf("%-7s", s)), r.Region, r.Name, under(ApplyWhat(r)))
}

// FleetApplySummary is apply --all's last line: "5 instances: 3 changed, 1 ok, 1 failed, 0 skipped.".
func FleetApplySummary(results []fleet.Result) string {
	n, head := countInstances(results, func(r fleet.Result) steps.Status { return r.Applied() })
	return fmt.Sprintf("%s: %d changed, %d ok, %d failed, %d skipped.", head,
		n[steps.StatusChanged], n[steps.StatusOK], n[steps.StatusFailed], n[steps.StatusSkipped])
}
