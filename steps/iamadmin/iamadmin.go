// Package iamadmin is the iam-admin step: an Administrators group with AdministratorAccess, an
// administrator user in it with a console password and a virtual MFA device, and findings about
// the root user (guide, "Secure Your AWS Account").
package iamadmin

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"golang.org/x/sync/errgroup"

	"github.com/hardsail/hardsail/remote/awsapi"
	"github.com/hardsail/hardsail/steps"
)

// ID is the step's stable identifier.
const ID = "iam-admin"

const (
	// GroupName is the group the guide creates.
	GroupName = "Administrators"
	// PolicyARN is the AWS managed policy the group carries.
	PolicyARN  = "arn:aws:iam::aws:policy/AdministratorAccess"
	policyName = "AdministratorAccess"
)

// Step implements steps.Step for iam-admin.
type Step struct{ steps.Identity }

// New returns the iam-admin step.
func New() *Step { return &Step{steps.Named(ID, "IAM administrator user and group")} }

// noteMFASkipped is the run note that says why MFA enrolment was offered in this run and did not
// happen (declined, codes never matched): the rest of the run reports MFA as pending, not as a change.
const noteMFASkipped = ID + "/mfa-skipped"

// Facts is what Check reads; its JSON is the plan's fingerprint.
type Facts struct {
	Account   string    `json:"account"`
	Partition string    `json:"partition"`
	Group     GroupFact `json:"group"`
	User      UserFact  `json:"user"`
	// CanEnrolMFA is whether this run can enrol MFA: someone at a terminal who has not declined.
	CanEnrolMFA bool `json:"can_enrol_mfa"`
	// MFASkipped is why enrolment was offered in this run and did not happen.
	MFASkipped string `json:"mfa_skipped,omitempty"`
}

// GroupFact is the administrators group as found.
type GroupFact struct {
	Name      string   `json:"name"`
	Exists    bool     `json:"exists"`
	ARN       string   `json:"arn,omitempty"`
	HasPolicy bool     `json:"has_policy"`
	Members   []string `json:"members,omitempty"`
}

// UserFact is the administrator user as found.
type UserFact struct {
	Name         string   `json:"name"`
	Exists       bool     `json:"exists"`
	ARN          string   `json:"arn,omitempty"`
	LoginProfile bool     `json:"login_profile"`
	MFADevices   []string `json:"mfa_devices,omitempty"`
}

// InGroup reports whether the user is a member of the group (IAM names ignore case).
func (f Facts) InGroup() bool {
	return f.User.Exists && slices.ContainsFunc(f.Group.Members, func(m string) bool { return strings.EqualFold(m, f.User.Name) })
}

// Check reads the caller, the group, the user and the account summary. It changes nothing.
func (s *Step) Check(ctx context.Context, env *steps.Env) (steps.State, error) {
	if env.AWS == nil || env.AWS.IAM == nil {
		return steps.State{}, steps.NoAWS(ID)
	}
	user := adminUser(env.Settings)
	f := Facts{Group: GroupFact{Name: GroupName}, User: UserFact{Name: user}}
	var (
		id      awsapi.Identity
		summary map[string]int32
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { id, err = env.AWS.Identity(gctx); return err })
	g.Go(func() error {
		out, err := env.AWS.IAM.GetAccountSummary(gctx, &iam.GetAccountSummaryInput{})
		if err != nil {
			return awsapi.Classify("read the IAM account summary", err)
		}
		summary = out.SummaryMap
		return nil
	})
	g.Go(func() (err error) { f.Group, err = readGroup(gctx, env.AWS.IAM, GroupName); return err })
	g.Go(func() (err error) { f.User, err = readUser(gctx, env.AWS.IAM, user); return err })
	if err := g.Wait(); err != nil {
		return steps.State{}, err
	}
	f.Account, f.Partition = id.Account, partitionOf(id.ARN)
	f.MFASkipped = env.RunNote(noteMFASkipped)
	f.CanEnrolMFA = env.Ask != nil && f.MFASkipped == ""

	st := steps.State{Step: ID, Facts: f, Findings: findings(id, summary, user)}
	if len(f.User.MFADevices) == 0 && !f.CanEnrolMFA {
		st.Pending = user + " has no MFA device: run `hardsail apply iam-admin` at a terminal to enrol one"
		if f.MFASkipped != "" {
			st.Pending = user + " has no MFA device (" + f.MFASkipped + "): run `hardsail apply iam-admin` again to enrol one"
		}
	}
	return st, nil
}

