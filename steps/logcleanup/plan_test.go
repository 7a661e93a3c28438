package logcleanup

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/blueprint"
	"github.com/hardsail/hardsail/steps/hostfile"
)

func TestMember(t *testing.T) {
	access := Family{ID: "apache-access", Dir: "/opt/bitnami/apache/logs", Log: "access_log"}
	db := Family{ID: "db", Dir: "/opt/bitnami/mysql/logs", Log: "mysqld.log"}
	cases := []struct {
		name string
		f    Family
		file string
		want bool
	}{
		{"the live log", access, "access_log", false},
		{"dateext", access, "access_log-20250101", true},
		{"dateext compressed", access, "access_log-20250101.gz", true},
		{"numbered", access, "access_log.1", true},
		{"numbered compressed", access, "access_log.2.gz", true},
		{"numbered xz", access, "access_log.12.xz", true},
		{"numbered with another suffix", access, "access_log.1.tmp", false},
		{"not a number", access, "access_log.bak", false},
		{"dash and nothing", access, "access_log-", false},
		{"dash and a dash", access, "access_log--rf", true},
		{"newline in the suffix", access, "access_log-a\nb", true},
		{"other case", access, "Access_log-20250101", false},
		{"another log's copy", access, "error_log-20250101", false},
		{"dotted live name", db, "mysqld.log", false},
		{"dotted name, numbered", db, "mysqld.log.1", true},
		{"dot is not a wildcard", db, "mysqldxlog.1", false},
		{"dotted name, dated", db, "mysqld.log-20250401.gz", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.f.Member(tc.file); got != tc.want {
				t.Errorf("%s.Member(%q) = %v, want %v", tc.f.Log, tc.file, got, tc.want)
			}
		})
	}
}

func TestFamiliesUseTheFirstExistingDirectory(t *testing.T) {
	cases := []struct {
		name   string
		exists []string
		want   []string // dir/log
	}{
		{"MySQL stack", []string{"/opt/bitnami/apache/logs", "/opt/bitnami/mysql/logs", "/opt/bitnami/php/logs"},
			[]string{"/opt/bitnami/apache/logs/access_log", "/opt/bitnami/apache/logs/error_log", "/opt/bitnami/mysql/logs/mysqld.log", "/opt/bitnami/php/logs/php-fpm.log"}},
		{"MariaDB stack", []string{"/opt/bitnami/apache/logs", "/opt/bitnami/mariadb/logs"},
			[]string{"/opt/bitnami/apache/logs/access_log", "/opt/bitnami/apache/logs/error_log", "/opt/bitnami/mariadb/logs/mysqld.log"}},
		{"older apache2 name", []string{"/opt/bitnami/apache2/logs"},
			[]string{"/opt/bitnami/apache2/logs/access_log", "/opt/bitnami/apache2/logs/error_log"}},
		{"apache and apache2 (one is usually a link to the other)", []string{"/opt/bitnami/apache/logs", "/opt/bitnami/apache2/logs"},
			[]string{"/opt/bitnami/apache/logs/access_log", "/opt/bitnami/apache/logs/error_log"}},
		{"not Bitnami", nil, nil},
		{"Lightsail-packaged", []string{"/var/log/apache2", "/var/log/mysql"},
			[]string{"/var/log/apache2/access.log", "/var/log/apache2/error.log", "/var/log/mysql/error.log"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			fl := blueprint.Bitnami
			if slices.Contains(tc.exists, "/var/log/apache2") {
				fl = blueprint.Lightsail
			}
			l, _ := blueprint.Of(fl)
			for _, f := range Families(l, func(d string) bool { return slices.Contains(tc.exists, d) }) {
				got = append(got, f.Dir+"/"+f.Log)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("families = %q, want %q", got, tc.want)
			}
		})
	}
}

