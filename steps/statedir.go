package steps

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/adrg/xdg"
)

// StateDir is where journals, settings and the log live: $HARDSAIL_STATE_DIR, else the XDG state dir.
func StateDir() string {
	if d := os.Getenv("HARDSAIL_STATE_DIR"); d != "" {
		return d
	}
	return filepath.Join(xdg.StateHome, "hardsail")
}

// Key names one instance of one account in one region: the unit a journal and settings belong to.
type Key struct {
	Account  string `json:"account"`
	Region   string `json:"region"`
	Instance string `json:"instance"`
}

var unsafeName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^A-Za-z0-9._-]`) })

func (k Key) base() string {
	return unsafeName().ReplaceAllString(k.Account+"_"+k.Region+"_"+k.Instance, "-")
}

// Paths are the files of one instance under a state dir.
type Paths struct {
	Dir      string
	Journal  string
	Lock     string
	Settings string
	Log      string
}

// PathsFor returns the files of key under dir.
func PathsFor(dir string, k Key) Paths {
	b := k.base()
	return Paths{
		Dir:      dir,
		Journal:  filepath.Join(dir, b+".journal.jsonl"),
		Lock:     filepath.Join(dir, b+".lock"),
		Settings: filepath.Join(dir, b+".settings.json"),
		Log:      filepath.Join(dir, "hardsail.log"),
	}
}

// JournalFile is one instance's journal found under a state dir.
type JournalFile struct {
	Path string
	// Name is "account / region / instance" as the file is named.
	Name string
}

// FindJournals lists the journals under dir, only those of instance and region when they are given.
func FindJournals(dir, instance, region string) ([]JournalFile, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.journal.jsonl"))
	if err != nil {
		return nil, err
	}
	var out []JournalFile
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".journal.jsonl")
		parts := strings.SplitN(base, "_", 3)
		if len(parts) != 3 ||
			instance != "" && parts[2] != unsafeName().ReplaceAllString(instance, "-") ||
			region != "" && parts[1] != unsafeName().ReplaceAllString(region, "-") {
			continue
		}
		out = append(out, JournalFile{Path: f, Name: strings.Join(parts, " / ")})
	}
	return out, nil
}

// JournalRead is one journal found under a state dir, as read: its entries, the lines that could
// not be read, or why the file could not be read at all.
type JournalRead struct {
	JournalFile
	Entries []Entry
	Damage  []Damage
	Err     error
}

// ReadJournals finds the journals under dir (those of instance and region when they are given,
// as FindJournals does) and reads each; one unreadable file does not hide the others.
func ReadJournals(dir, instance, region string) ([]JournalRead, error) {
	files, err := FindJournals(dir, instance, region)
	if err != nil {
		return nil, err
	}
	out := make([]JournalRead, len(files))
	for i, f := range files {
		out[i].JournalFile = f
		out[i].Entries, out[i].Damage, out[i].Err = ScanJournal(f.Path)
	}
	return out, nil
}
