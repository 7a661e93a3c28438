package sshd

import (
	"context"
	"encoding/base64"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hardsail/hardsail/internal/world"
	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/steptest"
)

var flavours = []string{world.Bitnami, world.Lightsail}

func hostWorld(t *testing.T, flavour string) *world.World {
	return world.New(t, world.Options{Host: true, Blueprint: flavour, OpenSSH: true, Watch: []string{"/etc/ssh"}})
}

const caLine = "trustedusercakeys /etc/ssh/lightsail_instance_ca.pub"

// effective is what sshd -T says on the host now, read as root outside any Env.
func effective(t *testing.T, w *world.World) map[string]string {
	t.Helper()
	return parseEffective([]byte(w.Run(t, "sshd -T")))
}

// login dials a fresh keyless SSH connection (a Lightsail certificate, so TrustedUserCAKeys is
// what lets it in) and runs a command as root through it.
func login(ctx context.Context, w *world.World, env *steps.Env) error {
	c, err := world.Dial(ctx, env.AWS, w.Instance, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Sudo(ctx, "true", nil)
	return err
}

// journal opens a journal in a temporary state dir.
func journal(t *testing.T, dir string) *steps.Journal {
	t.Helper()
	j, err := steps.OpenJournal(steps.PathsFor(dir, steps.Key{Account: "123456789012", Region: "us-east-1", Instance: "t"}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// assertCA fails t unless sshd still trusts Lightsail's CA as the host was built.
func assertCA(t *testing.T, w *world.World) {
	t.Helper()
	if got := effective(t, w)[caKey]; "trustedusercakeys "+got != caLine {
		t.Errorf("sshd -T: trustedusercakeys %q, want %q", got, caLine)
	}
	if cfg := w.Run(t, "cat "+ConfigPath); !strings.Contains(cfg, "\nTrustedUserCAKeys /etc/ssh/lightsail_instance_ca.pub\n") {
		t.Errorf("%s lost its TrustedUserCAKeys line:\n%s", ConfigPath, cfg)
	}
}

func TestConformance(t *testing.T) {
	for _, fl := range flavours {
		t.Run(fl, func(t *testing.T) {
			w := hostWorld(t, fl)
			steptest.Conformance(t, steptest.Case{
				Step:  &Step{Identity: New().Identity, ConfirmWithin: 20 * time.Second},
				World: w,
				Perturb: func(t *testing.T) {
					w.Run(t, "printf 'PermitRootLogin no\\n' > "+DropInDir+"/10-local.conf")
				},
				// No CancelAt: a cancelled apply puts the drop-in back itself (design §4, rollbacks
				// on cancel), so nothing is left unknown; TestPutBack covers the cancel.
			})
			assertCA(t, w)
		})
	}
}

// TestCheck is the check's table: sshd configurations that pass and fail, on both blueprints.
func TestCheck(t *testing.T) {
	cases := []struct {
		name  string
		setup string // run as root before the check
		ids   []string
		skip  bool
		fix   bool // the plan writes the drop-in
	}{
		{name: "stock Debian: passwords on, root with a key", ids: []string{"sshd.password_authentication", "sshd.permit_root_login"}, fix: true},
		{name: "hardened in a drop-in",
			setup: "printf 'PasswordAuthentication no\\nPermitRootLogin no\\n' > " + DropInDir + "/50-local.conf"},
		{name: "root with a password", ids: []string{"sshd.password_authentication", "sshd.permit_root_login"}, fix: true,
			setup: "printf 'PermitRootLogin yes\\n' > " + DropInDir + "/50-local.conf"},
		{name: "keyboard-interactive on in cloud-init's file", fix: true,
			ids:   []string{"sshd.kbd_interactive_authentication", "sshd.password_authentication", "sshd.permit_root_login"},
			setup: "printf 'KbdInteractiveAuthentication yes\\n' > " + DropInDir + "/50-cloud-init.conf"},
		{name: "no Include: said, not fixed", skip: true,
			ids:   []string{"sshd.password_authentication", "sshd.permit_root_login", "sshd.include_missing"},
			setup: "sed -i '/^Include /d' " + ConfigPath},
		{name: "a drop-in read first sets passwords on", skip: true,
			ids:   []string{"sshd.password_authentication", "sshd.permit_root_login", "sshd.set_earlier"},
			setup: "printf 'PasswordAuthentication yes\\n' > " + DropInDir + "/00-aaa.conf"},
		{name: "sshd_config sets root login before its Include", skip: true,
			ids:   []string{"sshd.password_authentication", "sshd.permit_root_login", "sshd.set_earlier"},
			setup: "sed -i '1i PermitRootLogin yes' " + ConfigPath},
		{name: "hardened in sshd_config before its Include",
			setup: "sed -i '1i PasswordAuthentication no\\nPermitRootLogin no' " + ConfigPath},
		{name: "hardsail's drop-in in place",
			setup: "echo " + base64.StdEncoding.EncodeToString(dropIn().Body) + " | base64 -d > " + DropInPath},
	}
	for _, fl := range flavours {
		t.Run(fl, func(t *testing.T) {
			w := hostWorld(t, fl)
			w.Run(t, "cp -a "+ConfigPath+" /root/sshd_config.orig")
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					t.Cleanup(func() { w.Run(t, "cp -a /root/sshd_config.orig "+ConfigPath+"; rm -f "+DropInDir+"/*.conf") })
					if tc.setup != "" {
						w.Run(t, tc.setup)
					}
					st, err := New().Check(t.Context(), w.Env(t))
					if err != nil {
						t.Fatalf("Check: %v", err)
					}
					var ids []string
					for _, f := range st.Findings {
						ids = append(ids, f.ID)
					}
					slices.Sort(ids)
					want := slices.Sorted(slices.Values(tc.ids))
					if !slices.Equal(ids, want) {
						t.Errorf("findings %v, want %v (%+v)", ids, want, st.Findings)
					}
					if (st.Skip != "") != tc.skip {
						t.Errorf("skip %q, want skipped %v", st.Skip, tc.skip)
					}
					p, err := New().Plan(st, steps.Settings{})
					if err != nil || p.Empty() == tc.fix {
						t.Errorf("plan %+v (err %v), want a fix %v", p.Changes, err, tc.fix)
					}
				})
			}
		})
	}
}

// TestGoodDropInSurvives: after a confirmed apply the timer is disarmed, so the drop-in is still in
// place past its delay; undo then restores /etc/ssh byte for byte.
func TestGoodDropInSurvives(t *testing.T) {
	for _, fl := range flavours {
		t.Run(fl, func(t *testing.T) {
			t.Parallel()
			w := hostWorld(t, fl)
			base := w.Host.TreeHash(t, "/etc/ssh")
			const wait = 8 * time.Second
			env := w.Env(t)
			eng := &steps.Engine{Steps: []steps.Step{&Step{Identity: New().Identity, ConfirmWithin: wait}}, Env: env, Journal: journal(t, t.TempDir())}
			if outs := eng.Apply(t.Context(), eng.Verify(t.Context())); len(outs) != 1 || outs[0].Status != steps.StatusChanged {
				t.Fatalf("apply: %+v", outs)
			}
			time.Sleep(wait + 3*time.Second)
			if _, err := os.Stat(filepath.Join(w.Host.Root, DropInPath)); err != nil {
				t.Fatalf("the drop-in is gone %s after a confirmed apply: %v", wait+3*time.Second, err)
			}
			if got := w.Run(t, "ls -A /run/hardsail"); strings.Contains(got, "sshd-confirm") {
				t.Errorf("a timer marker is left: %s", got)
			}
			eff := effective(t, w)
			if !compliant(eff) {
				t.Errorf("sshd -T after apply: %s", effectiveLine(eff))
			}
			if err := login(t.Context(), w, env); err != nil {
				t.Errorf("a fresh login after the apply: %v", err)
			}
			assertCA(t, w)
			undo, err := eng.UndoPlan()
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range eng.Undo(t.Context(), undo) {
				if o.Status.Bad() {
					t.Fatalf("undo: %+v", o)
				}
			}
			if got := w.Host.TreeHash(t, "/etc/ssh"); !maps.Equal(got, base) {
				t.Errorf("undo did not restore /etc/ssh: %v, want %v", got, base)
			}
			if eff := effective(t, w); eff["passwordauthentication"] != "yes" {
				t.Errorf("after undo sshd -T still says passwordauthentication %s", eff["passwordauthentication"])
			}
		})
	}
}

// breakLogin adds a line to the drop-in that refuses every key (and the Lightsail certificate).
func breakLogin(b []byte) []byte { return append(b, "PubkeyAuthentication no\n"...) }

// TestPutBack: an apply that cannot confirm puts the previous configuration back itself, journaled
// as the undo of its write: a drop-in that refuses the key (the new login fails), or a run cancelled
// (Ctrl-C) after the reload. Login works again, /etc/ssh is as it was, nothing is left to undo.
func TestPutBack(t *testing.T) {
	cases := []struct {
		name   string
		hooks  func(cancel context.CancelFunc) hooks
		detail string
	}{
		{"a drop-in that refuses the key", func(context.CancelFunc) hooks { return hooks{body: breakLogin} }, "a new SSH login failed"},
		{"cancelled after the reload", func(cancel context.CancelFunc) hooks { return hooks{afterReload: cancel} }, "context canceled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := hostWorld(t, world.Bitnami)
			base := w.Host.TreeHash(t, "/etc/ssh")
			env := w.Env(t)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			eng := &steps.Engine{Steps: []steps.Step{&Step{Identity: New().Identity, ConfirmWithin: time.Minute, hooks: tc.hooks(cancel)}}, Env: env, Journal: journal(t, t.TempDir())}
			outs := eng.Apply(ctx, eng.Verify(ctx))
			if len(outs) != 1 || !outs[0].Status.Bad() || !strings.Contains(outs[0].Detail, tc.detail) || !strings.Contains(outs[0].Detail, "put back") {
				t.Fatalf("apply: %+v, want it failed with %q and the drop-in put back", outs, tc.detail)
			}
			if got := w.Host.TreeHash(t, "/etc/ssh"); !maps.Equal(got, base) {
				t.Errorf("/etc/ssh after the failed apply: %v, want %v", got, base)
			}
			if got := w.Run(t, "ls -A /run/hardsail"); strings.Contains(got, "sshd-confirm") {
				t.Errorf("the timer is still armed: %s", got)
			}
			if err := login(t.Context(), w, env); err != nil {
				t.Errorf("a fresh login after the put-back: %v", err)
			}
			assertCA(t, w)
			if undo, _ := eng.UndoPlan(); len(undo) != 0 {
				t.Errorf("the put-back left %d entries to undo", len(undo))
			}
		})
	}
}
