package sshhost

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The gather script prints one line per fact: a tag, then tab-separated fields. Every value that
// could hold a tab, a newline or bytes the shell mangles (file bodies, names, apt output) travels in
// base64, so no file content can forge a line; a random nonce on the last line proves the output is whole.

// packageName is what dpkg accepts as a package name (with an optional :arch).
var packageName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]*(:[a-z0-9-]+)?$`) })

// commandName is a program name `command -v` may look up.
var commandName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_.+-]+$`) })

func gatherLabel(q Query) string {
	parts := []string{"os-release"}
	add := func(what string, items []string) {
		if len(items) > 0 {
			parts = append(parts, what+" "+strings.Join(items, " "))
		}
	}
	add("files", q.Files)
	add("packages", q.Packages)
	add("apt-config", q.AptConfig)
	add("dirs", q.Dirs)
	add("commands", q.Commands)
	addScripts := func(what string, scripts []string) {
		var firsts []string
		for _, sc := range scripts {
			first, _, _ := strings.Cut(strings.TrimSpace(sc), "\n")
			firsts = append(firsts, strconv.Quote(first))
		}
		add(what, firsts)
	}
	addScripts("scripts", q.Scripts)
	addScripts("scripts as the login user", q.LoginScripts)
	parts = append(parts, "SSH client, free space, time, remote lock")
	return "gather (one command, read with sudo): " + strings.Join(parts, "; ")
}

// What one gathering reads at most: a file hardsail manages larger than MaxFileBytes is refused
// (it is not one hardsail wrote, and reading it whole would be unbounded), and a directory listing
// stops after MaxDirEntries entries.
const (
	MaxFileBytes  = 1 << 20
	MaxDirEntries = 10000
)

// gatherScript builds the one command that answers q. full adds the facts every check may want.
func gatherScript(q Query, full bool, nonce string) (string, error) {
	var b strings.Builder
	b.WriteString("enc() { base64 -w0; }\n")
	if full {
		b.WriteString("os=/etc/os-release; [ -r $os ] || os=/usr/lib/os-release\n")
		b.WriteString("printf 'os\\t'; enc < $os 2>/dev/null; echo\n")
	}
	for i, f := range q.Files {
		if !path.IsAbs(f) {
			return "", fmt.Errorf("gather: file %q is not an absolute path", f)
		}
		fmt.Fprintf(&b, `f=%[1]s
if [ -L "$f" ]; then printf 'link\t%[2]d\t%%s\n' "$(readlink -- "$f" | enc)"; fi
if [ -f "$f" ]; then
  if [ "$(stat -L -c %%s -- "$f")" -gt %[3]d ]; then printf 'filebig\t%[2]d\t%%s\n' "$(stat -L -c %%s -- "$f")"
  elif body=$(enc < "$f"); then printf 'file\t%[2]d\t%%s\t%%s\n' "$(stat -L --printf '%%a\t%%U\t%%G' -- "$f")" "$body"; else printf 'fileerr\t%[2]d\n'; fi
elif [ -e "$f" ]; then printf 'notfile\t%[2]d\n'; else printf 'nofile\t%[2]d\n'; fi
`, shellQuote(f), i, MaxFileBytes)
	}
	if len(q.Packages) > 0 {
		var names []string
		for _, p := range q.Packages {
			if !packageName().MatchString(p) {
				return "", fmt.Errorf("gather: %q is not a package name", p)
			}
			names = append(names, shellQuote(p))
		}
		fmt.Fprintf(&b, "dpkg-query -W -f='pkg\\t${Package}\\t${db:Status-Abbrev}\\t${Version}\\n' %s 2>/dev/null\n", strings.Join(names, " "))
	}
	if len(q.AptConfig) > 0 {
		var pats []string
		for _, p := range q.AptConfig {
			pats = append(pats, "-e "+shellQuote(p))
		}
		// grep narrows what travels; the exact prefix match is done on this side.
		fmt.Fprintf(&b, `if a=$(apt-config dump 2>&1); then printf 'apt\t'; printf '%%s\n' "$a" | grep -F %s | enc; echo
else printf 'apterr\t'; printf '%%s' "$a" | enc; echo; fi
`, strings.Join(pats, " "))
	}
	for i, d := range q.Dirs {
		if !path.IsAbs(d) {
			return "", fmt.Errorf("gather: directory %q is not an absolute path", d)
		}
		// NUL ends each record: the only byte a file name cannot hold.
		fmt.Fprintf(&b, `d=%[1]s
if [ -d "$d" ]; then printf 'dir\t%[2]d\t'; find -H "$d" -mindepth 1 -maxdepth 1 \( -type f -o -type l \) -printf '%%s\t%%T@\t%%y\t%%P\0' | head -z -n %[3]d | enc; echo; else printf 'nodir\t%[2]d\n'; fi
`, shellQuote(d), i, MaxDirEntries)
	}
	for i, c := range q.Commands {
		if !commandName().MatchString(c) {
			return "", fmt.Errorf("gather: %q is not a command name", c)
		}
		fmt.Fprintf(&b, "printf 'cmd\\t%d\\t'; command -v %s | enc; echo\n", i, shellQuote(c))
	}
	if full {
		b.WriteString("printf 'df\\t'; stat -f --printf '%a %S' /; echo\n")
		b.WriteString("printf 'time\\t%s\\n' \"$(date +%s.%N)\"\n")
		// Another run holding the remote lock is changing the host: its note, without waiting.
		fmt.Fprintf(&b, `l=%s
if [ -f "$l" ] && [ ! -L "$l" ]; then flock -n -E 75 "$l" true; [ $? -ne 75 ] || { printf 'lock\t'; enc < "$l"; echo; }; fi
`, LockPath)
	}
	for i, sc := range q.Scripts {
		if slices.Contains(q.LoginScripts, sc) {
			return "", fmt.Errorf("gather: script %.40q is asked both as root and as the login user", sc)
		}
		b.WriteString(scriptRun("script", i, sc))
	}
	fmt.Fprintf(&b, "printf 'end\\t%s\\n'\n", nonce)
	// SSH_CLIENT is read before sudo, which drops it from the environment.
	login := `printf 'ssh\t%s\n' "${SSH_CLIENT%% *}"; `
	for i, sc := range q.LoginScripts {
		login += "\n" + scriptRun("loginscript", i, sc)
	}
	return login + "exec " + sudoLine(b.String()) + " </dev/null", nil
}

