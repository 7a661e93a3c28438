package iamsts_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/hardsail/hardsail/internal/emulator/iamsts"
)

func TestGetCallerIdentity(t *testing.T) {
	tests := []struct {
		name       string
		scenario   string
		setCaller  string
		wantArn    string
		wantUserID string // "AIDA" means an IAM user id
	}{
		{"fresh account: root", iamsts.ScenarioWordPressFresh, "", "arn:aws:iam::123456789012:root", account},
		{"hardened account: administrator", iamsts.ScenarioWordPressHardened, "", "arn:aws:iam::123456789012:user/administrator", "AIDA"},
		{"caller switched to root", iamsts.ScenarioWordPressHardened, "arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:root", account},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc, c := emulated(t, tc.scenario)
			if tc.setCaller != "" {
				svc.SetCaller(tc.setCaller)
			}
			out, err := c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			checkErr(t, err, "")
			if aws.ToString(out.Arn) != tc.wantArn || aws.ToString(out.Account) != account || !strings.HasPrefix(aws.ToString(out.UserId), tc.wantUserID) {
				t.Fatalf("identity = %s %s %s, want %s %s %s…", aws.ToString(out.Arn), aws.ToString(out.Account), aws.ToString(out.UserId), tc.wantArn, account, tc.wantUserID)
			}
		})
	}
}

func TestCreateAndGetUser(t *testing.T) {
	tests := []struct {
		name     string
		userName string
		path     string
		wantArn  string
		wantCode string
	}{
		{"plain name", "alice", "", "arn:aws:iam::123456789012:user/alice", ""},
		{"name with every allowed symbol", "a_b+c=d,e.f@g-h", "", "arn:aws:iam::123456789012:user/a_b+c=d,e.f@g-h", ""},
		{"64 characters", strings.Repeat("u", 64), "", "arn:aws:iam::123456789012:user/" + strings.Repeat("u", 64), ""},
		{"with a path", "bob", "/ops/", "arn:aws:iam::123456789012:user/ops/bob", ""},
		{"already exists", "administrator", "", "", "EntityAlreadyExists"},
		{"already exists in another case", "Administrator", "", "", "EntityAlreadyExists"},
		{"65 characters", strings.Repeat("u", 65), "", "", "ValidationError"},
		{"space in name", "alice smith", "", "", "ValidationError"},
		{"slash in name", "alice/x", "", "", "ValidationError"},
		{"empty name", "", "", "", "ValidationError"},
		{"path without trailing slash", "carol", "/ops", "", "ValidationError"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c := emulated(t, iamsts.ScenarioWordPressHardened)
			in := &iam.CreateUserInput{UserName: aws.String(tc.userName)}
			if tc.path != "" {
				in.Path = aws.String(tc.path)
			}
			out, err := c.iam.CreateUser(ctx, in)
			checkErr(t, err, tc.wantCode)
			if tc.wantCode != "" {
				return
			}
			u := out.User
			if aws.ToString(u.UserName) != tc.userName || aws.ToString(u.Arn) != tc.wantArn || !strings.HasPrefix(aws.ToString(u.UserId), "AIDA") || u.CreateDate == nil {
				t.Fatalf("created user = %+v, want %s %s", u, tc.userName, tc.wantArn)
			}
			got, err := c.iam.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(tc.userName)})
			checkErr(t, err, "")
			if aws.ToString(got.User.UserId) != aws.ToString(u.UserId) || aws.ToString(got.User.Arn) != tc.wantArn {
				t.Fatalf("GetUser = %+v, want the created user", got.User)
			}
		})
	}
}

