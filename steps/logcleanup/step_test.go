package logcleanup

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/internal/testhost"
	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/steptest"
)

// watched is what the step may touch, plus the logs it must not touch while installing.
var watched = []string{"/usr/local/sbin", "/etc/cron.d", "/opt/bitnami"}

func TestConformance(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, db string
		// prior, when set, puts files of the same names there first: undo must bring them back exactly.
		prior string
	}{
		{name: "MySQL", db: testhost.DBMySQL},
		{name: "MariaDB", db: testhost.DBMariaDB},
		{name: "over files of the same names", db: testhost.DBMySQL, prior: "printf 'old script\\n' > " + ScriptPath +
			" && chown bitnami:daemon " + ScriptPath + " && chmod 0700 " + ScriptPath +
			" && printf '# an older cleanup\\n0 4 * * * root true\\n' > " + CronPath + " && chmod 0600 " + CronPath},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := world.New(t, world.Options{Host: true, DB: tc.db, Watch: watched})
			if tc.prior != "" {
				w.Run(t, tc.prior)
			}
			steptest.Conformance(t, steptest.Case{
				Step:  New(),
				World: w,
				// logrotate runs between preview and apply: the preview's list of files is stale.
				Perturb: func(t *testing.T) {
					put(t, w.Host, path.Join(apacheDir, "access_log-20250601.gz"), "rotated just now\n", testhost.Now)
				},
			})
		})
	}
}

// TestUndoAfterAnotherKeepLogs: a second apply with another --keep-logs rewrites only the cron
// file, and undo walks both applies back to the host as it was.
func TestUndoAfterAnotherKeepLogs(t *testing.T) {
	t.Parallel()
	w := world.New(t, world.Options{Host: true, Watch: watched})
	start := w.Snapshot(t)
	j := journal(t)
	apply(t, w.Env(t), j)
	installedOnce := w.Snapshot(t)
	env := w.Env(t)
	env.Settings.KeepLogs = 5
	plan := apply(t, env, j)
	if len(plan.Changes) != 1 || plan.Changes[0].Address != "host:"+CronPath || plan.Changes[0].Action != steps.Update {
		t.Fatalf("changing --keep-logs planned %+v, want the cron file rewritten and nothing else", plan.Changes)
	}
	if got := w.Run(t, "grep -c -- '--keep 5 ' "+CronPath); got != "1\n" {
		t.Errorf("cron file does not carry --keep 5")
	}
	eng := &steps.Engine{Steps: []steps.Step{New()}, Env: w.Env(t), Journal: j}
	entries, _ := eng.UndoPlan()
	if len(entries) != 3 {
		t.Fatalf("undo plan has %d entries, want 3 (cron rewrite, cron, script)", len(entries))
	}
	// Undo only the newest: back to the first apply's cron file.
	if outs := eng.Undo(t.Context(), entries[:1]); outs[0].Status != steps.StatusChanged {
		t.Fatalf("undo of the rewrite: %+v", outs)
	}
	if got := w.Snapshot(t); got != installedOnce {
		t.Errorf("undoing the rewrite did not bring back the first apply's files")
	}
	entries, _ = eng.UndoPlan()
	if outs := eng.Undo(t.Context(), entries); outs[0].Status != steps.StatusChanged {
		t.Fatalf("undo: %+v", outs)
	}
	if got := w.Snapshot(t); got != start {
		t.Errorf("undo did not restore the host")
	}
}

// apply checks and applies the step through the engine and returns the plan it applied.
func apply(t *testing.T, env *steps.Env, j *steps.Journal) steps.Plan {
	t.Helper()
	return applied(t, env, j).Plan
}

// applied is apply returning the whole result the plan came with (its findings too).
func applied(t *testing.T, env *steps.Env, j *steps.Journal) steps.Result {
	t.Helper()
	eng := &steps.Engine{Steps: []steps.Step{New()}, Env: env, Journal: j}
	rs := eng.Verify(t.Context())
	if rs[0].Status != steps.StatusDrift {
		t.Fatalf("verify: %s (%s), want drift", rs[0].Status, rs[0].Detail)
	}
	outs := eng.Apply(t.Context(), rs)
	if len(outs) != 1 || outs[0].Status != steps.StatusChanged {
		t.Fatalf("apply: %+v", outs)
	}
	return rs[0]
}

