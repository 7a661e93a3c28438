package iamsts_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/hardsail/hardsail/internal/emulator/iamsts"
	"github.com/hardsail/hardsail/internal/moto"
)

// observation is one thing hardsail reads from one call, normalised to what
// must be equal across implementations (names, ARN shapes, error codes; not
// generated ids or dates).
type observation struct {
	step  string
	value string
}

// agreementRun performs the iam-admin step's calls, apply then undo, in order,
// and returns what hardsail reads from each. Probes that moto is known to get
// wrong (and that would change its state, e.g. a DeleteGroup it does not refuse)
// act on scratch entities so the main sequence continues the same on both.
func agreementRun(t *testing.T, c clients) []observation {
	t.Helper()
	var obs []observation
	record := func(step, format string, args ...any) {
		obs = append(obs, observation{step, fmt.Sprintf(format, args...)})
	}
	// errorCode plus whether the SDK produced its typed exception, since hardsail uses errors.As.
	errorCode := func(err error) string {
		code := errorCode(err)
		if code != "" && !typedError(err, code) {
			code += "(untyped)"
		}
		return code
	}
	const (
		group   = "Administrators"
		user    = "administrator"
		admin   = "arn:aws:iam::aws:policy/AdministratorAccess"
		pw      = "Tr0ub4dor&3-horse"
		scratch = "scratch"
	)

	id, err := c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	record("GetCallerIdentity", "account=%s err=%s", aws.ToString(id.Account), errorCode(err))
	record("GetCallerIdentity principal", "arn=%s", aws.ToString(id.Arn))

	g, err := c.iam.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(group)})
	if err == nil {
		record("CreateGroup", "name=%s arn=%s path=%s", aws.ToString(g.Group.GroupName), aws.ToString(g.Group.Arn), aws.ToString(g.Group.Path))
	} else {
		record("CreateGroup", "err=%s", errorCode(err))
	}
	_, err = c.iam.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String(group), PolicyArn: aws.String(admin)})
	record("AttachGroupPolicy", "err=%s", errorCode(err))

	u, err := c.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)})
	if err == nil {
		record("CreateUser", "name=%s arn=%s path=%s", aws.ToString(u.User.UserName), aws.ToString(u.User.Arn), aws.ToString(u.User.Path))
	} else {
		record("CreateUser", "err=%s", errorCode(err))
	}
	_, err = c.iam.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String(group), UserName: aws.String(user)})
	record("AddUserToGroup", "err=%s", errorCode(err))

	lp, err := c.iam.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String(user), Password: aws.String(pw), PasswordResetRequired: true})
	if err == nil {
		record("CreateLoginProfile", "user=%s reset=%v", aws.ToString(lp.LoginProfile.UserName), lp.LoginProfile.PasswordResetRequired)
	} else {
		record("CreateLoginProfile", "err=%s", errorCode(err))
	}

	ap, err := c.iam.ListAttachedGroupPolicies(ctx, &iam.ListAttachedGroupPoliciesInput{GroupName: aws.String(group)})
	var policies []string
	if err == nil {
		for _, p := range ap.AttachedPolicies {
			policies = append(policies, aws.ToString(p.PolicyName)+"="+aws.ToString(p.PolicyArn))
		}
	}
	record("ListAttachedGroupPolicies", "%v err=%s", policies, errorCode(err))

	gs, err := c.iam.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String(user)})
	var groups []string
	if err == nil {
		for _, g := range gs.Groups {
			groups = append(groups, aws.ToString(g.GroupName))
		}
	}
	record("ListGroupsForUser", "%v err=%s", groups, errorCode(err))

	gg, err := c.iam.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String(group)})
	var members []string
	if err == nil {
		for _, m := range gg.Users {
			members = append(members, aws.ToString(m.UserName))
		}
	}
	record("GetGroup", "members=%v err=%s", members, errorCode(err))

	glp, err := c.iam.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String(user)})
	if err == nil {
		record("GetLoginProfile", "reset=%v", glp.LoginProfile.PasswordResetRequired)
	} else {
		record("GetLoginProfile", "err=%s", errorCode(err))
	}

	dev, err := c.iam.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(user)})
	serial, seed := "", ""
	if err == nil {
		serial, seed = aws.ToString(dev.VirtualMFADevice.SerialNumber), string(dev.VirtualMFADevice.Base32StringSeed)
		record("CreateVirtualMFADevice", "serial=%s seed-is-base32=%v qr-present=%v", serial, isBase32(seed) && seed != "", len(dev.VirtualMFADevice.QRCodePNG) > 0)
	} else {
		record("CreateVirtualMFADevice", "err=%s", errorCode(err))
	}
	code1, code2 := codes(seed)
	_, err = c.iam.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{
		UserName: aws.String(user), SerialNumber: aws.String(serial), AuthenticationCode1: aws.String(code1), AuthenticationCode2: aws.String(code2),
	})
	record("EnableMFADevice", "err=%s", errorCode(err))

	mfa, err := c.iam.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String(user)})
	var serials []string
	if err == nil {
		for _, d := range mfa.MFADevices {
			serials = append(serials, aws.ToString(d.UserName)+":"+aws.ToString(d.SerialNumber))
		}
	}
	record("ListMFADevices", "%v err=%s", serials, errorCode(err))

	sum, err := c.iam.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	var keys []string
	if err == nil {
		for _, k := range []string{"AccountMFAEnabled", "AccountAccessKeysPresent", "Users", "Groups", "MFADevices", "MFADevicesInUse"} {
			if v, ok := sum.SummaryMap[k]; ok {
				keys = append(keys, fmt.Sprintf("%s=%d", k, v))
			} else {
				keys = append(keys, k+"=absent")
			}
		}
	}
	record("GetAccountSummary", "%v err=%s", keys, errorCode(err))

	// Error cases hardsail handles: re-running apply, and reading what is not there.
	_, err = c.iam.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(group)})
	record("CreateGroup again", "err=%s", errorCode(err))
	_, err = c.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)})
	record("CreateUser again", "err=%s", errorCode(err))
	_, err = c.iam.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String(user), Password: aws.String(pw)})
	record("CreateLoginProfile again", "err=%s", errorCode(err))
	_, err = c.iam.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(user)})
	record("CreateVirtualMFADevice again", "err=%s", errorCode(err))
	_, err = c.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("nobody")})
	record("GetUser missing", "err=%s", errorCode(err))
	_, err = c.iam.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("Nobody")})
	record("GetGroup missing", "err=%s", errorCode(err))
	_, err = c.iam.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("nobody")})
	record("GetLoginProfile missing user", "err=%s", errorCode(err))
	_, err = c.iam.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String(group), PolicyArn: aws.String("arn:aws:iam::aws:policy/NoSuchPolicyHere")})
	record("AttachGroupPolicy unknown policy", "err=%s", errorCode(err))
	_, err = c.iam.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("Nobody"), UserName: aws.String(user)})
	record("AddUserToGroup missing group", "err=%s", errorCode(err))
	_, err = c.iam.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial + "-missing")})
	record("DeleteVirtualMFADevice missing", "err=%s", errorCode(err))
	_, err = c.iam.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String(group), UserName: aws.String(user)})
	record("AddUserToGroup again", "err=%s", errorCode(err))
	_, err = c.iam.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String(group), PolicyArn: aws.String(admin)})
	record("AttachGroupPolicy again", "err=%s", errorCode(err))
	ap, err = c.iam.ListAttachedGroupPolicies(ctx, &iam.ListAttachedGroupPoliciesInput{GroupName: aws.String(group)})
	if err == nil {
		record("ListAttachedGroupPolicies after re-attach", "count=%d", len(ap.AttachedPolicies))
	} else {
		record("ListAttachedGroupPolicies after re-attach", "err=%s", errorCode(err))
	}
	_, err = c.iam.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: aws.String(group), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
	record("DetachGroupPolicy not attached", "err=%s", errorCode(err))
	_, err = c.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(strings.ToUpper(user))})
	record("CreateUser in another case", "err=%s", errorCode(err))

	// DeleteConflict and wrong-TOTP probes on scratch entities (see divergences).
	step[*iam.CreateUserOutput](t, "create scratch user")(c.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(scratch)}))
	step[*iam.CreateGroupOutput](t, "create scratch group")(c.iam.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(scratch)}))
	step[*iam.AddUserToGroupOutput](t, "add scratch user")(c.iam.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String(scratch), UserName: aws.String(scratch)}))
	_, err = c.iam.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String(group), UserName: aws.String(scratch)})
	record("RemoveUserFromGroup not a member", "err=%s", errorCode(err))
	_, err = c.iam.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String(scratch), Password: aws.String("short")})
	record("CreateLoginProfile weak password", "err=%s", errorCode(err))
	_, _ = c.iam.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String(scratch)}) // moto created one
	_, err = c.iam.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String(scratch)})
	record("DeleteGroup with members", "err=%s", errorCode(err))
	_, err = c.iam.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(scratch)})
	record("DeleteUser in a group", "err=%s", errorCode(err))
	sdev := step[*iam.CreateVirtualMFADeviceOutput](t, "create scratch device")(c.iam.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(scratch)}))
	if _, err := c.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(scratch)}); err != nil {
		// moto deleted the scratch user above; recreate it so the next probes have a subject.
		step[*iam.CreateUserOutput](t, "recreate scratch user")(c.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(scratch)}))
	}
	_, err = c.iam.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{
		UserName: aws.String(scratch), SerialNumber: sdev.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: aws.String(wrongCode(string(sdev.VirtualMFADevice.Base32StringSeed))), AuthenticationCode2: aws.String("000000"),
	})
	record("EnableMFADevice wrong codes", "err=%s", errorCode(err))
	// A second device, enabled with good codes, is the one both may delete while in use.
	sdev2 := step[*iam.CreateVirtualMFADeviceOutput](t, "create second scratch device")(c.iam.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(scratch + "2")}))
	s1, s2 := codes(string(sdev2.VirtualMFADevice.Base32StringSeed))
	_, err = c.iam.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{
		UserName: aws.String(scratch), SerialNumber: sdev2.VirtualMFADevice.SerialNumber, AuthenticationCode1: aws.String(s1), AuthenticationCode2: aws.String(s2),
	})
	record("EnableMFADevice second device", "err=%s", errorCode(err))
	_, err = c.iam.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: sdev2.VirtualMFADevice.SerialNumber})
	record("DeleteVirtualMFADevice while enabled", "err=%s", errorCode(err))

	// Undo, in the order hardsail reverses its changes.
	undo := []struct {
		name string
		call func() error
	}{
		{"DeactivateMFADevice", func() error {
			_, err := c.iam.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: aws.String(user), SerialNumber: aws.String(serial)})
			return err
		}},
		{"DeleteVirtualMFADevice", func() error {
			_, err := c.iam.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
			return err
		}},
		{"DeleteLoginProfile", func() error {
			_, err := c.iam.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String(user)})
			return err
		}},
		{"RemoveUserFromGroup", func() error {
			_, err := c.iam.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String(group), UserName: aws.String(user)})
			return err
		}},
		{"DetachGroupPolicy", func() error {
			_, err := c.iam.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: aws.String(group), PolicyArn: aws.String(admin)})
			return err
		}},
		{"DeleteGroup", func() error {
			_, err := c.iam.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String(group)})
			return err
		}},
		{"DeleteUser", func() error {
			_, err := c.iam.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(user)})
			return err
		}},
		{"GetUser after undo", func() error {
			_, err := c.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(user)})
			return err
		}},
		{"GetGroup after undo", func() error {
			_, err := c.iam.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String(group)})
			return err
		}},
		{"DeleteLoginProfile again", func() error {
			_, err := c.iam.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String(user)})
			return err
		}},
	}
	for _, u := range undo {
		record(u.name, "err=%s", errorCode(u.call()))
	}
	return obs
}