func TestGetUser(t *testing.T) {
	tests := []struct {
		name         string
		scenario     string
		userName     string
		wantArn      string
		wantUserName string
		wantCode     string
	}{
		{"no name, root caller: the root user", iamsts.ScenarioWordPressFresh, "", "arn:aws:iam::123456789012:root", "", ""},
		{"no name, user caller: that user", iamsts.ScenarioWordPressHardened, "", "arn:aws:iam::123456789012:user/administrator", "administrator", ""},
		{"named user, other case", iamsts.ScenarioWordPressHardened, "ADMINISTRATOR", "arn:aws:iam::123456789012:user/administrator", "administrator", ""},
		{"missing user", iamsts.ScenarioWordPressFresh, "administrator", "", "", "NoSuchEntity"},
		{"invalid name", iamsts.ScenarioWordPressFresh, "bad name", "", "", "ValidationError"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c := emulated(t, tc.scenario)
			in := &iam.GetUserInput{}
			if tc.userName != "" {
				in.UserName = aws.String(tc.userName)
			}
			out, err := c.iam.GetUser(ctx, in)
			checkErr(t, err, tc.wantCode)
			if tc.wantCode == "" && (aws.ToString(out.User.Arn) != tc.wantArn || aws.ToString(out.User.UserName) != tc.wantUserName) {
				t.Fatalf("user = %s %q, want %s %q", aws.ToString(out.User.Arn), aws.ToString(out.User.UserName), tc.wantArn, tc.wantUserName)
			}
		})
	}
}

func TestDeleteUser(t *testing.T) {
	tests := []struct {
		name     string
		userName string
		prepare  func(t *testing.T, c clients)
		wantCode string
	}{
		{"user without attachments", "alice", nil, ""},
		{"missing user", "nobody", nil, "NoSuchEntity"},
		{"user with a login profile", "alice", func(t *testing.T, c clients) {
			step[*iam.CreateLoginProfileOutput](t, "create login profile")(c.iam.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("alice"), Password: aws.String("Corr3ct-Horse")}))
		}, "DeleteConflict"},
		{"user in a group", "alice", func(t *testing.T, c clients) {
			step[*iam.AddUserToGroupOutput](t, "add to group")(c.iam.AddUserToGroup(ctx, &iam.AddUserToGroupInput{UserName: aws.String("alice"), GroupName: aws.String("Administrators")}))
		}, "DeleteConflict"},
		{"user with an enabled MFA device", "alice", func(t *testing.T, c clients) { enrolMFA(t, c, "alice") }, "DeleteConflict"},
		{"hardened administrator", "administrator", nil, "DeleteConflict"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc, c := emulated(t, iamsts.ScenarioWordPressHardened)
			step[*iam.CreateUserOutput](t, "create alice")(c.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}))
			if tc.prepare != nil {
				tc.prepare(t, c)
			}
			before := svc.Snapshot()
			_, err := c.iam.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(tc.userName)})
			checkErr(t, err, tc.wantCode)
			_, exists := svc.Snapshot().Users[tc.userName]
			if _, existed := before.Users[tc.userName]; exists != (existed && tc.wantCode != "") {
				t.Fatalf("after DeleteUser (%v) user exists = %v", err, exists)
			}
		})
	}
}

// enrolMFA creates and enables a virtual MFA device named after user and returns its serial.
func enrolMFA(t *testing.T, c clients, user string) string {
	t.Helper()
	dev := step[*iam.CreateVirtualMFADeviceOutput](t, "create MFA device")(c.iam.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(user)}))
	code1, code2 := codes(string(dev.VirtualMFADevice.Base32StringSeed))
	step[*iam.EnableMFADeviceOutput](t, "enable MFA device")(c.iam.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{
		UserName: aws.String(user), SerialNumber: dev.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: aws.String(code1), AuthenticationCode2: aws.String(code2),
	}))
	return aws.ToString(dev.VirtualMFADevice.SerialNumber)
}

