package logcleanup

import (
	"cmp"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps/blueprint"
)

// These are the rules of assets/logcleanup/hardsail-logcleanup, written once more in Go for the
// preview; TestScriptKeepsNewestN and TestPreviewListsWhatTheCleanupDeletes hold the two equal on a real host.

// Family is the rotated copies of one live log in one directory.
type Family struct {
	ID  string `json:"id"`  // apache-access, apache-error, db, php-fpm
	Dir string `json:"dir"` // the directory of the live log and its rotated copies
	Log string `json:"log"` // the live log's name, never deleted: access_log, access.log
}

// LogDirs are every directory the script may clean on any layout, for the host query.
func LogDirs() []string { return blueprint.LogDirs() }

// Families returns the families the script cleans on a host of layout l where exists says which
// directories exist: of each group of directories, the first existing one.
func Families(l blueprint.Layout, exists func(dir string) bool) []Family {
	var out []Family
	for _, g := range l.Logs {
		for _, d := range g.Dirs {
			if !exists(d) {
				continue
			}
			for _, f := range g.Families {
				out = append(out, Family{ID: f.ID, Dir: d, Log: f.Log})
			}
			break
		}
	}
	return out
}

// compressedNumbered is the numbered-rotation suffix: .N, optionally compressed.
var compressedNumbered = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\.[0-9]+(\.(gz|bz2|xz|zst))?$`) })

// Member reports whether name (a file directly in f.Dir) is a rotated copy of f's live log:
// LOG-SUFFIX (dateext, any non-empty suffix) or LOG.N[.gz|.bz2|.xz|.zst].
func (f Family) Member(name string) bool {
	rest, ok := strings.CutPrefix(name, f.Log)
	if !ok {
		return false
	}
	if suffix, dated := strings.CutPrefix(rest, "-"); dated {
		return suffix != ""
	}
	return compressedNumbered().MatchString(rest)
}

// Rotated is one rotated log file.
type Rotated struct {
	Family  string    `json:"family"`
	Path    string    `json:"path"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mod_time"`
}

// Collect returns the rotated files of fams in listing (symlinks are skipped, as find -type f does),
// newest first within each family, families in order.
func Collect(fams []Family, listing []sshhost.DirEntry) []Rotated {
	var out []Rotated
	for _, f := range fams {
		var members []Rotated
		for _, e := range listing {
			if e.Symlink || path.Dir(e.Path) != f.Dir || !f.Member(path.Base(e.Path)) {
				continue
			}
			members = append(members, Rotated{Family: f.ID, Path: e.Path, Size: e.Size, ModTime: e.ModTime.UTC().Truncate(time.Second)})
		}
		slices.SortFunc(members, newestFirst)
		out = append(out, members...)
	}
	return out
}

// newestFirst orders by modification time in whole seconds, then by name, both descending
// (the script's `sort -k1,1nr -k3r` in the C locale).
func newestFirst(a, b Rotated) int {
	if c := cmp.Compare(b.ModTime.Unix(), a.ModTime.Unix()); c != 0 {
		return c
	}
	return strings.Compare(b.Path, a.Path)
}

// Doomed returns the files a run keeping keep per family deletes, given rotated as Collect returns it.
func Doomed(rotated []Rotated, keep int) []Rotated {
	var out []Rotated
	seen := map[string]int{}
	for _, r := range rotated {
		seen[r.Family]++
		if seen[r.Family] > keep {
			out = append(out, r)
		}
	}
	return out
}
