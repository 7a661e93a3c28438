// Package logcleanup is the log-cleanup step: a root-owned script that keeps the newest N rotated
// copies of each log of the instance's WordPress layout (steps/blueprint: Apache access and error,
// the database, PHP-FPM on Bitnami) and deletes the rest, run by /etc/cron.d/hardsail-logcleanup.
// The preview lists the files a run would delete today. Where logrotate rotates the logs (the
// Lightsail-packaged layout) its configuration is left as it is: the cleanup deletes only rotated
// copies past the newest N, which logrotate never needs again.
//
// Apply installs the script and the cron file and does not run the cleanup. Deleting logs is the one
// thing undo cannot reverse, so it happens on the schedule the user chose (the first run is the next
// scheduled time), not as a side effect of installing; until then `hardsail undo log-cleanup` leaves
// the host exactly as it was, and the user has time to copy any log they want to keep. The Notes say
// how to run it at once (`sudo /usr/local/sbin/hardsail-logcleanup`).
package logcleanup

import (
	"context"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/hardsail/hardsail/assets"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/blueprint"
	"github.com/hardsail/hardsail/steps/hostfile"
)

// ID is the step's stable id.
const ID = "log-cleanup"

// Paths of the files the step owns on the host.
const (
	ScriptPath = "/usr/local/sbin/hardsail-logcleanup"
	CronPath   = "/etc/cron.d/hardsail-logcleanup"
)

// Step is the log-cleanup step.
type Step struct{ steps.Identity }

// New returns the log-cleanup step.
func New() *Step { return &Step{steps.Named(ID, "Delete old rotated logs weekly")} }

// HostQuery is what Check reads: the two files hardsail owns, the log directories' listings, and
// what tells the WordPress layouts apart.
func (*Step) HostQuery() sshhost.Query {
	return blueprint.QueryWith(sshhost.Query{Files: []string{ScriptPath, CronPath}, Dirs: LogDirs()})
}

// Facts is what Check found; its JSON is the plan's fingerprint. Live logs are left out: they grow
// every minute, and no plan depends on them.
type Facts struct {
	// Layout is the WordPress layout the host has; the script cleans its log families.
	Layout   blueprint.Flavour `json:"layout"`
	Script   sshhost.File      `json:"script"`
	Cron     sshhost.File      `json:"cron"`
	Families []Family          `json:"families"`
	Rotated  []Rotated         `json:"rotated"` // per family, newest first
}

// Check reads the host in the one gathering the engine shares between steps. It changes nothing.
// Its finding is what a cleanup keeping env.Settings' count would delete today.
func (s *Step) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	f, err := env.HostFacts(ctx, s.HostQuery())
	if err != nil {
		return steps.State{Step: ID}, fmt.Errorf("read log directories and %s: %w", CronPath, err)
	}
	d := blueprint.Detect(f)
	facts := Facts{Script: fileOf(f, ScriptPath), Cron: fileOf(f, CronPath)}
	st := steps.State{Step: ID, Facts: facts}
	l, ok := d.Layout()
	if !ok {
		st.Skip = "which logs to clean depends on the WordPress layout, and " + d.Problem
		return st, nil
	}
	fams := Families(l, func(d string) bool { return f.Dirs[d] })
	facts.Layout, facts.Families, facts.Rotated = l.Flavour, fams, Collect(fams, f.Listing)
	st.Facts = facts
	if len(fams) == 0 {
		st.Skip = "no log directory of " + l.Name + " here (looked for " + strings.Join(layoutDirs(l), ", ") + ")"
		return st, nil
	}
	// Bad settings leave the finding out: Plan refuses them with the flag to fix.
	if _, keep, err := target(env.Settings); err == nil {
		st.Findings = []steps.Finding{finding(facts, keep)}
	}
	return st, nil
}

// finding says what a cleanup keeping keep copies would delete today.
func finding(f Facts, keep int) steps.Finding {
	return steps.Finding{
		ID:       ID + ".rotated_logs",
		Severity: "info",
		Message:  fmt.Sprintf("Keeping the newest %s of each log, a cleanup %s.", copies(keep), deletionSummary(Doomed(f.Rotated, keep))),
		Fix:      "sudo " + ScriptPath + " --dry-run (lists them); without --dry-run it deletes them now",
	}
}

func fileOf(f *sshhost.Facts, path string) sshhost.File {
	if file, ok := f.Files[path]; ok {
		file.Path = path
		return file
	}
	return sshhost.File{Path: path}
}

// modes are the files the step owns on the host, with the mode each is written with (root:root).
var modes = map[string]fs.FileMode{ScriptPath: 0o755, CronPath: 0o644}

