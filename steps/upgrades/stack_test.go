package upgrades

import (
	"strings"
	"testing"

	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps/blueprint"
)

// layoutHost is gathered facts answering blueprint.Query for a host with dirs and listed files.
func layoutHost(dirs, listed []string, components string) *sshhost.Facts {
	f := &sshhost.Facts{OS: map[string]string{"ID": "debian", "VERSION_ID": "12"}, Dirs: map[string]bool{}, Files: map[string]sshhost.File{}}
	for _, d := range dirs {
		f.Dirs[d] = true
	}
	for _, p := range listed {
		f.Listing = append(f.Listing, sshhost.DirEntry{Path: p})
	}
	for _, p := range blueprint.Query().Files {
		f.Files[p] = sshhost.File{Path: p, Exists: components != "", Body: []byte(components)}
	}
	return f
}

func TestStackFindings(t *testing.T) {
	bitnami, _ := blueprint.Of(blueprint.Bitnami)
	lightsail, _ := blueprint.Of(blueprint.Lightsail)
	bitnamiHost := []string{bitnami.Marker, bitnami.WebRoot}
	lightsailHost := []string{lightsail.Marker, lightsail.WebRoot}
	cases := []struct {
		name string
		hint blueprint.Hint
		f    *sshhost.Facts
		want []string // severity: part of the message, one per finding in order
	}{
		{"Bitnami with versions", blueprint.HintOf("wordpress", "WordPress"),
			layoutHost(bitnamiHost, []string{bitnami.WPConfig}, `{"apache":{"version":"2.4.62-3"},"php":{"version":"8.2.26-1"},"mariadb":{"version":"11.4.4-0"}}`),
			[]string{"warning: apt does not patch the web stack of WordPress packaged by Bitnami under " + bitnami.Marker +
				" (Apache 2.4.62-3, PHP 8.2.26-1, MariaDB 11.4.4-0): automatic updates cover the operating system only"}},
		{"Bitnami without a component list", blueprint.Hint{},
			layoutHost(bitnamiHost, []string{bitnami.WPConfig}, ""),
			[]string{"warning: (its versions are not listed on this host)"}},
		{"Lightsail-packaged", blueprint.HintOf("wordpress_lightsail", "WordPress"),
			layoutHost(lightsailHost, []string{lightsail.WPConfig}, ""),
			[]string{"info: these automatic updates patch them too"}},
		{"Lightsail-packaged host, Bitnami blueprint id", blueprint.HintOf("wordpress", "WordPress"),
			layoutHost(lightsailHost, []string{lightsail.WPConfig}, ""),
			[]string{"info: hardsail follows the host", "info: these automatic updates patch them too"}},
		{"both layouts", blueprint.Hint{},
			layoutHost(append(bitnamiHost, lightsailHost...), []string{lightsail.WPConfig, bitnami.WPConfig}, ""),
			[]string{"warning: both WordPress layouts"}},
		{"neither", blueprint.Hint{}, layoutHost(nil, nil, ""), []string{"warning: no WordPress layout hardsail knows"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := stackFindings(tc.hint, blueprint.Detect(tc.f))
			if len(got) != len(tc.want) {
				t.Fatalf("findings %+v, want %d", got, len(tc.want))
			}
			for i, w := range tc.want {
				sev, msg, _ := strings.Cut(w, ": ")
				if got[i].Severity != sev || !strings.Contains(got[i].Message, msg) {
					t.Errorf("finding %d = %s: %q, want %s with %q", i, got[i].Severity, got[i].Message, sev, msg)
				}
			}
		})
	}
}
