package demohost

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hardsail/hardsail/remote/sshhost"
)

// exec runs one command line as the login user and returns its exit status.
func (h *Host) exec(line string, s *cmdIO) int {
	if line == "true" {
		return 0
	}
	if q, full, nonce, ok := parseGather(line); ok {
		return h.gather(q, full, nonce, s)
	}
	if rc, ok := h.inventory(line, s); ok {
		return rc
	}
	if wait, ok := parseLock(line); ok {
		return h.takeLock(wait, s)
	}
	if line == "apt-config dump" {
		h.mu.Lock()
		dump, err := h.aptDump()
		h.mu.Unlock()
		if err != nil {
			fmt.Fprintln(s.stderr, err)
			return 100
		}
		fmt.Fprint(s.stdout, dump)
		return 0
	}
	if p, ok := strings.CutPrefix(line, "sudo -n rm -f -- "); ok {
		if target, ok := unquote(p); ok && path.IsAbs(target) {
			return h.remove(target, s)
		}
	}
	if p, ok := strings.CutPrefix(line, "test -d "); ok {
		if d, rest, ok := cutWord(p); ok && rest == " && echo yes || echo no" {
			return h.isDir(d, s)
		}
	}
	if script, ok := cutSudo(line); ok {
		if w, ok := parseWrite(script); ok {
			return h.write(w, s)
		}
		if p, ok := strings.CutPrefix(script, "install -d -m 0700 -o root -g root "); ok {
			if d, rest, ok := cutWord(p); ok && rest == "" {
				return h.mkdir(d)
			}
		}
		if p, ok := strings.CutPrefix(script, "rmdir --ignore-fail-on-non-empty "); ok {
			if d, rest, ok := cutWord(p); ok && rest == "" {
				return h.rmdir(d)
			}
		}
		if m := aptGetLine().FindStringSubmatch(script); m != nil {
			return h.aptGet(m[1], s)
		}
		if script == "unattended-upgrades --dry-run --debug" {
			return h.dryRun(s)
		}
		if code, ok := h.sshd(script, s); ok {
			return code
		}
		if code, ok := h.diskAndPatches(script, s); ok {
			return code
		}
	}
	fmt.Fprintf(s.stderr, "demo host: command not emulated: %s\n", line)
	return 127
}

// unquote reads one whole shell word in remote/sshhost's quoting ('…' with ' written as '\”).
func unquote(s string) (string, bool) {
	if len(s) < 2 || s[0] != '\'' || s[len(s)-1] != '\'' {
		return "", false
	}
	out := strings.ReplaceAll(s[1:len(s)-1], `'\''`, "'")
	if shellQuote(out) != s {
		return "", false
	}
	return out, true
}

// cutWord reads one shell word at the start of s, quoted or a bare absolute path, and returns it
// with the rest of s.
func cutWord(s string) (string, string, bool) {
	if strings.HasPrefix(s, "'") {
		if w := quotedWord().FindString(s); w != "" {
			u, ok := unquote(w)
			return u, s[len(w):], ok
		}
		return "", "", false
	}
	w, rest, _ := strings.Cut(s, " ")
	if rest != "" {
		rest = " " + rest
	}
	if !path.IsAbs(w) || strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:@") != "" {
		return "", "", false
	}
	return w, rest, true
}

// isDir answers `test -d DIR && echo yes || echo no`.
func (h *Host) isDir(d string, s *cmdIO) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.dirs[d] {
		fmt.Fprintln(s.stdout, "yes")
	} else {
		fmt.Fprintln(s.stdout, "no")
	}
	return 0
}

// mkdir makes a root-only directory (its parent must exist).
func (h *Host) mkdir(d string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.dirs[path.Dir(d)] {
		return 1
	}
	h.dirs[d] = true
	return 0
}

