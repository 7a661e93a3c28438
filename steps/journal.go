package steps

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
// and a "done", "failed" or "unknown" line after; a begin with none of them was interrupted.
type record struct {
	V         int             `json:"v"`
	Type      string          `json:"type"` // begin | done | failed | unknown
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
	// EntryUnknown is a mutation whose request may or may not have acted (a cancel, a dropped
	// connection, a server fault); undo considers it and compares the live value first.
	EntryUnknown EntryState = "unknown"
	EntryUndone  EntryState = "undone"
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

// HintText names the fix. A held lock means its holder is alive: deleting the file would let two
// runs write at once, so the hint never suggests it.
func (e *LockedError) HintText() string {
	if e.PID > 0 {
		return fmt.Sprintf("Wait for the other run to finish, or stop it (kill %d).", e.PID)
	}
	return "Wait for the other run to finish, or stop it."
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
	// repaired is how many bytes of a torn last line OpenJournal cut off.
	repaired int64
	// torn is set when a failed write could not be rolled back: the next write repairs first.
	torn bool
	// OnRecord, when set, is called after each record reaches the disk ("begin", "done", "failed");
	// the conformance harness uses it to prove every mutation was journaled first.
	OnRecord func(kind, id string)
}

// OpenJournal opens (creating) the journal at p.Journal and takes its lock. A torn last line left by
// a crash or a full disk is cut off first, so the next record starts on a line of its own.
func OpenJournal(p Paths) (*Journal, error) {
	if err := PrepareStateDir(filepath.Dir(p.Journal)); err != nil {
		return nil, err
	}
	lock, err := OpenStateFile(p.Lock, os.O_RDWR|os.O_CREATE)
	if err != nil {
		return nil, fmt.Errorf("open journal lock %s: %w", p.Lock, err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := io.ReadAll(io.LimitReader(lock, 32))
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
	_, statErr := os.Lstat(p.Journal)
	f, err := OpenStateFile(p.Journal, os.O_RDWR|os.O_APPEND|os.O_CREATE)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("open journal %s: %w", p.Journal, err)
	}
	fail := func(err error) (*Journal, error) {
		f.Close()
		lock.Close()
		return nil, err
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		if err := syncDir(filepath.Dir(p.Journal)); err != nil {
			return fail(err)
		}
	}
	cut, err := repairTail(f)
	if err != nil {
		return fail(fmt.Errorf("repair the torn last line of journal %s: %w", p.Journal, err))
	}
	return &Journal{path: p.Journal, f: f, lock: lock, run: newRunID(time.Now()), now: time.Now, repaired: cut}, nil
}

// Repaired says what OpenJournal cut off, for a warning: a torn last line is the unfinished write
// of a run that stopped (a crash, a full disk). Its change never started if it was a "begin" (the
// write comes first); if it was the end of a change, that change shows as interrupted and undo still
// considers it. "" when the journal was whole.
func (j *Journal) Repaired() string {
	if j.repaired == 0 {
		return ""
	}
	return fmt.Sprintf("journal %s: cut off a torn last line (%d bytes) left by a run that stopped mid-write; "+
		"a change it ended shows as interrupted, and undo still considers it", j.path, j.repaired)
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
func (j *Journal) Fail(id string, cause error) error { return j.end("failed", id, cause) }

// Unknown marks the entry's mutation as possibly carried out, with why.
func (j *Journal) Unknown(id string, cause error) error { return j.end("unknown", id, cause) }

func (j *Journal) end(kind, id string, cause error) error {
	msg := ""
	if cause != nil {
		msg = cause.Error()
	}
	return j.write(record{Type: kind, ID: id, Error: msg})
}

// maxRecord bounds one journal line; a larger record (a managed file too big to journal) is refused
// before anything changes.
const maxRecord = 8 << 20

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
	if len(b) >= maxRecord {
		return fmt.Errorf("journal %s: the record is %d bytes, over the %d MiB a journal line may hold", r.Address, len(b), maxRecord>>20)
	}
	if j.torn {
		if _, err := repairTail(j.f); err != nil {
			return fmt.Errorf("repair journal %s after a failed write: %w", j.path, err)
		}
		j.torn = false
	}
	fi, err := j.f.Stat()
	if err != nil {
		return fmt.Errorf("write journal %s: %w", j.path, err)
	}
	_, err = j.f.Write(append(b, '\n'))
	if err == nil {
		// Write-ahead only works if the line is on disk before the mutation starts.
		err = j.f.Sync()
	}
	if err != nil {
		// A partial line (disk full) would glue the next record onto it: cut it back off, or
		// failing that, before the next write.
		j.torn = truncateSync(j.f, fi.Size()) != nil
		return fmt.Errorf("write journal %s: %w", j.path, err)
	}
	if j.OnRecord != nil {
		j.OnRecord(r.Type, r.ID)
	}
	return nil
}

// Entries reads the whole journal, folded, oldest first.
func (j *Journal) Entries() ([]Entry, error) { return ReadJournal(j.path) }

// ReadJournal reads a journal file without locking it (history is read-only); a missing file is
// empty. Lines that cannot be read are skipped (ScanJournal reports them).
func ReadJournal(path string) ([]Entry, error) {
	entries, _, err := ScanJournal(path)
	return entries, err
}

// Damage is a journal line that could not be read; the lines around it still are.
type Damage struct {
	Line int    `json:"line"`
	Why  string `json:"why"`
}

// maxLine is the longest journal line read; a longer one is skipped as damage.
const maxLine = 2 * maxRecord

// ScanJournal reads a journal file, folded, oldest first, skipping and reporting lines it cannot
// read (a torn line, a line a newer hardsail wrote, one over maxLine), so one bad line never hides
// the rest.
func ScanJournal(path string) ([]Entry, []Damage, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read journal %s: %w", path, err)
	}
	defer f.Close()
	var (
		fold   journalFold
		damage []Damage
	)
	rd := bufio.NewReaderSize(f, 64*1024)
	for line := 1; ; line++ {
		b, tooLong, err := readLine(rd)
		if err == io.EOF && len(b) == 0 && !tooLong {
			break
		}
		if err != nil && err != io.EOF {
			return fold.entries, damage, fmt.Errorf("read journal %s: %w", path, err)
		}
		switch {
		case tooLong:
			damage = append(damage, Damage{Line: line, Why: fmt.Sprintf("longer than %d MiB", maxLine>>20)})
		case len(b) > 0:
			if why := fold.add(b); why != "" {
				damage = append(damage, Damage{Line: line, Why: why})
			}
		}
		if err == io.EOF {
			break
		}
	}
	return fold.entries, damage, nil
}

// readLine returns the next line without its newline; a line over maxLine is consumed and reported
// as tooLong. The error is io.EOF on the last line.
func readLine(rd *bufio.Reader) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := rd.ReadSlice('\n')
		if len(line)+len(chunk) > maxLine {
			tooLong, line = true, nil
		} else if !tooLong {
			line = append(line, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return bytes.TrimSuffix(line, []byte("\n")), tooLong, err
	}
}

// journalFold folds records into entries.
type journalFold struct {
	entries []Entry
	index   map[string]int
}

// add folds one line; it returns why the line was skipped, or "".
func (jf *journalFold) add(b []byte) string {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return "not a journal record: " + err.Error()
	}
	if r.V > journalVersion {
		return fmt.Sprintf("written by a newer hardsail (format %d)", r.V)
	}
	if jf.index == nil {
		jf.index = map[string]int{}
	}
	switch r.Type {
	case "begin":
		jf.index[r.ID] = len(jf.entries)
		jf.entries = append(jf.entries, Entry{
			ID: r.ID, Run: r.Run, Step: r.Step, Undoes: r.Undoes, Data: r.Data, Began: r.Time,
			State: EntryInterrupted,
			Change: Change{Action: r.Action, Address: r.Address, Before: r.Before, After: r.After,
				File: r.File, Why: r.Why, Sensitive: r.Sensitive},
		})
	case "done", "failed", "unknown":
		i, ok := jf.index[r.ID]
		if !ok {
			return "ends an entry that never began: " + r.ID
		}
		e := &jf.entries[i]
		e.Ended, e.State = r.Time, EntryDone
		switch r.Type {
		case "failed":
			e.State, e.Error = EntryFailed, r.Error
		case "unknown":
			e.State, e.Error = EntryUnknown, r.Error
		}
		if r.Type == "done" && e.Undoes != "" {
			if k, ok := jf.index[e.Undoes]; ok {
				jf.entries[k].State = EntryUndone
			}
		}
	default:
		return fmt.Sprintf("unknown record type %q", r.Type)
	}
	return ""
}