var t0 = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// state is a Check result over a MySQL stack with script and cron as given (nil: absent).
func state(script, cron *sshhost.File, rotated ...Rotated) steps.State {
	bitnami, _ := blueprint.Of(blueprint.Bitnami)
	f := Facts{Layout: blueprint.Bitnami, Script: sshhost.File{Path: ScriptPath}, Cron: sshhost.File{Path: CronPath},
		Families: Families(bitnami, func(d string) bool { return d != "/opt/bitnami/apache2/logs" && d != "/opt/bitnami/mariadb/logs" }),
		Rotated:  rotated}
	if script != nil {
		f.Script = *script
	}
	if cron != nil {
		f.Cron = *cron
	}
	return steps.State{Step: ID, Facts: f}
}

// installed is the file as the step writes it; a rendering error is a bug in the test's inputs.
func installed(d hostfile.Desired, err error) *sshhost.File {
	if err != nil {
		panic(err)
	}
	f := d.File()
	return &f
}

func TestPlan(t *testing.T) {
	script := installed(scriptFile(blueprint.Bitnami))
	cron3 := installed(cronFile("0 3 * * 0", 3))
	wrongMode := *script
	wrongMode.Mode = 0o775
	logs := []Rotated{
		{Family: "apache-access", Path: "/opt/bitnami/apache/logs/access_log.1", Size: 1_000_000, ModTime: t0},
		{Family: "apache-access", Path: "/opt/bitnami/apache/logs/access_log.2.gz", Size: 2_000_000, ModTime: t0.Add(-24 * time.Hour)},
		{Family: "apache-access", Path: "/opt/bitnami/apache/logs/access_log-20250101.gz", Size: 12_300_000, ModTime: t0.Add(-150 * 24 * time.Hour)},
		{Family: "php-fpm", Path: "/opt/bitnami/php/logs/php-fpm.log.1", Size: 10, ModTime: t0},
	}
	cases := []struct {
		name     string
		st       steps.State
		set      steps.Settings
		want     []string // action address
		why      string   // in the cron change's Why (or the state's finding when compliant)
		notes    []string
		notNotes bool
	}{
		{name: "fresh host", st: state(nil, nil, logs...), set: steps.Settings{KeepLogs: 1},
			want: []string{"+ host:" + ScriptPath, "+ host:" + CronPath}, why: "would delete 2 files today, freeing 14.3 MB",
			notes: []string{"cannot be brought back", "would delete /opt/bitnami/apache/logs/access_log.2.gz (2.0 MB, modified 2025-05-31)",
				"would delete /opt/bitnami/apache/logs/access_log-20250101.gz (12.3 MB, modified 2025-01-02)"}},
		{name: "defaults keep 3", st: state(nil, nil, logs...), want: []string{"+ host:" + ScriptPath, "+ host:" + CronPath},
			why: "would delete nothing today"},
		{name: "compliant", st: state(script, cron3, logs...), set: steps.Settings{KeepLogs: 3}, want: nil,
			why: "would delete nothing today", notNotes: true},
		{name: "another --keep-logs rewrites only the cron file", st: state(script, cron3, logs...), set: steps.Settings{KeepLogs: 2},
			want: []string{"~ host:" + CronPath}, why: "would delete 1 file today, freeing 12.3 MB"},
		{name: "another schedule rewrites only the cron file", st: state(script, cron3), set: steps.Settings{Cron: "15  4 * * 1"},
			want: []string{"~ host:" + CronPath}, why: `run it at "15 4 * * 1"`},
		{name: "script mode drift", st: state(&wrongMode, cron3), want: []string{"~ host:" + ScriptPath}},
		{name: "not a Bitnami host", st: steps.State{Step: ID, Facts: Facts{}, Skip: "no Bitnami log directory"}, want: nil, notNotes: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New().Plan(tc.st, tc.set)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			var why string
			for _, c := range p.Changes {
				got = append(got, string(c.Action)+" "+c.Address)
				if c.Address == "host:"+CronPath {
					why = c.Why
				}
				if c.Address == "host:"+ScriptPath && c.Action == steps.Update && !strings.Contains(c.Why, "mode 0775 → 0755") {
					t.Errorf("script change does not name the mode drift: %q", c.Why)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("changes = %q, want %q", got, tc.want)
			}
			if facts, err := steps.FactsOf[Facts](tc.st); err == nil && why == "" && tc.st.Skip == "" {
				_, keep, err := target(tc.set)
				if err != nil {
					t.Fatal(err)
				}
				why = finding(facts, keep).Message
			}
			if !strings.Contains(why, tc.why) {
				t.Errorf("says %q, want it to contain %q", why, tc.why)
			}
			notes := strings.Join(p.Notes, "\n")
			for _, n := range tc.notes {
				if !strings.Contains(notes, n) {
					t.Errorf("notes do not contain %q:\n%s", n, notes)
				}
			}
			if tc.notNotes && notes != "" {
				t.Errorf("an empty plan has notes: %s", notes)
			}
		})
	}
}