func TestLoginProfile(t *testing.T) {
	tests := []struct {
		name          string
		userName      string
		password      string
		resetRequired bool
		wantCode      string
	}{
		{"strong password, reset required", "alice", "Tr0ub4dor&3", true, ""},
		{"strong password, no reset", "alice", "Tr0ub4dor&3", false, ""},
		{"three classes without symbols", "alice", "Abcdefg1", true, ""},
		{"seven characters", "alice", "Ab1!xyz", true, "PasswordPolicyViolation"},
		{"only lower case and digits", "alice", "abcdefgh12", true, "PasswordPolicyViolation"},
		{"129 characters", "alice", "Aa1!" + strings.Repeat("x", 125), true, "PasswordPolicyViolation"},
		{"user with a profile already", "administrator", "Tr0ub4dor&3", true, "EntityAlreadyExists"},
		{"missing user", "nobody", "Tr0ub4dor&3", true, "NoSuchEntity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c := emulated(t, iamsts.ScenarioWordPressHardened)
			step[*iam.CreateUserOutput](t, "create alice")(c.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}))
			out, err := c.iam.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{
				UserName: aws.String(tc.userName), Password: aws.String(tc.password), PasswordResetRequired: tc.resetRequired,
			})
			checkErr(t, err, tc.wantCode)
			if tc.wantCode != "" {
				return
			}
			if aws.ToString(out.LoginProfile.UserName) != tc.userName || out.LoginProfile.PasswordResetRequired != tc.resetRequired {
				t.Fatalf("created profile = %+v", out.LoginProfile)
			}
			got, err := c.iam.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String(tc.userName)})
			checkErr(t, err, "")
			if got.LoginProfile.PasswordResetRequired != tc.resetRequired || got.LoginProfile.CreateDate == nil {
				t.Fatalf("GetLoginProfile = %+v, want reset required %v", got.LoginProfile, tc.resetRequired)
			}
		})
	}
}

func TestGetAndDeleteLoginProfile(t *testing.T) {
	tests := []struct {
		name      string
		userName  string
		wantGet   string
		wantDel   string
		wantAfter string
	}{
		{"user with a profile", "administrator", "", "", "NoSuchEntity"},
		{"user without a profile", "alice", "NoSuchEntity", "NoSuchEntity", "NoSuchEntity"},
		{"missing user", "nobody", "NoSuchEntity", "NoSuchEntity", "NoSuchEntity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c := emulated(t, iamsts.ScenarioWordPressHardened)
			step[*iam.CreateUserOutput](t, "create alice")(c.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}))
			_, err := c.iam.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String(tc.userName)})
			checkErr(t, err, tc.wantGet)
			_, err = c.iam.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String(tc.userName)})
			checkErr(t, err, tc.wantDel)
			_, err = c.iam.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String(tc.userName)})
			checkErr(t, err, tc.wantAfter)
		})
	}
}

func TestCreateAndGetGroup(t *testing.T) {
	tests := []struct {
		name      string
		groupName string
		wantCode  string
	}{
		{"new group", "Editors", ""},
		{"128 characters", strings.Repeat("g", 128), ""},
		{"129 characters", strings.Repeat("g", 129), "ValidationError"},
		{"already exists", "Administrators", "EntityAlreadyExists"},
		{"already exists in another case", "administrators", "EntityAlreadyExists"},
		{"invalid characters", "Admins!", "ValidationError"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c := emulated(t, iamsts.ScenarioWordPressHardened)
			out, err := c.iam.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(tc.groupName)})
			checkErr(t, err, tc.wantCode)
			if tc.wantCode != "" {
				return
			}
			if aws.ToString(out.Group.Arn) != "arn:aws:iam::123456789012:group/"+tc.groupName || !strings.HasPrefix(aws.ToString(out.Group.GroupId), "AGPA") {
				t.Fatalf("created group = %+v", out.Group)
			}
			got, err := c.iam.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String(tc.groupName)})
			checkErr(t, err, "")
			if aws.ToString(got.Group.GroupName) != tc.groupName || len(got.Users) != 0 {
				t.Fatalf("GetGroup = %+v with %d users, want the new empty group", got.Group, len(got.Users))
			}
		})
	}
}