// partitionOf reads the partition ("aws", "aws-cn", "aws-us-gov") from an ARN.
func partitionOf(arn string) string {
	parts := strings.SplitN(arn, ":", 3)
	if len(parts) == 3 && parts[0] == "arn" && parts[1] != "" {
		return parts[1]
	}
	return "aws"
}

func readGroup(ctx context.Context, api awsapi.IAMAPI, name string) (GroupFact, error) {
	g := GroupFact{Name: name}
	members, exists, err := groupMembers(ctx, api, name)
	if err != nil || !exists {
		return g, err
	}
	g.Exists, g.Members = true, members
	policies, err := groupPolicies(ctx, api, name)
	if err != nil {
		return g, err
	}
	g.HasPolicy = slices.Contains(policies, PolicyARN)
	return g, nil
}

// groupMembers lists a group's members, sorted; exists is false when there is no such group.
func groupMembers(ctx context.Context, api awsapi.IAMAPI, name string) (members []string, exists bool, err error) {
	var marker *string
	for {
		out, err := api.GetGroup(ctx, &iam.GetGroupInput{GroupName: &name, Marker: marker})
		if err != nil {
			err = awsapi.Classify("read IAM group "+name, err)
			if awsapi.IsKind(err, awsapi.KindNotFound) {
				return nil, false, nil
			}
			return nil, false, err
		}
		for _, u := range out.Users {
			members = append(members, aws.ToString(u.UserName))
		}
		if !out.IsTruncated {
			slices.Sort(members)
			return members, true, nil
		}
		marker = out.Marker
	}
}

// groupPolicies lists the ARNs of the managed policies attached to a group.
func groupPolicies(ctx context.Context, api awsapi.IAMAPI, name string) ([]string, error) {
	var arns []string
	var marker *string
	for {
		out, err := api.ListAttachedGroupPolicies(ctx, &iam.ListAttachedGroupPoliciesInput{GroupName: &name, Marker: marker})
		if err != nil {
			return nil, awsapi.Classify("list the policies of IAM group "+name, err)
		}
		for _, p := range out.AttachedPolicies {
			arns = append(arns, aws.ToString(p.PolicyArn))
		}
		if !out.IsTruncated {
			return arns, nil
		}
		marker = out.Marker
	}
}

func readUser(ctx context.Context, api awsapi.IAMAPI, name string) (UserFact, error) {
	u := UserFact{Name: name}
	out, err := api.GetUser(ctx, &iam.GetUserInput{UserName: &name})
	if err != nil {
		err = awsapi.Classify("read IAM user "+name, err)
		if awsapi.IsKind(err, awsapi.KindNotFound) {
			return u, nil
		}
		return u, err
	}
	u.Exists, u.ARN = true, aws.ToString(out.User.Arn)
	_, err = api.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: &name})
	err = awsapi.Classify("read the console login of IAM user "+name, err)
	switch {
	case err == nil:
		u.LoginProfile = true
	case !awsapi.IsKind(err, awsapi.KindNotFound):
		return u, err
	}
	mfa, err := api.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: &name})
	if err != nil {
		return u, awsapi.Classify("list the MFA devices of IAM user "+name, err)
	}
	for _, d := range mfa.MFADevices {
		u.MFADevices = append(u.MFADevices, aws.ToString(d.SerialNumber))
	}
	slices.Sort(u.MFADevices)
	return u, nil
}