// wrongCode returns a six-digit code that is not the current one for seed.
func wrongCode(seed string) string {
	c1, c2 := codes(seed)
	for _, w := range []string{"123456", "654321", "111111"} {
		if w != c1 && w != c2 {
			return w
		}
	}
	return "222222"
}

// divergence is a step where moto 5.2.1 does not behave like AWS; the emulator
// must match AWS and moto must still show its known behaviour (if moto starts
// matching AWS, the case can move back into the agreement set).
type divergence struct {
	aws, moto string
	why       string
}

var motoDivergences = map[string]divergence{
	"GetCallerIdentity principal": {"arn=arn:aws:iam::ACCOUNT:root", "arn=arn:aws:sts::123456789012:user/moto",
		"moto answers for unknown access keys with a made-up user in the sts namespace; AWS names the root user arn:aws:iam::<acct>:root and users arn:aws:iam::<acct>:user/NAME"},
	"CreateLoginProfile": {"user=administrator reset=true", "user=administrator reset=false",
		"moto ignores PasswordResetRequired on CreateLoginProfile"},
	"GetLoginProfile": {"reset=true", "reset=false",
		"follows from moto dropping PasswordResetRequired at creation"},
	"CreateUser in another case": {"err=EntityAlreadyExists", "err=",
		"IAM user names are unique ignoring case in AWS; moto compares them exactly"},
	"CreateLoginProfile weak password": {"err=PasswordPolicyViolation", "err=",
		"moto does not apply the account password policy"},
	"DeleteGroup with members": {"err=DeleteConflict", "err=",
		"moto's delete_group deletes a group that still has members (AWS: DeleteConflict, must remove users from group first)"},
	"DeleteUser in a group": {"err=DeleteConflict", "err=",
		"moto's delete_user only refuses users with policies; AWS refuses users still in a group, with a login profile, keys or MFA"},
	"EnableMFADevice wrong codes": {"err=InvalidAuthenticationCode", "err=",
		"moto stores the two codes without checking them against the seed"},
	"DeleteVirtualMFADevice while enabled": {"err=DeleteConflict", "err=",
		"moto deletes an MFA device that is still enabled for a user"},
	"ListUsers first page of 1": {"[alice@/] truncated=true marker=true", "[alice@/ bob@/ ci@/ plugin@/] truncated=false marker=false",
		"moto's ListUsers ignores MaxItems and never truncates; AWS returns MaxItems users and a Marker for the rest"},
}

