package upgrades_test

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"testing"

	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/hostfile"
	"github.com/hardsail/hardsail/steps/upgrades"
)

// aptGetShim answers every apt-get call with success and provides mailx, so an apply "installs"
// mailutils without the network; the journal then holds a package entry as a real install does.
const aptGetShim = `cat > /usr/local/sbin/apt-get <<'SH'
#!/bin/sh
printf '#!/bin/sh\n' > /usr/local/bin/mailx; chmod 755 /usr/local/bin/mailx
SH
chmod 755 /usr/local/sbin/apt-get`

// absent fails t when p exists on the host.
func absent(t *testing.T, w *world.World, p string) {
	t.Helper()
	if got := w.Run(t, "if [ -e "+p+" ] || [ -L "+p+" ]; then echo present; fi"); got != "" {
		t.Errorf("%s exists on the test host", p)
	}
}

// TestUndoRefusesTamperedJournal edits the journal of a real apply by hand: a package name that
// smuggles a shell command, a package the step never installs, a path outside the step's files.
// Undo must refuse the whole undo with *steps.TamperedError and run nothing at all on the host.
func TestUndoRefusesTamperedJournal(t *testing.T) {
	const evil = "/etc/sudoers.d/zz-evil"
	tests := []struct {
		name     string
		from, to string // replaced in the journal file
	}{
		{name: "package field with a shell command", from: `"package":"mailutils"`, to: `"package":"unattended-upgrades; touch /tmp/PWNED #"`},
		{name: "package field and address with a shell command", from: `mailutils`, to: `unattended-upgrades; touch /tmp/PWNED #`},
		{name: "a package the step does not install", from: `mailutils`, to: `openssh-server`},
		{name: "path field outside the step's files", from: `"path":"` + upgrades.UnattendedPath + `"`, to: `"path":"` + evil + `"`},
		{name: "path field and address outside the step's files", from: upgrades.UnattendedPath, to: evil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := world.New(t, world.Options{Host: true, Settings: steps.Settings{Mail: "admin@example.com"},
				Watch: []string{"/etc/apt/apt.conf.d", "/etc/sudoers.d"}})
			w.Run(t, aptGetShim)
			paths := steps.PathsFor(t.TempDir(), steps.Key{Account: "123456789012", Region: "us-east-1", Instance: "t"})
			j, err := steps.OpenJournal(paths)
			if err != nil {
				t.Fatal(err)
			}
			eng := &steps.Engine{Steps: []steps.Step{upgrades.New()}, Env: w.Env(t), Journal: j}
			if outs := eng.Apply(t.Context(), eng.Verify(t.Context())); len(outs) != 1 || outs[0].Status != steps.StatusChanged {
				t.Fatalf("apply: %+v", outs)
			}
			j.Close()
			// The real apt-get again: had undo run the tampered entry, it would act for real.
			w.Run(t, "rm /usr/local/sbin/apt-get")

			raw, err := os.ReadFile(paths.Journal)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(raw), tt.from) {
				t.Fatalf("the journal holds no %s:\n%s", tt.from, raw)
			}
			if err := os.WriteFile(paths.Journal, []byte(strings.ReplaceAll(string(raw), tt.from, tt.to)), 0o600); err != nil {
				t.Fatal(err)
			}
			j, err = steps.OpenJournal(paths)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { j.Close() })
			env := w.Env(t)
			eng = &steps.Engine{Steps: []steps.Step{upgrades.New()}, Env: env, Journal: j}
			undo, err := eng.UndoPlan()
			if err != nil || len(undo) != 3 {
				t.Fatalf("undo plan: %d entries (err %v), want the install and the two files", len(undo), err)
			}

			before, m := w.Snapshot(t), w.Mutations(t)
			rep, err := upgrades.New().Undo(t.Context(), env, undo, steps.NewRecorder(j, env, upgrades.ID))
			var te *steps.TamperedError
			if !errors.As(err, &te) || rep.Detail != "" {
				t.Fatalf("undo of a tampered journal: %v (report %+v); want a *steps.TamperedError and nothing done", err, rep)
			}
			t.Logf("refused: %v", err)
			outs := eng.Undo(t.Context(), undo)
			if len(outs) != 1 || outs[0].Status != steps.StatusFailed || !strings.Contains(outs[0].Detail, "nothing was undone") || outs[0].Fix == "" {
				t.Errorf("engine undo of a tampered journal: %+v; want failed, saying nothing was undone, with a fix", outs)
			}
			if got := w.Snapshot(t); got != before || w.Mutations(t) != m {
				t.Errorf("a refused undo still changed the host (%d mutating commands)", w.Mutations(t)-m)
			}
			absent(t, w, "/tmp/PWNED")
			absent(t, w, evil)
			if again, _ := eng.UndoPlan(); len(again) != len(undo) {
				t.Errorf("after the refusal %d entries are offered for undo, want all %d still", len(again), len(undo))
			}
		})
	}
}

