package iamsts_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/hardsail/hardsail/internal/emulator/iamsts"
	"github.com/hardsail/hardsail/internal/moto"
)

// seeded is an empty account with users seeded straight into it, and SDK clients to it.
func seeded(t *testing.T, users ...iamsts.SeedUser) (*iamsts.Service, clients) {
	t.Helper()
	svc, c := emulated(t, iamsts.ScenarioEmpty)
	for _, u := range users {
		if _, err := svc.AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
	return svc, c
}

func TestListUsers(t *testing.T) {
	var users []iamsts.SeedUser
	for _, n := range []string{"erin", "alice", "dave", "carol", "bob"} {
		users = append(users, iamsts.SeedUser{Name: n})
	}
	_, c := seeded(t, users...)
	names := func(out *iam.ListUsersOutput) string {
		var s []string
		for _, u := range out.Users {
			s = append(s, aws.ToString(u.UserName))
		}
		return strings.Join(s, ",")
	}

	all, err := c.iam.ListUsers(ctx, &iam.ListUsersInput{})
	checkErr(t, err, "")
	if names(all) != "alice,bob,carol,dave,erin" || all.IsTruncated || all.Marker != nil {
		t.Fatalf("ListUsers = %s truncated %v marker %v, want every user by name on one page", names(all), all.IsTruncated, all.Marker)
	}
	if u := all.Users[0]; aws.ToString(u.Arn) != "arn:aws:iam::"+account+":user/alice" || aws.ToString(u.Path) != "/" ||
		!strings.HasPrefix(aws.ToString(u.UserId), "AIDA") || !aws.ToTime(u.CreateDate).Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("first user %+v: not alice's ARN, path, id and creation date", u)
	}

	// Pages of two: the marker carries on where the last page stopped, and the last page has none.
	var got []string
	in := &iam.ListUsersInput{MaxItems: aws.Int32(2)}
	for page := 1; ; page++ {
		out, err := c.iam.ListUsers(ctx, in)
		checkErr(t, err, "")
		got = append(got, names(out))
		if out.IsTruncated != (out.Marker != nil) {
			t.Fatalf("page %d: truncated %v but marker %v", page, out.IsTruncated, out.Marker)
		}
		if !out.IsTruncated {
			break
		}
		in.Marker = out.Marker
	}
	if strings.Join(got, "|") != "alice,bob|carol,dave|erin" {
		t.Errorf("pages %q, want alice,bob|carol,dave|erin", got)
	}

	// The SDK's paginator reads every page.
	var paged []string
	p := iam.NewListUsersPaginator(c.iam, &iam.ListUsersInput{MaxItems: aws.Int32(1)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		checkErr(t, err, "")
		paged = append(paged, names(out))
	}
	if strings.Join(paged, ",") != "alice,bob,carol,dave,erin" {
		t.Errorf("paginator read %v", paged)
	}

	for _, tc := range []struct {
		name string
		in   *iam.ListUsersInput
		want string // the users, or the error code
	}{
		{"path prefix of all", &iam.ListUsersInput{PathPrefix: aws.String("/")}, "alice,bob,carol,dave,erin"},
		{"path prefix of none", &iam.ListUsersInput{PathPrefix: aws.String("/ci/")}, ""},
		{"max items 0", &iam.ListUsersInput{MaxItems: aws.Int32(0)}, "ValidationError"},
		{"max items 1001", &iam.ListUsersInput{MaxItems: aws.Int32(1001)}, "ValidationError"},
		{"max items 1000", &iam.ListUsersInput{MaxItems: aws.Int32(1000)}, "alice,bob,carol,dave,erin"},
		{"marker not ours", &iam.ListUsersInput{Marker: aws.String("!!")}, "ValidationError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.iam.ListUsers(ctx, tc.in)
			got := errorCode(err)
			if err == nil {
				got = names(out)
			}
			if got != tc.want {
				t.Errorf("ListUsers = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestGetAccessKeyLastUsed(t *testing.T) {
	used := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	svc, c := seeded(t, iamsts.SeedUser{Name: "ci", Keys: []iamsts.SeedKey{{LastUsed: used, Service: "lightsail", Region: "eu-west-1"}, {}}})
	keys := svc.Snapshot().Users["ci"].AccessKeys
	if len(keys) != 2 {
		t.Fatalf("seeded %d keys, want 2", len(keys))
	}
	for _, tc := range []struct {
		name, id string
		want     string // user, date, service, region; or the error code
	}{
		{"used", keys[0].ID, "ci 2026-03-04T05:06:07Z lightsail eu-west-1"},
		{"never used", keys[1].ID, "ci - N/A N/A"},
		// moto's code; the SDK models no error for this operation, so it stays untyped.
		{"no such key", "AKIAIOSFODNN7EXAMPLE", "NoSuchEntity"},
		{"no key id", "", "ValidationError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.iam.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(tc.id)})
			got := errorCode(err)
			if err == nil {
				lu := out.AccessKeyLastUsed
				date := "-"
				if lu.LastUsedDate != nil {
					date = lu.LastUsedDate.UTC().Format(time.RFC3339)
				}
				got = fmt.Sprintf("%s %s %s %s", aws.ToString(out.UserName), date, aws.ToString(lu.ServiceName), aws.ToString(lu.Region))
			}
			if got != tc.want {
				t.Errorf("GetAccessKeyLastUsed = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestAddUser seeds what the audit reads: a console password, an enabled MFA device, keys with
// their dates and status; and refuses what IAM would.
func TestAddUser(t *testing.T) {
	created := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	svc, c := seeded(t, iamsts.SeedUser{Name: "bob", Created: created, Console: true, MFA: true,
		Keys: []iamsts.SeedKey{{Inactive: true}, {Created: created.AddDate(0, 1, 0)}}})
	_, err := c.iam.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("bob")})
	checkErr(t, err, "")
	mfa, err := c.iam.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String("bob")})
	checkErr(t, err, "")
	keys, err := c.iam.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("bob")})
	checkErr(t, err, "")
	if len(mfa.MFADevices) != 1 || len(keys.AccessKeyMetadata) != 2 || keys.AccessKeyMetadata[0].Status != "Inactive" ||
		!aws.ToTime(keys.AccessKeyMetadata[0].CreateDate).Equal(created) || !aws.ToTime(keys.AccessKeyMetadata[1].CreateDate).Equal(created.AddDate(0, 1, 0)) {
		t.Errorf("MFA %+v, keys %+v: want one device, an inactive key from the user's creation and an active one a month later", mfa.MFADevices, keys.AccessKeyMetadata)
	}
	sum, err := c.iam.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	checkErr(t, err, "")
	if sum.SummaryMap["Users"] != 1 || sum.SummaryMap["MFADevicesInUse"] != 1 {
		t.Errorf("summary %v, want 1 user and 1 device in use", sum.SummaryMap)
	}
	for _, bad := range []iamsts.SeedUser{
		{Name: "BOB"},
		{Name: "no spaces"},
		{Name: "three", Keys: make([]iamsts.SeedKey, 3)},
	} {
		if _, err := svc.AddUser(bad); err == nil {
			t.Errorf("AddUser(%+v) was accepted", bad)
		}
	}
}

// accountSeed puts users ci (a key used once, with STS) and plugin (a key never used) into an
// account; how depends on the implementation.
type accountSeed func(t *testing.T, c clients)

// accountAgreementRun performs the account audit's reads (the iam-users step) on an account with
// a console user with MFA, one without, and the two users seed adds.
func accountAgreementRun(t *testing.T, c clients, seed accountSeed) []observation {
	t.Helper()
	var obs []observation
	record := func(step, format string, args ...any) {
		obs = append(obs, observation{step, fmt.Sprintf(format, args...)})
	}
	for _, u := range []string{"alice", "bob"} {
		step[*iam.CreateUserOutput](t, "create "+u)(c.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)}))
		step[*iam.CreateLoginProfileOutput](t, "password of "+u)(c.iam.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String(u), Password: aws.String("Tr0ub4dor&3-horse")}))
	}
	dev := step[*iam.CreateVirtualMFADeviceOutput](t, "device")(c.iam.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("alice")}))
	c1, c2 := codes(string(dev.VirtualMFADevice.Base32StringSeed))
	step[*iam.EnableMFADeviceOutput](t, "enable device")(c.iam.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("alice"),
		SerialNumber: dev.VirtualMFADevice.SerialNumber, AuthenticationCode1: aws.String(c1), AuthenticationCode2: aws.String(c2)}))
	seed(t, c)

	list := func(in *iam.ListUsersInput) string {
		out, err := c.iam.ListUsers(ctx, in)
		if err != nil {
			return "err=" + errorCode(err)
		}
		var names []string
		for _, u := range out.Users {
			names = append(names, aws.ToString(u.UserName)+"@"+aws.ToString(u.Path))
		}
		return fmt.Sprintf("%v truncated=%v marker=%v", names, out.IsTruncated, out.Marker != nil)
	}
	record("ListUsers", "%s", list(&iam.ListUsersInput{}))
	record("ListUsers first page of 1", "%s", list(&iam.ListUsersInput{MaxItems: aws.Int32(1)}))
	record("ListUsers path prefix", "%s", list(&iam.ListUsersInput{PathPrefix: aws.String("/ci/")}))
	var paged []string
	for p := iam.NewListUsersPaginator(c.iam, &iam.ListUsersInput{MaxItems: aws.Int32(1)}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			paged = append(paged, "err="+errorCode(err))
			break
		}
		for _, u := range out.Users {
			paged = append(paged, aws.ToString(u.UserName))
		}
	}
	record("ListUsers paginated by 1", "%v", paged)

	for _, u := range []string{"alice", "bob", "ci", "plugin", "nobody"} {
		_, err := c.iam.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String(u)})
		record("GetLoginProfile "+u, "err=%s", errorCode(err))
		mfa, err := c.iam.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String(u)})
		if err != nil {
			mfa = &iam.ListMFADevicesOutput{}
		}
		record("ListMFADevices "+u, "n=%d err=%s", len(mfa.MFADevices), errorCode(err))
		keys, err := c.iam.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(u)})
		if err != nil {
			keys = &iam.ListAccessKeysOutput{}
		}
		record("ListAccessKeys "+u, "n=%d err=%s", len(keys.AccessKeyMetadata), errorCode(err))
		for _, k := range keys.AccessKeyMetadata {
			record("ListAccessKeys "+u+" key", "user=%s status=%s dated=%v", aws.ToString(k.UserName), k.Status, k.CreateDate != nil)
			lu, err := c.iam.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: k.AccessKeyId})
			if err != nil {
				record("GetAccessKeyLastUsed "+u, "err=%s", errorCode(err))
				continue
			}
			l := lu.AccessKeyLastUsed
			record("GetAccessKeyLastUsed "+u, "user=%s dated=%v service=%s region=%s", aws.ToString(lu.UserName), l.LastUsedDate != nil, aws.ToString(l.ServiceName), aws.ToString(l.Region))
		}
	}
	_, err := c.iam.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String("AKIAIOSFODNN7EXAMPLE")})
	record("GetAccessKeyLastUsed unknown key", "err=%s", errorCode(err))
	return obs
}

