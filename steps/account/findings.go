package account

import (
	"fmt"
	"math"
	"time"

	"github.com/hardsail/hardsail/steps"
	"github.com/hardsail/hardsail/steps/iamadmin"
)

// credentials is where in the IAM console a user's password, MFA and keys are managed.
func credentials(user string) string {
	return "IAM console → Users → " + user + " → Security credentials"
}

// findings report each console user without MFA, and each active access key that is old or was
// never used. A key that was never used is reported as unused only: deleting it, not rotating it,
// is the fix. Inactive keys sign nothing and are left out.
func findings(f Facts, now time.Time) []steps.Finding {
	var out []steps.Finding
	for _, u := range f.Users {
		if u.Console && !u.MFA {
			out = append(out, consoleWithoutMFA(u.Name, u.Name == f.Admin))
		}
		for _, k := range u.Keys {
			if fd, ok := keyFinding(u.Name, k, now); ok {
				out = append(out, fd)
			}
		}
	}
	return out
}

func consoleWithoutMFA(user string, admin bool) steps.Finding {
	fix := credentials(user) + " → Multi-factor authentication (MFA) → Assign MFA device."
	if admin {
		fix = "Run `hardsail apply " + iamadmin.ID + "`: it enrols the MFA device of the administrator user it manages."
	}
	return steps.Finding{ID: FindingConsoleWithoutMFA, Severity: "warning",
		Message: "IAM user " + user + " can sign in to the AWS console with a password and no MFA device: the password alone is enough to act as it.",
		Fix:     fix}
}

// keyFinding is the finding for an active key never used after UnusedGrace days, or older than MaxKeyAge days.
func keyFinding(user string, k Key, now time.Time) (steps.Finding, bool) {
	age := days(now.Sub(k.Created))
	what := fmt.Sprintf("Access key %s of IAM user %s", k.ID, user)
	keys := credentials(user) + " → Access keys"
	switch {
	case !k.Active:
		return steps.Finding{}, false
	case k.LastUsed.IsZero() && age >= UnusedGrace:
		return steps.Finding{ID: FindingAccessKeyUnused, Severity: "warning",
			Message: fmt.Sprintf("%s was created %s, %d days ago, and has never been used.", what, date(k.Created), age),
			Fix:     "If nothing needs it, delete it: " + keys + " → Actions → Deactivate, then Delete."}, true
	case age > MaxKeyAge && !k.LastUsed.IsZero():
		return steps.Finding{ID: FindingAccessKeyOld, Severity: "warning",
			Message: fmt.Sprintf("%s is %d days old (created %s, last used %s); rotate keys every %d days.",
				what, age, date(k.Created), lastUsed(k), MaxKeyAge),
			Fix: "Rotate it: " + keys + " → Create access key, put the new key where the old one is used, then Deactivate and Delete the old one."}, true
	}
	return steps.Finding{}, false
}

// lastUsed is when a used key was last used, and with which service when IAM says.
func lastUsed(k Key) string {
	if k.Service == "" || k.Service == "N/A" {
		return date(k.LastUsed)
	}
	return date(k.LastUsed) + " with " + k.Service
}

func days(d time.Duration) int { return int(math.Floor(d.Hours() / 24)) }

func date(t time.Time) string { return t.Format("2 Jan 2006") }
