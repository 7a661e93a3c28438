package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
)

// policy is the subset of an IAM identity policy the emulator evaluates:
// Allow and Deny statements over Action patterns. Resources and conditions
// are ignored, which suits hardsail's policy (it grants actions on "*").
type policy struct {
	allow, deny []string // lower-cased "service:Action" glob patterns
}

type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("want a string or a list of strings: %w", err)
	}
	*s = many
	return nil
}

type statement struct {
	Effect string       `json:"Effect"`
	Action stringOrList `json:"Action"`
}

func parsePolicy(doc []byte) (*policy, error) {
	var raw struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal(doc, &raw); err != nil {
		return nil, fmt.Errorf("parse policy document: %w", err)
	}
	var stmts []statement
	if err := json.Unmarshal(raw.Statement, &stmts); err != nil {
		var one statement
		if err2 := json.Unmarshal(raw.Statement, &one); err2 != nil {
			return nil, fmt.Errorf("parse policy Statement: %w", err)
		}
		stmts = []statement{one}
	}
	if len(stmts) == 0 {
		return nil, errors.New("parse policy document: no Statement")
	}
	p := &policy{}
	for i, s := range stmts {
		for _, a := range s.Action {
			a = strings.ToLower(a)
			if _, err := path.Match(a, ""); err != nil {
				return nil, fmt.Errorf("parse policy statement %d: action %q: %w", i, a, err)
			}
			switch s.Effect {
			case "Allow":
				p.allow = append(p.allow, a)
			case "Deny":
				p.deny = append(p.deny, a)
			default:
				return nil, fmt.Errorf("parse policy statement %d: Effect %q is neither Allow nor Deny", i, s.Effect)
			}
		}
	}
	return p, nil
}

// allows applies IAM's rule: an explicit Deny wins, otherwise some Allow must
// match. Action names compare case-insensitively, as in IAM.
func (p *policy) allows(action string) bool {
	action = strings.ToLower(action)
	match := func(pats []string) bool {
		for _, pat := range pats {
			// IAM wildcards are * and ?; action names never contain '/', so
			// path.Match has exactly those semantics here.
			if ok, _ := path.Match(pat, action); ok {
				return true
			}
		}
		return false
	}
	return !match(p.deny) && match(p.allow)
}