// scriptRun runs one read-only script and prints "TAG\tI\tEXIT\tSTDOUT\tSTDERR", both outputs in
// base64: stdout whole (the x keeps the trailing newlines $(...) would drop), stderr beside it (fd 3
// carries it to the outer base64 while fd 4 is the gathering's own stdout).
func scriptRun(tag string, i int, script string) string {
	return fmt.Sprintf(`s=%s
{ e=$( { o=$(sh -c "$s" </dev/null 2>&3; r=$?; echo x; exit $r); r=$?; printf '%s\t%d\t%%s\t%%s\t' "$r" "$(printf %%s "${o%%x}" | base64 -w0)" >&4; } 3>&1 | base64 -w0); printf '%%s\n' "$e"; } 4>&1
`, shellQuote(script), tag, i)
}

func (c *Client) gather(ctx context.Context, q Query, full bool, label string) (*Facts, error) {
	nonceBytes := make([]byte, 12)
	_, _ = rand.Read(nonceBytes)
	nonce := hex.EncodeToString(nonceBytes)
	script, err := gatherScript(q, full, nonce)
	if err != nil {
		return nil, err
	}
	res, err := c.exec(ctx, script, label, nil, true, false)
	if err != nil {
		return nil, fmt.Errorf("gather facts from %s: %w", c.cfg.Addr, err)
	}
	f, err := parseFacts(res.Stdout, q, nonce)
	if err != nil {
		return nil, fmt.Errorf("gather facts from %s: %w", c.cfg.Addr, err)
	}
	if !full {
		f.SSHClient = ""
	}
	if f.LockHolder != "" && !c.holdsLock() {
		return nil, &BusyError{Host: c.cfg.Addr, Holder: f.LockHolder}
	}
	return f, nil
}

// factReader reads the gather script's output, one tagged line at a time.
type factReader struct {
	f      *Facts
	q      Query
	nonce  string
	ended  bool
	links  map[string]string
	fields []string
}

