package wordpress

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"strings"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/hostfile"
)

// fileEditBlock turns off WordPress's built-in theme and plugin editor (an admin session, or a
// stolen cookie, could otherwise write PHP straight into the site).
var fileEditBlock = hostfile.Block{
	Begin: "// BEGIN hardsail wordpress\n",
	End:   "// END hardsail wordpress\n",
	Text: "// BEGIN hardsail wordpress\n" +
		"// The theme and plugin file editor is off: code changes go through updates or SFTP.\n" +
		"define( 'DISALLOW_FILE_EDIT', true );\n" +
		"// END hardsail wordpress\n",
	Anchors: []string{"That's all, stop editing", "require_once ABSPATH . 'wp-settings.php'"},
}

// configMode is wp-config.php's mode: the owner writes, the web server's group reads, no one else.
const configMode fs.FileMode = 0o640

// Plan fixes what is safe to fix: wp-config.php's mode and group, the DISALLOW_FILE_EDIT block, and
// (once the user says the password is saved elsewhere) the first admin's password file.
func (*Step) Plan(st steps.State, set steps.Settings) (steps.Plan, error) {
	p := steps.Plan{Step: ID, Fingerprint: st.Fingerprint()}
	if st.Skip != "" {
		return p, nil
	}
	f, err := steps.FactsOf[Facts](st)
	if err != nil {
		return p, err
	}
	if c, ok := modeChange(f); ok {
		p.Changes = append(p.Changes, c)
	}
	if c, ok := blockChange(f.Config); ok {
		p.Changes = append(p.Changes, c)
	}
	if f.Password.Exists && f.Password.Link == "" && set.AdminPasswordSaved {
		p.Changes = append(p.Changes, steps.Change{Action: steps.Delete, Address: hostfile.Address(f.Password.Path), Sensitive: true,
			Before: "the first admin's password", File: true,
			Why: "the first admin password should not stay in a file on the server; hardsail keeps a root-only copy for undo"})
		p.Notes = append(p.Notes, "Undo puts "+f.Password.Path+" back from a root-only copy in "+hostfile.BackupDir+".")
	}
	return p, nil
}

func modeChange(f Facts) (steps.Change, bool) {
	c := f.Config
	if c.Sum == "" || c.Link != "" || fs.FileMode(c.Mode)&0o007 == 0 {
		return steps.Change{}, false
	}
	return steps.Change{Action: steps.Update, Address: hostfile.Address(c.Path),
		Before: fmt.Sprintf("mode %04o %s:%s", c.Mode, c.Owner, c.Group),
		After:  fmt.Sprintf("mode %04o %s:%s", configMode, c.Owner, f.WebGroup),
		Why:    "wp-config.php holds the database password; only its owner and the web server's group need to read it"}, true
}

func blockChange(c Config) (steps.Change, bool) {
	if c.Sum == "" || c.Link != "" || c.Block == "current" || c.FileEdit != "" && c.Block == "" || !(c.Anchor || c.Block == "other") {
		return steps.Change{}, false
	}
	ch := steps.Change{Action: steps.Create, Address: hostfile.Address(c.Path), After: fileEditBlock.Text, File: true,
		Why: "turns off WordPress's theme and plugin file editor (DISALLOW_FILE_EDIT)"}
	if c.Block == "other" {
		ch.Action, ch.Why = steps.Update, "the hardsail wordpress block differs from this version's; "+ch.Why
	}
	return ch, true
}

