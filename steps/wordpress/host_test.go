package wordpress

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/internal/emulator"
	"github.com/hardsail/hardsail/internal/hostmanifest"
	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/remote/wporg"
	"github.com/hardsail/hardsail/remote/wporg/recorded"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/blueprint"
	"github.com/hardsail/hardsail/steps/hostfile"
	"github.com/hardsail/hardsail/steps/steptest"
)

// recordedStep is the step asking a local server of recorded WordPress.org answers (latest core
// release: latest, or the recorded 6.8.1 when "").
func recordedStep(t *testing.T, latest string) *Step {
	srv := httptest.NewServer(recorded.Handler(latest))
	t.Cleanup(srv.Close)
	return &Step{Identity: New().Identity, WPOrg: wporg.New(srv.URL)}
}

// offlineStep asks a WordPress.org that nothing answers for.
func offlineStep(t *testing.T) *Step {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	return &Step{Identity: New().Identity, WPOrg: wporg.New(srv.URL)}
}

func layoutOf(flavour string) blueprint.Layout {
	l, ok := blueprint.Of(blueprint.Flavour(flavour))
	if !ok {
		panic("no layout " + flavour)
	}
	return l
}

// fresh is what a freshly built test host reports: WordPress 6.1.9 with Akismet 5.0.2 and Twenty
// Twenty-Three 1.0, all older than the recorded answers, the file editor on, the password file there.
var fresh = []string{"wordpress.core_outdated", "wordpress.plugin_outdated", "wordpress.theme_outdated", "wordpress.file_edit", "wordpress.admin_password_file"}

func without(ids []string, drop ...string) []string {
	return slices.DeleteFunc(slices.Clone(ids), func(s string) bool { return slices.Contains(drop, s) })
}

// TestChecksOnHosts runs every check against real hosts of both layouts, each case a host made to
// pass or fail it, and compares the findings' ids (and what they name).
func TestChecksOnHosts(t *testing.T) {
	cases := []struct {
		name    string
		step    func(t *testing.T) *Step
		perturb func(l blueprint.Layout) string // a root shell command; "" for the host as built
		want    []string
		says    map[string]string // finding id → part of its message
	}{
		{name: "as built", want: fresh, says: map[string]string{
			"wordpress.core_outdated":   "WordPress 6.1.9 is installed; the latest release is 6.8.1",
			"wordpress.plugin_outdated": "Akismet Anti-Spam 5.0.2 is installed; WordPress.org has 5.4",
			"wordpress.theme_outdated":  "Twenty Twenty-Three 1.0 is installed; WordPress.org has 1.6"}},
		{name: "core is the latest release", step: func(t *testing.T) *Step { return recordedStep(t, "6.1.9") },
			want: without(fresh, "wordpress.core_outdated")},
		{name: "plugin and theme up to date",
			perturb: func(l blueprint.Layout) string {
				return "sed -i 's/^Version: 5.0.2/Version: 5.4/' " + l.WebRoot + "/wp-content/plugins/akismet/akismet.php && " +
					"sed -i 's/^Version: 1.0$/Version: 1.6/' " + l.WebRoot + "/wp-content/themes/twentytwentythree/style.css"
			},
			want: without(fresh, "wordpress.plugin_outdated", "wordpress.theme_outdated")},
		{name: "a plugin outside the directory",
			perturb: func(l blueprint.Layout) string {
				return "printf '<?php\\n/*\\nPlugin Name: Agency Tools\\nVersion: 2.0\\n*/\\n' > " + l.WebRoot + "/wp-content/plugins/agency-tools-not-found.php"
			},
			want: append(slices.Clone(fresh), "wordpress.plugin_not_in_directory")},
		{name: "core files changed, missing and added",
			perturb: func(l blueprint.Layout) string {
				return "echo '<?php eval($_POST[1]);' >> " + l.WebRoot + "/wp-load.php && rm " + l.WebRoot + "/wp-links-opml.php && " +
					"echo '<?php' > " + l.WebRoot + "/wp-includes/class-wp-cache.php"
			},
			want: append(slices.Clone(fresh), "wordpress.core_checksums"),
			says: map[string]string{"wordpress.core_checksums": "changed: wp-load.php; missing: wp-links-opml.php; not part of WordPress: wp-includes/class-wp-cache.php"}},
		{name: "file editor off by hand",
			perturb: func(l blueprint.Layout) string {
				return `sed -i "s|^/\* That's all, stop editing|define( 'DISALLOW_FILE_EDIT', true );\n&|" ` + l.WPConfig
			},
			want: without(fresh, "wordpress.file_edit")},
		{name: "file editor defined on",
			perturb: func(l blueprint.Layout) string {
				return `sed -i "s|^/\* That's all, stop editing|define( 'DISALLOW_FILE_EDIT', false );\n&|" ` + l.WPConfig
			},
			want: fresh, says: map[string]string{"wordpress.file_edit": "defines DISALLOW_FILE_EDIT but not as true"}},
		{name: "wp-config readable by everyone", perturb: func(l blueprint.Layout) string { return "chmod 644 " + l.WPConfig },
			want: append(slices.Clone(fresh), "wordpress.wp_config_readable"),
			says: map[string]string{"wordpress.wp_config_readable": "(mode 0644) can be read by every user"}},
		{name: "password file removed", perturb: func(l blueprint.Layout) string { return "rm " + l.FirstAdminPassword },
			want: without(fresh, "wordpress.admin_password_file")},
		{name: "WordPress.org unreachable", step: offlineStep,
			want: []string{"wordpress.latest_unknown", "wordpress.file_edit", "wordpress.admin_password_file"},
			says: map[string]string{"wordpress.latest_unknown": "could not be fetched from WordPress.org"}},
	}
	for _, flavour := range hostmanifest.Flavours {
		for _, tc := range cases {
			t.Run(flavour+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				w := world.New(t, world.Options{Blueprint: flavour, Host: true, OpenSSH: true})
				l := layoutOf(flavour)
				if tc.perturb != nil {
					w.Run(t, tc.perturb(l))
				}
				s := recordedStep(t, "")
				if tc.step != nil {
					s = tc.step(t)
				}
				st, err := s.Check(t.Context(), w.Env(t))
				if err != nil || st.Skip != "" {
					t.Fatalf("check: skip %q, err %v; want the findings (an unreachable WordPress.org is no failure)", st.Skip, err)
				}
				var got []string
				for _, f := range st.Findings {
					got = append(got, f.ID)
					if f.Fix == "" || f.Severity == "" {
						t.Errorf("finding %s has no fix or severity", f.ID)
					}
					if want, ok := tc.says[f.ID]; ok && !strings.Contains(f.Message, want) {
						t.Errorf("%s says %q, want it to say %q", f.ID, f.Message, want)
					}
				}
				want := slices.Clone(tc.want)
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("findings %q\nwant %q", got, want)
				}
				f, _ := steps.FactsOf[Facts](st)
				if f.Core != hostmanifest.WordPressVersion || f.Layout != blueprint.Flavour(flavour) {
					t.Errorf("core %q on %q, want %s on %s", f.Core, f.Layout, hostmanifest.WordPressVersion, flavour)
				}
			})
		}
	}
}

