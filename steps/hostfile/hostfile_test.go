package hostfile_test

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/remote/sshhost"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/hostfile"
)

const (
	conf    = "/etc/hardsail-demo.conf"
	secrets = "/etc/hardsail-demo-secrets.php"
	step    = "demo"
)

// owns is the demo step's allow-list.
func owns(p string) bool { return p == conf || p == secrets }

type fixture struct {
	w   *world.World
	env *steps.Env
	c   *sshhost.Client
	j   *steps.Journal
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	w := world.New(t, world.Options{Host: true, Watch: []string{conf, secrets, hostfile.BackupDir}})
	env := w.Env(t)
	c, err := env.SSH(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	j, err := steps.OpenJournal(steps.PathsFor(t.TempDir(), steps.Key{Account: "123456789012", Region: "us-east-1", Instance: w.Instance}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return &fixture{w: w, env: env, c: c, j: j}
}

func (f *fixture) rec() *steps.Recorder { return steps.NewRecorder(f.j, f.env, step) }

func (f *fixture) read(t *testing.T, p string) sshhost.File {
	t.Helper()
	have, err := f.c.ReadFile(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	return have
}

// undoable is what undo would reverse, newest first.
func (f *fixture) undoable(t *testing.T) []steps.Entry {
	t.Helper()
	entries, err := f.j.Entries()
	if err != nil {
		t.Fatal(err)
	}
	return steps.Undoable(entries, step)
}

// write plans and writes want over what is there now.
func (f *fixture) write(t *testing.T, want hostfile.Desired) {
	t.Helper()
	have := f.read(t, want.Path)
	ch, needed, err := hostfile.Change(have, want, "the demo wants it")
	if err != nil || !needed {
		t.Fatalf("change: %+v, needed %v, %v", ch, needed, err)
	}
	if err := hostfile.Write(t.Context(), f.rec(), f.c, ch, have, want); err != nil {
		t.Fatalf("write %s: %v", want.Path, err)
	}
}

var desired = hostfile.Desired{Path: conf, Body: []byte("managed = yes\n"), Mode: 0o644, Owner: "root", Group: "root"}

func TestWriteAndUndo(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		prior  string // shell run as root before the write; "" leaves the file absent
		action steps.Action
		why    string // what the change's Why must name
		did    string
	}{
		{name: "a new file is removed again", action: steps.Create, did: "removed " + conf},
		{name: "a changed file gets its body, mode and owner back",
			prior:  "printf 'managed = no\\n' > " + conf + " && chmod 600 " + conf + " && chown bitnami:bitnami " + conf,
			action: steps.Update, why: "mode 0600 → 0644, owner bitnami:bitnami → root:root", did: "restored " + conf},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			if tc.prior != "" {
				f.w.Run(t, tc.prior)
			}
			before := f.w.Snapshot(t)
			have := f.read(t, conf)
			ch, needed, err := hostfile.Change(have, desired, "the demo wants it")
			if err != nil || !needed || ch.Action != tc.action || !strings.Contains(ch.Why, tc.why) || ch.Address != "host:"+conf {
				t.Fatalf("change %+v, needed %v, %v", ch, needed, err)
			}
			if err := hostfile.Write(t.Context(), f.rec(), f.c, ch, have, desired); err != nil {
				t.Fatal(err)
			}
			if got := f.read(t, conf); !hostfile.Same(got, desired.File()) {
				t.Fatalf("after the write %s is %+v", conf, got)
			}
			if _, needed, _ := hostfile.Change(f.read(t, conf), desired, ""); needed {
				t.Error("a second plan still wants a change")
			}
			undo := f.undoable(t)
			if len(undo) != 1 || undo[0].State != steps.EntryDone {
				t.Fatalf("journal %+v, want one done write", undo)
			}
			did, err := hostfile.Undo(t.Context(), f.rec(), f.c, undo, owns)
			if err != nil || !slices.Equal(did, []string{tc.did}) {
				t.Fatalf("undo: %q, %v; want %q", did, err, tc.did)
			}
			if got := f.w.Snapshot(t); got != before {
				t.Fatalf("undo did not restore the file exactly:\nbefore %s\nafter %s", before, got)
			}
			if again := f.undoable(t); len(again) != 0 {
				t.Errorf("still undoable after undo: %+v", again)
			}
		})
	}
}

func TestRemoveAndUndo(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.w.Run(t, "printf 'old = 1\\n' > "+conf+" && chmod 640 "+conf)
	before := f.w.Snapshot(t)
	have := f.read(t, conf)
	ch, needed, err := hostfile.RemoveChange(have, "the demo removes it")
	if err != nil || !needed || ch.Action != steps.Delete || ch.Before != "old = 1\n" {
		t.Fatalf("remove change %+v, %v, %v", ch, needed, err)
	}
	if err := hostfile.Remove(t.Context(), f.rec(), f.c, ch, have); err != nil {
		t.Fatal(err)
	}
	if got := f.read(t, conf); got.Exists {
		t.Fatalf("%s still exists after the remove", conf)
	}
	if _, needed, _ := hostfile.RemoveChange(f.read(t, conf), ""); needed {
		t.Error("removing an absent file is still a change")
	}
	did, err := hostfile.Undo(t.Context(), f.rec(), f.c, f.undoable(t), owns)
	if err != nil || !slices.Equal(did, []string{"restored " + conf}) {
		t.Fatalf("undo: %q, %v", did, err)
	}
	if got := f.w.Snapshot(t); got != before {
		t.Fatalf("undo did not put the removed file back exactly:\nbefore %s\nafter %s", before, got)
	}
}

func TestUndoOverAFileChangedSince(t *testing.T) {
	t.Parallel()
	t.Run("refused, then forced", func(t *testing.T) {
		f := newFixture(t)
		f.write(t, desired)
		f.w.Run(t, "printf 'edited = by hand\\n' > "+conf)
		edited := f.w.Snapshot(t)
		undo := f.undoable(t)
		_, err := hostfile.Undo(t.Context(), f.rec(), f.c, undo, owns)
		var ce *hostfile.ChangedError
		if !errors.As(err, &ce) || ce.Path != conf || !strings.Contains(err.Error(), "edited = by hand") || !strings.Contains(steps.HintOf(err), "--force") {
			t.Fatalf("undo over an edited file: %v (hint %q), want a ChangedError with the diff and --force", err, steps.HintOf(err))
		}
		if got := f.w.Snapshot(t); got != edited {
			t.Fatal("a refused undo changed the file")
		}
		if again := f.undoable(t); len(again) != 1 {
			t.Fatalf("the refused entry is no longer undoable: %+v", again)
		}
		f.env.Force = true
		if did, err := hostfile.Undo(t.Context(), f.rec(), f.c, f.undoable(t), owns); err != nil || len(did) != 1 {
			t.Fatalf("forced undo: %q, %v", did, err)
		}
		if got := f.read(t, conf); got.Exists {
			t.Errorf("forced undo left %s: it did not exist before hardsail", conf)
		}
	})
	t.Run("already back as it was: closed with nothing to overwrite", func(t *testing.T) {
		f := newFixture(t)
		f.write(t, desired)
		f.w.Run(t, "rm -f "+conf)
		m := f.w.Mutations(t)
		did, err := hostfile.Undo(t.Context(), f.rec(), f.c, f.undoable(t), owns)
		if err != nil || len(did) != 0 {
			t.Fatalf("undo of a file already gone: %q, %v", did, err)
		}
		if f.w.Mutations(t) != m {
			t.Errorf("undo made %d mutation(s) for a file already as it was", f.w.Mutations(t)-m)
		}
		if again := f.undoable(t); len(again) != 0 {
			t.Errorf("still undoable: %+v", again)
		}
	})
}

func TestSymlinkRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.w.Run(t, "ln -s /etc/hostname "+conf)
	before := f.w.Snapshot(t)
	have := f.read(t, conf)
	var le *hostfile.LinkError
	_, _, err := hostfile.Change(have, desired, "")
	if !errors.As(err, &le) || le.Target != "/etc/hostname" || !strings.Contains(steps.HintOf(err), "cp --remove-destination /etc/hostname "+conf) {
		t.Fatalf("change over a link: %v (hint %q)", err, steps.HintOf(err))
	}
	if _, _, err := hostfile.RemoveChange(have, ""); !errors.As(err, &le) {
		t.Errorf("remove change over a link: %v", err)
	}
	ch := steps.Change{Action: steps.Update, Address: hostfile.Address(conf), Why: "a plan made before the link"}
	if err := hostfile.Write(t.Context(), f.rec(), f.c, ch, have, desired); !errors.As(err, &le) {
		t.Errorf("write over a link: %v", err)
	}
	if err := hostfile.Remove(t.Context(), f.rec(), f.c, ch, have); !errors.As(err, &le) {
		t.Errorf("remove over a link: %v", err)
	}
	if got := f.w.Snapshot(t); got != before {
		t.Errorf("a refused link changed the host:\n%s", got)
	}
	if entries, _ := f.j.Entries(); len(entries) != 0 {
		t.Errorf("a refused link was journaled: %+v", entries)
	}

	// A link put where hardsail wrote a file is refused by undo too.
	g := newFixture(t)
	g.write(t, desired)
	g.w.Run(t, "rm -f "+conf+" && ln -s /etc/hostname "+conf)
	linked := g.w.Snapshot(t)
	if _, err := hostfile.Undo(t.Context(), g.rec(), g.c, g.undoable(t), owns); !errors.As(err, &le) {
		t.Errorf("undo over a link: %v", err)
	}
	if got := g.w.Snapshot(t); got != linked {
		t.Error("undo replaced the link")
	}
}

