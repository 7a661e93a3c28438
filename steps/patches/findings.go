package patches

import (
	"fmt"
	"strings"
	"time"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/blueprint"
	"github.com/hardsail/hardsail/steps/logcleanup"
	"github.com/hardsail/hardsail/steps/upgrades"
)

// shownLogs is how many of the biggest logs a disk finding names.
const shownLogs = 3

// findings are the audit's findings, in the order disk, reboot, apt, made printable: paths,
// package names and apt's words come from the host.
func findings(f Facts) []steps.Finding {
	out := rawFindings(f)
	for i := range out {
		out[i].Message = steps.Printable(out[i].Message)
	}
	return out
}

func rawFindings(f Facts) []steps.Finding {
	var out []steps.Finding
	for _, d := range f.Disks {
		if d.Percent >= FullPercent {
			out = append(out, diskFinding(f, d))
		}
	}
	if !f.Reboot.IsZero() {
		out = append(out, rebootFinding(f))
	}
	return append(out, aptFindings(f)...)
}

// diskFinding is a filesystem at FullPercent or more, with the biggest logs on it.
func diskFinding(f Facts, d Disk) steps.Finding {
	what := "The root filesystem (/)"
	if d.Mount != "/" {
		what = "The filesystem mounted at " + d.Mount + " (holding " + strings.Join(d.Paths, ", ") + ")"
	}
	msg := fmt.Sprintf("%s is %d%% full: %s free of %s.", what, d.Percent, size(d.AvailKB), size(d.SizeKB))
	var logs []string
	for _, l := range f.Logs {
		if len(logs) < shownLogs && f.mountOf(l.Path) == d.Mount {
			logs = append(logs, fmt.Sprintf("%s (%s)", l.Path, size(l.KB)))
		}
	}
	if len(logs) > 0 {
		msg += " Biggest logs on it: " + strings.Join(logs, ", ") + "."
	}
	return steps.Finding{ID: FindingDiskFull, Severity: "warning", Message: msg,
		Fix: "Free space before it runs out: let hardsail delete old rotated logs every week (`hardsail apply " + logcleanup.ID +
			"`), or move to a bigger Lightsail plan (Lightsail console → Snapshots: create a new instance from a snapshot, on a larger plan)."}
}

// mountOf is the mount point, among the checked filesystems, that holds p (the longest that does).
func (f Facts) mountOf(p string) string {
	best := ""
	for _, d := range f.Disks {
		if under(p, d.Mount) && len(d.Mount) > len(best) {
			best = d.Mount
		}
	}
	return best
}

// rebootFinding is a pending reboot, how long it has waited and for which packages.
func rebootFinding(f Facts) steps.Finding {
	msg := "The instance waits for a reboot since " + age(f.HostTime.Sub(f.Reboot)) + " (" + RebootFlag + " is from " +
		f.Reboot.Format("2 Jan 2006 15:04 MST") + "): the updates installed since run only after it."
	if len(f.Packages) > 0 {
		msg += " Packages that asked for it: " + list(f.Packages, len(f.Packages)) + "."
	}
	return steps.Finding{ID: FindingRebootRequired, Severity: "warning", Message: msg,
		Fix: "Reboot at a quiet time (the site is down for about a minute): Lightsail console → the instance → Reboot, or `sudo reboot`. " +
			"Automatic security updates (`hardsail apply " + upgrades.ID + "`) can reboot on their own at a set time."}
}

// aptFindings are what apt says of pending security updates, and how far to trust it.
func aptFindings(f Facts) []steps.Finding {
	var out []steps.Finding
	refresh := "Run `sudo apt-get update` on the instance; automatic security updates (`hardsail apply " + upgrades.ID + "`) refresh the lists daily."
	switch {
	case f.NoApt:
		return []steps.Finding{{ID: FindingAptUnreadable, Severity: "info",
			Message: "apt-get is not on this host: hardsail cannot tell which security updates are pending."}}
	case f.Lists == 0:
		out = append(out, steps.Finding{ID: FindingListsStale, Severity: "warning",
			Message: "apt has no package lists (" + ListsDir + " holds none): hardsail cannot tell which security updates are pending.", Fix: refresh})
	case f.ListsUpdated.IsZero() || f.HostTime.Sub(f.ListsUpdated) > StaleLists:
		out = append(out, steps.Finding{ID: FindingListsStale, Severity: "warning",
			Message: "apt's package lists were last refreshed " + listsAge(f) + ": security updates published since are not counted.", Fix: refresh})
	}
	if len(f.AptErrors) > 0 {
		out = append(out, steps.Finding{ID: FindingAptUnreadable, Severity: "warning",
			Message: "apt could not work out the pending updates: " + strings.Join(f.AptErrors, "; "),
			Fix:     "Run `sudo apt-get -s dist-upgrade` on the instance to see apt's whole message and fix what it names."})
	} else if f.Security > 0 {
		out = append(out, steps.Finding{ID: FindingSecurityUpdates, Severity: "warning",
			Message: fmt.Sprintf("%d security update%s waiting to be installed: %s (apt's package lists were refreshed %s).",
				f.Security, plural(f.Security, " is", "s are"), list(f.SecurityNames, f.Security), listsAge(f)),
			Fix: "Install them: `sudo apt update && sudo apt upgrade` on the instance; turn on automatic security updates (`hardsail apply " +
				upgrades.ID + "`) so they install themselves daily."})
	}
	if l, ok := blueprint.Of(f.Layout); ok && !l.AptPatchesStack {
		out = append(out, steps.Finding{ID: FindingStackOutsideApt, Severity: "info",
			Message: "apt's count covers the operating system only: Apache, PHP and the database under " + l.Marker + " come with " + l.Name +
				", outside apt, so hardsail cannot tell whether they are patched (the " + upgrades.ID + " step says what to do about it)."})
	}
	return out
}

// listsAge is when apt's lists were refreshed, as "3 days ago, on 1 Dec 2026".
func listsAge(f Facts) string {
	if f.ListsUpdated.IsZero() {
		return "at an unknown time"
	}
	return age(f.HostTime.Sub(f.ListsUpdated)) + " ago, on " + f.ListsUpdated.Format("2 Jan 2006")
}

// age is d in days and hours: "3 days 4 hours", "5 hours", "less than an hour".
func age(d time.Duration) string {
	days, hours := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	var parts []string
	if days > 0 {
		parts = append(parts, fmt.Sprintf("%d day%s", days, plural(days, "", "s")))
	}
	if hours > 0 {
		parts = append(parts, fmt.Sprintf("%d hour%s", hours, plural(hours, "", "s")))
	}
	if len(parts) == 0 {
		return "less than an hour"
	}
	return strings.Join(parts, " ")
}

// list joins the first ten names, saying how many more there are of total.
func list(names []string, total int) string {
	shown := names[:min(len(names), 10)]
	s := strings.Join(shown, ", ")
	if more := max(total, len(names)) - len(shown); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// size is a size in KiB as people read it: "1.2 GB", "340 MB", "12 KB".
func size(kb int64) string {
	switch {
	case kb >= 1<<20:
		return fmt.Sprintf("%.1f GB", float64(kb)/(1<<20))
	case kb >= 1<<10:
		return fmt.Sprintf("%.1f MB", float64(kb)/(1<<10))
	}
	return fmt.Sprintf("%d KB", kb)
}