// TestConformance: every fix (wp-config.php's mode, the DISALLOW_FILE_EDIT block, the password
// file) under the harness on both layouts: undo puts every byte, mode, owner and group back.
func TestConformance(t *testing.T) {
	for _, flavour := range hostmanifest.Flavours {
		t.Run(flavour, func(t *testing.T) {
			t.Parallel()
			l := layoutOf(flavour)
			w := world.New(t, world.Options{Blueprint: flavour, Host: true, OpenSSH: true,
				Settings: steps.Settings{AdminPasswordSaved: true},
				Watch:    []string{l.WebRoot, l.FirstAdminPassword, hostfile.BackupDir}})
			w.Run(t, "chmod 644 "+l.WPConfig)
			s := recordedStep(t, "")
			st, err := s.Check(t.Context(), w.Env(t))
			if err != nil {
				t.Fatal(err)
			}
			p, err := s.Plan(st, steps.Settings{AdminPasswordSaved: true})
			if err != nil || len(p.Changes) != 3 {
				t.Fatalf("plan %+v, %v; want the mode, the block and the password file", p.Changes, err)
			}
			steptest.Conformance(t, steptest.Case{Step: s, World: w,
				// The site owner tightens wp-config.php himself between preview and apply.
				Perturb: func(t *testing.T) { w.Run(t, "chmod 600 "+l.WPConfig) }})
		})
	}
}