// arnShape blanks the account id: both use 123456789012 today, but what must
// agree is the ARN's form, not the number.
var accountInARN = regexp.MustCompile(`arn:aws:iam::\d{12}:`)

func normalise(obs []observation) []observation {
	out := slices.Clone(obs)
	for i := range out {
		out[i].value = accountInARN.ReplaceAllString(out[i].value, "arn:aws:iam::ACCOUNT:")
	}
	return out
}

func TestEmulatorAgreesWithMoto(t *testing.T) {
	endpoint := moto.Start(t)
	motoObs := normalise(agreementRun(t, newClients(endpoint)))
	_, c := emulated(t, iamsts.ScenarioEmpty)
	emuObs := normalise(agreementRun(t, c))
	agree(t, emuObs, motoObs)
}

// agree holds the emulator's observations equal to moto's, but where moto is known to differ
// from AWS (motoDivergences): there the emulator must do as AWS does.
func agree(t *testing.T, emuObs, motoObs []observation) {
	t.Helper()
	if len(motoObs) != len(emuObs) {
		t.Fatalf("moto recorded %d steps, the emulator %d", len(motoObs), len(emuObs))
	}
	for i, e := range emuObs {
		m := motoObs[i]
		t.Run(e.step, func(t *testing.T) {
			if d, ok := motoDivergences[e.step]; ok {
				if e.value != d.aws {
					t.Errorf("emulator: %s, want %s as AWS does", e.value, d.aws)
				}
				if m.value != d.moto && m.value != d.aws {
					t.Errorf("moto: %s, neither its known %s (%s) nor AWS's %s", m.value, d.moto, d.why, d.aws)
				}
				return
			}
			if e.value != m.value {
				t.Errorf("disagree:\n emulator: %s\n moto:     %s", e.value, m.value)
			}
			if strings.Contains(e.value, "non-API error") {
				t.Errorf("transport or decoding failure: %s", e.value)
			}
		})
	}
}
