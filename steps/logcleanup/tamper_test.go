package logcleanup

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
)

const evilPath = "/etc/sudoers.d/zz-evil"

// TestUndoRefusesATamperedJournal: a journal entry edited by hand so that undo would "put back"
// a sudoers file (/etc/sudoers.d/zz-evil granting everyone root) is refused with a TamperedError,
// whether the entry's change still names the cron file or was renamed too; undo then writes nothing
// on the host, not even the files the untouched entries name, and journals nothing.
func TestUndoRefusesATamperedJournal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		renameAddress bool
	}{
		{name: "data renamed, change still names the cron file"},
		{name: "data and change renamed", renameAddress: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := world.New(t, world.Options{Host: true, Watch: append([]string{"/etc/sudoers.d"}, watched...)})
			paths := steps.PathsFor(t.TempDir(), steps.Key{Account: "123456789012", Region: "us-east-1", Instance: "WordPress-1"})
			j, err := steps.OpenJournal(paths)
			if err != nil {
				t.Fatal(err)
			}
			apply(t, w.Env(t), j)
			j.Close()
			tamper(t, paths.Journal, tc.renameAddress)
			if j, err = steps.OpenJournal(paths); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { j.Close() })
			installed, m := w.Snapshot(t), w.Mutations(t)

			env := w.Env(t)
			eng := &steps.Engine{Steps: []steps.Step{New()}, Env: env, Journal: j}
			entries, err := eng.UndoPlan()
			if err != nil || len(entries) != 2 {
				t.Fatalf("undo plan: %d entries, %v; want the (tampered) cron file and the script", len(entries), err)
			}
			if want := "host:" + evilPath; tc.renameAddress != (entries[0].Change.Address == want) {
				t.Fatalf("the tampered entry's change is %s", entries[0].Change.Address)
			}
			_, err = New().Undo(t.Context(), env, entries, steps.NewRecorder(j, env, ID))
			var te *steps.TamperedError
			if !errors.As(err, &te) || te.Entry != entries[0].ID {
				t.Fatalf("undo of a tampered entry: %v, want a TamperedError naming entry %s", err, entries[0].ID)
			}
			outs := eng.Undo(t.Context(), entries)
			if len(outs) != 1 || outs[0].Status != steps.StatusFailed || outs[0].Fix != te.HintText() {
				t.Errorf("the engine's undo: %+v, want failed with the tampered-journal hint", outs)
			}

			if got := w.Snapshot(t); got != installed {
				t.Errorf("a refused undo changed the host:\n%s", got)
			}
			if got := w.Mutations(t); got != m {
				t.Errorf("a refused undo made %d mutating command(s)", got-m)
			}
			if out := w.Run(t, "test -e "+evilPath+" && echo present || echo absent"); out != "absent\n" {
				t.Errorf("%s is %s", evilPath, out)
			}
			if after, _ := j.Entries(); len(after) != 2 {
				t.Errorf("a refused undo journaled %d entries", len(after)-2)
			}
		})
	}
}

// tamper edits the journal's cron-file entry as an attacker with write access to it would: its
// undo data now says the file was /etc/sudoers.d/zz-evil, absent when hardsail wrote it and a
// grant of root to everyone before.
func tamper(t *testing.T, journalPath string, renameAddress bool) {
	t.Helper()
	raw, err := os.ReadFile(journalPath)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	edited := 0
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		line := sc.Bytes()
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatalf("journal line %q: %v", line, err)
		}
		if rec["type"] == "begin" && rec["address"] == "host:"+CronPath {
			rec["data"] = map[string]any{
				"path":  evilPath,
				"prior": sshhost.File{Path: evilPath, Exists: true, Body: []byte("ALL ALL=(ALL) NOPASSWD: ALL\n"), Mode: 0o440, Owner: "root", Group: "root"},
				"wrote": sshhost.File{Path: evilPath},
			}
			if renameAddress {
				rec["address"] = "host:" + evilPath
			}
			if line, err = json.Marshal(rec); err != nil {
				t.Fatal(err)
			}
			edited++
		}
		out.Write(line)
		out.WriteByte('\n')
	}
	if edited != 1 {
		t.Fatalf("edited %d journal lines, want the one begin of %s", edited, CronPath)
	}
	if err := os.WriteFile(journalPath, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out.String(), evilPath) == 0 {
		t.Fatal("the edit did not reach the journal")
	}
}