func TestGetGroupListsMembers(t *testing.T) {
	tests := []struct {
		name      string
		groupName string
		wantUsers []string
		wantCode  string
	}{
		{"Administrators", "Administrators", []string{"administrator"}, ""},
		{"missing group", "Editors", nil, "NoSuchEntity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c := emulated(t, iamsts.ScenarioWordPressHardened)
			out, err := c.iam.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String(tc.groupName)})
			checkErr(t, err, tc.wantCode)
			if tc.wantCode != "" {
				return
			}
			var got []string
			for _, u := range out.Users {
				got = append(got, aws.ToString(u.UserName))
			}
			if strings.Join(got, ",") != strings.Join(tc.wantUsers, ",") {
				t.Fatalf("members = %v, want %v", got, tc.wantUsers)
			}
		})
	}
}

func TestDeleteGroup(t *testing.T) {
	tests := []struct {
		name     string
		prepare  func(t *testing.T, c clients)
		wantCode string
	}{
		{"with members and a policy", nil, "DeleteConflict"},
		{"with a policy only", func(t *testing.T, c clients) {
			step[*iam.RemoveUserFromGroupOutput](t, "remove member")(c.iam.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("Administrators"), UserName: aws.String("administrator")}))
		}, "DeleteConflict"},
		{"with members only", func(t *testing.T, c clients) {
			step[*iam.DetachGroupPolicyOutput](t, "detach policy")(c.iam.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: aws.String("Administrators"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")}))
		}, "DeleteConflict"},
		{"emptied", func(t *testing.T, c clients) {
			step[*iam.RemoveUserFromGroupOutput](t, "remove member")(c.iam.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("Administrators"), UserName: aws.String("administrator")}))
			step[*iam.DetachGroupPolicyOutput](t, "detach policy")(c.iam.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: aws.String("Administrators"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")}))
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c := emulated(t, iamsts.ScenarioWordPressHardened)
			if tc.prepare != nil {
				tc.prepare(t, c)
			}
			_, err := c.iam.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("Administrators")})
			checkErr(t, err, tc.wantCode)
			_, err = c.iam.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("Administrators")})
			wantAfter := "NoSuchEntity"
			if tc.wantCode != "" {
				wantAfter = ""
			}
			checkErr(t, err, wantAfter)
		})
	}
	t.Run("missing group", func(t *testing.T) {
		_, c := emulated(t, iamsts.ScenarioEmpty)
		_, err := c.iam.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("Administrators")})
		checkErr(t, err, "NoSuchEntity")
	})
}