// findings are the audit's results, each with a stable id.
func findings(f Facts) []steps.Finding {
	var out []steps.Finding
	add := func(id, sev, msg, fix string) {
		out = append(out, steps.Finding{ID: ID + "." + id, Severity: sev, Message: msg, Fix: fix})
	}
	switch {
	case f.Core == "":
		add("core_version_unknown", "warning", "No WordPress version in "+f.WebRoot+"/wp-includes/version.php", "Check that WordPress is installed in "+f.WebRoot+".")
	case f.Latest != "" && f.Latest != f.Core:
		add("core_outdated", "warning", fmt.Sprintf("WordPress %s is installed; the latest release is %s", f.Core, f.Latest),
			"Update WordPress in its dashboard (Dashboard → Updates), after a snapshot.")
	}
	for _, list := range []struct {
		kind string
		cs   []Component
	}{{"plugin", f.Plugins}, {"theme", f.Themes}} {
		for _, c := range list.cs {
			switch {
			case c.Latest != "" && c.Latest != c.Version:
				add(list.kind+"_outdated", "warning", fmt.Sprintf("%s %s %s is installed; WordPress.org has %s", strings.ToUpper(list.kind[:1])+list.kind[1:], c.Name, c.Version, c.Latest),
					"Update it in WordPress (Dashboard → Updates), or remove it if the site does not use it.")
			case f.Unreachable == "" && !c.Listed:
				add(list.kind+"_not_in_directory", "info", fmt.Sprintf("%s %s (%s) is not in WordPress.org's directory: hardsail cannot tell whether it is up to date", strings.ToUpper(list.kind[:1])+list.kind[1:], c.Name, c.Slug),
					"Check its vendor's site for updates.")
			}
		}
	}
	out = append(out, checksumFindings(f)...)
	if f.Unreachable != "" {
		add("latest_unknown", "warning", "The latest versions could not be fetched from WordPress.org, so updates and core checksums were not checked: "+f.Unreachable,
			"Check this computer's internet connection, then run `hardsail verify` again.")
	}
	return append(out, configFindings(f)...)
}

func checksumFindings(f Facts) []steps.Finding {
	var out []steps.Finding
	switch {
	case f.Checked && len(f.Modified)+len(f.Missing)+len(f.Extra) > 0:
		var parts []string
		for _, g := range []struct {
			what  string
			files []string
		}{{"changed", f.Modified}, {"missing", f.Missing}, {"not part of WordPress", f.Extra}} {
			if len(g.files) > 0 {
				parts = append(parts, g.what+": "+listOf(g.files, 10))
			}
		}
		out = append(out, steps.Finding{ID: ID + ".core_checksums", Severity: "warning",
			Message: fmt.Sprintf("WordPress %s core files do not match WordPress.org's checksums (%s)", f.Core, strings.Join(parts, "; ")),
			Fix:     "Reinstall the core files (Dashboard → Updates → Re-install), and look for a break-in if nobody changed them."})
	case !f.Checked && f.Core != "" && f.Unreachable == "":
		out = append(out, steps.Finding{ID: ID + ".core_checksums_unknown", Severity: "info",
			Message: "WordPress.org has no checksums for WordPress " + f.Core + ": the core files were not checked",
			Fix:     "Update WordPress to a release WordPress.org lists."})
	}
	return out
}

func configFindings(f Facts) []steps.Finding {
	var out []steps.Finding
	add := func(id, msg, fix string) {
		out = append(out, steps.Finding{ID: ID + "." + id, Severity: "warning", Message: msg, Fix: fix})
	}
	c := f.Config
	if c.Link != "" {
		add("wp_config_link", c.Path+" is a symbolic link to "+c.Link+": hardsail changes only regular files and left it alone",
			(&hostfile.LinkError{Path: c.Path, Target: c.Link}).HintText())
	}
	if c.Sum != "" && fs.FileMode(c.Mode)&0o007 != 0 {
		add("wp_config_readable", fmt.Sprintf("%s (mode %04o) can be read by every user on the server, and it holds the database password", c.Path, c.Mode),
			"hardsail apply wordpress (mode 0640, group "+f.WebGroup+")")
	}
	switch {
	case c.Sum == "" || c.FileEdit == "off":
	case c.FileEdit == "on":
		add("file_edit", c.Path+" defines DISALLOW_FILE_EDIT but not as true: the theme and plugin file editor is on",
			"Set define( 'DISALLOW_FILE_EDIT', true ); in "+c.Path+" by hand.")
	case !c.Anchor:
		add("file_edit", "DISALLOW_FILE_EDIT is not set, and "+c.Path+" has no line hardsail can put it before: "+fileEditBlock.NoAnchor().Error(),
			"Add define( 'DISALLOW_FILE_EDIT', true ); to "+c.Path+" by hand.")
	default:
		add("file_edit", "DISALLOW_FILE_EDIT is not set: anyone signed in as an admin can write PHP into the site from the dashboard",
			"hardsail apply wordpress")
	}
	if f.Password.Exists {
		add("admin_password_file", "The first WordPress admin password is still in "+f.Password.Path,
			"Save it in a password manager (or change it), then run `hardsail apply wordpress --admin-password-saved` to remove the file.")
	}
	return out
}

func listOf(files []string, n int) string {
	if len(files) <= n {
		return strings.Join(files, ", ")
	}
	return strings.Join(files[:n], ", ") + fmt.Sprintf(" and %d more", len(files)-n)
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
