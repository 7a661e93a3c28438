package demohost

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/hardsail/hardsail/internal/hostmanifest"
)

//go:embed testdata/50unattended-upgrades testdata/20auto-upgrades testdata/os-release
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
var catalog = map[string]pkgInfo{
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

func mustSeed(name string) []byte {
	b, err := seed.ReadFile("testdata/" + name)
	if err != nil {
		panic(fmt.Sprintf("demohost: seed %s: %v", name, err))
	}
	return b
}

// loginGroup is each user's primary group, for chown "user:".
var loginGroup = map[string]string{"root": "root", "bitnami": "bitnami", "daemon": "daemon", "mysql": "mysql"}

var userNames = map[int]string{0: "root", hostmanifest.BitnamiUID: "bitnami", hostmanifest.MySQLUID: "mysql"}
var groupNames = map[int]string{0: "root", hostmanifest.BitnamiGID: "bitnami", hostmanifest.DaemonGID: "daemon", hostmanifest.MySQLGID: "mysql"}

// newFS is a fresh Debian 12 Bitnami WordPress instance: the testhost manifest's logs and wp-config.php,
// os-release, and unattended-upgrades installed with Debian's stock configuration.
func newFS() (map[string]*File, map[string]bool, map[string]string) {
	files := map[string]*File{}
	dirs := map[string]bool{}
	put := func(p string, f File) {
		files[p] = &f
		for d := path.Dir(p); ; d = path.Dir(d) {
			dirs[d] = true
			if d == "/" {
				break
			}
		}
	}
	for _, l := range hostmanifest.Logs {
		put(l.Path, File{Size: l.Size, Mode: l.Mode, Owner: userNames[l.UID], Group: groupNames[l.GID], ModTime: l.ModTime})
	}
	w := hostmanifest.WPConfig
	put(w.Path, File{Body: []byte(hostmanifest.WPConfigPHP), Mode: w.Mode, Owner: userNames[w.UID], Group: groupNames[w.GID], ModTime: w.ModTime})
	installed := time.Date(2025, time.March, 12, 9, 30, 0, 0, time.UTC)
	put("/etc/os-release", File{Body: mustSeed("os-release"), Mode: 0o644, Owner: "root", Group: "root", ModTime: installed})
	put(periodicPath, File{Body: mustSeed("20auto-upgrades"), Mode: 0o644, Owner: "root", Group: "root", ModTime: installed})
	for p, f := range catalog["unattended-upgrades"].Files {
		f.ModTime = installed
		put(p, f)
	}
	// Debian's own directories a step may write into.
	for _, d := range []string{"/run/lock", "/etc/cron.d", "/etc/cron.daily", "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/tmp", "/var/log", "/var/backups", "/root", "/home/bitnami"} {
		for ; d != "/"; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	pkgs := map[string]string{"unattended-upgrades": catalog["unattended-upgrades"].Version}
	return files, dirs, pkgs
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
