// Package logcleanup is the log-cleanup step: a root-owned script that keeps the newest N rotated
// copies of each Bitnami log (Apache access and error, MySQL or MariaDB, PHP-FPM) and deletes the
// rest, run by /etc/cron.d/hardsail-logcleanup. The preview lists the files a run would delete today.
//
// Apply installs the script and the cron file and does not run the cleanup. Deleting logs is the one
// thing undo cannot reverse, so it happens on the schedule the user chose (the first run is the next
// scheduled time), not as a side effect of installing; until then `hardsail undo log-cleanup` leaves
// the host exactly as it was, and the user has time to copy any log they want to keep. The Notes say
// how to run it at once (`sudo /usr/local/sbin/hardsail-logcleanup`).
package logcleanup

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"text/template"

	"github.com/hardsail/hardsail/assets"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
)

// ID is the step's stable id.
const ID = "log-cleanup"

// Paths of the files the step owns on the host.
const (
	ScriptPath = "/usr/local/sbin/hardsail-logcleanup"
	CronPath   = "/etc/cron.d/hardsail-logcleanup"
)

// Step is the log-cleanup step.
type Step struct{}

// New returns the log-cleanup step.
func New() *Step { return &Step{} }

func (*Step) ID() string    { return ID }
func (*Step) Title() string { return "Delete old rotated logs weekly" }

// HostQuery is what Check reads: the two files hardsail owns and the log directories' listings.
func (*Step) HostQuery() sshhost.Query {
	return sshhost.Query{Files: []string{ScriptPath, CronPath}, Dirs: LogDirs()}
}

// Facts is what Check found; its JSON is the plan's fingerprint. Live logs are left out: they grow
// every minute, and no plan depends on them.
type Facts struct {
	Script   sshhost.File `json:"script"`
	Cron     sshhost.File `json:"cron"`
	Families []Family     `json:"families"`
	Rotated  []Rotated    `json:"rotated"` // per family, newest first
}

// Check reads the host in the one gathering the engine shares between steps. It changes nothing.
func (s *Step) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	f, err := env.HostFacts(ctx, s.HostQuery())
	if err != nil {
		return steps.State{Step: ID}, fmt.Errorf("read log directories and %s: %w", CronPath, err)
	}
	fams := Families(func(d string) bool { return f.Dirs[d] })
	facts := Facts{Script: fileOf(f, ScriptPath), Cron: fileOf(f, CronPath), Families: fams, Rotated: Collect(fams, f.Listing)}
	st := steps.State{Step: ID, Facts: facts}
	if len(fams) == 0 {
		st.Skip = "no Bitnami log directory here (looked for " + strings.Join(LogDirs(), ", ") + ")"
	}
	return st, nil
}

func fileOf(f *sshhost.Facts, path string) sshhost.File {
	if file, ok := f.Files[path]; ok {
		file.Path = path
		return file
	}
	return sshhost.File{Path: path}
}

// desired is a file as hardsail writes it.
type desired struct {
	Path  string
	Body  []byte
	Mode  fs.FileMode
	Owner string
	Group string
}

func scriptFile() (desired, error) {
	b, err := assets.LogCleanup.ReadFile("logcleanup/hardsail-logcleanup")
	if err != nil {
		return desired{}, fmt.Errorf("read embedded %s: %w", ScriptPath, err)
	}
	return desired{Path: ScriptPath, Body: b, Mode: 0o755, Owner: "root", Group: "root"}, nil
}

var cronTemplate = template.Must(template.ParseFS(assets.LogCleanup, "logcleanup/hardsail-logcleanup.cron.tmpl"))

func cronFile(schedule string, keep int) (desired, error) {
	var b bytes.Buffer
	if err := cronTemplate.Execute(&b, struct {
		Schedule string
		Keep     int
	}{schedule, keep}); err != nil {
		return desired{}, fmt.Errorf("render %s: %w", CronPath, err)
	}
	return desired{Path: CronPath, Body: b.Bytes(), Mode: 0o644, Owner: "root", Group: "root"}, nil
}