// TestSecretsStayOnTheHost: through the engine, the journal, the log and the --json result hold
// neither the database password nor the admin password; the copies are root-only; undo brings
// the password file back byte for byte with its mode and owner.
func TestSecretsStayOnTheHost(t *testing.T) {
	for _, flavour := range hostmanifest.Flavours {
		t.Run(flavour, func(t *testing.T) {
			t.Parallel()
			l := layoutOf(flavour)
			w := world.New(t, world.Options{Blueprint: flavour, Host: true, OpenSSH: true, Settings: steps.Settings{AdminPasswordSaved: true}})
			before := w.Host.TreeHash(t, l.FirstAdminPassword, l.WPConfig)
			secret := strings.TrimSpace(w.Run(t, "cat "+l.FirstAdminPassword))
			var log bytes.Buffer
			env := w.Env(t)
			env.Log = slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
			j, err := steps.OpenJournal(steps.PathsFor(t.TempDir(), steps.Key{Account: emulator.AccountID, Region: "us-east-1", Instance: "WordPress-1"}))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { j.Close() })
			eng := &steps.Engine{Steps: []steps.Step{recordedStep(t, "")}, Env: env, Journal: j}
			rs := eng.Verify(t.Context())
			out := eng.Apply(t.Context(), rs)
			if out[0].Status != steps.StatusChanged {
				t.Fatalf("apply: %+v", out[0])
			}
			if got := w.Run(t, "test -e "+l.FirstAdminPassword+" && echo there || echo gone"); got != "gone\n" {
				t.Errorf("the password file is %s after apply", got)
			}
			copies := w.Run(t, "find "+hostfile.BackupDir+" -type f ! -perm 600 -o -type f ! -user root")
			if copies != "" {
				t.Errorf("copies that are not root-only 0600: %s", copies)
			}
			raw, err := os.ReadFile(j.Path())
			js, _ := json.Marshal(append(rs, eng.Verify(t.Context())...))
			for what, text := range map[string]string{"journal": string(raw), "log": log.String(), "--json": string(js)} {
				for _, s := range []string{secret, "AUTH_KEY", "DB_PASSWORD"} {
					if strings.Contains(text, s) {
						t.Errorf("the %s holds %q", what, s)
					}
				}
			}
			if err != nil || !strings.Contains(string(raw), hostfile.BackupDir) {
				t.Errorf("the journal does not name the copies (read: %v)", err)
			}
			undo, _ := eng.UndoPlan()
			for _, o := range eng.Undo(t.Context(), undo) {
				if o.Status.Bad() {
					t.Fatalf("undo: %+v", o)
				}
			}
			if after := w.Host.TreeHash(t, l.FirstAdminPassword, l.WPConfig); !maps.Equal(before, after) {
				t.Errorf("after undo\n%v\nwant\n%v", after, before)
			}
		})
	}
}

// TestWPCLI: with wp-cli on the host its answers give the versions (what WordPress itself
// reports); a wp-cli that fails (no database, say) leaves the files' headers to say them.
func TestWPCLI(t *testing.T) {
	answering := `#!/bin/sh
case "$*" in
*"core version"*) echo 6.1.9 ;;
*"plugin list"*) printf 'name,version,status\nakismet,5.4,active\nobject-cache.php,,dropin\n' ;;
*"theme list"*) printf 'name,version,status\ntwentytwentythree,1.6,active\n' ;;
*) exit 1 ;;
esac
`
	failing := "#!/bin/sh\necho 'Error: Error establishing a database connection.' >&2\nexit 1\n"
	cases := []struct {
		name, script, source string
		want                 []string
	}{
		{"wp-cli answers", answering, "wp-cli", without(fresh, "wordpress.plugin_outdated", "wordpress.theme_outdated")},
		{"wp-cli fails", failing, "files", fresh},
	}
	for _, flavour := range hostmanifest.Flavours {
		for _, tc := range cases {
			t.Run(flavour+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				w := world.New(t, world.Options{Blueprint: flavour, Host: true, OpenSSH: true})
				w.Run(t, "printf '%s' '"+strings.ReplaceAll(tc.script, "'", `'\''`)+"' > /usr/local/bin/wp && chmod 755 /usr/local/bin/wp")
				st, err := recordedStep(t, "").Check(t.Context(), w.Env(t))
				if err != nil {
					t.Fatal(err)
				}
				f, _ := steps.FactsOf[Facts](st)
				var got []string
				for _, x := range st.Findings {
					got = append(got, x.ID)
				}
				want := slices.Clone(tc.want)
				slices.Sort(got)
				slices.Sort(want)
				if f.Source != tc.source || f.Core != "6.1.9" || !slices.Equal(got, want) {
					t.Errorf("source %q, core %q, findings %q; want %s, 6.1.9, %q", f.Source, f.Core, got, tc.source, want)
				}
				if tc.source == "wp-cli" && (len(f.Plugins) != 1 || f.Plugins[0].Name != "Akismet Anti-Spam" || f.Plugins[0].Version != "5.4") {
					t.Errorf("plugins %+v; want Akismet 5.4 named from its header, and no drop-in", f.Plugins)
				}
			})
		}
	}
}