func TestUndoRefusesTamperedEntries(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		address string
		data    hostfile.Record
	}{
		{"a path the step does not own", hostfile.Address("/etc/passwd"), hostfile.Record{Path: "/etc/passwd"}},
		{"data that names another path than its change", hostfile.Address(conf), hostfile.Record{Path: "/etc/passwd"}},
		{"a path that is not clean", hostfile.Address("/etc/../etc/passwd"), hostfile.Record{Path: "/etc/../etc/passwd"}},
		{"a backup outside the backup directory", hostfile.Address(secrets),
			hostfile.Record{Path: secrets, PriorSum: "x", WroteSum: "y", Backup: "/root/.ssh/authorized_keys"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.write(t, desired)
			ch := steps.Change{Action: steps.Update, Address: tc.address, File: true, Why: "edited by hand"}
			if err := f.rec().Do(t.Context(), ch, tc.data, nil); err != nil {
				t.Fatal(err)
			}
			before, m := f.w.Snapshot(t), f.w.Mutations(t)
			undo := f.undoable(t)
			_, err := hostfile.Undo(t.Context(), f.rec(), f.c, undo, owns)
			var te *steps.TamperedError
			if !errors.As(err, &te) || te.Entry != undo[0].ID || steps.HintOf(err) == "" {
				t.Fatalf("undo: %v, want a TamperedError for %s", err, undo[0].ID)
			}
			if f.w.Snapshot(t) != before || f.w.Mutations(t) != m {
				t.Error("undo ran something although an entry was tampered with")
			}
			if again := f.undoable(t); len(again) != 2 {
				t.Errorf("%d entries undoable after the refusal, want both still", len(again))
			}
		})
	}
}