// target reads the two settings the step uses, refusing bad ones before anything changes.
func target(s steps.Settings) (schedule string, keep int, err error) {
	def := steps.DefaultSettings()
	keep, schedule = s.KeepLogs, s.Cron
	if keep == 0 {
		keep = def.KeepLogs
	}
	if schedule == "" {
		schedule = def.Cron
	}
	if keep < 1 || keep > 1000 {
		return "", 0, &steps.UsageError{Msg: fmt.Sprintf("--keep-logs %d is out of range", keep),
			Hint: "Keep between 1 and 1000 rotated logs per log file, e.g. --keep-logs 3."}
	}
	if err := steps.ValidateCron(schedule); err != nil {
		return "", 0, &steps.UsageError{Msg: fmt.Sprintf("--cron %q: %v", schedule, err),
			Hint: `Use five cron fields, e.g. --cron "0 3 * * 0" (Sundays at 03:00).`}
	}
	// One space between fields, so the cron line (and the plan) do not depend on how it was typed.
	return strings.Join(strings.Fields(schedule), " "), keep, nil
}

// factsOf returns the state's facts, also when they came back from JSON.
func factsOf(st steps.State) (Facts, error) {
	switch f := st.Facts.(type) {
	case Facts:
		return f, nil
	case *Facts:
		return *f, nil
	}
	var f Facts
	b, err := json.Marshal(st.Facts)
	if err == nil {
		err = json.Unmarshal(b, &f)
	}
	if err != nil {
		return f, fmt.Errorf("%s state: %w", ID, err)
	}
	return f, nil
}

// Plan is pure: the script and cron file as they should be, and what a run would delete today.
func (s *Step) Plan(st steps.State, set steps.Settings) (steps.Plan, error) {
	plan := steps.Plan{Step: ID}
	schedule, keep, err := target(set)
	if err != nil {
		return plan, err
	}
	if st.Skip != "" {
		return plan, nil
	}
	facts, err := factsOf(st)
	if err != nil {
		return plan, err
	}
	script, err := scriptFile()
	if err != nil {
		return plan, err
	}
	cron, err := cronFile(schedule, keep)
	if err != nil {
		return plan, err
	}
	doomed := Doomed(facts.Rotated, keep)
	today := deletionSummary(doomed)
	if c, ok := change(facts.Script, script, "install the cleanup script (root:root 0755)"); ok {
		plan.Changes = append(plan.Changes, c)
	}
	if c, ok := change(facts.Cron, cron, fmt.Sprintf("run it at %q keeping the newest %s of each log; %s", schedule, copies(keep), today)); ok {
		plan.Changes = append(plan.Changes, c)
	}
	plan.Findings = append(plan.Findings, steps.Finding{
		Severity: "info",
		Message:  fmt.Sprintf("Keeping the newest %s of each log, a cleanup %s.", copies(keep), today),
		Fix:      "sudo " + ScriptPath + " --dry-run (lists them); without --dry-run it deletes them now",
	})
	if !plan.Empty() {
		plan.Notes = append(plan.Notes,
			"Logs the cleanup deletes cannot be brought back: undo removes the script and the cron file, not the deleted logs.",
			fmt.Sprintf("Apply deletes nothing: cron runs the cleanup first at its schedule (%s). To clean at once: sudo %s", schedule, ScriptPath))
		for _, d := range doomed {
			plan.Notes = append(plan.Notes, fmt.Sprintf("would delete %s (%s, modified %s)", displayPath(d.Path), humanBytes(d.Size), d.ModTime.Format("2006-01-02")))
		}
	}
	return plan, nil
}

// change is the change that makes have into want, if they differ in body, mode or owner.
func change(have sshhost.File, want desired, why string) (steps.Change, bool) {
	c := steps.Change{Address: "host:" + want.Path, After: string(want.Body), File: true, Why: why}
	switch {
	case !have.Exists:
		c.Action = steps.Create
		return c, true
	case !bytes.Equal(have.Body, want.Body):
		c.Action, c.Before = steps.Update, string(have.Body)
	case have.Mode.Perm() != want.Mode || have.Owner != want.Owner || have.Group != want.Group:
		c.Action, c.Before = steps.Update, string(have.Body)
	default:
		return c, false
	}
	if m := metaDiff(have, want); m != "" {
		c.Why += " (" + m + ")"
	}
	return c, true
}

func metaDiff(have sshhost.File, want desired) string {
	var d []string
	if have.Mode.Perm() != want.Mode {
		d = append(d, fmt.Sprintf("mode %04o → %04o", have.Mode.Perm(), want.Mode))
	}
	if have.Owner != want.Owner || have.Group != want.Group {
		d = append(d, fmt.Sprintf("owner %s:%s → %s:%s", have.Owner, have.Group, want.Owner, want.Group))
	}
	return strings.Join(d, ", ")
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