// plainError is reported as it is, without the output line it came from.
type plainError struct{ error }

// factLines are the tags the gather script prints: how many tab-separated fields each has, and how
// it is read.
var factLines = map[string]struct {
	fields int
	read   func(r *factReader) error
}{
	"ssh":         {2, func(r *factReader) error { r.f.SSHClient = r.fields[1]; return nil }},
	"os":          {2, (*factReader).os},
	"file":        {6, (*factReader).file},
	"link":        {3, (*factReader).link},
	"nofile":      {2, func(r *factReader) error { _, err := r.index(r.fields[1], len(r.q.Files)); return err }},
	"notfile":     {2, (*factReader).unreadable},
	"fileerr":     {2, (*factReader).unreadable},
	"filebig":     {3, (*factReader).unreadable},
	"pkg":         {4, (*factReader).pkg},
	"apt":         {2, (*factReader).apt},
	"apterr":      {2, (*factReader).apt},
	"dir":         {3, (*factReader).dir},
	"nodir":       {2, (*factReader).dir},
	"cmd":         {3, (*factReader).cmd},
	"df":          {2, (*factReader).df},
	"time":        {2, (*factReader).time},
	"end":         {2, (*factReader).end},
	"lock":        {2, (*factReader).lock},
	"script":      {5, (*factReader).script},
	"loginscript": {5, (*factReader).script},
}

func parseFacts(out []byte, q Query, nonce string) (*Facts, error) {
	r := &factReader{q: q, nonce: nonce, links: map[string]string{}, f: &Facts{
		OS: map[string]string{}, Files: map[string]File{}, Packages: map[string]Package{},
		Dirs: map[string]bool{}, Commands: map[string]string{},
	}}
	if len(q.Scripts)+len(q.LoginScripts) > 0 {
		r.f.Scripts, r.f.scriptCmd = map[string]Result{}, map[string]string{}
	}
	for _, p := range q.Files {
		r.f.Files[p] = File{Path: p}
	}
	for _, p := range q.Packages {
		r.f.Packages[p] = Package{}
	}
	for n, line := range strings.Split(string(out), "\n") {
		if line == "" {
			continue
		}
		if r.ended {
			return nil, fmt.Errorf("output line %d follows the end marker", n+1)
		}
		r.fields = strings.Split(line, "\t")
		tag := r.fields[0]
		kind, ok := factLines[tag]
		if !ok {
			return nil, fmt.Errorf("output line %d: unknown tag %q", n+1, tag)
		}
		if len(r.fields) != kind.fields {
			return nil, fmt.Errorf("output line %d (%s): %d fields, want %d", n+1, tag, len(r.fields), kind.fields)
		}
		if err := kind.read(r); err != nil {
			var pe plainError
			if errors.As(err, &pe) {
				return nil, pe.error
			}
			return nil, fmt.Errorf("output line %d (%s): %w", n+1, tag, err)
		}
	}
	if !r.ended {
		return nil, fmt.Errorf("output ends before the end marker (%d bytes)", len(out))
	}
	return r.finish()
}

func (r *factReader) finish() (*Facts, error) {
	f := r.f
	for _, c := range r.q.Commands {
		if _, ok := f.Commands[c]; !ok {
			f.Commands[c] = ""
		}
	}
	for _, d := range r.q.Dirs {
		if _, ok := f.Dirs[d]; !ok {
			return nil, fmt.Errorf("no answer for directory %s", d)
		}
	}
	for _, sc := range slices.Concat(r.q.Scripts, r.q.LoginScripts) {
		if _, ok := f.Scripts[sc]; !ok {
			return nil, fmt.Errorf("no answer for script %.40q", sc)
		}
	}
	for p, target := range r.links {
		file := f.Files[p]
		file.Path, file.Link = p, target
		f.Files[p] = file
	}
	slices.SortFunc(f.Listing, func(a, b DirEntry) int { return strings.Compare(a.Path, b.Path) })
	return f, nil
}

func (r *factReader) index(s string, n int) (int, error) {
	i, err := strconv.Atoi(s)
	if err != nil || i < 0 || i >= n {
		return 0, fmt.Errorf("index %q out of range", s)
	}
	return i, nil
}

