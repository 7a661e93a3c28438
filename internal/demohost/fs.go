package demohost

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hardsail/hardsail/internal/hostmanifest"
)

//go:embed testdata/50unattended-upgrades testdata/20auto-upgrades testdata/os-release testdata/sshd_config
var seed embed.FS

// File is one regular file of the emulated host. Logs carry only a size (Body nil): no step reads them.
type File struct {
	Body    []byte
	Size    int64
	Mode    fs.FileMode
	Owner   string
	Group   string
	ModTime time.Time
}

func (f *File) size() int64 {
	if f.Body != nil {
		return int64(len(f.Body))
	}
	return f.Size
}

// Paths of the host's package-owned files.
const (
	unattendedPath = "/etc/apt/apt.conf.d/50unattended-upgrades"
	periodicPath   = "/etc/apt/apt.conf.d/20auto-upgrades"
	aptConfDir     = "/etc/apt/apt.conf.d"
)

// pkgInfo is what the emulated apt knows about a package: its version and the files it installs.
type pkgInfo struct {
	Version string
	Files   map[string]File
}

// catalog is every package apt-get install finds; anything else is "Unable to locate package".
// Built when first used, not at every start of the binary.
var catalog = sync.OnceValue(func() map[string]pkgInfo {
	return map[string]pkgInfo{
		"unattended-upgrades": {Version: "2.9.1+nmu3", Files: map[string]File{
			"/usr/bin/unattended-upgrades": {Body: []byte("#!/usr/bin/python3\n"), Mode: 0o755, Owner: "root", Group: "root"},
			unattendedPath:                 {Body: mustSeed("50unattended-upgrades"), Mode: 0o644, Owner: "root", Group: "root"},
		}},
		"mailutils": {Version: "1:3.15-4", Files: map[string]File{
			"/usr/bin/mailx": {Body: []byte("\x7fELF"), Mode: 0o755, Owner: "root", Group: "root"},
		}},
		"bsd-mailx": {Version: "8.1.2-0.20220412cvs-1", Files: map[string]File{
			"/usr/bin/mailx": {Body: []byte("\x7fELF"), Mode: 0o755, Owner: "root", Group: "root"},
		}},
	}
})

func mustSeed(name string) []byte {
	b, err := seed.ReadFile("testdata/" + name)
	if err != nil {
		panic(fmt.Sprintf("demohost: seed %s: %v", name, err))
	}
	return b
}

// newFS is a fresh Debian 12 instance of m's flavour: the manifest's logs (sizes only), files,
// directories and links, os-release, and unattended-upgrades installed with Debian's stock configuration.
func newFS(m hostmanifest.Manifest) *tree {
	t := &tree{files: map[string]*File{}, dirs: map[string]bool{}, links: map[string]string{}}
	for _, l := range m.Logs {
		t.put(l.Path, File{Size: l.Size, Mode: l.Mode, Owner: m.Users[l.UID], Group: m.Groups[l.GID], ModTime: l.ModTime})
	}
	for _, f := range m.Files {
		t.put(f.Path, File{Body: []byte(f.Body), Mode: f.Mode, Owner: m.Users[f.UID], Group: m.Groups[f.GID], ModTime: f.ModTime})
	}
	for _, l := range m.Symlinks {
		t.links[l.Path] = l.Target
		t.mkdirAll(path.Dir(l.Path))
	}
	installed := time.Date(2025, time.March, 12, 9, 30, 0, 0, time.UTC)
	t.put("/etc/os-release", File{Body: mustSeed("os-release"), Mode: 0o644, Owner: "root", Group: "root", ModTime: installed})
	// Lightsail's images keep UTC: the reboot time is asked on the instance's clock.
	t.put("/etc/timezone", File{Body: []byte("Etc/UTC\n"), Mode: 0o644, Owner: "root", Group: "root", ModTime: installed})
	// Debian's stock sshd_config, with the Lightsail CA line browser SSH uses.
	t.put(sshdConfigPath, File{Body: mustSeed("sshd_config"), Mode: 0o644, Owner: "root", Group: "root", ModTime: installed})
	t.put(periodicPath, File{Body: mustSeed("20auto-upgrades"), Mode: 0o644, Owner: "root", Group: "root", ModTime: installed})
	for p, f := range catalog()["unattended-upgrades"].Files {
		f.ModTime = installed
		t.put(p, f)
	}
	// The manifest's directories (some hold nothing yet) and Debian's own a step may write into.
	for _, d := range m.Dirs {
		t.mkdirAll(d.Path)
	}
	for _, d := range []string{"/run/lock", "/etc/ssh/sshd_config.d", "/etc/cron.d", "/etc/cron.daily", "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/tmp", "/var/log", "/var/backups", "/root", "/home/" + m.User} {
		t.mkdirAll(d)
	}
	t.pkgs = map[string]string{"unattended-upgrades": catalog()["unattended-upgrades"].Version}
	// Every Debian user here has a same-named primary group, for chown "user:".
	t.loginGroup = map[string]string{"daemon": "daemon"}
	for _, name := range m.Users {
		t.loginGroup[name] = name
	}
	return t
}

// tree is the host's filesystem and package state.
type tree struct {
	files      map[string]*File
	dirs       map[string]bool
	links      map[string]string // symlink → target, as readlink prints it
	pkgs       map[string]string // installed package → version
	loginGroup map[string]string // user → primary group
}

func (t *tree) put(p string, f File) {
	t.files[p] = &f
	t.mkdirAll(path.Dir(p))
}

func (t *tree) mkdirAll(d string) {
	for ; ; d = path.Dir(d) {
		t.dirs[d] = true
		if d == "/" {
			return
		}
	}
}

// resolve follows p's symlink, if it is one, to the path it names.
func (t *tree) resolve(p string) string {
	target, ok := t.links[p]
	if !ok {
		return p
	}
	if !path.IsAbs(target) {
		target = path.Join(path.Dir(p), target)
	}
	return target
}

// listing is the regular files directly inside dir, sorted by name.
func listing(files map[string]*File, dir string) []string {
	var out []string
	for p := range files {
		if path.Dir(p) == dir {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// aptConfFiles is what apt reads from apt.conf.d: files in name order, without editor backups.
func aptConfFiles(files map[string]*File) []string {
	var out []string
	for _, p := range listing(files, aptConfDir) {
		base := path.Base(p)
		if strings.HasPrefix(base, ".") || strings.ContainsAny(base, "~") || strings.Contains(base, ".dpkg-") {
			continue
		}
		out = append(out, p)
	}
	return out
}