func TestAttachAndDetachGroupPolicy(t *testing.T) {
	const admin = "arn:aws:iam::aws:policy/AdministratorAccess"
	tests := []struct {
		name       string
		group      string
		attach     []string
		wantCode   string // of the last attach
		detach     string
		wantDetach string
		wantList   []string
	}{
		{"AdministratorAccess", "Editors", []string{admin}, "", "", "", []string{"AdministratorAccess=" + admin}},
		{"job-function policy keeps its path in the ARN only", "Editors", []string{"arn:aws:iam::aws:policy/job-function/Billing"}, "", "", "", []string{"Billing=arn:aws:iam::aws:policy/job-function/Billing"}},
		{"attached twice is listed once", "Editors", []string{admin, admin}, "", "", "", []string{"AdministratorAccess=" + admin}},
		{"unknown managed policy", "Editors", []string{"arn:aws:iam::aws:policy/NoSuchPolicy"}, "NoSuchEntity", "", "", nil},
		{"customer policy that does not exist", "Editors", []string{"arn:aws:iam::123456789012:policy/Mine"}, "NoSuchEntity", "", "", nil},
		{"malformed ARN", "Editors", []string{"AdministratorAccess"}, "InvalidInput", "", "", nil},
		{"missing group", "Nobody", []string{admin}, "NoSuchEntity", "", "", nil},
		{"detach attached", "Editors", []string{admin}, "", admin, "", nil},
		{"detach not attached", "Editors", nil, "", admin, "NoSuchEntity", nil},
		{"eleventh policy exceeds the quota", "Editors", []string{
			admin, "arn:aws:iam::aws:policy/PowerUserAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess",
			"arn:aws:iam::aws:policy/SecurityAudit", "arn:aws:iam::aws:policy/IAMFullAccess", "arn:aws:iam::aws:policy/IAMReadOnlyAccess",
			"arn:aws:iam::aws:policy/IAMUserChangePassword", "arn:aws:iam::aws:policy/AmazonS3FullAccess", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
			"arn:aws:iam::aws:policy/AmazonEC2FullAccess", "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess",
		}, "LimitExceeded", "", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c := emulated(t, iamsts.ScenarioEmpty)
			step[*iam.CreateGroupOutput](t, "create group")(c.iam.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("Editors")}))
			var err error
			for _, arn := range tc.attach {
				_, err = c.iam.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String(tc.group), PolicyArn: aws.String(arn)})
			}
			checkErr(t, err, tc.wantCode)
			if tc.wantCode != "" {
				return
			}
			if tc.detach != "" {
				_, err = c.iam.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: aws.String(tc.group), PolicyArn: aws.String(tc.detach)})
				checkErr(t, err, tc.wantDetach)
			}
			out, err := c.iam.ListAttachedGroupPolicies(ctx, &iam.ListAttachedGroupPoliciesInput{GroupName: aws.String(tc.group)})
			checkErr(t, err, "")
			var got []string
			for _, p := range out.AttachedPolicies {
				got = append(got, aws.ToString(p.PolicyName)+"="+aws.ToString(p.PolicyArn))
			}
			if strings.Join(got, " ") != strings.Join(tc.wantList, " ") {
				t.Fatalf("attached = %v, want %v", got, tc.wantList)
			}
		})
	}
	t.Run("list for missing group", func(t *testing.T) {
		_, c := emulated(t, iamsts.ScenarioEmpty)
		_, err := c.iam.ListAttachedGroupPolicies(ctx, &iam.ListAttachedGroupPoliciesInput{GroupName: aws.String("Nobody")})
		checkErr(t, err, "NoSuchEntity")
	})
}

func TestGroupMembership(t *testing.T) {
	tests := []struct {
		name       string
		addTo      []string // groups to add alice to, in order
		wantAdd    string   // error of the last add
		removeFrom string
		wantRemove string
		wantGroups []string
	}{
		{"one group", []string{"G1"}, "", "", "", []string{"G1"}},
		{"listed by name", []string{"G2", "G1"}, "", "", "", []string{"G1", "G2"}},
		{"added twice is one membership", []string{"G1", "G1"}, "", "", "", []string{"G1"}},
		{"removed", []string{"G1", "G2"}, "", "G1", "", []string{"G2"}},
		{"removing a non-member", []string{"G1"}, "", "G2", "NoSuchEntity", []string{"G1"}},
		{"missing group", []string{"Nobody"}, "NoSuchEntity", "", "", nil},
		{"eleventh group exceeds the quota", []string{"G1", "G2", "G3", "G4", "G5", "G6", "G7", "G8", "G9", "G10", "G11"}, "LimitExceeded", "", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c := emulated(t, iamsts.ScenarioEmpty)
			step[*iam.CreateUserOutput](t, "create alice")(c.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}))
			for i := 1; i <= 11; i++ {
				name := "G" + strconv.Itoa(i)
				step[*iam.CreateGroupOutput](t, "create "+name)(c.iam.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(name)}))
			}
			var err error
			for _, g := range tc.addTo {
				_, err = c.iam.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String(g), UserName: aws.String("alice")})
			}
			checkErr(t, err, tc.wantAdd)
			if tc.wantAdd != "" {
				return
			}
			if tc.removeFrom != "" {
				_, err = c.iam.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String(tc.removeFrom), UserName: aws.String("alice")})
				checkErr(t, err, tc.wantRemove)
			}
			out, err := c.iam.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("alice")})
			checkErr(t, err, "")
			var got []string
			for _, g := range out.Groups {
				got = append(got, aws.ToString(g.GroupName))
			}
			if strings.Join(got, ",") != strings.Join(tc.wantGroups, ",") {
				t.Fatalf("groups = %v, want %v", got, tc.wantGroups)
			}
		})
	}
	for _, tc := range []struct{ name, call string }{{"add missing user", "add"}, {"remove missing user", "remove"}, {"list for missing user", "list"}} {
		t.Run(tc.name, func(t *testing.T) {
			_, c := emulated(t, iamsts.ScenarioWordPressHardened)
			var err error
			switch tc.call {
			case "add":
				_, err = c.iam.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("Administrators"), UserName: aws.String("nobody")})
			case "remove":
				_, err = c.iam.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("Administrators"), UserName: aws.String("nobody")})
			case "list":
				_, err = c.iam.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("nobody")})
			}
			checkErr(t, err, "NoSuchEntity")
		})
	}
}

