package steps

// Verdict is what a run of the steps comes to, from best to worst; cmd/ maps it to an exit code.
type Verdict int

const (
	// VerdictOK: every step is ok (verify), nothing would change (plan), every change was made.
	VerdictOK Verdict = iota
	// VerdictDrift: a step drifted or is pending (verify); for a plan, something would change.
	VerdictDrift
	// VerdictFailed: a step failed or could not be checked.
	VerdictFailed
)

// VerdictOf is the verdict of statuses: a failure first, then drift or pending.
func VerdictOf(statuses []Status) Verdict {
	v := VerdictOK
	for _, s := range statuses {
		switch {
		case s.Bad():
			return VerdictFailed
		case s == StatusDrift || s == StatusPending:
			v = VerdictDrift
		}
	}
	return v
}

// CheckVerdict is the verdict of a verify (plan false) or a plan (plan true) of results. A plan
// "has changes" only when something would change: a pending wait alone is no change.
func CheckVerdict(results []Result, plan bool) Verdict {
	statuses := make([]Status, len(results))
	for i, r := range results {
		statuses[i] = r.Status
	}
	v := VerdictOf(statuses)
	if plan && v == VerdictDrift && !HasChanges(results) {
		return VerdictOK
	}
	return v
}
