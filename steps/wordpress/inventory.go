package wordpress

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/hardsail/hardsail/remote/sshhost"
)

// headerBytes is how much of a file WordPress reads for its header (get_file_data: 8 KiB).
const headerBytes = 8192

// inventoryScript lists, from the web root, what the check needs in one remote command run as the
// login (WordPress's files are world-readable; nothing runs as root): the version file, the
// headers of plugins and themes (base64, as WordPress reads them), and the MD5 of every core file
// outside wp-content.
func inventoryScript(webRoot string) string {
	return `cd ` + shellWord(webRoot) + ` || exit 3
` + InventoryMark + `
printf 'V %s\n' "$(head -c ` + fmt.Sprint(headerBytes) + ` wp-includes/version.php 2>/dev/null | base64 -w0)"
for f in wp-content/plugins/*.php wp-content/plugins/*/*.php wp-content/themes/*/style.css; do
  [ -f "$f" ] || continue
  h=$(head -c ` + fmt.Sprint(headerBytes) + ` "$f" | base64 -w0)
  printf 'H %s %s\n' "$(printf %s "$f" | base64 -w0)" "$h"
done
if command -v wp >/dev/null 2>&1; then
  for q in 'core version' 'plugin list --fields=name,version,status --format=csv --skip-update-check' 'theme list --fields=name,version,status --format=csv --skip-update-check'; do
    out=$(wp --path=. --skip-plugins --skip-themes $q 2>/dev/null) && printf 'W %s %s\n' "$(printf %s "${q%% *}" | base64 -w0)" "$(printf %s "$out" | base64 -w0)"
  done
fi
find . -path ./wp-content -prune -o -type f -print0 | xargs -0 -r md5sum -- 2>/dev/null | sed 's/^/M /'
exit 0
`
}

// InventoryMark is the listing's second line, by which the demo's host knows it.
const InventoryMark = "# hardsail: list WordPress's version, plugins, themes and core files"

// Component is a plugin or theme as installed, and as WordPress.org knows it.
type Component struct {
	Slug    string `json:"slug"`
	Name    string `json:"name"`
	Version string `json:"version"`
	// Latest is the directory's version; "" when it is not in the directory or was not asked.
	Latest string `json:"latest,omitempty"`
	// Listed is false for one WordPress.org does not know (a premium or custom one).
	Listed bool `json:"listed"`
}

// inventory is what inventoryScript found.
type inventory struct {
	Core    string
	Plugins []Component
	Themes  []Component
	MD5     map[string]string // path relative to the web root → md5
	// Source is where the versions came from: "wp-cli", or "files" (the headers).
	Source string
	wpcli  map[string][]byte // wp-cli's answers by command ("core", "plugin", "theme")
}

var versionLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^\s*\$wp_version\s*=\s*['"]([^'"]+)['"]\s*;`) })

// parseInventory reads inventoryScript's output.
func parseInventory(out []byte) (inventory, error) {
	inv := inventory{MD5: map[string]string{}, wpcli: map[string][]byte{}, Source: "files"}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		tag, rest, _ := strings.Cut(sc.Text(), " ")
		switch tag {
		case "V":
			b, _ := base64.StdEncoding.DecodeString(rest)
			if m := versionLine().FindSubmatch(b); m != nil {
				inv.Core = printable(string(m[1]))
			}
		case "H":
			p, h, ok := base64Pair(rest)
			if !ok {
				return inv, fmt.Errorf("read a plugin or theme header: not base64")
			}
			inv.add(string(p), h)
		case "W":
			q, out, ok := base64Pair(rest)
			if !ok {
				return inv, fmt.Errorf("read wp-cli's answer: not base64")
			}
			inv.wpcli[string(q)] = out
		case "M":
			sum, p, ok := strings.Cut(rest, "  ")
			if ok && len(sum) == 32 {
				inv.MD5[strings.TrimPrefix(p, "./")] = sum
			}
		}
	}
	if err := sc.Err(); err != nil {
		return inv, err
	}
	inv.useWPCLI()
	slices.SortFunc(inv.Plugins, bySlug)
	slices.SortFunc(inv.Themes, bySlug)
	return inv, nil
}

// useWPCLI takes the versions from wp-cli when it answered all three questions: it is what WordPress
// itself reports. Names stay the headers' (wp-cli's "name" is the slug); must-use plugins and
// drop-ins are left out, as they are not in the directory.
func (inv *inventory) useWPCLI() {
	core, plugins, themes := inv.wpcli["core"], inv.wpcli["plugin"], inv.wpcli["theme"]
	if len(core) == 0 || plugins == nil || themes == nil {
		return
	}
	pl, err1 := csvComponents(plugins, inv.Plugins)
	th, err2 := csvComponents(themes, inv.Themes)
	if err1 != nil || err2 != nil {
		return
	}
	inv.Core, inv.Plugins, inv.Themes, inv.Source = printable(strings.TrimSpace(string(core))), pl, th, "wp-cli"
}

// csvComponents reads wp-cli's name,version,status CSV, naming each from the headers found.
func csvComponents(raw []byte, headers []Component) ([]Component, error) {
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil || len(rows) == 0 || !slices.Equal(rows[0], []string{"name", "version", "status"}) {
		return nil, fmt.Errorf("wp-cli's list is not name,version,status CSV")
	}
	var out []Component
	for _, r := range rows[1:] {
		if r[2] == "must-use" || r[2] == "dropin" {
			continue
		}
		c := Component{Slug: printable(r[0]), Name: printable(r[0]), Version: printable(r[1])}
		if i := slices.IndexFunc(headers, func(h Component) bool { return h.Slug == r[0] }); i >= 0 {
			c.Name = headers[i].Name
		}
		out = append(out, c)
	}
	return out, nil
}

func bySlug(a, b Component) int { return strings.Compare(a.Slug, b.Slug) }

// add records a plugin or theme from its file's header (a plugin is the first PHP file of its
// folder, or a single PHP file in plugins/, with a "Plugin Name:" header; a theme is its style.css).
func (inv *inventory) add(p string, header []byte) {
	parts := strings.Split(p, "/")
	if len(parts) < 3 {
		return
	}
	if parts[1] == "themes" {
		if name := headerField(header, "Theme Name"); name != "" {
			inv.Themes = append(inv.Themes, Component{Slug: parts[2], Name: name, Version: headerField(header, "Version")})
		}
		return
	}
	name := headerField(header, "Plugin Name")
	if name == "" {
		return
	}
	slug := strings.TrimSuffix(parts[2], ".php")
	if slices.ContainsFunc(inv.Plugins, func(c Component) bool { return c.Slug == slug }) {
		return
	}
	inv.Plugins = append(inv.Plugins, Component{Slug: slug, Name: name, Version: headerField(header, "Version")})
}

// headerField reads one field of a WordPress file header ("Version: 5.0.2"), as get_file_data does.
func headerField(header []byte, field string) string {
	re := regexp.MustCompile(`(?mi)^(?:[ \t]*<\?php)?[ \t/*#@]*` + regexp.QuoteMeta(field) + `:(.*)$`)
	m := re.FindSubmatch(header)
	if m == nil {
		return ""
	}
	v := strings.TrimSpace(string(m[1]))
	v = strings.TrimSpace(strings.TrimSuffix(v, "*/"))
	return printable(v)
}

// printable keeps a value from the host safe to show: escaped as sshhost.Escape does, at most 100 runes.
func printable(s string) string {
	if r := []rune(s); len(r) > 100 {
		s = string(r[:100])
	}
	return sshhost.Escape(s)
}

// checksums compares the core files' MD5s with WordPress.org's list: files that differ, files
// missing, and files in wp-admin or wp-includes that no release has (where injected code hides).
func checksums(want, have map[string]string) (modified, missing, extra []string) {
	for p, sum := range want {
		if strings.HasPrefix(p, "wp-content/") {
			continue // themes and plugins WordPress ships are updated apart from core
		}
		switch got, ok := have[p]; {
		case !ok:
			missing = append(missing, p)
		case !strings.EqualFold(got, sum):
			modified = append(modified, p)
		}
	}
	for p := range have {
		top := strings.SplitN(path.Clean(p), "/", 2)[0]
		if _, ok := want[p]; !ok && (top == "wp-admin" || top == "wp-includes") {
			extra = append(extra, p)
		}
	}
	slices.Sort(modified)
	slices.Sort(missing)
	slices.Sort(extra)
	return modified, missing, extra
}

func shellWord(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// base64Pair decodes "A B", two base64 fields separated by one space.
func base64Pair(s string) (a, b []byte, ok bool) {
	s1, s2, _ := strings.Cut(s, " ")
	a, err1 := base64.StdEncoding.DecodeString(s1)
	b, err2 := base64.StdEncoding.DecodeString(s2)
	return a, b, err1 == nil && err2 == nil
}
