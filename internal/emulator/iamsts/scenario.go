package iamsts

import (
	"cmp"
	"errors"
	"fmt"
	"time"
)

// Scenario names accepted by LoadScenario.
const (
	ScenarioEmpty             = "empty"
	ScenarioWordPressFresh    = "wordpress-fresh"
	ScenarioWordPressHardened = "wordpress-hardened"
	// ScenarioWordPressLightsailFresh is the Lightsail scenario of a new instance of the WordPress
	// blueprint packaged by Lightsail; the account's IAM is that of "wordpress-fresh".
	ScenarioWordPressLightsailFresh = "wordpress-lightsail-fresh"
	// ScenarioUbuntuFresh is the Lightsail scenario of a new OS-only Ubuntu 24.04 instance; the
	// account's IAM is that of "wordpress-fresh".
	ScenarioUbuntuFresh = "ubuntu-24.04-fresh"
	// ScenarioFleet is the Lightsail scenario of an account with many instances in several
	// regions; the account's IAM is that of "wordpress-fresh".
	ScenarioFleet = "fleet"
)

// LoadScenario replaces all state with a named starting point:
//   - "empty": root caller, nothing else.
//   - "wordpress-fresh": an account as a Lightsail user has it: root caller
//     with access keys and no MFA, no groups, and one user, wp-backups, made
//     for a backup plugin: no console password, one access key from the
//     scenario epoch last used a month later (old by any clock after April 2025).
//   - "wordpress-lightsail-fresh", "ubuntu-24.04-fresh", "fleet": the same account (the Lightsail side differs).
//   - "wordpress-hardened": what iam-admin leaves behind: group Administrators
//     with AdministratorAccess, user administrator in it with a console password
//     and an enabled virtual MFA device, root with MFA and no keys; the caller is
//     administrator.
func (s *Service) LoadScenario(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch name {
	case ScenarioEmpty:
		s.loadEmpty()
	case ScenarioWordPressFresh, ScenarioWordPressLightsailFresh, ScenarioUbuntuFresh, ScenarioFleet:
		s.loadEmpty()
		s.st.root.AccessKeys = []AccessKey{{ID: s.newAccessKeyID(), Status: "Active", Created: scenarioEpoch}}
		if _, err := s.addUser(backupUser()); err != nil {
			return err // only reachable by a broken backupUser
		}
	case ScenarioWordPressHardened:
		s.loadEmpty()
		s.loadHardened()
	default:
		return fmt.Errorf("IAM scenario %q is not %q, %q, %q, %q, %q or %q",
			name, ScenarioEmpty, ScenarioWordPressFresh, ScenarioWordPressLightsailFresh, ScenarioUbuntuFresh, ScenarioFleet, ScenarioWordPressHardened)
	}
	return nil
}

// backupUser is the fresh account's one IAM user: an S3 backup plugin's key that nobody rotated.
func backupUser() SeedUser {
	return SeedUser{Name: "wp-backups", Keys: []SeedKey{{LastUsed: scenarioEpoch.AddDate(0, 1, 0)}}}
}

func (s *Service) loadEmpty() {
	s.seq = 0
	s.st = newStore()
	s.caller = s.rootARN()
}

func (s *Service) loadHardened() {
	const admin, group = "administrator", "Administrators"
	s.st.users[admin] = &User{
		Name: admin, ID: s.newID("AIDA"), ARN: s.userARN("/", admin), Path: "/", Created: scenarioEpoch,
		LoginProfile: &LoginProfile{Created: scenarioEpoch},
	}
	s.st.groups[group] = &Group{
		Name: group, ID: s.newID("AGPA"), ARN: s.groupARN("/", group), Path: "/", Created: scenarioEpoch,
		Members:            []string{admin},
		AttachedPolicyARNs: []string{"arn:aws:iam::aws:policy/AdministratorAccess"},
	}
	userMFA := s.mfaSerial("/", admin)
	s.st.mfa[userMFA] = &VirtualMFADevice{SerialNumber: userMFA, Base32Seed: s.newSeed(), UserName: admin, EnableDate: scenarioEpoch}
	// AWS names the root user's virtual device root-account-mfa-device.
	rootMFA := s.mfaSerial("/", "root-account-mfa-device")
	s.st.mfa[rootMFA] = &VirtualMFADevice{SerialNumber: rootMFA, Base32Seed: s.newSeed(), ForRoot: true, EnableDate: scenarioEpoch}
	s.st.root.MFASerial = rootMFA
	s.caller = s.st.users[admin].ARN
}

// SeedUser is an IAM user as a scenario or a test puts it in the account: what months of use
// leave behind (a console password, an MFA device, access keys with their dates), set directly.
type SeedUser struct {
	Name    string
	Created time.Time // zero: the scenario epoch
	Console bool      // has a console password (a login profile)
	MFA     bool      // has an enabled virtual MFA device
	Keys    []SeedKey
}

// SeedKey is one access key of a SeedUser.
type SeedKey struct {
	Created time.Time // zero: the user's creation
	// LastUsed is when the key last signed a request, zero when never; Service and Region say
	// where (default "s3" in us-east-1).
	LastUsed        time.Time
	Service, Region string
	Inactive        bool
}

// AddUser puts u into the account with new ids, as if it had been there all along, and returns it.
func (s *Service) AddUser(u SeedUser) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	nu, err := s.addUser(u)
	if err != nil {
		return User{}, err
	}
	return nu.clone(), nil
}

func (s *Service) addUser(u SeedUser) (*User, error) {
	if e := checkName("UserName", u.Name, maxUserName); e != nil {
		return nil, errors.New(e.message)
	}
	if s.findUser(u.Name) != nil {
		return nil, fmt.Errorf("user %s is already in the account", u.Name)
	}
	if len(u.Keys) > accessKeysPerUserQuota {
		return nil, fmt.Errorf("user %s: %d access keys, IAM allows %d", u.Name, len(u.Keys), accessKeysPerUserQuota)
	}
	created := cmp.Or(u.Created, scenarioEpoch).UTC()
	nu := &User{Name: u.Name, ID: s.newID("AIDA"), ARN: s.userARN("/", u.Name), Path: "/", Created: created}
	if u.Console {
		nu.LoginProfile = &LoginProfile{Created: created}
	}
	for _, k := range u.Keys {
		key := AccessKey{ID: s.newAccessKeyID(), Status: "Active", Created: cmp.Or(k.Created, created).UTC()}
		if k.Inactive {
			key.Status = "Inactive"
		}
		if !k.LastUsed.IsZero() {
			key.LastUsed, key.LastUsedService, key.LastUsedRegion = k.LastUsed.UTC(), cmp.Or(k.Service, "s3"), cmp.Or(k.Region, "us-east-1")
		}
		nu.AccessKeys = append(nu.AccessKeys, key)
	}
	if u.MFA {
		serial := s.mfaSerial("/", u.Name)
		if _, taken := s.st.mfa[serial]; taken {
			return nil, fmt.Errorf("user %s: MFA device %s is already in the account", u.Name, serial)
		}
		s.st.mfa[serial] = &VirtualMFADevice{SerialNumber: serial, Base32Seed: s.newSeed(), UserName: u.Name, EnableDate: created}
	}
	s.st.users[u.Name] = nu
	return nu, nil
}