func TestGetAccountSummary(t *testing.T) {
	tests := []struct {
		scenario string
		want     map[string]int32
	}{
		{iamsts.ScenarioWordPressFresh, map[string]int32{"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 1, "Users": 1, "Groups": 0, "MFADevices": 0, "MFADevicesInUse": 0, "UsersQuota": 5000}},
		{iamsts.ScenarioWordPressHardened, map[string]int32{"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 0, "Users": 1, "Groups": 1, "MFADevices": 2, "MFADevicesInUse": 2, "AccountSigningCertificatesPresent": 0}},
		{iamsts.ScenarioEmpty, map[string]int32{"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 0, "Users": 0, "Groups": 0}},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			_, c := emulated(t, tc.scenario)
			out, err := c.iam.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
			checkErr(t, err, "")
			for k, want := range tc.want {
				got, ok := out.SummaryMap[k]
				if !ok || got != want {
					t.Errorf("SummaryMap[%s] = %d (present %v), want %d", k, got, ok, want)
				}
			}
		})
	}
	t.Run("unassigned device counts but is not in use", func(t *testing.T) {
		_, c := emulated(t, iamsts.ScenarioEmpty)
		step[*iam.CreateVirtualMFADeviceOutput](t, "create device")(c.iam.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("spare")}))
		out, err := c.iam.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
		checkErr(t, err, "")
		if out.SummaryMap["MFADevices"] != 1 || out.SummaryMap["MFADevicesInUse"] != 0 {
			t.Fatalf("MFADevices %d, in use %d; want 1, 0", out.SummaryMap["MFADevices"], out.SummaryMap["MFADevicesInUse"])
		}
	})
}

func TestCreateVirtualMFADevice(t *testing.T) {
	tests := []struct {
		name       string
		deviceName string
		path       string
		wantSerial string
		wantCode   string
	}{
		{"named after the user", "alice", "", "arn:aws:iam::123456789012:mfa/alice", ""},
		{"with a path", "alice", "/team/", "arn:aws:iam::123456789012:mfa/team/alice", ""},
		{"name taken", "administrator", "", "", "EntityAlreadyExists"},
		{"invalid name", "alice's phone", "", "", "ValidationError"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c := emulated(t, iamsts.ScenarioWordPressHardened)
			in := &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(tc.deviceName)}
			if tc.path != "" {
				in.Path = aws.String(tc.path)
			}
			out, err := c.iam.CreateVirtualMFADevice(ctx, in)
			checkErr(t, err, tc.wantCode)
			if tc.wantCode != "" {
				return
			}
			d := out.VirtualMFADevice
			seed := string(d.Base32StringSeed)
			if aws.ToString(d.SerialNumber) != tc.wantSerial || len(seed) != 64 || !isBase32(seed) {
				t.Fatalf("device = serial %s seed %q, want %s and a 64-character base32 seed", aws.ToString(d.SerialNumber), seed, tc.wantSerial)
			}
			if !bytes.HasPrefix(d.QRCodePNG, []byte("\x89PNG\r\n\x1a\n")) {
				t.Fatalf("QRCodePNG does not start with the PNG signature: % x", d.QRCodePNG[:min(8, len(d.QRCodePNG))])
			}
		})
	}
}

