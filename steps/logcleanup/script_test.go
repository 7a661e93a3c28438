package logcleanup

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hardsail/hardsail/internal/testhost"
	"github.com/hardsail/hardsail/steps/blueprint"
)

const (
	apacheDir = "/opt/bitnami/apache/logs"
	phpDir    = "/opt/bitnami/php/logs"
)

func bitnamiLayout() blueprint.Layout {
	l, _ := blueprint.Of(blueprint.Bitnami)
	return l
}

func dbDir(db string) string { return "/opt/bitnami/" + db + "/logs" }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }

// oddMember is a rotated copy the test adds, with a name a careless script would trip on.
var oddMembers = []struct {
	dir   string // "" = the DB's log directory
	name  string
	mtime time.Time
}{
	{apacheDir, "access_log-with space", day(2025, 5, 31)}, // the newest access log of all
	{apacheDir, "access_log-new\nline", day(2024, 1, 1)},
	{apacheDir, "access_log-'q' \"dq\" $(touch pwned) `touch pwned2`", day(2024, 2, 1)},
	{apacheDir, "access_log-*", day(2023, 6, 1)},
	{apacheDir, "error_log--rf", day(2023, 1, 1)},
	{"", "mysqld.log.10.gz", day(2025, 5, 1)},
	// Same mtime: the name sorting last counts as newer.
	{phpDir, "php-fpm.log-a", time.Date(2025, 5, 30, 0, 0, 0, 0, time.UTC)},
	{phpDir, "php-fpm.log-b", time.Date(2025, 5, 30, 0, 0, 0, 0, time.UTC)},
}

// strangers sit beside the logs and are no rotated copy of any: a cleanup must leave them.
var strangers = []string{"-rf", "--keep 0", "access_log-", "access_log.bak", "access_log.1.tmp", "Access_log-20200101", "error_log.x.gz"}

// kept is, per --keep N, the rotated copies left afterwards ("db/" names are in the DB's directory).
var kept = map[int][]string{
	1: {"apache/access_log-with space", "apache/error_log.1", "db/mysqld.log.1", "php/php-fpm.log-b"},
	2: {"apache/access_log-with space", "apache/access_log.1", "apache/error_log.1", "apache/error_log-20250525.gz",
		"db/mysqld.log.1", "db/mysqld.log.2.gz", "php/php-fpm.log-b", "php/php-fpm.log-a"},
	3: {"apache/access_log-with space", "apache/access_log.1", "apache/access_log.2.gz",
		"apache/error_log.1", "apache/error_log-20250525.gz", "apache/error_log-20250301.gz",
		"db/mysqld.log.1", "db/mysqld.log.2.gz", "db/mysqld.log.10.gz",
		"php/php-fpm.log-b", "php/php-fpm.log-a", "php/php-fpm.log.1"},
}

func keptPaths(db string, keep int) []string {
	var out []string
	for _, k := range kept[keep] {
		dir, name, _ := strings.Cut(k, "/")
		switch dir {
		case "apache":
			out = append(out, path.Join(apacheDir, name))
		case "db":
			out = append(out, path.Join(dbDir(db), name))
		case "php":
			out = append(out, path.Join(phpDir, name))
		}
	}
	return out
}

// setUpOddFiles adds the odd members, the strangers, a symlink and a directory that look like
// rotated logs, and installs the script.
func setUpOddFiles(t *testing.T, h *testhost.Host) {
	t.Helper()
	for _, m := range oddMembers {
		dir := m.dir
		if dir == "" {
			dir = dbDir(h.DB)
		}
		put(t, h, path.Join(dir, m.name), "rotated "+m.name+"\n", m.mtime)
	}
	for _, s := range strangers {
		put(t, h, path.Join(apacheDir, s), "not a rotated log\n", day(2020, 1, 1))
	}
	putSymlink(t, h, "../../wordpress/wp-config.php", path.Join(apacheDir, "access_log-19990101.gz"))
	if err := os.Mkdir(filepath.Join(h.Root, apacheDir, "access_log-old"), 0o755); err != nil {
		t.Fatal(err)
	}
	put(t, h, path.Join(apacheDir, "access_log-old", "access_log-20000101"), "in a subdirectory\n", day(2000, 1, 1))
	installScript(t, h)
	// sudo's first use leaves ~/.sudo_as_admin_successful; have it there before any snapshot.
	if _, se, rc := h.Run(t, "sudo true"); rc != 0 {
		t.Fatalf("sudo true: exit %d: %s", rc, se)
	}
}

func installScript(t *testing.T, h *testhost.Host) {
	t.Helper()
	installScriptFor(t, h, blueprint.Bitnami)
}

// installScriptFor puts the script as the step renders it for layout f on the host.
func installScriptFor(t *testing.T, h *testhost.Host, f blueprint.Flavour) {
	t.Helper()
	d, err := scriptFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.Root, ScriptPath), d.Body, 0o755); err != nil {
		t.Fatalf("install script: %v", err)
	}
}

// allFiles is every path a cleanup could touch or a name run as a command could create, read host-side.
func allFiles(t *testing.T, h *testhost.Host) map[string]string {
	t.Helper()
	return h.TreeHash(t, "/opt/bitnami", "/tmp", "/etc", "/home", "/root")
}

