package iamadmin

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
)

// undoRank orders reversals so that nothing is deleted while something still depends on it:
// MFA off the user, device, password, membership, policy, group, and the user last.
var undoRank = map[string]int{
	kindMFAEnable:    0,
	kindMFADevice:    1,
	kindLoginProfile: 2,
	kindMembership:   3,
	kindPolicy:       4,
	kindGroup:        5,
	kindUser:         6,
}

// InUseError refuses to delete a group or user hardsail created that has since gained members,
// policies, keys or devices hardsail did not give it.
type InUseError struct {
	What   string // "IAM group Administrators"
	Others []string
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("%s is in use by more than hardsail created (%s); it was left in place", e.What, strings.Join(e.Others, ", "))
}

// HintText names the fix.
func (e *InUseError) HintText() string {
	return "Remove those from " + e.What + " in the IAM console if they are no longer needed, then run `hardsail undo iam-admin` again; or keep it."
}

// Undo reverses what hardsail created, in dependency order; what it adopted has no journal entry
// and is never touched. Something already gone counts as undone.
func (s *Step) Undo(ctx context.Context, env *steps.Env, entries []steps.Entry, j *steps.Journal) (steps.Outcome, error) {
	type item struct {
		e steps.Entry
		r record
	}
	var items []item
	for _, e := range entries {
		var r record
		if err := e.Decode(&r); err != nil {
			return steps.Outcome{Step: ID, Status: steps.StatusFailed}, err
		}
		if _, ok := undoRank[r.Kind]; !ok || r.Origin != created {
			return steps.Outcome{Step: ID, Status: steps.StatusFailed}, fmt.Errorf("journal entry %s: iam-admin cannot undo %q", e.ID, r.Kind)
		}
		items = append(items, item{e, r})
	}
	// Entries arrive newest first; a stable sort keeps that order within a kind.
	slices.SortStableFunc(items, func(a, b item) int { return undoRank[a.r.Kind] - undoRank[b.r.Kind] })

	u := &undoer{env: env, j: j, api: env.AWS.IAM}
	for _, it := range items {
		if err := u.reverse(ctx, it.e, it.r); err != nil {
			return steps.Outcome{Step: ID, Status: steps.StatusFailed, Detail: u.detail()}, err
		}
	}
	return steps.Outcome{Step: ID, Status: steps.StatusChanged, Detail: u.detail()}, nil
}

type undoer struct {
	env  *steps.Env
	j    *steps.Journal
	api  awsapi.IAMAPI
	done []string
}

func (u *undoer) detail() string {
	if len(u.done) == 0 {
		return "nothing to undo"
	}
	return strings.Join(u.done, ", ")
}