// findings are what the step reports and never changes: who is calling, and the root user.
func findings(id awsapi.Identity, summary map[string]int32, user string) []steps.Finding {
	var out []steps.Finding
	if id.Root() {
		out = append(out, steps.Finding{ID: ID + ".root_in_use", Severity: "warning",
			Message: "You are using the root user. After this step, sign in as " + user + " instead, and keep the root user for the few tasks only it can do.",
			Fix:     "Sign out, then sign in at https://" + id.Account + ".signin.aws.amazon.com/console as " + user + "; for the CLI, create access keys for " + user + " and use them (`aws configure`)."})
	}
	if summary["AccountMFAEnabled"] == 0 {
		out = append(out, steps.Finding{ID: ID + ".root_mfa_off", Severity: "warning",
			Message: "The root user has no MFA device: anyone with its password controls the whole account.",
			Fix:     "Sign in as the root user at https://console.aws.amazon.com/, open the account menu (top right) → Security credentials → Multi-factor authentication (MFA) → Assign MFA device, and follow the steps. hardsail cannot do this for you: only the root user can."})
	}
	if summary["AccountAccessKeysPresent"] != 0 {
		out = append(out, steps.Finding{ID: ID + ".root_access_keys", Severity: "warning",
			Message: "The root user has access keys: a leaked key gives full, unrestricted control of the account.",
			Fix:     "Sign in as the root user, open the account menu → Security credentials → Access keys, choose Actions → Deactivate, then Delete for each key. Use " + user + "'s own access keys for the CLI and hardsail instead."})
	}
	return out
}

// Addresses of the changes, in the order Apply makes them.
func groupAddr(group string) string            { return "iam:group/" + group }
func policyAddr(group string) string           { return "iam:group/" + group + "/policy/" + policyName }
func userAddr(user string) string              { return "iam:user/" + user }
func membershipAddr(user, group string) string { return "iam:user/" + user + "/group/" + group }
func loginAddr(user string) string             { return "iam:user/" + user + "/login-profile" }
func mfaAddr(user string) string               { return "iam:user/" + user + "/mfa" }
func mfaDeviceAddr(user string) string         { return "iam:user/" + user + "/mfa/virtual-device" }

// Plan lists what is missing, in dependency order. It is pure.
func (s *Step) Plan(state steps.State, set steps.Settings) (steps.Plan, error) {
	f, err := steps.FactsOf[Facts](state)
	if err != nil {
		return steps.Plan{}, err
	}
	user, group := f.User.Name, f.Group.Name
	if want := adminUser(set); want != user {
		return steps.Plan{}, fmt.Errorf("iam-admin: facts were read for user %s, settings name %s", user, want)
	}
	var p steps.Plan
	add := func(addr, after, why string, sensitive bool) {
		p.Changes = append(p.Changes, steps.Change{Action: steps.Create, Address: addr, After: after, Why: why, Sensitive: sensitive})
	}
	if !f.Group.Exists {
		add(groupAddr(group), group, "there is no "+group+" group to hold the account's administrators", false)
	}
	if !f.Group.HasPolicy {
		add(policyAddr(group), PolicyARN, "members of "+group+" need AdministratorAccess to manage the account without the root user", false)
	}
	if !f.User.Exists {
		add(userAddr(user), user, "there is no "+user+" user: everyday administration should not use the root user", false)
	}
	if !f.InGroup() {
		add(membershipAddr(user, group), group, user+" gets its permissions from the "+group+" group", false)
	}
	if !f.User.LoginProfile {
		add(loginAddr(user), "generated password, to be changed at first sign-in", user+" needs a password to sign in to the AWS console; it is shown once and must be changed at first sign-in", true)
		p.Notes = append(p.Notes, "The console password for "+user+" is shown once, after apply: save it in a password manager. "+
			user+" signs in at "+signInURL(f.Account)+" and must choose a new password then.")
	}
	if len(f.User.MFADevices) == 0 && f.CanEnrolMFA {
		add(mfaAddr(user), "virtual MFA device", user+" has no MFA device: a stolen password alone should not open the console", false)
		p.Notes = append(p.Notes, "MFA enrolment shows a QR code to scan with an authenticator app, then asks for two codes.")
	}
	return p, nil
}
