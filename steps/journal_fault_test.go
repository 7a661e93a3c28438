package steps

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func testPaths(t *testing.T, dir string) Paths {
	t.Helper()
	return PathsFor(dir, Key{Account: "123456789012", Region: "us-east-1", Instance: "WordPress-1"})
}

func journalOne(t *testing.T, j *Journal, addr string) string {
	t.Helper()
	id, err := j.Begin("firewall", Change{Action: Update, Address: addr, Why: "test"}, map[string]string{"k": "v"})
	if err != nil {
		t.Fatalf("begin %s: %v", addr, err)
	}
	if err := j.Done(id); err != nil {
		t.Fatalf("done %s: %v", addr, err)
	}
	return id
}

// A crash (or a full disk) mid-write leaves a torn last line; the next run must cut it off, not glue
// its first record onto it, or every later read of the journal fails.
func TestJournalRepairsATornLastLine(t *testing.T) {
	p := testPaths(t, t.TempDir())
	j, err := OpenJournal(p)
	if err != nil {
		t.Fatal(err)
	}
	journalOne(t, j, "a")
	j.Close()
	f, err := os.OpenFile(p.Journal, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	torn := `{"v":1,"type":"begin","id":"torn-001","step":"firewall","address":"half`
	if _, err := f.WriteString(torn); err != nil {
		t.Fatal(err)
	}
	f.Close()

	j, err = OpenJournal(p)
	if err != nil {
		t.Fatalf("reopen after a torn line: %v", err)
	}
	if note := j.Repaired(); !strings.Contains(note, strconv.Itoa(len(torn))+" bytes") || !strings.Contains(note, "torn") {
		t.Errorf("Repaired() = %q, want it to say a torn line of %d bytes was cut", note, len(torn))
	}
	journalOne(t, j, "b")
	j.Close()
	raw, _ := os.ReadFile(p.Journal)
	if bytes.Contains(raw, []byte("half")) {
		t.Errorf("the torn line is still in the journal:\n%s", raw)
	}
	entries, damage, err := ScanJournal(p.Journal)
	if err != nil || len(damage) != 0 {
		t.Fatalf("scan after repair: err %v, damage %+v", err, damage)
	}
	if len(entries) != 2 || entries[0].Change.Address != "a" || entries[1].Change.Address != "b" || entries[1].State != EntryDone {
		t.Fatalf("entries after repair: %+v", entries)
	}
}

// A whole journal reopens with nothing to report.
func TestJournalWholeIsNotRepaired(t *testing.T) {
	p := testPaths(t, t.TempDir())
	for range 2 {
		j, err := OpenJournal(p)
		if err != nil {
			t.Fatal(err)
		}
		if note := j.Repaired(); note != "" {
			t.Errorf("a whole journal reports a repair: %q", note)
		}
		journalOne(t, j, "a")
		j.Close()
	}
}

// A failed write whose rollback also failed leaves a partial line; the next write cuts it first.
func TestJournalWriteRepairsAfterAFailedRollback(t *testing.T) {
	p := testPaths(t, t.TempDir())
	j, err := OpenJournal(p)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	journalOne(t, j, "a")
	if _, err := j.f.WriteString(`{"v":1,"type":"begin","id":"half`); err != nil {
		t.Fatal(err)
	}
	j.torn = true // as write() leaves it when truncating the partial line failed
	journalOne(t, j, "b")
	entries, damage, err := ScanJournal(p.Journal)
	if err != nil || len(damage) != 0 || len(entries) != 2 || entries[1].Change.Address != "b" {
		t.Fatalf("after the repairing write: %d entries, damage %+v, err %v", len(entries), damage, err)
	}
}

// The log is forced private like the journal, and never written through a link.
func TestLogIsPrivateAndNotFollowed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	os.Mkdir(dir, 0o755)
	p := testPaths(t, dir)
	if err := os.WriteFile(p.Log, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := OpenLog(p.Log)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("new\n")
	f.Close()
	for path, want := range map[string]os.FileMode{dir: 0o700, p.Log: 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v (err %v), want %04o", path, fi.Mode().Perm(), err, want)
		}
	}
	if b, _ := os.ReadFile(p.Log); string(b) != "old\nnew\n" {
		t.Errorf("the log was not appended to: %q", b)
	}
	os.Remove(p.Log)
	target := filepath.Join(t.TempDir(), "elsewhere")
	os.WriteFile(target, nil, 0o644)
	os.Symlink(target, p.Log)
	var ue *UsageError
	if _, err := OpenLog(p.Log); !errors.As(err, &ue) || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("a log that is a link: %v, want a UsageError about the link", err)
	}
	if fi, _ := os.Stat(target); fi.Size() != 0 || fi.Mode().Perm() != 0o644 {
		t.Errorf("the link's target was touched: size %d mode %v", fi.Size(), fi.Mode().Perm())
	}
}