// reverse undoes one entry: the precondition check (for a group or user), then the delete, journaled.
func (u *undoer) reverse(ctx context.Context, e steps.Entry, r record) error {
	var (
		op, what string
		call     func() error
	)
	switch r.Kind {
	case kindMFAEnable:
		op, what = "iam:DeactivateMFADevice "+r.Serial, "took the MFA device off "+r.User
		call = func() error {
			_, err := u.api.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: &r.User, SerialNumber: &r.Serial})
			return awsapi.Classify("deactivate MFA device "+r.Serial+" of IAM user "+r.User, err)
		}
	case kindMFADevice:
		op, what = "iam:DeleteVirtualMFADevice "+r.Serial, "deleted virtual MFA device "+r.Serial
		call = func() error {
			_, err := u.api.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: &r.Serial})
			return awsapi.Classify("delete virtual MFA device "+r.Serial, err)
		}
	case kindLoginProfile:
		op, what = "iam:DeleteLoginProfile "+r.User, "removed "+r.User+"'s console password"
		call = func() error {
			_, err := u.api.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: &r.User})
			return awsapi.Classify("delete the console login of IAM user "+r.User, err)
		}
	case kindMembership:
		op, what = "iam:RemoveUserFromGroup "+r.User+" "+r.Group, "removed "+r.User+" from "+r.Group
		call = func() error {
			_, err := u.api.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: &r.Group, UserName: &r.User})
			return awsapi.Classify("remove IAM user "+r.User+" from group "+r.Group, err)
		}
	case kindPolicy:
		op, what = "iam:DetachGroupPolicy "+r.Group+" "+policyName, "detached "+policyName+" from "+r.Group
		call = func() error {
			_, err := u.api.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: &r.Group, PolicyArn: &r.PolicyARN})
			return awsapi.Classify("detach "+r.PolicyARN+" from IAM group "+r.Group, err)
		}
	case kindGroup:
		if err := u.groupUnused(ctx, r.Group); err != nil {
			return err
		}
		op, what = "iam:DeleteGroup "+r.Group, "deleted group "+r.Group
		call = func() error {
			_, err := u.api.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: &r.Group})
			return awsapi.Classify("delete IAM group "+r.Group, err)
		}
	case kindUser:
		if err := u.userUnused(ctx, r.User); err != nil {
			return err
		}
		op, what = "iam:DeleteUser "+r.User, "deleted user "+r.User
		call = func() error {
			_, err := u.api.DeleteUser(ctx, &iam.DeleteUserInput{UserName: &r.User})
			return awsapi.Classify("delete IAM user "+r.User, err)
		}
	}
	rev := steps.Change{Action: steps.Delete, Address: e.Change.Address, Before: e.Change.After, Why: "undo " + e.ID + ": " + what}
	id, err := u.j.BeginUndo(e, rev, r)
	if err != nil {
		return err
	}
	u.env.Emit(steps.Event{Kind: steps.EventChangeStart, Step: ID, Address: rev.Address, At: u.env.Clock()})
	u.env.Emit(steps.Event{Kind: steps.EventCommand, Step: ID, Message: op, At: u.env.Clock()})
	err = call()
	if awsapi.IsKind(err, awsapi.KindNotFound) {
		// Already gone (removed by hand, or an interrupted apply never made it): nothing to reverse.
		err, what = nil, what+" (already gone)"
	}
	if err != nil {
		_ = u.j.Fail(id, err)
		u.env.Emit(steps.Event{Kind: steps.EventChangeDone, Step: ID, Address: rev.Address, Status: steps.StatusFailed, At: u.env.Clock()})
		return err
	}
	if err := u.j.Done(id); err != nil {
		return err
	}
	u.env.Logger().Info("iam-admin undone", "address", rev.Address, "operation", op)
	u.env.Emit(steps.Event{Kind: steps.EventChangeDone, Step: ID, Address: rev.Address, Status: steps.StatusChanged, At: u.env.Clock()})
	u.done = append(u.done, what)
	return nil
}

// groupUnused refuses when the group has members or policies hardsail's undo has not removed:
// someone else uses it now. A missing group passes (the delete then finds it gone).
func (u *undoer) groupUnused(ctx context.Context, group string) error {
	members, exists, err := groupMembers(ctx, u.api, group)
	if err != nil || !exists {
		return err
	}
	var others []string
	for _, m := range members {
		others = append(others, "member "+m)
	}
	policies, err := groupPolicies(ctx, u.api, group)
	if err != nil {
		return err
	}
	for _, p := range policies {
		others = append(others, "policy "+p[strings.LastIndex(p, "/")+1:])
	}
	if len(others) > 0 {
		return &InUseError{What: "IAM group " + group, Others: others}
	}
	return nil
}

// userUnused refuses when the user has groups, a console password, MFA devices or access keys
// that hardsail's undo has not removed. IAM would refuse too (DeleteConflict); checking first
// gives the same answer everywhere and names what is in the way.
func (u *undoer) userUnused(ctx context.Context, user string) error {
	f, err := readUser(ctx, u.api, user)
	if err != nil || !f.Exists {
		return err
	}
	var others []string
	if f.LoginProfile {
		others = append(others, "a console password")
	}
	for _, d := range f.MFADevices {
		others = append(others, "MFA device "+d)
	}
	groups, err := u.api.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: &user})
	if err != nil {
		return awsapi.Classify("list the groups of IAM user "+user, err)
	}
	for _, g := range groups.Groups {
		others = append(others, "group "+aws.ToString(g.GroupName))
	}
	keys, err := u.api.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: &user})
	if err != nil {
		return awsapi.Classify("list the access keys of IAM user "+user, err)
	}
	for _, k := range keys.AccessKeyMetadata {
		others = append(others, "access key "+aws.ToString(k.AccessKeyId))
	}
	if len(others) > 0 {
		return &InUseError{What: "IAM user " + user, Others: others}
	}
	return nil
}