// rmdir removes a directory when it is empty.
func (h *Host) rmdir(d string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(listing(h.files, d)) == 0 {
		delete(h.dirs, d)
	}
	return 0
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// cutSudo returns the script of `sudo -n sh -c '<script>'`.
func cutSudo(line string) (string, bool) {
	rest, ok := strings.CutPrefix(line, "sudo -n sh -c ")
	if !ok {
		return "", false
	}
	return unquote(rest)
}

var (
	gatherFile   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^f=('(?:[^']|'\\'')*')\nif \[ -L "\$f" \]`) })
	gatherDir    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^d=('(?:[^']|'\\'')*')\nif \[ -d "\$d" \]`) })
	gatherPkgs   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^dpkg-query -W -f='[^']*' (.*) 2>/dev/null$`) })
	gatherApt    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`grep -F ((?:-e '(?:[^']|'\\'')*' ?)+)\| enc`) })
	gatherAptPat = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`-e ('(?:[^']|'\\'')*')`) })
	gatherCmd    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)command -v ('[^']*') \| enc; echo$`) })
	gatherEnd    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^printf 'end\\t([0-9a-f]+)\\n'$`) })
	gatherScript = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?m)^s=('(?:[^']|'\\'')*')\n\{ e=`) })
	quotedWord   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`'(?:[^']|'\\'')*'`) })
)

// parseGather recognises Gather's and ReadFile's script: it reads the query back out of the script,
// then accepts the line only if remote/sshhost builds exactly this line from that query.
func parseGather(line string) (sshhost.Query, bool, string, bool) {
	const head = `printf 'ssh\t%s\n' "${SSH_CLIENT%% *}"; `
	rest, ok := strings.CutPrefix(line, head)
	if !ok {
		return sshhost.Query{}, false, "", false
	}
	var login string
	if i := strings.Index(rest, "4>&1\nexec "); strings.HasPrefix(rest, "\ns=") && i >= 0 {
		login, rest = rest[:i], rest[i+len("4>&1\n"):]
	}
	rest, ok = strings.CutPrefix(rest, "exec ")
	if !ok {
		return sshhost.Query{}, false, "", false
	}
	rest, ok = strings.CutSuffix(rest, " </dev/null")
	if !ok {
		return sshhost.Query{}, false, "", false
	}
	script, ok := cutSudo(rest)
	if !ok {
		return sshhost.Query{}, false, "", false
	}
	m := gatherEnd().FindStringSubmatch(script)
	if m == nil {
		return sshhost.Query{}, false, "", false
	}
	nonce := m[1]
	var q sshhost.Query
	words := func(s string) []string {
		var out []string
		for _, w := range quotedWord().FindAllString(s, -1) {
			if u, ok := unquote(w); ok {
				out = append(out, u)
			}
		}
		return out
	}
	for _, m := range gatherFile().FindAllStringSubmatch(script, -1) {
		q.Files = append(q.Files, words(m[1])...)
	}
	if m := gatherPkgs().FindStringSubmatch(script); m != nil {
		q.Packages = words(m[1])
	}
	if m := gatherApt().FindStringSubmatch(script); m != nil {
		for _, p := range gatherAptPat().FindAllStringSubmatch(m[1], -1) {
			q.AptConfig = append(q.AptConfig, words(p[1])...)
		}
	}
	for _, m := range gatherDir().FindAllStringSubmatch(script, -1) {
		q.Dirs = append(q.Dirs, words(m[1])...)
	}
	for _, m := range gatherCmd().FindAllStringSubmatch(script, -1) {
		q.Commands = append(q.Commands, words(m[1])...)
	}
	for _, m := range gatherScript().FindAllStringSubmatch(script, -1) {
		q.Scripts = append(q.Scripts, words(m[1])...)
	}
	for _, m := range gatherScript().FindAllStringSubmatch(login, -1) {
		q.LoginScripts = append(q.LoginScripts, words(m[1])...)
	}
	full := strings.Contains(script, "printf 'df\\t'")
	want, err := sshhost.GatherScript(q, full, nonce)
	if err != nil || want != line {
		return sshhost.Query{}, false, "", false
	}
	return q, full, nonce, true
}

// gatherScripts runs the query's scripts as the commands they stand for (a root script as
// `sudo -n sh -c SCRIPT`) and returns their lines of the gathering's output.
func (h *Host) gatherScripts(tag string, scripts []string, line func(string) string, s *cmdIO) string {
	enc := base64.StdEncoding.EncodeToString
	var b strings.Builder
	for i, sc := range scripts {
		var out, errOut strings.Builder
		rc := h.exec(line(sc), &cmdIO{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, client: s.client, gone: s.gone})
		fmt.Fprintf(&b, "%s\t%d\t%d\t%s\t%s\n", tag, i, rc, enc([]byte(out.String())), enc([]byte(errOut.String())))
	}
	return b.String()
}

