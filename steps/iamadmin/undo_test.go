package iamadmin_test

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/iamadmin"
)

// entry is one journal record a test writes by hand, as an earlier run (or an editor) left it.
type entry struct {
	addr  string
	data  any
	state steps.EntryState // EntryDone, EntryUnknown or EntryInterrupted
}

// journalWith opens a fresh journal holding es, oldest first.
func journalWith(t *testing.T, es ...entry) *steps.Journal {
	t.Helper()
	dir := t.TempDir()
	j, err := steps.OpenJournal(steps.Paths{Journal: filepath.Join(dir, "j"), Lock: filepath.Join(dir, "l")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	for _, e := range es {
		id, err := j.Begin(iamadmin.ID, steps.Change{Action: steps.Create, Address: e.addr}, e.data)
		if err != nil {
			t.Fatal(err)
		}
		switch e.state {
		case steps.EntryDone:
			err = j.Done(id)
		case steps.EntryUnknown:
			err = j.Unknown(id, errors.New("context deadline exceeded"))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return j
}

func userEntry(user string) entry {
	return entry{"iam:user/" + user, map[string]string{"kind": "user", "origin": "created", "user": user}, steps.EntryDone}
}

func TestUndoRefusesTamperedJournal(t *testing.T) {
	const serial = "arn:aws:iam::123456789012:mfa/administrator"
	tests := []struct {
		name string
		bad  entry
		why  string
	}{
		{"unknown kind", entry{"iam:user/administrator", map[string]string{"kind": "access-key", "origin": "created", "user": "administrator"}, steps.EntryDone}, `kind "access-key"`},
		{"adopted, not created", entry{"iam:user/administrator", map[string]string{"kind": "user", "origin": "adopted", "user": "administrator"}, steps.EntryDone}, `not "adopted"`},
		{"user name IAM refuses", userEntry("admin/../root"), "not an IAM user name"},
		{"another group", entry{"iam:group/Developers", map[string]string{"kind": "group", "origin": "created", "group": "Developers"}, steps.EntryDone}, "manages group Administrators"},
		{"another policy", entry{"iam:group/Administrators/policy/AdministratorAccess", map[string]string{"kind": "policy", "origin": "created", "group": "Administrators",
			"policy_arn": "arn:aws:iam::aws:policy/IAMFullAccess"}, steps.EntryDone}, "attaches arn:aws:iam::aws:policy/AdministratorAccess"},
		{"data for another user than the change", entry{"iam:user/administrator", map[string]string{"kind": "user", "origin": "created", "user": "alice"}, steps.EntryDone}, "its data is for iam:user/alice"},
		{"MFA device of another account", entry{"iam:user/administrator/mfa/virtual-device", map[string]string{"kind": "mfa-device", "origin": "created", "user": "administrator",
			"serial": "arn:aws:iam::210987654321:mfa/administrator"}, steps.EntryDone}, "not in account 123456789012"},
		{"MFA device of another user", entry{"iam:user/administrator/mfa", map[string]string{"kind": "mfa-enable", "origin": "created", "user": "administrator",
			"serial": "arn:aws:iam::123456789012:mfa/alice"}, steps.EntryDone}, "not one iam-admin names for administrator"},
		{"MFA entry with no device", entry{"iam:user/administrator/mfa", map[string]string{"kind": "mfa-enable", "origin": "created", "user": "administrator"}, steps.EntryDone}, "names no device"},
		{"MFA serial with a stray byte", entry{"iam:user/administrator/mfa/virtual-device", map[string]string{"kind": "mfa-device", "origin": "created", "user": "administrator",
			"serial": serial + "\x00"}, steps.EntryDone}, "not one iam-admin names for administrator"},
		{"unreadable data", entry{"iam:user/administrator", []string{"user", "administrator"}, steps.EntryDone}, "cannot be read"},
	}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			b := be.start(t)
			// What a real run created: the user. A tampered entry must stop its undo too.
			noErr(t)(b.admin.CreateUser(t.Context(), &iam.CreateUserInput{UserName: aws.String("administrator")}))
			before := b.Snapshot(t)
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					j := journalWith(t, userEntry("administrator"), tc.bad)
					all, _ := j.Entries()
					env := b.Env(t)
					n := len(b.rec.calls())
					_, err := iamadmin.New().Undo(t.Context(), env, steps.Undoable(all), steps.NewRecorder(j, env, iamadmin.ID))
					var tampered *steps.TamperedError
					if !errors.As(err, &tampered) || !strings.Contains(err.Error(), tc.why) {
						t.Fatalf("undo: %v; want a TamperedError saying %q", err, tc.why)
					}
					if sent := b.mutatingActions(n); len(sent) != 0 {
						t.Errorf("undo of a tampered journal still sent %v", sent)
					}
					if after, _ := j.Entries(); len(after) != len(all) {
						t.Errorf("undo of a tampered journal journaled %d entries", len(after)-len(all))
					}
					if got := b.Snapshot(t); got != before {
						t.Errorf("undo of a tampered journal changed IAM:\n%s\nwant\n%s", got, before)
					}
				})
			}
		})
	}
}