// TestScriptKeepsNewestN runs the real script on a real host and checks, file by file, what is left;
// that the preview's Go selection named exactly the files it deleted; and what it logged.
func TestScriptKeepsNewestN(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		db   string
		keep int
		args string // "" reads N from the cron file
		cron string
	}{
		{name: "keep 1 on MySQL", db: testhost.DBMySQL, keep: 1, args: "--keep 1"},
		{name: "keep 3 on MariaDB", db: testhost.DBMariaDB, keep: 3, args: "--keep=3"},
		{name: "keep 2 read from the cron file", db: testhost.DBMySQL, keep: 2,
			cron: "0 3 * * 0 root /usr/local/sbin/hardsail-logcleanup --keep 2 >/dev/null\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := testhost.Start(t, testhost.Options{DB: tc.db})
			sys := listenSyslog(t, h)
			setUpOddFiles(t, h)
			if tc.cron != "" {
				cf, err := cronFile("0 3 * * 0", tc.keep)
				if err != nil {
					t.Fatal(err)
				}
				put(t, h, CronPath, string(cf.Body), testhost.Now)
			}

			exists, before := listing(t, h)
			rotated := Collect(Families(bitnamiLayout(), func(d string) bool { return exists[d] }), before)
			doomed := Doomed(rotated, tc.keep)
			tree := allFiles(t, h)

			// The kept set is stated by name; everything else rotated goes.
			want := map[string]bool{}
			for p := range tree {
				want[p] = true
			}
			keep := keptPaths(tc.db, tc.keep)
			for _, r := range rotated {
				if !slices.Contains(keep, r.Path) {
					delete(want, r.Path)
				}
			}
			var wantLines []string
			var freed int64
			for _, d := range doomed {
				wantLines = append(wantLines, fmt.Sprintf("%%s %s (%d bytes)", displayPath(d.Path), d.Size))
				freed += d.Size
			}
			summary := fmt.Sprintf("%%s %d file(s), %d bytes, keeping the newest %d per log", len(doomed), freed, tc.keep)

			// A dry run names the same files and changes nothing.
			out, stderr, rc := h.Run(t, "sudo "+ScriptPath+" --dry-run "+tc.args)
			if rc != 0 {
				t.Fatalf("dry run: exit %d: %s", rc, stderr)
			}
			if got, want := lines(out), expand(wantLines, summary, "would delete"); !slices.Equal(got, want) {
				t.Errorf("dry run printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if diff := mapDiff(tree, allFiles(t, h)); diff != "" {
				t.Fatalf("dry run changed files:\n%s", diff)
			}
			if msgs := tagged(sys.drain(t), "hardsail-logcleanup"); len(msgs) != 0 {
				t.Errorf("dry run logged to syslog: %q", msgs)
			}

			out, stderr, rc = h.Run(t, "sudo "+ScriptPath+" "+tc.args)
			if rc != 0 {
				t.Fatalf("cleanup: exit %d: %s", rc, stderr)
			}
			after := allFiles(t, h)
			var gone []string
			for p, sum := range tree {
				if a, ok := after[p]; !ok {
					gone = append(gone, p)
				} else if a != sum {
					t.Errorf("%q changed: %s → %s", p, sum, a)
				}
				if want[p] != (after[p] != "") {
					t.Errorf("%q: want kept=%v, got kept=%v", p, want[p], after[p] != "")
				}
			}
			for p := range after {
				if _, ok := tree[p]; !ok {
					t.Errorf("%q appeared (a name was run as a command?)", p)
				}
			}
			var goSelected []string
			for _, d := range doomed {
				goSelected = append(goSelected, d.Path)
			}
			slices.Sort(gone)
			slices.Sort(goSelected)
			if !slices.Equal(gone, goSelected) {
				t.Errorf("the script deleted\n%q\nthe preview's selection was\n%q", gone, goSelected)
			}
			if len(gone) == 0 {
				t.Errorf("nothing was deleted; the fixture should leave something to delete")
			}
			wantOut := expand(wantLines, summary, "deleted")
			if got := lines(out); !slices.Equal(got, wantOut) {
				t.Errorf("cleanup printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantOut, "\n"))
			}
			if got := tagged(sys.drain(t), "hardsail-logcleanup"); !slices.Equal(got, wantOut) {
				t.Errorf("cleanup logged to syslog\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantOut, "\n"))
			}

			// A second run finds nothing more to delete.
			out, _, rc = h.Run(t, "sudo "+ScriptPath+" "+tc.args)
			if want := fmt.Sprintf("deleted 0 file(s), 0 bytes, keeping the newest %d per log\n", tc.keep); rc != 0 || out != want {
				t.Errorf("second run: exit %d, printed %q, want %q", rc, out, want)
			}
		})
	}
}

func lines(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") }

func expand(formats []string, summary, verb string) []string {
	var out []string
	for _, f := range append(slices.Clone(formats), summary) {
		out = append(out, fmt.Sprintf(f, verb))
	}
	return out
}

func mapDiff(a, b map[string]string) string {
	var d []string
	for k, v := range a {
		if b[k] != v {
			d = append(d, fmt.Sprintf("%q: %q → %q", k, v, b[k]))
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			d = append(d, fmt.Sprintf("%q: new %q", k, v))
		}
	}
	slices.Sort(d)
	return strings.Join(d, "\n")
}
