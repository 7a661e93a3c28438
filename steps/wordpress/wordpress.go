// Package wordpress is the WordPress audit (issue "Beyond the guide"): the core version against the
// latest release, plugins and themes with updates, core files that fail WordPress.org's checksums,
// DISALLOW_FILE_EDIT, who may read wp-config.php, and the first admin's password file left in the
// login's home. It fixes the last three, each a planned change with undo. What needs WordPress.org
// is asked by hardsail itself (remote/wporg), never by the instance.
package wordpress

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/remote/wporg"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/blueprint"
)

// ID is the step's id.
const ID = "wordpress"

// Step is the step. WPOrg is the WordPress.org client (nil: wporg.FromEnv()).
type Step struct {
	steps.Identity
	WPOrg *wporg.Client
}

// New returns the step, asking WordPress.org (or $HARDSAIL_WPORG_URL).
func New() *Step {
	return &Step{Identity: steps.Named(ID, "WordPress: versions, core files and secrets")}
}

// Why is the paragraph the wizard shows.
func (*Step) Why() string {
	return "Most WordPress sites are broken into through an outdated plugin, theme or core. This step compares " +
		"what the site runs with WordPress.org, checks the core files against WordPress.org's checksums, " +
		"and closes three easy ways in: the built-in file editor, a wp-config.php anyone on the server can read, " +
		"and the first admin password left in a file in your home directory."
}

// HostQuery is the layout's detection plus each layout's wp-config.php, password file and listing
// (run as the login user; a web root that is not there costs a failed cd).
func (*Step) HostQuery() sshhost.Query {
	q := blueprint.Query()
	for _, l := range blueprint.Layouts() {
		q.Files = append(q.Files, l.WPConfig, l.FirstAdminPassword)
		q.LoginScripts = append(q.LoginScripts, inventoryScript(l.WebRoot))
	}
	return q
}

// Facts are what Check found. What the audit reads (versions, checksums, WordPress.org's answers)
// stays out of the fingerprint: no change of the plan depends on it, so a plugin released between
// preview and apply must not make the plan stale.
type Facts struct {
	Layout  blueprint.Flavour `json:"layout"`
	WebRoot string            `json:"web_root"`
	Core    string            `json:"-"`
	// Source is where the versions came from: "wp-cli" or "files".
	Source string `json:"-"`
	// Latest is WordPress.org's newest release; "" when it could not be asked (Unreachable says why).
	Latest      string      `json:"-"`
	Plugins     []Component `json:"-"`
	Themes      []Component `json:"-"`
	Checked     bool        `json:"-"` // the core files were compared with WordPress.org's checksums
	Modified    []string    `json:"-"`
	Missing     []string    `json:"-"`
	Extra       []string    `json:"-"`
	Unreachable string      `json:"-"`
	Config      Config      `json:"config"`
	WebGroup    string      `json:"web_group"`
	Password    Secret      `json:"password"`
}

// Config is wp-config.php without its body (it holds the database password): a checksum stands in.
type Config struct {
	Path string `json:"path"`
	// Sum stays out of the fingerprint: another step's edit earlier in the run (https's block) must
	// not make this plan stale; the edit itself refuses a body that is not the one Check read live.
	Sum   string `json:"-"`
	Mode  uint32 `json:"mode"`
	Owner string `json:"owner"`
	Group string `json:"group"`
	Link  string `json:"link,omitempty"`
	// FileEdit is what DISALLOW_FILE_EDIT does: "off" (defined true), "on" (defined otherwise), "" (not defined).
	FileEdit string `json:"file_edit"`
	Block    string `json:"block,omitempty"` // hardsail's block: "current", "other" or ""
	Anchor   bool   `json:"anchor"`          // there is a line the block can go before
}

// Secret is the first admin's password file, without its body.
type Secret struct {
	Path   string `json:"path"`
	Exists bool   `json:"exists"`
	Sum    string `json:"sum,omitempty"`
	Link   string `json:"link,omitempty"`
}

