// Package patches is the disk-patches audit: whether the filesystems holding the system, the
// site and its logs are filling up (and which logs are the biggest), whether the instance waits for
// a reboot to run the updates it installed, and whether security updates wait to be installed. It
// reads everything in one remote command (run with sudo, read-only) and reports findings only:
// freeing space, rebooting and upgrading are the user's call, or other steps' work.
package patches

import (
	"context"
	"fmt"
	"time"

	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/blueprint"
)

// ID is the step's stable name.
const ID = "disk-patches"

// Stable ids of the findings.
const (
	FindingDiskFull        = ID + ".disk_full"
	FindingRebootRequired  = ID + ".reboot_required"
	FindingSecurityUpdates = ID + ".security_updates"
	FindingListsStale      = ID + ".package_lists_stale"
	FindingAptUnreadable   = ID + ".apt_unreadable"
	FindingStackOutsideApt = ID + ".stack_outside_apt"
)

// Thresholds.
const (
	// FullPercent is the use (df's Capacity) at which a filesystem is reported.
	FullPercent = 80
	// StaleLists is the age past which apt's package lists are too old to trust for the count of
	// security updates (unattended-upgrades refreshes them daily where it runs).
	StaleLists = 7 * 24 * time.Hour
)

// Step is the step.
type Step struct{ steps.Identity }

// New returns the step.
func New() *Step { return &Step{steps.Named(ID, "Disk space, pending reboot and security updates")} }

var _ steps.HostQuery = (*Step)(nil)

// HostQuery is what tells the WordPress layouts apart (for what apt patches there) and the audit's
// read-only script, read in the engine's one gathering.
func (*Step) HostQuery() sshhost.Query {
	q := blueprint.Query()
	q.Scripts = append(q.Scripts, Script())
	return q
}

// Check reads the layout, and disks, logs, the reboot flag and apt's simulated upgrade (one
// read-only script, run with sudo), from the shared gathering. It changes nothing.
func (s *Step) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	st := steps.State{Step: ID}
	hf, err := env.HostFacts(ctx, s.HostQuery())
	if err != nil {
		return st, err
	}
	res, err := hf.Script(Script())
	if err != nil {
		return st, fmt.Errorf("read disk use, the reboot flag and pending updates on %s: %w", env.Instance, err)
	}
	f, err := Parse(res.Stdout)
	if err != nil {
		return st, fmt.Errorf("read disk use, the reboot flag and pending updates on %s: %w", env.Instance, err)
	}
	if l, ok := blueprint.Detect(hf).Layout(); ok {
		f.Layout = l.Flavour
	}
	st.Facts, st.Findings = f, findings(f)
	return st, nil
}

// Plan is always empty: the audit changes nothing.
func (*Step) Plan(steps.State, steps.Settings) (steps.Plan, error) { return steps.Plan{Step: ID}, nil }

// Apply has nothing to do: the plan is always empty.
func (*Step) Apply(context.Context, *steps.Env, steps.State, steps.Plan, *steps.Recorder) (steps.Report, error) {
	return steps.Report{Detail: "nothing to change"}, nil
}

// Undo has nothing to reverse: the step journals no change.
func (*Step) Undo(context.Context, *steps.Env, []steps.Entry, *steps.Recorder) (steps.Report, error) {
	return steps.Report{Detail: "nothing to undo"}, nil
}

// Why says why the step matters (the wizard shows it before the step).
func (*Step) Why() string {
	return "A full disk stops WordPress, the database and the logs at once, usually because logs grew unnoticed. " +
		"Security updates protect nothing until they are installed, and a new kernel or system library only after a reboot. " +
		"This check reports each, with the one thing to do about it."
}