// desired is the file hardsail writes at p with body b.
func desired(p string, b []byte) hostfile.Desired {
	return hostfile.Desired{Path: p, Body: b, Mode: modes[p], Owner: "root", Group: "root"}
}

// scriptFile is the cleanup script for layout f: the embedded script with its log families filled in.
func scriptFile(f blueprint.Flavour) (hostfile.Desired, error) {
	l, ok := blueprint.Of(f)
	if !ok {
		return hostfile.Desired{}, fmt.Errorf("render %s: %q is not a WordPress layout hardsail knows", ScriptPath, f)
	}
	fams, err := familiesScript(l)
	if err != nil {
		return hostfile.Desired{}, err
	}
	return desired(ScriptPath, []byte(strings.Replace(string(assets.LogCleanupScript), "{{.Families}}", fams, 1))), nil
}

// layoutDirs are the log directories of l.
func layoutDirs(l blueprint.Layout) []string {
	var out []string
	for _, g := range l.Logs {
		out = append(out, g.Dirs...)
	}
	return out
}

// cronFile fills the cron file's {{.Schedule}} and {{.Keep}} (a replacer, not text/template: two
// plain substitutions do not need a template engine in the binary).
func cronFile(schedule string, keep int) (hostfile.Desired, error) {
	if strings.ContainsAny(schedule, "\n\r") {
		return hostfile.Desired{}, fmt.Errorf("render %s: the schedule spans lines", CronPath)
	}
	body := strings.NewReplacer("{{.Schedule}}", schedule, "{{.Keep}}", strconv.Itoa(keep)).Replace(assets.LogCleanupCron)
	return desired(CronPath, []byte(body)), nil
}

// Plan is pure: the script and cron file as they should be, and what a run would delete today.
func (s *Step) Plan(st steps.State, set steps.Settings) (steps.Plan, error) {
	plan := steps.Plan{Step: ID}
	schedule, keep, err := target(set)
	if err != nil || st.Skip != "" {
		return plan, err
	}
	facts, err := steps.FactsOf[Facts](st)
	if err != nil {
		return plan, err
	}
	script, err := scriptFile(facts.Layout)
	if err != nil {
		return plan, err
	}
	cron, err := cronFile(schedule, keep)
	if err != nil {
		return plan, err
	}
	doomed := Doomed(facts.Rotated, keep)
	wants := []struct {
		have sshhost.File
		want hostfile.Desired
		why  string
	}{
		{facts.Script, script, "install the cleanup script (root:root 0755)"},
		{facts.Cron, cron, fmt.Sprintf("run it at %q keeping the newest %s of each log; %s", schedule, copies(keep), deletionSummary(doomed))},
	}
	for _, w := range wants {
		c, ok, err := hostfile.Change(w.have, w.want, w.why)
		if err != nil {
			return plan, err
		}
		if ok {
			plan.Changes = append(plan.Changes, c)
		}
	}
	if !plan.Empty() {
		plan.Notes = append(plan.Notes,
			"Logs the cleanup deletes cannot be brought back: undo removes the script and the cron file, not the deleted logs.",
			fmt.Sprintf("Apply deletes nothing: cron runs the cleanup first at its schedule (%s). To clean at once: sudo %s", schedule, ScriptPath))
		if l, ok := blueprint.Of(facts.Layout); ok && l.LogRotation != "" {
			plan.Notes = append(plan.Notes, l.LogRotation)
		}
		for _, d := range doomed {
			plan.Notes = append(plan.Notes, fmt.Sprintf("would delete %s (%s, modified %s)", displayPath(d.Path), humanBytes(d.Size), d.ModTime.Format("2006-01-02")))
		}
	}
	return plan, nil
}

// deletionSummary is "would delete 7 files today, freeing 12.3 MB".
func deletionSummary(doomed []Rotated) string {
	if len(doomed) == 0 {
		return "would delete nothing today"
	}
	var n int64
	for _, d := range doomed {
		n += d.Size
	}
	files := "files"
	if len(doomed) == 1 {
		files = "file"
	}
	return fmt.Sprintf("would delete %d %s today, freeing %s", len(doomed), files, humanBytes(n))
}

func copies(n int) string {
	if n == 1 {
		return "rotated copy"
	}
	return fmt.Sprintf("%d rotated copies", n)
}

// humanBytes is a size in decimal units, as df -H and most file managers show them.
func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

// displayPath shows control characters in a name (a newline) as '?', as the script prints them.
func displayPath(p string) string {
	b := []byte(p)
	for i, c := range b {
		if c < 0x20 || c == 0x7f {
			b[i] = '?'
		}
	}
	return string(b)
}