// TestPlanRefusesASymlink: a link at one of the step's paths is refused (writing over it would
// leave its target with the old body), naming the fix.
func TestPlanRefusesASymlink(t *testing.T) {
	for _, p := range []string{ScriptPath, CronPath} {
		link := &sshhost.File{Path: p, Exists: true, Body: []byte("elsewhere\n"), Mode: 0o644, Owner: "root", Group: "root", Link: "/opt/elsewhere"}
		st := state(nil, link)
		if p == ScriptPath {
			st = state(link, nil)
		}
		_, err := New().Plan(st, steps.Settings{})
		var le *hostfile.LinkError
		if !errors.As(err, &le) || le.Path != p || !strings.Contains(steps.HintOf(err), "cp --remove-destination /opt/elsewhere "+p) {
			t.Errorf("plan over a link at %s: %v (hint %q), want a LinkError naming the fix", p, err, steps.HintOf(err))
		}
	}
}

// TestBadSettingsAreRefusedBeforeAnyChange: a bad schedule or count is refused by the step's
// options (as the flag or the wizard's answer is checked, before anything runs) and fails the plan,
// so the engine never reaches apply; with no SSH in the Env any attempt to touch the host would
// also fail loudly.
func TestBadSettingsAreRefusedBeforeAnyChange(t *testing.T) {
	cases := []struct {
		name string
		set  steps.Settings
		want string
	}{
		{"four fields", steps.Settings{Cron: "0 3 * *"}, "want 5 fields"},
		{"six fields", steps.Settings{Cron: "0 3 * * 0 root"}, "want 5 fields"},
		{"minute 60", steps.Settings{Cron: "60 3 * * 0"}, "minute"},
		{"hour 24", steps.Settings{Cron: "0 24 * * 0"}, "hour"},
		{"backwards range", steps.Settings{Cron: "0 5-3 * * 0"}, "backwards"},
		{"step zero", steps.Settings{Cron: "*/0 3 * * 0"}, "bad step"},
		{"a second line smuggled in", steps.Settings{Cron: "0 3 * * 0\n* * * * * root rm -rf /"}, "control or invisible character U+000A"},
		{"a long s that folds to s", steps.Settings{Cron: "0 3 * * \u017fun"}, "only ASCII"},
		{"a Kelvin sign that folds to k", steps.Settings{Cron: "0 3 * * sun,wed,\u212a"}, "only ASCII"},
		{"@weekly is not five fields", steps.Settings{Cron: "@weekly"}, "want 5 fields"},
		{"keep none", steps.Settings{KeepLogs: -1}, `--keep-logs "-1": out of range`},
		{"keep too many", steps.Settings{KeepLogs: 1001}, `--keep-logs "1001": out of range`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			usage := func(what string, err error) {
				t.Helper()
				ue := (*steps.UsageError)(nil)
				switch {
				case err == nil || !strings.Contains(err.Error(), tc.want):
					t.Fatalf("%s: error = %v, want one about %q", what, err, tc.want)
				case !errors.As(err, &ue) || ue.Hint == "":
					t.Errorf("%s: error %v is not a UsageError with a hint", what, err)
				}
			}
			usage("options", steps.ValidateSettings(tc.set, New().Options()))
			env := &steps.Env{Settings: tc.set}
			_, err := New().Plan(state(nil, nil), env.Settings)
			usage("plan", err)
			// Through the engine: verify fails the step, and apply leaves it alone.
			st := fixedState{Step: New(), st: state(nil, nil)}
			eng := &steps.Engine{Steps: []steps.Step{st}, Env: env}
			rs := eng.Verify(t.Context())
			if rs[0].Status != steps.StatusFailed || len(rs[0].Plan.Changes) != 0 {
				t.Fatalf("verify: %s with %d changes, want failed with none", rs[0].Status, len(rs[0].Plan.Changes))
			}
		})
	}
}