func TestEditGuardedFile(t *testing.T) {
	t.Parallel()
	const secret = "Zq8#db-Pa55word!"
	f := newFixture(t)
	f.w.Run(t, "printf \"<?php\\ndefine('DB_PASSWORD', '"+secret+"');\\n\" > "+secrets+" && chmod 640 "+secrets+" && chown root:bitnami "+secrets)
	before := f.w.Snapshot(t)
	have := f.read(t, secrets)
	ch := steps.Change{Action: steps.Update, Address: hostfile.Address(secrets), Sensitive: true, Why: "add the proxy fix"}
	edit := func(b []byte) ([]byte, error) { return append(b, "$_SERVER['HTTPS'] = 'on';\n"...), nil }

	// A file changed since the plan is refused, and nothing happens.
	if err := hostfile.Edit(t.Context(), f.rec(), f.c, ch, secrets, hostfile.Sum([]byte("stale")), edit); !errors.As(err, new(*steps.StalePlanError)) {
		t.Fatalf("edit from a stale plan: %v", err)
	}
	if got := f.w.Snapshot(t); got != before {
		t.Fatal("a stale edit changed the host")
	}

	if err := hostfile.Edit(t.Context(), f.rec(), f.c, ch, secrets, hostfile.Sum(have.Body), edit); err != nil {
		t.Fatal(err)
	}
	got := f.read(t, secrets)
	if !strings.HasSuffix(string(got.Body), "$_SERVER['HTTPS'] = 'on';\n") || got.Mode.Perm() != 0o640 || got.Owner != "root" || got.Group != "bitnami" {
		t.Fatalf("edited file %+v, want the line added with mode and owner kept", got)
	}
	backups := f.w.Run(t, "find "+hostfile.BackupDir+" -type f -perm 600 -user root")
	if strings.Count(backups, "\n") != 1 {
		t.Fatalf("backups %q, want one root-only copy", backups)
	}
	raw, err := os.ReadFile(f.j.Path())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), secret) || strings.Contains(string(raw), "DB_PASSWORD") {
		t.Fatal("the guarded file's body reached the journal")
	}
	did, err := hostfile.Undo(t.Context(), f.rec(), f.c, f.undoable(t), owns)
	if err != nil || !slices.Equal(did, []string{"restored " + secrets}) {
		t.Fatalf("undo: %q, %v", did, err)
	}
	if after := f.w.Snapshot(t); after != before {
		t.Fatalf("undo of the edit is not exact (copy and backup directory gone too):\nbefore %s\nafter %s", before, after)
	}
	if raw, _ := os.ReadFile(f.j.Path()); strings.Contains(string(raw), secret) {
		t.Fatal("the undo put the guarded file's body in the journal")
	}
}
