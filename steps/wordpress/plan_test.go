package wordpress

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/steps"
)

func TestParseInventory(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	out := "V " + b64("<?php\n/**\n * @global string $wp_version\n */\n$wp_version = '6.1.9';\n") + "\n" +
		"H " + b64("wp-content/plugins/akismet/akismet.php") + " " + b64("<?php\n/**\n * @package Akismet\n */\n/*\nPlugin Name: Akismet Anti-Spam\nVersion: 5.0.2\n*/\n") + "\n" +
		"H " + b64("wp-content/plugins/akismet/wrapper.php") + " " + b64("<?php\n// no header\n") + "\n" +
		"H " + b64("wp-content/plugins/hello.php") + " " + b64("<?php\n/*\n * Plugin Name: Hello Dolly\n * Version: 1.7.2\n */\n") + "\n" +
		"H " + b64("wp-content/themes/twentytwentythree/style.css") + " " + b64("/*\nTheme Name: Twenty Twenty-Three\nVersion: 1.0\n*/\n") + "\n" +
		"H " + b64("wp-content/themes/broken/style.css") + " " + b64("body{}\n") + "\n" +
		"M 926dd0f95df723f9ed934eb058882cc8  ./index.php\nM 7de20293330b5eded6e17a2e2ffca084  ./wp-load.php\n"
	inv, err := parseInventory([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := []Component{{Slug: "akismet", Name: "Akismet Anti-Spam", Version: "5.0.2"}, {Slug: "hello", Name: "Hello Dolly", Version: "1.7.2"}}
	if inv.Core != "6.1.9" || !slices.Equal(inv.Plugins, want) || len(inv.Themes) != 1 || inv.Themes[0].Version != "1.0" || len(inv.MD5) != 2 || inv.MD5["index.php"] == "" {
		t.Errorf("parsed %+v", inv)
	}
	if _, err := parseInventory([]byte("H !!! x\n")); err == nil {
		t.Error("a header line that is not base64 was accepted")
	}
}

func TestChecksums(t *testing.T) {
	want := map[string]string{"index.php": "a", "wp-load.php": "b", "wp-admin/x.php": "c", "wp-content/plugins/akismet/akismet.php": "d"}
	have := map[string]string{"index.php": "A", "wp-load.php": "e", "wp-includes/evil.php": "f", "wp-config.php": "g", "wp-admin/x.php": "c"}
	mod, miss, extra := checksums(want, have)
	if !slices.Equal(mod, []string{"wp-load.php"}) || len(miss) != 0 || !slices.Equal(extra, []string{"wp-includes/evil.php"}) {
		t.Errorf("modified %q, missing %q, extra %q", mod, miss, extra)
	}
}

// TestPlan: each fix is planned from the facts that call for it, and only then.
func TestPlan(t *testing.T) {
	base := Facts{Layout: "lightsail", WebRoot: "/w", WebGroup: "www-data", Core: "6.1.9", Latest: "6.1.9",
		Config:   Config{Path: "/w/wp-config.php", Sum: "s", Mode: 0o640, Owner: "root", Group: "www-data", Anchor: true},
		Password: Secret{Path: "/home/admin/application_credentials", Exists: true, Sum: "p"}}
	cases := []struct {
		name  string
		edit  func(*Facts)
		saved bool
		want  []string
	}{
		{"block only", nil, false, []string{"+ host:/w/wp-config.php"}},
		{"password saved", nil, true, []string{"+ host:/w/wp-config.php", "- host:/home/admin/application_credentials"}},
		{"readable by others", func(f *Facts) { f.Config.Mode = 0o644 }, false, []string{"~ host:/w/wp-config.php", "+ host:/w/wp-config.php"}},
		{"editor already off", func(f *Facts) { f.Config.FileEdit = "off" }, false, nil},
		{"editor defined on by hand", func(f *Facts) { f.Config.FileEdit = "on" }, false, nil},
		{"our block from another version", func(f *Facts) { f.Config.FileEdit, f.Config.Block = "off", "other" }, false, []string{"~ host:/w/wp-config.php"}},
		{"no anchor", func(f *Facts) { f.Config.Anchor = false }, false, nil},
		{"a link", func(f *Facts) { f.Config.Link, f.Config.Mode = "/elsewhere", 0o644 }, false, nil},
		{"no password file", func(f *Facts) { f.Password = Secret{Path: f.Password.Path} }, true, []string{"+ host:/w/wp-config.php"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := base
			if tc.edit != nil {
				tc.edit(&f)
			}
			p, err := New().Plan(steps.State{Step: ID, Facts: f}, steps.Settings{AdminPasswordSaved: tc.saved})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range p.Changes {
				got = append(got, string(c.Action)+" "+c.Address)
				if strings.Contains(c.Address, "credentials") && (!c.Sensitive || c.Redacted().Before != steps.SensitiveValue) {
					t.Errorf("the password file's change is not sensitive: %+v", c)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("plan %q, want %q", got, tc.want)
			}
		})
	}
}

func TestOptionRefusesNonsense(t *testing.T) {
	o := New().Options()[0]
	var s steps.Settings
	if err := o.Set(&s, "maybe"); err == nil || s.AdminPasswordSaved {
		t.Errorf("set maybe: %v, %v", err, s.AdminPasswordSaved)
	}
	if err := o.Set(&s, "true"); err != nil || !s.AdminPasswordSaved || o.Get(s) != "true" {
		t.Errorf("set true: %v, %v", err, s.AdminPasswordSaved)
	}
}

// TestFingerprintLeavesOutTheAudit: a release on WordPress.org between preview and apply does not
// make the plan stale; a change of wp-config.php's mode does.
func TestFingerprintLeavesOutTheAudit(t *testing.T) {
	a := Facts{Layout: "bitnami", Core: "6.1.9", Latest: "6.8.1", Config: Config{Path: "/w/wp-config.php", Sum: "s"}}
	b := a
	b.Latest, b.Plugins, b.Unreachable = "6.8.2", []Component{{Slug: "akismet", Latest: "5.5"}}, ""
	c := a
	c.Config.Mode = 0o644
	fp := func(f Facts) string { return steps.State{Step: ID, Facts: f}.Fingerprint() }
	if fp(a) != fp(b) || fp(a) == fp(c) {
		t.Errorf("fingerprints: audit changed %v (want same), wp-config changed %v (want different)", fp(a) != fp(b), fp(a) != fp(c))
	}
}