// TestOptions: the options' defaults are the step's, a set value reads back as it was stored
// (the schedule with single spaces), and the hints are the ones the flags always had.
func TestOptions(t *testing.T) {
	opts := New().Options()
	if len(opts) != 2 || opts[0].Flag != "keep-logs" || opts[1].Flag != "cron" {
		t.Fatalf("options %+v, want keep-logs and cron", opts)
	}
	def := steps.WithDefaults(steps.Settings{}, opts)
	if def.KeepLogs != 3 || def.Cron != "0 3 * * 0" {
		t.Errorf("defaults: keep %d, cron %q; want 3 and \"0 3 * * 0\"", def.KeepLogs, def.Cron)
	}
	var s steps.Settings
	if err := opts[0].Set(&s, " 1000 "); err != nil || opts[0].Get(s) != "1000" {
		t.Errorf("keep-logs 1000: %v, reads back %q", err, opts[0].Get(s))
	}
	if err := opts[1].Set(&s, "15  4 * *  1"); err != nil || opts[1].Get(s) != "15 4 * * 1" {
		t.Errorf("cron: %v, reads back %q", err, opts[1].Get(s))
	}
	for _, tc := range []struct {
		opt           int
		v, want, hint string
	}{
		{0, "0", `--keep-logs "0": out of range`, "Keep between 1 and 1000 rotated logs per family, e.g. --keep-logs 3."},
		{0, "three", `--keep-logs "three": not a whole number`, "Keep between 1 and 1000 rotated logs per family, e.g. --keep-logs 3."},
		{0, "+3", `--keep-logs "+3": write the number with digits only`, "Keep between 1 and 1000 rotated logs per family, e.g. --keep-logs 3."},
		{0, "", `--keep-logs "": not a whole number`, "Keep between 1 and 1000 rotated logs per family, e.g. --keep-logs 3."},
		{0, "99999999999999999999", `--keep-logs "99999999999999999999": not a whole number`, "Keep between 1 and 1000 rotated logs per family, e.g. --keep-logs 3."},
		{0, "3\x00", `--keep-logs "3\x00": contains the control or invisible character U+0000`, "Type the value again without it (paste into a plain-text editor first), e.g. --keep-logs 3."},
		{1, "0 3 * * \u017fun", `--cron "0 3 * * ſun": contains 'ſ' (U+017F); only ASCII letters, digits and punctuation are accepted`, `Type the value with plain ASCII characters, e.g. --cron "0 3 * * 0".`},
		{1, "15 4 * *\t1", `--cron "15 4 * *\t1": contains the control or invisible character U+0009`, `Type the value again without it (paste into a plain-text editor first), e.g. --cron "0 3 * * 0".`},
		{1, "0 3 * * 0\u202e", `--cron "0 3 * * 0\u202e": contains the control or invisible character U+202E`, `Type the value again without it (paste into a plain-text editor first), e.g. --cron "0 3 * * 0".`},
		{1, "0 3 * *", `--cron "0 3 * *": want 5 fields, got 4`, `Use five cron fields, e.g. --cron "0 3 * * 0" (Sundays at 03:00).`},
	} {
		before := s
		err := opts[tc.opt].Set(&s, tc.v)
		if err == nil || err.Error() != tc.want || steps.HintOf(err) != tc.hint {
			t.Errorf("set %q: %v (hint %q), want %q (hint %q)", tc.v, err, steps.HintOf(err), tc.want, tc.hint)
		}
		if s.KeepLogs != before.KeepLogs || s.Cron != before.Cron {
			t.Errorf("a refused %q changed the settings", tc.v)
		}
	}
}

// fixedState is the step with a Check that returns a given state without a host.
type fixedState struct {
	*Step
	st steps.State
}

func (f fixedState) Check(_ context.Context, _ *steps.Env) (steps.State, error) { return f.st, nil }

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 408065: "408.1 kB", 12_300_000: "12.3 MB", 5_000_000_000: "5.0 GB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