// gather prints what the gather script prints on Debian 12.
func (h *Host) gather(q sshhost.Query, full bool, nonce string, s *cmdIO) int {
	login := h.gatherScripts("loginscript", q.LoginScripts, func(sc string) string { return sc }, s)
	root := h.gatherScripts("script", q.Scripts, func(sc string) string { return "sudo -n sh -c " + shellQuote(sc) }, s)
	h.mu.Lock()
	defer h.mu.Unlock()
	enc := base64.StdEncoding.EncodeToString
	var b strings.Builder
	fmt.Fprintf(&b, "ssh\t%s\n", s.client)
	b.WriteString(login)
	if full {
		fmt.Fprintf(&b, "os\t%s\n", enc(h.files["/etc/os-release"].Body))
	}
	for i, p := range q.Files {
		if target, ok := h.links[p]; ok {
			fmt.Fprintf(&b, "link\t%d\t%s\n", i, enc([]byte(target+"\n"))) // readlink's newline, as the script encodes it
			p = h.resolve(p)
		}
		f, ok := h.files[p]
		switch {
		case ok:
			fmt.Fprintf(&b, "file\t%d\t%o\t%s\t%s\t%s\n", i, f.Mode.Perm(), f.Owner, f.Group, enc(f.Body))
		case h.dirs[p]:
			fmt.Fprintf(&b, "notfile\t%d\n", i)
		default:
			fmt.Fprintf(&b, "nofile\t%d\n", i)
		}
	}
	for _, p := range q.Packages {
		name := strings.Split(p, ":")[0]
		if v, ok := h.pkgs[name]; ok {
			fmt.Fprintf(&b, "pkg\t%s\tii \t%s\n", name, v)
		}
	}
	if len(q.AptConfig) > 0 {
		if dump, err := h.aptDump(); err != nil {
			fmt.Fprintf(&b, "apterr\t%s\n", enc([]byte(err.Error())))
		} else {
			var kept strings.Builder
			for l := range strings.SplitSeq(strings.TrimSuffix(dump, "\n"), "\n") {
				for _, p := range q.AptConfig {
					if strings.Contains(l, p) {
						kept.WriteString(l + "\n")
						break
					}
				}
			}
			fmt.Fprintf(&b, "apt\t%s\n", enc([]byte(kept.String())))
		}
	}
	for i, d := range q.Dirs {
		if !h.dirs[d] {
			fmt.Fprintf(&b, "nodir\t%d\n", i)
			continue
		}
		var rec strings.Builder
		for _, p := range listing(h.files, d) {
			f := h.files[p]
			fmt.Fprintf(&rec, "%d\t%d.%09d0\tf\t%s\x00", f.size(), f.ModTime.Unix(), f.ModTime.Nanosecond(), path.Base(p))
		}
		fmt.Fprintf(&b, "dir\t%d\t%s\n", i, enc([]byte(rec.String())))
	}
	for i, c := range q.Commands {
		fmt.Fprintf(&b, "cmd\t%d\t%s\n", i, enc([]byte(h.commandPath(c))))
	}
	if full {
		// 9.6 GiB free of a 40 GB Lightsail disk, in 4 KiB blocks.
		fmt.Fprintf(&b, "df\t%d %d\n", 2516582, 4096)
		now := h.Now()
		fmt.Fprintf(&b, "time\t%d.%09d\n", now.Unix(), now.Nanosecond())
		if len(h.lock) > 0 {
			fmt.Fprintf(&b, "lock\t%s\n", h.lockNote())
		}
	}
	b.WriteString(root)
	fmt.Fprintf(&b, "end\t%s\n", nonce)
	_, _ = s.stdout.Write([]byte(b.String()))
	return 0
}

// commandPath is what `command -v NAME` prints for an executable in the usual PATH ("" when none); h.mu is held.
func (h *Host) commandPath(name string) string {
	for _, dir := range []string{"/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin"} {
		if f, ok := h.files[dir+"/"+name]; ok && f.Mode&0o111 != 0 {
			return dir + "/" + name + "\n"
		}
	}
	return ""
}

var writeFields = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?s)^set -e\nd=('(?:[^']|'\\'')*'); t=('(?:[^']|'\\'')*'); b=.*\nhead -c (\d+) > "\$tmp"\n.*!= ([0-9a-f]{64}) \].*\nchown -- ('[^']*') "\$tmp"\nchmod -- ([0-7]{4}) "\$tmp"\n`)
})

type writeReq struct {
	path         string
	size         int
	sum          string
	owner, group string
	mode         fs.FileMode
}

