package patches

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hardsail/hardsail/steps/blueprint"
)

// Mark is the remote script's first line, by which the demo's host knows it.
const Mark = "# hardsail: disk use, biggest logs, reboot flag, pending security updates"

// The files the script reads.
const (
	RebootFlag     = "/var/run/reboot-required"
	RebootPackages = "/var/run/reboot-required.pkgs"
	// ListsDir holds apt's package lists; UpdateStamp is touched by apt's daily job after each
	// successful update (APT::Periodic). The newest mtime of the stamp, the lists directory and its
	// partial/ (apt downloads there on every update) is when the lists were last refreshed; the
	// lists' own mtimes are the archive's publication dates, not when they were fetched.
	ListsDir    = "/var/lib/apt/lists"
	UpdateStamp = "/var/lib/apt/periodic/update-success-stamp"
)

// Caps on what the host sends back, so a host in a bad way cannot flood the run.
const (
	maxLogs          = 5  // biggest entries under the log folders
	maxRebootLines   = 50 // lines of reboot-required.pkgs (it repeats names)
	maxSecurityNames = 20 // names of pending security updates
	maxAptErrors     = 3  // lines of apt's error
)

// logRoot is the system's log folder: each entry in it is measured.
const logRoot = "/var/log"

// DiskPaths are the paths whose filesystems are checked: the system's, the logs' and each layout's
// web root (an attached Lightsail disk is often mounted for one of them). Paths on one filesystem
// are reported once.
func DiskPaths() []string {
	out := []string{"/", logRoot}
	for _, l := range blueprint.Layouts() {
		out = append(out, l.WebRoot)
	}
	for _, d := range blueprint.LogDirs() {
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// logPaths are what du measures: every entry of /var/log, and the layouts' log folders elsewhere
// (Bitnami keeps its logs inside its own stack, outside /var/log).
func logPaths() []string {
	out := []string{logRoot + "/*"}
	for _, d := range blueprint.LogDirs() {
		if !under(d, logRoot) {
			out = append(out, shellWord(d))
		}
	}
	return out
}

// Script is the one remote command, run as root with sudo (du must enter root-only log folders);
// it only reads. apt simulates the upgrade as nobody, with no lock: it reads its package cache when
// the cache is up to date (apt update leaves it so) and otherwise builds one in memory, and it
// cannot write a file. Every line it prints is tagged; paths and remote text are base64.
func Script() string {
	words := make([]string, 0, len(DiskPaths()))
	for _, p := range DiskPaths() {
		words = append(words, shellWord(p))
	}
	return Mark + `
export LC_ALL=C
e() { printf %s "$1" | base64 -w0; }
printf 'T %s\n' "$(date +%s)"
for p in ` + strings.Join(words, " ") + `; do
  [ -e "$p" ] || continue
  printf 'D %s %s\n' "$(e "$p")" "$(df -Pk -- "$p" 2>/dev/null | sed -n 2p | base64 -w0)"
done
for p in ` + strings.Join(logPaths(), " ") + `; do
  [ -e "$p" ] && [ ! -L "$p" ] || continue
  printf 'L %s %s\n' "$(du -x -s -k -- "$p" 2>/dev/null | cut -f1)" "$(e "$p")"
done | sort -k2,2nr | head -n ` + strconv.Itoa(maxLogs) + `
[ -e ` + RebootFlag + ` ] && printf 'R %s\n' "$(stat -c %Y ` + RebootFlag + `)"
[ -r ` + RebootPackages + ` ] && head -n ` + strconv.Itoa(maxRebootLines) + ` ` + RebootPackages + ` | while IFS= read -r l; do printf 'P %s\n' "$(e "$l")"; done
for f in ` + UpdateStamp + ` ` + ListsDir + ` ` + ListsDir + `/partial; do
  [ -e "$f" ] && printf 'U %s\n' "$(stat -c %Y "$f")"
done
printf 'N %s\n' "$(ls ` + ListsDir + ` 2>/dev/null | grep -c _Packages)"
if ! command -v apt-get >/dev/null 2>&1; then echo X; exit 0; fi
{ setpriv --reuid=65534 --regid=65534 --clear-groups -- apt-get -s -q -o Debug::NoLocking=1 dist-upgrade 2>&1; echo "rc $?"; } |
awk '/^Inst /{n++; p=index($0,"("); if (p && index(substr($0,p),"-security")) {s++; if (s<=` + strconv.Itoa(maxSecurityNames) + `) print "S", $2}}
/^E: /{if (++e<=` + strconv.Itoa(maxAptErrors) + `) print "E", substr($0,4,300)}
/^rc [0-9]+$/{rc=$2}
END{print "C", n+0, s+0, rc+0}'
exit 0
`
}

// Disk is one filesystem as df -P sees it.
type Disk struct {
	Mount string   `json:"mount"`
	Paths []string `json:"paths"` // the checked paths on it
	// SizeKB, UsedKB and AvailKB are df's 1024-blocks, Used and Available; Percent its Capacity
	// (used of what the user may use: reserved blocks excluded, rounded up).
	SizeKB  int64 `json:"size_kb"`
	UsedKB  int64 `json:"used_kb"`
	AvailKB int64 `json:"avail_kb"`
	Percent int   `json:"percent"`
}

// LogUse is one entry under a log folder and its size on disk.
type LogUse struct {
	Path string `json:"path"`
	KB   int64  `json:"kb"`
}

// Facts is what Check read; its JSON is the plan's fingerprint.
type Facts struct {
	HostTime time.Time `json:"host_time"`
	Disks    []Disk    `json:"disks"`
	Logs     []LogUse  `json:"logs,omitempty"` // biggest first
	// Reboot is the reboot flag's mtime (zero: no reboot pending), Packages the packages that
	// asked for it (each once, in order).
	Reboot   time.Time `json:"reboot,omitempty"`
	Packages []string  `json:"packages,omitempty"`
	// ListsUpdated is when apt's lists were last refreshed (zero: unknown); Lists how many package
	// lists apt has.
	ListsUpdated time.Time `json:"lists_updated,omitempty"`
	Lists        int       `json:"lists"`
	// NoApt is set on a host without apt-get; AptErrors are apt's error lines when its simulated
	// upgrade failed.
	NoApt     bool     `json:"no_apt,omitempty"`
	AptErrors []string `json:"apt_errors,omitempty"`
	// Upgradable counts every package apt would upgrade; Security those coming from a -security
	// suite, SecurityNames the first of them.
	Upgradable    int      `json:"upgradable"`
	Security      int      `json:"security"`
	SecurityNames []string `json:"security_names,omitempty"`
	// Layout is the WordPress layout detected ("" when none is clear).
	Layout blueprint.Flavour `json:"layout,omitempty"`
}

// Parse reads the script's output. Lines it does not know are ignored; a missing clock or apt
// summary means the script did not run to its end.
func Parse(out []byte) (Facts, error) {
	var f Facts
	done := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		tag, rest, _ := strings.Cut(sc.Text(), " ")
		var err error
		switch tag {
		case "T":
			f.HostTime, err = epoch(rest)
		case "D":
			err = f.addDisk(rest)
		case "L":
			f.addLog(rest)
		case "R":
			f.Reboot, err = epoch(rest)
		case "P":
			f.addPackage(rest)
		case "U":
			err = f.addUpdate(rest)
		case "N":
			f.Lists, err = strconv.Atoi(rest)
		case "X":
			f.NoApt, done = true, true
		case "S":
			f.SecurityNames = append(f.SecurityNames, rest)
		case "E":
			f.AptErrors = append(f.AptErrors, rest)
		case "C":
			done = true
			err = f.summary(rest)
		}
		if err != nil {
			return f, fmt.Errorf("unexpected line %q: %w", sc.Text(), err)
		}
	}
	if err := sc.Err(); err != nil {
		return f, err
	}
	if f.HostTime.IsZero() || !done {
		return f, fmt.Errorf("the remote script stopped before its end")
	}
	return f, nil
}

func epoch(s string) (time.Time, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(n, 0).UTC(), nil
}

// dfLine is one data line of df -P: filesystem, 1024-blocks, used, available, capacity, mount point.
// The filesystem's name may hold spaces and the mount point always starts with a slash.
var dfLine = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(.+?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)%\s+(/.*)$`)
})

// addDisk reads "D <path> <df line>" (both base64). A line df did not write (the path vanished,
// a filesystem with no size) is left out; one for a mount point that does not hold the path is an
// error.
func (f *Facts) addDisk(rest string) error {
	p64, l64, _ := strings.Cut(rest, " ")
	p, err := unb64(p64)
	if err != nil {
		return err
	}
	line, err := unb64(l64)
	if err != nil {
		return err
	}
	m := dfLine().FindStringSubmatch(strings.TrimRight(line, "\n"))
	if m == nil {
		return nil
	}
	d := Disk{Mount: m[6], Paths: []string{p}}
	d.SizeKB, _ = strconv.ParseInt(m[2], 10, 64)
	d.UsedKB, _ = strconv.ParseInt(m[3], 10, 64)
	d.AvailKB, _ = strconv.ParseInt(m[4], 10, 64)
	d.Percent, _ = strconv.Atoi(m[5])
	if !under(p, d.Mount) {
		return fmt.Errorf("df names %s as the mount point of %s", d.Mount, p)
	}
	for i := range f.Disks {
		if f.Disks[i].Mount == d.Mount {
			f.Disks[i].Paths = append(f.Disks[i].Paths, p)
			return nil
		}
	}
	f.Disks = append(f.Disks, d)
	return nil
}

// addLog reads "L <KiB> <path>"; du's failure (an empty size) leaves the entry out.
func (f *Facts) addLog(rest string) {
	kb, p64, _ := strings.Cut(rest, " ")
	n, err := strconv.ParseInt(kb, 10, 64)
	p, perr := unb64(p64)
	if err != nil || perr != nil || len(f.Logs) >= maxLogs {
		return
	}
	f.Logs = append(f.Logs, LogUse{Path: p, KB: n})
}

// addPackage reads one line of reboot-required.pkgs, keeping each name once.
func (f *Facts) addPackage(b64 string) {
	p, err := unb64(b64)
	if p = strings.TrimSpace(p); err == nil && p != "" && !slices.Contains(f.Packages, p) {
		f.Packages = append(f.Packages, p)
	}
}

// addUpdate keeps the newest of the update marks.
func (f *Facts) addUpdate(rest string) error {
	t, err := epoch(rest)
	if err == nil && t.After(f.ListsUpdated) {
		f.ListsUpdated = t
	}
	return err
}

// summary reads "C <upgradable> <security> <apt's exit>".
func (f *Facts) summary(rest string) error {
	var rc int
	if _, err := fmt.Sscanf(rest, "%d %d %d", &f.Upgradable, &f.Security, &rc); err != nil {
		return err
	}
	if rc != 0 && len(f.AptErrors) == 0 {
		f.AptErrors = []string{fmt.Sprintf("apt-get exited with status %d", rc)}
	}
	if rc == 0 {
		f.AptErrors = nil // warnings printed as E: lines by an apt that still succeeded
	}
	if len(f.SecurityNames) > maxSecurityNames {
		f.SecurityNames = f.SecurityNames[:maxSecurityNames]
	}
	return nil
}

func unb64(s string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	return string(b), err
}

// under reports whether p is dir or inside it.
func under(p, dir string) bool {
	p, dir = path.Clean(p), path.Clean(dir)
	return p == dir || dir == "/" || strings.HasPrefix(p, dir+"/")
}

// shellWord quotes s for sh.
func shellWord(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
