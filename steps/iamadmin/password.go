package iamadmin

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
)

const (
	// PasswordLength is the generated console password's length: far above any usual policy minimum.
	PasswordLength = 24
	// MaxPasswordLength is the longest password IAM accepts, used when the account's policy asks
	// for more than PasswordLength.
	MaxPasswordLength = 128
)

// The classes an IAM password policy can require. Look-alikes (I l 1 O 0) are left out, as the
// password is read off a screen; the symbols are all in IAM's allowed set.
var passwordClasses = []string{
	"ABCDEFGHJKLMNPQRSTUVWXYZ",
	"abcdefghijkmnopqrstuvwxyz",
	"23456789",
	"!@#$%^&*-_=+",
}

// NewPassword returns a random password of n characters (n ≥ 4) from crypto/rand with at least
// one upper-case letter, lower-case letter, digit and symbol, so it satisfies any IAM password
// policy whose minimum length is at most n.
func NewPassword(n int) (string, error) {
	if n < len(passwordClasses) {
		return "", fmt.Errorf("a password of %d characters cannot hold all %d character classes", n, len(passwordClasses))
	}
	alphabet := strings.Join(passwordClasses, "")
	max := big.NewInt(int64(len(alphabet)))
	for {
		b := make([]byte, n)
		for i := range b {
			k, err := rand.Int(rand.Reader, max)
			if err != nil {
				return "", fmt.Errorf("generate a password: %w", err)
			}
			b[i] = alphabet[k.Int64()]
		}
		// Drawing again until every class appears keeps each character uniform (no fixed positions).
		if hasEveryClass(string(b)) {
			return string(b), nil
		}
	}
}

func hasEveryClass(p string) bool {
	for _, class := range passwordClasses {
		if !strings.ContainsAny(p, class) {
			return false
		}
	}
	return true
}
