package iamadmin

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/hardsail/hardsail/steps"
)

// validated decodes entries and checks each against what this step could have journaled: a known
// kind of something it created, at the address its data names, with names IAM accepts, the one
// group and policy it manages, and MFA serials of the caller's account named after the user. The
// first entry that is not is a *steps.TamperedError, and nothing is undone.
func (s *Step) validated(ctx context.Context, env *steps.Env, entries []steps.Entry) ([]item, error) {
	items := make([]item, 0, len(entries))
	mfa := false
	for _, e := range entries {
		var r record
		if err := e.Decode(&r); err != nil {
			return nil, &steps.TamperedError{Entry: e.ID, Why: "its data cannot be read: " + err.Error()}
		}
		if why := checkRecord(e, r); why != "" {
			return nil, &steps.TamperedError{Entry: e.ID, Why: why}
		}
		mfa = mfa || r.Serial != ""
		items = append(items, item{e, r})
	}
	if !mfa {
		return items, nil
	}
	// MFA serials must be ARNs of the account the credentials belong to.
	id, err := env.AWS.Identity(ctx)
	if err != nil {
		return nil, err
	}
	partition := partitionOf(id.ARN)
	for _, it := range items {
		if it.r.Serial == "" {
			continue
		}
		if why := checkSerial(it.r, partition, id.Account); why != "" {
			return nil, &steps.TamperedError{Entry: it.e.ID, Why: why}
		}
	}
	return items, nil
}

// checkRecord returns why r cannot be data this step journaled for e, or "".
func checkRecord(e steps.Entry, r record) string {
	k, ok := kinds[r.Kind]
	groupOnly := r.Kind == kindGroup || r.Kind == kindPolicy
	switch {
	case !ok:
		return fmt.Sprintf("iam-admin journals no mutation of kind %q", r.Kind)
	case r.Origin != created:
		return fmt.Sprintf("iam-admin undoes only what it created, not %q", r.Origin)
	case (r.User != "" || !groupOnly) && !iamName().MatchString(r.User):
		return fmt.Sprintf("%q is not an IAM user name", r.User)
	case (r.Group != "" || groupOnly || r.Kind == kindMembership) && r.Group != GroupName:
		return fmt.Sprintf("iam-admin manages group %s, not %q", GroupName, r.Group)
	case r.Kind == kindPolicy && r.PolicyARN != PolicyARN:
		return fmt.Sprintf("iam-admin attaches %s, not %q", PolicyARN, r.PolicyARN)
	case (r.Kind == kindMFADevice || r.Kind == kindMFAEnable) && r.Serial == "":
		return "an MFA entry names no device"
	case e.Change.Address != k.addr(r):
		return fmt.Sprintf("its data is for %s, its change for %s", k.addr(r), e.Change.Address)
	}
	return ""
}

// datedName matches the suffix createDevice adds to a device name.
var datedName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^-[0-9]{8}T[0-9]{6}$`) })

// checkSerial returns why r's serial cannot be a device this step created in the account, or "".
func checkSerial(r record, partition, account string) string {
	prefix := deviceSerial(partition, account, "")
	name, ok := strings.CutPrefix(r.Serial, prefix)
	if !ok {
		return fmt.Sprintf("MFA device %q is not in account %s", r.Serial, account)
	}
	rest, mine := strings.CutPrefix(name, r.User)
	if !iamName().MatchString(name) || !mine || (rest != "" && !datedName().MatchString(rest)) {
		return fmt.Sprintf("MFA device %q is not one iam-admin names for %s", r.Serial, r.User)
	}
	if r.Device != "" && r.Device != name {
		return fmt.Sprintf("MFA device %q is not named %q", r.Serial, r.Device)
	}
	return ""
}
