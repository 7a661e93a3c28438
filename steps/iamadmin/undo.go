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

// kind is how undo handles the journal data of one kind of mutation.
type kind struct {
	// rank orders reversals so that nothing is deleted while something still depends on it: MFA
	// off the user, device, password, membership, policy, group, and the user last.
	rank int
	// addr is the address the entry's change must have for its data.
	addr func(r record) string
	// what says what the reversal does, for the report.
	what func(r record) string
	// here reports whether what the entry made is there now, refusing (*InUseError) when more
	// than hardsail's now depends on it; nil when the delete itself says (NoSuchEntity = gone).
	here func(ctx context.Context, api awsapi.IAMAPI, r record) (bool, error)
	// remove deletes it.
	remove func(ctx context.Context, api awsapi.IAMAPI, r record) error
}

var kinds = map[string]kind{
	kindMFAEnable: {0, func(r record) string { return mfaAddr(r.User) },
		func(r record) string { return "took the MFA device off " + r.User },
		func(ctx context.Context, api awsapi.IAMAPI, r record) (bool, error) {
			f, err := readUser(ctx, api, r.User)
			return slices.Contains(f.MFADevices, r.Serial), err
		},
		func(ctx context.Context, api awsapi.IAMAPI, r record) error {
			_, err := api.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: &r.User, SerialNumber: &r.Serial})
			return awsapi.Classify("deactivate MFA device "+r.Serial+" of IAM user "+r.User, err)
		}},
	// IAMAPI lists no unassigned devices: DeleteVirtualMFADevice answers NoSuchEntity for one that is gone.
	kindMFADevice: {1, func(r record) string { return mfaDeviceAddr(r.User) },
		func(r record) string { return "deleted virtual MFA device " + r.Serial },
		nil, deleteDevice},
	kindLoginProfile: {2, func(r record) string { return loginAddr(r.User) },
		func(r record) string { return "removed " + r.User + "'s console password" },
		func(ctx context.Context, api awsapi.IAMAPI, r record) (bool, error) {
			_, err := api.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: &r.User})
			return found(awsapi.Classify("read the console login of IAM user "+r.User, err))
		},
		func(ctx context.Context, api awsapi.IAMAPI, r record) error {
			_, err := api.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: &r.User})
			return awsapi.Classify("delete the console login of IAM user "+r.User, err)
		}},
	kindMembership: {3, func(r record) string { return membershipAddr(r.User, r.Group) },
		func(r record) string { return "removed " + r.User + " from " + r.Group },
		func(ctx context.Context, api awsapi.IAMAPI, r record) (bool, error) {
			members, _, err := groupMembers(ctx, api, r.Group)
			return slices.ContainsFunc(members, func(m string) bool { return strings.EqualFold(m, r.User) }), err
		},
		func(ctx context.Context, api awsapi.IAMAPI, r record) error {
			_, err := api.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: &r.Group, UserName: &r.User})
			return awsapi.Classify("remove IAM user "+r.User+" from group "+r.Group, err)
		}},
	kindPolicy: {4, func(r record) string { return policyAddr(r.Group) },
		func(r record) string { return "detached " + policyName + " from " + r.Group },
		func(ctx context.Context, api awsapi.IAMAPI, r record) (bool, error) {
			policies, err := groupPolicies(ctx, api, r.Group)
			if awsapi.IsKind(err, awsapi.KindNotFound) {
				return false, nil
			}
			return slices.Contains(policies, r.PolicyARN), err
		},
		func(ctx context.Context, api awsapi.IAMAPI, r record) error {
			_, err := api.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: &r.Group, PolicyArn: &r.PolicyARN})
			return awsapi.Classify("detach "+r.PolicyARN+" from IAM group "+r.Group, err)
		}},
	kindGroup: deletion(5, "group", func(r record) string { return r.Group }, groupAddr, groupUnused,
		func(ctx context.Context, api awsapi.IAMAPI, group string) error {
			_, err := api.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: &group})
			return awsapi.Classify("delete IAM group "+group, err)
		}),
	kindUser: deletion(6, "user", func(r record) string { return r.User }, userAddr, userUnused,
		func(ctx context.Context, api awsapi.IAMAPI, user string) error {
			_, err := api.DeleteUser(ctx, &iam.DeleteUserInput{UserName: &user})
			return awsapi.Classify("delete IAM user "+user, err)
		}),
}

// deletion is the kind of a group or user hardsail created, named name(r): undo deletes it with
// remove while unused says it is there and holds nothing hardsail did not put in it.
func deletion(rank int, noun string, name func(record) string, addr func(string) string,
	unused func(context.Context, awsapi.IAMAPI, string) (bool, error),
	remove func(context.Context, awsapi.IAMAPI, string) error) kind {
	return kind{rank, func(r record) string { return addr(name(r)) },
		func(r record) string { return "deleted " + noun + " " + name(r) },
		func(ctx context.Context, api awsapi.IAMAPI, r record) (bool, error) { return unused(ctx, api, name(r)) },
		func(ctx context.Context, api awsapi.IAMAPI, r record) error { return remove(ctx, api, name(r)) }}
}

