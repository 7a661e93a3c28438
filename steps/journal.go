package steps

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// journalVersion is the format of each line; a reader refuses newer ones rather than misread them.
const journalVersion = 1

// record is one line of the journal file. A mutation is a "begin" line written before it happens
// and a "done" or "failed" line after; a begin with neither was interrupted.
type record struct {
	V         int             `json:"v"`
	Type      string          `json:"type"` // begin | done | failed
	ID        string          `json:"id"`
	Run       string          `json:"run,omitempty"`
	Time      time.Time       `json:"time"`
	Step      string          `json:"step,omitempty"`
	Action    Action          `json:"action,omitempty"`
	Address   string          `json:"address,omitempty"`
	Before    string          `json:"before,omitempty"`
	After     string          `json:"after,omitempty"`
	File      bool            `json:"file,omitempty"`
	Sensitive bool            `json:"sensitive,omitempty"`
	Why       string          `json:"why,omitempty"`
	Undoes    string          `json:"undoes,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
	Error     string          `json:"error,omitempty"`
}

// EntryState is where a journaled mutation got to.
type EntryState string

const (
	EntryDone        EntryState = "done"
	EntryFailed      EntryState = "failed"
	EntryInterrupted EntryState = "interrupted"
	EntryUndone      EntryState = "undone"
)

// Entry is one journaled mutation, folded from its lines.
type Entry struct {
	ID     string     `json:"id"`
	Run    string     `json:"run"`
	Step   string     `json:"step"`
	Change Change     `json:"change"`
	Undoes string     `json:"undoes,omitempty"`
	Data   []byte     `json:"data,omitempty"`
	Began  time.Time  `json:"began"`
	Ended  time.Time  `json:"ended,omitzero"`
	State  EntryState `json:"state"`
	Error  string     `json:"error,omitempty"`
}

// Decode reads the step-specific data journaled with the entry into v.
func (e Entry) Decode(v any) error {
	if len(e.Data) == 0 {
		return fmt.Errorf("journal entry %s has no data", e.ID)
	}
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("journal entry %s: %w", e.ID, err)
	}
	return nil
}

// LockedError says another run holds the journal.
type LockedError struct {
	PID  int
	Path string
}

func (e *LockedError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("another hardsail run holds the lock (pid %d)", e.PID)
	}
	return "another hardsail run holds the lock"
}

// HintText names the fix.
func (e *LockedError) HintText() string {
	return "Wait for the other run to finish, or if it died, remove " + e.Path + "."
}

// Journal is the append-only, write-ahead record of every change hardsail made to one instance.
// It holds an exclusive lock for as long as it is open.
type Journal struct {
	mu   sync.Mutex
	path string
	f    *os.File
	lock *os.File
	run  string
	seq  int
	now  func() time.Time
	// OnRecord, when set, is called after each record reaches the disk ("begin", "done", "failed");
	// the conformance harness uses it to prove every mutation was journaled first.
	OnRecord func(kind, id string)
}

// OpenJournal opens (creating) the journal at p.Journal and takes its lock.
func OpenJournal(p Paths) (*Journal, error) {
	if err := os.MkdirAll(filepath.Dir(p.Journal), 0o700); err != nil {
		return nil, fmt.Errorf("create state dir: %w", err)
	}
	lock, err := os.OpenFile(p.Lock, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open journal lock %s: %w", p.Lock, err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := os.ReadFile(p.Lock)
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		lock.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &LockedError{PID: pid, Path: p.Lock}
		}
		return nil, fmt.Errorf("lock journal %s: %w", p.Lock, err)
	}
	// The pid is only for the message another run prints; the flock is what excludes.
	if err := lock.Truncate(0); err == nil {
		_, _ = lock.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	f, err := os.OpenFile(p.Journal, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("open journal %s: %w", p.Journal, err)
	}
	// An older file may have been created with a laxer mode; the journal holds prior file bodies.
	_ = f.Chmod(0o600)
	return &Journal{path: p.Journal, f: f, lock: lock, run: newRunID(time.Now()), now: time.Now}, nil
}

func newRunID(t time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// Path is the journal file.
func (j *Journal) Path() string { return j.path }

// Run identifies this run's entries.
func (j *Journal) Run() string { return j.run }

// Close releases the lock.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	_ = j.lock.Truncate(0)
	_ = syscall.Flock(int(j.lock.Fd()), syscall.LOCK_UN)
	j.lock.Close()
	j.f = nil
	return err
}

// Begin journals a mutation before it happens, with the step's data for undoing it (prior firewall
// set, created resource names). Sensitive changes are stored redacted. It returns the entry's id.
func (j *Journal) Begin(step string, c Change, data any) (string, error) {
	return j.begin(step, c, data, "")
}

// BeginUndo journals the reversal of entry orig before it happens. The reversal of a sensitive
// change is sensitive too: its "before" is the secret hardsail wrote.
func (j *Journal) BeginUndo(orig Entry, c Change, data any) (string, error) {
	c.Sensitive = c.Sensitive || orig.Change.Sensitive
	return j.begin(orig.Step, c, data, orig.ID)
}

func (j *Journal) begin(step string, c Change, data any, undoes string) (string, error) {
	c = c.Redacted()
	var raw json.RawMessage
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			return "", fmt.Errorf("journal %s: encode data: %w", c.Address, err)
		}
		raw = b
	}
	j.mu.Lock()
	j.seq++
	id := fmt.Sprintf("%s-%03d", j.run, j.seq)
	j.mu.Unlock()
	return id, j.write(record{
		Type: "begin", ID: id, Run: j.run, Step: step,
		Action: c.Action, Address: c.Address, Before: c.Before, After: c.After, File: c.File,
		Sensitive: c.Sensitive, Why: c.Why, Undoes: undoes, Data: raw,
	})
}

// Done marks the entry's mutation as carried out.
func (j *Journal) Done(id string) error { return j.write(record{Type: "done", ID: id}) }

// Fail marks the entry's mutation as not carried out, with why.
func (j *Journal) Fail(id string, cause error) error {
	msg := ""
	if cause != nil {
		msg = cause.Error()
	}
	return j.write(record{Type: "failed", ID: id, Error: msg})
}

func (j *Journal) write(r record) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errors.New("journal is closed")
	}
	r.V = journalVersion
	r.Time = j.now().UTC()
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("journal %s: %w", r.ID, err)
	}
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write journal %s: %w", j.path, err)
	}
	// Write-ahead only works if the line is on disk before the mutation starts.
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("sync journal %s: %w", j.path, err)
	}
	if j.OnRecord != nil {
		j.OnRecord(r.Type, r.ID)
	}
	return nil
}

// Entries reads the whole journal, folded, oldest first.
func (j *Journal) Entries() ([]Entry, error) { return ReadJournal(j.path) }

// ReadJournal reads a journal file without locking it (history is read-only); a missing file is empty.
func ReadJournal(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read journal %s: %w", path, err)
	}
	defer f.Close()
	var entries []Entry
	index := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 64*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			// A crash can leave a torn last line; anything before it is still good.
			if !sc.Scan() {
				break
			}
			return nil, fmt.Errorf("read journal %s line %d: %w", path, line, err)
		}
		if r.V > journalVersion {
			return nil, fmt.Errorf("read journal %s line %d: written by a newer hardsail (format %d)", path, line, r.V)
		}
		switch r.Type {
		case "begin":
			index[r.ID] = len(entries)
			entries = append(entries, Entry{
				ID: r.ID, Run: r.Run, Step: r.Step, Undoes: r.Undoes, Data: r.Data, Began: r.Time,
				State: EntryInterrupted,
				Change: Change{Action: r.Action, Address: r.Address, Before: r.Before, After: r.After,
					File: r.File, Why: r.Why, Sensitive: r.Sensitive},
			})
		case "done", "failed":
			i, ok := index[r.ID]
			if !ok {
				continue
			}
			entries[i].Ended = r.Time
			entries[i].State = EntryDone
			if r.Type == "failed" {
				entries[i].State = EntryFailed
				entries[i].Error = r.Error
			}
			if r.Type == "done" && entries[i].Undoes != "" {
				if k, ok := index[entries[i].Undoes]; ok {
					entries[k].State = EntryUndone
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read journal %s: %w", path, err)
	}
	return entries, nil
}

// Undoable returns the entries undo would reverse for the given steps (all when none), newest
// first: original mutations that are done or interrupted and not yet undone.
func Undoable(entries []Entry, stepIDs ...string) []Entry {
	var out []Entry
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if e.Undoes != "" || (e.State != EntryDone && e.State != EntryInterrupted) {
			continue
		}
		if len(stepIDs) > 0 && !slices.Contains(stepIDs, e.Step) {
			continue
		}
		out = append(out, e)
	}
	return out
}