// Undoable returns the entries undo would reverse for the given steps (all when none), newest
// first: original mutations that are done, interrupted or unknown and not yet undone.
func Undoable(entries []Entry, stepIDs ...string) []Entry {
	var out []Entry
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if e.Undoes != "" || (e.State != EntryDone && e.State != EntryInterrupted && e.State != EntryUnknown) {
			continue
		}
		if len(stepIDs) > 0 && !slices.Contains(stepIDs, e.Step) {
			continue
		}
		out = append(out, e)
	}
	return out
}

// UndoEach checks and decodes every entry first (DecodeAll: a tampered journal runs nothing), then
// undoes them in order with undo, which returns what it did; the report joins those, up to the
// first error.
func UndoEach[T any](entries []Entry, decode func(Entry) (T, error), undo func(Entry, T) (string, error)) (Report, error) {
	records, err := DecodeAll(entries, decode)
	if err != nil {
		return Report{}, err
	}
	var did []string
	for i, e := range entries {
		what, err := undo(e, records[i])
		if err != nil {
			return Report{Detail: strings.Join(did, "; ")}, err
		}
		did = append(did, what)
	}
	return Report{Detail: strings.Join(did, "; ")}, nil
}

// DecodeAll checks and decodes every entry before an undo acts on any: the first that decode
// refuses (journal data the step could not have written, *TamperedError) refuses them all, so a
// tampered journal runs nothing.
func DecodeAll[T any](entries []Entry, decode func(Entry) (T, error)) ([]T, error) {
	out := make([]T, len(entries))
	for i, e := range entries {
		v, err := decode(e)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