// found turns a read's error into whether the thing exists.
func found(err error) (bool, error) {
	if awsapi.IsKind(err, awsapi.KindNotFound) {
		return false, nil
	}
	return err == nil, err
}

func deleteDevice(ctx context.Context, api awsapi.IAMAPI, r record) error {
	_, err := api.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: &r.Serial})
	return awsapi.Classify("delete virtual MFA device "+r.Serial, err)
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

// item is one journal entry to reverse with its data.
type item struct {
	e steps.Entry
	r record
}

// Undo reverses what hardsail created, in dependency order; what it adopted has no journal entry
// and is never touched. Every entry is checked against what this step could have journaled before
// anything runs. An entry whose change may not have happened (interrupted, unknown), or whose
// resource was removed since, is closed with nothing to do when the resource is not there.
func (s *Step) Undo(ctx context.Context, env *steps.Env, entries []steps.Entry, rec *steps.Recorder) (steps.Report, error) {
	items, err := s.validated(ctx, env, entries)
	if err != nil {
		return steps.Report{}, err
	}
	// Entries arrive newest first; a stable sort keeps that order within a kind.
	slices.SortStableFunc(items, func(a, b item) int { return kinds[a.r.Kind].rank - kinds[b.r.Kind].rank })
	u := &undoer{rec: rec, api: env.AWS.IAM}
	for _, it := range items {
		if err := u.reverse(ctx, it); err != nil {
			return steps.Report{Detail: u.detail()}, err
		}
	}
	return steps.Report{Detail: u.detail()}, nil
}

type undoer struct {
	rec  *steps.Recorder
	api  awsapi.IAMAPI
	done []string
}

func (u *undoer) detail() string {
	if len(u.done) == 0 {
		return "nothing to undo"
	}
	return strings.Join(u.done, ", ")
}

// reverse undoes one entry: is it there (refusing a group or user others use now), then the
// delete, through the recorder. Something already gone is closed with nothing to do.
func (u *undoer) reverse(ctx context.Context, it item) error {
	k := kinds[it.r.Kind]
	what := k.what(it.r)
	here := true
	if k.here != nil {
		var err error
		if here, err = k.here(ctx, u.api, it.r); err != nil {
			return err
		}
	}
	rev := steps.Change{Action: steps.Delete, Address: it.e.Change.Address, Before: it.e.Change.After, Why: "undo " + it.e.ID + ": " + what}
	gone := !here
	var fn func(context.Context) error
	if here {
		fn = func(ctx context.Context) error {
			err := k.remove(ctx, u.api, it.r)
			if awsapi.IsKind(err, awsapi.KindNotFound) {
				// Removed by hand meanwhile: nothing left to reverse.
				gone, err = true, nil
			}
			return err
		}
	} else {
		rev.Why = "undo " + it.e.ID + ": already gone, nothing to do"
	}
	if err := u.rec.Reverse(ctx, it.e, rev, it.r, fn); err != nil {
		return err
	}
	if gone {
		what += " (already gone)"
	}
	u.done = append(u.done, what)
	return nil
}

// groupUnused reports whether the group exists, refusing when it has members or policies
// hardsail's undo has not removed: someone else uses it now.
func groupUnused(ctx context.Context, api awsapi.IAMAPI, group string) (exists bool, err error) {
	members, exists, err := groupMembers(ctx, api, group)
	if err != nil || !exists {
		return exists, err
	}
	var others []string
	for _, m := range members {
		others = append(others, "member "+m)
	}
	policies, err := groupPolicies(ctx, api, group)
	if err != nil {
		return true, err
	}
	for _, p := range policies {
		others = append(others, "policy "+p[strings.LastIndex(p, "/")+1:])
	}
	if len(others) > 0 {
		return true, &InUseError{What: "IAM group " + group, Others: others}
	}
	return true, nil
}

// userUnused reports whether the user exists, refusing when it has groups, a console password,
// MFA devices or access keys that hardsail's undo has not removed. IAM would refuse too
// (DeleteConflict); checking first gives the same answer everywhere and names what is in the way.
func userUnused(ctx context.Context, api awsapi.IAMAPI, user string) (exists bool, err error) {
	f, err := readUser(ctx, api, user)
	if err != nil || !f.Exists {
		return f.Exists, err
	}
	var others []string
	if f.LoginProfile {
		others = append(others, "a console password")
	}
	for _, d := range f.MFADevices {
		others = append(others, "MFA device "+d)
	}
	groups, err := api.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: &user})
	if err != nil {
		return true, awsapi.Classify("list the groups of IAM user "+user, err)
	}
	for _, g := range groups.Groups {
		others = append(others, "group "+aws.ToString(g.GroupName))
	}
	keys, err := api.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: &user})
	if err != nil {
		return true, awsapi.Classify("list the access keys of IAM user "+user, err)
	}
	for _, k := range keys.AccessKeyMetadata {
		others = append(others, "access key "+aws.ToString(k.AccessKeyId))
	}
	if len(others) > 0 {
		return true, &InUseError{What: "IAM user " + user, Others: others}
	}
	return true, nil
}