// TestSymlinkRefused puts a symbolic link at a managed path, pointing at another file on the
// real host: the plan is refused with *hostfile.LinkError naming the fix, an apply of a plan
// made without the link is refused too (the file written before it goes back), and the link and
// its target are unchanged.
func TestSymlinkRefused(t *testing.T) {
	for _, p := range []string{upgrades.UnattendedPath, upgrades.PeriodicPath} {
		t.Run(path.Base(p), func(t *testing.T) {
			w := world.New(t, world.Options{Host: true, Watch: []string{"/etc/apt"}})
			target := "/etc/apt/hardsail-test-" + path.Base(p)
			w.Run(t, fmt.Sprintf(`if [ -e %[1]s ]; then mv %[1]s %[2]s; else printf 'APT::Periodic::Update-Package-Lists "1";\n' > %[2]s; fi
ln -s %[2]s %[1]s`, p, target))
			before, m := w.Snapshot(t), w.Mutations(t)
			if !strings.Contains(before, p+" symlink -> "+target) {
				t.Fatalf("the test host has no link at %s:\n%s", p, before)
			}

			env := w.Env(t)
			eng := &steps.Engine{Steps: []steps.Step{upgrades.New()}, Env: env}
			rs := eng.Verify(t.Context())
			var le *hostfile.LinkError
			if rs[0].Status != steps.StatusFailed || !errors.As(rs[0].Err, &le) || le.Path != p || le.Target != target {
				t.Fatalf("verify with a link at %s: %s %v; want failed with a *hostfile.LinkError", p, rs[0].Status, rs[0].Err)
			}
			if want := "cp --remove-destination " + target + " " + p; !strings.Contains(rs[0].Fix, want) {
				t.Errorf("fix %q does not say %q", rs[0].Fix, want)
			}

			// A plan made as if the link were a plain file reaches Apply only through a bug; Apply
			// still refuses to write through the link.
			s := upgrades.New()
			live, err := s.Check(t.Context(), env)
			if err != nil {
				t.Fatal(err)
			}
			plan, err := s.Plan(unlinked(t, live), env.Settings)
			if err != nil || plan.Empty() {
				t.Fatalf("plan without the link: %v (%d changes)", err, len(plan.Changes))
			}
			j, err := steps.OpenJournal(steps.PathsFor(t.TempDir(), steps.Key{Account: "123456789012", Region: "us-east-1", Instance: "t"}))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { j.Close() })
			_, err = s.Apply(t.Context(), env, live, plan, steps.NewRecorder(j, env, upgrades.ID))
			if !errors.As(err, &le) || le.Path != p {
				t.Fatalf("apply through a link at %s: %v; want a *hostfile.LinkError", p, err)
			}
			if got := w.Snapshot(t); got != before {
				t.Errorf("the refused apply changed the host (%d mutating commands)", w.Mutations(t)-m)
			}
			if undo := steps.Undoable(mustEntries(t, j), upgrades.ID); len(undo) != 0 {
				t.Errorf("the refused apply left %d entries to undo", len(undo))
			}
		})
	}
}

// unlinked is st with the link facts dropped, as if the managed files were plain files.
func unlinked(t *testing.T, st steps.State) steps.State {
	t.Helper()
	f, err := steps.FactsOf[map[string]any](st)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"unattended", "periodic"} {
		if file, ok := f[k].(map[string]any); ok {
			delete(file, "link")
		}
	}
	st.Facts = f
	return st
}

func mustEntries(t *testing.T, j *steps.Journal) []steps.Entry {
	t.Helper()
	es, err := j.Entries()
	if err != nil {
		t.Fatal(err)
	}
	return es
}