// decoded is field k, base64-decoded.
func (r *factReader) decoded(k int) ([]byte, error) {
	return base64.StdEncoding.DecodeString(r.fields[k])
}

func (r *factReader) os() error {
	body, err := r.decoded(1)
	if err == nil {
		r.f.OS = parseOSRelease(string(body))
	}
	return err
}

func (r *factReader) file() error {
	i, err := r.index(r.fields[1], len(r.q.Files))
	if err != nil {
		return err
	}
	mode, err := strconv.ParseUint(r.fields[2], 8, 32)
	if err != nil {
		return err
	}
	body, err := r.decoded(5)
	if err != nil {
		return err
	}
	p := r.q.Files[i]
	r.f.Files[p] = File{Path: p, Exists: true, Body: body, Mode: fs.FileMode(mode).Perm(), Owner: r.fields[3], Group: r.fields[4]}
	return nil
}

func (r *factReader) link() error {
	i, err := r.index(r.fields[1], len(r.q.Files))
	if err != nil {
		return err
	}
	target, err := r.decoded(2)
	if err == nil {
		r.links[r.q.Files[i]] = strings.TrimSuffix(string(target), "\n")
	}
	return err
}

func (r *factReader) unreadable() error {
	i, err := r.index(r.fields[1], len(r.q.Files))
	if err != nil {
		return err
	}
	switch r.fields[0] {
	case "notfile":
		return plainError{fmt.Errorf("%s exists but is not a regular file", r.q.Files[i])}
	case "filebig":
		return plainError{fmt.Errorf("%s is %s bytes, more than the %d hardsail reads of a file it manages; look at what grew it", r.q.Files[i], r.fields[2], MaxFileBytes)}
	}
	return plainError{fmt.Errorf("read %s: root could not read it", r.q.Files[i])}
}

func (r *factReader) pkg() error {
	name, status, version := r.fields[1], r.fields[2], r.fields[3]
	for _, want := range r.q.Packages {
		if want != name && strings.Split(want, ":")[0] != name {
			continue
		}
		installed := len(status) >= 2 && status[1] == 'i'
		if prev := r.f.Packages[want]; prev.Installed && !installed {
			continue // another architecture's entry of an installed package
		}
		r.f.Packages[want] = Package{Installed: installed, Version: version}
	}
	return nil
}

func (r *factReader) apt() error {
	body, err := r.decoded(1)
	if err != nil {
		return err
	}
	if r.fields[0] == "apterr" {
		r.f.AptError = strings.TrimSpace(string(body))
		if r.f.AptError == "" {
			r.f.AptError = "apt-config dump failed without a message"
		}
		return nil
	}
	r.f.AptConfig = parseAptDump(string(body), r.q.AptConfig)
	return nil
}

func (r *factReader) dir() error {
	i, err := r.index(r.fields[1], len(r.q.Dirs))
	if err != nil {
		return err
	}
	r.f.Dirs[r.q.Dirs[i]] = r.fields[0] == "dir"
	if r.fields[0] == "nodir" {
		return nil
	}
	raw, err := r.decoded(2)
	if err != nil {
		return err
	}
	entries, err := parseListing(r.q.Dirs[i], raw)
	if err != nil {
		return err
	}
	r.f.Listing = append(r.f.Listing, entries...)
	return nil
}

func (r *factReader) cmd() error {
	i, err := r.index(r.fields[1], len(r.q.Commands))
	if err != nil {
		return err
	}
	p, err := r.decoded(2)
	if err == nil {
		r.f.Commands[r.q.Commands[i]] = strings.TrimSpace(string(p))
	}
	return err
}

func (r *factReader) df() error {
	var avail, bsize int64
	if _, err := fmt.Sscanf(r.fields[1], "%d %d", &avail, &bsize); err != nil {
		return err
	}
	r.f.FreeBytes = avail * bsize
	return nil
}

func (r *factReader) time() error {
	t, err := parseEpoch(r.fields[1])
	if err == nil {
		r.f.HostTime = t
	}
	return err
}

func (r *factReader) lock() error {
	note, err := r.decoded(1)
	if err != nil {
		return err
	}
	r.f.LockHolder = Escape(strings.TrimSpace(string(note)))
	if r.f.LockHolder == "" {
		r.f.LockHolder = "no note left by the holder"
	}
	return nil
}