func TestUndoOfUnknownEntries(t *testing.T) {
	unknown := func(e entry) entry { e.state = steps.EntryUnknown; return e }
	membership := entry{"iam:user/administrator/group/Administrators", map[string]string{"kind": "membership", "origin": "created",
		"group": "Administrators", "group_origin": "adopted", "user": "administrator", "user_origin": "adopted"}, steps.EntryUnknown}
	tests := []struct {
		name    string
		setup   func(t *testing.T, c *iam.Client)
		entries []entry
		want    []string // mutating actions undo sends
		detail  string
	}{
		{"CreateUser timed out and never happened", nil, []entry{unknown(userEntry("administrator"))}, nil, "already gone"},
		{"CreateUser timed out after IAM made the user", func(t *testing.T, c *iam.Client) {
			noErr(t)(c.CreateUser(t.Context(), &iam.CreateUserInput{UserName: aws.String("administrator")}))
		}, []entry{unknown(userEntry("administrator"))}, []string{"DeleteUser"}, "deleted user administrator"},
		{"AddUserToGroup interrupted before it was sent", func(t *testing.T, c *iam.Client) {
			noErr(t)(c.CreateGroup(t.Context(), &iam.CreateGroupInput{GroupName: aws.String("Administrators")}))
			noErr(t)(c.CreateUser(t.Context(), &iam.CreateUserInput{UserName: aws.String("administrator")}))
		}, []entry{func() entry { e := membership; e.state = steps.EntryInterrupted; return e }()}, nil, "already gone"},
		{"AddUserToGroup unknown, and it happened", func(t *testing.T, c *iam.Client) {
			noErr(t)(c.CreateGroup(t.Context(), &iam.CreateGroupInput{GroupName: aws.String("Administrators")}))
			noErr(t)(c.CreateUser(t.Context(), &iam.CreateUserInput{UserName: aws.String("administrator")}))
			noErr(t)(c.AddUserToGroup(t.Context(), &iam.AddUserToGroupInput{GroupName: aws.String("Administrators"), UserName: aws.String("administrator")}))
		}, []entry{membership}, []string{"RemoveUserFromGroup"}, "removed administrator from Administrators"},
	}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			b := be.start(t)
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					if tc.setup != nil {
						tc.setup(t, b.admin)
					}
					j := journalWith(t, tc.entries...)
					eng := &steps.Engine{Steps: []steps.Step{iamadmin.New()}, Env: b.Env(t), Journal: j}
					undo, _ := eng.UndoPlan()
					if len(undo) != len(tc.entries) {
						t.Fatalf("undo plan %+v, want the %d entries", undo, len(tc.entries))
					}
					n := len(b.rec.calls())
					outs := eng.Undo(t.Context(), undo)
					if len(outs) != 1 || outs[0].Status != steps.StatusChanged || !strings.Contains(outs[0].Detail, tc.detail) {
						t.Fatalf("undo: %+v, want changed saying %q", outs, tc.detail)
					}
					if got := b.mutatingActions(n); !slices.Equal(got, tc.want) {
						t.Errorf("undo sent %v, want %v", got, tc.want)
					}
					if again, _ := eng.UndoPlan(); len(again) != 0 {
						t.Errorf("a second undo would still reverse %d entries", len(again))
					}
					// Leave the account empty for the next case.
					for _, c := range []func() error{
						func() error {
							_, err := b.admin.RemoveUserFromGroup(t.Context(), &iam.RemoveUserFromGroupInput{GroupName: aws.String("Administrators"), UserName: aws.String("administrator")})
							return err
						},
						func() error {
							_, err := b.admin.DeleteGroup(t.Context(), &iam.DeleteGroupInput{GroupName: aws.String("Administrators")})
							return err
						},
						func() error {
							_, err := b.admin.DeleteUser(t.Context(), &iam.DeleteUserInput{UserName: aws.String("administrator")})
							return err
						},
					} {
						_ = c()
					}
				})
			}
		})
	}
}