func journal(t *testing.T) *steps.Journal {
	t.Helper()
	j, err := steps.OpenJournal(steps.PathsFor(t.TempDir(), steps.Key{Account: "123456789012", Region: "us-east-1", Instance: "WordPress-1"}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// TestPreviewListsWhatTheCleanupDeletes previews through real fact gathering, applies, and lets the
// installed script (N read from the installed cron file) run: it deletes exactly the previewed files.
func TestPreviewListsWhatTheCleanupDeletes(t *testing.T) {
	t.Parallel()
	for _, keep := range []int{1, 3} {
		t.Run(fmt.Sprintf("keep %d", keep), func(t *testing.T) {
			t.Parallel()
			w := world.New(t, world.Options{Host: true, Settings: steps.Settings{KeepLogs: keep}})
			setUpOddFiles(t, w.Host)
			res := applied(t, w.Env(t), journal(t))
			plan := res.Plan

			var previewed []string
			for _, n := range plan.Notes {
				if p, ok := strings.CutPrefix(n, "would delete "); ok {
					previewed = append(previewed, p[:strings.LastIndex(p, " (")])
				}
			}
			before := allFiles(t, w.Host)
			out := w.Run(t, ScriptPath)
			after := allFiles(t, w.Host)
			var deleted []string
			for p := range before {
				if _, ok := after[p]; !ok {
					deleted = append(deleted, displayPath(p))
				}
			}
			slices.Sort(previewed)
			slices.Sort(deleted)
			if len(deleted) == 0 || !slices.Equal(previewed, deleted) {
				t.Errorf("the preview listed\n%q\nthe installed cleanup deleted\n%q\n(it printed %s)", previewed, deleted, out)
			}
			var why string
			for _, c := range plan.Changes {
				if c.Address == "host:"+CronPath {
					why = c.Why
				}
			}
			want := map[int]string{1: "would delete 22 files today, freeing 499.2 kB", 3: "would delete 14 files today, freeing 408.1 kB"}[keep]
			if !strings.Contains(why, want) {
				t.Errorf("the cron change says %q, want it to say %q", why, want)
			}
			if len(res.Findings) != 1 || !strings.Contains(res.Findings[0].Message, want) {
				t.Errorf("the check's findings are %+v, want one saying %q", res.Findings, want)
			}
		})
	}
}

// TestUndoRefusesAChangedFile: undo does not overwrite a file someone edited after hardsail wrote
// it, shows the three versions, and restores it with --force.
func TestUndoRefusesAChangedFile(t *testing.T) {
	t.Parallel()
	w := world.New(t, world.Options{Host: true, Watch: watched})
	start := w.Snapshot(t)
	j := journal(t)
	apply(t, w.Env(t), j)
	w.Run(t, "echo '# my own line' >> "+CronPath)
	edited := w.Snapshot(t)

	env := w.Env(t)
	eng := &steps.Engine{Steps: []steps.Step{New()}, Env: env, Journal: j}
	entries, err := eng.UndoPlan()
	if err != nil || len(entries) != 2 {
		t.Fatalf("undo plan: %d entries, %v; want the cron file and the script", len(entries), err)
	}
	outs := eng.Undo(t.Context(), entries)
	if len(outs) != 1 || outs[0].Status != steps.StatusFailed {
		t.Fatalf("undo over an edited file: %+v, want failed", outs)
	}
	for _, want := range []string{"changed since hardsail wrote it", "before hardsail: absent", "hardsail wrote:   ", "+# my own line"} {
		if !strings.Contains(outs[0].Detail, want) {
			t.Errorf("undo's refusal does not say %q:\n%s", want, outs[0].Detail)
		}
	}
	if !strings.Contains(outs[0].Fix, "hardsail undo log-cleanup --force") {
		t.Errorf("undo's refusal does not name the fix: %q", outs[0].Fix)
	}
	if got := w.Snapshot(t); got != edited {
		t.Fatalf("a refused undo changed the host")
	}

	env.Force = true
	entries, _ = eng.UndoPlan()
	if outs := eng.Undo(t.Context(), entries); len(outs) != 1 || outs[0].Status != steps.StatusChanged {
		t.Fatalf("undo --force: %+v", outs)
	}
	if got := w.Snapshot(t); got != start {
		t.Errorf("undo --force did not restore the host as it was")
	}
}

// TestCronLoadsTheFile starts the host's real cron daemon over the cron file apply wrote (and the
// other schedules the step may write): cron's own parser and its owner/mode checks accept them.
func TestCronLoadsTheFile(t *testing.T) {
	t.Parallel()
	w := world.New(t, world.Options{Host: true})
	sys := listenSyslog(t, w.Host)
	apply(t, w.Env(t), journal(t))
	schedules := []string{"*/15 2-4 1,15 jan-mar mon-fri", "30 23 * * 7", "0 0 1 */2 *", "5 4 * * sun"}
	for i, s := range schedules {
		f, err := cronFile(s, 7)
		if err != nil {
			t.Fatal(err)
		}
		put(t, w.Host, fmt.Sprintf("%s-variant%d", CronPath, i), string(f.Body), testhost.Now)
	}
	// A file cron must reject, so the test knows cron read the directory at all.
	put(t, w.Host, "/etc/cron.d/zz-control", "0 3 * * 0 root\nnot a cron line\n", testhost.Now)
	w.Run(t, "cron -f -L 15 </dev/null >/dev/null 2>&1 &")
	msgs := sys.until(t, "Running @reboot jobs")
	w.Run(t, "kill $(cat /run/crond.pid)")

	var sawControl bool
	for _, m := range msgs {
		if strings.Contains(m, " cron[") && strings.Contains(m, "(*system*zz-control) ERROR") {
			sawControl = true
		}
		if strings.Contains(m, " cron[") && strings.Contains(m, "hardsail-logcleanup") {
			t.Errorf("cron complained about our file: %s", m)
		}
	}
	if !sawControl {
		t.Fatalf("cron never rejected the control file, so it cannot have parsed /etc/cron.d: %q", msgs)
	}
}

// TestApplyDoesNotRunTheCleanup: installing deletes nothing (the first run is the schedule's).
func TestApplyDoesNotRunTheCleanup(t *testing.T) {
	t.Parallel()
	w := world.New(t, world.Options{Host: true})
	logs := w.Host.TreeHash(t, LogDirs()...)
	plan := apply(t, w.Env(t), journal(t))
	if got := w.Host.TreeHash(t, LogDirs()...); !maps(logs, got) {
		t.Errorf("apply touched the logs")
	}
	var noted bool
	for _, n := range plan.Notes {
		noted = noted || strings.Contains(n, "cannot be brought back")
	}
	if !noted {
		t.Errorf("the plan's notes do not say deleted logs cannot come back: %q", plan.Notes)
	}
}

func maps(a, b map[string]string) bool { return mapDiff(a, b) == "" }