func TestEnableMFADevice(t *testing.T) {
	tests := []struct {
		name     string
		userName string
		device   string // "new" creates one; otherwise an existing serial
		codes    func(seed string) (string, string)
		wantCode string
	}{
		{"current and next code", "alice", "new", codes, ""},
		{"wrong codes", "alice", "new", func(string) (string, string) { return "123456", "654321" }, "InvalidAuthenticationCode"},
		{"codes swapped", "alice", "new", func(seed string) (string, string) { a, b := codes(seed); return b, a }, "InvalidAuthenticationCode"},
		{"codes of another seed", "alice", "new", func(string) (string, string) { return codes("JBSWY3DPEHPK3PXP") }, "InvalidAuthenticationCode"},
		{"five-digit code", "alice", "new", func(string) (string, string) { return "12345", "123456" }, "ValidationError"},
		{"missing user", "nobody", "new", codes, "NoSuchEntity"},
		{"missing device", "alice", "arn:aws:iam::123456789012:mfa/nothing", codes, "NoSuchEntity"},
		{"device already enabled for someone", "alice", "arn:aws:iam::123456789012:mfa/administrator", codes, "EntityAlreadyExists"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc, c := emulated(t, iamsts.ScenarioWordPressHardened)
			step[*iam.CreateUserOutput](t, "create alice")(c.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}))
			serial, seed := tc.device, "JBSWY3DPEHPK3PXP"
			if tc.device == "new" {
				dev := step[*iam.CreateVirtualMFADeviceOutput](t, "create device")(c.iam.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("alice")}))
				serial, seed = aws.ToString(dev.VirtualMFADevice.SerialNumber), string(dev.VirtualMFADevice.Base32StringSeed)
			}
			code1, code2 := tc.codes(seed)
			_, err := c.iam.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{
				UserName: aws.String(tc.userName), SerialNumber: aws.String(serial),
				AuthenticationCode1: aws.String(code1), AuthenticationCode2: aws.String(code2),
			})
			checkErr(t, err, tc.wantCode)
			list, err := c.iam.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String("alice")})
			checkErr(t, err, "")
			wantListed := tc.wantCode == ""
			if got := len(list.MFADevices) == 1 && aws.ToString(list.MFADevices[0].SerialNumber) == serial && list.MFADevices[0].EnableDate != nil; got != wantListed {
				t.Fatalf("alice's devices = %+v, want device listed %v", list.MFADevices, wantListed)
			}
			if wantListed && svc.Snapshot().MFA[serial].UserName != "alice" {
				t.Fatalf("snapshot does not assign %s to alice", serial)
			}
		})
	}
}