func parseWrite(script string) (writeReq, bool) {
	m := writeFields().FindStringSubmatch(script)
	if m == nil {
		return writeReq{}, false
	}
	dir, ok1 := unquote(m[1])
	p, ok2 := unquote(m[2])
	og, ok3 := unquote(m[5])
	size, err1 := strconv.Atoi(m[3])
	mode, err2 := strconv.ParseUint(m[6], 8, 32)
	owner, group, ok4 := strings.Cut(og, ":")
	if !ok1 || !ok2 || !ok3 || !ok4 || err1 != nil || err2 != nil || path.Dir(p) != dir {
		return writeReq{}, false
	}
	if sshhost.WriteScript(p, size, m[4], owner, group, fs.FileMode(mode)) != script {
		return writeReq{}, false
	}
	return writeReq{path: p, size: size, sum: m[4], owner: owner, group: group, mode: fs.FileMode(mode)}, true
}

// write reads the body from stdin and replaces the file only if it arrived whole, like the script.
func (h *Host) write(w writeReq, s *cmdIO) int {
	body := make([]byte, w.size)
	n, _ := readFull(s.stdin, body)
	body = body[:n]
	sum := sha256.Sum256(body)
	h.mu.Lock()
	defer h.mu.Unlock()
	dir := path.Dir(w.path)
	if !h.dirs[dir] {
		fmt.Fprintf(s.stderr, "mktemp: failed to create file via template '%s/.hardsail-tmp.%s.XXXXXX': No such file or directory\n", dir, path.Base(w.path))
		return 1
	}
	if hex.EncodeToString(sum[:]) != w.sum {
		fmt.Fprintf(s.stderr, "body of %s arrived incomplete; %s was left unchanged\n", w.path, w.path)
		return 1
	}
	if h.dirs[w.path] {
		fmt.Fprintf(s.stderr, "mv: cannot overwrite directory '%s' with non-directory\n", w.path)
		return 1
	}
	group := w.group
	if group == "" {
		g, ok := h.loginGroup[w.owner]
		if !ok {
			fmt.Fprintf(s.stderr, "chown: invalid user: '%s:'\n", w.owner)
			return 1
		}
		group = g
	}
	if _, ok := h.loginGroup[w.owner]; !ok {
		fmt.Fprintf(s.stderr, "chown: invalid user: '%s:%s'\n", w.owner, w.group)
		return 1
	}
	h.files[w.path] = &File{Body: body, Mode: w.mode.Perm(), Owner: w.owner, Group: group, ModTime: h.Now()}
	return 0
}

// readFull reads until buf is full or stdin ends (head -c).
func readFull(r io.Reader, buf []byte) (int, error) {
	n, err := io.ReadFull(r, buf)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return n, err
}

func (h *Host) remove(p string, s *cmdIO) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.dirs[p] {
		fmt.Fprintf(s.stderr, "rm: cannot remove '%s': Is a directory\n", p)
		return 1
	}
	delete(h.files, p)
	return 0
}

var lockWait = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`flock -w ([0-9]+\.[0-9]) 9;`) })

// parseLock recognises Lock's command and returns how long flock waits.
func parseLock(line string) (time.Duration, bool) {
	rest, ok := strings.CutSuffix(line, ` sh "${SSH_CLIENT%% *}"`)
	if !ok {
		return 0, false
	}
	script, ok := cutSudo(rest)
	if !ok {
		return 0, false
	}
	m := lockWait().FindStringSubmatch(script)
	if m == nil || sshhost.LockScript(m[1]) != script {
		return 0, false
	}
	secs, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, false
	}
	return time.Duration(secs * float64(time.Second)), true
}

// lockNote is the holder's note in base64, as the lock script prints it (h.mu held).
func (h *Host) lockNote() string {
	var holder []byte
	if f := h.files[sshhost.LockPath]; f != nil {
		holder = f.Body
	}
	return base64.StdEncoding.EncodeToString(holder)
}