// Check reads the host and asks WordPress.org.
func (s *Step) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	st := steps.State{Step: ID}
	hf, err := env.HostFacts(ctx, s.HostQuery())
	if err != nil {
		return st, err
	}
	d := blueprint.Detect(hf)
	l, ok := d.Layout()
	switch {
	case !ok:
		st.Skip = d.Problem
		return st, nil
	case !d.WordPress:
		st.Skip = "WordPress is not installed here: " + l.WPConfig + " does not exist"
		return st, nil
	}
	f := Facts{Layout: l.Flavour, WebRoot: l.WebRoot, WebGroup: l.WebGroup,
		Config: configOf(l.WPConfig, hf.Files[l.WPConfig]), Password: secretOf(l.FirstAdminPassword, hf.Files[l.FirstAdminPassword])}
	res, err := hf.Script(inventoryScript(l.WebRoot))
	if err != nil {
		return st, fmt.Errorf("list WordPress's files in %s: %w", l.WebRoot, err)
	}
	inv, err := parseInventory(res.Stdout)
	if err != nil {
		return st, fmt.Errorf("list WordPress's files in %s: %w", l.WebRoot, err)
	}
	f.Core, f.Plugins, f.Themes, f.Source = inv.Core, inv.Plugins, inv.Themes, inv.Source
	s.askWPOrg(ctx, env, &f, inv.MD5)
	st.Facts = f
	st.Findings = findings(f)
	return st, nil
}

// askWPOrg fills in what WordPress.org knows. A failure is a finding, never the step's failure.
func (s *Step) askWPOrg(ctx context.Context, env *steps.Env, f *Facts, md5 map[string]string) {
	api := s.WPOrg
	if api == nil {
		api = wporg.FromEnv()
	}
	observed := *api
	observed.Observe = func(u string, status int, took time.Duration, err error) {
		env.Emit(steps.Event{Kind: steps.EventCommand, Step: ID, Message: fmt.Sprintf("GET %s (HTTP %d, %s)", u, status, took.Round(time.Millisecond))})
	}
	var failed error
	keep := func(err error) bool {
		if err != nil && !errors.Is(err, wporg.ErrNotFound) && failed == nil {
			failed = err
		}
		return err == nil
	}
	if v, err := observed.LatestCore(ctx); keep(err) {
		f.Latest = v
	}
	if failed == nil && f.Core != "" {
		if sums, err := observed.Checksums(ctx, f.Core); keep(err) {
			f.Checked = true
			f.Modified, f.Missing, f.Extra = checksums(sums, md5)
		}
	}
	for _, list := range []struct {
		cs  []Component
		get func(context.Context, string) (string, error)
	}{{f.Plugins, observed.Plugin}, {f.Themes, observed.Theme}} {
		for i := range list.cs {
			if failed != nil {
				break
			}
			v, err := list.get(ctx, list.cs[i].Slug)
			list.cs[i].Listed = keep(err)
			list.cs[i].Latest = v
		}
	}
	if failed != nil {
		f.Unreachable = failed.Error()
		env.Logger().Warn("WordPress.org not reached", "err", failed)
	}
}

// Compiled when first used, not at every start of the binary.
var (
	fileEditOff = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?mi)^[ \t]*define\(\s*['"]DISALLOW_FILE_EDIT['"]\s*,\s*true\s*\)`)
	})
	fileEditAny = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?mi)^[ \t]*define\(\s*['"]DISALLOW_FILE_EDIT['"]`) })
)

func configOf(p string, file sshhost.File) Config {
	c := Config{Path: p, Mode: uint32(file.Mode.Perm()), Owner: file.Owner, Group: file.Group, Link: file.Link}
	if !file.Exists {
		return c
	}
	c.Sum = sum(file.Body)
	switch {
	case fileEditOff().Match(file.Body):
		c.FileEdit = "off"
	case fileEditAny().Match(file.Body):
		c.FileEdit = "on"
	}
	if st, e, ok := fileEditBlock.Find(file.Body); ok {
		c.Block = "other"
		if string(file.Body[st:e]) == fileEditBlock.Text {
			c.Block = "current"
		}
	}
	_, err := fileEditBlock.Insert(file.Body)
	c.Anchor = err == nil
	return c
}

func secretOf(p string, file sshhost.File) Secret {
	s := Secret{Path: p, Exists: file.Exists, Link: file.Link}
	if file.Exists {
		s.Sum = sum(file.Body)
	}
	return s
}

// owns is the allow-list of files the step changes: each layout's wp-config.php and password file.
func owns(p string) bool {
	for _, l := range blueprint.Layouts() {
		if slices.Contains([]string{l.WPConfig, l.FirstAdminPassword}, p) {
			return true
		}
	}
	return false
}
