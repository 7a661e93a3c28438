package iamsts

import (
	"errors"
	"slices"
)

// Saved is everything a Service holds that a later one must see again: the demo keeps its
// account across runs with it.
type Saved struct {
	State State
	// Seq is where the deterministic ids and seeds carry on from, so none repeats.
	Seq uint64
}

// Save is a deep copy of the account, to Restore later.
func (s *Service) Save() Saved {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Saved{State: s.st.snapshot(s.accountID, s.caller), Seq: s.seq}
}

// Restore replaces all state with what Save returned (of an account with the same id).
func (s *Service) Restore(v Saved) error {
	if v.State.AccountID != s.accountID {
		return errors.New("saved IAM state is of account " + v.State.AccountID + ", not " + s.accountID)
	}
	st := newStore()
	st.root = Root{AccessKeys: slices.Clone(v.State.Root.AccessKeys), MFASerial: v.State.Root.MFASerial}
	for k, u := range v.State.Users {
		c := u.clone()
		st.users[k] = &c
	}
	for k, g := range v.State.Groups {
		c := g.clone()
		st.groups[k] = &c
	}
	for k, d := range v.State.MFA {
		c := d
		st.mfa[k] = &c
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st, s.seq, s.caller = st, v.Seq, v.State.CallerARN
	return nil
}
