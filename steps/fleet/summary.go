package fleet

import (
	"cmp"
	"slices"
	"strings"

	"github.com/hardsail/hardsail/steps"
)

// Counts are one instance's steps by verify's four outcomes; skipped steps count in none.
type Counts struct {
	OK      int `json:"ok"`
	Drift   int `json:"drift"`
	Pending int `json:"pending"`
	Failed  int `json:"failed"` // failed or unknown: could not be shown ok
}

// Counts sorts the instance's results; an instance that could not be checked is one failure.
func (r Result) Counts() Counts {
	var c Counts
	if r.Err != nil {
		c.Failed = 1
		return c
	}
	for _, x := range r.Results {
		switch {
		case x.Status.Bad():
			c.Failed++
		case x.Status == steps.StatusDrift:
			c.Drift++
		case x.Status == steps.StatusPending:
			c.Pending++
		case x.Status == steps.StatusOK:
			c.OK++
		}
	}
	return c
}

// Severity orders instances worst first: 2 failed (or not checked), 1 drift or pending, 0 ok.
func (r Result) Severity() int {
	switch r.Status() {
	case steps.StatusFailed:
		return 2
	case steps.StatusOK:
		return 0
	}
	return 1
}

// FirstFix is the first thing to fix on the instance: why it could not be checked, or the first
// failed step, else the first drifted or pending one, as "step: what (fix)". "" when all is ok.
func (r Result) FirstFix() string {
	if r.Err != nil {
		return joinFix(r.Err.Error(), steps.HintOf(r.Err))
	}
	for _, bad := range []func(steps.Status) bool{steps.Status.Bad, func(s steps.Status) bool {
		return s == steps.StatusDrift || s == steps.StatusPending
	}} {
		for _, x := range r.Results {
			if bad(x.Status) {
				return x.Step + ": " + joinFix(cmp.Or(x.Detail, string(x.Status)), x.Fix)
			}
		}
	}
	return ""
}

func joinFix(what, fix string) string {
	what = strings.TrimSpace(what)
	if fix == "" || strings.Contains(what, fix) {
		return what
	}
	return what + " (fix: " + strings.TrimSpace(fix) + ")"
}

// SortWorstFirst orders results by severity, then by how many steps failed, drifted or are
// pending, then by region and name.
func SortWorstFirst(rs []Result) {
	slices.SortStableFunc(rs, func(a, b Result) int {
		ca, cb := a.Counts(), b.Counts()
		return cmp.Or(
			cmp.Compare(b.Severity(), a.Severity()),
			cmp.Compare(cb.Failed, ca.Failed),
			cmp.Compare(cb.Drift+cb.Pending, ca.Drift+ca.Pending),
			strings.Compare(a.Region, b.Region),
			strings.Compare(a.Name, b.Name))
	})
}

// Status is the instance's worst status in verify's words: failed (or not checked), drift,
// pending, or ok.
func (r Result) Status() steps.Status {
	c := r.Counts()
	switch {
	case c.Failed > 0:
		return steps.StatusFailed
	case c.Drift > 0:
		return steps.StatusDrift
	case c.Pending > 0:
		return steps.StatusPending
	}
	return steps.StatusOK
}
