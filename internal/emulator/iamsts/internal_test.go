package iamsts

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// RFC 6238 appendix B, SHA-1 column, last six digits; the seed is base32 of "12345678901234567890".
func TestTOTPMatchesRFC6238Vectors(t *testing.T) {
	const seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	tests := []struct {
		name string
		unix int64
		want string
	}{
		{"59", 59, "287082"},
		{"1111111109", 1111111109, "081804"},
		{"1111111111", 1111111111, "050471"},
		{"1234567890", 1234567890, "005924"},
		{"2000000000", 2000000000, "279037"},
		{"20000000000", 20000000000, "353130"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := TOTP(seed, time.Unix(tc.unix, 0)); got != tc.want {
				t.Fatalf("TOTP at %d = %q, want %q", tc.unix, got, tc.want)
			}
			if got := TOTP(strings.ToLower(seed), time.Unix(tc.unix, 0)); got != tc.want {
				t.Fatalf("lower-case seed: TOTP at %d = %q, want %q", tc.unix, got, tc.want)
			}
		})
	}
	if got := TOTP("not base32!", time.Unix(59, 0)); got != "" {
		t.Fatalf("TOTP of an invalid seed = %q, want empty", got)
	}
}

func TestConsecutiveCodesAllowOneStepOfSkew(t *testing.T) {
	const seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	now := time.Unix(1_800_000_015, 0) // mid-step, so ±1 s cannot change the answer
	at := func(steps int) string { return TOTP(seed, now.Add(time.Duration(steps)*totpStep)) }
	tests := []struct {
		name         string
		code1, code2 string
		want         bool
	}{
		{"previous and current step", at(-1), at(0), true},
		{"current and next step", at(0), at(1), true},
		{"two steps ago and previous (one step of skew)", at(-2), at(-1), true},
		{"next two steps (too far ahead)", at(1), at(2), false},
		{"three and two steps ago (too old)", at(-3), at(-2), false},
		{"same code twice", at(0), at(0), false},
		{"reversed order", at(0), at(-1), false},
		{"not consecutive", at(-1), at(1), false},
		{"wrong digits", "000000", "000000", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.code1 == "000000" && (at(-1) == "000000" || at(0) == "000000") {
				t.Fatal("test seed happens to produce 000000; pick another seed")
			}
			if got := consecutiveCodesMatch(seed, now, tc.code1, tc.code2); got != tc.want {
				t.Fatalf("consecutiveCodesMatch(%s, %s) = %v, want %v", tc.code1, tc.code2, got, tc.want)
			}
		})
	}
}

func TestEnableMFADeviceChecksCodesAgainstTheServiceClock(t *testing.T) {
	s := New("123456789012")
	clock := time.Unix(1_800_000_015, 0)
	s.now = func() time.Time { return clock }
	s.Handle("iam", "CreateUser", url.Values{"UserName": {"alice"}})
	s.Handle("iam", "CreateVirtualMFADevice", url.Values{"VirtualMFADeviceName": {"alice"}})
	serial := "arn:aws:iam::123456789012:mfa/alice"
	seed := s.Snapshot().MFA[serial].Base32Seed
	enable := func(t1, t2 time.Time) int {
		status, _ := s.Handle("iam", "EnableMFADevice", url.Values{
			"UserName": {"alice"}, "SerialNumber": {serial},
			"AuthenticationCode1": {TOTP(seed, t1)}, "AuthenticationCode2": {TOTP(seed, t2)},
		})
		return status
	}
	// Codes from an hour ago are refused even though they were once consecutive.
	if got := enable(clock.Add(-time.Hour), clock.Add(-time.Hour+totpStep)); got != http.StatusForbidden {
		t.Fatalf("stale codes: status %d, want 403", got)
	}
	if got := enable(clock.Add(-totpStep), clock); got != http.StatusOK {
		t.Fatalf("current codes: status %d, want 200", got)
	}
	if d := s.Snapshot().MFA[serial]; d.UserName != "alice" || !d.EnableDate.Equal(clock) {
		t.Fatalf("device after enable = %+v, want assigned to alice at %s", d, clock)
	}
}

func TestSnapshotIsADeepCopy(t *testing.T) {
	s := New("123456789012")
	if err := s.LoadScenario(ScenarioWordPressHardened); err != nil {
		t.Fatal(err)
	}
	before := s.Snapshot()
	snap := s.Snapshot()
	snap.Groups["Administrators"].Members[0] = "mallory"
	snap.Users["administrator"].LoginProfile.PasswordResetRequired = true
	snap.Root.MFASerial = ""
	delete(snap.MFA, "arn:aws:iam::123456789012:mfa/administrator")
	if after := s.Snapshot(); !reflect.DeepEqual(before, after) {
		t.Fatalf("editing a snapshot changed the service:\nbefore %+v\nafter  %+v", before, after)
	}
}