func TestListMFADevices(t *testing.T) {
	tests := []struct {
		name       string
		scenario   string
		userName   string
		wantSerial []string
		wantCode   string
	}{
		{"administrator", iamsts.ScenarioWordPressHardened, "administrator", []string{"arn:aws:iam::123456789012:mfa/administrator"}, ""},
		{"no name: the calling user", iamsts.ScenarioWordPressHardened, "", []string{"arn:aws:iam::123456789012:mfa/administrator"}, ""},
		{"no name, root caller without MFA", iamsts.ScenarioWordPressFresh, "", nil, ""},
		{"missing user", iamsts.ScenarioWordPressFresh, "administrator", nil, "NoSuchEntity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c := emulated(t, tc.scenario)
			in := &iam.ListMFADevicesInput{}
			if tc.userName != "" {
				in.UserName = aws.String(tc.userName)
			}
			out, err := c.iam.ListMFADevices(ctx, in)
			checkErr(t, err, tc.wantCode)
			if tc.wantCode != "" {
				return
			}
			var got []string
			for _, d := range out.MFADevices {
				got = append(got, aws.ToString(d.SerialNumber))
			}
			if strings.Join(got, ",") != strings.Join(tc.wantSerial, ",") {
				t.Fatalf("devices = %v, want %v", got, tc.wantSerial)
			}
		})
	}
}

func TestDeactivateAndDeleteMFADevice(t *testing.T) {
	const adminMFA = "arn:aws:iam::123456789012:mfa/administrator"
	tests := []struct {
		name           string
		deactivate     bool
		deactivateUser string
		deactivateOf   string
		wantDeactivate string
		deleteSerial   string
		wantDelete     string
	}{
		{"delete while enabled", false, "", "", "", adminMFA, "DeleteConflict"},
		{"deactivate then delete", true, "administrator", adminMFA, "", adminMFA, ""},
		{"deactivate for the wrong user", true, "alice", adminMFA, "NoSuchEntity", adminMFA, "DeleteConflict"},
		{"deactivate a missing device", true, "administrator", "arn:aws:iam::123456789012:mfa/nothing", "NoSuchEntity", adminMFA, "DeleteConflict"},
		{"delete a missing device", false, "", "", "", "arn:aws:iam::123456789012:mfa/nothing", "NoSuchEntity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc, c := emulated(t, iamsts.ScenarioWordPressHardened)
			step[*iam.CreateUserOutput](t, "create alice")(c.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}))
			if tc.deactivate {
				_, err := c.iam.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: aws.String(tc.deactivateUser), SerialNumber: aws.String(tc.deactivateOf)})
				checkErr(t, err, tc.wantDeactivate)
			}
			_, err := c.iam.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(tc.deleteSerial)})
			checkErr(t, err, tc.wantDelete)
			_, exists := svc.Snapshot().MFA[adminMFA]
			if wantExists := !(tc.deleteSerial == adminMFA && tc.wantDelete == ""); exists != wantExists {
				t.Fatalf("administrator's device exists = %v, want %v", exists, wantExists)
			}
		})
	}
}

func TestListAccessKeys(t *testing.T) {
	tests := []struct {
		name     string
		scenario string
		userName string
		wantKeys int
		wantCode string
	}{
		{"fresh account, root caller: root's key", iamsts.ScenarioWordPressFresh, "", 1, ""},
		{"hardened account, administrator: none", iamsts.ScenarioWordPressHardened, "", 0, ""},
		{"named user without keys", iamsts.ScenarioWordPressHardened, "administrator", 0, ""},
		{"missing user", iamsts.ScenarioWordPressFresh, "nobody", 0, "NoSuchEntity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c := emulated(t, tc.scenario)
			in := &iam.ListAccessKeysInput{}
			if tc.userName != "" {
				in.UserName = aws.String(tc.userName)
			}
			out, err := c.iam.ListAccessKeys(ctx, in)
			checkErr(t, err, tc.wantCode)
			if tc.wantCode != "" {
				return
			}
			if len(out.AccessKeyMetadata) != tc.wantKeys {
				t.Fatalf("keys = %+v, want %d", out.AccessKeyMetadata, tc.wantKeys)
			}
			for _, k := range out.AccessKeyMetadata {
				if !strings.HasPrefix(aws.ToString(k.AccessKeyId), "AKIA") || len(aws.ToString(k.AccessKeyId)) != 20 || k.Status != "Active" {
					t.Fatalf("key = %+v, want an active 20-character AKIA id", k)
				}
			}
		})
	}
}