func (r *factReader) script() error {
	scripts, cmd := r.q.Scripts, sudoLine
	if r.fields[0] == "loginscript" {
		scripts, cmd = r.q.LoginScripts, func(s string) string { return s }
	}
	i, err := r.index(r.fields[1], len(scripts))
	if err != nil {
		return err
	}
	exit, err := strconv.Atoi(r.fields[2])
	if err != nil {
		return err
	}
	stdout, err := r.decoded(3)
	if err != nil {
		return err
	}
	stderr, err := r.decoded(4)
	if err != nil {
		return err
	}
	r.f.Scripts[scripts[i]] = Result{Stdout: stdout, Stderr: stderr, Exit: exit}
	r.f.scriptCmd[scripts[i]] = cmd(scripts[i])
	return nil
}

// Script returns what a queried script printed, and an *ExitError (as Run or SudoRead would
// return) when it exited non-zero.
func (f *Facts) Script(script string) (Result, error) {
	res, ok := f.Scripts[script]
	if !ok {
		return Result{}, fmt.Errorf("script %.40q was not part of the gathering", script)
	}
	if res.Exit != 0 {
		stderr := strings.TrimSpace(string(res.Stderr))
		return res, &ExitError{Cmd: cmp.Or(f.scriptCmd[script], script), Exit: res.Exit, Stderr: stderr, Hint: sudoHint(stderr)}
	}
	return res, nil
}

func (r *factReader) end() error {
	if r.fields[1] != r.nonce {
		return fmt.Errorf("end marker %q, want this run's %q", r.fields[1], r.nonce)
	}
	r.ended = true
	return nil
}

// parseListing reads find's NUL-terminated "size\tmtime\ttype\tname" records.
func parseListing(dir string, raw []byte) ([]DirEntry, error) {
	var out []DirEntry
	for rec := range bytes.SplitSeq(raw, []byte{0}) {
		if len(rec) == 0 {
			continue
		}
		// The name is last and may itself hold tabs or newlines.
		parts := strings.SplitN(string(rec), "\t", 4)
		if len(parts) != 4 {
			return nil, fmt.Errorf("listing record %q has %d fields, want 4", rec, len(parts))
		}
		size, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("listing record size: %w", err)
		}
		mtime, err := parseEpoch(parts[1])
		if err != nil {
			return nil, fmt.Errorf("listing record mtime: %w", err)
		}
		out = append(out, DirEntry{Path: path.Join(dir, parts[3]), Size: size, ModTime: mtime, Symlink: parts[2] == "l"})
	}
	return out, nil
}

// parseEpoch reads "1717243207.123456789" (seconds, optional fraction) as UTC.
func parseEpoch(s string) (time.Time, error) {
	sec, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	secs, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	var nanos int64
	if frac != "" {
		frac = (frac + "000000000")[:9]
		if nanos, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return time.Time{}, err
		}
	}
	return time.Unix(secs, nanos).UTC(), nil
}

// parseOSRelease reads os-release's KEY=value lines, unquoting as the format allows.
func parseOSRelease(s string) map[string]string {
	out := map[string]string{}
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			q := v[0]
			v = v[1 : len(v)-1]
			if q == '"' {
				var b strings.Builder
				for i := 0; i < len(v); i++ {
					if v[i] == '\\' && i+1 < len(v) && strings.IndexByte("\"\\$`", v[i+1]) >= 0 {
						i++
					}
					b.WriteByte(v[i])
				}
				v = b.String()
			}
		}
		out[k] = v
	}
	return out
}

// parseAptDump keeps the `apt-config dump` lines (Key "value";) whose key starts with one of prefixes.
func parseAptDump(s string, prefixes []string) []AptValue {
	var out []AptValue
	for line := range strings.SplitSeq(s, "\n") {
		k, v, ok := strings.Cut(line, " ")
		if !ok || !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(k, p) }) {
			continue
		}
		v = strings.TrimSuffix(strings.TrimSpace(v), ";")
		v = strings.TrimSuffix(strings.TrimPrefix(v, `"`), `"`)
		out = append(out, AptValue{Key: k, Value: v})
	}
	return out
}

func decodeB64(s string) string {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return ""
	}
	return string(b)
}