func TestReadOnlyActionsLeaveStateUnchanged(t *testing.T) {
	reads := []struct {
		service, action string
		form            url.Values
	}{
		{"sts", "GetCallerIdentity", nil},
		{"iam", "GetUser", nil},
		{"iam", "GetUser", url.Values{"UserName": {"administrator"}}},
		{"iam", "GetGroup", url.Values{"GroupName": {"Administrators"}}},
		{"iam", "GetLoginProfile", url.Values{"UserName": {"administrator"}}},
		{"iam", "ListAttachedGroupPolicies", url.Values{"GroupName": {"Administrators"}}},
		{"iam", "ListGroupsForUser", url.Values{"UserName": {"administrator"}}},
		{"iam", "ListMFADevices", url.Values{"UserName": {"administrator"}}},
		{"iam", "ListAccessKeys", nil},
		{"iam", "GetAccountSummary", nil},
	}
	s := New("123456789012")
	if err := s.LoadScenario(ScenarioWordPressHardened); err != nil {
		t.Fatal(err)
	}
	for _, r := range reads {
		t.Run(r.action, func(t *testing.T) {
			if IsMutating(r.service, r.action) {
				t.Fatalf("IsMutating(%s, %s) = true for a read", r.service, r.action)
			}
			before := s.Snapshot()
			if status, body := s.Handle(r.service, r.action, r.form); status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			if after := s.Snapshot(); !reflect.DeepEqual(before, after) {
				t.Fatalf("%s changed state", r.action)
			}
		})
	}
}

func TestIsMutating(t *testing.T) {
	tests := []struct {
		service, action string
		want            bool
	}{
		{"iam", "CreateUser", true},
		{"iam", "AttachGroupPolicy", true},
		{"iam", "EnableMFADevice", true},
		{"iam", "DeactivateMFADevice", true},
		{"iam", "RemoveUserFromGroup", true},
		{"iam", "GetAccountSummary", false},
		{"iam", "ListMFADevices", false},
		{"iam", "SomeFutureAction", true},
		{"sts", "GetCallerIdentity", false},
		{"sts", "AssumeRole", true},
		{"lightsail", "GetInstances", true},
	}
	for _, tc := range tests {
		t.Run(tc.service+"/"+tc.action, func(t *testing.T) {
			if got := IsMutating(tc.service, tc.action); got != tc.want {
				t.Fatalf("IsMutating = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLoadScenario(t *testing.T) {
	tests := []struct {
		name       string
		wantCaller string
		wantUsers  int
		wantGroups int
		wantMFA    bool
		wantKeys   int
		wantErr    bool
	}{
		{name: ScenarioEmpty, wantCaller: "arn:aws:iam::123456789012:root"},
		{name: ScenarioWordPressFresh, wantCaller: "arn:aws:iam::123456789012:root", wantKeys: 1, wantUsers: 1},
		{name: ScenarioWordPressHardened, wantCaller: "arn:aws:iam::123456789012:user/administrator", wantUsers: 1, wantGroups: 1, wantMFA: true},
		{name: "wordpress-typo", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := New("123456789012")
			s.Handle("iam", "CreateUser", url.Values{"UserName": {"leftover"}})
			err := s.LoadScenario(tc.name)
			if (err != nil) != tc.wantErr {
				t.Fatalf("LoadScenario(%q) error = %v, want error %v", tc.name, err, tc.wantErr)
			}
			if tc.wantErr {
				if !strings.Contains(err.Error(), tc.name) {
					t.Fatalf("error %q does not name the scenario", err)
				}
				return
			}
			st := s.Snapshot()
			if st.CallerARN != tc.wantCaller || s.CallerARN() != tc.wantCaller {
				t.Errorf("caller = %q, want %q", st.CallerARN, tc.wantCaller)
			}
			if len(st.Users) != tc.wantUsers || len(st.Groups) != tc.wantGroups || len(st.Root.AccessKeys) != tc.wantKeys || (st.Root.MFASerial != "") != tc.wantMFA {
				t.Errorf("state = %d users, %d groups, %d root keys, root MFA %q; want %d, %d, %d, %v",
					len(st.Users), len(st.Groups), len(st.Root.AccessKeys), st.Root.MFASerial, tc.wantUsers, tc.wantGroups, tc.wantKeys, tc.wantMFA)
			}
		})
	}
}

func TestHandleRejectsUnknownActions(t *testing.T) {
	tests := []struct{ service, action string }{
		{"iam", "CreateRole"},
		{"sts", "AssumeRoleWithSAML"},
		{"s3", "ListBuckets"},
	}
	for _, tc := range tests {
		t.Run(tc.service+"/"+tc.action, func(t *testing.T) {
			status, body := New("123456789012").Handle(tc.service, tc.action, nil)
			if status != http.StatusBadRequest || !strings.Contains(string(body), "<Code>InvalidAction</Code>") {
				t.Fatalf("status %d body %s, want 400 InvalidAction", status, body)
			}
		})
	}
}