// One unreadable line must not hide the entries around it.
func TestScanJournalSkipsAndReportsBadLines(t *testing.T) {
	p := testPaths(t, t.TempDir())
	j, err := OpenJournal(p)
	if err != nil {
		t.Fatal(err)
	}
	journalOne(t, j, "a")
	j.Close()
	f, _ := os.OpenFile(p.Journal, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString("garbage that is not json\n")
	f.WriteString(`{"v":99,"type":"begin","id":"future-001"}` + "\n")
	f.WriteString(`{"v":1,"type":"done","id":"never-began"}` + "\n")
	f.Close()
	j, _ = OpenJournal(p)
	journalOne(t, j, "b")
	j.Close()

	entries, damage, err := ScanJournal(p.Journal)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("got %d entries, want the 2 good ones: %+v", len(entries), entries)
	}
	lines := []int{}
	for _, d := range damage {
		lines = append(lines, d.Line)
	}
	if want := []int{3, 4, 5}; !slices.Equal(lines, want) {
		t.Errorf("damaged lines %v, want %v (%+v)", lines, want, damage)
	}
	if !strings.Contains(damage[1].Why, "newer hardsail") {
		t.Errorf("the newer-format line says %q", damage[1].Why)
	}
	if es, err := ReadJournal(p.Journal); err != nil || len(es) != 2 {
		t.Errorf("ReadJournal: %d entries, err %v", len(es), err)
	}
}

func TestScanJournalSkipsAnOverlongLine(t *testing.T) {
	p := testPaths(t, t.TempDir())
	j, _ := OpenJournal(p)
	journalOne(t, j, "a")
	j.Close()
	f, _ := os.OpenFile(p.Journal, os.O_WRONLY|os.O_APPEND, 0)
	f.Write(bytes.Repeat([]byte("x"), maxLine+10))
	f.WriteString("\n")
	f.Close()
	j, _ = OpenJournal(p)
	journalOne(t, j, "b")
	j.Close()
	entries, damage, err := ScanJournal(p.Journal)
	if err != nil || len(entries) != 2 || len(damage) != 1 || damage[0].Line != 3 {
		t.Fatalf("entries %d, damage %+v, err %v; want 2 entries and line 3 reported", len(entries), damage, err)
	}
}

func TestJournalRefusesARecordTooLargeToRead(t *testing.T) {
	j, err := OpenJournal(testPaths(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	big := Change{Action: Update, Address: "host:/big", After: strings.Repeat("y", maxRecord)}
	if _, err := j.Begin("log-cleanup", big, nil); err == nil || !strings.Contains(err.Error(), "MiB") {
		t.Fatalf("a record over the limit: %v, want refused", err)
	}
	if es, _ := j.Entries(); len(es) != 0 {
		t.Errorf("the refused record left %d entries", len(es))
	}
}

// The lock's holder is alive while the lock is held: the hint must never suggest deleting the file.
func TestLockedJournalHintNamesThePIDAndNeverTheFile(t *testing.T) {
	p := testPaths(t, t.TempDir())
	j, err := OpenJournal(p)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	_, err = OpenJournal(p)
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second open: %v, want a LockedError", err)
	}
	hint := HintOf(err)
	if !strings.Contains(hint, "kill "+strconv.Itoa(os.Getpid())) || strings.Contains(hint, "remove") || strings.Contains(hint, p.Lock) {
		t.Errorf("hint %q: want it to name the pid to stop and never the lock file", hint)
	}
}

func TestStateDirAndFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := testPaths(t, dir)
	if err := os.WriteFile(p.Journal, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	j, err := OpenJournal(p)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	for path, want := range map[string]os.FileMode{dir: 0o700, p.Journal: 0o600, p.Lock: 0o600} {
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v (err %v), want %04o", path, fi.Mode().Perm(), err, want)
		}
	}
	if err := SaveSettings(p.Settings, Settings{Domain: "example.com"}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(p.Settings); fi.Mode().Perm() != 0o600 {
		t.Errorf("settings mode %v", fi.Mode().Perm())
	}
}

func TestStateFilesAreNotFollowedThroughLinks(t *testing.T) {
	dir := t.TempDir()
	p := testPaths(t, dir)
	target := filepath.Join(t.TempDir(), "elsewhere")
	os.WriteFile(target, []byte("keep me\n"), 0o644)
	if err := os.Symlink(target, p.Journal); err != nil {
		t.Fatal(err)
	}
	_, err := OpenJournal(p)
	var ue *UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("a journal that is a link: %v, want a UsageError about the link", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep me\n" {
		t.Errorf("the link's target changed: %q", b)
	}
	os.Remove(p.Journal)
	if err := os.Symlink(target, p.Settings); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSettings(p.Settings); err == nil {
		t.Errorf("settings read through a link")
	}
}

func TestStateDirOfAnotherUserIsRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		requireRoot(t, "chown a directory to another user")
		return
	}
	dir := filepath.Join(t.TempDir(), "theirs")
	os.Mkdir(dir, 0o700)
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	err := PrepareStateDir(dir)
	var ue *UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "belongs to user id 65534") {
		t.Fatalf("PrepareStateDir of another user's dir: %v", err)
	}
}