// takeLock holds the host's one lock until the client closes stdin, as flock and cat do: a held
// lock is announced with its holder's note, then waited for.
func (h *Host) takeLock(wait time.Duration, s *cmdIO) int {
	select {
	case h.lock <- struct{}{}:
	default:
		h.mu.Lock()
		fmt.Fprintf(s.stdout, "wait\t%s\n", h.lockNote())
		h.mu.Unlock()
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case h.lock <- struct{}{}:
		case <-t.C:
			h.mu.Lock()
			fmt.Fprintf(s.stdout, "busy\t%s\n", h.lockNote())
			h.mu.Unlock()
			return 75
		case <-s.gone:
			return 137
		}
	}
	defer func() { <-h.lock }()
	h.mu.Lock()
	h.dirs[sshhost.LockDir] = true
	h.files[sshhost.LockPath] = &File{Body: fmt.Appendf(nil, "hardsail over SSH from %s, shell pid %d, since %s\n", s.client, 4242, h.Now().UTC().Format("2006-01-02T15:04:05Z")),
		Mode: 0o644, Owner: "root", Group: "root", ModTime: h.Now()}
	h.mu.Unlock()
	fmt.Fprintln(s.stdout, "locked")
	_, _ = io.Copy(io.Discard, s.stdin)
	h.mu.Lock()
	h.files[sshhost.LockPath].Body = []byte{}
	h.mu.Unlock()
	return 0
}

var aptGetLine = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=\d+ (.+)$`)
})

var pkgArg = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]*$`) })

// aptGet emulates apt-get install -y [--no-install-recommends] P…, purge -y P… and update.
func (h *Host) aptGet(args string, s *cmdIO) int {
	fields := strings.Fields(args)
	if len(fields) == 1 && fields[0] == "update" {
		fmt.Fprintln(s.stdout, "Hit:1 http://deb.debian.org/debian bookworm InRelease\nHit:2 http://deb.debian.org/debian-security bookworm-security InRelease\nReading package lists...")
		return 0
	}
	if len(fields) < 3 || (fields[0] != "install" && fields[0] != "purge") || fields[1] != "-y" {
		fmt.Fprintf(s.stderr, "demo host: command not emulated: apt-get %s\n", args)
		return 127
	}
	var pkgs []string
	for _, f := range fields[2:] {
		if u, ok := unquote(f); ok {
			f = u // the steps quote package names
		}
		switch {
		case f == "--no-install-recommends" && fields[0] == "install":
		case pkgArg().MatchString(f):
			pkgs = append(pkgs, f)
		default:
			fmt.Fprintf(s.stderr, "demo host: command not emulated: apt-get %s\n", args)
			return 127
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	fmt.Fprintln(s.stdout, "Reading package lists...\nBuilding dependency tree...\nReading state information...")
	for _, p := range pkgs {
		if _, ok := catalog()[p]; !ok {
			fmt.Fprintf(s.stderr, "E: Unable to locate package %s\n", p)
			return 100
		}
	}
	for _, p := range pkgs {
		info := catalog()[p]
		_, have := h.pkgs[p]
		switch {
		case fields[0] == "install" && have:
			fmt.Fprintf(s.stdout, "%s is already the newest version (%s).\n", p, info.Version)
		case fields[0] == "install":
			for fp, f := range info.Files {
				if _, exists := h.files[fp]; exists { // a conffile the admin kept is not overwritten
					continue
				}
				f.ModTime = h.Now()
				f.Body = append([]byte(nil), f.Body...)
				h.files[fp] = &f
			}
			h.pkgs[p] = info.Version
			fmt.Fprintf(s.stdout, "Setting up %s (%s) ...\n", p, info.Version)
		case have:
			for fp := range info.Files {
				delete(h.files, fp)
			}
			delete(h.pkgs, p)
			fmt.Fprintf(s.stdout, "Purging configuration files for %s (%s) ...\n", p, info.Version)
		default:
			fmt.Fprintf(s.stdout, "Package '%s' is not installed, so not removed\n", p)
		}
	}
	return 0
}

// dryRun is unattended-upgrades --dry-run --debug: it needs the package and a configuration apt reads.
func (h *Host) dryRun(s *cmdIO) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.pkgs["unattended-upgrades"]; !ok {
		fmt.Fprintln(s.stderr, "sh: 1: unattended-upgrades: not found")
		return 127
	}
	if _, err := h.aptDump(); err != nil {
		fmt.Fprintln(s.stderr, err)
		return 1
	}
	fmt.Fprint(s.stdout, "Starting unattended upgrades script\nAllowed origins are: origin=Debian,codename=bookworm,label=Debian, origin=Debian,codename=bookworm,label=Debian-Security, origin=Debian,codename=bookworm-security,label=Debian-Security\n"+
		"Initial blacklist: \nInitial whitelist (not strict): \nNo packages found that can be upgraded unattended and no pending auto-removals\n")
	return 0
}