// TestAccountReadsAgreeWithMoto runs the account audit's reads against moto_server and the
// emulator. moto makes keys with CreateAccessKey and marks one used by signing a request with it;
// the emulator, which issues no secrets, has them seeded.
func TestAccountReadsAgreeWithMoto(t *testing.T) {
	endpoint := moto.Start(t)
	motoObs := normalise(accountAgreementRun(t, newClients(endpoint), func(t *testing.T, c clients) {
		var ci *iam.CreateAccessKeyOutput
		for _, u := range []string{"ci", "plugin"} {
			step[*iam.CreateUserOutput](t, "create "+u)(c.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)}))
			ci = step[*iam.CreateAccessKeyOutput](t, "key of "+u)(c.iam.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(u)}))
			if u == "ci" {
				k := ci.AccessKey
				signed := sts.NewFromConfig(aws.Config{Region: "us-east-1", RetryMaxAttempts: 1,
					Credentials: credentials.NewStaticCredentialsProvider(aws.ToString(k.AccessKeyId), aws.ToString(k.SecretAccessKey), "")},
					func(o *sts.Options) { o.BaseEndpoint = aws.String(endpoint) })
				step[*sts.GetCallerIdentityOutput](t, "use ci's key")(signed.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
			}
		}
	}))
	svc, c := emulated(t, iamsts.ScenarioEmpty)
	emuObs := normalise(accountAgreementRun(t, c, func(t *testing.T, _ clients) {
		for _, u := range []iamsts.SeedUser{
			{Name: "ci", Created: time.Now(), Keys: []iamsts.SeedKey{{LastUsed: time.Now(), Service: "sts", Region: "us-east-1"}}},
			{Name: "plugin", Created: time.Now(), Keys: []iamsts.SeedKey{{}}},
		} {
			if _, err := svc.AddUser(u); err != nil {
				t.Fatal(err)
			}
		}
	}))
	agree(t, emuObs, motoObs)
}
