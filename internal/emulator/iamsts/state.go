package iamsts

import (
	"maps"
	"slices"
	"time"
)

// State is the whole emulated IAM account. Snapshot returns a deep copy so a
// test can take one before and one after a call and compare them field by field.
type State struct {
	AccountID string
	CallerARN string
	Root      Root
	Users     map[string]User             // by user name as created
	Groups    map[string]Group            // by group name as created
	MFA       map[string]VirtualMFADevice // by serial number
}

// Root is what the account summary reports about the root user.
type Root struct {
	AccessKeys []AccessKey
	// MFASerial names the device in State.MFA that protects root, "" when root has no MFA.
	MFASerial string
}

// User is an IAM user.
type User struct {
	Name         string
	ID           string
	ARN          string
	Path         string
	Created      time.Time
	LoginProfile *LoginProfile // nil when the user has no console password
	AccessKeys   []AccessKey
}

// LoginProfile is a console password. The password itself is never kept: the
// emulator only has to say whether one exists.
type LoginProfile struct {
	Created               time.Time
	PasswordResetRequired bool
}

// Group is an IAM group with its members (user names) and attached managed policy ARNs, in insertion order.
type Group struct {
	Name               string
	ID                 string
	ARN                string
	Path               string
	Created            time.Time
	Members            []string
	AttachedPolicyARNs []string
}

// VirtualMFADevice is a TOTP device; it is enabled when EnableDate is set.
type VirtualMFADevice struct {
	SerialNumber string
	Base32Seed   string
	UserName     string // the IAM user it is enabled for, "" when unassigned or when it protects root
	ForRoot      bool
	EnableDate   time.Time
}

// Enabled reports whether the device is assigned to a user or to root.
func (d VirtualMFADevice) Enabled() bool { return !d.EnableDate.IsZero() }

// AccessKey is an access key's metadata; secrets are never emulated.
type AccessKey struct {
	ID      string
	Status  string // Active | Inactive
	Created time.Time
	// LastUsed is when the key last signed a request, zero when never; LastUsedService and
	// LastUsedRegion are where that request went ("s3", "us-east-1").
	LastUsed        time.Time `json:",omitzero"`
	LastUsedService string    `json:",omitempty"`
	LastUsedRegion  string    `json:",omitempty"`
}

// store is the mutable form of State; pointers let operations edit in place.
type store struct {
	root   Root
	users  map[string]*User
	groups map[string]*Group
	mfa    map[string]*VirtualMFADevice
}

func newStore() store {
	return store{
		users:  map[string]*User{},
		groups: map[string]*Group{},
		mfa:    map[string]*VirtualMFADevice{},
	}
}

func (st *store) snapshot(accountID, caller string) State {
	out := State{
		AccountID: accountID,
		CallerARN: caller,
		Root:      Root{AccessKeys: slices.Clone(st.root.AccessKeys), MFASerial: st.root.MFASerial},
		Users:     make(map[string]User, len(st.users)),
		Groups:    make(map[string]Group, len(st.groups)),
		MFA:       make(map[string]VirtualMFADevice, len(st.mfa)),
	}
	for k, u := range st.users {
		out.Users[k] = u.clone()
	}
	for k, g := range st.groups {
		out.Groups[k] = g.clone()
	}
	for k, d := range st.mfa {
		out.MFA[k] = *d
	}
	return out
}

// clone is a deep copy of u.
func (u User) clone() User {
	u.AccessKeys = slices.Clone(u.AccessKeys)
	if u.LoginProfile != nil {
		lp := *u.LoginProfile
		u.LoginProfile = &lp
	}
	return u
}

// clone is a deep copy of g.
func (g Group) clone() Group {
	g.Members = slices.Clone(g.Members)
	g.AttachedPolicyARNs = slices.Clone(g.AttachedPolicyARNs)
	return g
}

// sortedKeys gives list operations a stable, name-ordered result as IAM does.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
