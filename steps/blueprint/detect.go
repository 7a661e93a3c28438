package blueprint

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/hardsail/hardsail/remote/sshhost"
)

// Query is what detection reads, in the engine's one gathering: each layout's marker directory, the
// directory its wp-config.php would be in (listed, never read: the file holds the database
// password), and Bitnami's list of component versions.
func Query() sshhost.Query {
	q := sshhost.Query{}
	for _, l := range Layouts() {
		q.Dirs = append(q.Dirs, l.Marker)
		if l.Components != "" {
			q.Files = append(q.Files, l.Components)
		}
	}
	q.Dirs = append(q.Dirs, webRootDirs()...)
	return q
}

// QueryWith is a step's own host query followed by what tells the layouts apart (Query), for a step
// whose Check needs both.
func QueryWith(own sshhost.Query) sshhost.Query {
	layout := Query()
	own.Files = append(own.Files, layout.Files...)
	own.Dirs = append(own.Dirs, layout.Dirs...)
	return own
}

// Detection is what the host says it runs. Exactly one of Flavour and Problem is set.
type Detection struct {
	Flavour Flavour `json:"flavour,omitempty"`
	// OS is os-release's PRETTY_NAME (or ID).
	OS string `json:"os,omitempty"`
	// Evidence is what was found, e.g. "/opt/aws/wordpress exists".
	Evidence []string `json:"evidence,omitempty"`
	// Problem says why no layout was chosen: both found, neither, or an OS neither runs on.
	Problem string `json:"problem,omitempty"`
	// WordPress is whether the layout's wp-config.php is there.
	WordPress bool `json:"wordpress,omitempty"`
	// Stack is the versions of the web stack's own components where apt does not know them
	// ("Apache 2.4.62", "PHP 8.2.26", "MariaDB 11.4.4"), as the host lists them.
	Stack []string `json:"stack,omitempty"`
}

// Layout is the detected layout; ok is false when Problem is set.
func (d Detection) Layout() (Layout, bool) {
	if d.Flavour == "" {
		return Layout{}, false
	}
	return Of(d.Flavour)
}

// Describe names the layout, or says why there is none, in one line (for a header or a skip reason).
func (d Detection) Describe() string {
	if l, ok := d.Layout(); ok {
		return l.Name + " (detected on the host: " + strings.Join(d.Evidence, ", ") + ")"
	}
	return d.Problem
}

// Detect reads the layout from the gathered facts (which must answer Query). The host's directories
// decide: a layout is there when its marker directory is; its wp-config.php must be where that layout
// keeps it and nowhere another layout would. Both, neither, a wp-config.php in the other layout's
// place, or an OS that is not Debian's family is a Problem, never a guess.
func Detect(f *sshhost.Facts) Detection {
	d := Detection{OS: osName(f.OS)}
	var marked, configured []Layout
	for _, l := range Layouts() {
		if f.Dirs[l.Marker] {
			marked = append(marked, l)
			d.Evidence = append(d.Evidence, l.Marker+" exists")
		}
		if listed(f, l.WPConfig) {
			configured = append(configured, l)
			d.Evidence = append(d.Evidence, "WordPress's configuration is "+l.WPConfig)
		}
	}
	switch {
	case len(marked) == 0:
		d.Problem = "no WordPress layout hardsail knows is on this host: " + absent()
		if len(configured) > 0 {
			d.Problem += " (" + configured[0].WPConfig + " exists, but not " + configured[0].Marker + ")"
		}
	case len(marked) > 1:
		d.Problem = "both WordPress layouts are on this host (" + strings.Join(d.Evidence, ", ") +
			"): hardsail will not guess which one serves the site"
	case len(configured) > 1 || (len(configured) == 1 && configured[0].Flavour != marked[0].Flavour):
		d.Problem = "the host mixes the two WordPress layouts (" + strings.Join(d.Evidence, ", ") +
			"): hardsail will not guess which one serves the site"
	case !debianFamily(f.OS):
		d.Problem = fmt.Sprintf("%s has the %s layout, but runs %s: both WordPress layouts hardsail knows are Debian's",
			marked[0].Marker, marked[0].Name, cmp.Or(d.OS, "an OS without /etc/os-release"))
	default:
		d.Flavour = marked[0].Flavour
		d.WordPress = len(configured) == 1
		d.Stack = stackVersions(f, marked[0])
	}
	if d.Problem != "" {
		d.Evidence = nil
	}
	return d
}

// absent lists what was looked for.
func absent() string {
	var out []string
	for _, l := range Layouts() {
		out = append(out, l.Marker)
	}
	return "neither " + strings.Join(out, " nor ") + " exists"
}

// listed reports whether p is in its directory's listing (a symbolic link counts: Bitnami links
// wp-config.php on some images).
func listed(f *sshhost.Facts, p string) bool {
	if !f.Dirs[path.Dir(p)] {
		return false
	}
	return slices.ContainsFunc(f.Listing, func(e sshhost.DirEntry) bool { return e.Path == p })
}

func debianFamily(os map[string]string) bool {
	if os["ID"] == "debian" || os["ID"] == "ubuntu" {
		return true
	}
	return slices.Contains(strings.Fields(os["ID_LIKE"]), "debian")
}

func osName(os map[string]string) string {
	return cmp.Or(os["PRETTY_NAME"], os["ID"])
}