// A full disk mid-record must leave no partial line behind, and once space is back the journal works
// and reads whole (seen: a 12 KiB partial line made history and undo fail for every entry).
func TestJournalOnAFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		requireRoot(t, "mount a small tmpfs")
		return
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	p := testPaths(t, dir)
	j, err := OpenJournal(p)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	journalOne(t, j, "first")
	filler := filepath.Join(dir, "filler")
	fill, _ := os.Create(filler)
	fill.Write(bytes.Repeat([]byte("f"), 64*1024)) // fills what is left; the short write is expected
	fill.Close()
	big := Change{Action: Update, Address: "host:/etc/big", Before: strings.Repeat("b", 12*1024), Why: "test"}
	if _, err := j.Begin("auto-upgrades", big, nil); err == nil {
		t.Fatal("a record on a full disk was written")
	} else if !errors.Is(err, syscall.ENOSPC) {
		t.Logf("full-disk error: %v", err)
	}
	raw, _ := os.ReadFile(p.Journal)
	if len(raw) == 0 || raw[len(raw)-1] != '\n' {
		t.Fatalf("the failed write left a partial line (%d bytes, last %q)", len(raw), raw[len(raw)-1:])
	}
	os.Remove(filler)
	journalOne(t, j, "after")
	entries, damage, err := ScanJournal(p.Journal)
	if err != nil || len(damage) != 0 || len(entries) != 2 || entries[1].Change.Address != "after" {
		t.Fatalf("after freeing space: %d entries, damage %+v, err %v", len(entries), damage, err)
	}
}

func FuzzScanJournal(f *testing.F) {
	f.Add([]byte(`{"v":1,"type":"begin","id":"a","step":"s","address":"x"}` + "\n" + `{"v":1,"type":"done","id":"a"}` + "\n"))
	f.Add([]byte("garbage\n{\"v\":1,\"type\":\"unknown\",\"id\":\"a\"}\n{"))
	f.Add([]byte(`{"v":1,"type":"begin","id":"u","undoes":"a"}` + "\n" + `{"v":1,"type":"done","id":"u"}`))
	// A torn line glued to the next record, CRLF line ends, a NUL-filled tail (a crash on some
	// filesystems), and an end that names the wrong entry.
	f.Add([]byte(`{"v":1,"type":"begin","id":"a","address":"x` + `{"v":1,"type":"begin","id":"b"}` + "\n"))
	f.Add([]byte(`{"v":1,"type":"begin","id":"a"}` + "\r\n" + `{"v":1,"type":"failed","id":"a","error":"e"}` + "\r\n"))
	f.Add([]byte(`{"v":1,"type":"begin","id":"a"}` + "\n\x00\x00\x00\x00"))
	f.Add([]byte(`{"v":1,"type":"done","id":"b"}` + "\n" + `{"v":0,"type":"begin","id":""}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "j.jsonl")
		os.WriteFile(path, data, 0o600)
		entries, damage, err := ScanJournal(path)
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		if len(damage) > lines || len(entries) > lines {
			t.Fatalf("%d entries and %d damaged lines from %d lines", len(entries), len(damage), lines)
		}
		for _, e := range Undoable(entries) {
			if e.Undoes != "" {
				t.Fatalf("an undo record %s is offered for undo", e.ID)
			}
		}
	})
}

func requireRoot(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("HARDSAIL_REQUIRE_TESTHOST") == "1" {
		t.Fatalf("this test needs root to %s (HARDSAIL_REQUIRE_TESTHOST=1)", why)
	}
	t.Skipf("needs root to %s; CI runs it as root", why)
}
