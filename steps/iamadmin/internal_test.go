package iamadmin

import (
	"net/url"
	"strings"
	"testing"

	"rsc.io/qr"

	"github.com/hardsail/hardsail/steps"
)

func TestNewPassword(t *testing.T) {
	seen := map[string]bool{}
	for _, n := range []int{PasswordLength, MaxPasswordLength} {
		for range 50 {
			p, err := NewPassword(n)
			if err != nil {
				t.Fatal(err)
			}
			if len(p) != n || !hasEveryClass(p) {
				t.Fatalf("password of %d characters, every class %v; want %d and all four classes", len(p), hasEveryClass(p), n)
			}
			if strings.ContainsAny(p, "Il1O0'\"` ") {
				t.Fatalf("password holds a look-alike, quote or space")
			}
			if seen[p] {
				t.Fatal("the same password came out twice")
			}
			seen[p] = true
		}
	}
	if _, err := NewPassword(3); err == nil {
		t.Error("a 3-character password was accepted; it cannot hold four classes")
	}
}

func TestMFAScreen(t *testing.T) {
	const seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	uri := otpauthURI("123456789012", "administrator", seed)
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/AWS:administrator@123456789012" ||
		u.Query().Get("secret") != seed || u.Query().Get("issuer") != "AWS" {
		t.Fatalf("otpauth URI %s", uri)
	}
	screen := mfaScreen(uri, seed)
	lines := strings.Split(screen, "\n")
	if !strings.ContainsAny(screen, "▀▄") || len(lines) > 32 {
		t.Errorf("the QR code is not drawn in half blocks within 32 lines:\n%s", screen)
	}
	if !strings.Contains(screen, "    JBSW Y3DP EHPK 3PXP") {
		t.Errorf("the secret is not shown as text in groups of four:\n%s", screen)
	}
	for _, l := range lines {
		if n := len([]rune(l)); n > 80 {
			t.Errorf("a line is %d columns wide, more than a standard terminal:\n%s", n, l)
		}
	}
}

func TestCheckCode(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"123456", true}, {" 123 456 ", true}, {"12345", false}, {"1234567", false}, {"12a456", false}, {"", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if err := checkCode(tc.in); (err == nil) != tc.ok {
				t.Errorf("checkCode(%q) = %v, want ok %v", tc.in, err, tc.ok)
			}
		})
	}
}

func TestPlan(t *testing.T) {
	fresh := Facts{Account: "123456789012", Group: GroupFact{Name: GroupName}, User: UserFact{Name: "administrator"}}
	done := fresh
	done.Group = GroupFact{Name: GroupName, Exists: true, HasPolicy: true, Members: []string{"Administrator"}}
	done.User = UserFact{Name: "administrator", Exists: true, LoginProfile: true, MFADevices: []string{"arn:aws:iam::123456789012:mfa/administrator"}}
	noMFA := done
	noMFA.User.MFADevices = nil
	withAsk := func(f Facts) Facts { f.CanEnrolMFA = true; return f }
	tests := []struct {
		name  string
		facts Facts
		want  []string
	}{
		{"fresh account at a terminal", withAsk(fresh), []string{"iam:group/Administrators", "iam:group/Administrators/policy/AdministratorAccess",
			"iam:user/administrator", "iam:user/administrator/group/Administrators", "iam:user/administrator/login-profile", "iam:user/administrator/mfa"}},
		{"fresh account off a terminal: no MFA change", fresh, []string{"iam:group/Administrators", "iam:group/Administrators/policy/AdministratorAccess",
			"iam:user/administrator", "iam:user/administrator/group/Administrators", "iam:user/administrator/login-profile"}},
		{"compliant, member name in another case", withAsk(done), nil},
		{"only MFA missing", withAsk(noMFA), []string{"iam:user/administrator/mfa"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New().Plan(steps.State{Step: ID, Facts: tc.facts}, steps.Settings{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range p.Changes {
				if c.Action != steps.Create || c.Why == "" {
					t.Errorf("change %s: action %s, why %q", c.Address, c.Action, c.Why)
				}
				if c.Sensitive != strings.HasSuffix(c.Address, "/login-profile") {
					t.Errorf("change %s: sensitive %v", c.Address, c.Sensitive)
				}
				got = append(got, c.Address)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("plan %q, want %q", got, tc.want)
			}
		})
	}
}

// TestQRCodeEncodesURI reads the half blocks back into modules and compares them with the QR code
// of the otpauth URI: what the phone scans is the URI, module for module.
func TestQRCodeEncodesURI(t *testing.T) {
	const seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	uri := otpauthURI("123456789012", "administrator", seed)
	code, err := qr.Encode(uri, qr.L)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(mfaScreen(uri, seed), "\n")
	// One line of quiet zone above, then two module rows per line after two columns of quiet zone.
	const quiet = 2
	dark := func(x, y int) bool {
		row := []rune(lines[1+y/2])
		c := row[quiet+x]
		top := c == ' ' || c == '▄'
		bottom := c == ' ' || c == '▀'
		if y%2 == 0 {
			return top
		}
		return bottom
	}
	for y := range code.Size {
		for x := range code.Size {
			// The terminal draws dark modules in the background colour (spaces), light ones in blocks.
			if dark(x, y) != code.Black(x, y) {
				t.Fatalf("module (%d,%d) is drawn dark=%v, the QR code of the URI has black=%v", x, y, dark(x, y), code.Black(x, y))
			}
		}
	}
}
